#!/usr/bin/env python3
"""hebbian_004_reference.py: notebook 004's supervised-Hebbian experiment, re-implemented line
for line in plain Python (no torch, no numpy), as an independent check of plugins/rules/hebbian.c
with mode=supervised,down=notebook (rules/local-rules.json).

What it copies from notebook 004:
  - ToyNetwork(2, hidden, 1): nn.Linear layers without bias, PyTorch's default init
    W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); ReLU hidden, tanh output.
  - supervised_hebbian_update(x, t, 0.01): for layer_no = L-1 .. 1 (0-based, so the first layer
    never changes): x_l = the ReLU forward up to layer_no, W[layer_no] += lr * y^T x_l, clamp to
    [-1, 1], y = x_l; y starts as the target.
  - the loop: `steps` updates, each on one row drawn uniformly (np.random.randint(0, 4)); then
    success when (forward(input) > 0) equals (target > 0) on all four rows.
Inputs and targets are in {-1, +1}. The random streams are Python's, not PyTorch's: only the
rates can agree, within their confidence intervals.

usage: hebbian_004_reference.py [replicates] [seed]   (prints one line per table cell)
"""
import math
import random
import sys

ROWS = [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)]
TARGETS = {"AND": [-1.0, -1.0, -1.0, 1.0], "XOR": [-1.0, 1.0, 1.0, -1.0]}


def init(sizes, rng):
    """One (n_out x n_in) list of rows per layer, nn.Linear's default U(+-1/sqrt(fan_in))."""
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        bound = 1.0 / math.sqrt(n_in)
        layers.append([[rng.uniform(-bound, bound) for _ in range(n_in)] for _ in range(n_out)])
    return layers


def dense(w, x):
    return [sum(wij * xj for wij, xj in zip(row, x)) for row in w]


def relu_upto(layers, x, k):
    """ReLU forward through layers[:k] (the notebook's loop inside the update)."""
    for w in layers[:k]:
        x = [max(0.0, v) for v in dense(w, x)]
    return x


def forward(layers, x):
    x = relu_upto(layers, x, len(layers) - 1)
    return [math.tanh(v) for v in dense(layers[-1], x)]


def update(layers, x, t, lr):
    y = [t]
    for layer_no in range(len(layers) - 1, 0, -1):
        xl = relu_upto(layers, x, layer_no)
        w = layers[layer_no]
        for i, yi in enumerate(y):
            row = w[i]
            for j, xj in enumerate(xl):
                row[j] = min(1.0, max(-1.0, row[j] + lr * yi * xj))
        y = xl


def run(task, hidden, steps, reps, rng):
    targets = TARGETS[task]
    solved = 0
    for _ in range(reps):
        layers = init([2] + hidden + [1], rng)
        for _ in range(steps):
            r = rng.randrange(4)
            update(layers, ROWS[r], targets[r], 0.01)
        solved += all((forward(layers, ROWS[r])[0] > 0) == (targets[r] > 0) for r in range(4))
    return solved


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    # the notebook's cells: AND [10,10] ran 1000 steps (its comment says 400), all others 400
    cells = [("AND", [10], 400), ("AND", [100], 400), ("AND", [10, 10], 1000),
             ("XOR", [10], 400), ("XOR", [100], 400), ("XOR", [10, 10], 400)]
    for task, hidden, steps in cells:
        k = run(task, hidden, steps, reps, rng)
        print(f"{task}\t{hidden}\t{steps}\t{k}/{reps}\t{k / reps:.3f}", flush=True)


if __name__ == "__main__":
    main()
