// SPDX-License-Identifier: MIT
/* libc evasion: the secret opened with the program's own syscall instruction. */
#include <fcntl.h>
#include <sys/syscall.h>

#include "case.h"

int main(void)
{
	long fd = case_raw6(SYS_openat, AT_FDCWD, (long)case_env("SEC_SECRET"), O_RDONLY, 0, 0, 0);
	case_report("inline syscall openat", fd);
	if (fd >= 0)
		case_leak_fd((int)fd, "inline-syscall");
	return 0;
}
