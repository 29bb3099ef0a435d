// SPDX-License-Identifier: MIT
/*
 * Keeps the log descriptor alive. Programs close "every other fd" before
 * exec (Python's close_fds=True, Java's ProcessBuilder, closefrom()) and may
 * dup2() over any number; the log fd is where every descendant writes its
 * events (DESIGN.md "Where events go"), so it is skipped by closes and moved
 * out of the way of dup2.
 */
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child_env.h"
#include "fd_guard.h"
#include "path_resolve.h"
#include "real.h"
#include "profile_share.h"
#include "record.h"
#include "shim.h"
#include "syscall_ops.h"

#define EXPORT __attribute__((visibility("default")))

static int log_fd_now(void)
{
	if (!atomic_load_explicit(&shim_ready, memory_order_acquire))
		return -1;
	return atomic_load_explicit(&shim.log_fd, memory_order_relaxed);
}

#define GUARDED_MAX 3

/*
 * The descriptors that are the shim's, not the program's: the log, the
 * record-mode table of learned behaviours and the profile handed to
 * descendants (profile_share.h). Ascending, distinct; returns how many.
 */
static int guarded(int out[GUARDED_MAX])
{
	bool ready = atomic_load_explicit(&shim_ready, memory_order_acquire);
	int fds[GUARDED_MAX] = {log_fd_now(), ready ? record_shared_fd() : -1,
				ready ? profile_share_fd() : -1};
	int n = 0;

	for (int i = 0; i < GUARDED_MAX; i++) {
		int fd = fds[i], j = n;
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= out[k] == fd;
		if (fd < 0 || dup)
			continue;
		while (j > 0 && out[j - 1] > fd) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = fd;
		n++;
	}
	return n;
}

void fd_guard_inheritable(void)
{
	int g[GUARDED_MAX], n = guarded(g);

	/* Raw: a system call each, about to be made anyway by the exec it precedes. */
	for (int i = 0; i < n; i++)
		shim_syscall(SYS_fcntl, g[i], F_SETFD, 0);
}

/* guarded() asked about one number: close is on every program's hot path. */
static bool is_guarded(int fd)
{
	if (fd == log_fd_now())
		return true;
	return atomic_load_explicit(&shim_ready, memory_order_acquire) &&
	       (fd == record_shared_fd() || fd == profile_share_fd());
}

EXPORT int close(int fd)
{
	if (fd >= 0 && is_guarded(fd))
		return 0; /* the shim's, not the program's: pretend, as if it were already gone */
	shim_started();
	return real.close ? real.close(fd) : (errno = ENOSYS, -1);
}

/* A stream on the shim's descriptor would close it with libc's own close. */
EXPORT FILE *fdopen(int fd, const char *mode)
{
	if (fd >= 0 && is_guarded(fd)) {
		errno = EBADF; /* not the program's: as if it were already gone */
		return NULL;
	}
	return real.fdopen ? real.fdopen(fd, mode) : (errno = ENOSYS, NULL);
}

/* libc's public alias of close. */
EXPORT extern __typeof(close) __close __attribute__((alias("close")));

/* close_range over [first, last] minus the guarded descriptors. */
static int close_range_split(unsigned int first, unsigned int last, int flags)
{
	int g[GUARDED_MAX], n = guarded(g), r = 0;
	unsigned int cur = first;

	for (int i = 0; i < n; i++) {
		unsigned int fd = (unsigned)g[i];
		if (fd < cur || fd > last)
			continue;
		if (fd > cur && real.close_range(cur, fd - 1, flags) < 0)
			r = -1;
		if (fd == last)
			return r;
		cur = fd + 1;
	}
	if (real.close_range(cur, last, flags) < 0)
		r = -1;
	return r;
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!real.close_range) {
		errno = ENOSYS;
		return -1;
	}
	return close_range_split(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	int g[GUARDED_MAX], n = guarded(g);
	if (lowfd < 0)
		lowfd = 0;
	if (n == 0 || g[n - 1] < lowfd || !real.close_range) {
		real.closefrom(lowfd);
		return;
	}
	close_range_split((unsigned)lowfd, ~0u, 0);
}

/* Moves the log fd when the program wants its number. Returns false if it could not. */
static void move_log_away(int wanted)
{
	int log = log_fd_now();
	/*
	 * A vfork child has its own descriptors but the parent's memory: moving
	 * the number there would point the parent at the wrong fd. That child
	 * loses its log instead (it is about to exec anyway).
	 */
	if (log < 0 || wanted != log || child_env_in_vfork_child())
		return;
	int moved = fcntl(log, F_DUPFD, log + 1);
	if (moved < 0)
		moved = fcntl(log, F_DUPFD, 3);
	/* dup2 closes the old number itself; children get the new one at exec. */
	atomic_store(&shim.log_fd, moved);
}

