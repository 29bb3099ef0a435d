// SPDX-License-Identifier: MIT
/*
 * sv-compat DIR — about 120 file operations on names under DIR (an empty
 * directory), the ordinary and the odd (links, dangling links, a FIFO, a
 * socket file, trailing slashes, dirfds, renameat2 flags, xattrs, long names,
 * the umask), one line each: "<what> ok [detail]" or "<what> err <ERRNO>".
 * test-sv-compat.py runs it bare, under fnguard exec (built -static) and under
 * the shim (built dynamic) with a profile that allows all of it, and compares
 * the lines: what a program sees must not change.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *dir;
static char name_a[4608], name_b[4608];

/* DIR/n, in one of two buffers (calls that take two names use both). */
static const char *at(const char *n)
{
	snprintf(name_a, sizeof(name_a), "%s/%s", dir, n);
	return name_a;
}

static const char *at2(const char *n)
{
	snprintf(name_b, sizeof(name_b), "%s/%s", dir, n);
	return name_b;
}

static void result(const char *what, long r)
{
	if (r < 0)
		printf("%-44s err %s\n", what, strerrorname_np(errno));
	else
		printf("%-44s ok %ld\n", what, r > 4096 ? 4096 : r);
}

/* An open: its access mode and status flags, close-on-exec, then closed. */
static void opened(const char *what, int fd)
{
	if (fd < 0) {
		result(what, -1);
		return;
	}
	int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
	printf("%-44s ok flags=%o cloexec=%d\n", what, fl & ~0100000, fdf & FD_CLOEXEC);
	close(fd);
}

static void mode_of(const char *what, const char *path, bool follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);
	if (r < 0)
		result(what, -1);
	else
		printf("%-44s ok mode=%o\n", what, st.st_mode & 0170777);
}

static void setup(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mkdir(at("d"), 0755);
	close(open(at("f"), O_CREAT | O_WRONLY, 0644));
	close(open(at("d/x"), O_CREAT | O_WRONLY, 0644));
	if (symlink("f", at("l")) < 0 || symlink("nowhere", at("dangling")) < 0 ||
	    symlink("nowhere2", at("dangling2")) < 0 || symlink("d", at("ld")) < 0 ||
	    symlink("loop1", at("loop2")) < 0 || symlink("loop2", at("loop1")) < 0 ||
	    mkfifo(at("fifo"), 0644) < 0)
		perror("setup");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("bind");
}

static void opens(void)
{
	opened("open f RDONLY", open(at("f"), O_RDONLY));
	opened("open f RDWR|APPEND", open(at("f"), O_RDWR | O_APPEND));
	opened("open f WRONLY|CLOEXEC", open(at("f"), O_WRONLY | O_CLOEXEC));
	opened("open f NONBLOCK", open(at("f"), O_RDONLY | O_NONBLOCK));
	opened("open f CREAT|EXCL", open(at("f"), O_CREAT | O_EXCL | O_WRONLY, 0600));
	opened("open f DIRECTORY", open(at("f"), O_RDONLY | O_DIRECTORY));
	opened("open f TRUNC", open(at("f"), O_WRONLY | O_TRUNC));
	opened("open d WRONLY", open(at("d"), O_WRONLY));
	opened("open d RDONLY", open(at("d"), O_RDONLY));
	opened("open d DIRECTORY", open(at("d"), O_RDONLY | O_DIRECTORY));
	opened("open l NOFOLLOW", open(at("l"), O_RDONLY | O_NOFOLLOW));
	opened("open dangling", open(at("dangling"), O_RDONLY));
	opened("open ld/ DIRECTORY", open(at("ld/"), O_RDONLY | O_DIRECTORY));
	opened("open f/", open(at("f/"), O_RDONLY));
	opened("open new/ CREAT", open(at("new/"), O_CREAT | O_WRONLY, 0644));
	opened("open loop1", open(at("loop1"), O_RDONLY));
	opened("open //f", open(at("/f"), O_RDONLY));
	opened("open ./././f", open(at("./././f"), O_RDONLY));
	opened("open d/../f", open(at("d/../f"), O_RDONLY));
	opened("open nonexistent", open(at("nonexistent"), O_RDONLY));
	opened("open nonexistent/x CREAT", open(at("nonexistent/x"), O_CREAT | O_WRONLY, 0644));
	opened("open fifo RDONLY|NONBLOCK", open(at("fifo"), O_RDONLY | O_NONBLOCK));
	opened("open fifo WRONLY|NONBLOCK", open(at("fifo"), O_WRONLY | O_NONBLOCK));
	opened("open fifo RDWR", open(at("fifo"), O_RDWR));
	opened("open sock", open(at("sock"), O_RDONLY));
	opened("open /dev/null RDWR", open("/dev/null", O_RDWR));
	opened("open TMPFILE d", open(at("d"), O_TMPFILE | O_RDWR, 0600));
	opened("open ''", open("", O_RDONLY));
	opened("creat new", creat(at("new"), 0600));
}

