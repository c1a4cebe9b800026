#!/usr/bin/env bash
# The cost of an energy-based step against a backprop step on the same network and batch:
# equilibrium propagation with T free and K nudged iterations (each iteration is about one
# forward pass) should cost at most about (T + K) / 2 backprop steps (a backprop step is a
# forward and a backward pass, about three forward passes' worth of products).
#
#   bash bench/energy_cost.sh [rounds (5)] [cpu (1)] [steps (300)]     build first
#
# Each round runs, pinned to one core and one thread, `ruleset compare` with backprop, eqprop
# (random sign: T free + K nudged iterations a step) and centred eqprop (T + 2K) on
# Fashion-MNIST 784-500-10, sigmoid, batch 20, tol 0 (every iteration runs), the order
# alternating from round to round; the time per step is the runner's us_per_step (the rule's
# steps only: no data loading, no evaluation). Printed: each round's us/step, then the median
# over the rounds of each, their ratios to backprop, and the bound (T + K) / 2.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cpu=${2:-1}
steps=${3:-300}
T=20
K=4
[ -x build/ruleset ] || { echo "energy_cost.sh: build/ruleset missing; build first" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
task="fashion_mnist:train_limit=6000,test_limit=100"
rules=("backprop:lr=0.1"
       "eqprop:lr=0.05,free_iters=$T,nudged_iters=$K,tol=0,nudge=random"
       "eqprop:lr=0.05,free_iters=$T,nudged_iters=$K,tol=0,nudge=centered")
names=(backprop eqprop eqprop_centred)

one() { # rule index, round -> us/step
    local dir="$out/r$2_$1"
    taskset -c "$cpu" ./build/ruleset compare --task "$task" --net 784-500-10 \
        --act sigmoid,sigmoid --rule "${rules[$1]}" --batch 20 --steps "$steps" \
        --eval-every "$steps" --replicates 1 --threads 1 --no-plot --no-save-nets --quiet \
        -o "$dir" >/dev/null 2>&1
    awk -F'\t' 'NR == 2 { print $NF }' "$dir/summary.tsv"
}

declare -A t
for ((r = 0; r < rounds; r++)); do
    order=(0 1 2)
    ((r % 2)) && order=(2 1 0)
    line="round $r:"
    for i in "${order[@]}"; do
        t[$i,$r]=$(one "$i" "$r")
    done
    for i in 0 1 2; do line+=" ${names[$i]} ${t[$i,$r]}"; done
    echo "$line us/step"
done

median() {
    sort -g | awk '{ v[NR] = $1 }
                   END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
declare -A med
for i in 0 1 2; do
    med[$i]=$(for ((r = 0; r < rounds; r++)); do echo "${t[$i,$r]}"; done | median)
done
echo "median us/step: backprop ${med[0]}, eqprop ${med[1]}, eqprop_centred ${med[2]}"
awk -v b="${med[0]}" -v e="${med[1]}" -v c="${med[2]}" -v T="$T" -v K="$K" 'BEGIN {
    printf "eqprop / backprop = %.2f (bound (T + K) / 2 = %.1f)\n", e / b, (T + K) / 2
    printf "eqprop_centred / backprop = %.2f (bound (T + 2K) / 2 = %.1f)\n", c / b, (T + 2 * K) / 2
}'
