#!/usr/bin/env bash
# tests/cli/datasets.sh BINARY SOURCE_DIR FIXTURE_DIR: the data set tasks through `ruleset
# compare`.
#
# Checks: bad data (a wrong magic number, a ragged CSV row, a missing file) exits 2 with one
# line naming the file and what is wrong, before any job runs (no run folder is made); a CSV
# classification runs from the command line with no code; the run's first lines say what the
# data holds in memory; backprop on 2000 Fashion-MNIST images (the Debian package
# dataset-fashion-mnist; skipped, exit 77, without it) reaches the accuracy measured, also
# with every job in a worker process. Exits non-zero on any failure, naming each check.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: datasets.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: datasets.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/tools/cli_lib.sh
. "$(dirname "$0")/../tools/cli_lib.sh"
bp=(--rule backprop:lr=0.1 --act relu,identity --batch 8 --steps 20 --replicates 2)

printf 'ABCDEFGHIJKLMNOP' >"$tmp/bad.idx"
refuse "wrong magic refused" "ruleset: (command line): task 'idx:train_images=$tmp/bad.idx,train_labels=$tmp/bad.idx,test_images=$tmp/bad.idx,test_labels=$tmp/bad.idx': $tmp/bad.idx: wrong magic number 0x41424344: not an IDX file (an IDX file starts with the bytes 00 00 08 and its number of dimensions)" \
    --task "idx:train_images=$tmp/bad.idx,train_labels=$tmp/bad.idx,test_images=$tmp/bad.idx,test_labels=$tmp/bad.idx" \
    --net 4-3-2 "${bp[@]}"

printf 'a,b,y\n1,2,0\n3,4,1\n5,6\n' >"$tmp/ragged.csv"
refuse "ragged CSV row refused" "ruleset: (command line): task 'csv:file=$tmp/ragged.csv': $tmp/ragged.csv:4: 2 cells, line 1 has 3 (a ragged row)" \
    --task "csv:file=$tmp/ragged.csv" --net 2-3-2 "${bp[@]}"

refuse "missing CSV refused" "ruleset: (command line): task 'csv:file=$tmp/none.csv': $tmp/none.csv: cannot open (No such file or directory)" \
    --task "csv:file=$tmp/none.csv" --net 2-3-2 "${bp[@]}"

# the every-family table on MNIST (--task replaces the spec's tasks): without the files, one
# line saying where they go, before any job
spec=$src/rules/fashion-mnist-all.json
mnist_how="Debian does not package MNIST: download the four files of http://yann.lecun.com/exdb/mnist/ (or a mirror)"
mnist_files="train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz"
saved_data=${RULESET_DATA-}
unset RULESET_DATA
refuse "MNIST without a folder refused" "ruleset: $spec: task 'mnist': mnist: no folder given: put $mnist_files in a folder DIR and give dir=DIR, or put them in \$RULESET_DATA/mnist; $mnist_how" \
    "$spec" --task mnist
[ -z "$saved_data" ] || export RULESET_DATA=$saved_data
refuse "MNIST missing from its folder refused" "ruleset: $spec: task 'mnist:dir=$tmp/mnist': $tmp/mnist/train-images-idx3-ubyte.gz: cannot open (No such file or directory); mnist needs $mnist_files in $tmp/mnist (or give dir=FOLDER, or set \$RULESET_DATA to a folder holding mnist/); $mnist_how" \
    "$spec" --task "mnist:dir=$tmp/mnist"
refuse "--rule with a spec file refused" "ruleset: compare: --rule with a spec file: put it in the spec's \"rules\", or leave out '$spec' to run inline" \
    "$spec" --rule backprop

# a researcher's own table: two blobs, label 0/1, header line; the split is seeded
python3 - "$tmp/blobs.csv" <<'PY'
import random, sys
r = random.Random(3)
with open(sys.argv[1], "w") as f:
    f.write("x,y,label\n")
    for i in range(200):
        c = i % 2
        f.write(f"{r.gauss(2 * c - 1, 0.5):.4f},{r.gauss(1 - 2 * c, 0.5):.4f},{c}\n")
