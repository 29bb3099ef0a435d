// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "child_env.h"
#include "cwd.h"
#include "real.h"
#include "shim.h"
#include "large_bss.h"

#define EXPORT __attribute__((visibility("default")))

static char cached[PATH_MAX] LARGE_BSS;
static size_t cached_len;
/* Even and non-zero: cached is valid for that generation. Odd: being written. 0: empty. */
static atomic_uint_fast64_t generation;
static atomic_uint_fast64_t epoch = 2;
static atomic_bool unshared;
/* One writer at a time; a thread that finds it taken simply does not cache. */
static atomic_flag writing = ATOMIC_FLAG_INIT;

void cwd_unshared(void)
{
	atomic_store(&unshared, true);
	atomic_store(&generation, 0);
}

uint64_t cwd_epoch(void)
{
	uint64_t e = atomic_load_explicit(&epoch, memory_order_acquire);
	/* Odd for good once threads may have directories of their own. */
	return atomic_load_explicit(&unshared, memory_order_relaxed) ? e | 1 : e;
}

int cwd_get(char *buf, size_t size, size_t *ret_len)
{
	uint64_t g1 = atomic_load_explicit(&generation, memory_order_acquire);
	if (g1 && !(g1 & 1) && g1 == cwd_epoch() && cached_len < size) {
		size_t len = cached_len;
		memcpy(buf, cached, len + 1);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&generation, memory_order_relaxed) == g1) {
			*ret_len = len;
			return 0;
		}
	}
	/* The epoch before asking: a chdir after this point makes the answer stale. */
	uint64_t e = cwd_epoch();
	if (!getcwd(buf, size))
		return -errno;
	*ret_len = strlen(buf);
	/*
	 * Publish under the writer flag, only if no chdir happened since e was
	 * read. Never from a vfork child: its memory is its parent's, whose
	 * directory it may no longer share.
	 */
	if (*ret_len >= sizeof(cached) || (e & 1) || child_env_in_vfork_child() ||
	    atomic_flag_test_and_set(&writing))
		return 0;
	atomic_store(&generation, e | 1);
	memcpy(cached, buf, *ret_len + 1);
	cached_len = *ret_len;
	uint64_t odd = e | 1;
	atomic_compare_exchange_strong(&generation, &odd, cwd_epoch() == e ? e : 0);
	atomic_flag_clear(&writing);
	return 0;
}

/*
 * Counted up before the system call and after it: a thread that judged a
 * relative path with the epoch from before, and runs its call while this
 * one moves, sees another number afterwards (file_ops.c checks the
 * descriptor then).
 */
static void moving(void)
{
	atomic_fetch_add(&epoch, 1);
	atomic_store(&generation, 0);
}

EXPORT int chdir(const char *path)
{
	moving();
	int r = real.chdir(path);
	moving();
	return r;
}

EXPORT int fchdir(int fd)
{
	moving();
	int r = real.fchdir(fd);
	moving();
	return r;
}

/* A thread with a directory of its own would make the shared cache lie to the others. */
EXPORT int unshare(int flags)
{
	int r = real.unshare ? real.unshare(flags) : (errno = ENOSYS, -1);
	if (r == 0 && (flags & CLONE_FS))
		cwd_unshared();
	return r;
}
