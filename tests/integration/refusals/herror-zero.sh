#!/bin/sh
# SPDX-License-Identifier: MIT
# A refused gethostbyaddr_r sets *h_errnop (NO_RECOVERY) but not h_errno. Python's
# socket.gethostbyaddr reads h_errno: it raises socket.herror(0, "Resolver Error 0
# (no error)").
# Expected: socket.herror(3, "Unknown server error") (NO_RECOVERY, what the shim's own
# gethostbyaddr and gethostbyname_r give), as a lookup that failed. (Bare, an address
# without a name gives herror(1, "Unknown host").) Nothing is sent: the lookup is refused.
. "$(dirname "$0")/repro-common.sh"
cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["python", "lambda-base"],
 "files": [{"path": "$($PY -c 'import os,sys; print(os.path.realpath(sys.base_prefix))')/**", "allow": "r"}]}
J
echo "== enforce, socket.gethostbyaddr('192.0.2.1')"
under_shim enforce "$S/p.json" "$PY" -c "
import socket
try:
    socket.gethostbyaddr('192.0.2.1')
except OSError as e:
    print(type(e).__name__, e.errno, e)"