PY
if "$bin" compare --task "csv:file=$tmp/blobs.csv,target=label,target_acc=0.95" --net 2-4-2 \
        --rule backprop:lr=0.1 --act tanh,identity --batch 16 --steps 300 --replicates 2 \
        -o "$tmp/blobs" --no-plot >"$tmp/out" 2>"$tmp/err"; then
    grep -q "ruleset: data: csv:file=$tmp/blobs.csv,target=label,target_acc=0.95: 160 train + 40 evaluation examples" "$tmp/err" \
        && pass "csv: the data line" || fail "csv: no data line: $(cat "$tmp/err")"
    awk -F'\t' 'NR == 2 && $5 == 2 { ok = 1 } END { exit !ok }' "$tmp/blobs/summary.tsv" \
        && pass "csv: two blobs solved in both replicates" \
        || fail "csv: not solved: $(cat "$tmp/blobs/summary.tsv")"
else
    fail "csv run: $(cat "$tmp/err")"
fi

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${RULESET_DATA:-}" ]; then
    echo "skip: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
    [ "$failures" -eq 0 ] && exit 77 || exit 1
fi
# Measured on this code: final test accuracies 0.8005 and 0.7355 (mean 0.768) after 400 steps
# of 32 examples from 2000 training images, on the first 2000 test images; chance is 0.1.
for mode in --no-isolate --isolate; do
    if "$bin" compare --task fashion_mnist:train_limit=2000,test_limit=2000 --net 784-64-10 \
            --rule backprop:lr=0.1 --act relu,identity --batch 32 --steps 400 --eval-every 100 \
            --replicates 2 --threads 2 $mode -o "$tmp/fm$mode" --no-plot >"$tmp/out" 2>"$tmp/err"; then
        grep -q "ruleset: data: fashion_mnist:train_limit=2000,test_limit=2000: 2000 train + 2000 evaluation examples, 12.6 MB" "$tmp/err" \
            && pass "fashion_mnist $mode: the data line" || fail "fashion_mnist $mode: data line: $(cat "$tmp/err")"
        awk -F'\t' 'NR == 2 { ok = $16 >= 0.70 } END { exit !ok }' "$tmp/fm$mode/summary.tsv" \
            && pass "fashion_mnist $mode: mean accuracy >= 0.70" \
            || fail "fashion_mnist $mode: $(cat "$tmp/fm$mode/summary.tsv")"
    else
        fail "fashion_mnist $mode run: $(cat "$tmp/err")"
    fi
done
# the every-family spec runs on MNIST when its files are present: Fashion-MNIST's four files,
# which have MNIST's names and format, stand in for them
mkdir -p "$tmp/mnist"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    ln -s "${RULESET_DATA:-/usr/share/datasets}/fashion-mnist/$f" "$tmp/mnist/$f"
done
if "$bin" compare "$spec" --task "mnist:dir=$tmp/mnist,train_limit=300,test_limit=100" --steps 1 \
        --replicates 1 --threads 2 -o "$tmp/mnist-all" --no-plot --quiet >"$tmp/out" 2>"$tmp/err"; then
    all=$(grep -c $'^J2\t' "$tmp/mnist-all/journal.tsv")
    ok=$(grep -c $'^J2\t[0-9]*\t[^|]*|mnist:dir=[^\t]*\t1\t' "$tmp/mnist-all/journal.tsv")
    [ "$all" -ge 25 ] && [ "$ok" -eq "$all" ] && pass "every-family spec on mnist: $ok jobs ran" \
        || fail "every-family spec on mnist: $ok of $all jobs ran on mnist, want all (>= 25)"
else
    fail "every-family spec on mnist: $(cat "$tmp/err")"
fi
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all datasets checks passed"