static void dirfds(void)
{
	struct stat st;
	char buf[256];
	int dfd = open(at("d"), O_RDONLY | O_DIRECTORY), ffd = open(at("f"), O_RDONLY);
	opened("openat dfd x", openat(dfd, "x", O_RDONLY));
	opened("openat dfd ../f", openat(dfd, "../f", O_RDONLY));
	opened("openat ffd x (not a directory)", openat(ffd, "x", O_RDONLY));
	opened("openat 999 x (no such fd)", openat(999, "x", O_RDONLY));
	opened("openat dfd absolute", openat(dfd, at("f"), O_RDONLY));
	result("fstatat dfd '' EMPTY_PATH", fstatat(dfd, "", &st, AT_EMPTY_PATH));
	result("fstatat dfd '' (no EMPTY_PATH)", fstatat(dfd, "", &st, 0));
	result("fstatat dfd x NOFOLLOW", fstatat(dfd, "x", &st, AT_SYMLINK_NOFOLLOW));
	result("mkdirat dfd sub", mkdirat(dfd, "sub", 0755));
	result("unlinkat dfd sub REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR));
	result("unlinkat dfd x REMOVEDIR", unlinkat(dfd, "x", AT_REMOVEDIR));
	result("symlinkat dfd sl", symlinkat("target", dfd, "sl"));
	result("readlinkat dfd sl", readlinkat(dfd, "sl", buf, sizeof(buf)));
	result("readlinkat dfd ''", readlinkat(dfd, "", buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", ffd);
	opened("open /proc/self/fd/N", open(buf, O_RDONLY));
	result("futimens (utimensat fd, NULL)", syscall(SYS_utimensat, ffd, NULL, NULL, 0));
	close(dfd);
	close(ffd);
}

static void metadata(void)
{
	struct statx sx;
	char buf[256];
	mode_of("stat f", at("f"), true);
	mode_of("lstat l", at("l"), false);
	mode_of("stat l", at("l"), true);
	mode_of("stat dangling", at("dangling"), true);
	mode_of("lstat dangling", at("dangling"), false);
	mode_of("stat f/", at("f/"), true);
	mode_of("stat fifo", at("fifo"), true);
	result("statx loop1", statx(AT_FDCWD, at("loop1"), 0, STATX_BASIC_STATS, &sx));
	result("access f W_OK", access(at("f"), W_OK));
	result("access f X_OK", access(at("f"), X_OK));
	result("access nonexistent", access(at("nonexistent"), F_OK));
	result("faccessat f W_OK EACCESS", faccessat(AT_FDCWD, at("f"), W_OK, AT_EACCESS));
	result("faccessat l NOFOLLOW", faccessat(AT_FDCWD, at("l"), R_OK, AT_SYMLINK_NOFOLLOW));
	result("readlink l", readlink(at("l"), buf, sizeof(buf)));
	result("readlink l, size 1", readlink(at("l"), buf, 1));
	result("readlink f (not a link)", readlink(at("f"), buf, sizeof(buf)));
	result("readlink nonexistent", readlink(at("nonexistent"), buf, sizeof(buf)));
	result("chmod f", chmod(at("f"), 0600));
	result("chmod l (the file)", chmod(at("l"), 0644));
	result("fchownat f to self", fchownat(AT_FDCWD, at("f"), getuid(), getgid(), 0));
	result("lchown l to self", lchown(at("l"), getuid(), getgid()));
	result("utimes f", utimes(at("f"), NULL));
	result("utimensat l NOFOLLOW", utimensat(AT_FDCWD, at("l"), NULL, AT_SYMLINK_NOFOLLOW));
	result("truncate f 10", truncate(at("f"), 10));
	result("truncate d", truncate(at("d"), 0));
	result("truncate f -1", truncate(at("f"), -1));
	result("setxattr f user.x", setxattr(at("f"), "user.x", "1", 1, 0));
	result("getxattr f user.x", getxattr(at("f"), "user.x", buf, sizeof(buf)));
	result("getxattr f user.none", getxattr(at("f"), "user.none", buf, sizeof(buf)));
	result("lgetxattr l user.x", lgetxattr(at("l"), "user.x", buf, sizeof(buf)));
	result("listxattr f", listxattr(at("f"), buf, sizeof(buf)));
	result("removexattr f user.none", removexattr(at("f"), "user.none"));
}

static void entries(void)
{
	result("mkdir d (exists)", mkdir(at("d"), 0755));
	result("mkdir d/ (exists)", mkdir(at("d/"), 0755));
	result("mkdir d2", mkdir(at("d2"), 0700));
	result("rmdir d2", rmdir(at("d2")));
	result("rmdir f", rmdir(at("f")));
	result("rmdir d (not empty)", rmdir(at("d")));
	result("unlink d", unlink(at("d")));
	result("unlink dangling", unlink(at("dangling")));
	result("unlink ''", unlink(""));
	result("rename f g", rename(at("f"), at2("g")));
	result("rename g f", rename(at("g"), at2("f")));
	result("rename d/ f", rename(at("d/"), at2("f")));
	result("renameat2 NOREPLACE f d/x",
	       renameat2(AT_FDCWD, at("f"), AT_FDCWD, at2("d/x"), RENAME_NOREPLACE));
	result("renameat2 EXCHANGE f d/x",
	       renameat2(AT_FDCWD, at("f"), AT_FDCWD, at2("d/x"), RENAME_EXCHANGE));
	result("renameat2 EXCHANGE back",
	       renameat2(AT_FDCWD, at("f"), AT_FDCWD, at2("d/x"), RENAME_EXCHANGE));
	result("renameat2 unknown flag", renameat2(AT_FDCWD, at("f"), AT_FDCWD, at2("g"), 0x80));
	result("link f h", link(at("f"), at2("h")));
	result("link f h (exists)", link(at("f"), at2("h")));
	result("linkat l FOLLOW d/hl",
	       linkat(AT_FDCWD, at("l"), AT_FDCWD, at2("d/hl"), AT_SYMLINK_FOLLOW));
	result("linkat l d/hl2 (the link itself)",
	       linkat(AT_FDCWD, at("l"), AT_FDCWD, at2("d/hl2"), 0));
	mode_of("lstat d/hl2", at("d/hl2"), false);
	result("symlink f l (exists)", symlink("f", at("l")));
	result("mknod f2 (regular)", mknod(at("f2"), S_IFREG | 0644, 0));
	result("mkfifo fifo (exists)", mkfifo(at("fifo"), 0644));
	opened("open dangling2 CREAT (makes nowhere2)",
	       open(at("dangling2"), O_CREAT | O_WRONLY, 0644));
	mode_of("stat nowhere2", at("nowhere2"), false);
}

/*
 * Names of PATH_MAX bytes and more, under DIR: the kernel refuses them before
 * it looks at a directory (ENAMETOOLONG), allowed or not; nothing to report.
 */
static void too_long(void)
{
	static char big[PATH_MAX + 600], other[PATH_MAX + 600];
	struct stat st;
	char buf[64];
	int n = snprintf(big, sizeof(big), "%s/", dir);

	for (size_t i = (size_t)n; i < sizeof(big) - 1; i++)
		big[i] = i % 100 ? 'c' : '/';
	big[sizeof(big) - 1] = '\0';
	memcpy(other, big, sizeof(other));
	other[sizeof(other) - 2] = 'd';
	for (size_t len = PATH_MAX; len < sizeof(big); len += 500) {
		char what[64];
		char keep = big[len], keep2 = other[len];
		big[len] = other[len] = '\0';
#define TOO_LONG(op, call)                                                 \
	do {                                                               \
		snprintf(what, sizeof(what), "%s %zu-byte name", op, len); \
		result(what, call);                                        \
	} while (0)
		TOO_LONG("open", open(big, O_RDONLY));
		TOO_LONG("open CREAT", open(big, O_CREAT | O_WRONLY, 0644));
		TOO_LONG("stat", stat(big, &st));
		TOO_LONG("lstat", lstat(big, &st));
		TOO_LONG("access", access(big, F_OK));
		TOO_LONG("mkdir", mkdir(big, 0755));
		TOO_LONG("rmdir", rmdir(big));
		TOO_LONG("unlink", unlink(big));
		TOO_LONG("rename from", rename(big, at("f")));
		TOO_LONG("rename to", rename(at("f"), big));
		TOO_LONG("link to", link(at("f"), big));
		TOO_LONG("symlink at", symlink("f", big));
		TOO_LONG("chmod", chmod(big, 0600));
		TOO_LONG("truncate", truncate(big, 0));
		TOO_LONG("readlink", readlink(big, buf, sizeof(buf)));
		TOO_LONG("rename both", rename(big, other));
#undef TOO_LONG
		big[len] = keep;
		other[len] = keep2;
	}
}

static int walked;

static int count_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)p;
	(void)st;
	(void)type;
	(void)f;
	walked++;
	return 0;
}

/*
 * A name over PATH_MAX whose directory part is under it (DIR/./././.../w):
 * nftw with FTW_CHDIR and fts split it themselves and walk it; a spawn's
 * open action takes it, and the child's open fails.
 */
static void split_long(void)
{
	static char name[PATH_MAX + 600];
	char leaf[201];
	memset(leaf, 'w', 200);
	leaf[200] = '\0';
	result("mkdir w", mkdir(at(leaf), 0755));
	size_t n = (size_t)snprintf(name, sizeof(name), "%s", dir);
	while (n < PATH_MAX - 200)
		n += (size_t)snprintf(name + n, sizeof(name) - n, "/.");
	snprintf(name + n, sizeof(name) - n, "/%s", leaf);
	walked = 0;
	int r = nftw(name, count_entry, 8, FTW_PHYS | FTW_CHDIR);
	printf("%-44s %s %d entries\n", "nftw FTW_CHDIR over PATH_MAX", r ? "err" : "ok", walked);
	result("chdir DIR (after nftw)", chdir(dir));
	char *roots[] = {name, NULL};
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	int k = 0, ns = 0;
	if (fts) {
		for (FTSENT *e; (e = fts_read(fts));)
			k++, ns += e->fts_info == FTS_NS;
		fts_close(fts);
	}
	printf("%-44s %s %d entries %d FTS_NS\n", "fts over PATH_MAX", fts ? "ok" : "err", k, ns);
	char *real = realpath(name, NULL);
	printf("%-44s %s\n", "realpath over PATH_MAX", real ? "ok" : strerrorname_np(errno));
	free(real);
	/* glibc's realpath readlinks each directory on the way, ours included. */
	real = realpath(at(leaf), NULL);
	printf("%-44s %s\n", "realpath DIR/w", real ? "ok" : strerrorname_np(errno));
	free(real);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	r = posix_spawn_file_actions_addopen(&fa, 1, name, O_WRONLY | O_CREAT, 0644);
	printf("%-44s %s\n", "spawn addopen over PATH_MAX", r ? strerrorname_np(r) : "ok");
	posix_spawn_file_actions_destroy(&fa);
}

static void long_names(void)
{
	char name[300], path[4200];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	opened("open NAME_MAX+44", open(at(name), O_RDONLY));
	result("mkdir NAME_MAX+44", mkdir(at(name), 0755));
	memset(path, 'b', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	for (size_t i = 100; i < sizeof(path) - 1; i += 100)
		path[i] = '/';
	/* Relative (from DIR) and shorter than PATH_MAX: the kernel looks it up (ENOENT). */
	path[4000] = '\0';
	result("chdir DIR", chdir(dir));
	opened("open 4000-byte relative name", open(path, O_RDONLY));
	path[4000] = '/';
	path[PATH_MAX] = '\0';
	opened("open PATH_MAX-byte relative name", open(path, O_RDONLY));
	too_long();
	split_long();
}

static void relative_and_umask(void)
{
	struct stat st;
	result("chdir f", chdir(at("f")));
	result("chdir d", chdir(at("d")));
	opened("open x (relative)", open("x", O_RDONLY));
	opened("open ../f (relative)", open("../f", O_RDONLY));
	mode_of("stat ../l (relative)", "../l", true);
	result("rmdir .", rmdir("."));
	umask(077);
	int fd = open("um", O_CREAT | O_RDWR, 0666);
	result("open um CREAT under umask 077", fd);
	if (fd >= 0)
		close(fd);
	mode_of("stat um", "um", true);
	result("mkdir umd under umask 077", mkdir("umd", 0777));
	mode_of("stat umd", "umd", true);
	result("stat /proc/self/cwd", stat("/proc/self/cwd", &st));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sv-compat DIR\n");
		return 2;
	}
	dir = argv[1];
	setup();
	opens();
	dirfds();
	metadata();
	entries();
	long_names();
	relative_and_umask();
	return 0;
}
