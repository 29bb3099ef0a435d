#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice:
# build/ (everything, the preload library without sanitizers) and
# build-asan/ (unit and CLI tests under AddressSanitizer + UBSan), then
# clang-tidy and valgrind (tools/analyze.sh) and the fuzz targets for a
# bounded time.
# Ends with "N passed, N failed" counted over every test case.
set -uo pipefail
cd "$(dirname "$0")/.."

./tools/deps.sh || exit 1
status=0

./tools/setup-build.sh build || exit 1
meson test -C build --num-processes 2 --print-errorlogs --no-rebuild || status=1

# ASan cannot be preloaded into arbitrary programs, so the sanitizer build
# leaves the shim out and runs the suites that do not need it.
./tools/setup-build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dshim=false -Dbuildtype=debug || exit 1
meson test -C build-asan --suite unit --suite cli --num-processes 2 --print-errorlogs \
	--no-rebuild || status=1

# clang-tidy over policy/, lib/, tools/, and the unit and CLI suites under valgrind.
./tools/analyze.sh build || status=1

# libFuzzer targets (tests/fuzz): 30 s each, two at a time, with ASan+UBSan.
tests/fuzz/run.sh 30 || status=1

python3 tools/test-summary.py build/meson-logs/testlog.json \
	build-asan/meson-logs/testlog.json build/meson-logs/analyze.json \
	build-fuzz/testlog.json || status=1
exit $status
