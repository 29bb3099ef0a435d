// SPDX-License-Identifier: MIT
/*
 * sec-probe NAME [--read FILE] [--personality]: the program the exec cases
 * try to start. Leaves $SEC_OUT/NAME behind (it ran), leaks FILE if it can
 * read it (a child that escaped the profile), and with --personality leaves
 * $SEC_OUT/persona when it started with address randomisation turned off.
 */
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int r = case_marker(argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--read") && i + 1 < argc)
			case_leak_path(argv[++i], "probe");
		else if (!strcmp(argv[i], "--personality") &&
			 (personality(0xffffffff) & ADDR_NO_RANDOMIZE))
			case_marker("persona");
	}
	return r < 0 ? 1 : 0;
}
