#!/usr/bin/env bash
# tests/cli/config.sh BINARY SOURCE_DIR FIXTURE_DIR: the same configuration gives the same
# numbers, and bad input is refused before any job runs.
#
# Checks: one configuration spelled three ways (defaults left out or given) and with a "label"
# gives byte-identical curves and summaries but for the names; inline values are typed by the
# parameter's declared type; two rules of one label are refused; a non-finite activation
# parameter, a missing or foreign weights file, an overflowing size and a job beyond the
# machine's memory each exit 2 with one line naming the item, before any job runs (no folder).
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: config.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: config.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
cd "$src" || exit 1

# ---- one configuration, three spellings and a label ------------------------------------------
COMMON=(--net 2-3-1 --act tanh,sigmoid --rule backprop:lr=0.5 --replicates 6 --steps 200 \
        --threads 2 --quiet --no-plot)
i=0
for t in gates gates:gate=xor gates:gate=xor,outputs=one,coding=01; do
    i=$((i + 1))
    "$bin" compare --task "$t" "${COMMON[@]}" -o "$tmp/s$i" >/dev/null 2>"$tmp/err" \
        || fail "--task $t: $(cat "$tmp/err")"
done
cat >"$tmp/labelled.json" <<'JSON'
{ "replicates": 6, "steps": 200,
  "rules": [{ "plugin": "backprop", "label": "mine", "params": { "lr": 5e-1, "momentum": 0 } }],
  "tasks": [{ "plugin": "gates", "label": "xor", "params": { "gate": "xor" } }],
  "networks": [{ "hidden": [3], "act": ["tanh", "sigmoid"], "label": "small" }] }
JSON
"$bin" compare "$tmp/labelled.json" --threads 1 --quiet --no-plot -o "$tmp/s4" >/dev/null \
    2>"$tmp/err" || fail "labelled spec: $(cat "$tmp/err")"
# the numbers without the names (rule, task, net) and the timing (the last column)
numbers() { awk -F'\t' -v OFS='\t' 'NR > 1 { $1 = $2 = $3 = ""; if (FILENAME ~ /summary/) NF--; print }' "$1"; }
for k in 2 3 4; do
    for f in curves.tsv summary.tsv; do
        if cmp -s <(numbers "$tmp/s1/$f") <(numbers "$tmp/s$k/$f"); then
            pass "spelling $k: $f has the same numbers"
        else
            fail "spelling $k: $f differs: $(diff <(numbers "$tmp/s1/$f") <(numbers "$tmp/s$k/$f") | head -4)"
        fi
    done
done
[ "$(cut -f1-3 "$tmp/s3/summary.tsv" | sed -n 2p)" = "backprop[lr=0.5]	gates	2-3-1" ] \
    && pass "defaults drop out of the labels" || fail "labels: $(sed -n 2p "$tmp/s3/summary.tsv")"
[ "$(cut -f1-3 "$tmp/s4/summary.tsv" | sed -n 2p)" = "mine	xor	small" ] \
    && pass "a label names the row" || fail "labels: $(sed -n 2p "$tmp/s4/summary.tsv")"

# ---- refused up front: exit 2, one line, nothing run -------------------------------------------
# refused WHAT TEXT ARGS...: exit 2, one line on stderr containing TEXT, no run folder
refused() {
    local what=$1 text=$2
    shift 2
    "$bin" compare "$@" --replicates 2 --steps 5 --quiet --no-plot -o "$tmp/bad" >/dev/null \
        2>"$tmp/err"
    local rc=$?
    if [ $rc -ne 2 ]; then fail "$what: exit $rc, want 2: $(cat "$tmp/err")"
    elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "$what: not one line: $(cat "$tmp/err")"
    elif ! grep -qF -- "$text" "$tmp/err"; then fail "$what: '$text' not in: $(cat "$tmp/err")"
    elif [ -e "$tmp/bad" ]; then fail "$what: a run folder was made"
    else pass "$what refused: $(cat "$tmp/err")"; fi
    rm -rf "$tmp/bad"
}
refused "two rules of one label" "rules[1]: rule 'backprop[lr=0.5]' is named like rules[0]" \
    --task gates --rule backprop:lr=0.5 --rule backprop:lr=5e-1
refused "a NaN activation parameter" "network '2-3-1': network 2-3-1: leaky_relu: 'slope' = nan" \
    --task gates --net 2-3-1 --act leaky_relu:slope=nan,sigmoid --rule backprop
refused "an unknown activation parameter" "leaky_relu has no parameter 'slop'" \
    --task gates --net 2-3-1 --act leaky_relu:slop=0.1,sigmoid --rule backprop
refused "a missing weights file" "weights file '$tmp/none.json' not found" \
    --task gates --net 2-10-1 --rule "meta_hebbian:weights=$tmp/none.json"
refused "another rule's weights file" "weights of rule 'lstm_synapse', not 'meta_hebbian'" \
    --task gates --net 2-10-1 --rule meta_hebbian:weights=rules/lstm_synapse.weights.json
refused "a size past 2^32" "is not a size list like \"2-2-1\" (each size 1 to 1000000)" \
    --task gates --net 2-4294967297-1 --rule backprop
refused "a job beyond memory" "network '2-100000-1', batch 1000000: a job needs about" \
    --task gates --net 2-100000-1 --batch 1000000 --rule backprop
refused "a job beyond --max-memory" "batch 1000: a job needs about 8.42e-05 GB of memory and 1 run at once, more than --max-memory's 1e-05 GB" \
    --task gates --rule backprop --batch 1000 --threads 1 --max-memory 10K
refused "a bad --max-memory" "--max-memory takes a size such as 4G, 512M or a number of bytes, got '4X'" \
    --task gates --rule backprop --max-memory 4X
refused "a text value typed as text" "'coding' = '2' is not one of 01|pm1" \
    --task gates:coding=2 --rule backprop

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all config checks passed"
