// SPDX-License-Identifier: MIT
/*
 * tampering: take fnguard's log descriptor ($FNGUARD_LOG_FD) away, then open
 * the secret. HOW = close (libc), raw-close (an inline system call), dup2 (/dev/null
 * over it), close-range (close_range(3, ~0U)).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *fd_env = getenv("FNGUARD_LOG_FD");
	int log_fd = fd_env ? atoi(fd_env) : 1000;
	long r;
	if (!strcmp(argv[1], "close")) {
		r = close(log_fd);
	} else if (!strcmp(argv[1], "raw-close")) {
		r = case_raw6(SYS_close, log_fd, 0, 0, 0, 0, 0);
	} else if (!strcmp(argv[1], "dup2")) {
		int null = open("/dev/null", O_WRONLY);
		r = dup2(null, log_fd);
	} else if (!strcmp(argv[1], "close-range")) {
		r = close_range(3, ~0U, 0);
	} else {
		return 2;
	}
	case_report(argv[1], r);
	case_leak_path(case_env("SEC_SECRET"), argv[1]);
	return 0;
}
