#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time, printing TAP. Usage: tests/fuzz/run.sh [SECONDS-PER-TARGET]
# (default 60). Environment:
#   FUZZ_BUILD_DIR  where to build and keep corpora, logs and crashes
#                   (default: build-fuzz in the source tree)
#   FUZZ_PARALLEL   targets run at once (default 2; each is one process)
#   FUZZ_TARGETS    a subset, e.g. "profile net" (default: all five)
#   FUZZ_ARGS       extra libFuzzer flags for every target
#   FUZZ_SEED       libFuzzer's -seed (default 1, so that a run repeats the
#                   same search from the same corpus; 0 picks a random seed:
#                   use it to explore, e.g. FUZZ_SEED=0 tests/fuzz/run.sh 600)
# Exits non-zero when a target crashed, leaked or tripped a sanitizer; the
# input is kept in $FUZZ_BUILD_DIR/crashes/<target>/. Also writes
# $FUZZ_BUILD_DIR/testlog.json (one meson-style line) for tools/test-summary.py.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/fuzz"
seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
parallel=${FUZZ_PARALLEL:-2}
read -ra targets <<<"${FUZZ_TARGETS:-profile path net event learn}"
read -ra fuzz_args <<<"${FUZZ_ARGS:-}"
seed_arg=${FUZZ_SEED:-1}
case $seconds in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
case $seed_arg in '' | *[!0-9]*) echo "$0: FUZZ_SEED must be a number" >&2; exit 2 ;; esac
mkdir -p "$build" && build=$(cd "$build" && pwd)

# ---- build ----------------------------------------------------------------
# A build failure is reported as TAP too, so that the summary counts it.
fail_all() {
	local tap="1..${#targets[@]}"$'\n' n=0
	for t in "${targets[@]}"; do
		n=$((n + 1))
		tap+="not ok $n - fuzz $t: $1 (see $log)"$'\n'
	done
	printf '%s' "$tap"
	tail -20 "$log" | sed 's/^/# /'
	write_testlog 1 "$tap"
	exit 1
}

write_testlog() {
	python3 -c 'import json, sys
print(json.dumps({"name": "fuzz", "result": "OK" if sys.argv[1] == "0" else "FAIL",
                  "stdout": sys.argv[2]}))' "$1" "$2" >"$build/testlog.json"
}

sanitize=("-fsanitize=address,undefined" -fno-sanitize-recover=all)
cflags=(-O1 -g -fno-omit-frame-pointer "${sanitize[@]}")
log="$build/build.log"
: >"$log"
libs="$build/libs"
if [ ! -f "$libs/build.ninja" ]; then
	CC=clang meson setup "$libs" "$root" -Dshim=false -Dtests=disabled \
		-Dbuildtype=plain -Db_sanitize=none -Db_lundef=false \
		"-Dc_args=${cflags[*]} -fsanitize=fuzzer-no-link" "-Dc_link_args=${sanitize[*]}" \
		>>"$log" 2>&1 || fail_all "meson setup failed"
fi
ninja -C "$libs" -j 2 policy/libfnguard-policy.a lib/libfnguard-core.a >>"$log" 2>&1 ||
	fail_all "building the libraries failed"
for t in "${targets[@]}"; do
	extra=()
	# The event writer runs the shim's lib/event.c against a stand-in of its state.
	[ "$t" = event ] && extra=("$root/lib/event.c")
	clang -std=gnu11 -D_GNU_SOURCE "${cflags[@]}" -fsanitize=fuzzer -Wall -Wextra -Wno-comment \
		-Wno-unused-parameter -Werror=missing-prototypes -Werror=return-type \
		-Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
		-Werror=int-conversion -I"$root/policy" -I"$root/lib" -I"$here" -I"$libs" \
		-o "$build/fuzz_$t" "$here/fuzz_$t.c" "${extra[@]}" \
		"$libs/lib/libfnguard-core.a" "$libs/policy/libfnguard-policy.a" -lcjson -lseccomp \
		>>"$log" 2>&1 || fail_all "building fuzz_$t failed"
done

