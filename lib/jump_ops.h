/* SPDX-License-Identifier: MIT */
/*
 * jump_ops — a longjmp out of a shim call. A program's signal handler that
 * jumps (alarm and siglongjmp around a DNS lookup: wget's --dns-timeout,
 * curl's synchronous resolver) leaves the shim call it interrupted
 * unfinished: its guard entered (nothing the thread calls afterwards would be
 * judged) and, in wordexp, a lock held. The jump goes through the
 * shim's longjmp first, which leaves both.
 */
#pragma once

/*
 * The lock held across a wait a handler can jump out of (exec_ops.c:
 * wordexp's environment), let go by this thread when it jumps.
 * gethostbyname's (net_ops.c) is not: glibc's gethostbyname holds a lock of
 * its own there, which a jump leaves held with or without the shim.
 */
void exec_ops_jumped_out(void);
