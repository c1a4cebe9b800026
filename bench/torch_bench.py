#!/usr/bin/python3
"""Microseconds per training step in PyTorch, single thread: the reference ruleset's own
step times are compared with (bench/, never part of ctest).

Cases (one step = draw or take the batch, forward, loss, zero_grad, backward, SGD step):
  2-2-1_b1        ReLU MLP 2-2-1, batch 1, MSE, SGD; the batch drawn each step as in
                  notebook 001's training loop (rules/circuits.json): x = torch.rand(1,2)*2-1, y = x.sum(1, keepdim)
  2-2-1_b1000     the same at batch 1000, drawing included (001's `add` task)
  2-10-1_b1       ReLU MLP 2-10-1, batch 1, MSE, SGD, drawn as above
  784-256-10_b128 ReLU MLP 784-256-10, batch 128, softmax cross-entropy, SGD, on one fixed
                  random batch (x ~ U(0,1), labels uniform in 0..9)
  784-1000-10_b128, 784-1000-1000-10_b128   the same, wider and deeper
The small nets are 001's Neural_Net: nn.Linear layers without bias, ReLU between, as its
`add` cell builds them; 784-256-10 has biases (the usual MNIST MLP).

FLOP rate: flops/step = 2 * B * sum over layers (n_in * n_out) * (3, or 2 for the first
layer), i.e. 2 flops per multiply-add in the forward matmul, as much for the weight gradient
and as much for the input gradient, which the first layer does not need (autograd skips it:
the input does not require grad); biases, activations, the loss and the SGD update are not
counted. bench_step.c counts the same. gflops =
flops/step / (seconds per step) / 1e9.

Timing: torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1 (set below); a warm-up of
>= 0.2 s; then 5 repeats of >= 0.5 s each (time.perf_counter), reporting the fastest repeat's
time per step (the least disturbed by other processes; timeit's advice).

Usage: /usr/bin/python3 bench/torch_bench.py [--min-time 0.5] [--case NAME ...]
Output: a tab-separated table `case  us_per_step  gflops`, with a # header naming torch.
"""
import os

# One thread for real: Debian's torch calls the system BLAS (OpenBLAS), whose own thread pool
# ignores torch.set_num_threads; these must be set before torch is imported.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import platform
import sys
import time

import torch
from torch import nn


def mlp(sizes, bias):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def regression_case(sizes, batch):
    """001's train() loop body for y = x1 + x2 with a fresh batch each step."""
    model = mlp(sizes, bias=False)
    loss_fn = nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    n_in = sizes[0]

    def step():
        model.train()
        x = torch.rand((batch, n_in)) * 2 - 1
        y = x.sum(dim=1, keepdim=True)
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def classification_case(sizes, batch):
    model = mlp(sizes, bias=True)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand((batch, sizes[0]))
    y = torch.randint(0, sizes[-1], (batch,))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


CASES = [
    ("2-2-1_b1", (2, 2, 1), 1, regression_case),
    ("2-2-1_b1000", (2, 2, 1), 1000, regression_case),
    ("2-10-1_b1", (2, 10, 1), 1, regression_case),
    ("784-256-10_b128", (784, 256, 10), 128, classification_case),
    ("784-1000-10_b128", (784, 1000, 10), 128, classification_case),
    ("784-1000-1000-10_b128", (784, 1000, 1000, 10), 128, classification_case),
]


def flops_per_step(sizes, batch):
    return 2 * batch * sum((3 if i else 2) * sizes[i] * sizes[i + 1]
                           for i in range(len(sizes) - 1))


def time_steps(step, min_time):
    """Runs step() in growing chunks until min_time has passed; returns seconds per step."""
    n, total, steps = 16, 0.0, 0
    while total < min_time:
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        total += time.perf_counter() - t0
        steps += n
        n *= 2
    return total / steps


def main():
    ap = argparse.ArgumentParser(description="PyTorch us/step reference, single thread")
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repeat (0.5)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats, fastest reported (5)")
    ap.add_argument("--case", action="append", help="run only these cases")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print("# torch %s, %d thread, python %s, %s" % (torch.__version__, torch.get_num_threads(),
                                                    platform.python_version(), platform.machine()))
    print("# flops/step = 2 * batch * sum((3, first layer 2) * n_in * n_out); "
          "fastest of %d repeats of >= %g s"
          % (args.repeats, args.min_time))
    print("case\tus_per_step\tgflops")
    for name, sizes, batch, make in CASES:
        if args.case and name not in args.case:
            continue
        step = make(sizes, batch)
        time_steps(step, 0.2)  # warm-up: allocator, autograd graph caches
        sec = min(time_steps(step, args.min_time) for _ in range(args.repeats))
        print("%s\t%.3f\t%.4f" % (name, sec * 1e6, flops_per_step(sizes, batch) / sec / 1e9))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
