#!/usr/bin/env bash
# tests/cli/json_strict.sh BINARY SOURCE_DIR FIXTURE_DIR: strict JSON and damaged files through
# the built binary.
#
# Checks: a spec with a duplicate key (top level or in params), a raw control byte or text after
# its value exits 2 with one line naming the file and line; a NET file with text after its value
# is refused by inspect (exit 2); explain on a weights file whose "params" is a list exits 2
# (it crashed) and refuses an unknown parameter with the same message compare's job reports;
# a journal record whose status is -0 is run again on --resume and not counted as done; a
# meta-training checkpoint with a repeated key is refused on --resume.
# Exits non-zero on any failure, naming each check.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: json_strict.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: json_strict.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
expect_rc() { # expect_rc WANT WHAT CMD...: stdout to $tmp/out, stderr to $tmp/err
    local want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$what (exit $rc)"; return 0; fi
    fail "$what: exit $rc, want $want; stderr: $(head -c 600 "$tmp/err")"
    return 1
}
one_line() { # one_line WANT WHAT: stderr is exactly one line, equal to WANT
    if [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$(cat "$tmp/err")" = "$1" ]; then pass "$2"
    else fail "$2: stderr is '$(head -c 600 "$tmp/err")', want '$1'"; fi
}

# ---- specs -------------------------------------------------------------------------------------
printf '{ "steps": 10,\n  "rules": ["backprop"],\n  "tasks": ["gates"],\n  "steps": 20 }\n' \
    >"$tmp/dup.json"
expect_rc 2 "duplicate top-level key" "$bin" compare "$tmp/dup.json" -o "$tmp/r1" --no-plot \
    && one_line "ruleset: $tmp/dup.json:4: duplicate key 'steps' (first at line 1); keep one of them" \
                "duplicate top-level key: one line naming both lines"
printf '{ "rules": [ { "plugin": "backprop",\n    "params": { "lr": 0.1,\n      "lr": 0.5 } } ],\n  "tasks": ["gates"] }\n' \
    >"$tmp/dup_lr.json"
expect_rc 2 "duplicate parameter" "$bin" compare "$tmp/dup_lr.json" -o "$tmp/r2" --no-plot \
    && one_line "ruleset: $tmp/dup_lr.json:3: duplicate key 'lr' (first at line 2); keep one of them" \
                "duplicate parameter: one line naming both lines"
printf '{ "rules": ["backprop"],\001 "tasks": ["gates"] }\n' >"$tmp/ctrl.json"
expect_rc 2 "raw control byte between tokens" "$bin" compare "$tmp/ctrl.json" -o "$tmp/r3" \
    --no-plot && one_line "ruleset: $tmp/ctrl.json:1:25: raw control byte 0x01 between tokens; JSON allows only space, tab, newline and carriage return there: remove it" \
    "control byte: one line with line and column"
[ ! -e "$tmp/r1" ] && [ ! -e "$tmp/r2" ] && [ ! -e "$tmp/r3" ] \
    && pass "refused specs made no run folder" || fail "a refused spec made a run folder"

# ---- a NET file with text after its value ------------------------------------------------------
expect_rc 0 "a small run keeping its networks" "$bin" compare --task gates:gate=xor \
    --rule backprop --net 2-2-1 --replicates 2 --steps 20 -o "$tmp/run" --no-plot -q
head -n1 "$tmp/run/nets.jsonl" >"$tmp/net.json"
expect_rc 0 "inspect a saved network" "$bin" inspect "$tmp/net.json"
{ head -n1 "$tmp/run/nets.jsonl" | tr -d '\n'; echo ' {"more": 1}'; } >"$tmp/net2.json"
expect_rc 2 "inspect refuses text after the network" "$bin" inspect "$tmp/net2.json" \
    && grep -qF "$tmp/net2.json:1:" "$tmp/err" && grep -qF "text after the JSON value" "$tmp/err" \
    && pass "the refusal names the file, line and what" || fail "inspect message: $(cat "$tmp/err")"

# ---- weights files: explain and compare read "params" the same way -----------------------------
w=$src/rules/meta_hebbian.weights.json
python3 - "$w" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, params in (("array", [1, 2]), ("unknown", {**d["params"], "momentum": 0.9})):
    json.dump({**d, "params": params}, open(f"{sys.argv[2]}/{name}.weights.json", "w"), indent=1)
PY
expect_rc 2 "explain: \"params\" a list" "$bin" explain "$tmp/array.weights.json" \
    && one_line "ruleset: $tmp/array.weights.json: \"params\" must be an object of the rule's parameters; the weights file is damaged: meta-train it again" \
                "explain: params list refused in one line"
expect_rc 2 "explain: an unknown parameter" "$bin" explain "$tmp/unknown.weights.json"
explain_msg=$(sed 's/^ruleset: //' "$tmp/err")
case $explain_msg in
    "$tmp/unknown.weights.json: params: "*momentum*) pass "explain names the unknown parameter" ;;
    *) fail "explain message: $explain_msg" ;;
