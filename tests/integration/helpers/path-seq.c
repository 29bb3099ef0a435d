// SPDX-License-Identifier: MIT
/*
 * path-seq OP:PATH...: runs file calls in order in one process and prints
 * "OP PATH -> 0" or "OP PATH -> errno" per call, so a test can check that an
 * answer the shim remembered (lib/verdict_cache.h) never outlives what it
 * was about: a chdir, other rights, another thread. OPs: stat, access,
 * openr, openw, chdir, fchdir, thread-stat (stat from a new thread),
 * lstat, fstatat, statx (stat and these print "= size N" first),
 * ln (PATH is TARGET=LINK: LINK is replaced by a symlink to TARGET),
 * mv (PATH is OLD=NEW: rename), raw-mv (the same with the system call
 * instruction, behind the shim's back, as another process would), creat
 * (open O_WRONLY|O_CREAT), lchown (lchown(PATH, -1, -1)), vfork-chdir (a vfork child changes to PATH,
 * stats "x" there, or NAME when PATH is DIR=NAME, and exits; the parent
 * goes on), linkfd (PATH is
 * SRC=DST: SRC opened read-only, linked as DST by descriptor with
 * AT_EMPTY_PATH), fopen-w (fopen PATH "w"), freopen-w (fopen PATH "r",
 * then freopen(NULL, "w")),
 * glob (glob(3) of the pattern PATH; each match printed first as
 * "= MATCH"), mkostemp64 (PATH a template), utmp-read (utmpname(PATH),
 * then getutent), updwtmp (a record appended to PATH), lchmod, mkfifo,
 * futimesat, fts (fts_open of PATH), clone-nofs (PATH is DIR=NAME: a
 * task sharing memory but not the working directory changes to DIR,
 * this one stats "x" in its own, then the task opens NAME), and through
 * libc's
 * syscall(): sys-statx, sys-openat, sys-openat2-inroot (PATH is DIR=NAME:
 * NAME read with RESOLVE_IN_ROOT below DIR, the working directory when DIR
 * is empty, its first bytes printed as
 * "= BYTES"), sys-openat-hi (the number with bit 32
 * set), sys-openat2-w, sys-openat2-c (creating), sys-unlink.
 * Also: unlink, fchownat-cwd (fchownat(AT_FDCWD, "", AT_EMPTY_PATH)),
 * exchange (PATH is A=B: renameat2 RENAME_EXCHANGE), dir (PATH opened
 * O_DIRECTORY and kept: openr-at and stat-at are relative to it), nap
 * (PATH milliseconds), fopen-mode
 * (PATH is MODE=FILE: fopen, write "X", fclose), fchmod, fchown,
 * futimens, fsetxattr, setflags, setflags-hi, sys-setflags (ioctl
 * FS_IOC_SETFLAGS, nodump added, libc / the request with its high bits set /
 * syscall()), fssetxattr (FS_IOC_FSSETXATTR), ext4-setversion (the generation
 * set again with ext4's request) (on PATH opened read-only), fchownat-empty
 * (fchownat(fd, "", AT_EMPTY_PATH) on PATH opened O_PATH), setmntent
 * (each entry's first field printed as "= FIELD"), fdopen-log (fdopen of
 * FNGUARD_LOG_FD, then fclose), cloexec-log (FD_CLOEXEC set on
 * FNGUARD_LOG_FD), exec-stat (PATH is PROG=FILE: runs PROG FILE, its
 * status is the result).
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <glob.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <mntent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

#include "raw_syscall.h"

static int result(int r)
{
	return r < 0 ? errno : 0;
}

/* result(), and the size the call reported first: which file was looked at. */
static int sized(int r, const struct stat *st)
{
	if (r == 0)
		printf("= size %lld\n", (long long)st->st_size);
	return result(r);
}

