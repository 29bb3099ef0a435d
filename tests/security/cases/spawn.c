// SPDX-License-Identifier: MIT
/*
 * A program outside the profile's exec rules started by HOW = posix_spawn,
 * posix_spawnp or execvp (both search $PATH, set to the program's directory).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "case.h"

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *prog = case_env("SEC_DENIED_PROG");
	char *args[] = {(char *)"denied-probe", (char *)"ran", NULL};
	pid_t pid;
	int r;
	if (!strcmp(argv[1], "posix_spawn")) {
		r = posix_spawn(&pid, prog, NULL, NULL, args, environ);
	} else if (!strcmp(argv[1], "posix_spawnp")) {
		r = posix_spawnp(&pid, "denied-probe", NULL, NULL, args, environ);
	} else if (!strcmp(argv[1], "execvp")) {
		execvp("denied-probe", args);
		case_report("execvp", -1);
		return 1;
	} else {
		return 2;
	}
	errno = r;
	case_report(argv[1], r ? -1 : 0);
	if (r == 0)
		waitpid(pid, NULL, 0);
	return 0;
}
