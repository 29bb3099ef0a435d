/* SPDX-License-Identifier: MIT */
/*
 * The matcher: simulates the frozen trie as an NFA over the subject's
 * segments (see the top of glob_trie.c). No allocation, no locks (a busy
 * cache slot is passed by, never waited for), no libc beyond mem*() and
 * calloc() at freeze: it runs in the LD_PRELOAD shim and in SIGSYS handlers.
 */
#include "glob_trie.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "glob_pattern.h"
#include "glob_trie_internal.h"
#include "util.h"

/*
 * key_of() for the PATH segment starting at i, finding its end on the way
 * (eight bytes at a time: a zero byte in w ^ "////////" is a '/').
 * Returns the end.
 */
static size_t path_key_scan(const char *s, size_t len, size_t i, struct seg_key *k)
{
	const uint64_t ones = 0x0101010101010101ull, slashes = ones * '/';
	uint64_t h = 0, w, x, slash;
	size_t full = 0, start = i, bytes = 8;

	k->head[0] = k->head[1] = 0;
	for (;; i += 8, full++) {
		if (i + 8 <= len) {
			w = load_le64(s + i);
		} else if (len >= 8) {
			/* The last bytes, moved down: the zero fill is not a '/'. */
			bytes = len - i;
			w = bytes ? load_le64(s + len - 8) >> (8 * (8 - bytes)) : 0;
		} else {
			bytes = len - i;
			w = 0;
			for (size_t j = 0; j < bytes; j++)
				w |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
		}
		x = w ^ slashes;
		slash = (x - ones) & ~x & (ones << 7);
		if (slash || bytes < 8)
			break;
		if (full < 2)
			k->head[full] = w;
		h = hash_word(h, w);
	}
	if (slash && (size_t)__builtin_ctzll(slash) / 8 < bytes)
		bytes = (size_t)__builtin_ctzll(slash) / 8;
	w = bytes ? w & (~0ull >> (64 - 8 * bytes)) : 0;
	key_finish(k, h, w, full, i + bytes - start);
	return i + bytes;
}

/* State words: loop nodes fill state[] from the front, the others from the back. */
struct active {
	uint32_t n_loop, n_trans;
	uint32_t state[MAX_ACTIVE];
};

static always_inline int active_add_loop(struct active *set, uint32_t state)
{
	for (uint32_t i = 0; i < set->n_loop; i++)
		if (set->state[i] == state)
			return 0;
	/* Unreachable while the freeze-time bound holds; fail closed anyway. */
	if (unlikely(set->n_loop + set->n_trans >= MAX_ACTIVE))
		return -E2BIG;
	set->state[set->n_loop++] = state;
	return 0;
}

/* Makes a node active; in PATH its '**' child comes too (zero segments). */
static always_inline int active_enter(const struct glob_trie *t, struct active *set, uint32_t state)
{
	if (unlikely(set->n_loop + set->n_trans >= MAX_ACTIVE))
		return -E2BIG;
	set->state[MAX_ACTIVE - ++set->n_trans] = state;
	if (t->flavor == GLOB_TRIE_PATH && (state & STATE_STAR))
		return active_add_loop(set, t->nodes[state & STATE_INDEX].star);
	return 0;
}

static always_inline int step_from(const struct glob_trie *t, uint32_t state,
				   const struct seg_key *k, const char *s, struct active *next)
{
	uint32_t node = state & STATE_INDEX;
	int r;

	if (state & STATE_LIT) {
		uint32_t child = slot_find(t->slots, t->slot_count, t->pool, node, k, s);

		if (child) {
			r = active_enter(t, next, child);
			if (r < 0)
				return r;
		}
	}
	if (state & STATE_WILD) {
		const struct gt_node *nd = &t->nodes[node];

		for (uint32_t i = nd->wild_first; i < nd->wild_first + nd->wild_count; i++) {
			const struct gt_wild *w = &t->wilds[i];

			if (!glob_seg_match(t->pool + w->str_off, w->str_len, s, k->len, false))
				continue;
			r = active_enter(t, next, w->child);
			if (r < 0)
				return r;
		}
	}
	/* HOST "*." wants at least one label: it becomes active after one. */
	if (t->flavor == GLOB_TRIE_HOST && (state & STATE_STAR))
		return active_add_loop(next, t->nodes[node].star);
	return 0;
}

