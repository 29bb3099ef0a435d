/* SPDX-License-Identifier: MIT */
/*
 * rate_limit — see rate_limit.h.
 *
 * Invariant behind the exact counts: the pending count only ever changes by
 * atomic read-modify-writes (adds by the lock holder or by a check that found
 * the slot busy, and the exchange that takes it out for a summary on window
 * end, eviction, sweep or drain), so no add is lost or counted twice whatever
 * the interleaving. Key, window and the name copies change only under the
 * lock; a check that can neither take the lock nor add under the right tag
 * touches nothing and answers "emit".
 */
#include "rate_limit.h"
#include "siphash.h"

#include <errno.h>
#include <string.h>

#define SLOT_MASK (RATE_LIMIT_SLOTS - 1)
/* Attempts at a busy slot before drain gives up on it for this walk. */
#define DRAIN_LOCK_TRIES 256

#define relaxed memory_order_relaxed

/*
 * The pending count shares one word with a tag of the key it counts for, so
 * that a check which could not take the slot's lock can still add to it,
 * and only while the slot belongs to its key (the low key bits pick the
 * slot, the tag takes the high ones).
 */
#define COUNT_BITS 40
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)

static uint64_t key_tag(uint64_t key)
{
	return key >> COUNT_BITS;
}

static uint64_t pending_word(uint64_t key, uint64_t count)
{
	return key_tag(key) << COUNT_BITS | count;
}

static uint64_t pending_count(uint64_t word)
{
	return word & COUNT_MASK;
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int rate_limit_init(struct rate_limit *rl, uint64_t window_ns, uint32_t burst,
		    const uint8_t seed[16])
{
	if (window_ns == 0 || burst == 0)
		return -EINVAL;
	memset(rl, 0, sizeof(*rl));
	return rate_limit_init_zeroed(rl, window_ns, burst, seed);
}

int rate_limit_init_zeroed(struct rate_limit *rl, uint64_t window_ns, uint32_t burst,
			   const uint8_t seed[16])
{
	if (window_ns == 0 || burst == 0)
		return -EINVAL;
	rl->window_ns = window_ns;
	rl->burst = burst;
	rl->seed[0] = load_le64(seed);
	rl->seed[1] = load_le64(seed + 8);
	return 0;
}

void rate_limit_reset_after_fork(struct rate_limit *rl)
{
	/* 320 KiB: a child of a process that never logged must not write them all. */
	if (atomic_load_explicit(&rl->used, relaxed))
		memset(rl->slots, 0, sizeof(rl->slots));
	atomic_store_explicit(&rl->used, false, relaxed);
	atomic_store_explicit(&rl->sweep_cursor, 0, relaxed);
	atomic_store_explicit(&rl->contended, 0, relaxed);
}

uint64_t rate_limit_key(const struct rate_limit *rl, const char *category, const char *op,
			const void *target, size_t target_len, uint64_t variant)
{
	struct siphash h;
	uint64_t key;

	/* NUL terminators as separators: C strings cannot contain one. */
	const uint64_t seed[2] = {rl->seed[0], rl->seed[1]};
	siphash_init(&h, seed);
	siphash_update(&h, category, strlen(category) + 1);
	siphash_update(&h, op, strlen(op) + 1);
	siphash_update(&h, target, target_len);
	siphash_update(&h, &variant, sizeof(variant));
	key = siphash_final(&h);
	return key ? key : 1; /* 0 marks an unused slot */
}

/* FNV-1a over s and its NUL (a NULL string is a lone 0xff: not the empty one). */
static uint64_t fnv_str(uint64_t h, const char *s)
{
	if (!s)
		return (h ^ 0xff) * 0x100000001b3ull;
	do
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	while (*s++);
	return h;
}

uint64_t rate_limit_variant(const char *type, const char *access, const char *proto,
			    const char *detail, int action, char *const *argv)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv_str(h, type);
	h = fnv_str(h, access);
	h = fnv_str(h, proto);
	h = fnv_str(h, detail);
	h = (h ^ (uint64_t)(unsigned)action) * 0x100000001b3ull;
	for (size_t i = 0; argv && argv[i]; i++)
		h = fnv_str(h, argv[i]);
	return h;
}