static int open_close(const char *path, int flags)
{
	int fd = open(path, flags);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void *thread_stat(void *arg)
{
	struct stat st;
	return (void *)(long)result(stat(arg, &st));
}

/* "A=B": copies A into first, returns B (NULL when there is no '=' or A is too long). */
static const char *split_pair(const char *path, char *first, size_t size)
{
	const char *eq = strchr(path, '=');
	if (!eq || (size_t)(eq - path) >= size)
		return NULL;
	memcpy(first, path, (size_t)(eq - path));
	first[eq - path] = '\0';
	return eq + 1;
}

/*
 * clone-nofs: a task sharing this memory but not the working directory
 * (CLONE_VM without CLONE_FS) changes to DIR; then this one looks at a
 * name in its own directory (the shim remembers that path for the new
 * epoch); then the task opens NAME relative to DIR. Its answer is the op's.
 */
struct nofs {
	const char *dir, *name;
	int to_main[2], to_task[2];
	int result;
};

static int nofs_task(void *arg)
{
	struct nofs *n = arg;
	char c = 0;
	int r = chdir(n->dir);
	if (write(n->to_main[1], &c, 1) != 1 || read(n->to_task[0], &c, 1) != 1)
		return 1;
	n->result = r < 0 ? errno : open_close(n->name, O_RDONLY);
	/* A thread of this process (CLONE_THREAD): its end is said through the pipe. */
	if (write(n->to_main[1], &c, 1) != 1)
		return 1;
	return 0;
}

static int clone_nofs(const char *path)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	struct nofs n = {.result = -1};
	char dir[4096], c;
	struct stat st;

	n.name = split_pair(path, dir, sizeof(dir));
	n.dir = dir;
	if (!n.name || pipe(n.to_main) < 0 || pipe(n.to_task) < 0)
		return -1;
	/* A thread (same pid, so no vfork child to the shim) with a directory of its own. */
	int flags = CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	if (clone(nofs_task, stack + sizeof(stack), flags, &n) < 0)
		return errno;
	if (read(n.to_main[0], &c, 1) != 1)
		return -1;
	stat("x", &st); /* a relative name of this task's own: its path, remembered */
	if (write(n.to_task[1], &c, 1) != 1 || read(n.to_main[0], &c, 1) != 1)
		return -1;
	return n.result;
}

/* The directory descriptor of the dir op, for openr-at and stat-at. */
static int dir_fd = -1;

