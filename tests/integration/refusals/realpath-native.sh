#!/bin/sh
# SPDX-License-Identifier: MIT
# realpath(3) is not wrapped, and glibc's realpath reaches lstat/readlink internally:
# Node's fs.realpathSync.native and fs.promises.realpath (uv_fs_realpath) resolve a
# symlink in a directory the profile does not allow, and tell whether a name exists
# there, without a refusal in enforce mode or an event in any mode (fs.realpathSync, the
# JavaScript one, is refused: EACCES on lstat).
# Expected: EACCES and a violation (readlink/lstat of the denied names), as
# fs.readlinkSync and fs.realpathSync give.
. "$(dirname "$0")/repro-common.sh"
ln -s /etc/hostname "$S/denied/link"
cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["nodejs", "lambda-base"], "files": [{"path": "$NODE", "allow": "r"}]}
J
echo "== enforce"
under_shim enforce "$S/p.json" "$NODE" -e "
const fs = require('fs'), d = process.argv[1];
for (const [n, f] of [['realpathSync.native', fs.realpathSync.native], ['realpathSync', fs.realpathSync],
                      ['readlinkSync', fs.readlinkSync]])
  for (const p of [d + '/link', d + '/nosuch'])
    try { console.log(n, p, '->', f(p)); } catch (e) { console.log(n, p, '->', e.code); }
fs.promises.realpath(d + '/link').then((r) => console.log('promises.realpath ->', r));" "$S/denied"
