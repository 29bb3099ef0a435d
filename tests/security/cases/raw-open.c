// SPDX-License-Identifier: MIT
/*
 * files: the secret opened by HOW = legacy (the x86_64 open(2) system call,
 * not openat, made inline) or openat2 (which has no glibc wrapper: programs
 * call it through syscall(3)).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	long fd;
	if (!strcmp(argv[1], "legacy")) {
#ifdef SYS_open
		fd = case_raw6(SYS_open, (long)case_env("SEC_SECRET"), O_RDONLY, 0, 0, 0, 0);
#else
		return 2;
#endif
	} else if (!strcmp(argv[1], "openat2")) {
		struct open_how how = {.flags = O_RDONLY};
		fd = syscall(SYS_openat2, AT_FDCWD, case_env("SEC_SECRET"), &how, sizeof(how));
	} else {
		return 2;
	}
	case_report(argv[1], fd);
	if (fd >= 0)
		case_leak_fd((int)fd, argv[1]);
	return 0;
}
