#!/usr/bin/env bash
# The meta-learned rules' step against backprop's: bench_step's cases on 2-10-1 (batch 1) and
# 784-256-10 (batch 128, random data), ROUNDS rounds, each running both networks' cases (backprop,
# lstm_synapse, meta_hebbian and the other gradient rules) one after the other in one process
# per network, so every ratio compares timings taken minutes apart at most; then per case the
# median time over the rounds and the median, lowest and highest of its per-round ratios to
# backprop on the same network. Times are bench_step's: CPU time, the best of 5 timings each.
# With Fashion-MNIST installed (dataset-fashion-mnist), each round also trains backprop,
# lstm_synapse and meta_hebbian two epochs of it (bench_epoch, 784-256-10, batch 128, the same
# batches) and takes the CPU seconds of epoch 2; those rows are in seconds.
#
# Usage: bash bench/lstm_speed.sh [rounds (3) [seconds per case (0.5)]]; build first. Pinned to
# core $CORE (default 1): run it on an otherwise idle core for figures worth quoting. $BUILD
# (default build) is the build folder whose bench/bench_step and plugins/ are timed.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
secs=${2:-0.5}
core=${CORE:-1}
build=${BUILD:-build}
export RULESET_PLUGIN_PATH=$build/plugins
fashion=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
epoch="Fashion-MNIST epoch 2 (s)"
for r in $(seq "$rounds"); do
    for net in "2-10-1 batch 1" "784-256-10 batch 128"; do
        taskset -c "$core" "$build/bench/bench_step" "$secs" "$net" |
            awk -F'\t' -v r="$r" -v net="$net" 'NR > 2 && $2 != "-" { print r "\t" net "\t" $1 "\t" $2 }'
    done
    [ -f "$fashion" ] || continue
    for rule in backprop lstm_synapse meta_hebbian; do
        name="$epoch"
        [ "$rule" = backprop ] || name="$epoch $rule"
        taskset -c "$core" "$build/bench/bench_epoch" --epochs 2 --rule "$rule" |
            awk -F'\t' -v r="$r" -v net="$epoch" -v name="$name" '$1 == 2 { print r "\t" net "\t" name "\t" $3 }'
    done
done | awk -F'\t' '
    function median(list, n,    v, i, j, t) { # list: space-separated numbers
        n = split(list, v, " ")
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
                t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
            }
        lo = v[1]; hi = v[n]
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    { us[$1, $3] = $4; net[$3] = $2; if (!($3 in seen)) { seen[$3] = 1; order[++n_case] = $3 }
      rounds = $1 > rounds ? $1 : rounds }
    END {
        printf "case\tmedian_us_or_s\tvs_backprop_median\tvs_backprop_range\n"
        for (c = 1; c <= n_case; c++) {
            name = order[c]; times = ""; ratios = ""
            for (r = 1; r <= rounds; r++) {
                if (!((r, name) in us)) continue
                times = times " " us[r, name]
                if ((r, net[name]) in us) ratios = ratios " " us[r, name] / us[r, net[name]]
            }
            m = median(times)
            if (name == net[name]) { printf "%s\t%.4g\t-\t-\n", name, m; continue }
            rm = median(ratios)
            printf "%s\t%.4g\t%.2fx\t%.2f-%.2fx\n", name, m, rm, lo, hi
        }
    }'
