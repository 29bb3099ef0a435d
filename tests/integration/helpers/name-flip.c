// SPDX-License-Identifier: MIT
/*
 * name-flip SECONDS OP NAME POS A B [OTHER]: a second thread flips the byte
 * at POS of a buffer holding NAME between A and B for SECONDS, while this
 * one calls OP on that buffer again and again; then it prints "calls N ok
 * M", M the calls that succeeded. A test makes one of the two names
 * allowed and absent, the other present and denied: every success is a
 * call made on a name other than the one judged (the caller's buffer read
 * again after its judgement). OPs on a name: open, openat, fopen, opendir,
 * stat, lstat, fstatat, statx, access, faccessat, readlink, getxattr,
 * truncate, chmod, chown, utimes, unlink, rmdir, mkdir, sys-openat and
 * sys-openat2 (through libc's syscall()), scandir, nftw, fts (fts_open,
 * then one fts_read: ok when it reads a directory), mkstemp and mkdtemp
 * (NAME a template), symlink (NAME the link, to "x"), link (NAME the new
 * name of OTHER), rename (NAME renamed to OTHER). On another buffer:
 * fopen-mode (the mode, POS 0; NAME the file opened), popen-mode (the mode;
 * NAME the command: ok counts streams opened), wordexp (NAME the words: ok
 * when it expands), sendmsg (NAME "PORT": a UDP datagram to 127.0.0.1:PORT
 * from an unconnected socket, the header's msg_namelen flipped between 0
 * and 16 by A and B given as numbers).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

static char buf[4096];
static char mode[8] = "r";
static const char *other;
static struct msghdr msg;
static int udp = -1;
static volatile char *flipped;
static size_t pos;
static char a, b;
static atomic_bool stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		flipped[pos] = a;
		flipped[pos] = b;
	}
	return NULL;
}

static int walked(const char *path, const struct stat *st, int kind, struct FTW *ftw)
{
	return 0;
}

static int call(const char *op)
{
	struct stat st;
	char out[64];
	int fd, r = -1;

	if (!strcmp(op, "open") || !strcmp(op, "openat")) {
		fd = !strcmp(op, "open") ? open(buf, O_RDONLY) : openat(AT_FDCWD, buf, O_RDONLY);
		if (fd >= 0)
			close(fd);
		return fd;
	}
	if (!strcmp(op, "sys-openat") || !strcmp(op, "sys-openat2")) {
		struct open_how how = {.flags = O_RDONLY};
		fd = !strcmp(op, "sys-openat")
			     ? (int)syscall(SYS_openat, AT_FDCWD, buf, O_RDONLY, 0)
			     : (int)syscall(SYS_openat2, AT_FDCWD, buf, &how, sizeof(how));
		if (fd >= 0)
			close(fd);
		return fd;
	}
	if (!strcmp(op, "fopen") || !strcmp(op, "fopen-mode")) {
		FILE *f = fopen(buf, mode);
		if (f)
			fclose(f);
		return f ? 0 : -1;
	}
	if (!strcmp(op, "opendir")) {
		DIR *d = opendir(buf);
		if (d)
			closedir(d);
		return d ? 0 : -1;
	}
	if (!strcmp(op, "stat"))
		return stat(buf, &st);
	if (!strcmp(op, "lstat"))
		return lstat(buf, &st);
	if (!strcmp(op, "fstatat"))
		return fstatat(AT_FDCWD, buf, &st, 0);
	if (!strcmp(op, "statx")) {
		struct statx stx;
		return statx(AT_FDCWD, buf, 0, STATX_BASIC_STATS, &stx);
	}
	if (!strcmp(op, "access"))
		return access(buf, F_OK);
	if (!strcmp(op, "faccessat"))
		return faccessat(AT_FDCWD, buf, F_OK, 0);
	if (!strcmp(op, "readlink"))
		return readlink(buf, out, sizeof(out)) < 0 ? -1 : 0;
	if (!strcmp(op, "getxattr"))
		return getxattr(buf, "user.x", out, sizeof(out)) < 0 ? -1 : 0;
	if (!strcmp(op, "truncate"))
		return truncate(buf, 1);
	if (!strcmp(op, "chmod"))
		return chmod(buf, 0640);
	if (!strcmp(op, "chown"))
		return chown(buf, (uid_t)-1, (gid_t)-1);
	if (!strcmp(op, "utimes"))
		return utimes(buf, NULL);
	if (!strcmp(op, "unlink"))
		return unlink(buf);
	if (!strcmp(op, "rmdir"))
		return rmdir(buf);
	if (!strcmp(op, "mkstemp")) {
		char tmpl[sizeof(buf)];
		strcpy(tmpl, buf);
		fd = mkstemp(buf);
		strcpy(buf, tmpl); /* its XXXXXX again, the flipped byte as it is */
		if (fd >= 0)
			close(fd);
		return fd;
	}
	if (!strcmp(op, "mkdir"))
		return mkdir(buf, 0700);
	if (!strcmp(op, "symlink"))
		return symlink("x", buf);
	if (!strcmp(op, "link"))
		return link(other, buf);
	if (!strcmp(op, "rename"))
		return rename(buf, other);
	if (!strcmp(op, "mkdtemp")) {
		char tmpl[sizeof(buf)];
		strcpy(tmpl, buf);
		r = mkdtemp(buf) ? 0 : -1;
		strcpy(buf, tmpl);
		return r;
	}
	if (!strcmp(op, "scandir")) {
		struct dirent **list;
		int n = scandir(buf, &list, NULL, NULL);
		for (int i = 0; i < n; i++)
			free(list[i]);
		if (n >= 0)
			free(list);
		return n;
	}
	if (!strcmp(op, "nftw"))
		return nftw(buf, walked, 4, FTW_PHYS);
	if (!strcmp(op, "fts")) {
		char *names[] = {buf, NULL};
		FTS *fts = fts_open(names, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
		if (!fts)
			return -1;
		FTSENT *e = fts_read(fts);
		r = e && e->fts_info == FTS_D ? 0 : -1;
		fts_close(fts);
		return r;
	}
	if (!strcmp(op, "popen-mode")) {
		FILE *f = popen(buf, mode); // NOLINT(cert-env33-c): the call under test
		if (f)
			pclose(f);
		return f ? 0 : -1;
	}
	if (!strcmp(op, "wordexp")) {
		wordexp_t we;
		r = wordexp(buf, &we, 0);
		if (r == 0)
			wordfree(&we);
		return r == 0 ? 0 : -1;
	}
	if (!strcmp(op, "sendmsg"))
		return (int)sendmsg(udp, &msg, 0);
	fprintf(stderr, "name-flip: unknown op %s\n", op);
	exit(2);
	return r;
}