/* Moves the active set over one segment: *cur and *next swap. */
static int step(const struct glob_trie *t, struct active **cur, struct active **next,
		const struct seg_key *k, const char *s)
{
	const struct active *c = *cur;
	struct active *nx = *next;
	int r;

	nx->n_trans = 0;
	nx->n_loop = c->n_loop;
	for (uint32_t i = 0; i < c->n_loop; i++)
		nx->state[i] = c->state[i];
	for (uint32_t i = 0; i < c->n_loop; i++) {
		r = step_from(t, c->state[i], k, s, nx);
		if (r < 0)
			return r;
	}
	for (uint32_t i = MAX_ACTIVE - c->n_trans; i < MAX_ACTIVE; i++) {
		r = step_from(t, c->state[i], k, s, nx);
		if (r < 0)
			return r;
	}
	*next = *cur;
	*cur = nx;
	return 0;
}

static bool active_empty(const struct active *set)
{
	return set->n_loop == 0 && set->n_trans == 0;
}

/*
 * The active set after a directory, kept for the next subject in the same
 * directory: a process looks up many files side by side (an interpreter's
 * imports probe each module's candidates, a loader each library path), and
 * the walk down to their directory is most of a deep path's cost. The set
 * depends on the directory's bytes only, so a slot holding them is reused
 * as is. A slot is taken with a try-lock: a thread (or a signal handler)
 * finding it busy walks from the root, as without the cache. A slot busy in
 * a process that forked stays busy in the child, which only loses it.
 */
#define PREFIX_SLOTS	 16
#define PREFIX_MAX_LEN	 184
#define PREFIX_MAX_STATE 12

struct gt_prefix {
	atomic_flag busy;
	uint16_t len; /* 0: empty */
	uint8_t n_loop, n_trans;
	uint64_t hash;
	uint32_t state[PREFIX_MAX_STATE];
	char dir[PREFIX_MAX_LEN];
};

struct gt_prefix_cache {
	struct gt_prefix slot[PREFIX_SLOTS];
};

/*
 * Zeroed, slots clear (a clear atomic_flag is all zero bytes with GCC and
 * Clang: ATOMIC_FLAG_INIT is { 0 }). Not written here: calloc's fresh memory
 * is the kernel's zero pages until a slot is used, so a process that judges
 * no path never faults the cache's ~4 KiB in (two pages in every process
 * started under the shim, when the loop cleared each flag).
 */
struct gt_prefix_cache *gt_prefix_cache_new(void)
{
	return calloc(1, sizeof(struct gt_prefix_cache));
}

/* The directory's hash: the segment key's, over the whole directory. */
static uint64_t prefix_hash(const char *s, size_t n)
{
	struct seg_key k;

	key_of(s, n, false, &k);
	return k.hash;
}

static struct gt_prefix *prefix_slot(const struct glob_trie *t, uint64_t hash)
{
	return &t->prefix->slot[(hash >> 32) % PREFIX_SLOTS];
}

/* Fills *set with the cached set after dir[0, n); false if not cached or busy. */
static bool prefix_get(const struct glob_trie *t, const char *dir, size_t n, uint64_t hash,
		       struct active *set)
{
	struct gt_prefix *p = prefix_slot(t, hash);
	bool hit;

	if (atomic_flag_test_and_set_explicit(&p->busy, memory_order_acquire))
		return false;
	hit = p->len == n && p->hash == hash && memcmp(p->dir, dir, n) == 0;
	if (hit) {
		set->n_loop = p->n_loop;
		set->n_trans = p->n_trans;
		memcpy(set->state, p->state, p->n_loop * sizeof(uint32_t));
		memcpy(set->state + MAX_ACTIVE - p->n_trans, p->state + p->n_loop,
		       p->n_trans * sizeof(uint32_t));
	}
	atomic_flag_clear_explicit(&p->busy, memory_order_release);
	return hit;
}

static void prefix_put(const struct glob_trie *t, const char *dir, size_t n, uint64_t hash,
		       const struct active *set)
{
	struct gt_prefix *p = prefix_slot(t, hash);

	if (set->n_loop + set->n_trans > PREFIX_MAX_STATE ||
	    atomic_flag_test_and_set_explicit(&p->busy, memory_order_acquire))
		return;
	p->len = (uint16_t)n;
	p->hash = hash;
	p->n_loop = (uint8_t)set->n_loop;
	p->n_trans = (uint8_t)set->n_trans;
	memcpy(p->state, set->state, set->n_loop * sizeof(uint32_t));
	memcpy(p->state + set->n_loop, set->state + MAX_ACTIVE - set->n_trans,
	       set->n_trans * sizeof(uint32_t));
	memcpy(p->dir, dir, n);
	atomic_flag_clear_explicit(&p->busy, memory_order_release);
}

