#!/usr/bin/env bash
# Faithfulness: ruleset's backprop against a plain PyTorch loop on the same network,
# hyperparameters and number of epochs (Fashion-MNIST 784-256-10, batch 128, SGD lr 0.1, no
# momentum, no weight decay, PyTorch's default init, pixels / 255: the recipe in the header of
# bench/torch_fashion.py), test accuracy per seed and the mean over the seeds. The claim to check:
# the two means differ by at most 0.5 points. The seeds draw different streams on the two sides
# (ruleset's job stream, torch.manual_seed), so single seeds differ; only the means compare.
#
#   bash bench/faithful.sh [epochs (5)] [seeds (5)] [cpu (1)]      build first
#
# The ruleset side here is bench/bench_epoch.c (the backprop plugin's step on host networks,
# as a compare job runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-5}
n_seeds=${2:-5}
cpu=${3:-1}
export RULESET_PLUGIN_PATH=$PWD/build/plugins
[ -x build/bench/bench_epoch ] \
    || { echo "faithful.sh: build/bench/bench_epoch missing; build first" >&2; exit 2; }
seeds=$(seq -s, 0 $((n_seeds - 1)))
printf 'seed\truleset_acc\ttorch_acc\n'
torch_accs=$(taskset -c "$cpu" /usr/bin/python3 bench/torch_fashion.py --epochs "$epochs" \
    --seeds "$seeds" | awk -F'\t' '$2 == "test_acc" && $1 != "mean" { print $3 }')
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
i=0
for s in ${seeds//,/ }; do
    i=$((i + 1))
    ours=$(taskset -c "$cpu" ./build/bench/bench_epoch --epochs "$epochs" --seed "$s" \
        | awk -F'\t' '$1 == "test_acc" { print $2 }')
    printf '%s\t%s\t%s\n' "$s" "$ours" "$(printf '%s\n' "$torch_accs" | sed -n "${i}p")"
done | tee "$tmp"
awk -F'\t' '
{ n++; a += $2; b += $3 }
END { printf "mean\t%.4f\t%.4f\n", a / n, b / n
      printf "# difference ruleset - torch: %+.2f points over %d seeds, %s epochs\n",
      100 * (a - b) / n, n, "'"$epochs"'" }' "$tmp"
