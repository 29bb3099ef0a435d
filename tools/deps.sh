#!/usr/bin/env bash
# Installs the Debian packages fnguard needs to build and test, if missing.
# Usage: tools/deps.sh [--bench]
set -euo pipefail

pkgs=(meson ninja-build pkg-config gcc libc6-dev python3
      libseccomp-dev libcjson-dev libcriterion-dev libbpf-dev
      nodejs   # the lambda suite runs a Node.js function
      golang-go   # the supervisor suite builds a static Go program
      clang bpftool   # fnguard trace: the eBPF program and its skeleton
      libclang-rt-14-dev   # libFuzzer for tests/fuzz
      valgrind clang-tidy)  # the analysis steps of tools/test.sh
if [ "${1:-}" = "--bench" ]; then
	# peers measured side by side and the plot of docs/bench.png
	pkgs+=(hyperfine strace firejail bubblewrap python3-matplotlib)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "fnguard: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
