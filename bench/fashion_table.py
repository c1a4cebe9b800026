#!/usr/bin/env python3
"""The table of docs/RESULTS.md from a finished `ruleset compare` of rules/fashion-mnist-all.json.

    /usr/bin/python3 bench/fashion_table.py OUT_DIR [TRAIN_EXAMPLES (60000)]

Reads OUT_DIR/spec.json (each rule's batch and steps, the spec's defaults) and OUT_DIR/journal.tsv
(one J line per job: rule|task|network|replicate, status, ..., final_acc, us_per_step) and prints
one Markdown row per rule and network: replicates, test accuracy mean +- sd over the replicates
(sample sd), epochs (steps x batch / training examples), seconds per epoch (the median
us_per_step over the replicates x steps per epoch: the rule's steps only, no evaluation), and
the wall minutes the row's steps took in all (every replicate)."""
import json
import statistics
import sys


def rule_settings(spec):
    """label -> (steps, batch) for every rule item, expanded labels matched by prefix."""
    out = []
    for item in spec["rules"]:
        if isinstance(item, str):
            continue
        out.append((item.get("label") or item["plugin"], item.get("steps", spec.get("steps")),
                    item.get("batch", spec.get("batch"))))
    return out


def main():
    out_dir = sys.argv[1]
    n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    with open(out_dir + "/spec.json") as f:
        spec = json.load(f)
    settings = rule_settings(spec)
    rows = {}
    order = []
    with open(out_dir + "/journal.tsv") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] != "J":
                continue
            rule, task, net, _rep = cols[2].split("|")
            key = (rule, net)
            if key not in rows:
                rows[key] = []
                order.append(key)
            rows[key].append((int(cols[3]), float(cols[7]), float(cols[8])))
    print("| rule | network | reps | test accuracy | epochs | s / epoch | wall min (row) |")
    print("|---|---|---|---|---|---|---|")
    for key in order:
        rule, net = key
        runs = rows[key]
        accs = [a for status, a, _ in runs if status == 1]  # RS_JOB_OK
        us = statistics.median(u for _, _, u in runs)
        steps, batch = next(((s, b) for label, s, b in settings
                             if rule == label or rule.startswith(label + "[")),
                            (spec.get("steps"), spec.get("batch")))
        per_epoch = n_train / batch
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        acc = f"{statistics.mean(accs):.4f} ± {sd:.4f}" if accs else "—"
        bad = len(runs) - len(accs)
        if bad:
            acc += f" ({bad} diverged or failed)"
        total_min = sum(u for _, _, u in runs) * steps / 1e6 / 60
        print(f"| {rule} | {net} | {len(runs)} | {acc} | {steps * batch / n_train:.3g} | "
              f"{us * per_epoch / 1e6:.3g} | {total_min:.3g} |")


if __name__ == "__main__":
    main()
