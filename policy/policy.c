// SPDX-License-Identifier: MIT
/*
 * policy — loading (with "extends"), compiling the matchers, and judging.
 *
 * Rule semantics (DESIGN.md): file rights are the union of every matching
 * allow rule, and an explicit deny of a requested right wins over any allow.
 * Network and exec rules only allow. Everything not allowed is denied; what
 * happens then (log, block) is the caller's business via policy_action().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "exec_rules.h"
#include "file_matcher.h"
#include "glob_pattern.h"
#include "glob_trie.h"
#include "learn_diff.h"
#include "policy.h"
#include "profile.h"
#include "profile_image.h"
#include "syscall_table.h"
#include "util.h"

/*
 * A rule's literal root: the first len bytes of its glob (the profile owns
 * the text; nothing is copied: a profile of 10 000 rules made 11 000 copies
 * at every process's start). dir: the rule names things inside it (a
 * wildcard follows), so the root is on their way (policy_path_is_ancestor).
 */
struct root {
	const char *s;
	uint32_t len;
	bool dir;
};

struct policy {
	struct profile *doc;	  /* the document as read */
	struct profile *resolved; /* the document with everything it extends */
	enum policy_mode mode;
	int actions[POLICY_CATEGORY_MAX]; /* -1: follow mode */
	enum policy_on_error on_error;
	struct glob_trie *files;
	bool files_prebuilt; /* the trie came from a bundle (file_matcher.h) */
	/* Built at load, or when first asked (net_later): policy_net(). */
	_Atomic(struct net_rules *) net;
	bool net_later;
	atomic_bool net_failed; /* a build when first asked failed for good: every check fails */
	struct exec_rules *exec;
	uint64_t hash;
	/* Literal prefixes of rules granting 'c', the topmost of each tree (policy_path_link_root). */
	struct root *create_roots;
	size_t n_create_roots;
	uint32_t *create_slots; /* a hash of create_roots when they are many; 0: empty */
	size_t create_mask;
	/* Literal prefixes of rules granting anything (policy_path_is_ancestor). */
	struct root *allow_roots;
	size_t n_allow_roots;
};

void policy_default_search_path(const char *env, char *buf, size_t size)
{
	size_t n = 0;
	if (!size)
		return;
	buf[0] = '\0';
	if (env && *env)
		n += (size_t)snprintf(buf, size, "%s:", env);
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s", FNGUARD_PROFILES_DIR);
	if (n < size && access(FNGUARD_PROFILES_DIR, F_OK) < 0)
		snprintf(buf + n, size - n, ":%s", FNGUARD_SOURCE_PROFILES_DIR);
}

static const char *const mode_names[] = {"record", "alert", "enforce"};
static const char *const category_names[] = {"file", "network", "exec", "syscall"};

const char *policy_mode_to_string(enum policy_mode mode)
{
	return (unsigned)mode < ELEMENTSOF(mode_names) ? mode_names[mode] : "invalid";
}

