#!/usr/bin/env python3
"""The table of docs/RESULTS.md from finished `ruleset compare` runs of rules/fashion-mnist-all.json.

    /usr/bin/python3 bench/fashion_table.py OUT_DIR [OUT_DIR ...] [--train-examples N] [--threads T]
        [--predict SPEC]

Reads each OUT_DIR/spec.json (each rule's batch and steps, the spec's defaults) and
OUT_DIR/journal.tsv (one J2 record per job: rule|task|network|replicate, status, final accuracy,
µs per step, then its curve points with the alignment columns when the run had "alignment")
and prints one Markdown row per rule and network, the journals of several folders (parts of one
spec run apart, or `ruleset merge`d shards) read as one:

- reps, and the test accuracy mean ± sd over the replicates (sample sd) after the last step;
- align (last): per weight layer, first to last, the cosine between the rule's weight change
  and backprop's gradient of the task's loss on the same batch (align_1..align_L), at the last
  evaluation point, mean over the replicates; align (run): the same averaged over every
  evaluation point after step 0 and every replicate. "—" where the rule left the layer
  unchanged (lr 0, features annealed to rest) or the run has no alignment;
- epochs = steps x batch / training examples (N, default 60000);
- s / epoch: the median over the replicates of the job's µs per step x steps per epoch; job
  min (row): the replicates' µs per step x steps, summed. Both are wall-clock time of the
  job's own training steps (the job runs on one thread, timed by the monotonic clock):
  neither the evaluations nor the alignment's extra backward pass is in them, and on a
  machine busy with other work they grow with its load.

A last line sums the job minutes of every row and divides by T threads (default 2): the least
wall time the training steps of the table take on T cores.

With --predict SPEC the steps and replicates of each row come from SPEC instead of the run's
spec.json: the µs per step of a short run (`--steps 60 --replicates 1`) then predict the job
minutes of the full spec (per-step costs do not depend on the number of steps)."""
import json
import math
import statistics
import sys


def rule_settings(spec):
    """(label, steps, batch) for every rule item; expanded labels are matched by prefix."""
    out = []
    for item in spec["rules"]:
        if isinstance(item, str):
            continue
        out.append((item.get("label") or item["plugin"], item.get("steps", spec.get("steps")),
                    item.get("batch", spec.get("batch"))))
    return out


def unescape(text):
    """A TSV field as the runner escaped it (backslash, tab, newline, return)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def read_journal(path):
    """Jobs of one journal: dicts of key, status, acc, us, points [(step, [align...])]."""
    jobs = []
    with open(path) as f:
        job = None
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] in ("J", "J2"):
                n_metrics = int(cols[10])
                n_align = int(cols[11]) if cols[0] == "J2" else 0
                job = {"key": unescape(cols[2]), "status": int(cols[3]), "acc": float(cols[7]),
                       "us": float(cols[8]), "n_metrics": n_metrics, "n_align": n_align,
                       "points": []}
                jobs.append(job)
            elif cols[0] == "P" and job is not None and job["n_align"]:
                first = 6 + job["n_metrics"]  # P, step, loss, acc, epoch, train_loss, metrics
                job["points"].append((int(cols[1]),
                                      [float(v) for v in cols[first:first + job["n_align"]]]))
    return jobs


def mean_finite(values):
    vals = [v for v in values if not math.isnan(v)]
    return statistics.mean(vals) if vals else math.nan


def align_text(per_layer):
    """'0.25, 1.00' for the layers' means, '—' for a layer without a value."""
    if not per_layer:
        return "—"
    return ", ".join("—" if math.isnan(v) else f"{v:.2f}" for v in per_layer)


def alignments(runs):
    """(last point's per-layer mean over replicates, every point's after step 0)."""
    n = max((j["n_align"] for j in runs), default=0)
    last, every = [], []
    for layer in range(n):
        last.append(mean_finite([j["points"][-1][1][layer] for j in runs
                                 if j["points"] and layer < j["n_align"]]))
        every.append(mean_finite([p[1][layer] for j in runs if layer < j["n_align"]
                                  for p in j["points"] if p[0] > 0]))
    return last, every


def replicates_of(spec, rule):
    """The replicates a rule item of spec runs (its own, else the spec's, else 10)."""
    for item in spec["rules"]:
        if isinstance(item, dict) and (item.get("label") or item["plugin"]) in (
                rule, rule.split("[")[0]):
            return item.get("replicates", spec.get("replicates", 10))
    return spec.get("replicates", 10)


def row(rule, net, runs, settings, spec, n_train, predict=None):
    """One Markdown row and the row's job minutes (predicted for the spec `predict`)."""
    accs = [j["acc"] for j in runs if j["status"] == 1]  # RS_JOB_OK
    steps, batch = next(((s, b) for label, s, b in settings
                         if rule == label or rule.startswith(label + "[")),
                        (spec.get("steps"), spec.get("batch")))
    sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
    acc = f"{statistics.mean(accs):.4f} ± {sd:.4f}" if accs else "—"
    if len(runs) > len(accs):
        acc += f" ({len(runs) - len(accs)} diverged or failed)"
    last, every = alignments(runs)
    per_epoch_s = statistics.median(j["us"] for j in runs) * n_train / batch / 1e6
    job_min = sum(j["us"] for j in runs) * steps / 1e6 / 60
    if predict:
        steps = next((s for label, s, _ in rule_settings(predict)
                      if rule == label or rule.startswith(label + "[")), predict.get("steps"))
        job_min = (statistics.median(j["us"] for j in runs) * steps
                   * replicates_of(predict, rule) / 1e6 / 60)
    return (f"| {rule} | {net} | {len(runs)} | {acc} | {align_text(last)} | "
            f"{align_text(every)} | {steps * batch / n_train:.3g} | {per_epoch_s:.3g} | "
            f"{job_min:.3g} |"), job_min


def parse_args(argv):
    dirs, n_train, threads, predict, i = [], 60000, 2, None, 0
    while i < len(argv):
        if argv[i] in ("--train-examples", "--threads", "--predict") and i + 1 < len(argv):
            if argv[i] == "--threads":
                threads = int(argv[i + 1])
            elif argv[i] == "--predict":
                with open(argv[i + 1]) as f:
                    predict = json.load(f)
            else:
                n_train = int(argv[i + 1])
            i += 2
        else:
            dirs.append(argv[i])
            i += 1
    if not dirs:
        sys.exit(__doc__)
    return dirs, n_train, threads, predict


def main():
    dirs, n_train, threads, predict = parse_args(sys.argv[1:])
    with open(dirs[0] + "/spec.json") as f:
        spec = json.load(f)
    settings = rule_settings(spec)
    rows, order = {}, []
    for d in dirs:
        for job in read_journal(d + "/journal.tsv"):
            rule, _task, net, _rep = job["key"].split("|")
            if (rule, net) not in rows:
                rows[(rule, net)] = []
                order.append((rule, net))
            rows[(rule, net)].append(job)
    print("| rule | network | reps | test accuracy | align (last) | align (run) | epochs | "
          "s / epoch | job min (row) |")
    print("|---|---|---|---|---|---|---|---|---|")
    total = 0.0
    for rule, net in order:
        text, job_min = row(rule, net, rows[(rule, net)], settings, spec, n_train, predict)
        total += job_min
        print(text)
    what = "predicted for that spec" if predict else "wall clock of each job"
    print(f"\nTraining steps of every row: {total:.1f} job minutes ({what}), "
          f"at least {total / threads:.1f} minutes of wall time on {threads} threads "
          f"(evaluations not counted).")


if __name__ == "__main__":
    main()
