/* SPDX-License-Identifier: MIT */
/*
 * cwd — the current directory, cached for judging relative paths.
 *
 * getcwd(2) costs more than the calls it would help judge (a syscall on
 * every relative open), so the shim keeps the last value and drops it when
 * the program changes directory through libc (chdir, fchdir are wrapped).
 * A raw chdir syscall bypasses the cache, as it bypasses every libc
 * wrapper: the libc layer is advisory against native code (DESIGN.md).
 * Lock-free: a generation counter, odd while the buffer is being written.
 *
 * The epoch is odd while a chdir is under way (counted up before the system
 * call and after it), and odd for good once threads may have directories of
 * their own (unshare(CLONE_FS), a clone without CLONE_FS): then nothing is
 * cached, and every relative open is checked on its descriptor.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Copies the current directory into buf. Returns 0, or a negative errno
 * from getcwd (ENOENT when it was deleted, ERANGE). Async-signal-safe.
 */
int cwd_get(char *buf, size_t size, size_t *ret_len);

/*
 * cwd_get without the remembered value: getcwd(2), published for the epoch
 * (or compared with what is, a difference starting a new one). For names
 * that climb with "..", judged against where the directory is now.
 */
int cwd_get_fresh(char *buf, size_t size, size_t *ret_len);

/*
 * A number that changes whenever the program changes directory through libc:
 * an answer about a relative path is valid while it stays the same, and
 * even. Read it before judging a relative path; cwd_moved() after the call
 * says whether another thread's chdir may have run in between.
 */
uint64_t cwd_epoch(void);

static inline bool cwd_moved(uint64_t before, uint64_t now)
{
	return (before & 1) || now != before;
}

/*
 * After a call relative to the working directory: whether its path now
 * (getcwd(2)) is still the one remembered for epoch before, which the name
 * was judged against. A rename of the directory or of one above it (which
 * no chdir announces) makes it false, and starts a new epoch so that no
 * answer about the old path is used again. One system call: a sixth of
 * what readlink of /proc/self/fd/N costs here. Async-signal-safe.
 */
bool cwd_unmoved(uint64_t before);

/* After fork, in the child: what another thread was doing is not under way there. */
void cwd_after_fork_child(void);

/* Threads may have directories of their own from now on: no more caching. */
void cwd_unshared(void);
