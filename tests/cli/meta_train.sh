#!/usr/bin/env bash
# tests/cli/meta_train.sh BINARY SOURCE_DIR FIXTURE_DIR: end-to-end tests of
# `ruleset meta-train` and `ruleset explain` through the built binary.
#
# Checks: a small meta-training (lstm_synapse, hidden 3) writes a weights file (valid JSON with
# format, version, rule, params, tensors, meta_training.final_meta_loss) and a run folder
# (checkpoint.json, curves.tsv with the columns `ruleset plot` needs, log.txt); a second run into
# the same folder is refused (exit 2); kill -9 in the middle, then --resume, writes the same
# weights file byte for byte as an uninterrupted run, and so does a run continued with
# --iterations; the learned weights run in `ruleset compare`; explain prints a fit with R²;
# bad input exits 2 with one line: a rule without dstep, no -o, an unknown meta key, a meta.tape
# other than "double" or "float", a corrupt weights file for explain; meta.tape "float" trains. Exits non-zero on any failure, naming each check.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: meta_train.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

tmp=$(mktemp -d)
if [ -n "${META_TEST_KEEP:-}" ]; then echo "keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
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

# spec ITERATIONS: a small meta-training spec
spec() {
    cat <<EOF
{ "name": "tiny", "seed": 5, "steps": 12, "batch": 1,
  "rules": [{"plugin": "lstm_synapse", "params": {"hidden": 3}}],
  "tasks": [{"plugin": "gates", "params": {"gate": "table", "coding": "pm1",
             "table": ["0001", "0111", "1000", "1110", "0110"]}}],
  "networks": [{"hidden": [3], "act": ["relu", "tanh"], "bias": false}],
  "meta": {"iterations": $1, "episodes": 4, "truncation": 5, "lr": 0.01,
           "checkpoint_every": 3, "validation": 2, "held_out": ["table=0110"]} }
EOF
}

# ---- a meta-training ---------------------------------------------------------------------------
spec 6 >"$tmp/tiny.json"
w=$tmp/tiny.weights.json
if expect_rc 0 "meta-train" "$bin" meta-train "$tmp/tiny.json" -o "$w" --run-dir "$tmp/run" \
    --threads 2; then
    has "$tmp/out" "meta-trained lstm_synapse" "meta-train reports on stdout"
    has "$tmp/err" "meta-step 6/6" "meta-train logs the last checkpoint"
    has "$tmp/err" "held out: gates:gate=table,table=0110" "the log reports the held-out task"
fi
if python3 - "$w" <<'EOF' 2>"$tmp/py"; then pass "weights file: versioned JSON with shapes and the spec"; else fail "weights file: $(cat "$tmp/py")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "ruleset-weights" and d["version"] == 1 and d["rule"] == "lstm_synapse"
assert d["params"]["hidden"] == 3 and "weights" not in d["params"]
names = [t["name"] for t in d["tensors"]]
assert names == ["w_x", "w_h", "b", "v", "c0", "skip"], names
for t in d["tensors"]:
    assert len(t["values"]) == t["rows"] * t["cols"]
m = d["meta_training"]
assert m["iterations"] == 6 and m["final_meta_loss"] > 0 and m["spec"]["meta"]["episodes"] == 4
assert m["held_out_tasks"] == ["gates:gate=table,table=0110,coding=pm1"]
EOF
for f in checkpoint.json curves.tsv log.txt spec.json; do
    [ -s "$tmp/run/$f" ] && pass "run folder has $f" || fail "run folder lacks $f"
done
hdr=$(head -n1 "$tmp/run/curves.tsv")
[ "$hdr" = $'rule\ttask\tnet\trep\tstep\tloss\tacc\tgrad_norm\tclipped\tsolved' ] \
    && pass "curves.tsv header" || fail "curves.tsv header: $hdr"
[ "$(grep -c $'\tmeta-loss\t' "$tmp/run/curves.tsv")" -eq 6 ] && pass "curves.tsv: 6 meta-steps" \
    || fail "curves.tsv: $(grep -c $'\tmeta-loss\t' "$tmp/run/curves.tsv") meta-loss rows"
grep -q $'\tinner-loss\t' "$tmp/run/curves.tsv" && pass "curves.tsv: inner-loss curves" \
    || fail "curves.tsv: no inner-loss rows"
if expect_rc 2 "a second run into the same folder" "$bin" meta-train "$tmp/tiny.json" -o "$w" \
    --run-dir "$tmp/run"; then
    has "$tmp/err" "--resume" "the refusal suggests --resume"
fi

# ---- continued with --iterations, and resumed after kill -9: the same file ------------------------
expect_rc 0 "meta-train the first 3 steps" "$bin" meta-train "$tmp/tiny.json" -o "$tmp/part.json" \
    --run-dir "$tmp/run2" --iterations 3 --threads 1
expect_rc 0 "resume to 6" "$bin" meta-train "$tmp/tiny.json" -o "$tmp/cont.json" \
    --run-dir "$tmp/run2" --resume --threads 3
