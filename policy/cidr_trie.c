/* SPDX-License-Identifier: MIT */
#include "cidr_trie.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NODE_NONE UINT32_MAX

/*
 * Keys are held as two host-order 64-bit words, most significant bit first,
 * so that prefix tests and branch points are a few word operations instead
 * of byte loops. An IPv4 key sits in the top 32 bits of word 0.
 */
struct cidr_key {
	uint64_t w[2];
};

struct cidr_node {
	struct cidr_key key;
	uint32_t child[2];
	uint32_t values_off;
	uint32_t n_values; /* 0 for a node that only joins two branches */
	uint8_t prefix_len;
};

struct cidr_trie {
	unsigned width;
	uint32_t root;
	size_t n_nodes;
	struct cidr_node *nodes;
	uint32_t *values; /* per node, ascending */
};

static struct cidr_key key_load(const uint8_t *addr, unsigned width)
{
	struct cidr_key k = {{0, 0}};

	for (unsigned i = 0; i < width / 8; i++)
		k.w[i / 8] |= (uint64_t)addr[i] << (56 - 8 * (i % 8));
	return k;
}

static uint64_t word_mask(unsigned prefix_len, unsigned word)
{
	unsigned lo = word * 64;

	if (prefix_len <= lo)
		return 0;
	if (prefix_len >= lo + 64)
		return UINT64_MAX;
	return UINT64_MAX << (64 - (prefix_len - lo));
}

static bool key_has_prefix(const struct cidr_key *k, const struct cidr_key *prefix,
			   unsigned prefix_len)
{
	return (((k->w[0] ^ prefix->w[0]) & word_mask(prefix_len, 0)) |
		((k->w[1] ^ prefix->w[1]) & word_mask(prefix_len, 1))) == 0;
}

static unsigned key_bit(const struct cidr_key *k, unsigned bit)
{
	return (k->w[bit / 64] >> (63 - bit % 64)) & 1;
}

static unsigned key_common_len(const struct cidr_key *a, const struct cidr_key *b)
{
	uint64_t x = a->w[0] ^ b->w[0];

	if (x)
		return (unsigned)__builtin_clzll(x);
	x = a->w[1] ^ b->w[1];
	return x ? 64 + (unsigned)__builtin_clzll(x) : 128;
}

static struct cidr_key key_truncate(const struct cidr_key *k, unsigned prefix_len)
{
	return (struct cidr_key){
		{k->w[0] & word_mask(prefix_len, 0), k->w[1] & word_mask(prefix_len, 1)}};
}

