// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

#include "dl_ops.h"
#include "real.h"
#include "shim.h"

struct real_symbols real;

/* Names no object defines: asked once (dlsym's answer was NULL too). */
static bool absent[REAL_COUNT];

void *real_lookup(enum real_index i, const char *name)
{
	if (__atomic_load_n(&absent[i], __ATOMIC_RELAXED) || dl_ops_resolve() < 0)
		return NULL;
	void *fn = dl_ops_next(name);
	if (!fn)
		__atomic_store_n(&absent[i], true, __ATOMIC_RELAXED);
	return fn;
}

void real_resolve(void)
{
	if (dl_ops_resolve() < 0 || dl_ops_next_mirrored())
		return;
		/* ret and params are a type and a parameter list: parentheses would break them. */
		// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define REAL_LOOKUP(ret, name, params) (void)REAL(name);
	REAL_SYMBOLS(REAL_LOOKUP)
#undef REAL_LOOKUP
}

char *real_realpath(const char *path, char *resolved)
{
	char *(*f)(const char *, char *) = REAL(realpath);
	if (!f) {
		errno = ENOSYS;
		return NULL;
	}
	return f(path, resolved);
}
