// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "raw_syscall.h"

const char *case_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "case: %s is not set (run through run-corpus.py)\n", name);
		exit(2);
	}
	return v;
}

void case_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "case: path too long: %s/%s\n", dir, name);
		exit(2);
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

long case_leak_fd(int fd, const char *how)
{
	static char buf[65536];
	size_t len = 0;
	while (len < sizeof(buf)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	write_all(STDOUT_FILENO, buf, len);
	char name[256], path[4096];
	snprintf(name, sizeof(name), "leak-%s", how);
	case_path(path, sizeof(path), case_env("SEC_OUT"), name);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out >= 0) {
		write_all(out, buf, len);
		close(out);
	}
	return (long)len;
}

long case_leak_path(const char *path, const char *how)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	case_report(path, fd);
	if (fd < 0)
		return -errno;
	long r = case_leak_fd(fd, how);
	close(fd);
	return r;
}

void case_report(const char *what, long r)
{
	if (r < 0)
		fprintf(stderr, "%s: result=ERR errno=%s\n", what, strerrorname_np(errno));
	else
		fprintf(stderr, "%s: result=OK\n", what);
}

int case_marker(const char *name)
{
	char path[4096];
	case_path(path, sizeof(path), case_env("SEC_OUT"), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	write_all(fd, "ran\n", 4);
	close(fd);
	return 0;
}

socklen_t case_addr4(struct sockaddr_storage *ss, const char *port_var)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(case_env(port_var)));
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*sin);
}

long case_raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	return raw_syscall6(nr, a, b, c, d, e, f);
}

long case_send_tag(int fd)
{
	const char *tag = case_env("SEC_TAG");
	ssize_t r = send(fd, tag, strlen(tag), MSG_NOSIGNAL);
	case_report("send(tag)", r);
	return r;
}
