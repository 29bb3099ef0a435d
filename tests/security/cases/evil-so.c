// SPDX-License-Identifier: MIT
/*
 * The payload of dlopen-denied: a shared object whose constructor runs as
 * soon as it is loaded, wherever it was loaded from.
 */
#include "case.h"

__attribute__((constructor)) static void evil_init(void)
{
	case_marker("ran");
}
