// SPDX-License-Identifier: MIT
/*
 * fnguard-trace — `fnguard trace`, a program of its own so that only it
 * links libbpf: fnguard runs it with the arguments it was given from
 * "trace" on (fnguard.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	if (argc < 1)
		return EXIT_USAGE;
	int status = cmd_trace(argc, argv);
	/* Output that did not reach stdout (a full disk, a closed pipe) is a failure. */
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fnguard trace: cannot write to stdout: %s\n",
			strerror(errno ? errno : EIO));
		if (status == EXIT_OK)
			status = EXIT_USAGE;
	}
	return status;
}
