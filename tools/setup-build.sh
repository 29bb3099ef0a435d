#!/usr/bin/env bash
# Configures and compiles a build directory: tools/setup-build.sh DIR [MESON OPTIONS...]
# Quiet on success; on failure prints what meson or ninja said.
set -uo pipefail
dir=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "$@" >"$log" 2>&1
else
	meson setup "$dir" "$@" >"$log" 2>&1
fi || { cat "$log"; echo "fnguard: meson setup $dir failed" >&2; exit 1; }
meson compile -C "$dir" >"$log" 2>&1 || { cat "$log"; echo "fnguard: build in $dir failed" >&2; exit 1; }