int main(int argc, char **argv)
{
	pthread_t t;
	struct timespec now, end;
	long calls = 0, ok = 0;

	if (argc < 7 || argc > 8 || strlen(argv[3]) >= sizeof(buf)) {
		fprintf(stderr, "usage: name-flip SECONDS OP NAME POS A B [OTHER]\n");
		return 2;
	}
	strcpy(buf, argv[3]);
	other = argc == 8 ? argv[7] : "";
	pos = strtoul(argv[4], NULL, 10);
	a = argv[5][0];
	b = argv[6][0];
	flipped = buf;
	if (!strcmp(argv[2], "fopen-mode") || !strcmp(argv[2], "popen-mode")) {
		flipped = mode;
	} else if (!strcmp(argv[2], "sendmsg")) {
		static struct sockaddr_in to = {.sin_family = AF_INET};
		static struct iovec iov = {.iov_base = (char *)"x", .iov_len = 1};
		to.sin_port = htons((uint16_t)strtoul(buf, NULL, 10));
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		msg.msg_name = &to;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		udp = socket(AF_INET, SOCK_DGRAM, 0);
		flipped = (volatile char *)&msg.msg_namelen;
		a = (char)strtol(argv[5], NULL, 10);
		b = (char)strtol(argv[6], NULL, 10);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += strtol(argv[1], NULL, 10);
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return 1;
	do {
		calls++;
		ok += call(argv[2]) >= 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("calls %ld ok %ld\n", calls, ok);
	return 0;
}
