/* SPDX-License-Identifier: MIT */
/*
 * Frozen layout. glob_trie_freeze() packs the trie into one block, the
 * image, that holds no pointers, only 32-bit indices and offsets, so that it
 * can later be written to a file and mapped back as it is (host byte order):
 *
 *   struct gt_image     header: magic, version, flavour, counts, the root's
 *                       state word and the byte offset of each array below
 *   struct gt_slot[]    the literal edges of all nodes in one open-addressed
 *                       hash table (linear probing, power-of-two size, at
 *                       most half full), keyed by (parent, segment bytes).
 *                       A slot is 32 bytes: parent, child state, length,
 *                       pool offset and the first 16 bytes of the segment,
 *                       so a lookup of a short segment reads one cache line
 *   struct gt_node[]    node 0 is the root; wildcard edges and values are
 *                       ranges [first, first + count) of the arrays below;
 *                       star is the state word of the '**' (PATH) or leading
 *                       "*." (HOST) child, 0 for none
 *   struct gt_wild[]    wildcard edges, grouped by parent node
 *   uint32_t[]          pattern values, grouped by node, in insertion order
 *   char[]              string pool: segment bytes, not NUL-terminated
 *
 * A state word is a node index in the low 28 bits and, in the high 4, what
 * the node has (literal edges, wildcard edges, a star child, values), so a
 * walk through literal segments touches only the slots, not the nodes.
 * Segment hashes read little-endian words: the same bytes hash the same on
 * every host. HOST patterns are stored lowercased and label by label from
 * the right: "dynamodb.*.amazonaws.com" is the chain com, amazonaws, *,
 * dynamodb.
 *
 * Matching simulates the trie as an NFA, one subject segment per step. The
 * active set keeps "loop" nodes (targets of '**' and "*.", active for every
 * later segment, never duplicated) at its front and the other nodes, each
 * reached by one edge from one active node, at its back. The work is
 * O(segments x active nodes), polynomial whatever the number of '**'. The
 * set has a fixed size so that matching never allocates; glob_trie_freeze()
 * bounds the set from the shape of the trie and refuses one that could
 * overflow it.
 */
#include "glob_trie.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "glob_match.h"
#include "util.h"

#define GT_MAGIC	 0x45495254u /* "TRIE" */
#define GT_VERSION	 1u
#define NIL		 UINT32_MAX
#define MAX_ACTIVE	 512 /* 2 sets of 2 KiB on the matcher's stack */
#define BOUND_SATURATION (1ull << 40)
#define HEAD_LEN	 16

#define STATE_INDEX  0x0fffffffu
#define STATE_LIT    (1u << 28)
#define STATE_WILD   (1u << 29)
#define STATE_STAR   (1u << 30)
#define STATE_VALUES (1u << 31)
#define MAX_NODES    STATE_INDEX

enum edge_kind {
	EDGE_ROOT,
	EDGE_LIT,
	EDGE_WILD,
	EDGE_STAR,
};

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

/* Construction-time node: lists are singly linked, newest first. */
struct build_node {
	uint32_t parent;
	uint32_t kind; /* enum edge_kind of the edge from parent */
	uint32_t star;
	uint32_t lit_count;
	uint32_t wild_head;
	uint32_t value_head;
};

struct build_wild {
	uint32_t str_off, str_len, child, next;
};

struct build_value {
	uint32_t value, next;
};

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

	/* Frozen state: the image and views into it. */
	struct gt_image *image;
	const struct gt_slot *slots;
	uint32_t slot_count;
	const struct gt_node *nodes;
	const struct gt_wild *wilds;
	const uint32_t *values;
	const char *pool;
};

/* ---- segment keys ---- */

struct seg_key {
	uint64_t hash;
	uint64_t head[2];
	size_t len;
};

static uint64_t load_le64(const char *s)
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
static uint64_t hash_word(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0xbf58476d1ce4e5b9ull;
}

