// SPDX-License-Identifier: MIT
/*
 * landlock-ops OP ARGS...: one file or network operation made with a
 * syscall instruction of this program's own, so that neither libc's
 * wrappers nor its syscall() function (both interposed by the shim) see it:
 * only the kernel's layers (seccomp, Landlock) can stop it. Prints
 * "result=OK" or "result=ERR errno=NAME" on stderr, and for "read" the
 * bytes read on stdout.
 *
 *   read PATH        openat O_RDONLY, then read
 *   write PATH       openat O_WRONLY, then write "x"
 *   create PATH      openat O_WRONLY|O_CREAT|O_EXCL
 *   trunc PATH       openat O_WRONLY|O_TRUNC
 *   mkdir PATH       mkdirat
 *   unlink PATH      unlinkat
 *   rename OLD NEW   renameat
 *   link OLD NEW     linkat
 *   exec PATH ARG..  execve (the program's output is its own)
 *   connect PORT     TCP connect to 127.0.0.1:PORT
 *   bind PORT        TCP bind to 127.0.0.1:PORT
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static long raw(long nr, long a, long b, long c, long d)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	long ret = x0;
#endif
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static int report(long r)
{
	if (r < 0) {
		fprintf(stderr, "result=ERR errno=%s\n", strerrorname_np(errno));
		return 1;
	}
	fprintf(stderr, "result=OK\n");
	return 0;
}

static long tcp(int nr, const char *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(port)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	long fd = raw(SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
	if (fd < 0)
		return fd;
	return raw(nr, fd, (long)&sa, sizeof(sa), 0);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *op = argv[1], *path = argv[2];
	long r;

	if (!strcmp(op, "read")) {
		char buf[256];
		r = raw(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0);
		if (r >= 0) {
			long n = raw(SYS_read, r, (long)buf, sizeof(buf), 0);
			if (n > 0)
				fwrite(buf, 1, (size_t)n, stdout);
		}
	} else if (!strcmp(op, "write")) {
		r = raw(SYS_openat, AT_FDCWD, (long)path, O_WRONLY, 0);
		if (r >= 0)
			r = raw(SYS_write, r, (long)"x", 1, 0);
	} else if (!strcmp(op, "create"))
		r = raw(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	else if (!strcmp(op, "trunc"))
		r = raw(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_TRUNC, 0);
	else if (!strcmp(op, "mkdir"))
		r = raw(SYS_mkdirat, AT_FDCWD, (long)path, 0755, 0);
	else if (!strcmp(op, "unlink"))
		r = raw(SYS_unlinkat, AT_FDCWD, (long)path, 0, 0);
	else if (!strcmp(op, "rename") && argc > 3)
		r = raw(SYS_renameat, AT_FDCWD, (long)path, AT_FDCWD, (long)argv[3]);
	else if (!strcmp(op, "link") && argc > 3)
		r = raw(SYS_linkat, AT_FDCWD, (long)path, AT_FDCWD, (long)argv[3]);
	else if (!strcmp(op, "exec")) {
		fflush(stdout);
		r = raw(SYS_execve, (long)path, (long)(argv + 2), (long)environ, 0);
	} else if (!strcmp(op, "exec-env") && argc > 3) {
		/* NAME=VALUE PROGRAM ARGS...: the environment changed behind the shim's back. */
		putenv((char *)path);
		fflush(stdout);
		r = raw(SYS_execve, (long)argv[3], (long)(argv + 3), (long)environ, 0);
	} else if (!strcmp(op, "connect"))
		r = tcp(SYS_connect, path);
	else if (!strcmp(op, "bind"))
		r = tcp(SYS_bind, path);
	else
		return 2;
	fflush(stdout);
	return report(r);
}