int policy_mode_from_string(const char *s, enum policy_mode *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(mode_names); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*ret = (enum policy_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *policy_category_to_string(enum policy_category category)
{
	return (unsigned)category < ELEMENTSOF(category_names) ? category_names[category]
							       : "invalid";
}

/* ---- reading files ------------------------------------------------------- */

int policy_read_file(const char *path, char **ret, size_t *ret_len)
{
	/* O_NONBLOCK: a FIFO (a profile or an "extends" target) must not hang the caller. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > PROFILE_MAX_BYTES)
		return -EFBIG;
	/* Room for the NUL and one byte more: a file of the size fstat gave is read without a realloc. */
	size_t cap = (size_t)st.st_size + 2, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > PROFILE_MAX_BYTES)
				return -EFBIG;
			char *b = realloc(buf, cap * 2);
			if (!b)
				return -ENOMEM;
			buf = b;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = steal_ptr(buf);
	*ret_len = len;
	return 0;
}

/* ---- extends ------------------------------------------------------------- */

struct load_stack {
	const char *real[PROFILE_MAX_EXTENDS_DEPTH + 1];
	size_t depth;
};

static const char *search_path(const struct policy_load_opts *opts)
{
	if (!opts)
		return NULL;
	if (opts->search_path || !opts->search_path_fn)
		return opts->search_path;
	return opts->search_path_fn(opts->userdata);
}

static bool looks_like_file(const char *name)
{
	size_t n = strlen(name);
	return strchr(name, '/') || (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

/* Finds the file for an extends entry. Caller frees *ret. */
static int find_extends(const char *including, const char *name,
			const struct policy_load_opts *opts, char **ret)
{
	char *path = NULL;
	if (looks_like_file(name)) {
		if (name[0] == '/') {
			path = strdup(name);
		} else {
			const char *slash = including ? strrchr(including, '/') : NULL;
			int dirlen = slash ? (int)(slash - including) : 1;
			if (asprintf(&path, "%.*s/%s", dirlen, slash ? including : ".", name) < 0)
				path = NULL;
		}
		if (!path)
			return -ENOMEM;
		if (access(path, F_OK) < 0) {
			free(path);
			return -ENOENT;
		}
		*ret = path;
		return 0;
	}
	const char *sp = search_path(opts);
	while (sp && *sp) {
		const char *colon = strchr(sp, ':');
		size_t dlen = colon ? (size_t)(colon - sp) : strlen(sp);
		if (dlen) {
			if (asprintf(&path, "%.*s/%s.json", (int)dlen, sp, name) < 0)
				return -ENOMEM;
			if (access(path, F_OK) == 0) {
				*ret = path;
				return 0;
			}
			free(path);
		}
		sp = colon ? colon + 1 : NULL;
	}
	return -ENOENT;
}

static void inherit_scalars(struct profile *dst, const struct profile *src)
{
	if (src->mode >= 0)
		dst->mode = src->mode;
	for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++)
		if (src->actions[i] >= 0)
			dst->actions[i] = src->actions[i];
	if (src->on_error >= 0)
		dst->on_error = src->on_error;
}

static int load_tree(const char *file, const char *text, size_t len,
		     const struct policy_load_opts *opts, struct load_stack *stack,
		     struct diag_list *diags, struct profile **ret_doc,
		     struct profile **ret_resolved);

static int load_extended(const struct profile *doc, size_t i, const char *including,
			 const struct policy_load_opts *opts, struct load_stack *stack,
			 struct diag_list *diags, struct profile *resolved)
{
	const char *name = doc->extends.items[i];
	const struct rule_origin *at = &doc->extends_at[i];
	char jpath[32];
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *text = NULL;
	char real[PATH_MAX];
	size_t len = 0;
	int r;

	snprintf(jpath, sizeof(jpath), "extends[%zu]", i);
	r = find_extends(including, name, opts, &path);
	if (r == -ENOMEM)
		return r;
	if (r < 0 && looks_like_file(name)) {
		diag_add(diags, at->file, at->line, at->col, jpath,
			 "cannot find '%s' (a file name in extends is relative to the profile "
			 "that names it)",
			 name);
		return -EINVAL;
	}
	if (r < 0) {
		const char *sp = search_path(opts);
		diag_add(diags, at->file, at->line, at->col, jpath,
			 "cannot find profile '%s' (search path: %s)", name,
			 sp && *sp ? sp : "empty");
		return -EINVAL;
	}
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (size_t k = 0; k < stack->depth; k++) {
		if (strcmp(stack->real[k], real) == 0) {
			diag_add(diags, at->file, at->line, at->col, jpath,
				 "extends cycle: '%s' is already being loaded", path);
			return -ELOOP;
		}
	}
	if (stack->depth >= PROFILE_MAX_EXTENDS_DEPTH) {
		diag_add(diags, at->file, at->line, at->col, jpath,
			 "extends nested deeper than %d profiles", PROFILE_MAX_EXTENDS_DEPTH);
		return -ELOOP;
	}
	r = policy_read_file(path, &text, &len);
	if (r < 0) {
		diag_add(diags, at->file, at->line, at->col, jpath, "cannot read '%s': %s", path,
			 strerror(-r));
		return r == -ENOMEM ? r : -EINVAL;
	}
	struct profile *sub_doc = NULL, *sub = NULL;
	stack->real[stack->depth++] = real;
	r = load_tree(path, text, len, opts, stack, diags, &sub_doc, &sub);
	stack->real[--stack->depth] = NULL; /* `real` dies with this frame */
	if (r < 0)
		return r;
	r = profile_union(resolved, sub);
	if (r == 0)
		inherit_scalars(resolved, sub);
	profile_free(sub_doc);
	profile_free(sub);
	return r;
}

static int load_tree(const char *file, const char *text, size_t len,
		     const struct policy_load_opts *opts, struct load_stack *stack,
		     struct diag_list *diags, struct profile **ret_doc,
		     struct profile **ret_resolved)
{
	struct profile *doc = NULL, *resolved = NULL;
	int r = profile_read_json(file, text, len, opts, &doc, diags);
	if (r < 0)
		return r;
	resolved = profile_new();
	if (!resolved) {
		profile_free(doc);
		return -ENOMEM;
	}
	int first_err = 0;
	if (!opts || !opts->no_extends) {
		for (size_t i = 0; i < doc->extends.n; i++) {
			r = load_extended(doc, i, file, opts, stack, diags, resolved);
			if (r == -ENOMEM) {
				first_err = r;
				break;
			}
			if (r < 0 && !first_err)
				first_err = r;
		}
	}
	if (!first_err)
		first_err = profile_union(resolved, doc);
	if (first_err < 0) {
		profile_free(doc);
		profile_free(resolved);
		return first_err;
	}
	inherit_scalars(resolved, doc);
	resolved->format = doc->format;
	if (doc->name && !(resolved->name = strdup(doc->name))) {
		profile_free(doc);
		profile_free(resolved);
		return -ENOMEM;
	}
	*ret_doc = doc;
	*ret_resolved = resolved;
	return 0;
}

/* ---- compiling ------------------------------------------------------------ */

/* The glob's leading literal segments: "/tmp/**" -> "/tmp", "/a/b*" -> "/a". */
/* The length of glob's literal root: up to the last '/' before a wildcard, or all of it. */
static size_t literal_root_len(const char *glob, bool *ret_wild)
{
	size_t end = 0, i;
	for (i = 0; glob[i]; i++) {
		if (glob[i] == '*' || glob[i] == '?')
			break;
		if (glob[i] == '/')
			end = i;
	}
	*ret_wild = glob[i] != '\0';
	if (!*ret_wild)
		end = i;
	return end ? end : 1;
}

static bool under_root(const struct root *root, const char *path, size_t len)
{
	size_t rl = root->len;
	if (rl == 1)
		return true; /* "/" */
	return len >= rl && memcmp(root->s, path, rl) == 0 && (len == rl || path[rl] == '/');
}

/* FNV-1a over n bytes: create roots' hash, and the profile's (policy_hash). */
static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * Many create roots (a profile with a cache directory per job, say) are
 * looked up by the path's own prefixes in a hash, not one by one: a name
 * is checked against as many roots as it has components.
 */
#define CREATE_ROOTS_SCANNED 8

static uint32_t *create_slot(const struct policy *pol, const char *s, size_t n)
{
	for (size_t h = fnv1a(s, n) & pol->create_mask;; h = (h + 1) & pol->create_mask) {
		uint32_t *slot = &pol->create_slots[h];
		const struct root *r = *slot ? &pol->create_roots[*slot - 1] : NULL;
		if (!r || (r->len == n && memcmp(r->s, s, n) == 0))
			return slot;
	}
}

static int collect_create_roots(struct policy *pol)
{
	const struct profile *p = pol->resolved;
	size_t n = 0;
	bool wild;

	for (size_t i = 0; i < p->n_files; i++)
		n += (p->files[i].allow & POLICY_RIGHT_CREATE) != 0;
	if (!n)
		return 0;
	pol->create_roots = calloc(n, sizeof(*pol->create_roots));
	if (!pol->create_roots)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].allow & POLICY_RIGHT_CREATE) {
			const char *g = p->files[i].glob;
			pol->create_roots[pol->n_create_roots++] =
				(struct root){g, (uint32_t)literal_root_len(g, &wild), false};
		}
	if (pol->n_create_roots <= CREATE_ROOTS_SCANNED) {
		/* Few: only the topmost of each tree is kept, for a scan. */
		size_t w = 0;
		for (size_t k = 0; k < pol->n_create_roots; k++) {
			bool covered = false;
			for (size_t m = 0; m < pol->n_create_roots && !covered; m++) {
				const struct root *a = &pol->create_roots[m],
						  *b = &pol->create_roots[k];
				/* Under another (the first of equal ones stays). */
				covered = m != k && under_root(a, b->s, b->len) &&
					  (a->len != b->len || m < k);
			}
			if (!covered)
				pol->create_roots[w++] = pol->create_roots[k];
		}
		pol->n_create_roots = w;
		return 0;
	}
	size_t cap = 16;
	while (cap < 2 * pol->n_create_roots)
		cap *= 2;
	pol->create_slots = calloc(cap, sizeof(*pol->create_slots));
	if (!pol->create_slots)
		return -ENOMEM;
	pol->create_mask = cap - 1;
	for (size_t k = 0; k < pol->n_create_roots; k++) {
		const struct root *r = &pol->create_roots[k];
		uint32_t *slot = create_slot(pol, r->s, r->len);
		if (!*slot)
			*slot = (uint32_t)k + 1;
	}
	return 0;
}

