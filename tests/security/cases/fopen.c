// SPDX-License-Identifier: MIT
/* glibc-internal open: fopen() opens without going through the PLT. */
#include <stdio.h>

#include "case.h"

int main(void)
{
	FILE *f = fopen(case_env("SEC_SECRET"), "r");
	case_report("fopen", f ? 0 : -1);
	if (f)
		case_leak_fd(fileno(f), "fopen");
	return 0;
}
