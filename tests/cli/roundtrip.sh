#!/usr/bin/env bash
# TAP: `fnguard check --print` of every good profile reads back to itself.
set -u
# FNGUARD_TEST_FNGUARD: a wrapper to run instead (meson test --setup valgrind).
fnguard="${FNGUARD_TEST_FNGUARD:-$FNGUARD_BUILD_ROOT/tools/fnguard}"
data="$FNGUARD_SOURCE_ROOT/tests/data/good"
export FNGUARD_PROFILE_PATH="$data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=("$data"/*.json)
echo "1..${#files[@]}"
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	name=$(basename "$f")
	if "$fnguard" check --print "$f" >"$tmp/once.json" 2>"$tmp/err" &&
	   "$fnguard" check --print "$tmp/once.json" >"$tmp/twice.json" 2>>"$tmp/err" &&
	   cmp -s "$tmp/once.json" "$tmp/twice.json"; then
		echo "ok $n - $name round trip"
	else
		echo "not ok $n - $name round trip"
		sed 's/^/# /' "$tmp/err"
		diff "$tmp/once.json" "$tmp/twice.json" | head -20 | sed 's/^/# /'
	fi
done
