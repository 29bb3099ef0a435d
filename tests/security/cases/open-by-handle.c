// SPDX-License-Identifier: MIT
/*
 * files: the secret reopened from a file handle (name_to_handle_at +
 * open_by_handle_at): the kernel never sees a path. Needs
 * CAP_DAC_READ_SEARCH, which Lambda functions do not have.
 */
#include <fcntl.h>
#include <stdlib.h>

#include "case.h"

int main(void)
{
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id;
	h->handle_bytes = MAX_HANDLE_SZ;
	int r = name_to_handle_at(AT_FDCWD, case_env("SEC_SECRET"), h, &mount_id, 0);
	case_report("name_to_handle_at", r);
	if (r < 0)
		return 0;
	int mnt = open(case_env("SEC_WORK"), O_RDONLY | O_DIRECTORY);
	case_report("open(work)", mnt);
	int fd = open_by_handle_at(mnt, h, O_RDONLY);
	case_report("open_by_handle_at", fd);
	if (fd >= 0)
		case_leak_fd(fd, "open-by-handle");
	return 0;
}
