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
