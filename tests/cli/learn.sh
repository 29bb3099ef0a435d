#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TAP: fnguard learn on hand-made logs in every form CloudWatch gives them back.
set -u
# FNGUARD_TEST_FNGUARD: a wrapper to run instead (meson test --setup valgrind).
fnguard="${FNGUARD_TEST_FNGUARD:-$FNGUARD_BUILD_ROOT/tools/fnguard}"
export FNGUARD_PROFILE_PATH="$FNGUARD_SOURCE_ROOT/profiles"
tmp=$(mktemp -d /var/tmp/fnguard-cli-learn-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for f in "$@"; do sed 's/^/# /' "$f" 2>/dev/null | head -40; done; }
check() { local name=$1; shift; if "$@" >"$tmp/stdout"; then ok "$name"; else fail "$name" "$tmp/err" "$tmp/stdout" "$tmp/out.json"; fi; }
has() { grep -qF -- "$2" "$1"; }

ev() { # type category op target [extra json]
	printf '{"timestamp":"2026-11-22T02:40:00.123Z","level":"INFO","logger":"fnguard","type":"%s","category":"%s","op":"%s","target":"%s"%s,"mode":"record","pid":8,"tid":8,"seq":1}\n' "$1" "$2" "$3" "$4" "${5:-}"
}
{
	echo "START RequestId: 8f5c Version: \$LATEST"
	ev learn file openat /var/task/handler.py ',"access":"r"'
	ev learn file openat /var/task/handler.py ',"access":"r"'
	ev learn file openat /tmp/tmpa8Zk2q9x/out.png ',"access":"wc","requestId":"8f5c"'
	ev learn network connect "dynamodb.us-east-1.amazonaws.com:443 (52.94.0.1)" ',"proto":"tcp","requestId":"8f5c"'
	ev learn network connect "127.0.0.1:41234" ',"proto":"tcp"'
	ev learn exec execve /usr/bin/convert ',"argv":["convert","/tmp/tmpa8Zk2q9x/in.png","out.jpg"]'
	echo '{"level":"INFO","logger":"app","type":"learn","category":"file","target":"/not/ours"}'
	echo "app: hello"
	ev violation file openat /etc/shadow ',"access":"r","rule":"deny rwcd /etc/shadow"'
	ev violation network connect "evil.example:443 (6.6.6.6)" ',"proto":"tcp","tip":{"network":[{"host":"evil.example","ports":[443]}]}'
} >"$tmp/plain.log"

"$fnguard" learn --help >"$tmp/help" 2>&1
check "learn --help shows options and examples" has "$tmp/help" "Examples:"

"$fnguard" learn "$tmp/plain.log" -o "$tmp/plain.json" 2>"$tmp/err"
cp "$tmp/plain.json" "$tmp/out.json" 2>/dev/null
check "learn from JSON lines exits 0" test -s "$tmp/plain.json"
check "the task root is written with its variable" has "$tmp/plain.json" '"${LAMBDA_TASK_ROOT}/handler.py", "allow": "r", "seen": 2, "phase": "init"'
check "a temporary directory name is generalised, phase invoke" has "$tmp/plain.json" '"/tmp/tmp*/out.png", "allow": "wc", "seen": 1, "phase": "invoke"'
check "a host keeps its name, not the address" has "$tmp/plain.json" '"host": "dynamodb.us-east-1.amazonaws.com", "ports": [443]'
check "a loopback server port becomes the ephemeral range" has "$tmp/plain.json" '"cidr": "127.0.0.1", "ports": ["32768-60999"]'
check "exec arguments are generalised where generated" has "$tmp/plain.json" '"argv": ["convert", "/tmp/tmp*/in.png", "out.jpg"]'
check "a violation's tip is learned" has "$tmp/plain.json" '"host": "evil.example", "ports": [443], "proto": "tcp"'
check "a violation an explicit deny decided is not learned" bash -c "! grep -q shadow '$tmp/plain.json'"
check "other loggers are ignored" bash -c "! grep -q /not/ours '$tmp/plain.json'"
check "the learned profile checks" "$fnguard" check "$tmp/plain.json"

# The same events in other forms give the same profile.
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
lines = open(f"{d}/plain.log").read().splitlines()
json.dump({"events": [{"timestamp": i, "message": l + "\n", "logStreamName": "s"} for i, l in enumerate(lines)]},
          open(f"{d}/export.json", "w"), indent=2)
open(f"{d}/prefixed.log", "w").write("".join(f"2026-11-22T02:40:00.123Z\t8f5c\t{l}\n" for l in lines))
open(f"{d}/insights.csv", "w").write("@timestamp,@message\n" + "".join(
    '2026-11-22 02:40:00.123,"' + l.replace('"', '""') + '"\n' for l in lines))
