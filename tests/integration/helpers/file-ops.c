// SPDX-License-Identifier: MIT
/*
 * file-ops OP PATH [PATH2]: calls one libc file entry point by name, so the
 * integration tests can check each interposer alone. Exit 0 on success;
 * on failure prints "errno=NAME" to stderr and exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "raw_syscall.h"
#include <utime.h>

int __xstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

static int fd_result(int fd)
{
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int file_result(FILE *f)
{
	if (!f)
		return -1;
	fclose(f);
	return 0;
}

/* A directory fd obtained behind the shim's back (inherited, or opened before it loaded). */
static int raw_open_dir(const char *dir)
{
	return (int)raw_syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
}

static int dirfd_of_parent(const char *path, const char **ret_base)
{
	static char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return AT_FDCWD;
	*slash = '\0';
	*ret_base = path + (slash - dir) + 1;
	return raw_open_dir(dir[0] ? dir : "/");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: file-ops OP PATH [PATH2]\n");
		return 2;
	}
	const char *op = argv[1], *p = argv[2], *q = argc > 3 ? argv[3] : NULL;
	const char *base = p;
	struct stat st;
	struct statx stx;
	char buf[256];
	int r;

	if (!strcmp(op, "open-r"))
		r = fd_result(open(p, O_RDONLY));
	else if (!strcmp(op, "open-w"))
		r = fd_result(open(p, O_WRONLY));
	else if (!strcmp(op, "open-creat"))
		r = fd_result(open(p, O_WRONLY | O_CREAT, 0644));
	else if (!strcmp(op, "open-excl"))
		r = fd_result(open(p, O_WRONLY | O_CREAT | O_EXCL, 0644));
	else if (!strcmp(op, "open-trunc"))
		r = fd_result(open(p, O_WRONLY | O_TRUNC));
	else if (!strcmp(op, "open64-r"))
		r = fd_result(open64(p, O_RDONLY));
	else if (!strcmp(op, "openat-r")) {
		int dfd = dirfd_of_parent(p, &base);
		r = fd_result(openat(dfd, base, O_RDONLY));
	} else if (!strcmp(op, "openat64-r")) {
		int dfd = dirfd_of_parent(p, &base);
		r = fd_result(openat64(dfd, base, O_RDONLY));
	} else if (!strcmp(op, "__open_2"))
		r = fd_result(__open_2(p, O_RDONLY));
	else if (!strcmp(op, "__openat_2"))
		r = fd_result(__openat_2(AT_FDCWD, p, O_RDONLY));
	else if (!strcmp(op, "creat"))
		r = fd_result(creat(p, 0644));
	else if (!strcmp(op, "fopen-r"))
		r = file_result(fopen(p, "r"));
	else if (!strcmp(op, "fopen-w"))
		r = file_result(fopen(p, "w"));
	else if (!strcmp(op, "fopen-a"))
		r = file_result(fopen(p, "a"));
	else if (!strcmp(op, "fopen64-r"))
		r = file_result(fopen64(p, "r"));
	else if (!strcmp(op, "freopen-r"))
		r = file_result(freopen(p, "r", stdin));
	else if (!strcmp(op, "inotify")) {
		int in = inotify_init1(IN_CLOEXEC);
		r = in < 0 ? -1 : inotify_add_watch(in, p, IN_ALL_EVENTS);
		if (r >= 0)
			r = 0;
	} else if (!strcmp(op, "opendir")) {
		DIR *d = opendir(p);
		r = d ? closedir(d) : -1;
	} else if (!strcmp(op, "stat"))
		r = stat(p, &st);
	else if (!strcmp(op, "lstat"))
		r = lstat(p, &st);
	else if (!strcmp(op, "fstatat"))
		r = fstatat(AT_FDCWD, p, &st, 0);
	else if (!strcmp(op, "statx"))
		r = statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &stx);
	else if (!strcmp(op, "__xstat"))
		r = __xstat(1, p, &st);
	else if (!strcmp(op, "__lxstat"))
		r = __lxstat(1, p, &st);
	else if (!strcmp(op, "access"))
		r = access(p, F_OK);
	else if (!strcmp(op, "faccessat"))
		r = faccessat(AT_FDCWD, p, R_OK, 0);
	else if (!strcmp(op, "eaccess"))
		r = eaccess(p, F_OK);
	else if (!strcmp(op, "readlink"))
		r = readlink(p, buf, sizeof(buf)) < 0 ? -1 : 0;
	else if (!strcmp(op, "readlinkat"))
		r = readlinkat(AT_FDCWD, p, buf, sizeof(buf)) < 0 ? -1 : 0;
	else if (!strcmp(op, "truncate"))
		r = truncate(p, 0);
	else if (!strcmp(op, "chmod"))
		r = chmod(p, 0600);
	else if (!strcmp(op, "fchmodat"))
		r = fchmodat(AT_FDCWD, p, 0600, 0);
	else if (!strcmp(op, "chown"))
		r = chown(p, getuid(), getgid());
	else if (!strcmp(op, "lchown"))
		r = lchown(p, getuid(), getgid());
	else if (!strcmp(op, "fchownat"))
		r = fchownat(AT_FDCWD, p, getuid(), getgid(), 0);
	else if (!strcmp(op, "utimensat"))
		r = utimensat(AT_FDCWD, p, NULL, 0);
	else if (!strcmp(op, "utimes"))
		r = utimes(p, NULL);
	else if (!strcmp(op, "utime"))
		r = utime(p, NULL);
	else if (!strcmp(op, "setxattr"))
		r = setxattr(p, "user.fnguard", "1", 1, 0);
	else if (!strcmp(op, "getxattr"))
		r = getxattr(p, "user.fnguard", buf, sizeof(buf)) < 0 && errno != ENODATA &&
				    errno != ENOTSUP
			    ? -1
			    : 0;
	else if (!strcmp(op, "removexattr"))
		r = removexattr(p, "user.fnguard") < 0 && errno != ENODATA && errno != ENOTSUP ? -1
											       : 0;
	else if (!strcmp(op, "mkdir"))
		r = mkdir(p, 0755);
	else if (!strcmp(op, "mkdirat"))
		r = mkdirat(AT_FDCWD, p, 0755);
	else if (!strcmp(op, "mknod"))
		r = mknod(p, S_IFIFO | 0644, 0);
	else if (!strcmp(op, "rmdir"))
		r = rmdir(p);
	else if (!strcmp(op, "unlink"))
		r = unlink(p);
	else if (!strcmp(op, "unlinkat"))
		r = unlinkat(AT_FDCWD, p, 0);
	else if (!strcmp(op, "rename") && q)
		r = rename(p, q);
	else if (!strcmp(op, "renameat") && q)
		r = renameat(AT_FDCWD, p, AT_FDCWD, q);
	else if (!strcmp(op, "renameat2") && q)
		r = renameat2(AT_FDCWD, p, AT_FDCWD, q, 0);
	else if (!strcmp(op, "link") && q)
		r = link(p, q);
	else if (!strcmp(op, "linkat") && q)
		r = linkat(AT_FDCWD, p, AT_FDCWD, q, 0);
	else if (!strcmp(op, "symlink") && q)
		r = symlink(p, q);
	else if (!strcmp(op, "symlinkat") && q)
		r = symlinkat(p, AT_FDCWD, q);
	else if (!strcmp(op, "chdir-open-r") && q) {
		/* chdir into p, then open q relative to it */
		r = chdir(p) < 0 ? -1 : fd_result(open(q, O_RDONLY));
	} else if (!strcmp(op, "dirfd-open-r") && q) {
		int dfd = raw_open_dir(p);
		r = dfd < 0 ? -1 : fd_result(openat(dfd, q, O_RDONLY));
	} else {
		fprintf(stderr, "file-ops: unknown op '%s'\n", op);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "errno=%s\n", strerrorname_np(errno));
		return 1;
	}
	return 0;
}
