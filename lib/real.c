// SPDX-License-Identifier: MIT
#include <dlfcn.h>

#include "dl_ops.h"
#include "real.h"

struct real_symbols real;

void real_resolve(void)
{
	/* libc's dlsym itself: the exported one is the shim's (dl_ops.h). */
	if (dl_ops_resolve() < 0)
		return;
		/* ret and params are a type and a parameter list: parentheses would break them. */
		// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define REAL_LOOKUP(ret, name, params) real.name = (ret(*) params)dl_ops_next(#name);
	REAL_SYMBOLS(REAL_LOOKUP)
#undef REAL_LOOKUP
}
