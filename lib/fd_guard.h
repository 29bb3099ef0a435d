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
 * posix_spawn_file_actions_addopen's part: an action opens a file at fd in
 * the child. Returns 0, or an error number for the caller to return.
 */
#include <spawn.h>
int fd_guard_file_action_open(posix_spawn_file_actions_t *fa, int fd);

/* Called in the child after fork (locks another thread held are reset). */
void fd_guard_after_fork_child(void);