static bool slot_trylock(struct rate_limit_slot *s)
{
	unsigned expected = 0;

	return atomic_compare_exchange_strong_explicit(&s->busy, &expected, 1, memory_order_acquire,
						       relaxed);
}

static void slot_unlock(struct rate_limit_slot *s)
{
	atomic_store_explicit(&s->busy, 0, memory_order_release);
}

static void copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, RATE_LIMIT_NAME_MAX - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, RATE_LIMIT_NAME_MAX - n);
}

static size_t target_copy_len(uint64_t target_len)
{
	return target_len < RATE_LIMIT_TARGET_MAX ? (size_t)target_len : RATE_LIMIT_TARGET_MAX;
}

/* Under the lock: whether the slot holds this very (category, op, target). */
static bool slot_is(const struct rate_limit_slot *s, const char *category, const char *op,
		    const void *target, size_t target_len)
{
	return s->target_len == target_len &&
	       strncmp(s->category, category, RATE_LIMIT_NAME_MAX - 1) == 0 &&
	       strncmp(s->op, op, RATE_LIMIT_NAME_MAX - 1) == 0 &&
	       memcmp(s->target, target, target_copy_len(target_len)) == 0;
}

/*
 * Under the lock: swaps the pending count for zero (and the tag of the key
 * the slot is for from now on), fills *sum if there was one.
 */
static bool slot_take_summary(struct rate_limit_slot *s, uint64_t next_key,
			      struct rate_limit_summary *sum)
{
	uint64_t old = atomic_exchange_explicit(&s->pending, pending_word(next_key, 0), relaxed);
	uint64_t first = atomic_exchange_explicit(&s->first_suppressed_ns, 0, relaxed);
	size_t n = target_copy_len(s->target_len);

	if (pending_count(old) == 0)
		return false;
	sum->key = atomic_load_explicit(&s->key, relaxed);
	sum->suppressed = pending_count(old);
	sum->last_ns = atomic_load_explicit(&s->last_suppressed_ns, relaxed);
	/* 0 if a contended check counted first and has not stamped it yet */
	sum->first_ns = first ? first : sum->last_ns;
	sum->target_len = s->target_len;
	sum->target_copy_len = n;
	sum->target_cut = n < s->target_len;
	memcpy(sum->category, s->category, RATE_LIMIT_NAME_MAX);
	memcpy(sum->op, s->op, RATE_LIMIT_NAME_MAX);
	memcpy(sum->target, s->target, n);
	sum->target[n] = '\0';
	return true;
}

/* Whether the window starting at start has ended by now (tolerates now < start). */
static bool window_over(const struct rate_limit *rl, uint64_t start, uint64_t now)
{
	return now >= start && now - start >= rl->window_ns;
}

static void stamp_suppressed(struct rate_limit_slot *s, uint64_t now)
{
	uint64_t unset = 0;

	atomic_compare_exchange_strong_explicit(&s->first_suppressed_ns, &unset, now, relaxed,
						relaxed);
	atomic_store_explicit(&s->last_suppressed_ns, now, relaxed);
}

/*
 * Takes one event of the burst if any is left. A compare-and-swap, because
 * checks that find the slot busy take from the burst too.
 */
static bool take_from_burst(const struct rate_limit *rl, struct rate_limit_slot *s)
{
	unsigned emitted = atomic_load_explicit(&s->emitted, relaxed);

	while (emitted < rl->burst) {
		if (atomic_compare_exchange_weak_explicit(&s->emitted, &emitted, emitted + 1,
							  relaxed, relaxed))
			return true;
	}
	return false;
}

