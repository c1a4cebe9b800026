#!/usr/bin/python3
"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) in plain PyTorch, one thread: the PyTorch side of
bench/epoch.sh (seconds per epoch) and of the faithfulness check (test accuracy per seed after
N epochs), written as the textbook loop: nn.Linear, nn.ReLU, nn.CrossEntropyLoss, torch.optim.SGD.

The recipe, the same as bench/bench_epoch.c and as a ruleset spec must state it:
  data      the four IDX .gz files of /usr/share/datasets/fashion-mnist (Debian's
            dataset-fashion-mnist), pixels / 255 (torchvision's ToTensor, no Normalize),
            labels as class indices
  network   784-256-10 (--hidden), ReLU between, biases; nn.Linear's default init
            (kaiming_uniform a=sqrt(5) = U(+-1/sqrt(fan_in)) for W, U(+-1/sqrt(fan_in)) for b),
            which ruleset's `pytorch` init draws too
  training  nn.CrossEntropyLoss (mean over the batch), torch.optim.SGD lr 0.1 (--lr),
            momentum 0, weight_decay 0, dampening 0, nesterov off; batch 128 in a fresh
            shuffle each epoch (torch.randperm), the last batch the 96 left over
            (60000 = 468 x 128 + 96: 469 steps, DataLoader's drop_last=False)
  seed      torch.manual_seed(seed) before building the network: init and shuffles
  test      accuracy (argmax of the logits) on the 10000 test images after the last epoch

Timed: only the training loop of each epoch (forward, loss, zero_grad, backward, step over the
469 batches). Not timed: reading the files, the shuffle and cutting the epoch into batches
(x[perm] then contiguous slices, done before the clock starts, as bench_epoch.c does), the test.

Usage:
  /usr/bin/python3 bench/torch_fashion.py [--epochs 1] [--seeds 0] [--hidden 256] [--lr 0.1]
  --seeds 0,1,2,3,4 --epochs 5    the faithfulness run
Output (TSV): "seed epoch seconds cpu_seconds train_loss" per epoch (wall clock, and the CPU
time of the process, time.process_time, which leaves out other load on a shared core), then "seed test_acc A" per seed; a
# header names torch and the thread count.
"""
import os

# One thread for real: Debian's torch calls the system BLAS (OpenBLAS), whose own thread pool
# ignores torch.set_num_threads; these must be set before torch is imported.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import gzip
import struct
import sys
import time

import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, images):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic != (0x803 if images else 0x801):
        sys.exit("torch_fashion: %s is not an IDX %s file" % (path, "image" if images else "label"))
    if images:
        rows, cols = struct.unpack(">II", raw[8:16])
        t = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(n, rows * cols)
        return t.to(torch.float32) / 255
    return torch.frombuffer(bytearray(raw[8:]), dtype=torch.uint8).to(torch.int64)


def load(data, split):
    x = read_idx(os.path.join(data, "%s-images-idx3-ubyte.gz" % split), True)
    y = read_idx(os.path.join(data, "%s-labels-idx1-ubyte.gz" % split), False)
    return x, y


def mlp(hidden):
    return nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def epoch(model, opt, loss_fn, x, y, batch):
    """One shuffled epoch; returns (wall and CPU seconds of the training loop, mean loss)."""
    perm = torch.randperm(x.shape[0])
    xs, ys = x[perm].contiguous(), y[perm].contiguous()
    batches = [(xs[i:i + batch], ys[i:i + batch]) for i in range(0, x.shape[0], batch)]
    total = torch.zeros(())
    t0, c0 = time.perf_counter(), time.process_time()
    for xb, yb in batches:
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.detach()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return secs, cpu, total.item() / len(batches)


@torch.no_grad()
def accuracy(model, x, y):
    return (model(x).argmax(dim=1) == y).double().mean().item()


def main():
    ap = argparse.ArgumentParser(description="Fashion-MNIST epochs in plain PyTorch, one thread")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seeds", default="0", help="comma-separated seeds (0)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(1)
    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "t10k")
    print("# torch %s, %d thread, 784-%d-10, SGD lr %g, batch %d"
          % (torch.__version__, torch.get_num_threads(), args.hidden, args.lr, args.batch))
    print("seed\tepoch\tseconds\tcpu_seconds\ttrain_loss")
    accs = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        torch.manual_seed(seed)
        model = mlp(args.hidden)
        opt = torch.optim.SGD(model.parameters(), lr=args.lr)
        loss_fn = nn.CrossEntropyLoss()
        for e in range(1, args.epochs + 1):
            secs, cpu, loss = epoch(model, opt, loss_fn, xtr, ytr, args.batch)
            print("%d\t%d\t%.4f\t%.4f\t%.4f" % (seed, e, secs, cpu, loss))
            sys.stdout.flush()
        accs.append(accuracy(model, xte, yte))
        print("%d\ttest_acc\t%.4f" % (seed, accs[-1]))
    if len(accs) > 1:
        print("mean\ttest_acc\t%.4f" % (sum(accs) / len(accs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
