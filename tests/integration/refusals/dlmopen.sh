#!/bin/sh
# SPDX-License-Identifier: MIT
# dlmopen() is not wrapped: a library in a directory the profile does not allow is loaded
# (its constructors run) in enforce mode, and no mode logs it. Landlock does not stop it
# either: the python and nodejs profiles' "/**/..." rules make it grant reading everywhere
# (docs/landlock.md).
# Expected: as for dlopen: NULL, dlerror() "...: Permission denied", a violation (op
# dlopen/dlmopen, the library's path). Observed: a handle, no event.
. "$(dirname "$0")/repro-common.sh"
cp "$(find /usr/lib /lib -name 'libz.so.1' | head -1)" "$S/denied/libdenied.so"
cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["python", "lambda-base"],
 "files": [{"path": "$($PY -c 'import os,sys; print(os.path.realpath(sys.base_prefix))')/**", "allow": "r"}]}
J
for m in dlopen dlmopen; do
	echo "== enforce, $m of $S/denied/libdenied.so"
	under_shim enforce "$S/p.json" "$PY" -c "
import ctypes, sys
libc = ctypes.CDLL(None)
libc.dlerror.restype = ctypes.c_char_p
f = getattr(libc, sys.argv[1]); f.restype = ctypes.c_void_p
h = libc.dlopen(sys.argv[2].encode(), 2) if sys.argv[1] == 'dlopen' else \
    libc.dlmopen(ctypes.c_long(-1), sys.argv[2].encode(), 2)
print('handle' if h else 'NULL', libc.dlerror())" "$m" "$S/denied/libdenied.so"
done
