// SPDX-License-Identifier: MIT
/* Blocking SIGXFSZ around the shim's own writes. See fsize_guard.h. */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include "fsize_guard.h"
#include "raw_syscall.h"

static const uint64_t xfsz_bit = 1ull << (SIGXFSZ - 1);

void fsize_guard_begin(struct fsize_guard *g)
{
	uint64_t pending = 0;

	g->old_mask = 0;
	raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, &xfsz_bit, &g->old_mask, sizeof(xfsz_bit));
	raw_syscall(SYS_rt_sigpending, &pending, sizeof(pending));
	g->was_pending = pending & xfsz_bit;
}

void fsize_guard_end(const struct fsize_guard *g)
{
	uint64_t pending = 0;

	raw_syscall(SYS_rt_sigpending, &pending, sizeof(pending));
	if ((pending & xfsz_bit) && !g->was_pending) {
		struct timespec now = {0};
		raw_syscall(SYS_rt_sigtimedwait, &xfsz_bit, NULL, &now, sizeof(xfsz_bit));
	}
	raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &g->old_mask, NULL, sizeof(g->old_mask));
}