static int collect_allow_roots(struct policy *pol)
{
	const struct profile *p = pol->resolved;
	size_t n = 0;
	bool wild;

	for (size_t i = 0; i < p->n_files; i++)
		n += p->files[i].allow != 0;
	if (!n)
		return 0;
	pol->allow_roots = malloc(n * sizeof(*pol->allow_roots));
	if (!pol->allow_roots)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_files; i++) {
		if (!p->files[i].allow)
			continue;
		const char *g = p->files[i].glob;
		size_t rl = literal_root_len(g, &wild);
		/*
		 * A rule with a wildcard names things inside its root: the root
		 * itself is on their way ("/var/task/*.js" makes "/var/task" one).
		 */
		pol->allow_roots[pol->n_allow_roots++] =
			(struct root){g, (uint32_t)rl, wild && rl > 1};
	}
	return 0;
}

/*
 * Below the literal root of a rule with wildcards: whether path, segment by
 * segment, matches the rule's segments after the root with one left over,
 * so that what the rule names can be inside it ("/srv/*" + "/app/**": the
 * directories "/srv/x" and "/srv/x/app"). A "**" segment stops it: every
 * name below would be on the way ("/**" + "/package.json"), metadata of the
 * whole tree, where a segment pattern keeps to the directories it matches
 * (found missing by a refusal sweep: node's require() lstats each directory
 * of an allowed file's path, and "/S/app" under "/S/" + "*" + "/allowed/**"
 * was refused).
 */
