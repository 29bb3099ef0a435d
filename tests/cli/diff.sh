#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TAP: fnguard diff, between two profiles and between a profile and a recording.
set -u
# FNGUARD_TEST_FNGUARD: a wrapper to run instead (meson test --setup valgrind).
fnguard="${FNGUARD_TEST_FNGUARD:-$FNGUARD_BUILD_ROOT/tools/fnguard}"
export FNGUARD_PROFILE_PATH="$FNGUARD_SOURCE_ROOT/profiles"
tmp=$(mktemp -d /var/tmp/fnguard-cli-diff-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for f in "$@"; do sed 's/^/# /' "$f" 2>/dev/null | head -40; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name" "$tmp/out" "$tmp/err"; fi; }
has() { grep -qF -- "$2" "$1"; }
status() { # expected command...
	local want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq "$want" ]
}

cat >"$tmp/old.json" <<'J'
{ "fnguard": 1, "name": "old", "extends": ["lambda-base"],
  "files": [ { "path": "/etc/**", "allow": "r" }, { "path": "/etc/shadow", "deny": "rwcd" },
             { "path": "/srv/data/**", "allow": "rw" } ],
  "network": [ { "host": "api.example.com", "ports": [443] } ],
  "exec": [ { "path": "/bin/echo" } ] }
J
cat >"$tmp/same.json" <<'J'
{ "fnguard": 1, "extends": ["lambda-base"],
  "files": [ { "path": "/etc/**", "allow": "r" }, { "path": "/etc/shadow", "deny": "rwcd" },
             { "path": "/srv/data/**", "allow": "r" }, { "path": "/srv/data/**", "allow": "w" },
             { "path": "/srv/data/a.csv", "allow": "r", "seen": 9 } ],
  "network": [ { "host": "api.example.com", "ports": [443], "proto": "any" } ],
  "exec": [ { "path": "/bin/echo" }, { "path": "/bin/echo", "argv": ["echo", "hi"] } ] }
J
cat >"$tmp/new.json" <<'J'
{ "fnguard": 1, "mode": "alert",
  "files": [ { "path": "/etc/**", "allow": "r" }, { "path": "/srv/data/**", "allow": "r" },
             { "path": "/tmp/**", "allow": "rwcd" } ],
  "network": [ { "host": "api.example.com", "ports": [443, 80] }, { "host": "*.evil.example" } ],
  "exec": [] }
J

check "diff --help shows examples" status 0 "$fnguard" diff --help
check "... and they are there" has "$tmp/out" "Examples:"
check "two profiles that allow the same: exit 0" status 0 "$fnguard" diff "$tmp/old.json" "$tmp/same.json"
check "... and says so" has "$tmp/out" "allow the same"
check "a profile and itself: exit 0" status 0 "$fnguard" diff "$tmp/new.json" "$tmp/new.json"
check "two that differ: exit 1" status 1 "$fnguard" diff "$tmp/old.json" "$tmp/new.json"
check "only old: writing /srv/data" has "$tmp/out" "- allow w /srv/data/**"
check "only old: running echo" has "$tmp/out" "- exec /bin/echo"
check "only old: lambda-base's /tmp rights are not reported (new has them)" bash -c "! grep -q -- '- allow rwcd /tmp/\*\*' '$tmp/out'"
check "only new: /etc/** where old denies shadow" has "$tmp/out" "+ allow r /etc/**"
check "only new: port 80" has "$tmp/out" "+ host api.example.com ports 443,80"
check "only new: a new host pattern" has "$tmp/out" "+ host *.evil.example"
check "settings: the mode" has "$tmp/out" "actions.file: enforce -> alert"
check "--json: exit 1 too" status 1 "$fnguard" diff --json "$tmp/old.json" "$tmp/new.json"
check "--json is one JSON object with the documented keys" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["same"] is False and d["old"].endswith("old.json") and d["new"].endswith("new.json")
assert d["onlyOld"]["fnguard"] == 1 and d["onlyNew"]["network"]
assert any(s["what"] == "actions.network" for s in d["settings"])
' "$tmp/out"
check "--json, same: {\"same\": true}" status 0 "$fnguard" diff --json "$tmp/old.json" "$tmp/same.json"
check "... parses" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["same"] is True' "$tmp/out"

# Drift: a recording against a profile.
ev() {
	printf '{"timestamp":"2026-11-22T02:40:00.123Z","level":"INFO","logger":"fnguard","type":"learn","category":"%s","op":"%s","target":"%s"%s,"pid":8}\n' "$1" "$2" "$3" "${4:-}"
}
{
	ev file openat /etc/hosts ',"access":"r"'
	ev file openat /srv/data/a.csv ',"access":"rw"'
	ev network connect "api.example.com:443 (1.2.3.4)" ',"proto":"tcp"'
	echo "not an event"
} >"$tmp/fine.log"
{
	cat "$tmp/fine.log"
	ev file openat /etc/shadow ',"access":"r"'
	ev network connect "api.example.com:8443 (1.2.3.4)" ',"proto":"tcp"'
	ev exec execve /bin/sh ',"argv":["sh","-c","id"]'
} >"$tmp/drift.log"
check "no drift: exit 0" status 0 "$fnguard" diff "$tmp/old.json" "$tmp/fine.log"
check "... and says so" has "$tmp/out" "no drift"
check "drift: exit 1" status 1 "$fnguard" diff "$tmp/old.json" "$tmp/drift.log"
check "drift: the denied file" has "$tmp/out" "+ allow r /etc/shadow"
check "drift: the new port" has "$tmp/out" "+ host api.example.com ports 8443 tcp"
check "drift: the command" has "$tmp/out" "+ exec /bin/sh [sh, -c, id]"
check "drift: what the profile allows is not listed" bash -c "! grep -q -e hosts -e a.csv '$tmp/out'"
check "drift --json" status 1 "$fnguard" diff --json "$tmp/old.json" "$tmp/drift.log"
check "... parses, denied is a profile" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["drift"] is True and d["events"] == 6
assert [f["path"] for f in d["denied"]["files"]] == ["/etc/shadow"]
assert d["denied"]["exec"][0]["argv"] == ["sh", "-c", "id"]
' "$tmp/out"
check "drift from standard input" bash -c "'$fnguard' diff '$tmp/old.json' - <'$tmp/drift.log' >'$tmp/out'; [ \$? -eq 1 ]"

# Errors.
check "a missing file: exit 2" status 2 "$fnguard" diff "$tmp/old.json" "$tmp/nope.json"
echo '{"fnguard": 1, "files": [{"path": "relative", "allow": "r"}]}' >"$tmp/bad.json"
check "an invalid profile: exit 2" status 2 "$fnguard" diff "$tmp/old.json" "$tmp/bad.json"
check "... with its diagnostic" has "$tmp/err" "bad.json:1:"
check "one argument: exit 2" status 2 "$fnguard" diff "$tmp/old.json"
echo "1..$n"
