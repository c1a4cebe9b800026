#!/usr/bin/env bash
# tests/cli/lstm_shipped.sh BINARY SOURCE_DIR FIXTURE_DIR: the shipped meta-learned synapse
# (rules/lstm_synapse.weights.json, found by its default path) solves held-out cells through
# `ruleset compare`, over 60 seeds each (this spec's seed 3, not the evaluation's seed 1):
#   - XOR (±1), which rules/meta.json held out, on 004's 2-10-1 ReLU/tanh network: at least
#     54/60 (docs/RESULTS.md measured 99/100 with rules/lstm-eval.json);
#   - XOR on a network meta-training never saw, 2-10-1 with biases: at least 54/60 (99/100);
#   - the untrained LSTM (weights="") on the same XOR: at most 12/60 (5/100), so the first
#     two are the meta-training's doing, not the architecture's.
# The thresholds sit about 4 standard errors below (above) the measured rates.
set -u
bin=${1:?usage: lstm_shipped.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 1
cat >"$tmp/spec.json" <<EOF
{ "name": "lstm-shipped", "seed": 3, "replicates": 60, "steps": 400, "batch": 1,
  "eval_every": 50,
  "networks": [ { "label": "2-10-1", "hidden": [10], "act": ["relu", "tanh"], "bias": false },
                { "label": "2-10-1+bias", "hidden": [10], "act": ["relu", "tanh"], "bias": true } ],
  "tasks": [ { "plugin": "gates", "params": { "gate": "table", "table": "0110", "coding": "pm1" } } ],
  "rules": [ { "plugin": "lstm_synapse", "label": "shipped" },
             { "plugin": "lstm_synapse", "label": "untrained", "params": { "weights": "" } } ] }
EOF
if ! "$bin" compare "$tmp/spec.json" -o "$tmp/run" --threads 2 --quiet --no-plot >"$tmp/out" 2>&1; then
    echo "FAIL: compare: $(head -c 600 "$tmp/out")"
    exit 1
fi
failures=0
solved() { awk -F'\t' -v r="$1" -v n="$2" '$1 == r && $3 == n { print $5 }' "$tmp/run/summary.tsv"; }
check() { # check RULE NET OP LIMIT
    local got
    got=$(solved "$1" "$2")
    if [ -n "$got" ] && [ "$got" "$3" "$4" ]; then
        echo "ok: $1 on $2 solved $got/60 ($3 $4)"
    else
        echo "FAIL: $1 on $2 solved '${got}'/60, want $3 $4"
        failures=$((failures + 1))
    fi
}
check shipped 2-10-1 -ge 54
check shipped 2-10-1+bias -ge 54
check untrained 2-10-1 -le 12
exit $((failures > 0))
