// SPDX-License-Identifier: MIT
/*
 * null-args DIR: calls every path-taking function the shim wraps with a NULL
 * path (and, for the *at forms, a descriptor of DIR), each in a child of its
 * own, and prints one line per call: "NAME r=RESULT ERRNO_NAME", or
 * "NAME killed SIGNAL" when the call crashed. Run bare and under the shim,
 * the lines must match: libc declares these arguments nonnull, a program may
 * pass NULL all the same (the kernel says EFAULT, or takes NULL with
 * AT_EMPTY_PATH), and the shim must not crash where libc does not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

static const char *dir;

static int dfd(void)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Called through a pointer: the compiler cannot see the NULL at the call. */
static const char *volatile null_path;

#define P ((const char *)null_path)

static long c_open(void)
{
	return open(P, O_RDONLY);
}
static long c_openat(void)
{
	return openat(dfd(), P, O_RDONLY);
}
static long c_creat(void)
{
	return creat(P, 0644);
}
static long c_stat(void)
{
	struct stat s;
	return stat(P, &s);
}
static long c_lstat(void)
{
	struct stat s;
	return lstat(P, &s);
}
static long c_fstatat(void)
{
	struct stat s;
	return fstatat(dfd(), P, &s, 0);
}
static long c_fstatat_empty(void)
{
	struct stat s;
	return fstatat(dfd(), P, &s, AT_EMPTY_PATH);
}
static long c_statx_empty(void)
{
	struct statx s;
	return statx(dfd(), P, AT_EMPTY_PATH, 0, &s);
}
static long c_access(void)
{
	return access(P, R_OK);
}
static long c_faccessat(void)
{
	return faccessat(dfd(), P, R_OK, 0);
}
static long c_euidaccess(void)
{
	return euidaccess(P, R_OK);
}
static long c_readlink(void)
{
	char b[8];
	return readlink(P, b, sizeof(b));
}
static long c_readlinkat(void)
{
	char b[8];
	return readlinkat(dfd(), P, b, sizeof(b));
}
static long c_truncate(void)
{
	return truncate(P, 0);
}
static long c_chmod(void)
{
	return chmod(P, 0644);
}
static long c_fchmodat(void)
{
	return fchmodat(dfd(), P, 0644, 0);
}
static long c_chown(void)
{
	return chown(P, 0, 0);
}
static long c_lchown(void)
{
	return lchown(P, 0, 0);
}
static long c_fchownat(void)
{
	return fchownat(dfd(), P, 0, 0, AT_EMPTY_PATH);
}
static long c_utimensat(void)
{
	return utimensat(dfd(), P, NULL, 0);
}
static long c_futimesat(void)
{
	return futimesat(dfd(), P, NULL);
}
static long c_utimes(void)
{
	return utimes(P, NULL);
}
static long c_utime(void)
{
	return utime(P, NULL);
}
static long c_lutimes(void)
{
	return lutimes(P, NULL);
}
static long c_mkdir(void)
{
	return mkdir(P, 0755);
}
static long c_mkdirat(void)
{
	return mkdirat(dfd(), P, 0755);
}
static long c_mknod(void)
{
	return mknod(P, S_IFIFO | 0644, 0);
}
static long c_mknodat(void)
{
	return mknodat(dfd(), P, S_IFIFO | 0644, 0);
}
static long c_mkfifo(void)
{
	return mkfifo(P, 0644);
}
static long c_rmdir(void)
{
	return rmdir(P);
}
static long c_unlink(void)
{
	return unlink(P);
}
static long c_unlinkat(void)
{
	return unlinkat(dfd(), P, 0);
}
static long c_rename_from(void)
{
	return rename(P, "null-args-to");
}
static long c_rename_to(void)
{
	return rename("null-args-from", P);
}
static long c_renameat2(void)
{
	return renameat2(dfd(), P, dfd(), "null-args-to", 0);
}
static long c_link(void)
{
	return link(P, "null-args-to");
}
static long c_linkat(void)
{
	return linkat(dfd(), P, dfd(), "null-args-to", 0);
}
static long c_symlink_target(void)
{
	return symlink(P, "null-args-to");
}
static long c_symlink_name(void)
{
	return symlink("/", P);
}
static long c_symlinkat(void)
{
	return symlinkat("/", dfd(), P);
}
static long c_setxattr(void)
{
	return setxattr(P, "user.x", "1", 1, 0);
}
static long c_getxattr(void)
{
	char b[8];
	return getxattr(P, "user.x", b, sizeof(b));
}
static long c_listxattr(void)
{
	char b[8];
	return listxattr(P, b, sizeof(b));
}
static long c_removexattr(void)
{
	return removexattr(P, "user.x");
}
static long c_chdir(void)
{
	return chdir(P);
}
static long c_fopen(void)
{
	return fopen(P, "r") ? 0 : -1;
}
static long c_execve(void)
{
	return execve(P, (char *[]){NULL}, NULL);
}
static long c_execv(void)
{
	return execv(P, (char *[]){NULL});
}

static const struct {
	const char *name;
	long (*call)(void);
} calls[] = {
#define C(n)              \
	{                 \
#n, c_##n \
	}
	C(open),       C(openat),	 C(creat),	    C(stat),	     C(lstat),
	C(fstatat),    C(fstatat_empty), C(statx_empty),    C(access),	     C(faccessat),
	C(euidaccess), C(readlink),	 C(readlinkat),	    C(truncate),     C(chmod),
	C(fchmodat),   C(chown),	 C(lchown),	    C(fchownat),     C(utimensat),
	C(futimesat),  C(utimes),	 C(utime),	    C(lutimes),	     C(mkdir),
	C(mkdirat),    C(mknod),	 C(mknodat),	    C(mkfifo),	     C(rmdir),
	C(unlink),     C(unlinkat),	 C(rename_from),    C(rename_to),    C(renameat2),
	C(link),       C(linkat),	 C(symlink_target), C(symlink_name), C(symlinkat),
	C(setxattr),   C(getxattr),	 C(listxattr),	    C(removexattr),  C(chdir),
	C(fopen),      C(execve),	 C(execv),
#undef C
};

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	dir = argv[1];
	if (chdir(dir) < 0)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int status;
		pid_t pid = fork();
		if (pid < 0)
			return 3;
		if (pid == 0) {
			errno = 0;
			long r = calls[i].call();
			const char *e = errno ? strerrorname_np(errno) : "0";
			printf("%s r=%ld %s\n", calls[i].name, r, e ? e : "?");
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0)
			return 3;
		if (WIFSIGNALED(status))
			printf("%s killed %d\n", calls[i].name, WTERMSIG(status));
	}
	return 0;
}
