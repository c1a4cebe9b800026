#!/usr/bin/env bash
# Faithfulness: ruleset's backprop against a plain PyTorch loop on the same network,
# hyperparameters and number of epochs (Fashion-MNIST 784-256-10, ReLU, biases, batch 128, SGD
# lr 0.1, no momentum, no weight decay, PyTorch's default init, pixels / 255: the recipe in the
# header of bench/torch_fashion.py), test accuracy on the 10000 test images per seed after the
# last epoch, and the mean over the seeds. The claim to check: the two means differ by at most
# 0.5 points. The seeds draw different streams on the two sides (ruleset's job streams,
# torch.manual_seed), so single seeds differ; only the means compare.
#
#   bash bench/faithful.sh [epochs (5)] [seeds (5)] [threads (2)]      build first
#
# The ruleset side is the path a user runs: `ruleset compare --task fashion_mnist ... --epochs N`
# (replicate k of the run stands beside torch seed k). The PyTorch side runs on one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-5}
n_seeds=${2:-5}
threads=${3:-2}
export RULESET_PLUGIN_PATH=$PWD/build/plugins
[ -x build/ruleset ] || { echo "faithful.sh: build/ruleset missing; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import torch' 2>/dev/null \
    || { echo "faithful.sh: python3-torch missing: apt-get install python3-torch" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

./build/ruleset compare --task fashion_mnist --net 784-256-10 --act relu,identity \
    --rule backprop:lr=0.1 --batch 128 --epochs "$epochs" --eval-every epoch --seed 1 \
    --replicates "$n_seeds" --threads "$threads" -o "$tmp/run" --quiet --no-plot >/dev/null
# the test accuracy of each replicate at the last epoch, in replicate order
awk -F'\t' -v e="$epochs" 'NR > 1 && $8 == e { print $4 "\t" $7 }' "$tmp/run/curves.tsv" \
    | sort -n | cut -f2 >"$tmp/ours"
[ "$(wc -l <"$tmp/ours")" -eq "$n_seeds" ] \
    || { echo "faithful.sh: ruleset's curves.tsv lacks epoch $epochs for some replicate" >&2; exit 1; }

seeds=$(seq -s, 0 $((n_seeds - 1)))
/usr/bin/python3 bench/torch_fashion.py --epochs "$epochs" --seeds "$seeds" \
    | awk -F'\t' '$2 == "test_acc" && $1 != "mean" { print $3 }' >"$tmp/theirs"

printf 'seed\truleset_acc\ttorch_acc\n'
paste <(seq 0 $((n_seeds - 1))) "$tmp/ours" "$tmp/theirs" | tee "$tmp/both"
awk -F'\t' '
{ n++; a += $2; b += $3; sa += $2 * $2; sb += $3 * $3 }
END { printf "mean\t%.4f\t%.4f\n", a / n, b / n
      printf "sd\t%.4f\t%.4f\n", sqrt((sa - a * a / n) / (n - 1)), sqrt((sb - b * b / n) / (n - 1))
      printf "# difference ruleset - torch: %+.2f points over %d seeds, %s epochs\n",
      100 * (a - b) / n, n, "'"$epochs"'" }' "$tmp/both"
