// SPDX-License-Identifier: MIT
/* Blocking SIGPIPE or SIGXFSZ around the shim's own writes. See sig_guard.h. */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include "raw_syscall.h"
#include "sig_guard.h"

void sig_guard_begin(struct sig_guard *g, int sig)
{
	sig_guard_begin_blocked(g, sig, 0);
}

void sig_guard_begin_blocked(struct sig_guard *g, int sig, uint64_t handler_blocked)
{
	uint64_t pending = 0;

	g->bit = sig_guard_bit(sig);
	g->old_mask = 0;
	g->was_pending = false;
	g->restore = !(handler_blocked & g->bit);
	if (!g->restore) {
		/*
		 * Blocked since the handler's entry: one pending now was sent to
		 * the program meanwhile (another thread's kill), and stays its.
		 */
		raw_syscall(SYS_rt_sigpending, &pending, sizeof(pending));
		g->was_pending = pending & g->bit;
		return;
	}
	raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, &g->bit, &g->old_mask, sizeof(g->bit));
	/* An unblocked signal is delivered before any code of this thread runs: none pending. */
	if (g->old_mask & g->bit) {
		raw_syscall(SYS_rt_sigpending, &pending, sizeof(pending));
		g->was_pending = pending & g->bit;
	}
}

void sig_guard_end(const struct sig_guard *g, bool raised)
{
	if (raised && !g->was_pending) {
		/* Takes one if pending, returns at once if not. */
		struct timespec now = {0};
		raw_syscall(SYS_rt_sigtimedwait, &g->bit, NULL, &now, sizeof(g->bit));
	}
	if (g->restore)
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &g->old_mask, NULL,
			    sizeof(g->old_mask));
}
