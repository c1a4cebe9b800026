#!/usr/bin/env bash
# tests/cli/plot.sh BINARY SOURCE_DIR FIXTURE_DIR: end-to-end test of `ruleset plot`.
#
# Builds a small run folder by hand (2 rules x 2 tasks x 3 replicates, one extra metric,
# labels with brackets, '=', ',', ':' and a quote), then checks: exit 0 and PNG figures,
# curves_agg.tsv's mean and percentiles for hand-computed rows, --term svg, --term dumb, -o,
# and the one-line errors and exit codes for a missing folder (2), a folder without
# curves.tsv (2) and a PATH without gnuplot (3). Needs gnuplot (Debian: gnuplot-nox).
# Exits non-zero on any failure, naming each check that failed.
set -u
bin=${1:?usage: plot.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: plot.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
export RULESET_SCRIPTS_DIR=$src/scripts   # the scripts of this source tree, not installed ones

tmp=$(mktemp -d)
if [ -n "${PLOT_TEST_KEEP:-}" ]; then echo "keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

if ! command -v gnuplot >/dev/null; then
    echo "FAIL: gnuplot is not installed (Debian: apt-get install gnuplot-nox); cannot test plot"
    exit 1
fi

# ---- the run folder ----------------------------------------------------------------------
# Written with spaces for readability, turned into tabs (no label holds a space).
run=$tmp/run-20261123-101500
mkdir -p "$run"
tr ' ' '\t' > "$run/curves.tsv" <<'EOF'
rule task net rep step loss acc energy
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 0 0 0.69 0.507 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 0 100 0.3 0.786 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 0 200 0.1819 0.87 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 1 0 0.69 0.507 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 1 100 0.7 0.5 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 1 200 0.2538 0.819 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 2 0 0.69 0.507 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 2 100 0.5 0.643 nan
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 2 200 0.31 0.779 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 0 0 0.69 0.507 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 0 100 0.3959 0.717 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 0 200 0.2271 0.838 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 1 0 0.69 0.507 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 1 100 0.4467 0.681 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 1 200 0.2892 0.793 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 2 0 0.69 0.507 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 2 100 0.4828 0.655 nan
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 2 200 0.3378 0.759 nan
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 0 0 0.69 0.507 2
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 0 100 0.4625 0.67 3
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 0 200 0.31 0.779 4
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 1 0 0.69 0.507 2
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 1 100 0.4944 0.647 4
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 1 200 0.3543 0.747 6
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 2 0 0.69 0.507 2
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 2 100 0.5185 0.63 5
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 2 200 0.3897 0.722 8
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 0 0 0.69 0.507 3
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 0 100 0.4828 0.655 4
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 0 200 0.3378 0.759 5
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 1 0 0.69 0.507 3
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 1 100 0.5096 0.636 5
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 1 200 0.3764 0.731 7
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 2 0 0.69 0.507 3
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 2 100 0.5303 0.621 6
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 2 200 0.4076 0.709 9
EOF
tr ' ' '\t' > "$run/summary.tsv" <<'EOF'
rule task net replicates solved diverged success_rate ci_low ci_high median_steps_to_solve final_loss_mean final_loss_sd final_acc_mean us_per_step
backprop[lr=0.1,m=0.9] gates:gate=xor 2-2-1 3 2 0 0.6667 0.2077 0.9385 200 0.2486 0.0651 0.8227 1.25
backprop[lr=0.1,m=0.9] parity:n=3,noise=0.1 3-3-1 3 3 0 1 0.4385 1 200 0.2847 0.0556 0.7967 1.5
hebb[lr=0.01,tag='x'] gates:gate=xor 2-2-1 3 1 0 0.3333 0.0615 0.7923 nan 0.3513 0.0399 0.7493 0.8
hebb[lr=0.01,tag='x'] parity:n=3,noise=0.1 3-3-1 3 0 0 0 0 0.5615 nan 0.3739 0.0350 0.7330 0.9
EOF
pristine=$tmp/pristine
cp -r "$run" "$pristine"

# ---- PNG (the default) -------------------------------------------------------------------
out=$("$bin" plot "$run" 2>"$tmp/err"); rc=$?
[ "$rc" -eq 0 ] && pass "plot exits 0" || fail "plot exited $rc; stderr: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "plot wrote to stderr: $(cat "$tmp/err")"
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
for f in curves metrics success; do
    is_png "$run/$f.png" && pass "$f.png is a PNG" || fail "$run/$f.png missing, empty or not a PNG"
done
grep -qF "wrote $run/curves.png" <<<"$out" || fail "stdout does not name curves.png: $out"

# ---- curves_agg.tsv: mean and 10th/90th percentiles by hand ------------------------------
# backprop on xor at step 100: losses 0.3 0.7 0.5 -> mean 0.5, p10 0.3 + 0.2*(0.5-0.3) = 0.34,
# p90 0.5 + 0.8*(0.7-0.5) = 0.66. hebb on xor at step 100: energy 3 4 5 -> 4, 3.2, 4.8.
# backprop's energy is all nan -> nan.
agg=$run/curves_agg.tsv
cell() { # cell RULE TASK STEP COLUMN
    awk -F'\t' -v r="$1" -v t="$2" -v s="$3" -v c="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 == r && $2 == t && $4 == s { print $(col[c]); exit }' "$agg"
}
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(a != "" && d < 1e-9 && d > -1e-9) }'; }
expect() { # expect RULE TASK STEP COLUMN VALUE
    local got
    got=$(cell "$1" "$2" "$3" "$4")
    if [ "$5" = nan ]; then [ "$got" = nan ]; else near "$got" "$5"; fi \
        && pass "curves_agg $1 $2 step $3 $4 = $5" \
        || fail "curves_agg $1 $2 step $3 $4: want $5, got '$got'"
}
if [ -s "$agg" ]; then
    [ "$(head -1 "$agg")" = "$(printf 'rule\ttask\tnet\tstep\tn\tloss_mean\tloss_p10\tloss_p90\tacc_mean\tacc_p10\tacc_p90\tenergy_mean\tenergy_p10\tenergy_p90')" ] \
        || fail "curves_agg.tsv header: $(head -1 "$agg")"
    [ "$(wc -l < "$agg")" -eq 13 ] || fail "curves_agg.tsv: want 12 rows + header, got $(wc -l < "$agg") lines"
    expect 'backprop[lr=0.1,m=0.9]' gates:gate=xor 100 loss_mean 0.5
    expect 'backprop[lr=0.1,m=0.9]' gates:gate=xor 100 loss_p10 0.34
    expect 'backprop[lr=0.1,m=0.9]' gates:gate=xor 100 loss_p90 0.66
    expect 'backprop[lr=0.1,m=0.9]' gates:gate=xor 100 n 3
    expect 'backprop[lr=0.1,m=0.9]' gates:gate=xor 100 energy_mean nan
    expect "hebb[lr=0.01,tag='x']" gates:gate=xor 100 energy_mean 4
    expect "hebb[lr=0.01,tag='x']" gates:gate=xor 100 energy_p10 3.2
    expect "hebb[lr=0.01,tag='x']" gates:gate=xor 100 energy_p90 4.8
