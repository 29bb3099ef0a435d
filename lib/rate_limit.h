/* SPDX-License-Identifier: MIT */
/*
 * rate_limit — per-(category, op, target) limiter for event lines, with exact
 * counts of what it held back.
 *
 * Each key gets fixed windows: the first `burst` events of a window are
 * emitted, the rest are counted as suppressed. A pending count is handed back
 * to the caller, who writes one `suppressed` event with it, when:
 *  - the key is next seen after its window ended,
 *  - its slot is taken over by another key (eviction),
 *  - a check happens to sweep past it after its window ended (each check
 *    looks at one more slot, round robin, so idle keys get reported while
 *    events keep flowing),
 *  - the caller drains (exit, SIGTERM, before a Lambda freeze).
 * Nothing is lost in between: for every process, events emitted plus the
 * counts of all summaries handed back plus what is still pending in the
 * table equals events checked.
 *
 * Concurrency: a fixed table of RATE_LIMIT_SLOTS slots, each with a try-lock.
 * No call ever waits for a lock. When a check finds its slot busy (another
 * thread, or the code a signal handler interrupted on this very thread):
 *  - within the key's current window it decides without the lock, by
 *    compare-and-swap on the burst counter and on the pending count (tagged
 *    with the key, so the add fails if the slot changes hands meanwhile).
 *    Under a flood from many threads that is the common case, and a holder
 *    can be preempted for a whole time slice: emitting there would let a
 *    good share of the flood through;
 *  - otherwise (window over, slot changing hands) it says "emit" and leaves
 *    the table alone, so the event counts as emitted (rl->contended counts
 *    these).
 * Counts are exact in every case; the burst is exact except around a window
 * change that meets a busy slot. Everything is C11 lock-free atomics and
 * memory copies: async-signal-safe, no allocation. The caller owns the
 * memory (static, typically).
 *
 * Keys are a SipHash-2-4 of category, op and target under a secret seed, so
 * that a function cannot craft targets that collide with another target's
 * key and hide its events in that key's summary. A slot also keeps a copy of
 * its category, op and the first RATE_LIMIT_TARGET_MAX bytes of the target
 * (written only by the slot's lock holder), which names what was suppressed
 * and catches collisions the hash would let through.
 *
 * Fork: the child inherits the parent's pending counts, which are the
 * parent's to report, and locks that threads which do not exist in the child
 * may hold. Call rate_limit_reset_after_fork() in the child (pthread_atfork)
 * before using the table; without it nothing deadlocks, but a slot locked at
 * the fork is never reported again (its key is emitted untracked once its
 * window ends) and the parent's counts could be reported twice.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATE_LIMIT_SLOTS 1024
/* Slots looked at from a key's home slot before evicting the least recently seen. */
#define RATE_LIMIT_PROBE 8
/* Bytes of the target kept per slot for summaries. */
#define RATE_LIMIT_TARGET_MAX 200
/* Longest category or op kept, NUL included. */
#define RATE_LIMIT_NAME_MAX 24

#define RATE_LIMIT_DEFAULT_BURST     10
#define RATE_LIMIT_DEFAULT_WINDOW_NS (60ULL * 1000000000ULL)

_Static_assert((RATE_LIMIT_SLOTS & (RATE_LIMIT_SLOTS - 1)) == 0, "slots: power of two");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "signal safety needs lock-free 64-bit atomics");

/* Private to rate_limit.c. Fields marked (hint) are read without the lock. */
struct rate_limit_slot {
	atomic_uint busy;
	atomic_uint emitted;		       /* (hint) in the current window */
	atomic_uint_least64_t key;	       /* (hint) 0: never used */
	atomic_uint_least64_t last_seen_ns;    /* (hint) for eviction */
	atomic_uint_least64_t window_start_ns; /* (hint) */
	atomic_uint_least64_t pending;	       /* key tag, suppressed count: also lock-free */
	atomic_uint_least64_t first_suppressed_ns;
	atomic_uint_least64_t last_suppressed_ns;
	uint64_t target_len;
	char category[RATE_LIMIT_NAME_MAX];
	char op[RATE_LIMIT_NAME_MAX];
	char target[RATE_LIMIT_TARGET_MAX];
} __attribute__((aligned(64)));

struct rate_limit {
	uint64_t window_ns;
	uint32_t burst;
	uint64_t seed[2];
	atomic_uint sweep_cursor;
	/* Whether any slot was ever given a key: until then no page of the table is touched. */
	atomic_bool used;
	/* Events emitted without the table: slot busy or changing hands (diagnostics). */
	atomic_uint_least64_t contended;
	struct rate_limit_slot slots[RATE_LIMIT_SLOTS];
};

