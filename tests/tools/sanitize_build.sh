#!/usr/bin/env bash
# tests/tools/sanitize_build.sh SOURCE_DIR WORK_DIR: ctest's sanitize.build.
#
# Configures and builds the project with AddressSanitizer + UndefinedBehaviorSanitizer
# (RULESET_SANITIZE=ON; plugins then link without -z defs, as the ASan runtime lives in the
# executable) into WORK_DIR, and runs its unit suites, the compare CLI test and the fuzz
# corpus replays (tests/fuzz) there. The nested build sets RULESET_NESTED=ON, so it registers
# neither this test nor valgrind.compare.
# Any sanitizer report (a leak included: LeakSanitizer runs at every exit, in Check's forked
# children too) makes the process that hit it fail, so the suite fails. No suppressions are
# needed: dlopen'd plugins leave nothing LeakSanitizer counts as lost.
set -u
src=${1:?usage: sanitize_build.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: sanitize_build.sh SOURCE_DIR WORK_DIR}
mkdir -p "$work"
if ! { cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRULESET_SANITIZE=ON \
        -DRULESET_BENCH=OFF -DRULESET_NESTED=ON >"$work/configure.log" 2>&1 \
       && cmake --build "$work" -j2 >"$work/build.log" 2>&1; }; then
    echo "FAIL: the sanitizer build failed"
    tail -40 "$work/configure.log" "$work/build.log"
    exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$work" --output-on-failure -R '^unit\.|^cli\.compare$|^fuzz\.replay\.'
