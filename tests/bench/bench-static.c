// SPDX-License-Identifier: MIT
/*
 * bench-static FILE...: a static program (linked with -static, so the
 * preload library never enters it) that does what a small function's
 * bootstrap does at start: stats and reads a few files, prints how many bytes
 * it read. tools/bench.sh times its whole run bare and under fnguard exec;
 * go/bench-static.go is the same in Go, the usual language of such binaries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long total = 0;
	char buf[4096];

	for (int i = 1; i < argc; i++) {
		struct stat st;
		ssize_t n;
		int fd;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "bench-static: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "bench-static: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += n;
		close(fd);
		if (n < 0)
			return 1;
	}
	printf("%ld\n", total);
	return 0;
}