static int one(const char *op, const char *path)
{
	struct stat st;
	char first[4096];

	if (!strcmp(op, "stat"))
		return sized(stat(path, &st), &st);
	if (!strcmp(op, "access"))
		return result(access(path, R_OK));
	if (!strcmp(op, "lstat"))
		return sized(lstat(path, &st), &st);
	if (!strcmp(op, "fstatat"))
		return sized(fstatat(AT_FDCWD, path, &st, 0), &st);
	if (!strcmp(op, "statx")) {
		struct statx stx;
		int r = statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx);
		/* The size says which file was looked at: a test compares it. */
		if (r == 0)
			printf("= size %llu\n", (unsigned long long)stx.stx_size);
		return result(r);
	}
	if (!strcmp(op, "openr"))
		return open_close(path, O_RDONLY);
	if (!strcmp(op, "openw"))
		return open_close(path, O_WRONLY);
	if (!strcmp(op, "chdir"))
		return result(chdir(path));
	if (!strcmp(op, "dir")) {
		/* The directory the *-at ops below are relative to, kept open. */
		if (dir_fd >= 0)
			close(dir_fd);
		dir_fd = open(path, O_RDONLY | O_DIRECTORY);
		return dir_fd < 0 ? errno : 0;
	}
	if (!strcmp(op, "openr-at")) {
		int fd = openat(dir_fd, path, O_RDONLY);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	if (!strcmp(op, "stat-at"))
		return sized(fstatat(dir_fd, path, &st, 0), &st);
	if (!strcmp(op, "nap")) {
		usleep((useconds_t)strtoul(path, NULL, 10) * 1000);
		return 0;
	}
	if (!strcmp(op, "fchdir")) {
		int fd = open(path, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return errno;
		int r = result(fchdir(fd));
		close(fd);
		return r;
	}
	if (!strcmp(op, "sys-statx")) {
		struct statx stx;
		return result((int)syscall(SYS_statx, AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx));
	}
	if (!strcmp(op, "sys-openat")) {
		long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		if (fd < 0)
			return errno;
		close((int)fd);
		return 0;
	}
	if (!strcmp(op, "sys-openat2-c")) {
		struct open_how how = {.flags = O_WRONLY | O_CREAT, .mode = 0644};
		long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd < 0)
			return errno;
		close((int)fd);
		return 0;
	}
	if (!strcmp(op, "sys-openat2-w")) {
		struct open_how how = {.flags = O_WRONLY};
		long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd < 0)
			return errno;
		close((int)fd);
		return 0;
	}
	if (!strcmp(op, "sys-openat-hi")) {
		/* The number with high bits set: the kernel and seccomp read its low 32 bits. */
		long fd = syscall(SYS_openat | (1L << 32), AT_FDCWD, path, O_RDONLY);
		if (fd < 0)
			return errno;
		close((int)fd);
		return 0;
	}
	if (!strcmp(op, "sys-unlink"))
		return result((int)syscall(SYS_unlinkat, AT_FDCWD, path, 0));
	if (!strcmp(op, "ln")) {
		const char *link = split_pair(path, first, sizeof(first));
		if (!link)
			return -1;
		unlink(link);
		return result(symlink(first, link));
	}
	if (!strcmp(op, "mv")) {
		const char *to = split_pair(path, first, sizeof(first));
		return to ? result(rename(first, to)) : -1;
	}
	if (!strcmp(op, "raw-mv")) {
		const char *to = split_pair(path, first, sizeof(first));
		return to ? result((int)raw_syscall(SYS_renameat2, AT_FDCWD, first, AT_FDCWD, to,
						    0))
			  : -1;
	}
	if (!strcmp(op, "linkfd")) {
		const char *to = split_pair(path, first, sizeof(first));
		if (!to)
			return -1;
		int fd = open(first, O_RDONLY);
		if (fd < 0)
			return errno;
		int r = result(linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH));
		close(fd);
		return r;
	}
	if (!strcmp(op, "fopen-w")) {
		FILE *f = fopen(path, "w");
		if (!f)
			return errno;
		fclose(f);
		return 0;
	}
	if (!strcmp(op, "freopen-w")) {
		FILE *f = fopen(path, "r");
		if (!f)
			return errno;
		/* On failure f is left alone: glibc may have closed it, the shim has not. */
		FILE *g = freopen(NULL, "w", f);
		if (!g)
			return errno;
		fclose(g);
		return 0;
	}
	if (!strcmp(op, "glob")) {
		glob_t g;
		int r = glob(path, GLOB_BRACE, NULL, &g);
		if (r == GLOB_NOMATCH)
			return ENOENT;
		if (r != 0)
			return r == GLOB_ABORTED ? EACCES : EIO;
		for (size_t i = 0; i < g.gl_pathc; i++)
			printf("= %s\n", g.gl_pathv[i]);
		globfree(&g);
		return 0;
	}
	if (!strcmp(op, "mkostemp64")) {
		strncpy(first, path, sizeof(first) - 1);
		first[sizeof(first) - 1] = '\0';
		/* The name _FILE_OFFSET_BITS=64 builds call for mkostemp. */
		int fd = mkostemp64(first, 0);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	if (!strcmp(op, "utmp-read")) {
		if (utmpname(path) < 0)
			return errno;
		setutent();
		errno = 0;
		struct utmp *u = getutent();
		int r = u ? 0 : errno ? errno : ENOENT;
		endutent();
		return r;
	}
	if (!strcmp(op, "updwtmp")) {
		struct utmp u = {.ut_type = USER_PROCESS};
		errno = 0;
		updwtmp(path, &u);
		return errno == EACCES ? EACCES : 0;
	}
	if (!strcmp(op, "lchmod"))
		return result(lchmod(path, 0600));
	if (!strcmp(op, "mkfifo"))
		return result(mkfifo(path, 0600));
	if (!strcmp(op, "futimesat"))
		return result(futimesat(AT_FDCWD, path, NULL));
	if (!strcmp(op, "fts")) {
		char *const roots[] = {(char *)path, NULL};
		FTS *f = fts_open(roots, FTS_PHYSICAL, NULL);
		if (!f)
			return errno;
		fts_close(f);
		return 0;
	}
	if (!strcmp(op, "creat"))
		return open_close(path, O_WRONLY | O_CREAT);
	if (!strcmp(op, "lchown"))
		return result(lchown(path, (uid_t)-1, (gid_t)-1));
	if (!strcmp(op, "vfork-chdir")) {
		/* The case under test: a child that shares its parent's memory. */
		// NOLINTBEGIN(clang-analyzer-security.insecureAPI.vfork,clang-analyzer-unix.Vfork)
		char dir[4096];
		const char *eq = strchr(path, '='), *name = eq ? eq + 1 : "x";
		snprintf(dir, sizeof(dir), "%.*s", eq ? (int)(eq - path) : (int)strlen(path), path);
		pid_t pid = vfork();
		if (pid == 0) {
			if (chdir(dir) == 0)
				(void)stat(name, &st);
			_exit(0);
		}
		// NOLINTEND(clang-analyzer-security.insecureAPI.vfork,clang-analyzer-unix.Vfork)
		if (pid < 0)
			return errno;
		return result(waitpid(pid, NULL, 0) == pid ? 0 : -1);
	}
	if (!strcmp(op, "clone-nofs"))
		return clone_nofs(path);
	if (!strcmp(op, "unlink"))
		return result(unlink(path));
	if (!strcmp(op, "fchownat-cwd")) /* the working directory itself, by AT_EMPTY_PATH */
		return result(fchownat(AT_FDCWD, "", geteuid(), getegid(), AT_EMPTY_PATH));
	if (!strcmp(op, "exchange")) {
		const char *to = split_pair(path, first, sizeof(first));
		return to ? result(renameat2(AT_FDCWD, first, AT_FDCWD, to, RENAME_EXCHANGE)) : -1;
	}
	if (!strcmp(op, "fopen-mode")) {
		const char *file = split_pair(path, first, sizeof(first));
		FILE *f = file ? fopen(file, first) : NULL;
		if (!file)
			return -1;
		if (!f)
			return errno;
		int w = fputs("X", f) < 0 ? EBADF : 0;
		return fclose(f) == 0 && !w ? 0 : EBADF;
	}
	if (!strcmp(op, "fchmod") || !strcmp(op, "fchown") || !strcmp(op, "futimens") ||
	    !strcmp(op, "fsetxattr")) {
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			return errno;
		int r = !strcmp(op, "fchmod")	  ? fchmod(fd, 0604)
			: !strcmp(op, "fchown")	  ? fchown(fd, geteuid(), getegid())
			: !strcmp(op, "futimens") ? futimens(fd, NULL)
						  : fsetxattr(fd, "user.fnguard", "x", 1, 0);
		r = result(r);
		close(fd);
		return r;
	}
	if (!strcmp(op, "ext4-setversion")) {
		/* The generation set again with ext4's own request number (_IOW('f', 4, long)). */
		int fd = open(path, O_RDONLY), v = 0;
		long lv;
		if (fd < 0)
			return errno;
		int r = ioctl(fd, FS_IOC_GETVERSION, &v) < 0 ? errno : 0;
		lv = v;
		if (r == 0)
			r = result(ioctl(fd, _IOW('f', 4, long), &lv));
		close(fd);
		return r;
	}
	if (!strcmp(op, "setflags") || !strcmp(op, "setflags-hi") || !strcmp(op, "sys-setflags") ||
	    !strcmp(op, "fssetxattr")) {
		/* The file's own attributes set again (nodump added) through a read-only descriptor. */
		int fd = open(path, O_RDONLY);
		int flags = 0, r;
		struct fsxattr fsx;
		if (fd < 0)
			return errno;
		if (!strcmp(op, "fssetxattr")) {
			r = ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0
				    ? errno
				    : result(ioctl(fd, FS_IOC_FSSETXATTR, &fsx));
		} else if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
			r = errno;
		} else {
			flags |= FS_NODUMP_FL;
			r = !strcmp(op, "setflags") ? result(ioctl(fd, FS_IOC_SETFLAGS, &flags))
			    : !strcmp(op, "setflags-hi")
				    /* the kernel reads 32 bits of the request */
				    ? result(ioctl(fd, 0xffffffff00000000ul | FS_IOC_SETFLAGS,
						   &flags))
				    : result((int)syscall(SYS_ioctl, fd, FS_IOC_SETFLAGS, &flags));
		}
		close(fd);
		return r;
	}
	if (!strcmp(op, "fchownat-empty")) {
		int fd = open(path, O_PATH);
		if (fd < 0)
			return errno;
		int r = result(fchownat(fd, "", geteuid(), getegid(), AT_EMPTY_PATH));
		close(fd);
		return r;
	}
	if (!strcmp(op, "sys-openat2-inroot")) {
		const char *name = split_pair(path, first, sizeof(first));
		char buf[64];
		if (!name)
			return -1;
		/* An empty DIR: below the working directory (AT_FDCWD), no open before. */
		int dir = first[0] ? open(first, O_PATH | O_DIRECTORY) : AT_FDCWD;
		if (first[0] && dir < 0)
			return errno;
		struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};
		int fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
		int r = fd < 0 ? errno : 0;
		if (dir >= 0)
			close(dir);
		if (fd < 0)
			return r;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("= %s\n", buf);
		return 0;
	}
	if (!strcmp(op, "setmntent")) {
		FILE *f = setmntent(path, "r");
		if (!f)
			return errno;
		struct mntent *m;
		while ((m = getmntent(f)))
			printf("= %s\n", m->mnt_fsname);
		endmntent(f);
		return 0;
	}
	if (!strcmp(op, "fdopen-log") || !strcmp(op, "cloexec-log")) {
		const char *v = getenv("FNGUARD_LOG_FD");
		int fd = v ? atoi(v) : -1;
		if (fd < 0)
			return ENOENT;
		if (!strcmp(op, "cloexec-log"))
			return result(fcntl(fd, F_SETFD, FD_CLOEXEC));
		FILE *f = fdopen(fd, "w");
		if (!f)
			return errno;
		fclose(f);
		return 0;
	}
	if (!strcmp(op, "exec-stat")) {
		const char *file = split_pair(path, first, sizeof(first));
		int status;
		if (!file)
			return -1;
		pid_t pid = fork();
		if (pid == 0) {
			execl(first, first, file, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			return errno;
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EPERM;
	}
	if (!strcmp(op, "thread-stat")) {
		pthread_t t;
		void *ret;
		if (pthread_create(&t, NULL, thread_stat, (void *)path) != 0)
			return EAGAIN;
		pthread_join(t, &ret);
		return (int)(long)ret;
	}
	return -1;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		if (!colon)
			return 2;
		*colon = '\0';
		int r = one(argv[i], colon + 1);
		if (r < 0)
			return 2;
		printf("%s %s -> %s\n", argv[i], colon + 1, r ? strerrorname_np(r) : "0");
	}
	return 0;
}
