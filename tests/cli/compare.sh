#!/usr/bin/env bash
# tests/cli/compare.sh BINARY SOURCE_DIR FIXTURE_DIR: end-to-end tests of `ruleset compare`,
# `list`, `info` and `check-plugin` through the built binary.
#
# Checks: an inline comparison writes spec.json, curves.tsv, summary.tsv (with every required
# column) and summary.json (valid JSON); a second run into the same folder is refused (exit 2);
# --resume on a finished run changes nothing; kill -9 in the middle of a run, then --resume,
# gives the same results as an uninterrupted run; a malformed spec and an unknown plugin exit 2
# with one line; list, info and check-plugin on the fixtures; a fixture rule whose create fails is refused
# before any job runs. Exits non-zero on any failure, naming each check.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: compare.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: compare.sh BINARY SOURCE_DIR FIXTURE_DIR}
fix=${3:?usage: compare.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

tmp=$(mktemp -d)
if [ -n "${COMPARE_TEST_KEEP:-}" ]; then echo "keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# expect_rc WANT WHAT CMD...: run CMD (stdout to $tmp/out, stderr to $tmp/err), check its exit
expect_rc() {
    local want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$what (exit $rc)"; return 0; fi
    fail "$what: exit $rc, want $want; stderr: $(head -c 600 "$tmp/err")"
    return 1
}
has() { # has FILE TEXT WHAT
    if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3: '$2' not in $(head -c 600 "$1")"; fi
}
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>"$tmp/json_err"; }
# the summary without its last column (us_per_step, a timing)
no_timing() { awk -F'\t' -v OFS='\t' '{ NF = NF - 1; print }' "$1"; }

# ---- an inline comparison ----------------------------------------------------------------------
a=$tmp/a
expect_rc 0 "inline compare" "$bin" compare --task gates:gate=xor --net 2-4-1 --act relu,sigmoid \
    --rule backprop:lr=0.5,loss=bce --replicates 8 --steps 300 -o "$a" --no-plot --threads 2
for f in spec.json curves.tsv summary.tsv summary.json journal.tsv; do
    [ -s "$a/$f" ] && pass "inline compare wrote $f" || fail "inline compare did not write $f"
done
header=$(head -n1 "$a/summary.tsv")
for col in rule task replicates solved success_rate ci_low ci_high median_steps_to_solve \
           final_loss_mean final_loss_sd us_per_step; do
    case $'\t'$header$'\t' in
        *$'\t'$col$'\t'*) ;;
        *) fail "summary.tsv header lacks column '$col': $header" ;;
    esac
done
pass "summary.tsv header has the required columns"
[ "$(wc -l <"$a/summary.tsv")" -eq 2 ] && pass "summary.tsv: one row" \
    || fail "summary.tsv has $(wc -l <"$a/summary.tsv") lines, want 2"
row=$(sed -n 2p "$a/summary.tsv")
IFS=$'\t' read -r -a cells <<<"$row"
[ "${cells[0]}" = "backprop[lr=0.5,loss=bce]" ] && [ "${cells[1]}" = "gates" ] \
    && [ "${cells[2]}" = "2-4-1" ] && [ "${cells[3]}" = 8 ] \
    && pass "summary row: rule, task, net, 8 replicates" || fail "summary row: $row"
json_ok "$a/summary.json" && pass "summary.json is valid JSON" \
    || fail "summary.json is not valid JSON: $(cat "$tmp/json_err")"
json_ok "$a/spec.json" && pass "spec.json is valid JSON" || fail "spec.json is not valid JSON"
has "$a/spec.json" '"replicates":	8' "spec.json records the --replicates flag"
# 300 steps, evaluated every 6 (300 / 50): 51 points for each of 8 replicates
[ "$(wc -l <"$a/curves.tsv")" -eq $((1 + 8 * 51)) ] && pass "curves.tsv: 8 x 51 points" \
    || fail "curves.tsv has $(wc -l <"$a/curves.tsv") lines, want $((1 + 8 * 51))"
has "$tmp/out" "backprop[lr=0.5,loss=bce]" "the terminal table names the rule"

# ---- the same folder again ---------------------------------------------------------------------
cp "$a/summary.tsv" "$tmp/a_summary.tsv"
cp "$a/curves.tsv" "$tmp/a_curves.tsv"
cp "$a/journal.tsv" "$tmp/a_journal.tsv"
if expect_rc 2 "a second run into a used folder is refused" "$bin" compare --task gates:gate=xor \
    --net 2-4-1 --act relu,sigmoid --rule backprop:lr=0.5,loss=bce --replicates 8 --steps 300 \
    -o "$a" --no-plot; then
    has "$tmp/err" "already holds a run" "refusal says the folder holds a run"
    has "$tmp/err" "--resume" "refusal suggests --resume"