esac
"$bin" compare --task gates:gate=xor --rule "meta_hebbian:weights=$tmp/unknown.weights.json" \
    --net 2-2-1 --replicates 1 --steps 10 -o "$tmp/run_w" --no-plot -q >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -rqF -- "$explain_msg" "$tmp/err" "$tmp/run_w" 2>/dev/null; then
    pass "compare refuses it with the same message (exit $rc)"
else
    fail "compare on the unknown parameter: exit $rc, '$explain_msg' not reported: $(head -c 600 "$tmp/err")"
fi

# ---- a journal record with status -0 -----------------------------------------------------------
r=$tmp/resume
expect_rc 0 "a run of 4 jobs" "$bin" compare --task gates:gate=xor --rule backprop --net 2-2-1 \
    --replicates 4 --steps 20 -o "$r" --no-plot -q
# job 0's status (field 4) becomes -0: it reads as 0, "not finished"
awk -F'\t' -v OFS='\t' '$1 == "J2" && $2 == 0 { $4 = "-0" } { print }' "$r/journal.tsv" \
    >"$tmp/j" && mv "$tmp/j" "$r/journal.tsv"
expect_rc 0 "--resume with a -0 status" "$bin" compare -o "$r" --resume --no-plot
grep -qF "3 of 4 jobs already done" "$tmp/err" && pass "the -0 record is not counted done" \
    || fail "resume count: $(cat "$tmp/err")"
[ "$(grep -c $'^J2\t0\t' "$r/journal.tsv")" -eq 2 ] && pass "job 0 ran again (a new record)" \
    || fail "job 0 records: $(grep -c $'^J2\t0\t' "$r/journal.tsv")"
expect_rc 0 "--resume again" "$bin" compare -o "$r" --resume --no-plot
grep -qF "4 of 4 jobs already done" "$tmp/err" && pass "then all 4 are done" \
    || fail "second resume: $(cat "$tmp/err")"

# ---- a meta-training checkpoint with a repeated key --------------------------------------------
cat >"$tmp/tiny.json" <<'JSON'
{ "name": "tiny", "seed": 5, "steps": 12, "batch": 1,
  "rules": [{"plugin": "lstm_synapse", "params": {"hidden": 3}}],
  "tasks": [{"plugin": "gates", "params": {"gate": "table", "coding": "pm1",
             "table": ["0001", "0111", "1000", "1110", "0110"]}}],
  "networks": [{"hidden": [3], "act": ["relu", "tanh"], "bias": false}],
  "meta": {"iterations": 6, "episodes": 4, "truncation": 5, "lr": 0.01,
           "checkpoint_every": 3, "validation": 2, "held_out": ["table=0110"]} }
JSON
expect_rc 0 "meta-train 3 steps" "$bin" meta-train "$tmp/tiny.json" -o "$tmp/part.weights.json" \
    --run-dir "$tmp/mt" --iterations 3 --threads 1
python3 - "$tmp/mt/checkpoint.json" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read()
assert '"done":' in t
open(p, "w").write(t.replace('"done":', '"done":\t1,\n\t"done":', 1))
PY
if expect_rc 2 "resume from a checkpoint with a repeated key" "$bin" meta-train "$tmp/tiny.json" \
    -o "$tmp/cont.weights.json" --run-dir "$tmp/mt" --resume --threads 1; then
    grep -qF "$tmp/mt/checkpoint.json:" "$tmp/err" && grep -qF "duplicate key 'done'" "$tmp/err" \
        && pass "the refusal names the checkpoint and the key" || fail "message: $(cat "$tmp/err")"
fi

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
