#!/bin/sh
# SPDX-License-Identifier: MIT
# A glob(3) the shim refuses returns GLOB_ABORTED and leaves the caller's glob_t as it
# was; the caller's globfree() then frees garbage: SIGSEGV.
# Expected (glibc on a directory it may not read): GLOB_NOMATCH (GLOB_ABORTED only with
# GLOB_ERR), gl_pathc 0, gl_pathv NULL, so that globfree() is safe; and one violation.
. "$(dirname "$0")/repro-common.sh"
cat > "$S/globfree.c" <<'C'
#include <glob.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	glob_t g;
	memset(&g, 0x5a, sizeof(g)); /* what an unset glob_t on the stack may hold */
	int r = glob(argv[1], 0, NULL, &g);
	printf("glob=%d gl_pathc=%zu gl_pathv=%p\n", r, g.gl_pathc, (void *)g.gl_pathv);
	fflush(stdout);
	globfree(&g);
	printf("globfree survived\n");
	return 0;
}
C
cc -o "$S/globfree" "$S/globfree.c"
cat > "$S/p.json" <<J
{"fnguard": 1, "extends": ["lambda-base"], "files": [{"path": "$S/globfree", "allow": "r"}]}
J
echo "== bare"
"$S/globfree" "$S/nosuchdir/*"
echo "== enforce, a pattern in a directory the profile does not let be listed"
under_shim enforce "$S/p.json" "$S/globfree" "$S/denied/*"
