// SPDX-License-Identifier: MIT
/*
 * bench-calls OP PATH [N]: the cost of one libc call, N times in a loop
 * (default 200000), printed as nanoseconds per call. Run it bare and under
 * the shim, side by side (tools/bench.sh): the difference is what fnguard
 * adds to an allowed call. OP: open-close, stat, access, getpid.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *op = argv[1], *path = argv[2];
	long n = argc > 3 ? atol(argv[3]) : 200000;
	struct stat st;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (!strcmp(op, "open-close")) {
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				return 1;
			close(fd);
		} else if (!strcmp(op, "stat")) {
			if (stat(path, &st) < 0)
				return 1;
		} else if (!strcmp(op, "access")) {
			if (access(path, R_OK) < 0)
				return 1;
		} else if (!strcmp(op, "getpid")) {
			syscall(SYS_getpid);
		} else {
			return 2;
		}
	}
	printf("%.1f\n", (now_ns() - t0) / (double)n);
	return 0;
}
