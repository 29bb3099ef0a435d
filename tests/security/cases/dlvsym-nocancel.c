// SPDX-License-Identifier: MIT
/* libc evasion: glibc's internal __open64_nocancel, reached with dlvsym(GLIBC_PRIVATE). */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>

#include "case.h"

int main(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	int (*nocancel)(const char *, int, ...) =
		libc ? (int (*)(const char *, int, ...))dlvsym(libc, "__open64_nocancel",
							       "GLIBC_PRIVATE")
		     : NULL;
	if (!nocancel) {
		fprintf(stderr, "dlvsym: %s\n", dlerror());
		return 1;
	}
	int fd = nocancel(case_env("SEC_SECRET"), O_RDONLY);
	case_report("__open64_nocancel", fd);
	if (fd >= 0)
		case_leak_fd(fd, "dlvsym-nocancel");
	return 0;
}
