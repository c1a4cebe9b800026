#!/usr/bin/env bash
# tests/tools/valgrind_compare.sh VALGRIND SOURCE_DIR WORK_DIR: ctest's valgrind.compare.
#
# Builds a portable copy of the project into WORK_DIR/build (RULESET_NATIVE=OFF: valgrind
# cannot decode the AVX-512 that -march=native may emit; RelWithDebInfo for line numbers), then
# runs under memcheck, each failing on any memory error or definite/indirect leak (exit 9):
#   1. a small full `ruleset compare` (two rules, two threads) -> exit 0
#   2. --resume of that finished run (the journal reader) -> exit 0
#   3. a run with the diverging fixture rule -> exit 0, and with the failing one, refused while
#      planning (the error paths) -> exit 2
#   4. the loader and spec suites with CK_FORK=no (every refusal and parse-error path)
# Exits 77 (ctest: skipped) when valgrind is not installed.
set -u
vg=${1:?usage: valgrind_compare.sh VALGRIND SOURCE_DIR WORK_DIR}
src=${2:?usage: valgrind_compare.sh VALGRIND SOURCE_DIR WORK_DIR}
work=${3:?usage: valgrind_compare.sh VALGRIND SOURCE_DIR WORK_DIR}
if ! command -v "$vg" >/dev/null 2>&1; then
    echo "valgrind not found (Debian: apt-get install valgrind); skipped"
    exit 77
fi
build=$work/build
mkdir -p "$work"
if ! { cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRULESET_NATIVE=OFF \
        -DRULESET_BENCH=OFF -DRULESET_NESTED=ON >"$work/configure.log" 2>&1 \
       && cmake --build "$build" -j2 --target ruleset test_loader test_spec \
        >"$work/build.log" 2>&1; }; then
    echo "FAIL: the portable build for valgrind failed"
    tail -30 "$work/configure.log" "$work/build.log"
    exit 1
fi
fix=$build/fixtures
bin=$build/ruleset
out=$work/runs
rm -rf "$out"
mkdir -p "$out"
failures=0
vgrun() { # vgrun WANT_RC NAME CMD...
    local want=$1 name=$2
    shift 2
    # Worker processes are forks that end with _exit: the parent's blocks they inherit are not
    # leaks of theirs, so only the process we started is checked.
    "$vg" --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
        --child-silent-after-fork=yes \
        --log-file="$out/$name.vg" "$@" >"$out/$name.out" 2>"$out/$name.err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: $name: exit $rc, want $want (9 = valgrind found errors); $out/$name.vg:"
        grep -E -A12 "Invalid|uninitialised|definitely lost in|indirectly lost in|Unrecognised" \
            "$out/$name.vg" | head -60
        tail -5 "$out/$name.err"
        failures=$((failures + 1))
    else
        echo "ok: $name (exit $rc): $(grep -m1 'ERROR SUMMARY' "$out/$name.vg")"
    fi
}
vgrun 0 compare "$bin" compare --plugin "$fix/good_rule.so" --task gates:gate=xor --net 2-3-1 \
    --rule backprop:lr=0.5 --rule good_rule --replicates 3 --steps 100 --threads 2 \
    -o "$out/clean" --no-plot --quiet
vgrun 0 resume "$bin" compare -o "$out/clean" --resume --plugin "$fix/good_rule.so" \
    --threads 2 --no-plot --quiet
vgrun 0 diverging "$bin" compare --plugin "$fix/nan_rule.so" \
    --task gates:gate=and --net 2-2-1 --rule backprop --rule nan_rule \
    --replicates 2 --steps 30 --threads 2 -o "$out/diverging" --no-plot --quiet
vgrun 2 failing "$bin" compare --plugin "$fix/fail_rule.so" \
    --task gates:gate=and --net 2-2-1 --rule backprop --rule fail_rule \
    --replicates 2 --steps 30 --threads 2 -o "$out/failing" --no-plot --quiet
export CK_FORK=no RULESET_PLUGIN_PATH=$build/plugins
vgrun 0 test_loader "$build/tests/test_loader"
vgrun 0 test_spec "$build/tests/test_spec"
[ "$failures" -eq 0 ] || exit 1
echo "valgrind: no errors, no leaks"
