// SPDX-License-Identifier: MIT
/*
 * Preloaded after the shim, its constructor runs before the shim's: it
 * closes a pipe's end with close() and an in-memory stream with fclose(),
 * which the shim wraps, and says on stderr whether both really happened
 * ("early-close: close=0 gone=1 fclose=0").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

__attribute__((constructor)) static void early_close(void)
{
	int fds[2];
	char buf[16];

	if (raw_syscall(SYS_pipe2, fds, O_CLOEXEC) < 0)
		return;
	int c = close(fds[0]);
	int gone = raw_syscall(SYS_fcntl, fds[0], F_GETFD) < 0 && errno == EBADF;
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	int fc = f ? fclose(f) : -2;
	dprintf(2, "early-close: close=%d gone=%d fclose=%d\n", c, gone, fc);
	raw_syscall(SYS_close, fds[1]);
}
