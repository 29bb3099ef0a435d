#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds fnguard and packs it as an AWS Lambda layer:
#   tools/build-layer.sh [--no-build] [--out DIR] [BUILD_DIR]   (default: build)
# -> BUILD_DIR/fnguard-layer-x86_64.zip, and the same tree unpacked in
#    BUILD_DIR/layer/ (what the example Dockerfiles copy to /opt).
# --no-build packs what BUILD_DIR already holds (the tests do); --out puts
# the zip and the tree in DIR instead.
#
# Layout (Lambda unpacks a layer under /opt):
#   fnguard-wrapper                 AWS_LAMBDA_EXEC_WRAPPER=/opt/fnguard-wrapper
#   lib/libfnguard.so               the preload library
#   lib/libcjson.so.1, ...          shared libraries it needs that Amazon Linux lacks
#   bin/fnguard                     the CLI (check, explain, ...)
#   fnguard/profiles/*.json         the shipped profiles
#   fnguard/profiles/{python,nodejs,java}.fgb
#                                   the runtimes' profiles compiled (fnguard compile)
#   fnguard/BUILD-INFO              what it was built with and needs
set -euo pipefail
cd "$(dirname "$0")/.."

no_build=
out=
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) no_build=1 ;;
	--out) out=$2; shift ;;
	-*) echo "usage: build-layer.sh [--no-build] [--out DIR] [BUILD_DIR]" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
build=${1:-build}
out=${out:-$build}
[ -n "$no_build" ] || ./tools/setup-build.sh "$build"
case $(uname -m) in
x86_64) arch=x86_64 ;;
aarch64) arch=arm64 ;;
*) echo "build-layer: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

stage=$out/layer
zip=$out/fnguard-layer-$arch.zip
rm -rf "$stage" "$zip"
mkdir -p "$stage/lib" "$stage/bin" "$stage/fnguard/profiles"

install -m 0644 "$build/lib/libfnguard.so" "$stage/lib/"
install -m 0755 "$build/tools/fnguard" "$stage/bin/"
install -m 0644 profiles/*.json "$stage/fnguard/profiles/"
# The profiles the wrapper picks by runtime, compiled: every process under the
# shim then maps a bundle instead of parsing JSON and resolving its extends
# (and needs no libcjson). Variables (${LAMBDA_TASK_ROOT} ...) stay in the
# bundle and are expanded where it is loaded; the prebuilt path matcher is made
# with Lambda's own values (the variables unset: /var/task, /var/runtime), the
# ones the function will expand, whatever this build machine has set.
for name in python nodejs java; do
	env -u LAMBDA_TASK_ROOT -u LAMBDA_RUNTIME_DIR FNGUARD_PROFILE_PATH=profiles \
		"$build/tools/fnguard" compile "profiles/$name.json" \
		--format bundle -o "$stage/fnguard/profiles/$name.fgb"
	chmod 0644 "$stage/fnguard/profiles/$name.fgb"
done
install -m 0755 examples/layer/fnguard-wrapper "$stage/"

# Everything the library and the CLI link besides glibc itself (libseccomp is
# linked into both), and libcjson, which both load when they first read JSON:
# Amazon Linux 2023 has no libcjson.
glibc_libs='^(linux-vdso|libc|libm|libdl|libpthread|librt|ld-linux[^ ]*)\.so'
cjson=$(pkg-config --variable=libdir libcjson)/libcjson.so.1
[ -e "$cjson" ] || { echo "build-layer.sh: $cjson not found (libcjson-dev)" >&2; exit 1; }
{
	for obj in "$build/lib/libfnguard.so" "$build/tools/fnguard"; do
		ldd "$obj" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}'
	done
	echo "libcjson.so.1 $cjson"
} | sort -u | while read -r soname path; do
	if ! grep -Eq "$glibc_libs" <<<"$soname"; then
		install -m 0644 "$(realpath "$path")" "$stage/lib/$soname"
	fi
done

# Debug information stays in the build tree; the layer is what cold starts load.
strip --strip-debug "$stage"/lib/*.so* "$stage/bin/fnguard"

# The newest glibc anything in the layer needs: every version it references,
# symbol versions and ABI markers alike (a library linked with packed relative
# relocations references GLIBC_ABI_DT_RELR, which glibc defines since 2.36;
# the loader of an older one refuses the library though no symbol names it).
need=$(for f in "$stage"/lib/*.so* "$stage/bin/fnguard"; do
	objdump -p "$f" | sed -n '/^Version References:/,/^$/p' | grep -oE 'GLIBC_[0-9A-Z_.]+' || true
done | while read -r v; do
	case $v in
	GLIBC_[0-9]*) echo "${v#GLIBC_}" ;;
	GLIBC_ABI_DT_RELR) echo 2.36 ;;
	*) echo "build-layer.sh: unknown glibc version reference $v" >&2; echo 99 ;;
	esac
done | sort -uV | tail -n 1)
built=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
{
	echo "fnguard $(meson introspect --projectinfo "$build" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')"
	echo "arch $arch"
	echo "built-with-glibc $built"
	echo "needs-glibc $need"
	echo "libraries $(cd "$stage/lib" && echo *)"
} >"$stage/fnguard/BUILD-INFO"

# Deterministic zip: sorted entries, fixed times, Unix modes kept (Lambda
# keeps the executable bit of the wrapper and the CLI).
python3 - "$stage" "$zip" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            info = zipfile.ZipInfo(os.path.relpath(path, stage), (1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | (os.stat(path).st_mode & 0o777)) << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
PY
echo "build-layer: $zip ($(du -h "$zip" | cut -f1)); needs glibc >= $need (built with $built;" \
	"Amazon Linux 2023 has 2.34, Amazon Linux 2 has 2.26)"