static int key_cmp(const struct cidr_key *a, const struct cidr_key *b)
{
	for (unsigned i = 0; i < 2; i++)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

struct sort_item {
	struct cidr_key key;
	uint8_t prefix_len;
	uint32_t value;
};

static int sort_item_cmp(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	int r = key_cmp(&a->key, &b->key);

	if (r)
		return r;
	if (a->prefix_len != b->prefix_len)
		return a->prefix_len < b->prefix_len ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return 0;
}

static uint32_t node_new(struct cidr_trie *t, const struct cidr_key *key, unsigned prefix_len,
			 uint32_t values_off, uint32_t n_values)
{
	uint32_t id = (uint32_t)t->n_nodes++;

	t->nodes[id] = (struct cidr_node){
		.key = *key,
		.child = {NODE_NONE, NODE_NONE},
		.values_off = values_off,
		.n_values = n_values,
		.prefix_len = (uint8_t)prefix_len,
	};
	return id;
}

/*
 * Inserts one distinct prefix. Node storage is sized for the worst case up
 * front (two nodes per prefix), so indexes and the slot pointer stay valid.
 */
static void trie_insert(struct cidr_trie *t, const struct cidr_key *key, unsigned prefix_len,
			uint32_t values_off, uint32_t n_values)
{
	uint32_t *slot = &t->root;

	for (;;) {
		if (*slot == NODE_NONE) {
			*slot = node_new(t, key, prefix_len, values_off, n_values);
			return;
		}

		struct cidr_node *node = &t->nodes[*slot];
		unsigned common = key_common_len(&node->key, key);

		if (common > node->prefix_len)
			common = node->prefix_len;
		if (common > prefix_len)
			common = prefix_len;

		if (common == node->prefix_len) {
			if (node->prefix_len == prefix_len) {
				/* Prefixes are distinct, so this is a join node. */
				node->values_off = values_off;
				node->n_values = n_values;
				return;
			}
			slot = &node->child[key_bit(key, node->prefix_len)];
			continue;
		}

		uint32_t old = *slot;
		struct cidr_key old_key = node->key;

		if (common == prefix_len) {
			uint32_t id = node_new(t, key, prefix_len, values_off, n_values);

			t->nodes[id].child[key_bit(&old_key, prefix_len)] = old;
			*slot = id;
			return;
		}

		struct cidr_key join_key = key_truncate(key, common);
		uint32_t join = node_new(t, &join_key, common, 0, 0);
		uint32_t leaf = node_new(t, key, prefix_len, values_off, n_values);

		t->nodes[join].child[key_bit(key, common)] = leaf;
		t->nodes[join].child[key_bit(&old_key, common)] = old;
		*slot = join;
		return;
	}
}

void cidr_trie_free(struct cidr_trie *trie)
{
	if (!trie)
		return;
	free(trie->nodes);
	free(trie->values);
	free(trie);
}

int cidr_trie_build(unsigned width, const struct cidr_entry *entries, size_t n,
		    struct cidr_trie **ret)
{
	_cleanup_free_ struct sort_item *items = NULL;
	struct cidr_trie *t;

	if (width != 32 && width != 128)
		return -EINVAL;
	if (n > UINT32_MAX / 2)
		return -ENOMEM;

	items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct cidr_key k = key_load(entries[i].addr, width);
		struct cidr_key net = key_truncate(&k, entries[i].prefix_len);

		if (entries[i].prefix_len > width || key_cmp(&k, &net))
			return -EINVAL;
		items[i] = (struct sort_item){k, entries[i].prefix_len, entries[i].value};
	}
	qsort(items, n, sizeof(*items), sort_item_cmp);

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->width = width;
	t->root = NODE_NONE;
	t->nodes = calloc(n ? 2 * n : 1, sizeof(*t->nodes));
	t->values = calloc(n ? n : 1, sizeof(*t->values));
	if (!t->nodes || !t->values) {
		cidr_trie_free(t);
		return -ENOMEM;
	}

	for (size_t i = 0, end; i < n; i = end) {
		for (end = i + 1; end < n; end++)
			if (items[end].prefix_len != items[i].prefix_len ||
			    key_cmp(&items[end].key, &items[i].key))
				break;
		for (size_t j = i; j < end; j++)
			t->values[j] = items[j].value;
		trie_insert(t, &items[i].key, items[i].prefix_len, (uint32_t)i,
			    (uint32_t)(end - i));
	}

	*ret = t;
	return 0;
}

int cidr_trie_lowest(const struct cidr_trie *trie, const uint8_t *addr, cidr_trie_accept_fn accept,
		     void *userdata, uint32_t *ret_value)
{
	struct cidr_key k = key_load(addr, trie->width);
	uint32_t best = UINT32_MAX;
	bool found = false;

	for (uint32_t id = trie->root; id != NODE_NONE;) {
		const struct cidr_node *node = &trie->nodes[id];

		if (!key_has_prefix(&k, &node->key, node->prefix_len))
			break;
		for (uint32_t i = 0; i < node->n_values; i++) {
			uint32_t v = trie->values[node->values_off + i];

			if (found && v >= best)
				break;
			if (!accept || accept(v, userdata)) {
				best = v;
				found = true;
				break;
			}
		}
		if (node->prefix_len >= trie->width)
			break;
		id = node->child[key_bit(&k, node->prefix_len)];
	}

	if (!found)
		return -ENOENT;
	*ret_value = best;
	return 0;
}

size_t cidr_trie_node_count(const struct cidr_trie *trie)
{
	return trie->n_nodes;
}
