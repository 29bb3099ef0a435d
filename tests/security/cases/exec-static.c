// SPDX-License-Identifier: MIT
/*
 * exec: a static program the profile allows to run ($SEC_STATIC), which
 * LD_PRELOAD cannot enter, asked to leak the secret.
 */
#include <unistd.h>

#include "case.h"

extern char **environ;

int main(void)
{
	const char *prog = case_env("SEC_STATIC");
	char *args[] = {(char *)prog, (char *)case_env("SEC_SECRET"), NULL};
	execve(prog, args, environ);
	case_report("execve(static)", -1);
	return 1;
}