/* full: number of whole 8-byte words hashed; last: the rest, zero-padded. */
static void key_finish(struct seg_key *k, uint64_t h, uint64_t last, size_t full, size_t len)
{
	if (full < 2)
		k->head[full] = last;
	k->hash = hash_word(h ^ len, last);
	k->len = len;
}

static void key_of(const char *s, size_t n, struct seg_key *k)
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
	for (size_t j = 0; i + j < n; j++)
		last |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
	key_finish(k, h, last, full, n);
}

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

/* Fibonacci hashing: the top bits of the product, shift = 64 - log2(slots). */
static uint32_t slot_index(uint64_t seg_hash, uint32_t parent, unsigned shift)
{
	return (uint32_t)(((seg_hash ^ parent) * 0x9e3779b97f4a7c15ull) >> shift);
}

static unsigned slot_shift(uint32_t slot_count)
{
	return 64 - (unsigned)__builtin_ctz(slot_count);
}

/* Returns the child's slot value, 0 if there is none. s: the segment bytes. */
static inline __attribute__((always_inline)) uint32_t
slot_find(const struct gt_slot *slots, uint32_t count, const char *pool, uint32_t parent,
	  const struct seg_key *k, const char *s)
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

/* ---- construction ---- */

/* '**' is not a wildcard edge but a loop: callers test for it first. */
static bool is_wild(enum glob_trie_flavor flavor, const char *s, size_t n)
{
	return memchr(s, '*', n) || (flavor == GLOB_TRIE_PATH && memchr(s, '?', n));
}

static int grow(void **array, uint32_t *cap, uint32_t need, size_t elem)
{
	uint64_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (n > UINT32_MAX || n * elem > SIZE_MAX / 2)
		return -ENOMEM;
	p = realloc(*array, n * elem);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = (uint32_t)n;
	return 0;
}

static int node_new(struct glob_trie *t, uint32_t parent, enum edge_kind kind, uint32_t *ret)
{
	int r;

	if (t->n_bnodes >= MAX_NODES)
		return -E2BIG;
	r = grow((void **)&t->bnodes, &t->cap_bnodes, t->n_bnodes + 1, sizeof(*t->bnodes));
	if (r < 0)
		return r;
	t->bnodes[t->n_bnodes] = (struct build_node){
		.parent = parent,
		.kind = kind,
		.wild_head = NIL,
		.value_head = NIL,
	};
	*ret = t->n_bnodes++;
	return 0;
}

static int pool_add(struct glob_trie *t, const char *s, size_t n, uint32_t *ret_off)
{
	int r;

	if (n > UINT32_MAX - t->n_bpool)
		return -ENOMEM;
	r = grow((void **)&t->bpool, &t->cap_bpool, t->n_bpool + (uint32_t)n, 1);
	if (r < 0)
		return r;
	memcpy(t->bpool + t->n_bpool, s, n);
	*ret_off = t->n_bpool;
	t->n_bpool += (uint32_t)n;
	return 0;
}

static void slot_put(struct gt_slot *slots, uint32_t count, uint64_t seg_hash,
		     const struct gt_slot *e)
{
	uint32_t i = slot_index(seg_hash, e->parent, slot_shift(count));

	while (slots[i].child != 0)
		i = (i + 1) & (count - 1);
	slots[i] = *e;
}

/* Makes room for one more literal edge, keeping the table at most half full. */
static int slots_reserve(struct glob_trie *t)
{
	uint32_t count = t->n_bslots ? t->n_bslots * 2 : 64;
	struct gt_slot *slots;
	struct seg_key k;

	if ((uint64_t)(t->bslots_used + 1) * 2 <= t->n_bslots)
		return 0;
	if (t->n_bslots > UINT32_MAX / 4)
		return -ENOMEM;
	slots = calloc(count, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n_bslots; i++) {
		const struct gt_slot *sl = &t->bslots[i];

		if (sl->child == 0)
			continue;
		key_of(t->bpool + sl->str_off, sl->len, &k);
		slot_put(slots, count, k.hash, sl);
	}
	free(t->bslots);
	t->bslots = slots;
	t->n_bslots = count;
	return 0;
}

