#!/bin/sh
# SPDX-License-Identifier: MIT
# The message the shim keeps for dlerror() after a dlopen it refused is still there after
# later dl calls that succeed (a dlopen by bare name, a dlsym), when the program did not
# read it at once (trying candidates one after another, say). glibc clears it at every
# dl call.
# Expected: "(none)" after the dlopen that loads; the dlsym's own error after the failed
# dlsym; as bare with a missing file. Observed: the refused dlopen's message both times.
. "$(dirname "$0")/repro-common.sh"
cat > "$S/dlstale.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	dlopen(argv[1], RTLD_NOW); /* fails; error not read */
	void *h = dlopen("libz.so.1", RTLD_NOW);
	const char *e = dlerror();
	printf("after a dlopen that loaded: %s\n", e ? e : "(none)");
	dlopen(argv[1], RTLD_NOW); /* fails; error not read */
	dlsym(h, "no_such_symbol");
	e = dlerror();
	printf("after a failed dlsym: %s\n", e ? e : "(none)");
	return 0;
}
C
cc -o "$S/dlstale" "$S/dlstale.c" -ldl
cp "$(find /usr/lib /lib -name 'libz.so.1' | head -1)" "$S/denied/libdenied.so"
cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["lambda-base"], "files": [{"path": "$S/dlstale", "allow": "r"}]}
J
echo "== bare, a missing file"
"$S/dlstale" "$S/allowed/missing.so"
echo "== enforce, a refused file"
under_shim enforce "$S/p.json" "$S/dlstale" "$S/denied/libdenied.so"
