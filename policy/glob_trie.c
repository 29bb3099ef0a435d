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

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "glob_pattern.h"
#include "glob_trie_internal.h"
#include "util.h"

#define NIL		 UINT32_MAX
#define MAX_NODES	 STATE_INDEX
#define BOUND_SATURATION (1ull << 40)

enum edge_kind {
	EDGE_ROOT,
	EDGE_LIT,
	EDGE_WILD,
	EDGE_STAR,
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
		key_of(t->bpool + sl->str_off, sl->len, false, &k);
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

	key_of(s, n, false, &k);
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
	if (t->flavor == GLOB_TRIE_PATH && !t->no_prefix_cache &&
	    !(t->prefix = gt_prefix_cache_new()))
		return -ENOMEM;
	base = aligned_alloc(64, size);
	if (!base) {
		free(t->prefix);
		t->prefix = NULL;
		return -ENOMEM;
	}
	memset(base, 0, size);
	image_fill(t, &hdr, base);

	free_build(t);
	gt_attach(t, base);
	return 0;
}

int glob_trie_freeze_uncached(struct glob_trie *t)
{
	t->no_prefix_cache = true;
	return glob_trie_freeze(t);
}

void gt_attach(struct glob_trie *t, char *base)
{
	const struct gt_image *h = (const struct gt_image *)base;

	t->image = (struct gt_image *)base;
	t->slots = (const struct gt_slot *)(base + h->slot_off);
	t->slot_count = h->slot_count;
	t->nodes = (const struct gt_node *)(base + h->node_off);
	t->wilds = (const struct gt_wild *)(base + h->wild_off);
	t->values = (const uint32_t *)(base + h->value_off);
	t->pool = base + h->pool_off;
	t->frozen = true;
}

void glob_trie_free(struct glob_trie *t)
{
	if (!t)
		return;
	free_build(t);
	free(t->prefix);
	if (!t->image_borrowed)
		free(t->image);
	free(t);
}
