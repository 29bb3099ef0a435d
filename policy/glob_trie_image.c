// SPDX-License-Identifier: MIT
/*
 * A frozen trie's image out of and back into a glob_trie (the layout is at
 * the top of glob_trie.c). An image read back comes from a file: every
 * index, offset and count the matcher will follow is checked against the
 * image's own bounds before it is used, so a damaged image is refused,
 * never walked. What is not checked is whether the image means what its
 * patterns say: whoever can rewrite the file can rewrite the profile.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glob_trie.h"
#include "glob_trie_internal.h"

int glob_trie_image(const struct glob_trie *t, const void **ret, size_t *ret_len)
{
	if (!t->frozen)
		return -EBUSY;
	*ret = t->image;
	*ret_len = t->image->total_size;
	return 0;
}

/* [off, off + count * size) inside the image after its header, aligned for the type. */
static bool array_ok(const struct gt_image *h, uint32_t off, uint32_t count, size_t size,
		     size_t align)
{
	uint64_t end = (uint64_t)off + (uint64_t)count * size;

	return off >= sizeof(*h) && off % align == 0 && end <= h->total_size;
}

static bool state_ok(const struct gt_image *h, uint32_t state)
{
	return (state & STATE_INDEX) < h->node_count;
}

static bool string_ok(const struct gt_image *h, uint32_t off, uint32_t len)
{
	return len <= GLOB_MAX_LEN && (uint64_t)off + len <= h->pool_size;
}

static bool header_ok(const struct gt_image *h, enum glob_trie_flavor flavor, size_t len,
		      uint32_t patterns)
{
	return h->magic == GT_MAGIC && h->version == GT_VERSION && h->flavor == (uint32_t)flavor &&
	       h->total_size == len && h->pattern_count == patterns &&
	       h->max_active <= MAX_ACTIVE && h->node_count >= 1 &&
	       h->node_count - 1 <= STATE_INDEX && h->slot_count >= 2 &&
	       (h->slot_count & (h->slot_count - 1)) == 0 && state_ok(h, h->root_state) &&
	       (h->root_state & STATE_INDEX) == 0 &&
	       array_ok(h, h->slot_off, h->slot_count, sizeof(struct gt_slot), 8) &&
	       array_ok(h, h->node_off, h->node_count, sizeof(struct gt_node), 4) &&
	       array_ok(h, h->wild_off, h->wild_count, sizeof(struct gt_wild), 4) &&
	       array_ok(h, h->value_off, h->value_count, sizeof(uint32_t), 4) &&
	       array_ok(h, h->pool_off, h->pool_size, 1, 1);
}

/* Every record the matcher can reach, against the header's bounds. */
static bool records_ok(const struct gt_image *h, const char *base, uint32_t patterns)
{
	const struct gt_slot *slots = (const struct gt_slot *)(base + h->slot_off);
	const struct gt_node *nodes = (const struct gt_node *)(base + h->node_off);
	const struct gt_wild *wilds = (const struct gt_wild *)(base + h->wild_off);
	const uint32_t *values = (const uint32_t *)(base + h->value_off);
	uint32_t empty = 0;

	for (uint32_t i = 0; i < h->slot_count; i++) {
		const struct gt_slot *s = &slots[i];

		if (s->child == 0) {
			empty++;
			continue;
		}
		if (s->parent >= h->node_count || !state_ok(h, s->child) ||
		    !string_ok(h, s->str_off, s->len))
			return false;
	}
	/* slot_find() probes until an empty slot. */
	if (empty == 0)
		return false;
	for (uint32_t i = 0; i < h->node_count; i++) {
		const struct gt_node *n = &nodes[i];

		if ((uint64_t)n->wild_first + n->wild_count > h->wild_count ||
		    (uint64_t)n->value_first + n->value_count > h->value_count ||
		    (n->star && !state_ok(h, n->star)))
			return false;
	}
	for (uint32_t i = 0; i < h->wild_count; i++)
		if (!string_ok(h, wilds[i].str_off, wilds[i].str_len) ||
		    !state_ok(h, wilds[i].child))
			return false;
	for (uint32_t i = 0; i < h->value_count; i++)
		if (values[i] >= patterns)
			return false;
	return true;
}

int glob_trie_load(enum glob_trie_flavor flavor, const void *image, size_t len, uint32_t patterns,
		   bool in_place, struct glob_trie **ret)
{
	struct gt_image h;
	struct glob_trie *t;
	char *base;
	int r;

	if (len < sizeof(h) || len > UINT32_MAX)
		return -EINVAL;
	/* The records are read as structs: in place only where they are aligned for it. */
	in_place = in_place && (uintptr_t)image % 8 == 0;
	t = calloc(1, sizeof(*t));
	base = in_place || !t ? (char *)image : aligned_alloc(64, (len + 63) & ~(size_t)63);
	if (!t || !base) {
		free(t);
		return -ENOMEM;
	}
	if (!in_place)
		memcpy(base, image, len);
	/* Everything checked is read from the bytes the matcher will use. */
	memcpy(&h, base, sizeof(h));
	r = header_ok(&h, flavor, len, patterns) && records_ok(&h, base, patterns) ? 0 : -EINVAL;
	if (r == 0 && flavor == GLOB_TRIE_PATH && !(t->prefix = gt_prefix_cache_new()))
		r = -ENOMEM;
	if (r < 0) {
		if (!in_place)
			free(base);
		free(t);
		return r;
	}
	t->flavor = flavor;
	t->pattern_count = h.pattern_count;
	t->image_borrowed = in_place;
	gt_attach(t, base);
	*ret = t;
	return 0;
}
