// SPDX-License-Identifier: MIT
#include <errno.h>
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
/* One writer at a time; a thread that finds it taken simply does not cache. */
static atomic_flag writing = ATOMIC_FLAG_INIT;

void cwd_invalidate(void)
{
	atomic_fetch_add(&epoch, 2);
	atomic_store(&generation, 0);
}

uint64_t cwd_epoch(void)
{
	return atomic_load_explicit(&epoch, memory_order_acquire);
}

int cwd_get(char *buf, size_t size, size_t *ret_len)
{
	uint64_t g1 = atomic_load_explicit(&generation, memory_order_acquire);
	if (g1 && !(g1 & 1) && g1 == atomic_load(&epoch) && cached_len < size) {
		size_t len = cached_len;
		memcpy(buf, cached, len + 1);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&generation, memory_order_relaxed) == g1) {
			*ret_len = len;
			return 0;
		}
	}
	/* The epoch before asking: a chdir after this point makes the answer stale. */
	uint64_t e = atomic_load(&epoch);
	if (!getcwd(buf, size))
		return -errno;
	*ret_len = strlen(buf);
	/*
	 * Publish under the writer flag, only if no chdir happened since e was
	 * read. Never from a vfork child: its memory is its parent's, whose
	 * directory it may no longer share.
	 */
	if (*ret_len >= sizeof(cached) || child_env_in_vfork_child() ||
	    atomic_flag_test_and_set(&writing))
		return 0;
	atomic_store(&generation, e | 1);
	memcpy(cached, buf, *ret_len + 1);
	cached_len = *ret_len;
	uint64_t odd = e | 1;
	atomic_compare_exchange_strong(&generation, &odd, atomic_load(&epoch) == e ? e : 0);
	atomic_flag_clear(&writing);
	return 0;
}

EXPORT int chdir(const char *path)
{
	int r = real.chdir(path);
	cwd_invalidate();
	return r;
}

EXPORT int fchdir(int fd)
{
	int r = real.fchdir(fd);
	cwd_invalidate();
	return r;
}
