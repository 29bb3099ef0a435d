// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>

#include "jump_ops.h"
#include "real.h"
#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

/*
 * Whatever shim call this thread was in is over. A jump never lands inside
 * one: the shim's code makes none, and what it calls (libc, the resolver)
 * jumps through libc's internal functions, not these.
 */
static void jumping_out(void)
{
	int saved = errno;
	shim_busy = 0;
	exec_ops_jumped_out();
	errno = saved;
}

EXPORT void longjmp(jmp_buf env, int val)
{
	jumping_out();
	real.longjmp(env, val);
	__builtin_unreachable();
}

EXPORT void _longjmp(jmp_buf env, int val)
{
	jumping_out();
	real._longjmp(env, val);
	__builtin_unreachable();
}

EXPORT void siglongjmp(sigjmp_buf env, int val)
{
	jumping_out();
	real.siglongjmp(env, val);
	__builtin_unreachable();
}

/* What _FORTIFY_SOURCE builds call for the three. */
void __longjmp_chk(sigjmp_buf env, int val);
EXPORT void __longjmp_chk(sigjmp_buf env, int val)
{
	jumping_out();
	real.__longjmp_chk(env, val);
	__builtin_unreachable();
}
