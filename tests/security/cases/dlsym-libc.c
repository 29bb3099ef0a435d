// SPDX-License-Identifier: MIT
/*
 * libc evasion: dlopen("libc.so.6") + dlsym("open") finds libc's own open,
 * not the preloaded one (what Python's ctypes.CDLL("libc.so.6") does).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>

#include "case.h"

int main(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	int (*libc_open)(const char *, int, ...) =
		libc ? (int (*)(const char *, int, ...))dlsym(libc, "open") : NULL;
	if (!libc_open) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 1;
	}
	int fd = libc_open(case_env("SEC_SECRET"), O_RDONLY);
	case_report("dlsym(libc, \"open\")", fd);
	if (fd >= 0)
		case_leak_fd(fd, "dlsym-libc");
	return 0;
}
