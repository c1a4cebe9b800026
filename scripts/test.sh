#!/usr/bin/env bash
# Build ruleset and run its whole test suite (unit, CLI, sanitizer build, valgrind) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
