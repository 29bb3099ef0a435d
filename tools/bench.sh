#!/usr/bin/env bash
# Builds and runs fnguard's benchmarks on this machine; writes docs/bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/deps.sh
./tools/setup-build.sh build
python=$(python3 -c 'import sys; print(sys.executable)')
exec "$python" tools/bench.py