/* A normalised absolute path has no empty, "." or ".." segment. */
static bool path_seg_ok(const char *s, size_t n)
{
	return n > 0 && !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

static int match_path(const struct glob_trie *t, const char *s, size_t len, struct active **cur,
		      struct active **next)
{
	struct seg_key k;
	size_t i, end;
	int r;

	if (len == 0 || len > GLOB_MAX_LEN || s[0] != '/')
		return -EINVAL;
	/* The directory: up to the last '/', when a last segment follows it. */
	size_t dir = len - 1;
	uint64_t hash = 0;
	bool store = false;
	while (dir > 0 && s[dir] != '/')
		dir--;
	i = 1;
	r = 0;
	if (t->prefix && dir > 0 && dir <= PREFIX_MAX_LEN && dir + 1 < len) {
		hash = prefix_hash(s, dir);
		if (prefix_get(t, s, dir, hash, *cur))
			i = dir + 1;
		else
			store = true;
	}
	if (i == 1)
		r = active_enter(t, *cur, t->image->root_state);
	for (; r >= 0 && i < len; i = end + 1) {
		/* Every segment before it was well-formed: the set is the directory's. */
		if (store && i == dir + 1)
			prefix_put(t, s, dir, hash, *cur);
		if (active_empty(*cur)) {
			/* Nothing can match any more: only the subject's form is left to check. */
			end = glob_seg_end(s, len, i);
			if (!path_seg_ok(s + i, end - i) || end + 1 == len)
				return -EINVAL;
			continue;
		}
		end = path_key_scan(s, len, i, &k);
		if (!path_seg_ok(s + i, end - i) || end + 1 == len)
			return -EINVAL;
		r = step(t, cur, next, &k, s + i);
	}
	return r;
}

static int match_host(const struct glob_trie *t, const char *s, size_t len, struct active **cur,
		      struct active **next)
{
	char lower[GLOB_HOST_MAX_LEN + 8];
	struct seg_key k;
	size_t end, start;
	int r;

	r = glob_host_prepare(s, len, lower, &len);
	if (r < 0)
		return r;
	memset(lower + len, 0, 8);
	r = active_enter(t, *cur, t->image->root_state);
	for (end = len; r >= 0 && end > 0 && !active_empty(*cur); end = start ? start - 1 : 0) {
		start = glob_label_start(lower, end);
		key_of(lower + start, end - start, true, &k);
		r = step(t, cur, next, &k, lower + start);
	}
	return r;
}

static int report_state(const struct glob_trie *t, uint32_t state, glob_trie_visit_fn visit,
			void *userdata)
{
	const struct gt_node *nd = &t->nodes[state & STATE_INDEX];

	if (!(state & STATE_VALUES))
		return 0;
	for (uint32_t i = 0; i < nd->value_count; i++) {
		int r = visit(t->values[nd->value_first + i], userdata);

		if (r)
			return r;
	}
	return 0;
}

static int report(const struct glob_trie *t, const struct active *set, glob_trie_visit_fn visit,
		  void *userdata)
{
	int r = 0;

	for (uint32_t i = 0; i < set->n_loop && !r; i++)
		r = report_state(t, set->state[i], visit, userdata);
	for (uint32_t i = MAX_ACTIVE - set->n_trans; i < MAX_ACTIVE && !r; i++)
		r = report_state(t, set->state[i], visit, userdata);
	return r;
}

int glob_trie_match(const struct glob_trie *t, const char *subject, size_t len,
		    glob_trie_visit_fn visit, void *userdata)
{
	struct active sets[2], *cur = &sets[0], *next = &sets[1];
	int r;

	if (!t->frozen)
		return -EBUSY;
	cur->n_loop = cur->n_trans = 0;
	if (t->flavor == GLOB_TRIE_PATH)
		r = match_path(t, subject, len, &cur, &next);
	else
		r = match_host(t, subject, len, &cur, &next);
	if (r < 0)
		return r;
	return report(t, cur, visit, userdata);
}
