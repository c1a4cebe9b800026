#!/usr/bin/env bash
# docs/figures/make.sh [RULESET]: the README's figures, one of each kind, from four small runs
# (about 10 s on 2 threads); RULESET defaults to build/ruleset. Writes docs/figures/*.png.
# The last run needs Fashion-MNIST (docs/DATASETS.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/ruleset}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# four rules on XOR and 3-bit parity: success rates, a layered network's graph
"$bin" compare "$here/figures.json" -o "$tmp/a" --quiet --threads 2 >/dev/null
cp "$tmp/a/success.png" "$here/"
cp "$tmp/a/netgraph-sign_symmetry_lr=0.5_loss=bce-net1-rep0.png" "$here/netgraph.png"
# the extra metrics predictive coding reports: energy, inference iterations, last change
"$bin" compare --task gates:gate=xor,outputs=onehot,loss=mse --net 2-8-2 --act sigmoid \
    --rule predictive_coding:lr=0.5,tol=1e-5 \
    --rule predictive_coding:lr=1,clamp=nudge,beta=0.1,tol=1e-5 \
    --replicates 10 --steps 2000 --eval-every 200 --no-save-nets -o "$tmp/b" --quiet \
    --threads 2 >/dev/null
cp "$tmp/b/metrics.png" "$here/"
# notebook 000's recurrent networks: a learned adjacency as a heatmap
"$bin" compare "$here/../../rules/gradnet-gates.json" --replicates 5 -o "$tmp/c" --quiet \
    --threads 2 >/dev/null
cp "$tmp/c/adjacency-backprop_lr=0.01_loss=mse_optimizer=adam-gradnet-v1-rep0.png" \
    "$here/adjacency.png"
# three epochs of a tenth of Fashion-MNIST: both losses and the test accuracy against epochs,
# the per-layer alignment
"$bin" compare --task fashion_mnist:train_limit=6000,test_limit=2000 --net 784-64-10 \
    --act relu,identity --rule backprop:lr=0.1 --rule feedback_alignment:lr=0.05 \
    --rule direct_feedback_alignment:lr=0.05 --batch 64 --epochs 3 --eval-every 25 \
    --alignment --replicates 3 --no-save-nets -o "$tmp/d" --quiet --threads 2 >/dev/null
cp "$tmp/d/curves.png" "$tmp/d/accuracy.png" "$tmp/d/alignment.png" "$here/"
ls -l "$here"/*.png