/* What a caller needs to write one `suppressed` event. */
struct rate_limit_summary {
	uint64_t key;
	uint64_t suppressed; /* exact count, > 0 */
	uint64_t first_ns;   /* now_ns of the first and last suppressed event */
	uint64_t last_ns;
	uint64_t target_len;		    /* length of the full target */
	size_t target_copy_len;		    /* bytes in target, <= RATE_LIMIT_TARGET_MAX */
	bool target_cut;		    /* target_copy_len < target_len */
	char category[RATE_LIMIT_NAME_MAX]; /* NUL-terminated, possibly cut */
	char op[RATE_LIMIT_NAME_MAX];
	char target[RATE_LIMIT_TARGET_MAX + 1]; /* NUL-terminated copy */
};

/* rate_limit_check() result bits. */
enum {
	RATE_LIMIT_EMIT = 0,	 /* write the event */
	RATE_LIMIT_SUPPRESS = 1, /* do not write it: it has been counted */
	RATE_LIMIT_SUMMARY = 2,	 /* *ret_summary was filled: write a `suppressed` event */
};

/* rate_limit_drain_next() flags. */
enum {
	RATE_LIMIT_DRAIN_ALL = 0,
	RATE_LIMIT_DRAIN_EXPIRED = 1, /* only keys whose window has ended by now_ns */
};

/*
 * Prepares *rl (which may be uninitialised memory): empty table, at most
 * burst events per key per window_ns, keys hashed under the 16 bytes at seed
 * (secret and random: getauxval(AT_RANDOM) is a fine source). Returns 0 or
 * -EINVAL (burst or window_ns 0). Not thread-safe: call before any check.
 */
/*
 * Same as rate_limit_init() for memory known to be all zero already (static
 * storage in a fresh process): touches no page of the table, so a process
 * that never logs never pays for it.
 */
int rate_limit_init_zeroed(struct rate_limit *rl, uint64_t window_ns, uint32_t burst,
			   const uint8_t seed[16]);

int rate_limit_init(struct rate_limit *rl, uint64_t window_ns, uint32_t burst,
		    const uint8_t seed[16]);

/*
 * The 64-bit key of (category, op, target, variant): SipHash-2-4 under rl's
 * seed of category, NUL, op, NUL, the target_len target bytes and the
 * variant's 8 bytes. Never 0.
 */
uint64_t rate_limit_key(const struct rate_limit *rl, const char *category, const char *op,
			const void *target, size_t target_len, uint64_t variant);

/*
 * What else tells two events on one target apart, folded into 64 bits:
 * their type, rights, protocol, detail, action and argument vector (any may
 * be NULL). Events that differ there are counted apart, so that a burst of
 * "sh -c date" never hides a later "sh -c 'curl ... | sh'" in a count, nor
 * a burst of reads a write. Async-signal-safe.
 */
uint64_t rate_limit_variant(const char *type, const char *access, const char *proto,
			    const char *detail, int action, char *const *argv);

/*
 * Accounts one event at time now_ns (any monotonic clock, the same for all
 * calls; small backward steps between threads are tolerated). Returns
 * RATE_LIMIT_EMIT or RATE_LIMIT_SUPPRESS, or'ed with RATE_LIMIT_SUMMARY when
 * *ret_summary was filled with a count the caller must now report (this
 * key's previous window, an evicted key or an expired one swept). Never
 * fails, never waits.
 */
int rate_limit_check(struct rate_limit *rl, const char *category, const char *op,
		     const void *target, size_t target_len, uint64_t variant, uint64_t now_ns,
		     struct rate_limit_summary *ret_summary);

/*
 * Walks the table from *cursor (start at 0) to hand back pending counts, one
 * per call. Returns 1 with *ret_summary filled, 0 when the walk is over,
 * -EBUSY when a slot with a pending count stayed locked (another thread
 * briefly, or code this signal handler interrupted): it is skipped, the walk
 * can go on and be repeated later. flags is RATE_LIMIT_DRAIN_ALL or
 * RATE_LIMIT_DRAIN_EXPIRED. Safe concurrently with checks; a drained key
 * keeps its window, later suppressed events count from zero again.
 */
int rate_limit_drain_next(struct rate_limit *rl, size_t *cursor, uint64_t now_ns, unsigned flags,
			  struct rate_limit_summary *ret_summary);

/*
 * In a fork child, forgets the parent's keys, counts and locks, keeping
 * window, burst and seed. Only while no other code of this process uses rl
 * (the pthread_atfork child handler).
 */
void rate_limit_reset_after_fork(struct rate_limit *rl);