fi
cmp -s "$a/summary.tsv" "$tmp/a_summary.tsv" && pass "refused run left summary.tsv alone" \
    || fail "refused run changed summary.tsv"
expect_rc 0 "--resume on a finished run" "$bin" compare -o "$a" --resume --no-plot --threads 2
has "$tmp/err" "8 of 8 jobs already done" "resume reports every job done"
cmp -s "$a/summary.tsv" "$tmp/a_summary.tsv" && pass "resume of a finished run: same summary.tsv" \
    || fail "resume of a finished run changed summary.tsv: $(diff "$tmp/a_summary.tsv" "$a/summary.tsv")"
cmp -s "$a/curves.tsv" "$tmp/a_curves.tsv" && pass "resume of a finished run: same curves.tsv" \
    || fail "resume of a finished run changed curves.tsv"
cmp -s "$a/journal.tsv" "$tmp/a_journal.tsv" && pass "resume of a finished run ran no job" \
    || fail "resume of a finished run appended to the journal"
expect_rc 2 "--resume without -o" "$bin" compare --resume --no-plot

# ---- kill -9 in the middle, then --resume ------------------------------------------------------
cat >"$tmp/kill.json" <<'EOF'
{ "name": "killme", "seed": 3, "replicates": 40, "steps": 1500, "eval_every": 100,
  "tasks": [ { "plugin": "parity", "params": { "bits": 5 } } ],
  "networks": [ { "hidden": [48], "act": ["tanh", "sigmoid"] } ],
  "rules": [ { "plugin": "backprop", "params": { "lr": [0.2, 0.5] } } ] }
EOF
total=80
k=$tmp/killed
"$bin" compare "$tmp/kill.json" -o "$k" --threads 2 --no-plot --quiet >/dev/null 2>&1 &
pid=$!
done_jobs=0
for _ in $(seq 1 400); do # up to 20 s for the first few jobs
    done_jobs=$(grep -c '^E' "$k/journal.tsv" 2>/dev/null || true)
    [ "${done_jobs:-0}" -ge 6 ] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_jobs=$(grep -c '^E' "$k/journal.tsv" 2>/dev/null || echo 0)
if [ "$done_jobs" -ge 1 ] && [ "$done_jobs" -lt "$total" ]; then
    pass "killed mid-run with $done_jobs of $total jobs journalled"
else
    fail "kill landed with $done_jobs of $total jobs journalled (want 1..$((total - 1)))"
fi
[ ! -e "$k/summary.tsv" ] && pass "a killed run wrote no summary" || fail "killed run wrote a summary"
expect_rc 0 "--resume after kill -9" "$bin" compare -o "$k" --resume --threads 2 --no-plot
has "$tmp/err" "jobs already done" "resume reports the jobs it took"
u=$tmp/uninterrupted
expect_rc 0 "the same spec uninterrupted" "$bin" compare "$tmp/kill.json" -o "$u" --threads 1 \
    --no-plot --quiet
if [ -s "$k/summary.tsv" ] && [ -s "$u/summary.tsv" ]; then
    if diff <(no_timing "$k/summary.tsv") <(no_timing "$u/summary.tsv") >"$tmp/diff"; then
        pass "resumed summary equals the uninterrupted one (but us_per_step)"
    else
        fail "resumed summary differs: $(head -c 800 "$tmp/diff")"
    fi
    cmp -s "$k/curves.tsv" "$u/curves.tsv" && pass "resumed curves.tsv equals the uninterrupted one" \
        || fail "resumed curves.tsv differs from the uninterrupted run"
    [ "$(grep -c '^E' "$k/journal.tsv")" -ge "$total" ] && pass "journal holds every job" \
        || fail "journal holds $(grep -c '^E' "$k/journal.tsv") jobs"
fi

# ---- bad input -----------------------------------------------------------------------------------
printf '{\n  "name": "bad",\n  "seed": 1\n  "steps": 10\n}\n' >"$tmp/bad.json"
if expect_rc 2 "malformed spec" "$bin" compare "$tmp/bad.json" -o "$tmp/bad" --no-plot; then
    has "$tmp/err" "$tmp/bad.json:4:" "malformed spec: FILE:LINE"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass "malformed spec: one line" \
        || fail "malformed spec printed $(wc -l <"$tmp/err") lines"
