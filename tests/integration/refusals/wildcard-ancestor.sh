#!/bin/sh
# SPDX-License-Identifier: MIT
# A directory on the way to allowed files may be looked at (stat, lstat): the shim allows
# it when it is an ancestor of a rule's literal prefix. A rule with a wildcard segment
# ("$S/*/allowed/**") makes only the part before the wildcard ($S) an ancestor, not the
# directories the wildcard matches ($S/app): Node's require() of an allowed file, which
# realpath's each component with lstat, fails with EACCES (lstat '$S/app').
# Expected: 42 (the file is allowed and so is every directory on its way), no violation.
. "$(dirname "$0")/repro-common.sh"
mkdir -p "$S/app/allowed"
echo 'exports.VALUE = 42;' > "$S/app/allowed/m.js"
for rule in "$S/*/allowed/**" "$S/app/allowed/**"; do
	cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["nodejs", "lambda-base"],
 "files": [{"path": "$NODE", "allow": "r"}, {"path": "$rule", "allow": "r"}]}
J
	echo "== enforce, rule $rule"
	under_shim enforce "$S/p.json" "$NODE" -e "
try { console.log(require(process.argv[1]).VALUE); } catch (e) { console.log(e.message); }" "$S/app/allowed/m.js"
done