static bool wild_ancestor(const struct root *r, const char *path, size_t len)
{
	size_t rl = r->len;
	const char *pend = path + len;
	const char *p, *g;

	/* Rules rooted at "/" have no dir root (struct root): not walked. */
	if (rl < 2 || len <= rl || memcmp(r->s, path, rl) != 0 || path[rl] != '/' ||
	    r->s[rl] != '/')
		return false;
	p = path + rl + 1;
	g = r->s + rl + 1;
	while (p < pend) {
		const char *pe = memchr(p, '/', (size_t)(pend - p));
		const char *ge = strchr(g, '/');
		if (!pe)
			pe = pend;
		if (!ge)
			ge = g + strlen(g);
		if (ge == g || (ge - g == 2 && g[0] == '*' && g[1] == '*') ||
		    !glob_seg_match(g, (size_t)(ge - g), p, (size_t)(pe - p), false))
			return false;
		p = pe < pend ? pe + 1 : pe;
		g = *ge ? ge + 1 : ge;
	}
	return *g != '\0';
}

bool policy_path_is_ancestor(const struct policy *pol, const char *path, size_t len)
{
	if (len == 0 || path[0] != '/')
		return false;
	for (size_t k = 0; k < pol->n_allow_roots; k++) {
		const struct root *r = &pol->allow_roots[k];
		/* The root with a '/' after it when it is a wildcard's (see struct root). */
		size_t rl = r->len + r->dir;
		/* "/" is every rooted rule's ancestor; otherwise path + '/' begins the root. */
		if (len == 1 ? rl > 1
			     : rl > len && memcmp(r->s, path, len) == 0 &&
				       (len < r->len ? r->s[len] == '/' : r->dir))
			return true;
	}
	return false;
}

bool policy_path_is_dir_ancestor(const struct policy *pol, const char *path, size_t len)
{
	if (len < 2 || path[0] != '/')
		return false;
	for (size_t k = 0; k < pol->n_allow_roots; k++)
		if (pol->allow_roots[k].dir && wild_ancestor(&pol->allow_roots[k], path, len))
			return true;
	return false;
}

bool policy_path_denies_below(const struct policy *pol, const char *path, size_t len)
{
	const struct profile *p = pol->resolved;
	char below[PATH_MAX + 4];

	if (len == 0 || len + 4 > sizeof(below))
		return true;
	memcpy(below, path, len);
	memcpy(below + len, len == 1 ? "**" : "/**", len == 1 ? 3 : 4);
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].deny && learn_glob_intersects(p->files[i].glob, below))
			return true;
	return false;
}

size_t policy_path_link_root(const struct policy *pol, const char *path, size_t len)
{
	if (!pol->create_slots) {
		for (size_t k = 0; k < pol->n_create_roots; k++)
			if (under_root(&pol->create_roots[k], path, len))
				return pol->create_roots[k].len;
		return 0;
	}
	/* The shortest of the path's prefixes (at a '/' or its end) that is a root: the topmost. */
	if (len == 0 || path[0] != '/')
		return 0;
	if (*create_slot(pol, "/", 1))
		return 1;
	for (size_t i = 1; i <= len; i++)
		if ((i == len || path[i] == '/') && *create_slot(pol, path, i))
			return i;
	return 0;
}

bool policy_path_may_hold_links(const struct policy *pol, const char *path, size_t len)
{
	return policy_path_link_root(pol, path, len) != 0;
}

/* The file rules' trie: a bundle's when it was built from these globs, else built here. */
static int compile_files(struct policy *pol, const void *matcher, size_t matcher_len, bool in_place,
			 struct diag_list *diags)
{
	const struct profile *p = pol->resolved;
	int r;

	if (matcher) {
		r = file_matcher_load(matcher, matcher_len, p, in_place, &pol->files);
		if (r == -EINVAL)
			diag_add(diags, p->sources.n ? p->sources.items[0] : NULL, 0, 0, NULL,
				 "the bundle's file matcher is damaged");
		if (r < 0 || pol->files) {
			pol->files_prebuilt = pol->files != NULL;
			return r;
		}
	}
	r = glob_trie_new(GLOB_TRIE_PATH, &pol->files);
	for (size_t i = 0; r == 0 && i < p->n_files; i++)
		r = glob_trie_add(pol->files, p->files[i].glob, (uint32_t)i);
	if (r == 0)
		r = glob_trie_freeze(pol->files);
	return r;
}

