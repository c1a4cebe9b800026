#!/usr/bin/env bash
# Build ruleset and run its whole test suite (unit, CLI, sanitizer build, valgrind) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
# RULESET_MPI=ON: a missing MPI fails the configure instead of skipping tests/cli/mpi.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRULESET_MPI=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
