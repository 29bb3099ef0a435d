// SPDX-License-Identifier: MIT
/*
 * A static program that goes around libc's wrappers: a raw openat, a
 * relative fopen, a connect to a loopback port and a fork + exec. The
 * preload shim is never loaded into it; the kernel sees all of it.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64];
	long fd = syscall(SYS_openat, AT_FDCWD, "raw.txt", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read((int)fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close((int)fd);
		printf("raw: %s", buf);
	}
	FILE *f = fopen("out.txt", "w");
	if (f) {
		fputs("written\n", f);
		fclose(f);
	}
	if (argc > 1) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
		int s = socket(AF_INET, SOCK_STREAM, 0);
		inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
		printf("connect: %d\n", connect(s, (struct sockaddr *)&sin, sizeof(sin)));
		close(s);
	}
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", "--static-child", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("child: %d\n", WEXITSTATUS(status));
	return 0;
}