has "$tmp/err" "resuming at meta-step 3 of 6" "resume starts at the checkpoint"
cmp -s "$w" "$tmp/cont.json" && pass "3 + 3 steps: the same weights file as 6" \
    || fail "3 + 3 steps: weights differ from the uninterrupted run"

spec 100000 >"$tmp/long.json"
"$bin" meta-train "$tmp/long.json" -o "$tmp/long.weights.json" --run-dir "$tmp/killed" \
    --threads 2 --quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do # up to 20 s for a few checkpoints
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["done"])' \
        "$tmp/killed/checkpoint.json" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 9 ] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_at=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["done"])' \
    "$tmp/killed/checkpoint.json" 2>/dev/null || echo 0)
if [ "$done_at" -ge 3 ] && [ "$done_at" -lt 100000 ]; then
    pass "killed mid-run at checkpoint $done_at"
    target=$((done_at + 4))
    expect_rc 0 "--resume after kill -9" "$bin" meta-train "$tmp/long.json" \
        -o "$tmp/resumed.json" --run-dir "$tmp/killed" --resume --iterations "$target" --threads 2
    expect_rc 0 "the same run uninterrupted" "$bin" meta-train "$tmp/long.json" \
        -o "$tmp/straight.json" --run-dir "$tmp/straight" --iterations "$target" --threads 1
    cmp -s "$tmp/resumed.json" "$tmp/straight.json" \
        && pass "resumed after kill -9: the same weights file as uninterrupted" \
        || fail "resumed after kill -9: weights differ"
    cmp -s "$tmp/killed/curves.tsv" "$tmp/straight/curves.tsv" \
        && pass "resumed after kill -9: the same curves.tsv" || fail "resumed curves.tsv differs"
else
    fail "kill landed at checkpoint '$done_at'"
fi

# ---- the learned rule in compare, and explained ---------------------------------------------------
expect_rc 0 "compare with the learned weights" "$bin" compare \
    --rule "lstm_synapse:hidden=3,weights=$w" --task gates:gate=xor,coding=pm1 --net 2-3-1 \
    --act relu,tanh --steps 40 --batch 1 --replicates 4 -o "$tmp/cmp" --no-plot --threads 2
if expect_rc 0 "explain" "$bin" explain "$w" --grid 4; then
    has "$tmp/out" "R² =" "explain prints the fit's R²"
    has "$tmp/out" "layer 2 (3 -> 1 units): the same rule as layer 1" "explain: one shared rule"
fi

# ---- bad input ------------------------------------------------------------------------------------
sed 's/"lstm_synapse", "params": {"hidden": 3}/"backprop"/' "$tmp/tiny.json" >"$tmp/bp.json"
if expect_rc 2 "a rule without dstep" "$bin" meta-train "$tmp/bp.json" -o "$tmp/x.json" \
    --run-dir "$tmp/bp"; then
    has "$tmp/err" "rule 'backprop' has no dstep" "names the rule and why"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass "one line" || fail "$(wc -l <"$tmp/err") lines"
fi
expect_rc 2 "no -o" "$bin" meta-train "$tmp/tiny.json"
sed 's/"episodes": 4/"episodez": 4/' "$tmp/tiny.json" >"$tmp/key.json"
if expect_rc 2 "an unknown meta key" "$bin" meta-train "$tmp/key.json" -o "$tmp/x.json" \
    --run-dir "$tmp/key"; then
    has "$tmp/err" "meta: unknown key 'episodez'" "names the key"
fi
sed 's/"episodes": 4/"tape": "single", "episodes": 4/' "$tmp/tiny.json" >"$tmp/tape.json"
if expect_rc 2 "meta.tape neither double nor float" "$bin" meta-train "$tmp/tape.json" \
    -o "$tmp/x.json" --run-dir "$tmp/tape"; then
    has "$tmp/err" "tape.json: meta.tape: must be \"double\" or \"float\" (the precision of the autodiff tape)" \
        "names the file, the key and the choices"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass "one line" || fail "$(wc -l <"$tmp/err") lines"
fi
sed 's/"episodes": 4/"tape": "float", "episodes": 4/' "$tmp/tiny.json" >"$tmp/float.json"
if expect_rc 0 "meta-train on the float tape" "$bin" meta-train "$tmp/float.json" \
    -o "$tmp/float.weights.json" --run-dir "$tmp/float" --threads 2; then
    cmp -s "$w" "$tmp/float.weights.json" && fail "float tape: the double tape's weights" \
        || pass "the float tape's weights differ from the double tape's"
fi
head -c 300 "$w" >"$tmp/cut.json"
if expect_rc 2 "explain a truncated file" "$bin" explain "$tmp/cut.json"; then
    has "$tmp/err" "not valid JSON" "says the file is damaged"
fi

[ "$failures" -eq 0 ] && echo "all meta-train checks passed" || echo "$failures check(s) failed"
exit $((failures > 0))
