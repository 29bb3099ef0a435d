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
#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

static int log_fd_now(void)
{
	if (!atomic_load_explicit(&shim_ready, memory_order_acquire))
		return -1;
	return atomic_load_explicit(&shim.log_fd, memory_order_relaxed);
}

EXPORT int close(int fd)
{
	if (fd >= 0 && fd == log_fd_now())
		return 0; /* the shim's, not the program's: pretend, as if it were already gone */
	return real.close ? real.close(fd) : (errno = ENOSYS, -1);
}

/* libc's public alias of close. */
EXPORT extern __typeof(close) __close __attribute__((alias("close")));

static int close_range_split(unsigned int first, unsigned int last, int flags)
{
	int log = log_fd_now();
	if (log < 0 || (unsigned)log < first || (unsigned)log > last)
		return real.close_range(first, last, flags);
	int r = 0;
	if ((unsigned)log > first && real.close_range(first, (unsigned)log - 1, flags) < 0)
		r = -1;
	if ((unsigned)log < last && real.close_range((unsigned)log + 1, last, flags) < 0)
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
	int log = log_fd_now();
	if (log < 0 || log < lowfd || !real.close_range) {
		real.closefrom(lowfd);
		return;
	}
	if (log > lowfd)
		real.close_range((unsigned)lowfd, (unsigned)log - 1, 0);
	real.closefrom(log + 1);
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
