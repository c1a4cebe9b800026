#!/usr/bin/python3
"""PyTorch reference for notebook 003: XOR with a 2-H-1 MLP.

The notebook's exact model and loop, run over many seeds:
    fc1 = nn.Linear(2, H) -> ReLU -> fc2 = nn.Linear(H, 1) -> Sigmoid
    BCELoss, SGD(lr=0.01), full batch of the 4 rows in {0,1} coding, 10000 steps,
    PyTorch's default init (kaiming_uniform(a=sqrt(5)) weights, U(+-1/sqrt(fan_in)) biases),
    with torch.manual_seed(seed) just before the model is built.

Solved: after training, every row's prediction is on the correct side of 0.5 (> 0.5 for target
1, < 0.5 for target 0). Final loss: BCE of the trained model on the 4 rows (one forward pass
after the last optimizer step). Success rates come with a 95% Wilson score interval.

Run with Debian's torch (apt-get install python3-torch), e.g.
    /usr/bin/python3 tests/data/xor_mlp_torch.py > tests/data/xor_mlp_torch.txt
    /usr/bin/python3 tests/data/xor_mlp_torch.py --hidden 2 --seeds 10 --per-seed
"""
import os

# One thread for real: Debian's torch calls the system BLAS (OpenBLAS), whose own thread pool
# ignores torch.set_num_threads; these must be set before torch is imported.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import math
import multiprocessing
import sys

import numpy as np
import torch


class Feedforward(torch.nn.Module):
    """The notebook's class, verbatim apart from comments."""

    def __init__(self, input_size, hidden_size):
        super(Feedforward, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.fc1 = torch.nn.Linear(self.input_size, self.hidden_size)
        self.relu = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(self.hidden_size, 1)
        self.sigmoid = torch.nn.Sigmoid()

    def forward(self, x):
        hidden = self.fc1(x)
        relu = self.relu(hidden)
        output = self.fc2(relu)
        output = self.sigmoid(output)
        return output


def run(job):
    """Train one seed; returns (hidden, seed, solved, final_loss, predictions)."""
    hidden, seed, steps, lr = job
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = Feedforward(2, hidden)
    criterion = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x_train = torch.FloatTensor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]))
    y_train = torch.FloatTensor(np.array([0, 1, 1, 0]))
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        y_pred = model(x_train)
        loss = criterion(y_pred.squeeze(), y_train)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        y_pred = model(x_train).squeeze()
        final_loss = criterion(y_pred, y_train).item()
    pred = y_pred.tolist()
    solved = all((p > 0.5) if t > 0.5 else (p < 0.5) for p, t in zip(pred, y_train.tolist()))
    return hidden, seed, solved, final_loss, pred


def wilson(k, n, z=1.959963984540054):
    """95% Wilson score interval for k successes out of n."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hidden", default="2,3,8", help="comma-separated hidden sizes (2,3,8)")
    ap.add_argument("--seeds", type=int, default=100, help="seeds 0..N-1 (100)")
    ap.add_argument("--steps", type=int, default=10000, help="SGD steps (10000)")
    ap.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (0.01)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (1)")
    ap.add_argument("--per-seed", action="store_true", help="also print one line per seed")
    args = ap.parse_args()
    hiddens = [int(h) for h in args.hidden.split(",")]
    jobs = [(h, s, args.steps, args.lr) for h in hiddens for s in range(args.seeds)]
    torch.set_num_threads(1)
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.map(run, jobs, chunksize=1)
    else:
        results = [run(j) for j in jobs]

    print("# XOR 2-H-1 ReLU/sigmoid MLP, BCELoss, SGD lr=%g, %d full-batch steps, seeds 0..%d"
          % (args.lr, args.steps, args.seeds - 1))
    print("# torch %s; solved = all 4 predictions on the correct side of 0.5" % torch.__version__)
    if args.per_seed:
        print("H\tseed\tsolved\tfinal_loss\tpred_00\tpred_01\tpred_10\tpred_11")
        for h, s, ok, fl, pred in results:
            print("%d\t%d\t%d\t%.6g\t%s" % (h, s, int(ok), fl, "\t".join("%.4f" % p for p in pred)))
        print()
    print("H\tseeds\tsolved\tsuccess_rate\tci95_low\tci95_high\tfinal_loss_mean\tfinal_loss_sd")
    for h in hiddens:
        rs = [r for r in results if r[0] == h]
        k = sum(1 for r in rs if r[2])
        n = len(rs)
        lo, hi = wilson(k, n)
        losses = np.array([r[3] for r in rs])
        sd = losses.std(ddof=1) if n > 1 else float("nan")
        print("%d\t%d\t%d\t%.2f\t%.3f\t%.3f\t%.4f\t%.4f"
              % (h, n, k, k / n, lo, hi, losses.mean(), sd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
