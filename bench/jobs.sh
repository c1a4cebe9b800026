#!/usr/bin/env bash
# Jobs per second on one core for many tiny jobs (bench/jobs.json: backprop, XOR, 2-2-1, 100
# steps, 10000 replicates, one thread, a run folder with journal, curves and nets.jsonl as by
# default): this tree's build against the build of an earlier commit, interleaved round by
# round (the order alternating), pinned to one core. The whole command is timed: start-up,
# the jobs, their journal and networks, the report.
#
#   bash bench/jobs.sh [rounds (5)] [before commit (HEAD~1)] [cpu (1)]   build first
#
# The earlier commit is built once, from `git archive`, in build-jobs-<commit>/ (with
# build/'s MPI setting). Printed: each round's wall and CPU seconds (user + system), then
# per side the medians as jobs/s, wall and CPU (on a core shared with other load the wall
# clock also counts the others' turns; the CPU clock does not).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
before=$(git rev-parse --short "${2:-HEAD~1}")
cpu=${3:-1}
[ -x build/ruleset ] || { echo "jobs.sh: build/ruleset missing; build first" >&2; exit 2; }
old=$PWD/build-jobs-$before
if [ ! -x "$old/ruleset" ]; then
    src=$(mktemp -d)
    git archive "$before" | tar -x -C "$src"
    mpi=$(awk -F= '/^RULESET_MPI:/ { print $2 }' build/CMakeCache.txt)
    cmake -S "$src" -B "$old" -DRULESET_MPI="${mpi:-OFF}" >/dev/null
    cmake --build "$old" -j2 --target ruleset plugins >/dev/null
    rm -rf "$src"
fi
spec=$PWD/bench/jobs.json
jobs=$(awk -F: '/"replicates"/ { gsub(/[ ,]/, "", $2); print $2 }' "$spec")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# wall, user and system seconds of one run of a build
one() {
    local bin=$1/ruleset plugins=$1/plugins
    rm -rf "$out/run"
    local TIMEFORMAT='%R %U %S'
    { time RULESET_PLUGIN_PATH=$plugins taskset -c "$cpu" "$bin" compare "$spec" --threads 1 \
        --no-plot --quiet -o "$out/run" >/dev/null 2>&1; } 2>&1
}
printf 'round\tside\twall_s\tcpu_s\n'
for r in $(seq 1 "$rounds"); do
    sides="before after"; [ $((r % 2)) -eq 0 ] && sides="after before"
    for side in $sides; do
        dir=$old; [ $side = after ] && dir=$PWD/build
        read -r w u s <<<"$(one "$dir")"
        printf '%s\t%s\t%s\t%s\n' "$r" "$side" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"
    done
done | tee "$out/rounds.tsv"
echo "# $jobs jobs a run; before = $before, after = this tree; medians of $rounds rounds, cpu $cpu"
printf 'side\tjobs_per_s_wall\tjobs_per_s_cpu\n'
for side in before after; do
    for col in 3 4; do
        awk -F'\t' -v s=$side -v c=$col '$2 == s { print $c }' "$out/rounds.tsv" | sort -g \
            | awk -v n="$jobs" '{ v[NR] = $1 }
                END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                      printf "%.0f\n", n / m }'
    done | paste -sd'\t' | sed "s/^/$side\t/"
done
