// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>

#include "jump_ops.h"
#include "real.h"
#include "seccomp_layer.h"
#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

/*
 * Whatever shim call this thread was in is over. A jump rarely lands inside
 * one (the shim's code makes none, and libc and the resolver jump through
 * their internal functions); one that does (a handler's own jump inside a
 * handler that interrupted a shim call) has what is left of that call
 * judged, and shim_leave stops at 0. Before the shim's constructor (another
 * library's constructor jumping), libc's functions are looked up first.
 */
static void jumping_out(void)
{
	int saved = errno;
	if (!REAL(longjmp) || !REAL(_longjmp) || !REAL(siglongjmp) || !REAL(__longjmp_chk))
		real_resolve();
	if (!REAL(longjmp) || !REAL(_longjmp) || !REAL(siglongjmp) || !REAL(__longjmp_chk))
		abort(); /* no libc to jump with: nothing sane to return to */
	shim_busy = 0;
	shim_busy_child = 0;
	seccomp_layer_forget_handler();
	exec_ops_jumped_out();
	errno = saved;
}

EXPORT void longjmp(jmp_buf env, int val)
{
	jumping_out();
	REAL(longjmp)(env, val);
	__builtin_unreachable();
}

EXPORT void _longjmp(jmp_buf env, int val)
{
	jumping_out();
	REAL(_longjmp)(env, val);
	__builtin_unreachable();
}

EXPORT void siglongjmp(sigjmp_buf env, int val)
{
	jumping_out();
	REAL(siglongjmp)(env, val);
	__builtin_unreachable();
}

/* What _FORTIFY_SOURCE builds call for the three. */
void __longjmp_chk(sigjmp_buf env, int val);
EXPORT void __longjmp_chk(sigjmp_buf env, int val)
{
	jumping_out();
	REAL(__longjmp_chk)(env, val);
	__builtin_unreachable();
}