else
    fail "$agg missing or empty"
fi

# ---- SVG, -o, ASCII ----------------------------------------------------------------------
"$bin" plot "$run" --term svg >/dev/null 2>"$tmp/err" || fail "--term svg exited $?: $(cat "$tmp/err")"
grep -q '<svg' "$run/curves.svg" 2>/dev/null && pass "--term svg writes curves.svg" \
    || fail "--term svg: $run/curves.svg missing or not SVG"
"$bin" plot "$run" -o "$tmp/elsewhere.png" >/dev/null 2>"$tmp/err" || fail "-o exited $?: $(cat "$tmp/err")"
is_png "$tmp/elsewhere.png" && pass "-o FILE writes the curves there" || fail "-o: $tmp/elsewhere.png is not a PNG"
"$bin" plot "$run" --term dumb >"$tmp/dumb.txt" 2>"$tmp/err"; rc=$?
if [ "$rc" -eq 0 ] && grep -qF 'gates:gate=xor' "$tmp/dumb.txt" && grep -qF 'hebb[lr=0.01' "$tmp/dumb.txt"; then
    pass "--term dumb prints the figures ($(wc -l < "$tmp/dumb.txt") lines)"
else
    fail "--term dumb: exit $rc, $(wc -c < "$tmp/dumb.txt") bytes of output; stderr: $(cat "$tmp/err")"
fi

out=$("$bin" plot "$run" --quiet 2>&1); rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ] && pass "--quiet prints nothing" || fail "--quiet: exit $rc, output '$out'"

# ---- the plugin flags every command takes -----------------------------------------------
fix=${3:?usage: plot.sh BINARY SOURCE_DIR FIXTURE_DIR}
"$bin" plot "$run" --quiet --plugin "$fix/good_rule.so" --plugin-dir "$fix" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && pass "--plugin FILE and --plugin-dir DIR are taken" \
    || fail "plot --plugin: exit $rc, stderr '$(cat "$tmp/err")'"

# ---- errors ------------------------------------------------------------------------------
expect_error() { # expect_error CODE MESSAGE COMMAND...
    local code=$1 msg=$2 rc
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" -eq "$code" ] && [ "$(cat "$tmp/err")" = "$msg" ] && [ ! -s "$tmp/out" ]; then
        pass "exit $code: $msg"
    else
        fail "want exit $code and the one line '$msg'; got exit $rc, stderr '$(cat "$tmp/err")', stdout '$(cat "$tmp/out")'"
    fi
}
expect_error 2 "ruleset: $tmp/nope: no such folder; give the run folder made by 'ruleset compare'" \
    "$bin" plot "$tmp/nope"
mkdir "$tmp/empty"
expect_error 2 "ruleset: $tmp/empty/curves.tsv: no such file; is $tmp/empty a run folder made by 'ruleset compare'?" \
    "$bin" plot "$tmp/empty"
expect_error 2 "ruleset: plot: --term 'jpg' is not one of png, svg, pdf, dumb" "$bin" plot "$run" --term jpg
# The binary is run by absolute path and needs nothing from PATH, so an empty folder will do.
mkdir "$tmp/nobin"
expect_error 3 "ruleset: gnuplot not found on PATH; install it (Debian: apt-get install gnuplot-nox) and run 'ruleset plot $pristine' again" \
    env PATH="$tmp/nobin" "$bin" plot "$pristine"
[ -e "$pristine/curves_agg.tsv" ] && fail "without gnuplot, curves_agg.tsv was written anyway"

if [ "$failures" -ne 0 ]; then
    echo "plot.sh: $failures check(s) failed"
    exit 1
fi
echo "plot.sh: all checks passed"
