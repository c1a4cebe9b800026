#!/usr/bin/env bash
# MPI: `mpirun -np 2 --oversubscribe ruleset compare SPEC` writes one run folder with the same
# numbers as a single-process run of the same spec and seed: identical summary.tsv but the
# timing column, identical curves.tsv and journal records (both ranks' jobs, each once).
# Also with --shard (ranks split a shard) and with --resume of a cut run. Skipped (exit 77)
# when the build has no MPI ($RULESET_MPIEXEC is set by tests/CMakeLists.txt when it has).
# usage: mpi.sh RULESET_BIN SOURCE_DIR FIXTURE_DIR
set -uo pipefail
BIN=$1 SRC=$2 FX=$3
if [ -z "${RULESET_MPIEXEC:-}" ]; then
    echo "skipped: built without MPI (configure with -DRULESET_MPI=ON)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
# as root in a container: OpenMPI refuses root unless told; no ssh, no CMA between ranks
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm_rsh_agent=false
MPIRUN=("$RULESET_MPIEXEC" -np 2 --oversubscribe)
SPEC="$SRC/tests/data/small.json"
RUN=(--replicates 5 --steps 300 --no-plot)
notime() { cut -f1-16 "$1/summary.tsv"; }
records() { grep '^J' "$1/journal.tsv" | cut -f2-8,10- | sort; }

"$BIN" compare "$SPEC" "${RUN[@]}" --quiet -o one >/dev/null || fail "single run"
mkdir scratch # rank 1 journals into $TMPDIR/ruleset-rank1-XXXXXX, removed after the gather
TMPDIR="$T/scratch" "${MPIRUN[@]}" -x TMPDIR "$BIN" compare "$SPEC" "${RUN[@]}" -o two \
    >two.out 2>two.err \
    || { cat two.err; fail "mpirun run"; }
grep -q "on 2 MPI ranks x 1 threads" two.err || { cat two.err; fail "not split across 2 ranks"; }
[ "$(grep -c 'jobs (6 rule' two.err)" = 1 ] || fail "rank 1 spoke too"
diff <(notime one) <(notime two) || fail "summary.tsv under MPI differs"
cmp one/curves.tsv two/curves.tsv || fail "curves.tsv under MPI differs"
diff <(records one) <(records two) || fail "journal under MPI differs"
[ "$(grep -c '^E' two/journal.tsv)" = 30 ] || fail "journal does not hold 30 jobs once each"
[ "$(grep -c '^backprop' two.out)" = 6 ] || fail "rank 0 did not print the table once"
[ -z "$(ls scratch | grep ruleset-rank)" ] || fail "rank 1 left its scratch folder: $(ls scratch)"

# ranks split a shard: shard 0/2 and 1/2 under 2 ranks each, merged, equal one run
for i in 0 1; do
    "${MPIRUN[@]}" "$BIN" compare "$SPEC" "${RUN[@]}" --quiet --shard $i/2 -o s$i >/dev/null \
        2>s$i.err || { cat s$i.err; fail "mpirun shard $i"; }
done
"$BIN" merge s0 s1 -o merged --quiet --no-plot >/dev/null 2>&1 || fail "merge"
diff <(notime one) <(notime merged) || fail "MPI shards merged differ"

# resume: a run folder holding a third of the jobs is finished under MPI
mkdir cut
cp one/spec.json cut/
awk '/^J/ { keep = ($2 % 3 == 0) } keep' one/journal.tsv > cut/journal.tsv
"${MPIRUN[@]}" "$BIN" compare -o cut --resume --no-plot >/dev/null 2>cut.err \
    || { cat cut.err; fail "mpirun --resume"; }
grep -q "resuming cut: 10 of 30 jobs already done" cut.err || { cat cut.err; fail "resume count"; }
diff <(notime one) <(notime cut) || fail "resumed MPI run differs"
[ "$(grep -c '^E' cut/journal.tsv)" = 30 ] || fail "resumed journal holds a job twice"
echo ok
