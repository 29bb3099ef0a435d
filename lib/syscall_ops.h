/* SPDX-License-Identifier: MIT */
/*
 * syscall_ops — libc's syscall() function, wrapped.
 *
 * Native code that steps around the libc wrappers usually does it through
 * syscall(3): libuv's fs.stat is syscall(SYS_statx, ...), and so is the
 * first thing an injected payload tries. Path, network, exec and
 * descriptor calls made that way are judged exactly as the libc function of
 * the same name (the event names that function), then made. Everything
 * else passes straight through. An inline syscall instruction never comes
 * here: that is the seccomp layer's job.
 */
#pragma once

#include <stddef.h>

struct open_how;

/*
 * The shim's own raw system calls: straight to the kernel (libc's syscall()
 * once it is resolved), never through the wrapper above, so the shim does not
 * judge itself. Returns like syscall(3).
 */
long shim_syscall(long nr, ...);

/*
 * Judges reading the file at path for op, a libc function that opens it
 * out of the wrappers' sight (dlopen's library, the NSS databases).
 * Returns 0, or -1 with errno = EACCES when it is blocked (file_ops.c).
 */
int file_ops_guard_read(const char *op, const char *path);
/*
 * A name that cannot be judged (a dlopen name with a dynamic string token):
 * logged as a violation with why, and refused in enforce (-1, EACCES);
 * 0 in alert and record mode, or with the shim inactive or busy.
 */
int file_ops_refuse_unjudged(const char *op, const char *path, const char *why);

/* openat2 with the open_how copied before it is judged (file_ops.c). */
long file_ops_openat2(int dirfd, const char *path, const struct open_how *how, size_t size);
