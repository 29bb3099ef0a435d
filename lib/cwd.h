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
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Copies the current directory into buf. Returns 0, or a negative errno
 * from getcwd (ENOENT when it was deleted, ERANGE). Async-signal-safe.
 */
int cwd_get(char *buf, size_t size, size_t *ret_len);

/*
 * A number that changes whenever the program changes directory through libc:
 * an answer about a relative path is valid while it stays the same.
 */
uint64_t cwd_epoch(void);

/* Forgets the cached value (after chdir/fchdir, in a fork child). */
void cwd_invalidate(void);
