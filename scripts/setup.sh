#!/usr/bin/env bash
# On a fresh Debian machine: install the dependencies, build, run the default comparison
# (the built-in rules on AND, OR and XOR) and draw its plots.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/deps.sh; else sudo bash scripts/deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/ruleset compare
echo "the table is above; the run folder (TSV, JSON, PNG plots) is named on the last lines"
