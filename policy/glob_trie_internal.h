/* SPDX-License-Identifier: MIT */
/*
 * glob_trie_internal — what glob_trie.c (construction, freezing) and
 * glob_trie_walk.c (matching) share: the frozen image's records, whose
 * layout is described at the top of glob_trie.c, and the segment keys,
 * which must be computed identically on both sides. Not for other modules.
 */
#pragma once

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "glob_trie.h"

#define GT_MAGIC   0x45495254u /* "TRIE" */
#define GT_VERSION 1u
#define MAX_ACTIVE 512 /* the matcher's two sets take 2 KiB of stack each */
#define HEAD_LEN   16

/* The walk is a few small steps per segment: calls would cost ~10%. */
#define always_inline inline __attribute__((__always_inline__))

/* A state word: node index and what the node has, see glob_trie.c. */
#define STATE_INDEX  0x0fffffffu
#define STATE_LIT    (1u << 28)
#define STATE_WILD   (1u << 29)
#define STATE_STAR   (1u << 30)
#define STATE_VALUES (1u << 31)

struct gt_slot {
	uint32_t parent, child, len, str_off;
	uint64_t head[2]; /* first bytes, little-endian words, zero-padded */
};

struct gt_node {
	uint32_t wild_first, wild_count;
	uint32_t value_first, value_count;
	uint32_t star;
};

struct gt_wild {
	uint32_t str_off, str_len, child;
};

struct gt_image {
	uint32_t magic, version, flavor, max_active, root_state;
	uint32_t pattern_count, node_count, slot_count, wild_count, value_count, pool_size;
	uint32_t slot_off, node_off, wild_off, value_off, pool_off, total_size;
};

/* Construction arrays, private to glob_trie.c. */
struct build_node;
struct build_wild;
struct build_value;

struct gt_prefix_cache;
/* Allocated by glob_trie_freeze() for PATH tries (NULL: no cache). */
struct gt_prefix_cache *gt_prefix_cache_new(void);

struct glob_trie;
/* Points t's frozen views into the image at base (its header first) and marks t frozen. */
void gt_attach(struct glob_trie *t, char *base);

struct glob_trie {
	enum glob_trie_flavor flavor;
	bool frozen;
	uint32_t pattern_count;

	/* Construction state, freed by glob_trie_freeze(). */
	struct build_node *bnodes;
	uint32_t n_bnodes, cap_bnodes;
	struct build_wild *bwilds;
	uint32_t n_bwilds, cap_bwilds;
	struct build_value *bvalues;
	uint32_t n_bvalues, cap_bvalues;
	char *bpool;
	uint32_t n_bpool, cap_bpool;
	struct gt_slot *bslots; /* child holds a bare index until the freeze */
	uint32_t n_bslots, bslots_used;

	/* PATH: the active sets after recently matched directories (glob_trie_walk.c). */
	struct gt_prefix_cache *prefix;
	bool no_prefix_cache; /* glob_trie_freeze_uncached() */

	/* Frozen state: the image and views into it. */
	struct gt_image *image;
	bool image_borrowed; /* glob_trie_load() in place: not ours to free */
	const struct gt_slot *slots;
	uint32_t slot_count;
	const struct gt_node *nodes;
	const struct gt_wild *wilds;
	const uint32_t *values;
	const char *pool;
};

/* Hash and first 16 bytes of one segment (or DNS label). */
struct seg_key {
	uint64_t hash;
	uint64_t head[2];
	size_t len;
};

static inline uint64_t load_le64(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return le64toh(w);
}

/*
 * One multiply per word: the high bits of the result depend on every input
 * bit, and slot_index() only uses high bits. Keys come from the profile, not
 * from the subject, so this needs spread, not resistance to attack: an
 * unlucky subject costs a probe, never a wrong answer.
 */
static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0xbf58476d1ce4e5b9ull;
}

/* full: number of whole 8-byte words hashed; last: the rest, zero-padded. */
static inline void key_finish(struct seg_key *k, uint64_t h, uint64_t last, size_t full, size_t len)
{
	if (full < 2)
		k->head[full] = last;
	k->hash = hash_word(h ^ len, last);
	k->len = len;
}

/* padded: at least 8 bytes after s[n - 1] may be read (and are ignored). */
static inline void key_of(const char *s, size_t n, bool padded, struct seg_key *k)
{
	uint64_t h = 0, last = 0;
	size_t full = 0, i = 0;

	k->head[0] = k->head[1] = 0;
	for (; i + 8 <= n; i += 8, full++) {
		uint64_t w = load_le64(s + i);

		if (full < 2)
			k->head[full] = w;
		h = hash_word(h, w);
	}
	if (padded && i < n)
		last = load_le64(s + i) & (~0ull >> (64 - 8 * (n - i)));
	else
		for (size_t j = 0; i + j < n; j++)
			last |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
	key_finish(k, h, last, full, n);
}

/* Fibonacci hashing: the top bits of the product, shift = 64 - log2(slots). */
static inline uint32_t slot_index(uint64_t seg_hash, uint32_t parent, unsigned shift)
{
	return (uint32_t)(((seg_hash ^ parent) * 0x9e3779b97f4a7c15ull) >> shift);
}

static inline unsigned slot_shift(uint32_t slot_count)
{
	return 64 - (unsigned)__builtin_ctz(slot_count);
}

/* Returns the child's slot value, 0 if there is none. s: the segment bytes. */
static always_inline uint32_t slot_find(const struct gt_slot *slots, uint32_t count,
					const char *pool, uint32_t parent, const struct seg_key *k,
					const char *s)
{
	uint32_t mask = count - 1;

	/* The table is never more than half full: the probe always ends. */
	for (uint32_t i = slot_index(k->hash, parent, slot_shift(count));; i = (i + 1) & mask) {
		const struct gt_slot *sl = &slots[i];

		if (sl->child == 0)
			return 0;
		if (sl->parent == parent && sl->len == k->len && sl->head[0] == k->head[0] &&
		    sl->head[1] == k->head[1] &&
		    (k->len <= HEAD_LEN ||
		     memcmp(pool + sl->str_off + HEAD_LEN, s + HEAD_LEN, k->len - HEAD_LEN) == 0))
			return sl->child;
	}
}