/*
 * Builds the matchers of pol->resolved; its hash is computed unless known
 * (a bundle's), and the file trie taken from matcher when it fits.
 */
/* The profile's network rules as net_rules wants them (validated, or built into *ret). */
static int net_rules_of(const struct profile *p, struct net_rules **ret)
{
	struct net_rule *rules = calloc(p->n_net ? p->n_net : 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_net; i++)
		rules[i] = p->net[i].rule;
	int r = ret ? net_rules_build(rules, p->n_net, ret) : net_rules_validate(rules, p->n_net);
	free(rules);
	return r;
}

/*
 * The network matchers, built now if they were left for the first check
 * (policy_load_opts.net_when_asked). Two threads asking first both build;
 * one keeps its own and frees the other. NULL when they cannot be built.
 */
static const struct net_rules *policy_net(const struct policy *pol)
{
	/* The policy is never in read-only memory: const is the checks' promise, kept. */
	struct policy *mut = (struct policy *)pol;
	struct net_rules *n = atomic_load_explicit(&mut->net, memory_order_acquire);
	struct net_rules *none = NULL;

	if (n || !pol->net_later || atomic_load_explicit(&mut->net_failed, memory_order_relaxed))
		return n;
	int r = net_rules_of(pol->resolved, &n);
	if (r < 0) {
		/* Out of memory may pass; anything else would fail again on every check. */
		if (r != -ENOMEM)
			atomic_store_explicit(&mut->net_failed, true, memory_order_relaxed);
		return NULL;
	}
	if (!atomic_compare_exchange_strong_explicit(&mut->net, &none, n, memory_order_acq_rel,
						     memory_order_acquire)) {
		net_rules_free(n);
		return none;
	}
	return n;
}

static int compile(struct policy *pol, const uint64_t *known_hash, const void *matcher,
		   size_t matcher_len, bool in_place, bool net_later, bool net_checked,
		   struct diag_list *diags)
{
	const struct profile *p = pol->resolved;
	int r;

	r = compile_files(pol, matcher, matcher_len, in_place, diags);
	if (r == -E2BIG) {
		diag_add(diags, p->sources.n ? p->sources.items[0] : NULL, 0, 0, "files",
			 "too many wildcard rules could match one path at once (over %d): "
			 "merge them under a common '**'",
			 512);
		return -EINVAL;
	}
	if (r < 0)
		return r;

	struct net_rules *net = NULL;
	pol->net_later = net_later;
	/*
	 * Left for the first check: checked now all the same, so a bad rule
	 * refuses the load (unless the process that handed the bytes down did).
	 */
	r = net_later && net_checked ? 0 : net_rules_of(p, net_later ? NULL : &net);
	atomic_store_explicit(&pol->net, net, memory_order_release);
	if (r == -E2BIG || r == -EINVAL) {
		diag_add(diags, p->sources.n ? p->sources.items[0] : NULL, 0, 0, "network",
			 "the network rules could not be compiled (%s)", strerror(-r));
		return -EINVAL;
	}
	if (r < 0)
		return r;

	r = exec_rules_build(p->exec, p->n_exec, &pol->exec);
	if (r == -E2BIG) {
		diag_add(diags, p->sources.n ? p->sources.items[0] : NULL, 0, 0, "exec",
			 "too many wildcard rules could match one program at once");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	r = collect_create_roots(pol);
	if (r < 0)
		return r;
	r = collect_allow_roots(pol);
	if (r < 0)
		return r;

	pol->mode = p->mode >= 0 ? (enum policy_mode)p->mode : POLICY_MODE_ENFORCE;
	for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++)
		pol->actions[i] = p->actions[i];
	pol->on_error =
		p->on_error >= 0 ? (enum policy_on_error)p->on_error : POLICY_ON_ERROR_CLOSED;

	if (known_hash) {
		pol->hash = *known_hash;
		return 0;
	}
	_cleanup_free_ char *canonical = NULL;
	r = profile_write_json(p, false, &canonical);
	if (r < 0)
		return r;
	pol->hash = fnv1a(canonical, strlen(canonical));
	return 0;
}

int policy_load_buffer(const char *name, const char *text, size_t len,
		       const struct policy_load_opts *opts, struct policy **ret,
		       struct diag_list *diags)
{
	struct load_stack stack = {0};
	char real[PATH_MAX];
	struct policy *pol = calloc(1, sizeof(*pol));
	int r;

	if (!pol)
		return -ENOMEM;
	if (name && realpath(name, real))
		stack.real[stack.depth++] = real;
	r = load_tree(name, text, len, opts, &stack, diags, &pol->doc, &pol->resolved);
	if (r == 0)
		r = compile(pol, NULL, NULL, 0, false, false, false, diags);
	if (r < 0) {
		policy_free(pol);
		return r;
	}
	*ret = pol;
	return 0;
}