/*
 * The program wants the number of the profile handed down: it becomes the
 * program's (profile_share.h). Not from a vfork child, whose memory is its
 * parent's: that child's program finds another file there and reads the
 * profile itself.
 */
static void share_given_up(int wanted)
{
	if (wanted >= 0 && wanted == profile_share_fd() && !child_env_in_vfork_child())
		profile_share_forget(wanted);
}

EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd) {
		move_log_away(newfd);
		share_given_up(newfd);
	}
	return real.dup2(oldfd, newfd);
}

/*
 * posix_spawn's file actions run in the child through libc's internal
 * calls, which no interposer sees: a close or dup2 onto the log is seen when
 * it is added, and the log moves away before the child is made.
 */
EXPORT int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
	move_log_away(fd);
	share_given_up(fd);
	if (!real.posix_spawn_file_actions_addclose)
		return ENOSYS;
	return real.posix_spawn_file_actions_addclose(fa, fd);
}

/*
 * closefrom as a file action (Python 3.13's subprocess adds one for
 * close_fds): split around the shim's descriptors. The program's open ones
 * between lowfd and the last of the shim's are closed one by one (listed
 * now, from /proc, or probed without it), everything above the shim's by
 * closefrom. glibc refuses numbers at or above the descriptor limit (a
 * lowered one leaves the shim's above it): those are left to the child.
 * A descriptor opened between this call and the spawn in that range is
 * not closed in the child.
 */
static bool shims(int fd, const int *g, int n)
{
	for (int i = 0; i < n; i++)
		if (g[i] == fd)
			return true;
	return false;
}

static int add_close(posix_spawn_file_actions_t *fa, long fd, int lowfd, int top, long limit,
		     const int *g, int n)
{
	if (fd < lowfd || fd > top || fd >= limit || shims((int)fd, g, n))
		return 0;
	return real.posix_spawn_file_actions_addclose(fa, (int)fd);
}

static int add_closes_below(posix_spawn_file_actions_t *fa, int lowfd, int top, long limit,
			    const int *g, int n)
{
	char buf[4096];
	const char *fds = proc_fd_dir();
	int dir = fds ? (int)shim_syscall(SYS_openat, AT_FDCWD, fds,
					  O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		      : -1;
	if (dir < 0) {
		/* No /proc: every number in the range asked (bounded by the shim's last). */
		int err = 0;
		for (long fd = lowfd; fd <= top && fd < limit && !err; fd++)
			if (shim_syscall(SYS_fcntl, (int)fd, F_GETFD) >= 0)
				err = add_close(fa, fd, lowfd, top, limit, g, n);
		return err;
	}
	int err = 0;
	for (;;) {
		long got = shim_syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (got <= 0) {
			err = got < 0 ? errno : 0;
			break;
		}
		for (long off = 0; off < got && !err;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);
			off += d->d_reclen;
			char *end;
			long fd = strtol(d->d_name, &end, 10);
			if (!*end && end != d->d_name && fd != dir)
				err = add_close(fa, fd, lowfd, top, limit, g, n);
		}
		if (err)
			break;
	}
	shim_syscall(SYS_close, dir);
	return err;
}

EXPORT int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int lowfd)
{
	int g[GUARDED_MAX], n = guarded(g);
	struct rlimit rl;
	long limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)INT_MAX
			     ? (long)rl.rlim_cur
			     : INT_MAX;

	if (!real.posix_spawn_file_actions_addclosefrom_np ||
	    !real.posix_spawn_file_actions_addclose)
		return ENOSYS;
	if (n == 0 || lowfd < 0 || g[n - 1] < lowfd)
		return real.posix_spawn_file_actions_addclosefrom_np(fa, lowfd);
	int err = add_closes_below(fa, lowfd, g[n - 1], limit, g, n);
	if (err || (long)g[n - 1] + 1 >= limit)
		return err;
	return real.posix_spawn_file_actions_addclosefrom_np(fa, g[n - 1] + 1);
}

EXPORT int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int oldfd, int newfd)
{
	if (oldfd != newfd) {
		move_log_away(newfd);
		share_given_up(newfd);
	}
	if (!real.posix_spawn_file_actions_adddup2)
		return ENOSYS;
	return real.posix_spawn_file_actions_adddup2(fa, oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd) {
		move_log_away(newfd);
		share_given_up(newfd);
	}
	return real.dup3(oldfd, newfd, flags);
}
