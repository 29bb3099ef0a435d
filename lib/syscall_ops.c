// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "cwd.h"
#include "raw_syscall.h"
#include "real.h"
#include "seccomp_layer.h"
#include "shim.h"
#include "record.h"
#include "syscall_ops.h"

#define EXPORT __attribute__((visibility("default")))

static long pass(long nr, long a, long b, long c, long d, long e, long f)
{
	if (__builtin_expect(REAL(syscall) != NULL, 1))
		return REAL(syscall)(nr, a, b, c, d, e, f);
	return raw_syscall6(nr, a, b, c, d, e, f);
}

long shim_syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	return pass(nr, a, b, c, d, e, f);
}

/*
 * rt_sigaction(SIGSYS) made raw: the kernel's struct begins with the handler
 * and the flags on every architecture the shim supports. The libc
 * sigaction() wrapper's rule applies (seccomp_layer.c): a reset to SIG_DFL
 * is answered without touching fnguard's handler, anything else refused.
 */
static long raw_sigaction(long sig, const unsigned long *kact, long b, long c, long d)
{
	/* The kernel reads the signal as an int: SIGSYS | 1L << 32 is SIGSYS. */
	sig = (int)sig;
	if (sig == SIGSYS && kact && !shim_busy && seccomp_layer_guards_sigsys()) {
		if (kact[0] == (unsigned long)SIG_DFL && !(kact[1] & SA_SIGINFO)) {
			if (b)
				pass(SYS_rt_sigaction, sig, 0, b, c, 0, 0);
			return 0;
		}
		seccomp_layer_refuse_sigsys("syscall(rt_sigaction)");
		errno = EPERM;
		return -1;
	}
	return pass(SYS_rt_sigaction, sig, (long)kact, b, c, d, 0);
}

/* fchmodat2 (Linux 6.6), the same number on every architecture; newer than the headers here. */
#define SYS_fchmodat2_NR 452
/*
 * Name calls newer than the shim's wrappers (Linux 6.13: the *xattrat
 * family; 6.17: file_getattr, file_setattr): no libc makes them, and the
 * shim does not judge them, so they answer ENOSYS, as an older kernel would,
 * and a caller falls back to the calls it judges.
 */
#define SYS_setxattrat_NR    463
#define SYS_removexattrat_NR 466
#define SYS_file_getattr_NR  468
#define SYS_file_setattr_NR  469

/*
 * clone and fork through syscall() (the child returns here, on its stack as
 * it was: the only form of clone a C caller can use). A task sharing this
 * memory but not the working directory (cwd.h); one with memory of its own
 * starts as a fork child does (shim.h).
 */
static long cloned(unsigned long flags, long nr, long a, long b, long c, long d, long e, long f)
{
	if ((flags & CLONE_VM) && !(flags & CLONE_FS))
		cwd_unshared();
	long r = pass(nr, a, b, c, d, e, f);
	if (r == 0 && !(flags & CLONE_VM))
		shim_after_clone_child();
	return r;
}

#define P(x)  ((const char *)(x))
#define I(x)  ((int)(x))
#define U(x)  ((unsigned)(x))
#define SA(x) ((const struct sockaddr *)(x))

EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);

	/*
	 * The kernel (and seccomp) take the number's low 32 bits: a number with
	 * high bits set is the same call, and must find its wrapper.
	 */
	nr = (int)nr;
	switch (nr) {
		/* files: the libc wrapper of the same name judges, then makes the call */
#ifdef SYS_open
	case SYS_open:
		return open(P(a), I(b), (mode_t)c);
	case SYS_creat:
		return creat(P(a), (mode_t)b);
	case SYS_stat:
		return stat(P(a), (struct stat *)b);
	case SYS_lstat:
		return lstat(P(a), (struct stat *)b);
	case SYS_access:
		return access(P(a), I(b));
	case SYS_readlink:
		return readlink(P(a), (char *)b, (size_t)c);
	case SYS_chmod:
		return chmod(P(a), (mode_t)b);
	case SYS_chown:
		return chown(P(a), (uid_t)b, (gid_t)c);
	case SYS_lchown:
		return lchown(P(a), (uid_t)b, (gid_t)c);
	case SYS_utimes:
		return utimes(P(a), (const struct timeval *)b);
	case SYS_utime:
		return utime(P(a), (const struct utimbuf *)b);
	case SYS_mkdir:
		return mkdir(P(a), (mode_t)b);
	case SYS_mknod:
		return mknod(P(a), (mode_t)b, (dev_t)c);
	case SYS_rmdir:
		return rmdir(P(a));
	case SYS_unlink:
		return unlink(P(a));
	case SYS_rename:
		return rename(P(a), P(b));
	case SYS_link:
		return link(P(a), P(b));
	case SYS_symlink:
		return symlink(P(a), P(b));
	case SYS_dup2:
		return dup2(I(a), I(b));
#endif
	case SYS_openat:
		return openat(I(a), P(b), I(c), (mode_t)d);
	case SYS_openat2:
		return file_ops_openat2(I(a), P(b), (const struct open_how *)c, (size_t)d);
#ifdef SYS_futimesat
	case SYS_futimesat:
		return futimesat(I(a), P(b), (const struct timeval *)c);
#endif
	case SYS_fchmodat2_NR:
		/* glibc's fchmodat refuses AT_EMPTY_PATH; the kernel changes the descriptor's file. */
		if ((I(d) & AT_EMPTY_PATH) && P(b) && !*P(b) && !(I(d) & ~AT_EMPTY_PATH))
			return I(a) == AT_FDCWD ? chmod(".", (mode_t)c) : fchmod(I(a), (mode_t)c);
		return fchmodat(I(a), P(b), (mode_t)c, I(d));
	case SYS_newfstatat:
		return fstatat(I(a), P(b), (struct stat *)c, I(d));
	case SYS_statx:
		return statx(I(a), P(b), I(c), U(d), (struct statx *)e);
	case SYS_faccessat:
		return faccessat(I(a), P(b), I(c), 0);
	case SYS_faccessat2:
		return faccessat(I(a), P(b), I(c), I(d));
	case SYS_readlinkat:
		return readlinkat(I(a), P(b), (char *)c, (size_t)d);
	case SYS_truncate:
		return truncate(P(a), (off_t)b);
	case SYS_fchmodat:
		return fchmodat(I(a), P(b), (mode_t)c, 0);
	case SYS_fchownat:
		return fchownat(I(a), P(b), (uid_t)c, (gid_t)d, I(e));
	case SYS_utimensat:
		/* A NULL name is the descriptor's file (futimens); glibc's utimensat refuses it. */
		if (!P(b) && I(d) == 0 && I(a) != AT_FDCWD)
			return futimens(I(a), (const struct timespec *)c);
		return utimensat(I(a), P(b), (const struct timespec *)c, I(d));
	case SYS_mkdirat:
		return mkdirat(I(a), P(b), (mode_t)c);
	case SYS_mknodat:
		return mknodat(I(a), P(b), (mode_t)c, (dev_t)d);
	case SYS_unlinkat:
		return unlinkat(I(a), P(b), I(c));
	case SYS_renameat:
		return renameat(I(a), P(b), I(c), P(d));
	case SYS_renameat2:
		return renameat2(I(a), P(b), I(c), P(d), U(e));
	case SYS_linkat:
		return linkat(I(a), P(b), I(c), P(d), I(e));
	case SYS_symlinkat:
		return symlinkat(P(a), I(b), P(c));
	case SYS_setxattr:
		return setxattr(P(a), P(b), (const void *)c, (size_t)d, I(e));
	case SYS_lsetxattr:
		return lsetxattr(P(a), P(b), (const void *)c, (size_t)d, I(e));
	case SYS_removexattr:
		return removexattr(P(a), P(b));
	case SYS_lremovexattr:
		return lremovexattr(P(a), P(b));
	/* changes through a descriptor: judged on its file (file_ops.c) */
	case SYS_fchmod:
		return fchmod(I(a), (mode_t)b);
	case SYS_fchown:
		return fchown(I(a), (uid_t)b, (gid_t)c);
	case SYS_fsetxattr:
		return fsetxattr(I(a), P(b), (const void *)c, (size_t)d, I(e));
	case SYS_fremovexattr:
		return fremovexattr(I(a), P(b));
	case SYS_ioctl:
		return ioctl(I(a), (unsigned long)b, (void *)c);
	case SYS_setxattrat_NR ... SYS_removexattrat_NR:
	case SYS_file_getattr_NR:
	case SYS_file_setattr_NR:
		errno = ENOSYS;
		return -1;
	case SYS_getxattr:
		return getxattr(P(a), P(b), (void *)c, (size_t)d);
	case SYS_lgetxattr:
		return lgetxattr(P(a), P(b), (void *)c, (size_t)d);
	case SYS_listxattr:
		return listxattr(P(a), (char *)b, (size_t)c);
	case SYS_llistxattr:
		return llistxattr(P(a), (char *)b, (size_t)c);
	case SYS_chdir:
		return chdir(P(a));
	case SYS_fchdir:
		return fchdir(I(a));
	case SYS_unshare:
		return unshare(I(a));
	case SYS_chroot:
		return chroot(P(a));
	case SYS_prctl:
		return prctl(I(a), b, c, d, e);
	/* record mode: cJSON first, before the program cuts itself off (record.h) */
	case SYS_seccomp:
#ifdef SYS_landlock_restrict_self
	case SYS_landlock_restrict_self:
#endif
	case SYS_pivot_root:
	case SYS_setns:
		record_before_sandbox();
		return pass(nr, a, b, c, d, e, f);
	case SYS_clone:
		return cloned(a, nr, a, b, c, d, e, f);
	/*
	 * clone3's flags are behind a pointer, read by the kernel after any
	 * look: ENOSYS, as the seccomp layer answers, and a caller falls back
	 * to clone or fork (glibc's own clone3 is not made through here).
	 */
	case SYS_clone3:
		errno = ENOSYS;
		return -1;
#ifdef SYS_fork
	case SYS_fork:
		return cloned(0, nr, a, b, c, d, e, f);
#endif
	/* the log descriptor */
	case SYS_close:
		return close(I(a));
	case SYS_close_range:
		return close_range(U(a), U(b), I(c));
	case SYS_dup3:
		return dup3(I(a), I(b), I(c));
	/* network */
	case SYS_connect:
		return connect(I(a), SA(b), (socklen_t)c);
	case SYS_sendto:
		return sendto(I(a), (const void *)b, (size_t)c, I(d), SA(e), (socklen_t)f);
	case SYS_sendmsg:
		return sendmsg(I(a), (const struct msghdr *)b, I(c));
	case SYS_sendmmsg:
		return sendmmsg(I(a), (struct mmsghdr *)b, U(c), I(d));
	case SYS_setsockopt:
		return setsockopt(I(a), I(b), I(c), (const void *)d, (socklen_t)e);
	case SYS_bind:
		return bind(I(a), SA(b), (socklen_t)c);
	case SYS_listen:
		return listen(I(a), I(b));
	case SYS_accept:
		return accept(I(a), (struct sockaddr *)b, (socklen_t *)c);
	case SYS_accept4:
		return accept4(I(a), (struct sockaddr *)b, (socklen_t *)c, I(d));
#ifdef SYS_inotify_add_watch
	case SYS_inotify_add_watch:
		return inotify_add_watch(I(a), P(b), (uint32_t)c);
#endif
	/* exec */
	case SYS_execve:
		return execve(P(a), (char *const *)b, (char *const *)c);
	case SYS_execveat:
		return execveat(I(a), P(b), (char *const *)c, (char *const *)d, I(e));
	/* the SIGSYS handler */
	case SYS_rt_sigaction:
		return raw_sigaction(a, (const unsigned long *)b, c, d, e);
	default:
		return pass(nr, a, b, c, d, e, f);
	}
}
