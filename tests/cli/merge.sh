#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TAP: fnguard merge, the union of profiles.
set -u
# FNGUARD_TEST_FNGUARD: a wrapper to run instead (meson test --setup valgrind).
fnguard="${FNGUARD_TEST_FNGUARD:-$FNGUARD_BUILD_ROOT/tools/fnguard}"
export FNGUARD_PROFILE_PATH="$FNGUARD_SOURCE_ROOT/profiles"
tmp=$(mktemp -d /var/tmp/fnguard-cli-merge-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for f in "$@"; do sed 's/^/# /' "$f" 2>/dev/null | head -40; done; }
check() { local name=$1; shift; if "$@" >"$tmp/stdout" 2>>"$tmp/err"; then ok "$name"; else fail "$name" "$tmp/err" "$tmp/m.json"; fi; }
has() { grep -qF -- "$2" "$1"; }

cat >"$tmp/a.json" <<'J'
{ "fnguard": 1, "name": "first", "mode": "alert", "actions": { "exec": "enforce" },
  "extends": ["lambda-base"],
  "files": [ { "path": "/etc/shadow", "deny": "rwcd" }, { "path": "/srv/a/**", "allow": "r", "seen": 2, "phase": "invoke" },
             { "path": "/srv/a/x", "allow": "r" } ],
  "network": [ { "host": "api.example.com", "ports": [443] } ],
  "syscalls": ["@lambda-runtime"] }
J
cat >"$tmp/b.json" <<'J'
{ "fnguard": 1, "name": "second", "mode": "enforce", "on_error": "open",
  "files": [ { "path": "/srv/a/**", "allow": "rw", "seen": 3, "phase": "init" }, { "path": "/etc/**", "allow": "r" } ],
  "network": [ { "host": "api.example.com", "ports": [80] }, { "cidr": "10.0.0.0/8", "proto": "tcp" } ],
  "exec": [ { "path": "/bin/echo", "argv": ["echo", "*"] } ],
  "syscalls": ["sendfile"], "require": ["seccomp"] }
J

# Relative "extends" names are read against the profile that names them: merged, they are
# written absolute, so the result names the same files wherever it is written.
mkdir -p "$tmp/one" "$tmp/two"
cat >"$tmp/one/base.json" <<'J'
{ "fnguard": 1, "files": [ { "path": "/srv/one/**", "allow": "r" } ] }
J
cat >"$tmp/two/base.json" <<'J'
{ "fnguard": 1, "files": [ { "path": "/srv/two/secret", "deny": "r" } ] }
J
printf '{ "fnguard": 1, "extends": ["base.json"] }\n' >"$tmp/one/fn.json"
printf '{ "fnguard": 1, "extends": ["base.json"] }\n' >"$tmp/two/fn.json"
check "relative extends of two directories: both kept, absolute" bash -c "cd '$tmp' && '$fnguard' merge one/fn.json two/fn.json -o '$tmp/rel.json' && grep -qF '\"$tmp/one/base.json\"' '$tmp/rel.json' && grep -qF '\"$tmp/two/base.json\"' '$tmp/rel.json' && '$fnguard' check '$tmp/rel.json'"

check "merge --help shows examples" bash -c "'$fnguard' merge --help | grep -q Examples:"
check "merge exits 0" "$fnguard" merge "$tmp/a.json" "$tmp/b.json" -o "$tmp/m.json"
check "the result checks" "$fnguard" check "$tmp/m.json"
check "the first file's name, mode and actions" bash -c "grep -q '\"name\": \"first\"' '$tmp/m.json' && grep -q '\"mode\": \"alert\"' '$tmp/m.json' && grep -q '\"exec\": \"enforce\"' '$tmp/m.json'"
check "a setting only the second has stays out" bash -c "! grep -q on_error '$tmp/m.json'"
check "the deny stays a deny" has "$tmp/m.json" '{ "path": "/etc/shadow", "deny": "rwcd" }'
check "the same pattern: rights unioned, seen added, earliest phase" has "$tmp/m.json" '{ "path": "/srv/a/**", "allow": "rw", "seen": 5, "phase": "init" }'
check "a rule another contains is left out" bash -c "! grep -q '/srv/a/x' '$tmp/m.json'"
check "ports of one host join" has "$tmp/m.json" '{ "host": "api.example.com", "ports": [80, 443] }'
check "lists are unioned" bash -c "grep -q '\"syscalls\": \\[\"@lambda-runtime\", \"sendfile\"\\]' '$tmp/m.json' && grep -q '\"require\": \\[\"seccomp\"\\]' '$tmp/m.json' && grep -q '\"extends\": \\[\"lambda-base\"\\]' '$tmp/m.json'"
# The union allows everything either allowed, and nothing more.
"$fnguard" diff --json "$tmp/a.json" "$tmp/m.json" >"$tmp/da.json" 2>>"$tmp/err"
"$fnguard" diff --json "$tmp/b.json" "$tmp/m.json" >"$tmp/db.json" 2>>"$tmp/err"
check "the union allows all each input allows, but what another denies" python3 -c '
import json, sys
a, b = (json.load(open(f))["onlyOld"] for f in sys.argv[1:])
assert not any(a.get(k) for k in ("files", "network", "exec", "syscalls")), a
# b allowed /etc/** whole; a denies /etc/shadow, and denies stay denies.
assert b.get("files") == [{"path": "/etc/**", "allow": "r"}], b
assert not any(b.get(k) for k in ("network", "exec", "syscalls")), b
' "$tmp/da.json" "$tmp/db.json"
check "merging a profile with itself changes nothing it allows" bash -c "'$fnguard' merge '$tmp/b.json' '$tmp/b.json' -o '$tmp/bb.json' && '$fnguard' diff '$tmp/b.json' '$tmp/bb.json' >/dev/null"
echo '{"fnguard": 1, "files": [{"path": "/x", "allow": "q"}]}' >"$tmp/bad.json"
rm -f "$tmp/x.json"
"$fnguard" merge "$tmp/a.json" "$tmp/bad.json" -o "$tmp/x.json" 2>"$tmp/err"
check "an invalid input: exit 2" test $? -eq 2
check "... with its diagnostic, and nothing written" bash -c "grep -q 'bad.json:1:' '$tmp/err' && [ ! -e '$tmp/x.json' ]"
"$fnguard" merge "$tmp/a.json" "$tmp/b.json" 2>"$tmp/err"
check "no -o: exit 2" test $? -eq 2
"$fnguard" merge -o "$tmp/x.json" 2>"$tmp/err"
check "no inputs: exit 2" test $? -eq 2
echo "1..$n"
