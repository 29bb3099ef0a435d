/* SPDX-License-Identifier: MIT */
/*
 * The matcher: simulates the frozen trie as an NFA over the subject's
 * segments (see the top of glob_trie.c). No allocation, no locks, no libc
 * beyond mem*(): it runs in the LD_PRELOAD shim and in SIGSYS handlers.
 */
#include "glob_trie.h"

#include <errno.h>
#include <stdbool.h>
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
	r = active_enter(t, *cur, t->image->root_state);
	for (i = 1; r >= 0 && i < len; i = end + 1) {
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
