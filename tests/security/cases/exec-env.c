// SPDX-License-Identifier: MIT
/*
 * exec: a program the profile allows ($SEC_PROBE) started so that it would
 * run without fnguard, then asked to leak the secret. HOW = env-i (empty
 * environment), custom-envp (LD_PRELOAD emptied, FNGUARD_* rewritten),
 * unsetenv (LD_PRELOAD and FNGUARD_* removed from environ, then execv).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *probe = case_env("SEC_PROBE");
	char out[4200];
	snprintf(out, sizeof(out), "SEC_OUT=%s", case_env("SEC_OUT"));
	char *args[] = {(char *)probe, (char *)"ran", (char *)"--read",
			(char *)case_env("SEC_SECRET"), NULL};
	if (!strcmp(argv[1], "env-i")) {
		char *envp[] = {out, NULL};
		execve(probe, args, envp);
	} else if (!strcmp(argv[1], "custom-envp")) {
		char *envp[] = {out,
				(char *)"LD_PRELOAD=",
				(char *)"FNGUARD_MODE=record",
				(char *)"FNGUARD_PROFILE=/dev/null",
				(char *)"FNGUARD_LOG_FD=2",
				NULL};
		execve(probe, args, envp);
	} else if (!strcmp(argv[1], "unsetenv")) {
		unsetenv("LD_PRELOAD");
		for (int again = 1; again;) {
			again = 0;
			for (char **e = environ; *e; e++) {
				if (!strncmp(*e, "FNGUARD_", 8)) {
					char name[256];
					size_t n = strcspn(*e, "=");
					snprintf(name, sizeof(name), "%.*s", (int)n, *e);
					unsetenv(name);
					again = 1;
					break;
				}
			}
		}
		execv(probe, args);
	} else {
		return 2;
	}
	case_report(argv[1], -1);
	return 1;
}
