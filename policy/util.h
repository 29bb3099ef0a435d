/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the policy library, the CLI and the tests:
 * cleanup attributes and ownership transfer. No logging, no allocation
 * of its own.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* Returns *p and sets *p to NULL: hands ownership to the caller. */
#define steal_ptr(p)                       \
	({                                 \
		__typeof__(p) *_pp = &(p); \
		__typeof__(p) _tmp = *_pp; \
		*_pp = NULL;               \
		_tmp;                      \
	})

/* Writes all of buf to fd (a short write goes on, EINTR is retried): 0 or -errno. */
static inline int write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
