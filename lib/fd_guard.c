// SPDX-License-Identifier: MIT
/*
 * Keeps the log descriptor alive. Programs close "every other fd" before
 * exec (Python's close_fds=True, Java's ProcessBuilder, closefrom()) and may
 * dup2() over any number; the log fd is where every descendant writes its
 * events (DESIGN.md "Where events go"), so it is skipped by closes and moved
 * out of the way of dup2.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <unistd.h>

#include "child_env.h"
#include "real.h"
#include "record.h"
#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

static int log_fd_now(void)
{
	if (!atomic_load_explicit(&shim_ready, memory_order_acquire))
		return -1;
	return atomic_load_explicit(&shim.log_fd, memory_order_relaxed);
}

/*
 * The descriptors that are the shim's, not the program's: the log and the
 * record-mode table of learned behaviours. Ascending; returns how many.
 */
static int guarded(int out[2])
{
	int n = 0, log = log_fd_now();
	int learn =
		atomic_load_explicit(&shim_ready, memory_order_acquire) ? record_shared_fd() : -1;

	if (log >= 0)
		out[n++] = log;
	if (learn >= 0 && learn != log)
		out[n++] = learn;
	if (n == 2 && out[0] > out[1]) {
		int t = out[0];
		out[0] = out[1];
		out[1] = t;
	}
	return n;
}

EXPORT int close(int fd)
{
	/* guarded()'s two, asked directly: close is on every program's hot path. */
	if (fd >= 0 &&
	    (fd == log_fd_now() ||
	     (atomic_load_explicit(&shim_ready, memory_order_acquire) && fd == record_shared_fd())))
		return 0; /* the shim's, not the program's: pretend, as if it were already gone */
	shim_started();
	return real.close ? real.close(fd) : (errno = ENOSYS, -1);
}

/* libc's public alias of close. */
EXPORT extern __typeof(close) __close __attribute__((alias("close")));

/* close_range over [first, last] minus the guarded descriptors. */
static int close_range_split(unsigned int first, unsigned int last, int flags)
{
	int g[2], n = guarded(g), r = 0;
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
	int g[2], n = guarded(g);
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

EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		move_log_away(newfd);
	return real.dup2(oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		move_log_away(newfd);
	return real.dup3(oldfd, newfd, flags);
}
