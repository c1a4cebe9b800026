#!/usr/bin/env bash
# Shards and merge: `compare --shard 0/2` and `--shard 1/2` into two folders, `ruleset merge`
# of the two equals one run of the same spec and seed: identical summary.tsv but the timing
# column, identical curves.tsv, and the same set of journal records. Also: a third shard
# layout (3 shards, merged in another order) gives the same; merging folders of different
# specs is refused; a missing shard is reported and `--resume` on the merged folder completes
# it; bad --shard values are refused with a clear message.
# usage: shard.sh RULESET_BIN SOURCE_DIR FIXTURE_DIR
set -uo pipefail
BIN=$1 SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
SPEC="$SRC/tests/data/small.json"
RUN=(--replicates 6 --steps 300 --no-plot --quiet)
notime() { cut -f1-16 "$1/summary.tsv"; } # column 17, us_per_step, is a timing
records() { grep '^J' "$1/journal.tsv" | cut -f2-8,10- | sort; } # all but us_per_step

"$BIN" compare "$SPEC" "${RUN[@]}" -o one >/dev/null || fail "single run"
for i in 0 1; do
    "$BIN" compare "$SPEC" "${RUN[@]}" --shard $i/2 -o s$i >/dev/null || fail "shard $i/2"
done
n0=$(grep -c '^E' s0/journal.tsv) n1=$(grep -c '^E' s1/journal.tsv)
[ "$n0" = 18 ] && [ "$n1" = 18 ] || fail "shards ran $n0 and $n1 jobs, want 18 each of 36"
"$BIN" merge s0 s1 -o merged --quiet --no-plot >/dev/null 2>merge.err || { cat merge.err; fail "merge"; }
diff <(notime one) <(notime merged) || fail "merged summary.tsv differs from one run"
cmp one/curves.tsv merged/curves.tsv || fail "merged curves.tsv differs"
diff <(records one) <(records merged) || fail "merged journal differs"
cmp one/spec.json merged/spec.json || fail "merged spec.json differs"

for i in 0 1 2; do
    "$BIN" compare "$SPEC" "${RUN[@]}" --shard $i/3 --threads 1 -o t$i >/dev/null || fail "shard $i/3"
done
"$BIN" merge t2 t0 t1 -o merged3 --quiet --no-plot >/dev/null 2>&1 || fail "merge of 3"
diff <(notime one) <(notime merged3) || fail "3-shard merge differs"

# a missing shard: reported, and --resume runs just the missing jobs
"$BIN" merge t0 t1 -o part --no-plot >/dev/null 2>part.err || fail "partial merge"
grep -q "12 jobs are in none of the folders" part.err || { cat part.err; fail "missing jobs not reported"; }
"$BIN" compare -o part --resume --quiet --no-plot >/dev/null 2>&1 || fail "resume of a partial merge"
diff <(notime one) <(notime part) || fail "resumed partial merge differs"

# refusals
"$BIN" compare "$SPEC" "${RUN[@]}" --seed 7 --shard 1/2 -o other >/dev/null || fail "seed-7 shard"
"$BIN" merge s0 other -o bad 2>bad.err >/dev/null
[ $? = 2 ] || fail "merging different specs: want exit 2"
grep -q "ruleset: merge: other/spec.json differs from s0/spec.json: these folders are not shards of one run" bad.err \
    || { cat bad.err; fail "message for different specs"; }
for v in 2/2 x/2 1/0 -1/2 1 1/2x; do
    "$BIN" compare "$SPEC" --shard "$v" -o never 2>bad.err >/dev/null
    [ $? = 2 ] || fail "--shard $v: want exit 2"
    grep -q "ruleset: --shard takes I/N with 0 <= I < N" bad.err || fail "--shard $v: message"
done
"$BIN" merge nowhere 2>bad.err >/dev/null
[ $? = 2 ] && grep -q "nowhere/spec.json" bad.err || fail "merge of a missing folder"
echo ok
