/* SPDX-License-Identifier: MIT */
/*
 * fd_guard — the shim's own descriptors (the log, the record-mode table,
 * the profile handed down) kept alive through the program's closes and
 * dup2s, and inherited by what it runs.
 */
#pragma once

/*
 * Clears close-on-exec on the shim's descriptors, which the program may
 * have set (fcntl F_SETFD, os.set_inheritable): called on the way to an
 * exec or spawn, so that the program run still writes its events.
 */
void fd_guard_inheritable(void);

/*
 * A descriptor the shim holds for one call (a pin, file_ops.c): until
 * fd_guard_unpin, the program's close leaves it open and its dup2 or dup3
 * onto it fails with EBUSY; what the number is once this returns is what
 * it stays. Returns 0, or -EAGAIN (every slot taken, or a stream of the
 * program's closes that never ends).
 */
int fd_guard_pin(int fd);
void fd_guard_unpin(int fd);

/* In a fork child: no call holds a pin there. */
void fd_guard_after_fork_child(void);
