#!/usr/bin/env bash
# tests/cli/networks.sh BINARY SOURCE_DIR FIXTURE_DIR: end-to-end tests of recurrent networks,
# saved networks, `ruleset inspect` and the network figures of `ruleset plot`.
#
# Checks: (1) inspect on notebook 003's hand-set XOR network (tests/data/xor_003.json, its
# printed parameters) reproduces every activation and difference the notebook prints; (2)
# rules/gradnet-gates.json with 20 replicates solves AND, OR and XOR in at least 18 of 20
# seeds in both notebook versions, keeps one network file per job, prints the truth tables;
# (3) inspect of the run and of the spec (trained on the spot) give the same numbers; (4) the
# local rules that cannot run a recurrent net fail their jobs with a clear message (exit 1);
# (5) bad input exits 2 with one line; inspect shows the first --rows inputs of a large set; (6) plot draws the adjacency heatmaps and graphs of the
# recurrent run and the graph of a layered one (needs gnuplot). Exits non-zero on any failure, naming each check.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: networks.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: networks.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

tmp=$(mktemp -d)
if [ -n "${NETWORKS_TEST_KEEP:-}" ]; then echo "keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
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

# ---- (1) notebook 003's network ----------------------------------------------------------------
# what input layer unit value: the numbers 003 prints (In [43], [121], [73], [79], [26]). Its
# parameters are printed to 4 decimals, so activations rebuilt from them agree to ~3e-4.
cat >"$tmp/003.txt" <<'EOF'
pre 0,0 1 0 -3.6790e-05
pre 0,0 1 1 -2.3193e-04
post 0,0 1 0 0
post 0,0 1 1 0
pre 0,0 2 0 -2.8915
post 0,0 2 0 0.0526
pre 1,0 1 0 2.2371
pre 1,0 1 1 -2.2851
post 1,0 1 0 2.2371
post 1,0 1 1 0
pre 1,0 2 0 4.0572
post 1,0 2 0 0.9830
pre 1,1 1 0 -0.0003
pre 1,1 1 1 -0.0004
post 1,1 1 0 0
post 1,1 1 1 0
pre 1,1 2 0 -2.8915
post 1,1 2 0 0.0526
post 0,1 2 0 0.9852
dpre 0,0->1,0 1 0 2.2371
dpre 0,0->1,0 1 1 -2.2849
dpost 0,0->1,0 1 0 2.2371
dpost 0,0->1,0 1 1 0
dpre 0,0->1,0 2 0 6.9488
dpost 0,0->1,0 2 0 0.9304
dpre 0,0->1,1 1 0 -0.0002
dpre 0,0->1,1 1 1 -0.0002
dpost 0,0->1,1 2 0 0
EOF
if expect_rc 0 "inspect the 003 network (TSV, two --diff)" "$bin" inspect \
    "$src/tests/data/xor_003.json" --diff 0,0:1,0 --diff 0,0:1,1 --tsv; then
    cp "$tmp/out" "$tmp/003.tsv"
    head -1 "$tmp/003.tsv" | grep -qx $'what\tinput\tlayer\tunit\tfrom\tvalue' \
        && pass "TSV header" || fail "TSV header: $(head -1 "$tmp/003.tsv")"
    bad=$(awk -F'\t' 'NR == FNR { if (FNR > 1) got[$1 "|" $2 "|" $3 "|" $4] = $6; next }
        { k = $1 "|" $2 "|" $3 "|" $4
          if (!(k in got)) { print "missing " k; next }
          d = got[k] - $5; if (d < 0) d = -d
          if (d > 3e-4) print k ": inspect " got[k] ", notebook " $5 }' \
        "$tmp/003.tsv" FS=' ' "$tmp/003.txt")
    [ -z "$bad" ] && pass "every activation 003 prints, within 3e-4 ($(wc -l <"$tmp/003.txt") numbers)" \
        || fail "003's activations: $bad"
fi
if expect_rc 0 "inspect the 003 network (table)" "$bin" inspect "$src/tests/data/xor_003.json" \
    --diff 0,0:1,0; then
    has "$tmp/out" "truth table" "the table starts with the truth table"
    has "$tmp/out" "difference: the activations at 1,0 minus those at 0,0" "the difference section"
    has "$tmp/out" "2.2371     -2.2374" "the weights section"
fi

# ---- (2) notebook 000 on 20 seeds --------------------------------------------------------------
run=$tmp/gg
if expect_rc 0 "compare rules/gradnet-gates.json, 20 replicates" "$bin" compare \
    "$src/rules/gradnet-gates.json" --replicates 20 -o "$run" --no-plot --threads 2; then
    col=$(head -1 "$run/summary.tsv" | tr '\t' '\n' | grep -nx solved | cut -d: -f1)
    rows=$(awk -F'\t' -v c="$col" 'NR > 1 && $c >= 18' "$run/summary.tsv" | wc -l)
    [ "$rows" -eq 6 ] && pass "AND, OR, XOR x 2 versions: each solved in >= 18 of 20" \
        || fail "only $rows of 6 rows solved >= 18 of 20: $(cat "$run/summary.tsv")"
    n=$(grep -c '"format": "ruleset-net"' "$run/nets.jsonl")
    [ "$n" -eq 120 ] && pass "nets.jsonl holds 120 networks" \
        || fail "nets.jsonl holds $n networks, want 120"
    has "$tmp/out" "gates:gate=xor on gradnet-v1" "the truth tables are printed (truth_table)"
    has "$tmp/out" "solved 20 of 20" "truth table header with the solved count"
fi

# ---- (3) the run read back, and the spec trained on the spot ----------------------------------
if expect_rc 0 "inspect RUNDIR --task xor --net v1 --replicate 3 --tsv" "$bin" inspect "$run" \
    --task xor --net gradnet-v1 --replicate 3 --tsv; then
    cp "$tmp/out" "$tmp/run.tsv"
    grep -q $'^weight\t\t1\t3\t2\t' "$tmp/run.tsv" && pass "the adjacency A in the TSV" \
        || fail "no weight row for the edge H -> O"
    grep -q $'^post\t1,1\t2\t3\t' "$tmp/run.tsv" && pass "the state of O after round 2" \
        || fail "no post row for node 3 in round 2"
fi
if expect_rc 0 "inspect the spec (trains the job)" "$bin" inspect "$src/rules/gradnet-gates.json" \
    --task xor --net gradnet-v1 --replicate 3 --tsv; then
    cmp -s "$tmp/out" "$tmp/run.tsv" && pass "trained on the spot = read from nets/" \
        || fail "the spec's job differs from the run's: $(diff "$tmp/out" "$tmp/run.tsv" | head -5)"
fi
expect_rc 0 "inspect --truth of the run" "$bin" inspect "$run" --task and --truth
has "$tmp/out" "gates:gate=and on gradnet-v2" "--truth: both networks of the chosen task"
if expect_rc 2 "inspect with several matches" "$bin" inspect "$run" --task xor; then
    has "$tmp/err" "--net 'gradnet-v2'" "lists the matches as flags"
fi
# --rows: a 64-row task shows its first 8 inputs by default, --rows N the first N, 0 all;
# float inputs keep the truth table's columns aligned
"$bin" compare --task parity:bits=6 --rule backprop --net 6-4-1 --replicates 1 --steps 5 \
    --no-plot --quiet -o "$tmp/p6" >/dev/null 2>&1 || fail "compare parity:bits=6"
count_inputs() { grep -c '^input ' "$tmp/out"; }
if expect_rc 0 "inspect a 64-input task" "$bin" inspect "$tmp/p6"; then
    [ "$(count_inputs)" = 8 ] && pass "8 inputs by default" || fail "default shows $(count_inputs) inputs"
    has "$tmp/out" "... the first 8 of 64 inputs (--rows N shows more, --tsv all)" "says what it left out"
fi
expect_rc 0 "inspect --rows 3" "$bin" inspect "$tmp/p6" --rows 3 \
    && { [ "$(count_inputs)" = 3 ] && pass "--rows 3: 3 inputs" || fail "--rows 3 shows $(count_inputs)"; }
expect_rc 0 "inspect --head 0" "$bin" inspect "$tmp/p6" --head 0 \
    && { [ "$(count_inputs)" = 64 ] && pass "--head 0: all 64" || fail "--head 0 shows $(count_inputs)"; }
expect_rc 2 "inspect --rows -1" "$bin" inspect "$tmp/p6" --rows -1
has "$tmp/err" "--rows takes a whole number >= 0 (0 = all), got '-1'" "--rows refuses a negative"
expect_rc 0 "inspect the 003 network on -1,1 inputs" "$bin" inspect "$src/tests/data/xor_003.json" \
    --task gates:gate=xor,coding=pm1 --diff 0.25,-1:1,0.5
awk '/^truth table/ { t = 1; next } t && /^  / { n[length($0) - length($NF)]++ } t && /^$/ { t = 0 }
     END { k = 0; for (w in n) k++; exit k != 1 }' "$tmp/out" \
    && pass "truth table rows aligned" || fail "truth table columns not aligned: $(sed -n '/^truth/,/^$/p' "$tmp/out")"
expect_rc 2 "--replicate out of range" "$bin" inspect "$run" --task xor --net v1 --replicate 20
expect_rc 2 "no match" "$bin" inspect "$run" --task nand
has "$tmp/err" "--task 'gates:gate=xor'" "no match lists what the run has"
# a line claiming job 80 (xor, gradnet-v1, replicate 0) but holding job 100's network, as a
# run folder whose spec changed would; the last line of a job wins
cp "$run/nets.jsonl" "$tmp/keep.jsonl"
grep '"index": 100,' "$run/nets.jsonl" | sed 's/"index": 100,/"index": 80,/' >>"$run/nets.jsonl"
expect_rc 2 "a network of another job is refused" "$bin" inspect "$run" --task xor --net v1
has "$tmp/err" "the run's spec changed" "says why"
cp "$tmp/keep.jsonl" "$run/nets.jsonl"
grep '"index": 80,' "$run/nets.jsonl" >"$tmp/one.json"
"$bin" inspect "$run" --task xor --net v1 --tsv >"$tmp/job80.tsv" 2>/dev/null
if expect_rc 0 "inspect one line of nets.jsonl" "$bin" inspect "$tmp/one.json" --tsv; then
    cmp -s "$tmp/out" "$tmp/job80.tsv" && pass "... the same numbers as from the run folder" \
        || fail "one line differs from the run folder's job 80"
fi
expect_rc 2 "inspect nets.jsonl itself" "$bin" inspect "$run/nets.jsonl"
has "$tmp/err" "holds several networks" "points to the run folder"

# ---- (4) local rules on a recurrent network ---------------------------------------------------
cat >"$tmp/local.json" <<'EOF'
{ "name": "local", "replicates": 2, "steps": 50, "tasks": ["gates:gate=and"],
  "networks": [ { "kind": "recurrent", "nodes": 4, "rounds": 2 } ],
  "rules": [ "weight_perturbation", "feedback_alignment" ] }
EOF
if expect_rc 2 "a layered-only rule on a recurrent net is refused while planning" "$bin" \
    compare "$tmp/local.json" -o "$tmp/local" --no-plot; then
    has "$tmp/err" "feedback_alignment runs on layered networks only" "its message says why"
    [ ! -e "$tmp/local" ] && pass "no job ran" || fail "a run folder was made"
fi

# ---- (5) bad input -----------------------------------------------------------------------------
expect_rc 2 "--diff with the wrong count" "$bin" inspect "$src/tests/data/xor_003.json" \
    --diff 0:1
has "$tmp/err" "two inputs of 2 numbers" "--diff message"
printf '{"format": "ruleset-net", "version": 1, "kind": "layered", "sizes": [2, 1], "act": "relu", "layers": [{"w": [[1, 2]], "b": [0]}]}\n' \
    >"$tmp/notask.json"
expect_rc 2 "a network without a task" "$bin" inspect "$tmp/notask.json"
has "$tmp/err" "--task gates:gate=xor" "suggests --task"
expect_rc 0 "... and with --task" "$bin" inspect "$tmp/notask.json" --task gates:gate=or
printf '{"format": "ruleset-net", "version": 1, "kind": "layered", "sizes": [2, 1], "act": "relu", "layers": [{"w": [[1]]}]}\n' \
    >"$tmp/badw.json"
expect_rc 2 "a damaged network file" "$bin" inspect "$tmp/badw.json" --task gates
has "$tmp/err" "layers[0].w must be 1 rows of 2 numbers" "names the bad field"
printf '{ "tasks": ["gates"], "rules": ["backprop"], "networks": [{"kind": "recurrent", "nodes": 2, "rounds": 2}] }\n' \
    >"$tmp/small.json"
expect_rc 2 "too few nodes for the task" "$bin" compare "$tmp/small.json" -o "$tmp/small"
has "$tmp/err" "cannot hold the task's 2 inputs and 1 outputs" "names the problem"

# ---- (6) the network figures ---------------------------------------------------------------
export RULESET_SCRIPTS_DIR=$src/scripts
if command -v gnuplot >/dev/null; then
    if expect_rc 0 "plot the recurrent run" "$bin" plot "$run" --replicate 2; then
        # named after the rule, the network and the replicate (three tasks: no task in the name)
        fig1=backprop_lr=0.01_loss=mse_optimizer=adam-gradnet-v1-rep2
        fig2=backprop_lr=0.01_loss=mse_optimizer=adam-gradnet-v2-rep2
        for f in adjacency-$fig1 netgraph-$fig1 adjacency-$fig2 netgraph-$fig2; do
            [ -s "$run/$f.png" ] && pass "$f.png" || fail "no $run/$f.png"
        done
        has "$tmp/out" "adjacency-$fig2.png (backprop[lr=0.01,loss=mse,optimizer=adam], gradnet-v2)" \
            "plot names each network figure"
        # panel 3 (xor) of the v1 heatmap's data: replicate 2's A, as inspect prints it
        awk 'BEGIN { RS = ""; FS = "\n" } NR == 3' "$run/adjacency-$fig1.tsv" \
            | awk -F'\t' '{ print "weight\t\t1\t" $1 "\t" $2 "\t" $3 }' >"$tmp/adj.tsv"
        "$bin" inspect "$run" --task xor --net v1 --replicate 2 --tsv | grep '^weight' \
            >"$tmp/adj_inspect.tsv"
        cmp -s "$tmp/adj.tsv" "$tmp/adj_inspect.tsv" && pass "the heatmap's numbers are the network's A" \
            || fail "adjacency-$fig1.tsv differs from inspect: $(diff "$tmp/adj.tsv" "$tmp/adj_inspect.tsv" | head -4)"
    fi
    expect_rc 2 "plot --replicate out of range" "$bin" plot "$run" --replicate 20
    lay=$tmp/layered
    if expect_rc 0 "a layered run" "$bin" compare --task gates:gate=xor --net 2-3-1 \
        --act relu,sigmoid --rule backprop:lr=0.5,loss=bce --replicates 2 --steps 300 -o "$lay"; then
        # one task: its name is in the figure's
        lfig=backprop_lr=0.5_loss=bce-gates-2-3-1-rep0
        [ -s "$lay/netgraph-$lfig.png" ] && pass "compare draws the layered network's graph" \
            || fail "no $lay/netgraph-$lfig.png: $(ls "$lay")"
        [ ! -e "$lay/adjacency-$lfig.png" ] && pass "no heatmap for a layered network" \
            || fail "a heatmap for a layered network"
    fi
else
    fail "gnuplot is not installed (Debian: apt-get install gnuplot-nox); cannot test the figures"
fi

[ "$failures" -eq 0 ] && echo "all network checks passed" || echo "$failures check(s) failed"
exit $((failures > 0))
