#!/usr/bin/env bash
# bench/fuzz.sh [SECONDS | -runs=N] [TARGET...]: a fuzzing campaign on every parser.
#
# Builds the project with clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer
# into build-fuzz/ (RULESET_SANITIZE=ON, RULESET_FUZZ=ON; plugins and host instrumented too;
# only the fuzz targets and the plugins are built), then runs each target of tests/fuzz/ (all,
# or those named: spec items weights net nets_jsonl journal curves) one after the other, for SECONDS each (default 60) or N executions each,
# starting from its seed corpus tests/fuzz/corpus/<target>/ (and with the dictionary
# tests/fuzz/<target>.dict when there is one). New inputs go to
# build-fuzz/corpus/<target>/ (the seeds are never written); a crash, leak or sanitizer report
# stops that target and leaves its input as build-fuzz/crash-<target>-*: fix the parser, add
# the input to tests/fuzz/corpus/<target>/ as a regression and ctest replays it ever after.
# Prints one line per target: executions, seconds, and ok or the crash file. Exit 1 if any
# target crashed. Environment: CC (default clang), JOBS for the build (default 2). Needs clang
# and its libFuzzer runtime: `bash scripts/deps.sh --fuzz` (Debian: clang libclang-rt-dev).
set -u
cd "$(dirname "$0")/.."
limit=${1:-60}
shift || true
if [[ $limit == -runs=* ]]; then
    budget=("$limit")
else
    budget=("-max_total_time=$limit")
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do
        t=$(basename "$f" .c)
        targets+=("${t#fuzz_}")
    done
fi
out=build-fuzz
cc=${CC:-clang}
mkdir -p "$out"
if ! { cmake -S . -B "$out" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DRULESET_SANITIZE=ON -DRULESET_FUZZ=ON -DRULESET_BENCH=OFF -DRULESET_NESTED=ON \
        -DRULESET_MPI=OFF -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -Wno-unknown-warning-option" \
        >"$out/configure.log" 2>&1 \
       && cmake --build "$out" -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}" \
          >"$out/build.log" 2>&1; }; then
    echo "fuzz.sh: the build failed (CC=$cc); see $out/configure.log and $out/build.log"
    tail -n 20 "$out/configure.log" "$out/build.log"
    exit 1
fi
export RULESET_PLUGIN_PATH=$PWD/$out/plugins
# Leaks are reported at every input (detect_leaks); the plot reader prints to stderr on every
# refused file, so stderr is closed (-close_fd_mask=2); libFuzzer still prints crash reports.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for t in "${targets[@]}"; do
    bin=$out/tests/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "fuzz.sh: no target '$t' (tests/fuzz/fuzz_$t.c)"
        failed=1
        continue
    fi
    mkdir -p "$out/corpus/$t"
    log=$out/fuzz-$t.log
    start=$(date +%s)
    dict=()
    if [ -f "tests/fuzz/$t.dict" ]; then dict=("-dict=tests/fuzz/$t.dict"); fi
    "$bin" "${budget[@]}" "${dict[@]}" -close_fd_mask=2 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/crash-$t-" "$out/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    execs=$(grep -oE '(#[0-9]+|stat::number_of_executed_units: [0-9]+)' "$log" | tail -1 \
            | grep -oE '[0-9]+')
    if [ $rc -eq 0 ]; then
        echo "$t: ${execs:-?} executions in ${secs}s, ok"
    else
        echo "$t: crashed after ${execs:-?} executions in ${secs}s: $(ls -t "$out"/crash-"$t"-* 2>/dev/null | head -1) (log: $log)"
        failed=1
    fi
done
exit $failed