static int child_lit(struct glob_trie *t, uint32_t node, const char *s, size_t n, uint32_t *ret)
{
	struct gt_slot e = {.parent = node, .len = (uint32_t)n};
	struct seg_key k;
	int r;

	key_of(s, n, &k);
	if (t->n_bslots > 0) {
		uint32_t child = slot_find(t->bslots, t->n_bslots, t->bpool, node, &k, s);

		if (child) {
			*ret = child;
			return 0;
		}
	}
	r = slots_reserve(t);
	if (r < 0)
		return r;
	r = pool_add(t, s, n, &e.str_off);
	if (r < 0)
		return r;
	r = node_new(t, node, EDGE_LIT, &e.child);
	if (r < 0)
		return r;
	e.head[0] = k.head[0];
	e.head[1] = k.head[1];
	slot_put(t->bslots, t->n_bslots, k.hash, &e);
	t->bslots_used++;
	t->bnodes[node].lit_count++;
	*ret = e.child;
	return 0;
}

static int child_wild(struct glob_trie *t, uint32_t node, const char *s, size_t n, uint32_t *ret)
{
	struct build_wild w = {.str_len = (uint32_t)n};
	int r;

	for (uint32_t i = t->bnodes[node].wild_head; i != NIL; i = t->bwilds[i].next)
		if (t->bwilds[i].str_len == n &&
		    memcmp(t->bpool + t->bwilds[i].str_off, s, n) == 0) {
			*ret = t->bwilds[i].child;
			return 0;
		}
	r = grow((void **)&t->bwilds, &t->cap_bwilds, t->n_bwilds + 1, sizeof(*t->bwilds));
	if (r < 0)
		return r;
	r = pool_add(t, s, n, &w.str_off);
	if (r < 0)
		return r;
	r = node_new(t, node, EDGE_WILD, &w.child);
	if (r < 0)
		return r;
	w.next = t->bnodes[node].wild_head;
	t->bwilds[t->n_bwilds] = w;
	t->bnodes[node].wild_head = t->n_bwilds++;
	*ret = w.child;
	return 0;
}

static int child_star(struct glob_trie *t, uint32_t node, uint32_t *ret)
{
	uint32_t child;
	int r;

	if (!t->bnodes[node].star) {
		r = node_new(t, node, EDGE_STAR, &child);
		if (r < 0)
			return r;
		t->bnodes[node].star = child;
	}
	*ret = t->bnodes[node].star;
	return 0;
}

static int child_seg(struct glob_trie *t, uint32_t node, const char *s, size_t n, uint32_t *ret)
{
	if (is_wild(t->flavor, s, n))
		return child_wild(t, node, s, n, ret);
	return child_lit(t, node, s, n, ret);
}

static int add_path(struct glob_trie *t, const char *p, size_t len, uint32_t *ret_node)
{
	uint32_t node = 0;
	int r;

	for (size_t i = 1; i < len;) {
		size_t end = glob_seg_end(p, len, i);

		if (glob_is_double_star(p + i, end - i))
			r = child_star(t, node, &node);
		else
			r = child_seg(t, node, p + i, end - i, &node);
		if (r < 0)
			return r;
		i = end + 1;
	}
	*ret_node = node;
	return 0;
}

