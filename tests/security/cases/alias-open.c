// SPDX-License-Identifier: MIT
/*
 * libc evasion: glibc's public aliases of open (__open, __open64, exported
 * at GLIBC_2.2.5), called by name. ALIAS selects which.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "case.h"

extern int __open(const char *path, int flags, ...);
extern int __open64(const char *path, int flags, ...);

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int fd;
	if (!strcmp(argv[1], "__open"))
		fd = __open(case_env("SEC_SECRET"), O_RDONLY);
	else if (!strcmp(argv[1], "__open64"))
		fd = __open64(case_env("SEC_SECRET"), O_RDONLY);
	else
		return 2;
	case_report(argv[1], fd);
	if (fd >= 0)
		case_leak_fd(fd, argv[1]);
	return 0;
}
