#!/usr/bin/env bash
# Install the Debian packages ruleset builds and tests with (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    gcc make cmake pkg-config libcjson-dev check libopenblas-dev zlib1g-dev \
    gnuplot-nox valgrind python3 >/dev/null
