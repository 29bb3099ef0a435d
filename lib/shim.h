/* SPDX-License-Identifier: MIT */
/*
 * shim — the preload library's process-wide state and the guard every
 * interposer goes through.
 *
 * Everything here is set once by shim_init() (under pthread_once, on the
 * first interposed call or from the constructor, whichever comes first) and
 * is read-only afterwards, except the log fd (moved if the program dup2()s
 * over it) and counters. The shim's own I/O runs with the per-thread
 * shim_busy flag set, so its calls pass straight through to libc.
 */
#pragma once

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bundle.h"
#include "policy.h"

struct shim_state {
	bool active; /* false: every call passes through untouched */
	bool root;   /* first fnguard process of the tree: owns the log, writes start */
	bool have_profile;
	bool profile_lost;  /* a descendant judging with no rule: its profile could not be loaded */
	bool mode_from_env; /* FNGUARD_MODE set the mode */
	bool weakened_by_env;  /* ... to less than the profile's for some category */
	struct policy *policy; /* NULL when no profile was given or it failed open */
	void *bundle; /* the compiled bundle's bytes when FNGUARD_PROFILE is one, or NULL */
	struct bundle_view bundle_view;
	enum policy_mode mode; /* effective global mode */
	enum policy_mode action[POLICY_CATEGORY_MAX];
	atomic_int log_fd; /* -1: events are dropped (and counted) */
	bool log_shared;   /* the log is our stdout's or stderr's file: lines start with '\n' */
	int log_signal;	   /* what a write to the log can raise: SIGPIPE, SIGXFSZ (a file), or 0 */
	uint64_t start_ns; /* CLOCK_MONOTONIC at init start (first process only, else 0) */
	uint64_t init_ns;  /* how long init took (first process only) */
	atomic_uint_fast64_t seq;
	atomic_uint_fast64_t dropped; /* events that could not be written */
	atomic_uint_fast64_t blocked;
	atomic_uint_fast64_t violations;
	/*
	 * The strings, short ones first: every process writes the start of
	 * each, so the fewer pages their starts span the fewer it copies.
	 */
	char profile_name[129];
	char profile_hash[17];
	char function[128];
	char version[64];
	char exe[PATH_MAX]; /* read when an event first needs it (event.c) */
	char profile_path[PATH_MAX];
	char record_out[PATH_MAX];
	/*
	 * FNGUARD_RECORD_APPEND=1 (fnguard record sets it): each process
	 * appends what it learned to record_out instead of merging it with
	 * what is there, and fnguard record reads them all at the end.
	 */
	bool record_append;
};

extern struct shim_state shim;
extern atomic_bool shim_ready;
extern __thread int shim_busy __attribute__((tls_model("initial-exec")));
/*
 * The process a vfork child's exec judgement or SIGSYS handler runs in,
 * while it runs (0 when none): the child shares its parent thread's
 * shim_busy, and one that dies inside (a crash, a signal) leaves it entered,
 * so that every later call of the resumed thread would pass through
 * unjudged. Set only while shim_busy is held.
 */
extern __thread int shim_busy_child __attribute__((tls_model("initial-exec")));

/* shim_busy was left by a vfork child since gone: forgotten, true (init.c). */
bool shim_busy_left_behind(void);

/* Runs shim_init() once; safe to call from any interposer at any time. */
void shim_init_once(void);

/*
 * In a child made with its own copy of memory but without fork (clone(2)
 * without CLONE_VM, which runs no atfork handler): what a fork child's
 * handlers do, so that it is not taken for a vfork child sharing its
 * parent's memory (init.c).
 */
void shim_after_clone_child(void);

/*
 * Starts the shim if it has not started: an interposer called before the
 * shim's constructor (another library's constructor runs first) then has
 * libc's functions (real.h) to pass the call on to.
 */
static inline void shim_started(void)
{
	if (__builtin_expect(!atomic_load_explicit(&shim_ready, memory_order_acquire), 0))
		shim_init_once();
}

/*
 * The guard: returns true when the caller should judge this call (shim is
 * active and this thread is not inside the shim already). Pair every true
 * with shim_leave().
 */
/*
 * This thread is inside the shim: its calls pass through unjudged. Not a
 * guard a vfork child left entered when it died (shim_busy_left_behind).
 */
static inline bool shim_inside(void)
{
	return shim_busy && !(__builtin_expect(shim_busy_child != 0, 0) && shim_busy_left_behind());
}

static inline bool shim_enter(void)
{
	shim_started();
	if (!shim.active)
		return false;
	if (shim_inside())
		return false;
	shim_busy++;
	return true;
}

static inline void shim_leave(void)
{
	/* Never below 0: a jump that landed inside a shim call let the thread out already. */
	if (shim_busy > 0)
		shim_busy--;
}

/*
 * libc's realpath, for the shim's own calls (real.c): the shim exports a
 * realpath of its own, which its calls by name would reach
 * (-Bsymbolic-functions), judged as the program's.
 */
char *real_realpath(const char *path, char *resolved);

/* Monotonic and wall clocks in ns (vDSO, async-signal-safe). */
uint64_t shim_now_mono(void);
