#!/usr/bin/env bash
# tests/cli/plot_figures.sh BINARY SOURCE_DIR FIXTURE_DIR: every figure kind of `ruleset plot`
# for a real run with 20 rules (backprop and feedback alignment, 10 learning rates each, on two
# gates; 2 replicates, 200 steps), and for the hand-written run by epochs in
# tests/data/plot_epochs (training loss, per-layer alignment, a constant metric).
#
# Checks: every expected file (curves, accuracy, success, metrics, alignment, one network graph
# per rule named after it) exists and is a real PNG / SVG / PDF of some size; gnuplot printed
# nothing on stderr (no warning, also on constant data); in the SVGs, each rule's key entry
# has the same colour and dash in every figure, and the 20 rules have 20 different styles;
# a real run by epochs with --alignment drawn against epochs; --loss-scale and its error. Needs gnuplot
# with the pngcairo and pdfcairo terminals.
set -u
bin=${1:?usage: plot_figures.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: plot_figures.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
export RULESET_SCRIPTS_DIR=$src/scripts

tmp=$(mktemp -d)
if [ -n "${PLOT_TEST_KEEP:-}" ]; then echo "keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
if ! command -v gnuplot >/dev/null; then
    echo "FAIL: gnuplot is not installed (Debian: apt-get install gnuplot-nox); cannot test plot"
    exit 1
fi

magic() { head -c "$2" "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
is_kind() { # is_kind FILE png|svg|pdf: the file's own signature, and more than 3 KB
    [ -s "$1" ] && [ "$(wc -c < "$1")" -gt 3000 ] || return 1
    case $2 in
        png) [ "$(magic "$1" 8)" = 89504e470d0a1a0a ] ;;
        pdf) [ "$(head -c 5 "$1")" = "%PDF-" ] ;;
        svg) grep -q '<svg' "$1" && grep -q '</svg>' "$1" ;;
    esac
}

# ---- the run: 20 rules, two tasks -----------------------------------------------------------
lrs='[0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0]'
cat > "$tmp/spec.json" <<JSON
{ "name": "twenty", "seed": 3, "replicates": 2, "steps": 200, "batch": "full",
  "eval_every": 50,
  "tasks": [ { "plugin": "gates", "params": { "gate": ["xor", "and"], "loss": "bce" } } ],
  "networks": [ { "hidden": [3], "act": ["relu", "sigmoid"], "bias": true } ],
  "rules": [ { "plugin": "backprop", "params": { "lr": $lrs, "loss": "bce" } },
             { "plugin": "feedback_alignment",
               "params": { "lr": $lrs, "loss": "bce", "feedback_scale": 1.5 } } ] }
JSON
run=$tmp/run
if ! "$bin" compare "$tmp/spec.json" -o "$run" --no-plot --quiet --threads 2 >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: compare of the 20-rule spec: $(cat "$tmp/err")"
    exit 1
fi
nrules=$(cut -f1 "$run/summary.tsv" | tail -n +2 | awk '!seen[$0]++' | wc -l)
[ "$nrules" -eq 20 ] && pass "the run has 20 rules" || fail "the run has $nrules rules, want 20"

for term in png svg pdf; do
    "$bin" plot "$run" --term $term >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ "$rc" -eq 0 ] && pass "plot --term $term exits 0" || fail "plot --term $term exited $rc"
    [ -s "$tmp/err" ] && fail "plot --term $term wrote to stderr (a gnuplot warning?): $(head -5 "$tmp/err")"
    for f in curves accuracy success; do
        is_kind "$run/$f.$term" $term && pass "$f.$term" || fail "$run/$f.$term missing, small or not $term"
    done
    # one graph per rule (two tasks, one network: rule, the spec's network 1 and replicate name it)
    n=$(ls "$run" | grep -c "^netgraph-.*-net1-rep0\.$term\$")
    [ "$n" -eq 20 ] && pass "20 network graphs named after their rule ($term)" \
        || fail "$n netgraph-RULE-net1-rep0.$term files, want 20: $(ls "$run" | grep netgraph | head -3)"
done
# a rule label past 48 characters: its head and tail, "~" between
for f in backprop_lr=0.02_loss=bce-net1-rep0 feedback_alignment_lr=2_loss=bce~dback_scale=1.5-net1-rep0; do
    [ -s "$run/netgraph-$f.png" ] && pass "netgraph-$f.png" || fail "no netgraph-$f.png: $(ls "$run" | grep netgraph | tail -3)"
done
[ -e "$run/metrics.png" ] && fail "metrics.png drawn for a run without extra metrics"

# ---- styles: a rule's key entry is drawn alike in every figure --------------------------------
# Prints "label<TAB>colour<TAB>dash" for every titled element of an SVG: the first stroke after
# gnuplot's <title>LABEL</title> (the key sample of that rule).
styles() {
    awk '
        match($0, /<title>[^<]*<\/title>/) {
            t = substr($0, RSTART + 7, RLENGTH - 15)
            cur = (t ~ /^gnuplot_plot_/ || t == "Gnuplot") ? "" : t
            next
        }
        cur != "" && match($0, /stroke=.rgb\([^)]*\)/) {
            col = substr($0, RSTART + 8, RLENGTH - 8); gsub(/ /, "", col)
            dash = "solid"
            if (match($0, /stroke-dasharray=.[^ ]*/)) dash = substr($0, RSTART + 18, RLENGTH - 19)
            print cur "\t" col "\t" dash
            cur = ""
        }' "$1"
}
styles "$run/curves.svg" > "$tmp/s_curves"
styles "$run/accuracy.svg" > "$tmp/s_acc"
styles "$run/success.svg" | cut -f1,2 > "$tmp/s_success"
[ "$(wc -l < "$tmp/s_curves")" -eq 20 ] && pass "curves.svg: a key entry per rule" \
    || fail "curves.svg: $(wc -l < "$tmp/s_curves") key entries, want 20"
