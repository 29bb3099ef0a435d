// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "syscall_ops.h"
#include "thread_scratch.h"

__thread struct thread_scratch *thread_scratch_mine __attribute__((tls_model("initial-exec")));
static pthread_key_t kept_key;
/*
 * As exec_ops.c's kept_mem_key: made at the shim's start, never on a
 * judgement's way, and used only in the thread's first block of keys,
 * where pthread_setspecific allocates nothing (a vfork child judges too).
 * Otherwise a thread's scratch outlives it.
 */
static bool kept_keyed;

static void kept_release(void *m)
{
	/* The thread's own, ending: a later key's destructor may still judge (mapped again). */
	thread_scratch_mine = NULL;
	shim_syscall(SYS_munmap, m, sizeof(struct thread_scratch));
}

void thread_scratch_init(void)
{
	kept_keyed = pthread_key_create(&kept_key, kept_release) == 0 &&
		     kept_key < 32; /* glibc's PTHREAD_KEY_2NDLEVEL_SIZE */
}

static __attribute__((noinline)) struct thread_scratch *scratch_map(void)
{
	void *m = (void *)shim_syscall(SYS_mmap, NULL, sizeof(struct thread_scratch),
				       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	thread_scratch_mine = m;
	if (kept_keyed)
		pthread_setspecific(kept_key, m);
	return m;
}

struct thread_scratch *thread_scratch(void)
{
	struct thread_scratch *s = thread_scratch_mine;
	return __builtin_expect(s != NULL, 1) ? s : scratch_map();
}
