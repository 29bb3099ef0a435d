# SPDX-License-Identifier: MIT
# Sourced by the reproducers here: BUILD (argument 1, default /var/tmp/refusal-build), the
# shim, a scratch directory S (outside /tmp, which lambda-base allows), and under_shim MODE
# PROFILE CMD... (events go to $S/events.log; violations are printed after the command).
set -eu
BUILD=${1:-/var/tmp/refusal-build}
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
LIB=$BUILD/lib/libfnguard.so
[ -e "$LIB" ] || { echo "no $LIB (give the build directory as the argument)"; exit 2; }
PY=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
NODE=${NODE:-/usr/bin/node}
S=$(mktemp -d /var/tmp/fnguard-repro-XXXXXX)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/denied" "$S/allowed"
echo secret > "$S/denied/secret.txt"

under_shim() {
	mode=$1 profile=$2
	shift 2
	: > "$S/events.log"
	rc=0
	# From /tmp, which lambda-base allows: the interpreters look at their working directory.
	cd /tmp
	env LD_PRELOAD="$LIB" FNGUARD_PROFILE="$profile" FNGUARD_MODE="$mode" \
		FNGUARD_PROFILE_PATH="$SRC/profiles" FNGUARD_LOG=fd:3 "$@" 3>"$S/events.log" || rc=$?
	cd - >/dev/null
	echo "exit status: $rc"
	grep '"type":"violation"' "$S/events.log" |
		sed 's/.*"op":"\([^"]*\)".*"action":"\([^"]*\)".*"target":"\([^"]*\)".*/  violation: \1 \3 (\2)/' || true
}
