// SPDX-License-Identifier: MIT
/* libc evasion: the secret opened with syscall(3) (SYS_openat), not the open wrappers. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, case_env("SEC_SECRET"), O_RDONLY);
	case_report("syscall(SYS_openat)", fd);
	if (fd >= 0)
		case_leak_fd((int)fd, "raw-syscall");
	return 0;
}
