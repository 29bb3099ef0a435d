// SPDX-License-Identifier: MIT
#include "log_line.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "json_line.h"
#include "raw_syscall.h"

_Static_assert(JSON_LINE_MAX + 1 <= 4096, "an event and its newline fit in PIPE_BUF");

bool log_line_shares_output(int fd)
{
	struct stat log, out;

	if (fd < 0 || fstat(fd, &log) < 0)
		return false;
	for (int std = 1; std <= 2; std++)
		if (fstat(std, &out) == 0 && out.st_dev == log.st_dev && out.st_ino == log.st_ino)
			return true;
	return false;
}

int log_line_write(int fd, const char *line, size_t len, bool newline_first)
{
	char buf[JSON_LINE_MAX + 1];
	const char *p = line;
	size_t done = 0;

	if (newline_first && len < sizeof(buf)) {
		buf[0] = '\n';
		memcpy(buf + 1, line, len);
		p = buf;
		len++;
	}
	while (done < len) {
		/*
		 * The instruction itself: libc's write is a cancellation point, and an
		 * event written inside a call that is not one (stat, mkdir) must not
		 * make it one, or lose what record mode was learning.
		 */
		ssize_t n = raw_syscall(SYS_write, fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}