/* Under the lock, s holding this key: the burst/window decision. */
static int slot_account(struct rate_limit *rl, struct rate_limit_slot *s, uint64_t key,
			uint64_t now, struct rate_limit_summary *ret_summary)
{
	int r = RATE_LIMIT_EMIT;

	atomic_store_explicit(&s->last_seen_ns, now, relaxed);
	if (!window_over(rl, atomic_load_explicit(&s->window_start_ns, relaxed), now)) {
		if (take_from_burst(rl, s))
			return RATE_LIMIT_EMIT;
		/* an RMW: contended checks add to the same word concurrently */
		atomic_fetch_add_explicit(&s->pending, 1, relaxed);
		stamp_suppressed(s, now);
		return RATE_LIMIT_SUPPRESS;
	}
	if (slot_take_summary(s, key, ret_summary))
		r |= RATE_LIMIT_SUMMARY;
	atomic_store_explicit(&s->window_start_ns, now, relaxed);
	atomic_store_explicit(&s->emitted, 1, relaxed);
	return r;
}

/* Under the lock: gives the slot to a new key, whose first event this is. */
static void slot_install(struct rate_limit_slot *s, uint64_t key, const char *category,
			 const char *op, const void *target, size_t target_len, uint64_t now)
{
	size_t n = target_copy_len(target_len);

	copy_name(s->category, category);
	copy_name(s->op, op);
	memcpy(s->target, target, n);
	s->target_len = target_len;
	atomic_store_explicit(&s->emitted, 1, relaxed);
	atomic_store_explicit(&s->window_start_ns, now, relaxed);
	atomic_store_explicit(&s->last_seen_ns, now, relaxed);
	atomic_store_explicit(&s->key, key, relaxed);
}

/* Whether the slot has a pending count that may be reported now. */
static bool slot_reportable(const struct rate_limit *rl, struct rate_limit_slot *s, uint64_t now,
			    unsigned flags)
{
	if (pending_count(atomic_load_explicit(&s->pending, relaxed)) == 0)
		return false;
	return !(flags & RATE_LIMIT_DRAIN_EXPIRED) ||
	       window_over(rl, atomic_load_explicit(&s->window_start_ns, relaxed), now);
}

/* Reports one slot whose window ended with a count pending, if it is free. */
static int sweep_one(struct rate_limit *rl, uint64_t now, struct rate_limit_summary *ret_summary)
{
	unsigned index = atomic_fetch_add_explicit(&rl->sweep_cursor, 1, relaxed) & SLOT_MASK;
	struct rate_limit_slot *s = &rl->slots[index];
	int r = 0;

	if (!slot_reportable(rl, s, now, RATE_LIMIT_DRAIN_EXPIRED) || !slot_trylock(s))
		return 0;
	if (slot_reportable(rl, s, now, RATE_LIMIT_DRAIN_EXPIRED) &&
	    slot_take_summary(s, atomic_load_explicit(&s->key, relaxed), ret_summary))
		r = RATE_LIMIT_SUMMARY;
	slot_unlock(s);
	return r;
}

/* Emitted without touching the table: a count for the caller, none for us. */
static int emit_untracked(struct rate_limit *rl)
{
	atomic_fetch_add_explicit(&rl->contended, 1, relaxed);
	return RATE_LIMIT_EMIT;
}

/*
 * The key's slot is locked by someone else (or by the code this signal
 * handler interrupted). Under a flood that is the common case, and a holder
 * may be preempted for a whole time slice, so within the window decide
 * without the lock: take from the burst, or add to the pending count (the
 * tag makes the add fail if the slot changed hands). Across a window's end
 * only the holder may act: emit.
 */
static int check_contended(struct rate_limit *rl, struct rate_limit_slot *s, uint64_t key,
			   uint64_t now)
{
	uint64_t word;

	if (window_over(rl, atomic_load_explicit(&s->window_start_ns, relaxed), now))
		return emit_untracked(rl);
	if (take_from_burst(rl, s))
		return RATE_LIMIT_EMIT;
	word = atomic_load_explicit(&s->pending, relaxed);
	while (word >> COUNT_BITS == key_tag(key) && pending_count(word) < COUNT_MASK) {
		if (atomic_compare_exchange_weak_explicit(&s->pending, &word, word + 1, relaxed,
							  relaxed)) {
			stamp_suppressed(s, now);
			return RATE_LIMIT_SUPPRESS;
		}
	}
	return emit_untracked(rl);
}

