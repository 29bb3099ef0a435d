#!/bin/sh
# SPDX-License-Identifier: MIT
# The shipped nodejs profile does not let c-ares read its configuration: every Node.js
# process that loads the dns module (net, http, fetch by name, dns.lookup, dns.resolve)
# logs a violation (blocked in enforce mode) for /etc/netsvc.conf, and dns.reverse one
# for /etc/svc.conf, on an allowed lookup.
# Expected: no violation for an allowed lookup under the shipped profile.
. "$(dirname "$0")/repro-common.sh"
cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["nodejs", "lambda-base"], "files": [{"path": "$NODE", "allow": "r"}],
 "network": [{"host": "localhost"}]}
J
echo "== enforce, dns.lookup('localhost')"
under_shim enforce "$S/p.json" "$NODE" -e "require('dns').lookup('localhost', (e, a) => console.log(e ? e.code : a))"