int policy_new_empty(const char *name, enum policy_mode mode, struct policy **ret)
{
	struct policy *pol = calloc(1, sizeof(*pol));
	uint64_t hash = 0; /* no document to hash: nothing to parse */
	struct diag_list diags = {0};
	int r = -ENOMEM;

	if (!pol)
		return -ENOMEM;
	pol->resolved = profile_new();
	if (pol->resolved && (pol->resolved->name = strdup(name))) {
		pol->resolved->mode = (int)mode;
		r = compile(pol, &hash, NULL, 0, false, false, false, &diags);
		diag_list_clear(&diags);
	}
	if (r < 0) {
		policy_free(pol);
		return r;
	}
	*ret = pol;
	return 0;
}

int policy_load_image(const char *name, const void *image, size_t len, const void *matcher,
		      size_t matcher_len, const struct policy_load_opts *opts, struct policy **ret,
		      struct diag_list *diags)
{
	struct policy *pol = calloc(1, sizeof(*pol));
	char msg[256];
	uint64_t hash;
	int r;

	if (!pol)
		return -ENOMEM;
	/* The document is the resolved profile (doc stays NULL: the same). */
	r = profile_image_read(image, len, opts, &pol->resolved, &hash, msg, sizeof(msg));
	if (r == -EINVAL)
		diag_add(diags, name, 0, 0, NULL, "%s", msg);
	if (r == 0)
		r = compile(pol, &hash, matcher, matcher_len, opts && opts->matcher_in_place,
			    opts && opts->net_when_asked, opts && opts->rules_checked, diags);
	if (r < 0) {
		policy_free(pol);
		return r;
	}
	*ret = pol;
	return 0;
}

void policy_image_write(const struct policy *pol, struct strbuf *out)
{
	profile_image_write(pol->resolved, pol->hash, out);
}

void policy_matcher_write(const struct policy *pol, struct strbuf *out)
{
	file_matcher_write(pol->files, pol->resolved, out);
}

bool policy_files_prebuilt(const struct policy *pol)
{
	return pol->files_prebuilt;
}

int policy_load_file(const char *path, const struct policy_load_opts *opts, struct policy **ret,
		     struct diag_list *diags)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = policy_read_file(path, &text, &len);
	if (r < 0) {
		if (r == -EFBIG)
			diag_add(diags, path, 0, 0, NULL, "larger than the %u-byte limit",
				 PROFILE_MAX_BYTES);
		else
			diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(-r));
		return r;
	}
	return policy_load_buffer(path, text, len, opts, ret, diags);
}

void policy_free(struct policy *pol)
{
	if (!pol)
		return;
	profile_free(pol->doc);
	profile_free(pol->resolved);
	if (pol->files)
		glob_trie_free(pol->files);
	struct net_rules *net = atomic_load_explicit(&pol->net, memory_order_acquire);
	if (net)
		net_rules_free(net);
	exec_rules_free(pol->exec);
	free(pol->create_roots);
	free(pol->create_slots);
	free(pol->allow_roots);
	free(pol);
}

/* ---- accessors ------------------------------------------------------------ */

const char *policy_name(const struct policy *pol)
{
	return pol->resolved->name ? pol->resolved->name : "";
}

enum policy_mode policy_mode(const struct policy *pol)
{
	return pol->mode;
}

enum policy_mode policy_action(const struct policy *pol, enum policy_category category)
{
	if ((unsigned)category < POLICY_CATEGORY_MAX && pol->actions[category] >= 0)
		return (enum policy_mode)pol->actions[category];
	return pol->mode;
}

void policy_set_mode(struct policy *pol, enum policy_mode mode)
{
	pol->mode = mode;
}

enum policy_on_error policy_on_error(const struct policy *pol)
{
	return pol->on_error;
}

bool policy_requires(const struct policy *pol, const char *layer)
{
	return string_list_contains(&pol->resolved->require, layer);
}

void policy_hash(const struct policy *pol, char buf[17])
{
	/* By hand: a descendant's first snprintf would fault in libc's printf pages (~7 us). */
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++)
		buf[i] = hex[(pol->hash >> (60 - 4 * i)) & 0xf];
	buf[16] = '\0';
}

size_t policy_rule_count(const struct policy *pol, enum policy_category category)
{
	const struct profile *p = pol->resolved;
	switch (category) {
	case POLICY_CAT_FILE:
		return p->n_files;
	case POLICY_CAT_NETWORK:
		return p->n_net;
	case POLICY_CAT_EXEC:
		return p->n_exec;
	case POLICY_CAT_SYSCALL:
		return p->syscalls.n;
	default:
		return 0;
	}
}

/* ---- judging -------------------------------------------------------------- */

