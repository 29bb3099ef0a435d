// SPDX-License-Identifier: MIT
#include <dlfcn.h>

#include "real.h"

struct real_symbols real;

void real_resolve(void)
{
#define REAL_LOOKUP(ret, name, params) real.name = (ret(*) params)dlsym(RTLD_NEXT, #name);
	REAL_SYMBOLS(REAL_LOOKUP)
#undef REAL_LOOKUP
}
