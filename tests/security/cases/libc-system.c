// SPDX-License-Identifier: MIT
/* libc evasion: __libc_system (GLIBC_PRIVATE), the function behind system(3). */
#include <dlfcn.h>
#include <stdio.h>

#include "case.h"

int main(void)
{
	char cmd[4200];
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	int (*libc_system)(const char *) =
		libc ? (int (*)(const char *))dlvsym(libc, "__libc_system", "GLIBC_PRIVATE") : NULL;
	if (!libc_system) {
		fprintf(stderr, "dlvsym: %s\n", dlerror());
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "echo ran > '%s/ran'", case_env("SEC_OUT"));
	int r = libc_system(cmd);
	fprintf(stderr, "__libc_system: status=%d\n", r);
	return 0;
}