static int check_slots(struct rate_limit *rl, uint64_t key, const char *category, const char *op,
		       const void *target, size_t target_len, uint64_t now,
		       struct rate_limit_summary *ret_summary)
{
	struct rate_limit_slot *victim = NULL, *s;
	uint64_t victim_key = 0, oldest = UINT64_MAX;
	int r;

	for (unsigned i = 0; i < RATE_LIMIT_PROBE; i++) {
		uint64_t k, seen;

		s = &rl->slots[(key + i) & SLOT_MASK];
		k = atomic_load_explicit(&s->key, relaxed);
		if (k == key) {
			if (!slot_trylock(s))
				return check_contended(rl, s, key, now);
			/* Re-read under the lock: it may have been evicted meanwhile. */
			if (atomic_load_explicit(&s->key, relaxed) == key &&
			    slot_is(s, category, op, target, target_len))
				r = slot_account(rl, s, key, now, ret_summary);
			else
				r = emit_untracked(rl); /* evicted, or a true hash collision */
			slot_unlock(s);
			return r;
		}
		if (k == 0) {
			/* Slots never empty again, so the key is not further on. */
			victim = s;
			victim_key = 0;
			break;
		}
		seen = atomic_load_explicit(&s->last_seen_ns, relaxed);
		if (!victim || seen < oldest) {
			oldest = seen;
			victim = s;
			victim_key = k;
		}
	}

	/*
	 * Before the lock: a fork while it is held must find the table marked
	 * used, or the child's reset would leave this slot locked for good.
	 */
	if (!atomic_load_explicit(&rl->used, relaxed))
		atomic_store_explicit(&rl->used, true, memory_order_seq_cst);
	if (!slot_trylock(victim))
		return emit_untracked(rl);
	/* Someone took it since we looked: leave their fresh key alone. */
	if (atomic_load_explicit(&victim->key, relaxed) != victim_key) {
		slot_unlock(victim);
		return emit_untracked(rl);
	}
	r = RATE_LIMIT_EMIT;
	/* Re-tags the count word first: late contended adds for the old key now fail. */
	if (slot_take_summary(victim, key, ret_summary))
		r |= RATE_LIMIT_SUMMARY;
	slot_install(victim, key, category, op, target, target_len, now);
	slot_unlock(victim);
	return r;
}

int rate_limit_check(struct rate_limit *rl, const char *category, const char *op,
		     const void *target, size_t target_len, uint64_t variant, uint64_t now_ns,
		     struct rate_limit_summary *ret_summary)
{
	uint64_t key = rate_limit_key(rl, category, op, target, target_len, variant);
	int r = check_slots(rl, key, category, op, target, target_len, now_ns, ret_summary);

	if (!(r & RATE_LIMIT_SUMMARY))
		r |= sweep_one(rl, now_ns, ret_summary);
	return r;
}

int rate_limit_drain_next(struct rate_limit *rl, size_t *cursor, uint64_t now_ns, unsigned flags,
			  struct rate_limit_summary *ret_summary)
{
	if (!atomic_load_explicit(&rl->used, relaxed))
		return 0;
	while (*cursor < RATE_LIMIT_SLOTS) {
		struct rate_limit_slot *s = &rl->slots[(*cursor)++];
		bool locked = false;

		if (!slot_reportable(rl, s, now_ns, flags))
			continue;
		/*
		 * Holders keep a slot for a few hundred nanoseconds; but if the
		 * holder is the code this handler interrupted, no wait helps.
		 */
		for (int i = 0; i < DRAIN_LOCK_TRIES && !locked; i++)
			locked = slot_trylock(s);
		if (!locked)
			return -EBUSY;
		if (slot_reportable(rl, s, now_ns, flags) &&
		    slot_take_summary(s, atomic_load_explicit(&s->key, relaxed), ret_summary)) {
			slot_unlock(s);
			return 1;
		}
		slot_unlock(s);
	}
	return 0;
}
