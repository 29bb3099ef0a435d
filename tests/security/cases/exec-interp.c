// SPDX-License-Identifier: MIT
/* exec: a shell or an interpreter (HOW = sh or python) as the program, to leave $SEC_OUT/ran. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

extern char **environ;

int main(int argc, char **argv)
{
	char code[4200];
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "sh")) {
		snprintf(code, sizeof(code), "echo ran > '%s/ran'", case_env("SEC_OUT"));
		char *args[] = {(char *)"sh", (char *)"-c", code, NULL};
		execve("/bin/sh", args, environ);
	} else if (!strcmp(argv[1], "python")) {
		const char *py = case_env("SEC_PYTHON");
		char *args[] = {(char *)py, (char *)"-c",
				(char *)"import os; open(os.environ['SEC_OUT'] + '/ran', 'w')",
				NULL};
		execve(py, args, environ);
	} else {
		return 2;
	}
	case_report(argv[1], -1);
	return 1;
}
