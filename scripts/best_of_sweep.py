#!/usr/bin/env python3
"""The best learning rate of every rule in every cell of a `ruleset compare` run, as a
Markdown table (rules as rows, task x network cells as columns).

    python3 scripts/best_of_sweep.py RUNDIR/summary.tsv

Rows of a sweep (`"lr": [...]` in the spec, labelled RULE[lr=...] in summary.tsv) are folded
into one row per rule; each cell shows the success rate with its 95 % Wilson interval at the
learning rate that solved the most runs (ties: the lower mean final loss), that rate in
parentheses, and `div N` when N runs diverged. Standard library only."""
import csv
import math
import sys


def family(rule):
    return rule.split("[lr=")[0]


def rate(rule):
    return rule.split("[lr=")[1].split(",")[0].rstrip("]") if "[lr=" in rule else ""


def score(row):
    loss = float(row["final_loss_mean"]) if row["final_loss_mean"] else math.inf
    return (float(row["success_rate"]), -(loss if math.isfinite(loss) else math.inf))


def main(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except OSError as e:
        print(f"best_of_sweep.py: cannot read {path}: {e.strerror}", file=sys.stderr)
        sys.exit(3)
    need = {"rule", "task", "net", "success_rate", "ci_low", "ci_high", "diverged",
            "final_loss_mean"}
    if not rows or not need <= set(rows[0]):
        print(f"best_of_sweep.py: {path}: not a ruleset summary.tsv (no rows, or missing "
              "columns); give RUNDIR/summary.tsv of `ruleset compare`", file=sys.stderr)
        sys.exit(2)
    cells, rules, best = [], [], {}
    for r in rows:
        cell, fam = (r["task"], r["net"]), family(r["rule"])
        if cell not in cells:
            cells.append(cell)
        if fam not in rules:
            rules.append(fam)
        key = (fam,) + cell
        if key not in best or score(r) > score(best[key]):
            best[key] = r
    print("| rule | " + " | ".join(f"{t}, {n}" for t, n in cells) + " |")
    print("|---" * (len(cells) + 1) + "|")
    for fam in rules:
        out = []
        for cell in cells:
            r = best[(fam,) + cell]
            s = (f"{float(r['success_rate']):.2f} [{float(r['ci_low']):.2f}, "
                 f"{float(r['ci_high']):.2f}]")
            if rate(r["rule"]):
                s += f" ({rate(r['rule'])})"
            if r["diverged"] != "0":
                s += f" div {r['diverged']}"
            out.append(s)
        print(f"| {fam} | " + " | ".join(out) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: best_of_sweep.py RUNDIR/summary.tsv")
    main(sys.argv[1])
