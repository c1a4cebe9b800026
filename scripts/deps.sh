#!/usr/bin/env bash
# Install the Debian packages ruleset builds and tests with (run as root). OpenMPI: the build
# has MPI on when it is installed, and the suite tests `mpirun -np 2` (tests/cli/mpi.sh). g++:
# tests/headers compiles every public header as C++ too. dataset-fashion-mnist: the four IDX
# files the fashion_mnist task reads (tests/cli/datasets.sh). python3-sklearn: digits.csv.gz,
# the file the digits task reads (tests/cli/digits.sh; it brings numpy and scipy, none of which
# runs). --fuzz adds clang and its libFuzzer runtime, for the campaigns of bench/fuzz.sh (the
# suite itself replays the fuzz corpus with gcc and needs neither).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    gcc g++ make cmake pkg-config libcjson-dev check libopenblas-dev zlib1g-dev \
    gnuplot-nox valgrind python3 libopenmpi-dev openmpi-bin dataset-fashion-mnist \
    python3-sklearn >/dev/null
if [ "${1:-}" = --fuzz ]; then
    apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
fi
