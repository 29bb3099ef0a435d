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
 * event_fd (the pipe the shim's events go to). *ret is NULL when there is
 * nothing to learn: base lists no syscalls (then enforce filters none by
 * name either). Returns 0 or -errno (reported on stderr).
 */
int record_sys_new(const struct policy *base, int event_fd, struct record_sys **ret);

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
 * After the command ended: stops answering (what the command left running
 * gets ENOSYS for a call the base does not list), writes the counts of
 * rate-limited refusals, and says on stderr what was learned. Frees rs.
 */
void record_sys_finish(struct record_sys *rs);
