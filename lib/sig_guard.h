/* SPDX-License-Identifier: MIT */
/*
 * sig_guard — the shim's own writes never kill the program.
 *
 * A write to a pipe or socket whose reader went away raises SIGPIPE; a write
 * or ftruncate past RLIMIT_FSIZE raises SIGXFSZ: both kill by default. The
 * event log, the shared tables in memfds and the recorded profile are the
 * shim's, not the program's: between begin and end the signal is blocked in
 * this thread, and end takes back one the guarded calls raised (not one the
 * program had pending before) and restores the mask. Raw system calls only:
 * async-signal-safe (the SIGSYS handler, record mode's SIGTERM handler).
 *
 * A handler whose sa_mask already blocks the signal, where the code it
 * interrupted did not, says so with sig_guard_begin_blocked(): begin then
 * only asks what is pending, and end makes no system call unless a call
 * failed (the kernel restores the mask at sigreturn). Standard signals do
 * not queue: one the program is sent between that question and the write,
 * if the write raises one too, is taken back with it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct sig_guard {
	uint64_t bit;
	uint64_t old_mask;
	bool was_pending;
	bool restore;
};

void sig_guard_begin(struct sig_guard *g, int sig);

/*
 * raised: the guarded calls may have raised the signal (one failed with
 * EPIPE or EFBIG, or the caller does not know).
 */
void sig_guard_end(const struct sig_guard *g, bool raised);

/*
 * In a handler: handler_blocked holds the signals (bit sig - 1) its sa_mask
 * blocked on entry that the interrupted code had not. Passed with the event
 * (struct shim_event), not kept per thread: a handler left by a jump must
 * leave nothing behind.
 */
void sig_guard_begin_blocked(struct sig_guard *g, int sig, uint64_t handler_blocked);

static inline uint64_t sig_guard_bit(int sig)
{
	return 1ull << (sig - 1);
}
