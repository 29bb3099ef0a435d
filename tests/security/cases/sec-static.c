// SPDX-License-Identifier: MIT
/*
 * sec-static FILE: a statically linked program (LD_PRELOAD never loads into
 * it) that leaks FILE, as a Go or Rust function would read it.
 */
#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	return case_leak_path(argv[1], "static") < 0 ? 1 : 0;
}