open(f"{d}/wrapped.jsonl", "w").write("".join(json.dumps({"@message": l}) + "\n" for l in lines))
PY
for f in export.json prefixed.log insights.csv wrapped.jsonl; do
	"$fnguard" learn "$tmp/$f" -o "$tmp/$f.out" 2>"$tmp/err"
	check "learn from $f gives the same profile" cmp -s "$tmp/$f.out" "$tmp/plain.json"
done
"$fnguard" learn -o "$tmp/stdin.json" <"$tmp/plain.log" 2>"$tmp/err"
check "learn reads standard input" cmp -s "$tmp/stdin.json" "$tmp/plain.json"

# Two cold starts: one profile, counts added up.
"$fnguard" learn "$tmp/plain.log" "$tmp/prefixed.log" -o "$tmp/two.json" 2>"$tmp/err"
check "two logs make one profile, seen added up" has "$tmp/two.json" '"${LAMBDA_TASK_ROOT}/handler.py", "allow": "r", "seen": 4'

# Options.
"$fnguard" learn "$tmp/plain.log" -o "$tmp/aws.json" --generalize-aws --name orders 2>"$tmp/err"
check "--generalize-aws writes endpoints per service" has "$tmp/aws.json" '"host": "dynamodb.*.amazonaws.com"'
check "--name names the profile" has "$tmp/aws.json" '"name": "orders"'
# A name the profile reader would refuse is refused here, before anything is written.
for bad in $'a\x01b' $'\xff\xfe' "" "$(printf 'n%.0s' $(seq 129))"; do
	rm -f "$tmp/badname.json"
	"$fnguard" learn "$tmp/plain.log" -o "$tmp/badname.json" --name "$bad" 2>"$tmp/err"
	rc=$?
	check "--name $(printf '%q' "$bad" | cut -c1-20): refused with exit 2, nothing written" \
		bash -c "[ $rc = 2 ] && [ ! -e '$tmp/badname.json' ] && grep -q '1 to 128 characters' '$tmp/err'"
done
"$fnguard" learn "$tmp/plain.log" -o "$tmp/utf8name.json" --name "zamówienia-ü" 2>"$tmp/err"
check "--name with valid UTF-8 is written and reads back" bash -c "grep -qF '\"name\": \"zamówienia-ü\"' '$tmp/utf8name.json' && '$fnguard' check '$tmp/utf8name.json' >/dev/null"
"$fnguard" learn "$tmp/plain.log" -o "$tmp/exact.json" --exact 2>"$tmp/err"
check "--exact keeps every name as it was" has "$tmp/exact.json" '"/tmp/tmpa8Zk2q9x/out.png"'
"$fnguard" learn "$tmp/plain.log" -o "$tmp/ext.json" --extends lambda-base 2>"$tmp/err"
cp "$tmp/ext.json" "$tmp/out.json"
check "--extends: what lambda-base allows is left out" bash -c "! grep -q -e '\"path\": \"/tmp/' -e handler.py '$tmp/ext.json'"
check "--extends: the profile extends it" has "$tmp/ext.json" '"extends": ["lambda-base"]'
check "--extends: the rest stays" has "$tmp/ext.json" '"host": "evil.example"'

for i in $(seq 1 9); do ev learn file openat "/srv/data/file$i.csv" ',"access":"r"'; done >"$tmp/many.log"
"$fnguard" learn "$tmp/many.log" -o "$tmp/many.json" --threshold 5 2>"$tmp/err"
check "--threshold collapses a directory" has "$tmp/many.json" '"/srv/data/*", "allow": "r", "seen": 9'
"$fnguard" learn "$tmp/many.log" -o "$tmp/many0.json" --threshold 0 2>"$tmp/err"
check "--threshold 0 never collapses" bash -c "[ \$(grep -c '/srv/data/file' '$tmp/many0.json') -eq 9 ]"

# Errors.
echo "nothing from fnguard here" >"$tmp/empty.log"
"$fnguard" learn "$tmp/empty.log" -o "$tmp/none.json" 2>"$tmp/err"
check "no fnguard events: exit 2" test $? -eq 2
"$fnguard" learn "$tmp/plain.log" 2>"$tmp/err"
check "no -o: exit 2" test $? -eq 2
"$fnguard" learn "$tmp/missing.log" -o "$tmp/x.json" 2>"$tmp/err"
check "an unreadable log: exit 2" test $? -eq 2
"$fnguard" learn "$tmp/plain.log" -o "$tmp/x.json" --threshold lots 2>"$tmp/err"
check "a bad --threshold: exit 2" test $? -eq 2
"$fnguard" learn "$tmp/plain.log" -o "$tmp/x.json" --extends no-such-profile 2>"$tmp/err"
check "an unknown --extends: exit 2" test $? -eq 2
echo "1..$n"