fi
[ ! -e "$tmp/bad" ] && pass "malformed spec made no run folder" || fail "malformed spec made a folder"
if expect_rc 2 "unknown plugin" "$bin" compare --task gates --rule no_such_rule --no-plot \
    -o "$tmp/unk"; then
    has "$tmp/err" "unknown rule plugin 'no_such_rule'" "unknown plugin named"
    has "$tmp/err" "backprop" "unknown plugin: the known ones listed"
fi
expect_rc 2 "unknown flag" "$bin" compare --frobnicate 3
expect_rc 2 "a bad --steps" "$bin" compare --task gates --rule backprop --steps -3
expect_rc 2 "a missing spec file" "$bin" compare "$tmp/nope.json"
has "$tmp/err" "$tmp/nope.json" "missing spec file named"

# ---- list, info, check-plugin --------------------------------------------------------------------
if expect_rc 0 "list" "$bin" list; then
    for name in backprop gates parity relu sigmoid; do
        grep -qE "^[a-z]+ +$name " "$tmp/out" || fail "list does not show $name"
    done
    pass "list shows the built-ins"
fi
if expect_rc 0 "list --plugin-dir fixtures" "$bin" list --plugin-dir "$fix"; then
    has "$tmp/out" "good_rule" "list shows the good fixture"
    grep -q "^refused" "$tmp/out" && pass "list has a refused section" || fail "list: no refused section"
    for bad in bad_major bad_minor bad_real bad_nostep bad_name bad_params bad_size empty_entry \
               no_entry; do
        grep -qF "  $fix/$bad.so" "$tmp/out" || fail "list does not show $bad.so refused"
    done
    pass "list shows every defect fixture refused"
    # a folder's plugin may not take a built-in's name: dup_name.so's "backprop" is refused
    has "$tmp/out" "$fix/dup_name.so (plugin 'backprop'): may not replace the built-in rule of that name (" \
        "list shows the would-be shadow of a built-in refused"
fi
if expect_rc 0 "info backprop" "$bin" info backprop; then
    grep -qE '^ +lr +real +0\.1 +\(0, 100\]' "$tmp/out" && pass "info backprop: the lr row, 0 excluded" \
        || fail "info backprop: no lr row in $(cat "$tmp/out")"
fi
expect_rc 2 "info of an unknown plugin" "$bin" info no_such_plugin
expect_rc 2 "info of a mistyped plugin" "$bin" info bakprop
has "$tmp/err" "no plugin named 'bakprop'; did you mean 'backprop'? known: " "info: did you mean"
if expect_rc 0 "info parity" "$bin" info parity; then
    grep -qE '^ +bits +int +3 +\[2, 16\] ' "$tmp/out" && pass "info: an int range in whole numbers" \
        || fail "info parity: no bits row in $(cat "$tmp/out")"
fi
if expect_rc 0 "check-plugin good_rule.so" "$bin" check-plugin "$fix/good_rule.so"; then
    has "$tmp/out" "ok: rule 'good_rule'" "check-plugin says ok"
fi
# dup_name.so is valid on its own (the clash is with the built-in), so it is not in this list
for bad in "$fix/bad_major.so" "$fix/bad_minor.so" "$fix/bad_real.so" "$fix/bad_nostep.so" \
           "$fix/bad_name.so" "$fix/bad_params.so" "$fix/bad_size.so" "$fix/empty_entry.so" \
           "$fix/no_entry.so" "$src/tests/data/not_a_plugin.so" "$fix/missing.so"; do
    "$bin" check-plugin "$bad" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF "$bad" "$tmp/err"; then
        :
    else
        fail "check-plugin $bad: exit $rc, stderr: $(cat "$tmp/err")"
    fi
done
pass "check-plugin refuses each defect fixture with one line"

# ---- a rule that refuses its network: found while planning ---------------------------------------
f=$tmp/failing
if expect_rc 2 "a fixture rule whose create fails is refused before any job" "$bin" compare \
    --plugin "$fix/fail_rule.so" --task gates:gate=and --rule backprop:lr=0.5 --rule fail_rule \
    --replicates 3 --steps 50 -o "$f" --no-plot --threads 2; then
    has "$tmp/err" "rule 'fail_rule' on task 'gates:gate=and', network '2-2-1': plugin 'fail_rule' refused it (invalid parameter): fail_rule refuses every network" \
        "the refusal names the rule, task, network, plugin and its message"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass "one line" || fail "not one line: $(cat "$tmp/err")"
    [ ! -e "$f" ] && pass "no run folder made" || fail "a run folder was made"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all compare checks passed"
