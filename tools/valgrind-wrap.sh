#!/bin/sh
# SPDX-License-Identifier: MIT
# The exe_wrapper of `meson test --setup valgrind` (top-level meson.build).
#
# A compiled test (Criterion) runs under memcheck, following the workers it
# execs for each test case. A script (the cli suite) is not run under
# valgrind itself (the shell and its tools are not ours): it runs as it is,
# with FNGUARD_TEST_FNGUARD naming this file, which the scripts run instead
# of the fnguard binary and which runs that binary under memcheck.
#
# Criterion's workers write nowhere the runner shows and their exit status
# is not a test result, so every process logs to a file of its own and the
# logs are read at the end: any error fails the test, with the reports.
set -u

memcheck()
{
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-origins=no --read-inline-info=no \
		--trace-children=yes --log-file="$FNGUARD_VALGRIND_LOGS/%p.log" "$@"
}

# Prints the reports of processes with errors (TAP comments); false if there were any.
reports_clean()
{
	bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$FNGUARD_VALGRIND_LOGS"/*.log 2>/dev/null)
	[ -z "$bad" ] && return 0
	for f in $bad; do
		sed 's/^/# /' "$f"
	done
	return 1
}

if [ -n "${FNGUARD_VALGRIND_LOGS:-}" ] && [ -n "${FNGUARD_TEST_FNGUARD:-}" ]; then
	# Called by a cli script in place of fnguard.
	memcheck "$FNGUARD_BUILD_ROOT/tools/fnguard" "$@"
	exit $?
fi

FNGUARD_VALGRIND_LOGS=$(mktemp -d "${TMPDIR:-/tmp}/fnguard-valgrind.XXXXXX")
export FNGUARD_VALGRIND_LOGS
trap 'rm -rf "$FNGUARD_VALGRIND_LOGS"' EXIT
if [ "$(head -c 4 "$1" | tr -d '\0')" = "$(printf '\177ELF')" ]; then
	memcheck "$@"
else
	FNGUARD_TEST_FNGUARD=$(realpath "$0")
	export FNGUARD_TEST_FNGUARD
	"$@"
fi
status=$?
reports_clean || { [ $status -ne 0 ] || status=1; }
exit $status
