#!/usr/bin/env bash
# Plugins that misbehave: a rule that segfaults, one that aborts and one that never returns
# (tests/plugins/segv_rule.c, abort_rule.c, hang_rule.c) share a run with good rules. Asserts:
# the run finishes with exit code 1; each bad job is marked crashed or timed out in summary.tsv
# and journal.tsv, with a message naming the plugin, the signal and the replicate; the good
# rules' numbers are exactly those of a run without the bad ones; third-party plugins are
# isolated by default, and --no-isolate lets the crash take the process down (so isolation is
# what saved the run).
# usage: isolate.sh RULESET_BIN SOURCE_DIR FIXTURE_DIR
set -uo pipefail
BIN=$1 FX=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
PL=(--plugin "$FX/segv_rule.so" --plugin "$FX/abort_rule.so" --plugin "$FX/hang_rule.so"
    --plugin "$FX/good_rule.so")
COMMON=(--task gates:gate=xor --net 2-2-1 --replicates 3 --steps 200 --threads 2 --no-plot)

"$BIN" compare "${PL[@]}" --rule good_rule --rule segv_rule --rule abort_rule --rule hang_rule \
    --rule backprop "${COMMON[@]}" --job-timeout 1 -o bad >bad.out 2>bad.err
rc=$?
[ $rc = 1 ] || { cat bad.err; fail "exit code $rc, want 1 (some jobs crashed)"; }
# summary.tsv columns: rule task net replicates solved diverged failed crashed timed_out ...
row() { awk -F'\t' -v r="$1" '$1 == r { print $4, $5, $7, $8, $9 }' bad/summary.tsv; }
[ "$(row segv_rule)" = "3 0 0 3 0" ] || fail "segv_rule row: $(row segv_rule)"
[ "$(row abort_rule)" = "3 0 0 3 0" ] || fail "abort_rule row: $(row abort_rule)"
[ "$(row hang_rule)" = "3 0 0 0 3" ] || fail "hang_rule row: $(row hang_rule)"
[ "$(row good_rule | cut -d' ' -f1,3-)" = "3 0 0 0" ] || fail "good_rule row: $(row good_rule)"
grep -q "job segv_rule|gates|2-2-1|1: plugin 'segv_rule' crashed with SIGSEGV (segmentation fault) in replicate 1;" bad.err \
    || { cat bad.err; fail "no SIGSEGV message naming plugin and replicate"; }
grep -q "plugin 'abort_rule' crashed with SIGABRT (abort) in replicate 0;" bad/journal.tsv \
    || fail "no SIGABRT message"
grep -q "plugin 'hang_rule' was still running after the 1 s --job-timeout in replicate 2; killed" bad/journal.tsv \
    || fail "no timeout message in the journal"
grep -q "^# some replicates crashed" bad.out || fail "table does not flag crashed replicates"
grep -q "^~ some replicates ran past --job-timeout" bad.out || fail "table does not flag timeouts"

# the good rules' numbers do not depend on the bad rules sharing the run
"$BIN" compare "${PL[@]}" --rule good_rule --rule backprop "${COMMON[@]}" --quiet -o good \
    >/dev/null 2>good.err || { cat good.err; fail "run of the good rules alone failed"; }
strip() { grep -v -e '^segv_rule' -e '^abort_rule' -e '^hang_rule' "$1" | cut -f1-16; }
diff <(strip bad/summary.tsv) <(strip good/summary.tsv) || fail "good rules' rows differ"
diff <(grep -v -e '^segv_rule' -e '^abort_rule' -e '^hang_rule' bad/curves.tsv) good/curves.tsv \
    || fail "good rules' curves differ"

# default isolation is what keeps the run alive: without it the segfault ends the process
"$BIN" compare "${PL[@]}" --rule segv_rule "${COMMON[@]}" --quiet --no-isolate -o none \
    >/dev/null 2>&1
rc=$?
# (death by signal; under ASan its SEGV report ends the process with exit code 1 instead)
[ $rc -ge 128 ] || { [ $rc != 0 ] && [ ! -e none/summary.tsv ]; } \
    || fail "--no-isolate: exit code $rc, want the process taken down"
# built-in rules can be isolated on request, with the same numbers
"$BIN" compare "${PL[@]}" --rule good_rule --rule backprop "${COMMON[@]}" --quiet --isolate \
    -o iso >/dev/null 2>&1 || fail "--isolate run of good rules failed"
diff <(cut -f1-16 iso/summary.tsv) <(cut -f1-16 good/summary.tsv) \
    || fail "--isolate changed a number"
cmp iso/curves.tsv good/curves.tsv || fail "--isolate changed a curve"
echo "ok"
