#!/usr/bin/env bash
# TAP: `fnguard explain` decisions for every rule kind, exit codes and the
# deciding rule with its position.
set -u
# FNGUARD_TEST_FNGUARD: a wrapper to run instead (meson test --setup valgrind).
fnguard="${FNGUARD_TEST_FNGUARD:-$FNGUARD_BUILD_ROOT/tools/fnguard}"
p="$FNGUARD_SOURCE_ROOT/tests/data/good/explain.json"
n=0
fails=0

# check EXIT PATTERN ARGS... : exit status and a fixed string in stdout
check() {
	local want_rc=$1 pattern=$2
	shift 2
	n=$((n + 1))
	local out rc
	out=$("$fnguard" explain "$@" 2>&1)
	rc=$?
	if [ $rc -eq "$want_rc" ] && grep -qF -- "$pattern" <<<"$out"; then
		echo "ok $n - explain $* -> $want_rc"
	else
		echo "not ok $n - explain $* -> $rc (wanted $want_rc and '$pattern')"
		sed 's/^/# /' <<<"$out"
		fails=$((fails + 1))
	fi
}

echo "1..39"
# files
check 0 "rule:   allow r /var/task/** (${p}:7:5)" "$p" open /var/task/app.py
check 0 "allow: open /tmp/a/b/c rwcd" "$p" open /tmp/a/b/c rwcd
check 1 "rule:   none matches" "$p" open /var/task/app.py w
check 1 "rule:   deny rwcd /etc/shadow (${p}:10:5)" "$p" open /etc/shadow r
check 1 "an explicit deny wins" "$p" read /etc/shadow
check 0 "allow r /etc/**" "$p" read /etc/passwd
check 1 '"path": "/root/.aws/credentials", "allow": "r"' "$p" open /root/.aws/credentials
check 1 "blocked (enforce mode: fails with EACCES)" "$p" write /etc/passwd
check 1 "deny: open /etc/shadow r" "$p" open /tmp/../etc/./shadow
check 0 "allow: open /tmp/x r" --cwd /tmp "$p" open x
check 1 "deny: delete /var/task/a" "$p" delete /var/task/a
check 0 "allow: create /tmp/new" "$p" create /tmp/new
# network
check 0 "host dynamodb.*.amazonaws.com ports 443" "$p" connect dynamodb.us-east-1.amazonaws.com:443
check 1 "logged, not blocked (alert mode)" "$p" connect dynamodb.us-east-1.amazonaws.com:80
check 0 "allow" "$p" connect DynamoDB.EU-West-1.AmazonAWS.com.:443
check 1 '"host": "evil.com", "ports": [443]' "$p" connect evil.com:443
check 0 "host *.example.com ports 8000-8100 tcp" "$p" connect a.b.example.com:8050
check 1 "deny" "$p" connect example.com:8050
check 1 "deny" "$p" sendto a.example.com:8050
check 0 "cidr 10.0.0.0/8 ports 5432" "$p" connect 10.20.30.40:5432
check 0 "cidr 10.0.0.0/8" "$p" connect '[::ffff:10.1.1.1]:5432'
check 0 "cidr 2001:db8::/32" "$p" connect '[2001:db8::1]:443'
check 0 "allow" "$p" resolve dynamodb.eu-west-1.amazonaws.com
check 1 '"host": "exfil.attacker.net"' "$p" resolve exfil.attacker.net
check 0 "unix /tmp/*.sock" "$p" unix /tmp/db.sock
check 0 "unix @app-*" "$p" unix @app-1
check 1 '"unix": "/run/docker.sock"' "$p" unix /run/docker.sock
check 0 "cidr 127.0.0.0/8 ports 8080 inbound" "$p" bind 127.0.0.1:8080
check 1 '"inbound": true' "$p" bind 127.0.0.1:9001
# exec
check 0 "exec /usr/bin/convert argv [convert, *, /tmp/*.png]" "$p" exec /usr/bin/convert in.jpg /tmp/out.png
check 1 '"argv": ["sh", "-c", "id"]' "$p" exec /bin/sh -c id
# syscalls
check 0 "syscalls @basic-io" "$p" syscall read
check 1 "dangerous set" "$p" syscall bpf
# a bare program name is looked up in $PATH, as execvp does (review, 2026-11-23)
bin=$(mktemp -d /tmp/fnguard-explain.XXXXXX)
trap 'rm -rf "$bin"' EXIT
printf '#!/bin/sh\n' >"$bin/convert"
chmod +x "$bin/convert"
PATH="$bin:$PATH" check 1 "deny: exec $bin/convert" "$p" exec convert in.jpg /tmp/out.png
check 0 "allow: exec /usr/bin/convert" --cwd /usr/bin "$p" exec ./convert in.jpg /tmp/x.png
# a link here is judged at its end too, as the shim judges it
ln -s /etc/shadow "$bin/link"
check 1 "link:   leads to /etc/shadow here, judged too: it decides" "$p" open /tmp/${bin#/tmp/}/link
# FNGUARD_MODE overrides the profile's mode, as in the shim
FNGUARD_MODE=alert check 1 "logged, not blocked (alert mode)" "$p" write /etc/passwd
FNGUARD_MODE=alert check 1 "mode:   alert, from FNGUARD_MODE" "$p" write /etc/passwd
# usage errors
check 2 "unknown operation" "$p" frobnicate /x
exit 0
