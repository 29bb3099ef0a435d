#!/usr/bin/env bash
# Builds fnguard and runs its benchmarks on this machine (issue 8): writes
# docs/bench.md (tables, machine, method) and docs/bench.png (the plot).
# The full run takes about 15 to 25 minutes and wants a quiet machine;
# FNGUARD_BENCH_QUICK=1 is a smoke test of a few minutes whose numbers mean
# nothing. Other settings (rounds, sections, seed, build directory): see
# tests/bench/benchenv.py.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/deps.sh --bench
build=${FNGUARD_BENCH_BUILD:-build}
./tools/setup-build.sh "$build"
# The real interpreter, not a wrapper script (pyenv's shim is a bash script):
# it is the python3 whose start-up is measured.
python=$(python3 -c 'import sys; print(sys.executable)')
FNGUARD_BENCH_BUILD=$build exec "$python" tools/bench.py "$@"
