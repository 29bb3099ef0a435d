#!/usr/bin/env bash
# TAP: every profile under tests/data/bad must be rejected by `fnguard check`
# with exit 2 and exactly the diagnostics in its .expected file; every profile
# under tests/data/good must be accepted with exit 0 and nothing on stderr.
set -u
shopt -s nullglob
# FNGUARD_TEST_FNGUARD: a wrapper to run instead (meson test --setup valgrind).
fnguard="${FNGUARD_TEST_FNGUARD:-$FNGUARD_BUILD_ROOT/tools/fnguard}"
data="$FNGUARD_SOURCE_ROOT/tests/data"
export FNGUARD_PROFILE_PATH="$data/good"

bad=("$data"/bad/*.json)
good=("$data"/good/*.json)
echo "1..$(( ${#bad[@]} + ${#good[@]} ))"
n=0
for f in "${bad[@]}"; do
	n=$((n + 1))
	name=$(basename "$f")
	expected="${f%.json}.expected"
	got=$(cd "$data/bad" && "$fnguard" check "$name" 2>&1 >/dev/null)
	rc=$?
	if [ ! -f "$expected" ]; then
		echo "not ok $n - bad/$name: no .expected file"
	elif [ $rc -ne 2 ]; then
		echo "not ok $n - bad/$name: exit $rc, expected 2"
	elif [ "$got" != "$(cat "$expected")" ]; then
		echo "not ok $n - bad/$name: diagnostics differ"
		diff <(echo "$got") "$expected" | sed 's/^/# /'
	else
		echo "ok $n - bad/$name"
	fi
done
for f in "${good[@]}"; do
	n=$((n + 1))
	name=$(basename "$f")
	got=$(cd "$data/good" && "$fnguard" check "$name" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$got" ]; then
		echo "not ok $n - good/$name: exit $rc"
		echo "$got" | sed 's/^/# /'
	else
		echo "ok $n - good/$name"
	fi
done