static int add_host(struct glob_trie *t, const char *p, size_t len, uint32_t *ret_node)
{
	char lower[GLOB_HOST_MAX_LEN + 1];
	size_t stop, end, start;
	bool subdomains;
	uint32_t node = 0;
	int r;

	if (p[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++)
		lower[i] = glob_ascii_lower(p[i]);
	subdomains = len > 2 && lower[0] == '*' && lower[1] == '.';
	stop = subdomains ? 2 : 0;
	for (end = len; end > stop; end = start > stop ? start - 1 : stop) {
		start = glob_label_start(lower, end);
		r = child_seg(t, node, lower + start, end - start, &node);
		if (r < 0)
			return r;
	}
	if (subdomains)
		return child_star(t, node, ret_node);
	*ret_node = node;
	return 0;
}

int glob_trie_new(enum glob_trie_flavor flavor, struct glob_trie **ret)
{
	struct glob_trie *t;
	uint32_t root;
	int r;

	if (flavor != GLOB_TRIE_PATH && flavor != GLOB_TRIE_HOST)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->flavor = flavor;
	r = node_new(t, NIL, EDGE_ROOT, &root);
	if (r < 0) {
		glob_trie_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

int glob_trie_add(struct glob_trie *t, const char *pattern, uint32_t value)
{
	uint32_t node;
	int r;

	if (t->frozen)
		return -EBUSY;
	if (glob_validate(t->flavor, pattern, NULL, NULL) < 0)
		return -EINVAL;
	if (t->pattern_count == UINT32_MAX)
		return -E2BIG;
	r = grow((void **)&t->bvalues, &t->cap_bvalues, t->n_bvalues + 1, sizeof(*t->bvalues));
	if (r < 0)
		return r;
	if (t->flavor == GLOB_TRIE_PATH)
		r = add_path(t, pattern, strlen(pattern), &node);
	else
		r = add_host(t, pattern, strlen(pattern), &node);
	/* On failure the nodes made so far stay, without values: harmless. */
	if (r < 0)
		return r;
	t->bvalues[t->n_bvalues] = (struct build_value){value, t->bnodes[node].value_head};
	t->bnodes[node].value_head = t->n_bvalues++;
	t->pattern_count++;
	return 0;
}

size_t glob_trie_size(const struct glob_trie *t)
{
	return t->pattern_count;
}

/* ---- freezing ---- */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b > BOUND_SATURATION ? BOUND_SATURATION : a + b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

struct bound_acc {
	uint64_t width_lit, width_wild; /* transient width: max over literals, sum over wilds */
	uint64_t loops_lit, loops_wild; /* loop weight if entered once: likewise */
	uint64_t loops_all;		/* loop weight if entered at many steps: plain sum */
	uint64_t width, loops_once;	/* this node's results */
	uint64_t height;
};

/*
 * Upper bound on the active set. Without '**' a node is active at one step
 * only and, of its children, one literal and all wildcards can follow it,
 * so the transient width is max(1, max over literals + sum over wilds).
 * A loop node is active from its first step on and admits a new wave of
 * children at every step: at most height x width transient nodes, plus
 * itself. Loop nodes in a subtree entered at many steps may all be active at
 * once. Node indices grow from parent to child, so one backward pass sees
 * every child before its parent.
 */
static int compute_bound(const struct glob_trie *t, uint64_t *ret)
{
	_cleanup_free_ struct bound_acc *acc = calloc(t->n_bnodes, sizeof(*acc));

	if (!acc)
		return -ENOMEM;
	for (uint32_t i = t->n_bnodes; i-- > 0;) {
		const struct build_node *bn = &t->bnodes[i];
		struct bound_acc *a = &acc[i], *p;
		uint64_t kids = sat_add(a->width_lit, a->width_wild);

		a->width = max_u64(1, kids);
		if (bn->kind == EDGE_STAR) {
			/* height <= GLOB_MAX_LEN: the product cannot overflow */
			uint64_t weight = sat_add(1, a->height * kids);

			a->loops_once = sat_add(weight, a->loops_all);
			a->loops_all = a->loops_once;
		} else {
			a->loops_once = sat_add(a->loops_lit, a->loops_wild);
		}
		if (bn->star) {
			a->loops_once = sat_add(a->loops_once, acc[bn->star].loops_once);
			a->loops_all = sat_add(a->loops_all, acc[bn->star].loops_all);
		}
		if (bn->kind == EDGE_ROOT || bn->kind == EDGE_STAR)
			continue;
		p = &acc[bn->parent];
		p->height = max_u64(p->height, a->height + 1);
		p->loops_all = sat_add(p->loops_all, a->loops_all);
		if (bn->kind == EDGE_LIT) {
			p->width_lit = max_u64(p->width_lit, a->width);
			p->loops_lit = max_u64(p->loops_lit, a->loops_once);
		} else {
			p->width_wild = sat_add(p->width_wild, a->width);
			p->loops_wild = sat_add(p->loops_wild, a->loops_once);
		}
	}
	*ret = sat_add(acc[0].width, acc[0].loops_once);
	return 0;
}

static uint32_t state_of(const struct glob_trie *t, uint32_t node)
{
	const struct build_node *bn = &t->bnodes[node];

	return node | (bn->lit_count ? STATE_LIT : 0) | (bn->wild_head != NIL ? STATE_WILD : 0) |
	       (bn->star ? STATE_STAR : 0) | (bn->value_head != NIL ? STATE_VALUES : 0);
}

static uint32_t image_place(uint64_t *off, uint64_t size)
{
	uint32_t at = (uint32_t)*off;

	*off = (*off + size + 63) & ~63ull;
	return at;
}

static void free_build(struct glob_trie *t)
{
	free(t->bnodes);
	free(t->bwilds);
	free(t->bvalues);
	free(t->bpool);
	free(t->bslots);
	t->bnodes = NULL;
	t->bwilds = NULL;
	t->bvalues = NULL;
	t->bpool = NULL;
	t->bslots = NULL;
}

/* Copies the construction state into the image laid out by hdr. */
static void image_fill(const struct glob_trie *t, const struct gt_image *hdr, char *base)
{
	struct gt_slot *slots = (struct gt_slot *)(base + hdr->slot_off);
	struct gt_node *nodes = (struct gt_node *)(base + hdr->node_off);
	struct gt_wild *wilds = (struct gt_wild *)(base + hdr->wild_off);
	uint32_t *values = (uint32_t *)(base + hdr->value_off);
	uint32_t next_wild = 0, next_value = 0;

	for (uint32_t i = 0; i < hdr->slot_count; i++) {
		slots[i] = t->bslots[i];
		if (slots[i].child)
			slots[i].child = state_of(t, slots[i].child);
	}
	for (uint32_t i = 0; i < hdr->node_count; i++) {
		const struct build_node *bn = &t->bnodes[i];
		struct gt_node *n = &nodes[i];
		uint32_t k;

		n->star = bn->star ? state_of(t, bn->star) : 0;
		n->wild_first = next_wild;
		for (uint32_t w = bn->wild_head; w != NIL; w = t->bwilds[w].next)
			n->wild_count++;
		next_wild += n->wild_count;
		n->value_first = next_value;
		for (uint32_t v = bn->value_head; v != NIL; v = t->bvalues[v].next)
			n->value_count++;
		next_value += n->value_count;

		/* The lists are newest first: fill each range from its end. */
		k = n->wild_count;
		for (uint32_t w = bn->wild_head; w != NIL; w = t->bwilds[w].next)
			wilds[n->wild_first + --k] = (struct gt_wild){
				.str_off = t->bwilds[w].str_off,
				.str_len = t->bwilds[w].str_len,
				.child = state_of(t, t->bwilds[w].child),
			};
		k = n->value_count;
		for (uint32_t v = bn->value_head; v != NIL; v = t->bvalues[v].next)
			values[n->value_first + --k] = t->bvalues[v].value;
	}
	if (hdr->pool_size)
		memcpy(base + hdr->pool_off, t->bpool, hdr->pool_size);
	memcpy(base, hdr, sizeof(*hdr));
}

int glob_trie_freeze(struct glob_trie *t)
{
	struct gt_image hdr = {
		.magic = GT_MAGIC,
		.version = GT_VERSION,
		.flavor = t->flavor,
		.pattern_count = t->pattern_count,
		.node_count = t->n_bnodes,
		.wild_count = t->n_bwilds,
		.value_count = t->n_bvalues,
		.pool_size = t->n_bpool,
	};
	uint64_t bound, size = 0;
	char *base;
	int r;

	if (t->frozen)
		return 0;
	r = slots_reserve(t); /* gives an empty trie its (empty) table */
	if (r < 0)
		return r;
	r = compute_bound(t, &bound);
	if (r < 0)
		return r;
	if (bound > MAX_ACTIVE)
		return -E2BIG;
	hdr.max_active = (uint32_t)bound;
	hdr.root_state = state_of(t, 0);
	hdr.slot_count = t->n_bslots;

	image_place(&size, sizeof(hdr));
	hdr.slot_off = image_place(&size, (uint64_t)hdr.slot_count * sizeof(struct gt_slot));
	hdr.node_off = image_place(&size, (uint64_t)hdr.node_count * sizeof(struct gt_node));
	hdr.wild_off = image_place(&size, (uint64_t)hdr.wild_count * sizeof(struct gt_wild));
	hdr.value_off = image_place(&size, (uint64_t)hdr.value_count * sizeof(uint32_t));
	hdr.pool_off = image_place(&size, hdr.pool_size);
	if (size > UINT32_MAX)
		return -E2BIG;
	hdr.total_size = (uint32_t)size;
	base = aligned_alloc(64, size);
	if (!base)
		return -ENOMEM;
	memset(base, 0, size);
	image_fill(t, &hdr, base);

	free_build(t);
	t->image = (struct gt_image *)base;
	t->slots = (const struct gt_slot *)(base + hdr.slot_off);
	t->slot_count = hdr.slot_count;
	t->nodes = (const struct gt_node *)(base + hdr.node_off);
	t->wilds = (const struct gt_wild *)(base + hdr.wild_off);
	t->values = (const uint32_t *)(base + hdr.value_off);
	t->pool = base + hdr.pool_off;
	t->frozen = true;
	return 0;
}

void glob_trie_free(struct glob_trie *t)
{
	if (!t)
		return;
	free_build(t);
	free(t->image);
	free(t);
}

/* ---- matching ---- */

/* State words: loop nodes fill state[] from the front, the others from the back. */
struct active {
	uint32_t n_loop, n_trans;
	uint32_t state[MAX_ACTIVE];
};

static inline __attribute__((always_inline)) int active_add_loop(struct active *set, uint32_t state)
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
static inline __attribute__((always_inline)) int active_enter(const struct glob_trie *t,
							      struct active *set, uint32_t state)
{
	if (unlikely(set->n_loop + set->n_trans >= MAX_ACTIVE))
		return -E2BIG;
	set->state[MAX_ACTIVE - ++set->n_trans] = state;
	if (t->flavor == GLOB_TRIE_PATH && (state & STATE_STAR))
		return active_add_loop(set, t->nodes[state & STATE_INDEX].star);
	return 0;
}

static inline __attribute__((always_inline)) int step_from(const struct glob_trie *t,
							   uint32_t state, const struct seg_key *k,
							   const char *s, struct active *next)
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
	char lower[GLOB_HOST_MAX_LEN];
	struct seg_key k;
	size_t end, start;
	int r;

	r = glob_host_prepare(s, len, lower, &len);
	if (r < 0)
		return r;
	r = active_enter(t, *cur, t->image->root_state);
	for (end = len; r >= 0 && end > 0 && !active_empty(*cur); end = start ? start - 1 : 0) {
		start = glob_label_start(lower, end);
		key_of(lower + start, end - start, &k);
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