unsigned policy_open_rights(int flags, int *ret_how)
{
	unsigned rights;
	int how = (flags & O_NOFOLLOW) ? 0 : POLICY_OPEN_FOLLOW;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		rights = POLICY_RIGHT_READ;
		break;
	case O_WRONLY:
		rights = POLICY_RIGHT_WRITE;
		break;
	default:
		rights = POLICY_RIGHT_READ | POLICY_RIGHT_WRITE;
		break;
	}
	if (flags & O_PATH)
		rights = POLICY_RIGHT_READ;
	if (flags & O_TRUNC)
		rights |= POLICY_RIGHT_WRITE;
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		rights = POLICY_RIGHT_CREATE | POLICY_RIGHT_WRITE; /* unnamed, in the directory */
	} else if (flags & O_CREAT) {
		rights |= POLICY_RIGHT_CREATE;
		if (!(flags & O_EXCL))
			how |= POLICY_OPEN_MAYBE_CREATE;
		else
			how &= ~POLICY_OPEN_FOLLOW; /* O_EXCL never follows a final symlink */
	}
	*ret_how = how;
	return rights;
}

struct file_walk {
	const struct file_rule *rules;
	unsigned rights;
	uint8_t allow, deny;
	int32_t allow_rule, deny_rule;
};

static int file_visit(uint32_t value, void *userdata)
{
	struct file_walk *w = userdata;
	const struct file_rule *rule = &w->rules[value];
	int32_t idx = (int32_t)value;
	w->allow |= rule->allow;
	w->deny |= rule->deny;
	if ((rule->deny & w->rights) && (w->deny_rule < 0 || idx < w->deny_rule))
		w->deny_rule = idx;
	if ((rule->allow & w->rights) && (w->allow_rule < 0 || idx < w->allow_rule))
		w->allow_rule = idx;
	return 0;
}

int policy_check_file(const struct policy *pol, const char *path, size_t len, unsigned rights,
		      struct policy_verdict *ret)
{
	struct file_walk w = {
		.rules = pol->resolved->files, .rights = rights, .allow_rule = -1, .deny_rule = -1};
	int r = glob_trie_match(pol->files, path, len, file_visit, &w);
	if (r < 0)
		return r;
	if (w.deny & rights) {
		*ret = (struct policy_verdict){.allowed = false,
					       .by_deny = true,
					       .rule = w.deny_rule,
					       .missing = (uint8_t)(w.deny & rights)};
		return 0;
	}
	uint8_t missing = (uint8_t)(rights & ~w.allow);
	*ret = (struct policy_verdict){
		.allowed = missing == 0, .rule = missing ? -1 : w.allow_rule, .missing = missing};
	return 0;
}

static int net_verdict(int r, struct policy_verdict *ret)
{
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = (struct policy_verdict){.allowed = r >= 0, .rule = r >= 0 ? r : -1};
	return 0;
}

int policy_check_host(const struct policy *pol, const char *name, size_t len, int port,
		      enum net_proto proto, enum net_dir dir, struct policy_verdict *ret)
{
	const struct net_rules *net = policy_net(pol);
	return net_verdict(net ? net_rules_match_host(net, name, len, port, proto, dir) : -ENOMEM,
			   ret);
}

int policy_check_sockaddr(const struct policy *pol, const struct sockaddr *sa, socklen_t len,
			  enum net_proto proto, enum net_dir dir, struct policy_verdict *ret)
{
	const struct net_rules *net = policy_net(pol);
	return net_verdict(net ? net_rules_match_sockaddr(net, sa, len, proto, dir) : -ENOMEM, ret);
}

int policy_check_ip(const struct policy *pol, int family, const void *addr, int port,
		    enum net_proto proto, enum net_dir dir, struct policy_verdict *ret)
{
	const struct net_rules *net = policy_net(pol);
	return net_verdict(net ? net_rules_match_ip(net, family, addr, port, proto, dir) : -ENOMEM,
			   ret);
}

int policy_check_exec(const struct policy *pol, const char *path, size_t len, char *const argv[],
		      struct policy_verdict *ret)
{
	int r = exec_rules_match(pol->exec, path, len, argv);
	return net_verdict(r, ret);
}

struct name_search {
	const char *name;
};

static int name_equals(const char *candidate, void *userdata)
{
	const struct name_search *s = userdata;
	return strcmp(candidate, s->name) == 0 ? 1 : 0;
}

static bool list_covers(const struct string_list *l, const char *name, int32_t *ret_index)
{
	struct name_search s = {.name = name};
	for (size_t i = 0; i < l->n; i++) {
		const char *item = l->items[i];
		bool hit = item[0] == '@' ? syscall_group_expand(item, name_equals, &s) == 1
					  : strcmp(item, name) == 0;
		if (hit) {
			*ret_index = (int32_t)i;
			return true;
		}
	}
	return false;
}

int policy_check_syscall(const struct policy *pol, const char *name, struct policy_verdict *ret)
{
	const struct profile *p = pol->resolved;
	struct name_search s = {.name = name};
	int32_t idx = -1;

	if (!syscall_name_known(name))
		return -ENOENT;
	if (syscall_group_expand("@dangerous", name_equals, &s) == 1) {
		if (list_covers(&p->unsafe, name, &idx))
			*ret = (struct policy_verdict){.allowed = true, .rule = -1};
		else
			*ret = (struct policy_verdict){
				.allowed = false, .by_deny = true, .rule = -1};
		return 0;
	}
	bool ok = list_covers(&p->syscalls, name, &idx);
	*ret = (struct policy_verdict){.allowed = ok, .rule = ok ? idx : -1};
	return 0;
}

