#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static and dynamic analysis of a configured build: tools/analyze.sh BUILD_DIR
#
#   1. clang-tidy (.clang-tidy at the top) over every policy/, lib/ and tools/
#      source in BUILD_DIR/compile_commands.json, two at a time;
#   2. memcheck over the unit and CLI suites (meson test --setup valgrind,
#      tools/valgrind-wrap.sh), one TAP line per suite.
#
# BUILD_DIR must be an ordinary build with the tests (not a sanitizer build).
# Prints TAP; also writes BUILD_DIR/meson-logs/analyze.json, one line in the
# form of meson's testlog.json, for tools/test-summary.py to count. Exits 1
# on any finding or failure.
set -uo pipefail
if [ $# -ne 1 ] || [ ! -f "$1/compile_commands.json" ]; then
	echo "usage: tools/analyze.sh BUILD_DIR (a configured meson build)" >&2
	exit 2
fi
build=$(realpath "$1")
src=$(realpath "$(dirname "$0")/..")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/tap"
n=0
failed=0

result()
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -s "$3" ] && head -200 "$3" | sed 's/^/# /'
	fi
	return 0
} >>"$out"

# ---- clang-tidy ----------------------------------------------------------------
start=$(date +%s)
python3 - "$build/compile_commands.json" "$src" >"$tmp/files" <<'EOF'
import json, os, sys
src = sys.argv[2]
seen = set()
for e in json.load(open(sys.argv[1])):
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(f, src)
    if rel.split(os.sep)[0] in ("policy", "lib", "tools") and f not in seen:
        seen.add(f)
        print(f)
EOF
files=$(wc -l <"$tmp/files")
# gcc's warning flags in the compile commands are unknown to clang: not findings.
xargs -P 2 -n 4 clang-tidy --quiet -p "$build" --config-file="$src/.clang-tidy" \
	--extra-arg=-Wno-unknown-warning-option <"$tmp/files" >"$tmp/tidy" 2>"$tmp/tidy.err"
tidy_status=$?
# A header is reported once per file that includes it: count each finding once.
grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$tmp/tidy" |
	sed -E 's#^[^:]*/(lib|policy|tools)/#\1/#' | sort -u >"$tmp/findings"
findings=$(wc -l <"$tmp/findings")
grep -E 'Error while processing|error:' "$tmp/tidy.err" >>"$tmp/findings"
status=0
[ "$findings" -eq 0 ] && [ "$tidy_status" -eq 0 ] || status=1
result $status "clang-tidy: $files files, $findings findings ($(($(date +%s) - start)) s)" \
	"$tmp/findings"

# ---- valgrind --------------------------------------------------------------------
start=$(date +%s)
meson test -C "$build" --setup valgrind --suite unit --suite cli --num-processes 2 \
	>"$tmp/vg" 2>&1
vg_status=$?
secs=$(($(date +%s) - start))
log="$build/meson-logs/testlog-valgrind.json"
for suite in unit cli; do
	if [ ! -f "$log" ]; then
		result 1 "valgrind $suite: no test log" "$tmp/vg"
		continue
	fi
	python3 - "$log" "$suite" >"$tmp/suite" <<'EOF'
import json, sys
total = bad = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    t = json.loads(line)
    # "project:suite / name"
    if t.get("name", "").split(" / ")[0].split(":")[-1] != sys.argv[2]:
        continue
    total += 1
    if t.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
        bad += 1
        print(f"{t.get('name')}: {t.get('result')}")
        for l in (t.get("stdout") or "").splitlines():
            if l.startswith("not ok") or l.startswith("# =="):
                print("  " + l)
print(f"TOTAL {total} {bad}")
EOF
	read -r _ total bad < <(tail -1 "$tmp/suite")
	sed -i '$d' "$tmp/suite"
	status=0
	[ "${bad:-1}" -eq 0 ] && [ "${total:-0}" -gt 0 ] || status=1
	result $status "valgrind $suite: ${total:-0} test programs, ${bad:-?} with reports or failures" \
		"$tmp/suite"
done
[ "$vg_status" -eq 0 ] || [ "$failed" -gt 0 ] || result 1 "meson test --setup valgrind" "$tmp/vg"
echo "# valgrind: ${secs} s" >>"$out"

echo "1..$n" >>"$out"
cat "$out"
python3 - "$out" "$failed" >"$build/meson-logs/analyze.json" <<'EOF'
import json, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
print(json.dumps({"name": "analyze", "suite": ["analyze"],
                  "result": "OK" if sys.argv[2] == "0" else "FAIL", "stdout": text}))
EOF
[ "$failed" -eq 0 ]
