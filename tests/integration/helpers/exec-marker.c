// SPDX-License-Identifier: MIT
/*
 * exec-marker MARKER [ARG...]: the program the exec tests run. Creates the
 * file MARKER (the proof that it ran) and prints "ran" and its arguments
 * to stdout. "--probe PATH" among the arguments opens PATH for reading and
 * prints "probe=ok" or "probe=ERRNO": a child still under fnguard is
 * refused a file its profile denies. "--env NAME" prints NAME's value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: exec-marker MARKER [ARG...]\n");
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "marker: %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	close(fd);
	printf("ran");
	for (int i = 2; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	for (int i = 2; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--probe") == 0) {
			int p = open(argv[i + 1], O_RDONLY);
			if (p >= 0) {
				printf("probe=ok\n");
				close(p);
			} else {
				printf("probe=%s\n", errno == EACCES ? "EACCES" : strerror(errno));
			}
		} else if (strcmp(argv[i], "--env") == 0) {
			const char *v = getenv(argv[i + 1]);
			printf("%s=%s\n", argv[i + 1], v ? v : "(unset)");
		}
	}
	return 0;
}
