// SPDX-License-Identifier: MIT
/* A shell started by HOW = system or popen, to run a builtin that leaves $SEC_OUT/ran. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

int main(int argc, char **argv)
{
	char cmd[4200];
	if (argc < 2)
		return 2;
	snprintf(cmd, sizeof(cmd), "echo ran > '%s/ran'", case_env("SEC_OUT"));
	if (!strcmp(argv[1], "system")) {
		int st = system(cmd);
		fprintf(stderr, "system: status=%d\n", st);
	} else if (!strcmp(argv[1], "popen")) {
		FILE *p = popen(cmd, "r");
		case_report("popen", p ? 0 : -1);
		if (p)
			fprintf(stderr, "pclose: status=%d\n", pclose(p));
	} else {
		return 2;
	}
	return 0;
}
