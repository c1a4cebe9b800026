#!/usr/bin/env bash
# What exploring on fewer steps buys in speed and costs in learning, for the shipped
# lstm_synapse (rules/lstm_synapse.weights.json, meta-trained exploring on every step): the same
# tensors run with explore_every 1 (the shipped rule), 2, 3 and 4 (the perturbation estimate on
# every k-th step only) on the ten cells of rules/lstm-generality.json, its settings (100
# replicates, batch 1, seed 1), then bench_step's 2-10-1 rows of the four (the shipped rule,
# and untrained with explore_every 1 to 4: the same operations), ROUNDS rounds pinned to core $CORE (default 1), per case the median
# step and the median of the per-round ratios to backprop's.
#
# A weights file accepts only the parameters it was meta-trained with, so the runs with
# explore_every 2 to 4 read copies whose recorded explore_every says so, in
# $BUILD/explore-every/: they are the shipped rule evaluated on fewer exploring steps, not
# rules meta-trained that way.
#
# Usage: bash bench/explore_every.sh [rounds (5)]; build first (about 15 s on 2 threads, then
# 13 s a round). $BUILD (default build) is the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
core=${CORE:-1}
build=${BUILD:-build}
export RULESET_PLUGIN_PATH=$build/plugins
tmp=$build/explore-every # a fixed path: the weights' path is one of the rule's parameters,
rm -rf "$tmp"            # and the parameters name the jobs' random streams
mkdir -p "$tmp"
for k in 2 3 4; do
    sed "s/\"explore_every\":\t1,/\"explore_every\":\t$k,/" rules/lstm_synapse.weights.json \
        > "$tmp/every$k.weights.json"
    grep -q "\"explore_every\":.$k," "$tmp/every$k.weights.json"
done
python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
spec = json.load(open("rules/lstm-generality.json"))
spec["name"] = "lstm-explore-every"
spec["description"] = "bench/explore_every.sh: the shipped lstm_synapse exploring on every k-th step, k = 1 to 4, on rules/lstm-generality.json's cells."
spec["rules"] = [{"plugin": "lstm_synapse", "label": "every 1"}] + [
    {"plugin": "lstm_synapse", "label": "every %d" % k,
     "params": {"explore_every": k, "weights": "%s/every%d.weights.json" % (tmp, k)}}
    for k in (2, 3, 4)]
json.dump(spec, open(tmp + "/spec.json", "w"), indent=1)
EOF
"$build/ruleset" compare "$tmp/spec.json" -o "$tmp/run" --threads 2 > "$tmp/log" 2>&1 ||
    { cat "$tmp/log"; exit 1; }
echo "# success rate [95 % Wilson interval] over 100 replicates"
awk -F'\t' 'NR > 1 { printf "%s\t%s, %s\t%.2f [%.2f, %.2f]\n", $1, $2, $3, $10, $11, $12 }' \
    "$tmp/run/summary.tsv"
echo "# bench_step, 2-10-1 batch 1: median microseconds a step and of the ratio to backprop"
for r in $(seq "$rounds"); do
    taskset -c "$core" "$build/bench/bench_step" 0.5 "2-10-1 batch 1" |
        awk -F'\t' -v r="$r" 'NR > 2 && $1 !~ /explore=0|meta_hebbian/ { print r "\t" $1 "\t" $2 }'
done | awk -F'\t' '
    function median(list, n,    v, i, j, t) {
        n = split(list, v, " ")
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
                t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
            }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    $2 == "2-10-1 batch 1" { base[$1] = $3 }
    { t[$2] = t[$2] " " $3; order[$2] = order[$2] ? order[$2] : ++n; name[n] = $2 }
    $2 != "2-10-1 batch 1" { ratio[$2] = ratio[$2] " " $3 / base[$1] }
    END {
        for (i = 1; i <= n; i++)
            printf "%s\t%.4f\t%s\n", name[i], median(t[name[i]]),
                   name[i] in ratio ? sprintf("%.2fx", median(ratio[name[i]])) : "-"
    }'