cmp -s "$tmp/s_curves" "$tmp/s_acc" && pass "accuracy.svg draws every rule as curves.svg does" \
    || fail "styles differ, curves vs accuracy: $(diff "$tmp/s_curves" "$tmp/s_acc" | head -4)"
cut -f1,2 "$tmp/s_curves" | cmp -s - "$tmp/s_success" && pass "success.svg: every rule in its colour" \
    || fail "colours differ, curves vs success: $(cut -f1,2 "$tmp/s_curves" | diff - "$tmp/s_success" | head -4)"
distinct=$(cut -f2,3 "$tmp/s_curves" | sort -u | wc -l)
[ "$distinct" -eq 20 ] && pass "20 rules, 20 distinct colour+dash styles" \
    || fail "only $distinct distinct styles for 20 rules: $(cut -f2,3 "$tmp/s_curves" | sort | uniq -d | head -3)"
# the order is the spec's: backprop's ten first, then feedback alignment's
head -1 "$tmp/s_curves" | grep -q '^backprop\[lr=0.02,loss=bce\]' \
    && sed -n 11p "$tmp/s_curves" | grep -q '^feedback_alignment\[lr=0.02' \
    && pass "styles follow the spec's order" || fail "style order: $(cut -f1 "$tmp/s_curves" | head -11 | tr '\n' ' ')"

# ---- a run by epochs: training loss, alignment, a constant metric ------------------------------
ep=$tmp/epochs
cp -r "$src/tests/data/plot_epochs" "$ep"
for term in png svg; do
    "$bin" plot "$ep" --term $term >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && pass "epochs run: plot --term $term, no stderr" \
        || fail "epochs run --term $term: exit $rc, stderr $(head -3 "$tmp/err")"
    for f in curves accuracy metrics alignment success; do
        is_kind "$ep/$f.$term" $term && pass "epochs run: $f.$term" || fail "epochs run: $ep/$f.$term missing or small"
    done
done
grep -q '>epoch<' "$ep/curves.svg" && grep -q 'training loss' "$ep/curves.svg" \
    && pass "curves.svg: loss against epochs, with the training loss" \
    || fail "curves.svg of the epochs run: no epoch axis or no training-loss panel"
for l in 1 2; do
    grep -q "layer $l<" "$ep/alignment.svg" && pass "alignment.svg: layer $l" || fail "alignment.svg has no layer $l panel"
done
# the shortened task in titles, its full label in the key
grep -q 'fashion_mnist:train_limit\.\.\.' "$ep/curves.svg" \
    && grep -q '>task fashion_mnist:train_limit=2000,test_limit=500<' "$ep/curves.svg" \
    && pass "a long task label: shortened in titles, in full in the key" \
    || fail "long task label: not shortened in titles or not in full in the key"
# the same from a real run by epochs with --alignment (XOR, batches of 2: 2 steps an epoch)
re=$tmp/real_epochs
if "$bin" compare --task gates:gate=xor,loss=bce --net 2-3-1 --act relu,sigmoid \
    --rule backprop:lr=0.5,loss=bce --rule feedback_alignment:lr=0.5,loss=bce --epochs 100 \
    --batch 2 --eval-every 20 --alignment --replicates 2 --no-save-nets --no-plot --quiet \
    -o "$re" >"$tmp/out" 2>"$tmp/err"; then
    "$bin" plot "$re" --term svg >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && is_kind "$re/alignment.svg" svg \
        && grep -q '>epoch<' "$re/curves.svg" && grep -q 'training loss' "$re/curves.svg" \
        && grep -q '>epoch<' "$re/accuracy.svg" \
        && pass "a real run by epochs: losses and accuracy against epochs, alignment per layer" \
        || fail "real run by epochs: exit $rc, stderr $(head -3 "$tmp/err"), files: $(ls "$re" | tr '\n' ' ')"
else
    fail "compare --epochs --alignment: $(cat "$tmp/err")"
fi
"$bin" plot "$ep" --loss-scale log -q 2>"$tmp/err" && [ ! -s "$tmp/err" ] \
    && pass "--loss-scale log" || fail "--loss-scale log: $(cat "$tmp/err")"
"$bin" plot "$ep" --loss-scale cubic >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && [ "$(cat "$tmp/err")" = "ruleset: plot: --loss-scale 'cubic' is not one of auto, log, linear" ] \
    && pass "a bad --loss-scale: exit 2, one line" || fail "bad --loss-scale: exit $rc, '$(cat "$tmp/err")'"

if [ "$failures" -ne 0 ]; then
    echo "plot_figures.sh: $failures check(s) failed"
    exit 1
fi
echo "plot_figures.sh: all checks passed"
