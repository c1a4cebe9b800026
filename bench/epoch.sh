#!/usr/bin/env bash
# Seconds per epoch of Fashion-MNIST 784-256-10, batch 128, one thread, data loading excluded:
# ruleset's backprop rule (bench/bench_epoch.c) against the same epoch in plain PyTorch
# (bench/torch_fashion.py, Debian's python3-torch), pinned to one core, interleaved round by
# round (the order alternating, so drift in the machine's speed hits both sides alike).
#
#   bash bench/epoch.sh [rounds (5)] [cpu (1)]      build first (cmake --build build)
#
# Each round starts each side once; a side trains two epochs and both are reported: epoch 1
# includes the first touches of the weights and, for PyTorch, its allocator's warm-up; epoch 2 is
# the steady state, given as wall seconds and as the CPU seconds the process got (on a core
# shared with other load the wall clock also counts the others' turns; the CPU clock does not).
# Printed: each round's times, then medians over the rounds and the ratio torch / ruleset of
# the medians (> 1: ruleset is faster), and the median of the per-round ratios. The PyTorch runs print their test accuracy too (one seed): for the faithfulness check
# over 5 seeds use torch_fashion.py --seeds 0,1,2,3,4 --epochs N beside ruleset's compare.
#
# What bounds the ratio: an epoch is 60000 x (4 x 784 x 256 + 6 x 256 x 10) = 49.1 GFLOP of
# matrix products (bench_step.c's count), the same on both sides, and both run them through the
# same OpenBLAS sgemm. At the FMA peak bench_step measures on a Zen 4 core (117.5 GFLOP/s) that
# is 0.42 s; ruleset's epoch runs at about 95 GFLOP/s (97 % of the sgemm peak, 82 % of the FMA
# peak), so its lead over PyTorch is PyTorch's own overhead around the same products, not a
# multiple. On that core, shared with other load, runs of 7 to 9 rounds gave medians of epoch 2
# of 0.53-0.54 CPU seconds for ruleset and 0.69-0.73 for PyTorch (ratio 1.32x-1.35x), and wall
# ratios of medians of 1.26x-1.42x.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cpu=${2:-1}
export RULESET_PLUGIN_PATH=$PWD/build/plugins
ours=(taskset -c "$cpu" ./build/bench/bench_epoch --epochs 2)
theirs=(taskset -c "$cpu" /usr/bin/python3 bench/torch_fashion.py --epochs 2)
[ -x build/bench/bench_epoch ] \
    || { echo "epoch.sh: build/bench/bench_epoch missing; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import torch' 2>/dev/null \
    || { echo "epoch.sh: python3-torch missing: apt-get install python3-torch" >&2; exit 2; }

# The wall times of epochs 1 and 2 and the CPU time of epoch 2 of one run, from either TSV.
ruleset_run() {
    "${ours[@]}" | awk -F'\t' '$1 ~ /^[0-9]+$/ { t[$1] = $2; c[$1] = $3 }
                                END { print t[1], t[2], c[2] }'
}
torch_run() {
    "${theirs[@]}" | awk -F'\t' '$2 ~ /^[0-9]+$/ { t[$2] = $3; c[$2] = $4 }
                                  END { print t[1], t[2], c[2] }'
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf 'round\truleset_e1\truleset_e2\truleset_e2_cpu\ttorch_e1\ttorch_e2\ttorch_e2_cpu\n'
for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
        a=$(ruleset_run); b=$(torch_run)
    else
        b=$(torch_run); a=$(ruleset_run)
    fi
    printf '%s\t%s\t%s\n' "$r" "${a// /$'\t'}" "${b// /$'\t'}" | tee -a "$tmp"
done
awk -F'\t' '
function median(v, n,   i, j, t) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{ n++; r1[n] = $2; r2[n] = $3; rc[n] = $4; t1[n] = $5; t2[n] = $6; tc[n] = $7
  q1[n] = $5 / $2; q2[n] = $6 / $3; qc[n] = $7 / $4 }
END {
    m1 = median(r1, n); m2 = median(r2, n); mc = median(rc, n)
    p1 = median(t1, n); p2 = median(t2, n); pc = median(tc, n)
    printf "median\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n", m1, m2, mc, p1, p2, pc
    printf "# torch/ruleset, ratio of medians: epoch 1 %.2fx, epoch 2 %.2fx, epoch 2 CPU %.2fx\n",
        p1 / m1, p2 / m2, pc / mc
    printf "# median of per-round ratios: %.2fx, %.2fx, CPU %.2fx\n", median(q1, n),
        median(q2, n), median(qc, n)
}' "$tmp"
