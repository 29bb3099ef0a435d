// SPDX-License-Identifier: MIT
/* glibc-internal open: mkstemp() creating a file in a directory the profile makes read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "case.h"

int main(void)
{
	char path[4200];
	case_path(path, sizeof(path), case_env("SEC_RO"), "planted-XXXXXX");
	int fd = mkstemp(path);
	case_report("mkstemp", fd);
	if (fd >= 0)
		(void)!write(fd, "planted\n", 8);
	return 0;
}
