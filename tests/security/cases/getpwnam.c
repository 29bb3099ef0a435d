// SPDX-License-Identifier: MIT
/* glibc-internal fopen: getpwnam() reads /etc/passwd through name service switch. */
#include <pwd.h>
#include <stdio.h>

#include "case.h"

int main(void)
{
	struct passwd *pw = getpwnam("root");
	case_report("getpwnam(root)", pw ? 0 : -1);
	if (pw)
		printf("pw=%s:%u:%s\n", pw->pw_name, (unsigned)pw->pw_uid, pw->pw_dir);
	return 0;
}
