#!/usr/bin/env bash
# tests/cli/epochs.sh BINARY SOURCE_DIR FIXTURE_DIR: training by epochs, the training loss and
# gradient alignment through `ruleset compare`.
#
# Checks: what cannot run by epochs exits 2 with one line before any job runs; --steps with
# --epochs is refused; curves.tsv has the columns epoch, train_loss, align_1..align_L and
# summary.tsv final_acc_sd, best_acc_mean, best_acc_epoch; `ruleset plot` draws such a run;
# a journal written before the J2 records (points without epoch and training loss) still
# resumes; one epoch of backprop on 4000 Fashion-MNIST images reaches the test accuracy
# measured (skipped, exit 77, without the data). Exits non-zero on any failure.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: epochs.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/tools/cli_lib.sh
. "$(dirname "$0")/../tools/cli_lib.sh"

refuse "epochs on a task without gather" "ruleset: (command line): task 'circuits' cannot train by epochs: it does not hand out examples by index (no gather callback); drop \"epochs\" and give \"steps\" instead" \
    --task circuits --rule backprop --batch 8 --epochs 2
refuse "--steps with --epochs" "ruleset: compare: --steps and --epochs say the same thing twice; give one" \
    --task parity:bits=3 --rule backprop --steps 10 --epochs 2

# parity by epochs: batches of 3 over 8 rows, 3 steps an epoch
if "$bin" compare --task parity:bits=3 --net 3-4-1 --rule backprop:lr=0.5 \
        --rule feedback_alignment:lr=0.5 --batch 3 --epochs 5 --eval-every epoch --alignment \
        --replicates 2 -o "$tmp/par" >"$tmp/out" 2>"$tmp/err"; then
    hdr=$(head -n1 "$tmp/par/curves.tsv")
    [ "$hdr" = $'rule\ttask\tnet\trep\tstep\tloss\tacc\tepoch\ttrain_loss\talign_1\talign_2' ] \
        && pass "curves.tsv header" || fail "curves.tsv header: $hdr"
    awk -F'\t' 'NR > 1 && $4 == 0 && $1 ~ /^backprop/ { s = s $5 ":" $8 " " } END { print s }' \
        "$tmp/par/curves.tsv" >"$tmp/pts"
    [ "$(cat "$tmp/pts")" = "0:0 3:1 6:2 9:3 12:4 15:5 " ] && pass "one point per epoch" \
        || fail "points (step:epoch): $(cat "$tmp/pts")"
    head -n1 "$tmp/par/summary.tsv" | grep -q $'\tfinal_acc_mean\tfinal_acc_sd\tbest_acc_mean\tbest_acc_epoch\tus_per_step$' \
        && pass "summary.tsv columns" || fail "summary.tsv header: $(head -n1 "$tmp/par/summary.tsv")"
    ls "$tmp/par"/*.png >/dev/null 2>&1 && pass "the run is plotted" \
        || fail "no figures: $(cat "$tmp/err")"
else
    fail "parity by epochs: $(cat "$tmp/err")"
fi

# an older journal (J records, points of step, loss, acc and metrics only) resumes: nothing
# runs again and the evaluation columns come out as before
if "$bin" compare --task gates:gate=xor --rule backprop:lr=0.5 --rule good_rule \
        --plugin "$3/good_rule.so" --steps 40 --eval-every 10 --replicates 2 -o "$tmp/old" \
        --no-plot >/dev/null 2>"$tmp/err"; then
    cut -f1-7 "$tmp/old/curves.tsv" >"$tmp/want"
    awk -F'\t' -v OFS='\t' '
        $1 == "J2" { $1 = "J"; for (i = 12; i < NF; i++) $i = $(i + 1); NF--; }
        $1 == "P" { for (i = 5; i + 2 <= NF; i++) $i = $(i + 2); NF -= 2; }
        { print }' "$tmp/old/journal.tsv" >"$tmp/j" && mv "$tmp/j" "$tmp/old/journal.tsv"
    grep -q $'^J\t' "$tmp/old/journal.tsv" || fail "the journal was not turned old"
    rm "$tmp/old/curves.tsv"
    "$bin" compare --plugin "$3/good_rule.so" -o "$tmp/old" --resume --no-plot >"$tmp/out" 2>"$tmp/err" \
        && grep -q "4 of 4 jobs already done" "$tmp/err" \
        && cut -f1-7 "$tmp/old/curves.tsv" | cmp -s - "$tmp/want" \
        && pass "an old journal resumes" || fail "old journal: $(cat "$tmp/err")"
else
    fail "xor run: $(cat "$tmp/err")"
fi

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${RULESET_DATA:-}" ]; then
    echo "skip: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
    [ "$failures" -eq 0 ] && exit 77 || exit 1
fi
# Measured on this code: test accuracies 0.675 ± 0.008 (4 replicates) after one epoch of
# 125 batches of 32 from 4000 training images, on the first 2000 test images; chance is 0.1.
if "$bin" compare --task fashion_mnist:train_limit=4000,test_limit=2000 --net 784-128-10 \
        --act relu,identity --rule backprop:lr=0.1 --batch 32 --epochs 1 --eval-every epoch \
        --alignment --replicates 4 --threads 2 -o "$tmp/fm" --no-plot >"$tmp/out" 2>"$tmp/err"; then
    awk -F'\t' 'NR == 2 { ok = $16 >= 0.62 && $19 == 1 } END { exit !ok }' "$tmp/fm/summary.tsv" \
        && pass "fashion_mnist: one epoch, mean test accuracy >= 0.62" \
        || fail "fashion_mnist: $(cat "$tmp/fm/summary.tsv")"
    grep -q "test acc (mean±sd)" "$tmp/out" && pass "the table shows the test accuracy" \
        || fail "table: $(cat "$tmp/out")"
    awk -F'\t' 'NR > 1 && $5 > 0 && !($10 > 0.9999 && $11 > 0.9999) { bad = 1 } END { exit bad }' \
        "$tmp/fm/curves.tsv" && pass "backprop's alignment is 1" \
        || fail "alignment: $(cut -f5-11 "$tmp/fm/curves.tsv")"
else
    fail "fashion_mnist run: $(cat "$tmp/err")"
fi
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all epochs checks passed"
