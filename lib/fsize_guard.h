/* SPDX-License-Identifier: MIT */
/*
 * fsize_guard — the shim's own file writes never kill the program.
 *
 * A write or ftruncate past RLIMIT_FSIZE fails with EFBIG and also sends
 * SIGXFSZ, which kills by default: a program run under `ulimit -f` that
 * writes no file itself would die of the shim's (its shared tables in
 * memfds, the recorded profile) before main or at exit. Between begin and
 * end the signal is blocked in this thread; end takes back one the writes
 * raised (not one that was pending before) and restores the mask. Raw
 * system calls only: async-signal-safe (record mode's SIGTERM handler).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct fsize_guard {
	uint64_t old_mask;
	bool was_pending;
};

void fsize_guard_begin(struct fsize_guard *g);
void fsize_guard_end(const struct fsize_guard *g);
