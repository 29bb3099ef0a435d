/* SPDX-License-Identifier: MIT */
/*
 * thread_scratch — a thread's memory for judging a call by name, instead
 * of its stack.
 *
 * A judgement that follows links needs a handful of PATH_MAX buffers
 * (path_resolve.c's, the resolved names): on the stack they took 30 KiB
 * a call, and a program's thread with a small stack (16-64 KiB threads
 * exist) crashed where libc alone needs far less. They are here instead:
 * mapped on the thread's first judgement that needs them, kept for its
 * next ones, unmapped when the thread ends.
 *
 * Used only between shim_enter() and shim_leave() (shim.h): a call nested
 * in a judgement on the same thread, a signal handler's included, passes
 * through unjudged, so the memory is never in use twice. A vfork child
 * shares its parent thread's (its parent waits meanwhile); one it maps
 * stays in the parent's memory, where the parent's thread finds it next.
 * No malloc: mmap, a system call, safe in a signal handler and a vfork
 * child.
 */
#pragma once

#include "path_resolve.h"
#include "verdict_cache.h"

struct thread_scratch {
	/*
	 * file_ops.c: the thread's allowed names (verdict_cache.h), here
	 * rather than in thread-local storage, which the loader zeroes for
	 * every process and thread (6.4 KiB: two pages touched in each, judging
	 * a file or not). Looked up outside the guard; empty until mapped.
	 */
	struct verdict_cache vcache;
	/* file_ops.c: the judged name (guard_path_full), or a descriptor's path (fd_refused). */
	union {
		struct resolved_path judged;
		char fd_path[PATH_MAX];
	};
	struct path_resolve_work resolve; /* path_resolve.c's */
	/*
	 * dl_ops.c: why the shim failed the thread's last dlopen, in the
	 * loader's words, until dlerror() says it (a page touched only then).
	 */
	bool dl_error_pending;
	char dl_error[PATH_MAX + 64];
};

/* The thread's scratch, mapped if need be; NULL when there is no memory for it. */
struct thread_scratch *thread_scratch(void);

extern __thread struct thread_scratch *thread_scratch_mine
	__attribute__((tls_model("initial-exec"), visibility("hidden")));

/* The thread's scratch if it is mapped, else NULL (never maps: a verdict cache lookup). */
static inline struct thread_scratch *thread_scratch_kept(void)
{
	return thread_scratch_mine;
}

/* Makes the key that unmaps a thread's scratch when it ends (at the shim's start). */
void thread_scratch_init(void);
