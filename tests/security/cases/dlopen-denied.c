// SPDX-License-Identifier: MIT
/* glibc-internal open: dlopen() of a shared object in a directory the profile denies. */
#include <dlfcn.h>
#include <stdio.h>

#include "case.h"

int main(void)
{
	char path[4200];
	case_path(path, sizeof(path), case_env("SEC_SECRET_DIR"), "evil.so");
	void *h = dlopen(path, RTLD_NOW);
	case_report("dlopen", h ? 0 : -1);
	if (!h)
		fprintf(stderr, "dlopen: %s\n", dlerror());
	return 0;
}
