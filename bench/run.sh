#!/usr/bin/env bash
# µs per backprop step, ruleset beside PyTorch (when Debian's python3-torch is installed), in one
# run: bash bench/run.sh [seconds per case]. Build first (bash scripts/test.sh or cmake --build).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-1}
export RULESET_PLUGIN_PATH=$PWD/build/plugins
ours=$(./build/bench/bench_step "$secs" | tail -n +2)
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    theirs=$(/usr/bin/python3 bench/torch_bench.py --min-time "$secs" | grep -v '^#' | tail -n +2)
else
    theirs=""
    echo "(python3-torch not installed: apt-get install python3-torch for the PyTorch column)" >&2
fi
printf 'case\truleset_us\truleset_gflops\ttorch_us\ttorch_gflops\tspeedup\n'
i=0
while IFS=$'\t' read -r name us gf _; do
    i=$((i + 1))
    t=$(printf '%s\n' "$theirs" | sed -n "${i}p")
    tus=$(printf '%s' "$t" | cut -f2)
    tgf=$(printf '%s' "$t" | cut -f3)
    if [ -n "$tus" ]; then
        sp=$(awk -v a="$tus" -v b="$us" 'BEGIN { printf "%.0fx", a / b }')
    else
        tus=-; tgf=-; sp=-
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$us" "$gf" "$tus" "$tgf" "$sp"
done <<< "$ours"