size_t policy_syscall_list(const struct policy *pol, bool unsafe, const char *const **ret)
{
	const struct string_list *l = unsafe ? &pol->resolved->unsafe : &pol->resolved->syscalls;
	*ret = (const char *const *)l->items;
	return l->n;
}

/* ---- describing ------------------------------------------------------------ */

static int describe_net(const struct net_rule_def *d, char *buf, size_t size)
{
	char ports[256] = "";
	size_t n = 0;
	const char *kind = d->written_as_host || d->rule.kind == NET_RULE_HOST ? "host"
			   : d->rule.kind == NET_RULE_CIDR		       ? "cidr"
									       : "unix";
	for (size_t i = 0; i < d->rule.n_ports && n < sizeof(ports); i++) {
		if (d->ports[i].lo == d->ports[i].hi)
			n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%u", i ? "," : "",
					      d->ports[i].lo);
		else
			n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%u-%u", i ? "," : "",
					      d->ports[i].lo, d->ports[i].hi);
	}
	return snprintf(buf, size, "%s %s%s%s%s%s", kind, d->text, *ports ? " ports " : "", ports,
			d->rule.proto == NET_PROTO_TCP	 ? " tcp"
			: d->rule.proto == NET_PROTO_UDP ? " udp"
							 : "",
			d->rule.inbound ? " inbound" : "");
}

int policy_describe_rule(const struct policy *pol, enum policy_category category, int32_t rule,
			 char *buf, size_t size)
{
	const struct profile *p = pol->resolved;
	if (rule < 0)
		return -ENOENT;
	size_t idx = (size_t)rule;
	switch (category) {
	case POLICY_CAT_FILE: {
		if (idx >= p->n_files)
			return -ENOENT;
		const struct file_rule *f = &p->files[idx];
		char rights[5];
		rights_to_string(f->allow ? f->allow : f->deny, rights);
		return snprintf(buf, size, "%s %s %s", f->allow ? "allow" : "deny", rights,
				f->path);
	}
	case POLICY_CAT_NETWORK:
		if (idx >= p->n_net)
			return -ENOENT;
		return describe_net(&p->net[idx], buf, size);
	case POLICY_CAT_SYSCALL:
		if (idx >= p->syscalls.n)
			return -ENOENT;
		return snprintf(buf, size, "syscalls %s", p->syscalls.items[idx]);
	case POLICY_CAT_EXEC: {
		if (idx >= p->n_exec)
			return -ENOENT;
		const struct exec_rule *e = &p->exec[idx];
		int n = snprintf(buf, size, "exec %s", e->path);
		if (e->argv && n >= 0) {
			n += snprintf(buf + ((size_t)n < size ? (size_t)n : size),
				      (size_t)n < size ? size - (size_t)n : 0, " argv [");
			for (size_t i = 0; i < e->argc; i++)
				n += snprintf(buf + ((size_t)n < size ? (size_t)n : size),
					      (size_t)n < size ? size - (size_t)n : 0, "%s%s",
					      i ? ", " : "", e->argv[i]);
			n += snprintf(buf + ((size_t)n < size ? (size_t)n : size),
				      (size_t)n < size ? size - (size_t)n : 0, "]");
		}
		return n;
	}
	default:
		return -ENOENT;
	}
}

int policy_rule_origin(const struct policy *pol, enum policy_category category, int32_t rule,
		       const char **ret_file, unsigned *ret_line, unsigned *ret_col)
{
	const struct profile *p = pol->resolved;
	const struct rule_origin *o = NULL;
	if (rule < 0)
		return -ENOENT;
	if (category == POLICY_CAT_FILE && (size_t)rule < p->n_files)
		o = &p->files[rule].origin;
	else if (category == POLICY_CAT_NETWORK && (size_t)rule < p->n_net)
		o = &p->net[rule].origin;
	else if (category == POLICY_CAT_EXEC && (size_t)rule < p->n_exec)
		o = &p->exec[rule].origin;
	if (!o)
		return -ENOENT;
	*ret_file = o->file;
	*ret_line = o->line;
	*ret_col = o->col;
	return 0;
}

const struct profile *policy_resolved(const struct policy *pol)
{
	return pol->resolved;
}

int policy_to_json(const struct policy *pol, bool resolved, char **ret_text)
{
	/* A policy loaded from an image has no separate document: it is the resolved one. */
	const struct profile *doc = pol->doc ? pol->doc : pol->resolved;
	return profile_write_json(resolved ? pol->resolved : doc, !resolved, ret_text);
}
