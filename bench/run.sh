#!/usr/bin/env bash
# µs per training step, ruleset beside PyTorch (when Debian's python3-torch is installed), in one
# run: bash bench/run.sh [seconds per case]. Build first (bash scripts/test.sh or cmake --build).
# Pin it for figures worth quoting: taskset -c 1 bash bench/run.sh. The ruleset rows carry the
# share of the FMA and sgemm peaks bench_step measured in the same run (its # line); a row of
# feedback alignment, DFA or sign symmetry has no PyTorch twin, and its vs_backprop column is the
# step time over backprop's on the same network.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-1}
export RULESET_PLUGIN_PATH=$PWD/build/plugins
ours=$(./build/bench/bench_step "$secs")
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    theirs=$(/usr/bin/python3 bench/torch_bench.py --min-time "$secs" | grep -v '^#' | tail -n +2)
else
    theirs=""
    echo "(python3-torch not installed: apt-get install python3-torch for the PyTorch column)" >&2
fi
printf '%s\n' "$ours" | grep '^#'
printf 'case\truleset_us\truleset_gflops\tpct_fma_peak\tvs_backprop\t'
printf 'torch_us\ttorch_gflops\tspeedup\n'
# torch_bench names a case "784-256-10_b128" where bench_step says "784-256-10 batch 128"
printf '%s\n' "$ours" | grep -v '^#' | tail -n +2 | while IFS=$'\t' read -r name us gf pf _ vs _; do
    key=$(printf '%s' "$name" \
        | awk '$2 == "batch" && (NF == 3 || $4 == "(+draw)") { print $1 "_b" $3 }')
    t=""
    [ -n "$key" ] && t=$(printf '%s\n' "$theirs" | awk -F'\t' -v k="$key" '$1 == k')
    tus=$(printf '%s' "$t" | cut -f2)
    tgf=$(printf '%s' "$t" | cut -f3)
    if [ -n "$tus" ] && [ "$us" != - ]; then
        sp=$(awk -v a="$tus" -v b="$us" 'BEGIN { printf "%.2fx", a / b }')
    else
        tus=-; tgf=-; sp=-
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$us" "$gf" "$pf" "$vs" "$tus" "$tgf" "$sp"
done
