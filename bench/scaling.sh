#!/usr/bin/env bash
# Jobs per second of `ruleset compare`: threads 1, 2, 4 ... up to the cores at hand, MPI ranks
# 2, 4 ... (one thread each) when mpirun is installed and the build has MPI, and the cost of
# running jobs in worker processes (--isolate against --no-isolate, µs per job). Prints one
# tab-separated table; every figure is the best of REPEAT runs (others share the machine).
#
#   bash bench/scaling.sh [RULESET_BIN] [SPEC]     (build first: cmake --build build)
#   env: REPLICATES (1000: 6000 jobs of the default spec), STEPS (the spec's), REPEAT (3),
#        MAX (cores to scale to: nproc), TINY_STEPS (100: the tiny jobs of the isolation row)
#
# The wall time includes start-up (plugin loading; MPI_Init under mpirun) and the report, as a
# user sees it; the start-up of a one-job run is printed too (mpirun's is some 0.4 s here).
# Jobs of the default spec are 2-2-1 and 2-8-1 networks on a truth table, 2000 steps each: about
# a millisecond of work each.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/ruleset}
spec=${2:-rules/default.json}
reps=${REPLICATES:-1000}
repeat=${REPEAT:-3}
max=${MAX:-$(nproc)}
tiny=${TINY_STEPS:-100}
steps=()
[ -n "${STEPS:-}" ] && steps=(--steps "$STEPS")
export RULESET_PLUGIN_PATH=${RULESET_PLUGIN_PATH:-$PWD/build/plugins}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm_rsh_agent=false
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best wall seconds of `repeat` runs of: compare SPEC ARGS...  (prefix: a launcher, or "")
best_time() {
    local prefix=$1; shift
    local best=""
    for _ in $(seq "$repeat"); do
        rm -rf "$tmp/run"
        local t0 t1
        t0=$(date +%s%N)
        $prefix "$bin" compare "$spec" --replicates "$reps" "${steps[@]}" --quiet --no-plot \
            -o "$tmp/run" "$@" >/dev/null
        t1=$(date +%s%N)
        local s
        s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
        if [ -z "$best" ] || awk -v s="$s" -v b="$best" 'BEGIN { exit !(s < b) }'; then
            best=$s
        fi
    done
    echo "$best"
}

jobs=$("$bin" compare "$spec" --replicates "$reps" "${steps[@]}" --no-plot -o "$tmp/count" \
        2>&1 >/dev/null | sed -n 's/.*: \([0-9]*\) jobs (.*/\1/p' | head -1)
rm -rf "$tmp/count"
counts=()
for n in 1 2 4 8 16 32 64 128; do
    [ "$n" -le "$max" ] && counts+=("$n")
done
[ "${counts[-1]}" -lt "$max" ] && counts+=("$max")

printf '# %s jobs (%s, %s replicates%s), best of %s; %s cores here\n' "$jobs" "$spec" "$reps" \
    "${STEPS:+, $STEPS steps}" "$repeat" "$(nproc)"
printf 'mode\tworkers\twall_s\tjobs_per_s\tspeedup\tefficiency\n'
base=""
row() { # mode workers seconds
    local jps sp eff
    jps=$(awk -v j="$jobs" -v s="$3" 'BEGIN { printf "%.0f", j / s }')
    [ -z "$base" ] && base=$3
    sp=$(awk -v b="$base" -v s="$3" 'BEGIN { printf "%.2f", b / s }')
    eff=$(awk -v b="$base" -v s="$3" -v n="$2" 'BEGIN { printf "%.0f%%", 100 * b / s / n }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$jps" "$sp" "$eff"
}
for n in "${counts[@]}"; do
    row threads "$n" "$(best_time "" --threads "$n")"
done
if command -v mpirun >/dev/null && "$bin" --version | grep -q '^mpi: *on'; then
    reps_saved=$reps steps_saved=("${steps[@]}")
    reps=1 steps=(--steps 1)
    s1=$(best_time "" --threads 1)
    s2=$(best_time "mpirun -np 2 --oversubscribe" --threads 1)
    reps=$reps_saved steps=("${steps_saved[@]}")
    echo "# start-up (a run of 6 one-step jobs): ${s1} s plain, ${s2} s under mpirun -np 2"
    for n in "${counts[@]}"; do
        [ "$n" -lt 2 ] && continue
        row mpi_ranks "$n" "$(best_time "mpirun -np $n --oversubscribe" --threads 1)"
    done
else
    echo "# (no MPI rows: install libopenmpi-dev openmpi-bin and build with -DRULESET_MPI=ON)"
fi

# worker processes: the same tiny jobs in threads and in workers, one thread
reps=1000
steps=(--steps "$tiny")
ti=$(best_time "" --threads 1 --isolate)
tn=$(best_time "" --threads 1 --no-isolate)
njobs=$((jobs / ${REPLICATES:-1000} * 1000))
awk -v i="$ti" -v n="$tn" -v j="$njobs" -v st="$tiny" 'BEGIN {
    printf "# isolation, %d jobs of %d steps on 1 thread: %.3f s in threads, %.3f s in worker " \
           "processes: %.1f us per job more (%.0f%% of a %d-step job)\n",
           j, st, n, i, (i - n) / j * 1e6, (i - n) / n * 100, st }'
