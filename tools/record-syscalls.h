/* SPDX-License-Identifier: MIT */
/*
 * fnguard record: the system calls a run makes beyond what its --extends
 * profiles list (tools/record-syscalls.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct policy;
struct record_sys;

/*
 * Prepares to learn the calls base does not list, writing the events to
 * event_fd (the pipe the shim's events go to); argv is the command as
 * launch_run_hooked() will exec it, oracle the --extends profiles with
 * every name listed (record_sys_all_names()). *ret is NULL when there is
 * nothing to learn: base lists no syscalls (then enforce filters none by
 * name either). Returns 0 or -errno (reported on stderr).
 */
int record_sys_new(const struct policy *base, const struct policy *oracle, int event_fd,
		   char *const *argv, struct record_sys **ret);

/*
 * The "syscalls" member that lists every name a profile can list (the
 * dangerous set aside): with the --extends profiles, the oracle
 * record_sys_new() needs (what enforce refuses whatever is listed).
 * Caller frees; NULL when out of memory.
 */
char *record_sys_all_names(void);

/*
 * In the child, between fork and exec: installs the filter and hands its
 * listener to the parent (async-signal-safe). The command runs whether or
 * not the kernel took it; the parent says what it refused.
 */
void record_sys_child(void *rs);

/*
 * In the parent, after the fork: takes the listener and starts answering.
 * Returns 0, or -errno when the child could not install the filter (said
 * on stderr: the run is recorded without its system calls).
 */
int record_sys_parent(void *rs);

/*
 * After the command ended: stops learning (once no call came for 100 ms,
 * a second at most; what the command left running is then answered by a
 * process of its own until it is gone, unlearned), writes the counts of
 * calls enforce will refuse that were counted rather than logged,
 * says on stderr what was learned. Frees rs. Returns that count.
 */
size_t record_sys_finish(struct record_sys *rs);