# ---- corpora ----------------------------------------------------------------
# Profiles under test are inputs as they are; the path and network targets get
# their rules and queries from the valid profiles' rules as well.
seed() {
	local t=$1 dir="$build/corpus/$1"
	mkdir -p "$dir"
	[ -d "$here/seeds/$t" ] && cp -n "$here/seeds/$t"/* "$dir/"
	case $t in
	profile) cp -n "$root"/tests/data/good/*.json "$root"/tests/data/bad/*.json "$dir/"
		for f in "$root"/profiles/*.json; do cp -n "$f" "$dir/shipped-$(basename "$f")"; done ;;
	path | net) python3 - "$t" "$dir" "$root"/tests/data/good/*.json "$root"/profiles/*.json <<'PY'
import json, sys
target, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
for f in files:
    try:
        doc = json.load(open(f))
    except ValueError:
        continue
    lines = []
    for r in doc.get("files", []) if target == "path" else []:
        p = r.get("path", "").replace("${LAMBDA_TASK_ROOT}", "/var/task")
        p = p.replace("${LAMBDA_RUNTIME_DIR}", "/var/runtime")
        lines.append(("+%s %s" % (r["allow"], p)) if "allow" in r else ("-%s %s" % (r.get("deny"), p)))
        lines.append(p.replace("**", "a/b").replace("*", "x") + "/./")
    for r in doc.get("network", []) if target == "net" else []:
        opts = "".join([" p=" + ",".join(str(p) for p in r["ports"])] if r.get("ports") else [])
        opts += " " + r.get("proto", "any") + (" in" if r.get("inbound") else "")
        for k, c in (("host", "h"), ("cidr", "c"), ("unix", "u")):
            if k in r:
                lines.append("%s %s%s" % (c, r[k], opts))
                q = r[k].split("/")[0].replace("*", "x") if k != "unix" else r[k].replace("*", "x")
                port = r["ports"][0] if r.get("ports") else 443
                lines.append("q %s %s" % (q, str(port).split("-")[0]))
    if lines:
        with open("%s/from-%s" % (out, f.split("/")[-1]), "w") as o:
            o.write("\n".join(lines) + "\n")
PY
		;;
	esac
}

run() {
	local t=$1 dict=() dir="$build/crashes/$1"
	mkdir -p "$dir"
	[ -f "$here/dict/$t.dict" ] && dict=(-dict="$here/dict/$t.dict")
	# -timeout: an input that takes 10 s is a hang; leaks are reported (ASan default).
	"$build/fuzz_$t" "$build/corpus/$t" "${dict[@]}" -max_total_time="$seconds" \
		-timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-seed="$seed_arg" -artifact_prefix="$dir/" "${fuzz_args[@]}" >"$build/logs/$t.log" 2>&1
	echo $? >"$build/logs/$t.rc"
}

mkdir -p "$build/logs"
for t in "${targets[@]}"; do
	seed "$t"
	rm -f "$build/logs/$t.rc"
done
running=0
for t in "${targets[@]}"; do
	run "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$parallel" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

# ---- report -------------------------------------------------------------------
tap="1..${#targets[@]}"$'\n'
status=0
n=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	lg="$build/logs/$t.log"
	rc=$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$lg" | tail -1)
	last=$(grep -a -E '^#[0-9]+' "$lg" | grep -a 'cov:' | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	if [ "$rc" = 0 ] && ! grep -a -q -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$lg"; then
		tap+="ok $n - fuzz $t: seed $seed_arg, ${execs:-0} execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, no crash"$'\n'
	else
		status=1
		crash=$(find "$build/crashes/$t" -type f -printf '%T@ %f\n' | sort -n | tail -1 | cut -d' ' -f2)
		tap+="not ok $n - fuzz $t: seed $seed_arg, exit $rc after ${execs:-?} execs; input kept in $build/crashes/$t/$crash"$'\n'
		# What broke and where: the message and the first frames in our code.
		tap+=$(grep -a -E 'invariant broken|ERROR: [A-Za-z]+Sanitizer|runtime error:|SUMMARY:| in [A-Za-z_0-9]+ /.*/(policy|lib|tests)/' "$lg" |
			head -8 | cut -c1-300 | sed 's/^/# /')$'\n'
	fi
done
printf '%s' "$tap"
write_testlog "$status" "$tap"
exit $status
