/* SPDX-License-Identifier: MIT */
/*
 * profile_image — see profile_image.h. The reader trusts nothing about
 * sizes: every length is checked against what is left, every count
 * against the profile limits, and every enum against its range, so a
 * damaged image is an error and never a read out of bounds (the bundle's
 * checksum comes first, but it is not a proof).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "profile_image.h"
#include "util.h"

#define IMAGE_MAGIC "FGPI"
#define NONE	    0xffffffffu

/* ---- writing --------------------------------------------------------------- */

static void put_u8(struct strbuf *o, uint8_t v)
{
	strbuf_put_mem(o, (const char *)&v, 1);
}

static void put_u32(struct strbuf *o, uint32_t v)
{
	strbuf_put_mem(o, (const char *)&v, sizeof(v));
}

static void put_u64(struct strbuf *o, uint64_t v)
{
	strbuf_put_mem(o, (const char *)&v, sizeof(v));
}

static void put_i32(struct strbuf *o, int v)
{
	put_u32(o, (uint32_t)v);
}

static void put_str(struct strbuf *o, const char *s)
{
	if (!s) {
		put_u32(o, NONE);
		return;
	}
	size_t n = strlen(s);
	put_u32(o, (uint32_t)n);
	strbuf_put_mem(o, s, n);
}

static void put_list(struct strbuf *o, const struct string_list *l)
{
	put_u32(o, (uint32_t)l->n);
	for (size_t i = 0; i < l->n; i++)
		put_str(o, l->items[i]);
}

static uint32_t source_index(const struct profile *p, const char *file)
{
	for (size_t i = 0; file && i < p->sources.n; i++)
		if (p->sources.items[i] == file || strcmp(p->sources.items[i], file) == 0)
			return (uint32_t)i;
	return NONE;
}

static void put_origin(struct strbuf *o, const struct profile *p, const struct rule_origin *at)
{
	put_u32(o, source_index(p, at->file));
	put_u32(o, at->line);
	put_u32(o, at->col);
}

static void put_meta(struct strbuf *o, const struct rule_meta *m)
{
	put_u64(o, m->seen);
	put_u8(o, (uint8_t)m->phase);
}

void profile_image_write(const struct profile *p, uint64_t hash, struct strbuf *o)
{
	strbuf_put_mem(o, IMAGE_MAGIC, 4);
	put_u32(o, PROFILE_IMAGE_VERSION);
	put_u64(o, hash);
	put_u32(o, p->format);
	put_str(o, p->name);
	put_i32(o, p->mode);
	for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++)
		put_i32(o, p->actions[i]);
	put_i32(o, p->on_error);
	put_list(o, &p->sources);

	put_u32(o, (uint32_t)p->n_files);
	for (size_t i = 0; i < p->n_files; i++) {
		const struct file_rule *f = &p->files[i];
		put_str(o, f->path);
		put_u8(o, f->allow);
		put_u8(o, f->deny);
		put_meta(o, &f->meta);
		put_origin(o, p, &f->origin);
	}

	put_u32(o, (uint32_t)p->n_net);
	for (size_t i = 0; i < p->n_net; i++) {
		const struct net_rule_def *d = &p->net[i];
		put_u8(o, (uint8_t)d->rule.kind);
		put_str(o, d->text);
		put_u8(o, d->written_as_host);
		put_u8(o, (uint8_t)d->rule.proto);
		put_u8(o, d->rule.inbound);
		put_i32(o, d->rule.cidr.family);
		strbuf_put_mem(o, (const char *)d->rule.cidr.addr, sizeof(d->rule.cidr.addr));
		put_u8(o, d->rule.cidr.prefix_len);
		put_u32(o, (uint32_t)d->rule.n_ports);
		for (size_t k = 0; k < d->rule.n_ports; k++) {
			put_u32(o, d->ports[k].lo);
			put_u32(o, d->ports[k].hi);
		}
		put_meta(o, &d->meta);
		put_origin(o, p, &d->origin);
	}

	put_u32(o, (uint32_t)p->n_exec);
	for (size_t i = 0; i < p->n_exec; i++) {
		const struct exec_rule *e = &p->exec[i];
		put_str(o, e->path);
		put_u32(o, e->argv ? (uint32_t)e->argc : NONE);
		for (size_t k = 0; e->argv && k < e->argc; k++)
			put_str(o, e->argv[k]);
		put_meta(o, &e->meta);
		put_origin(o, p, &e->origin);
	}

	put_list(o, &p->syscalls);
	put_list(o, &p->unsafe);
	put_list(o, &p->require);
	put_list(o, &p->extends);
	for (size_t i = 0; i < p->extends.n; i++)
		put_origin(o, p, &p->extends_at[i]);
}

/* ---- reading --------------------------------------------------------------- */

/* Variables asked while reading: each rule's ${VAR} asked the environment again. */
#define VARS_KEPT 4

struct cursor {
	const unsigned char *at, *end;
	const struct policy_load_opts *opts;
	struct policy_load_opts memo_opts; /* opts asking memo_getvar */
	struct {
		const char *name, *value;
	} vars[VARS_KEPT];
	size_t n_vars;
	struct profile *p;
	char *msg;
	size_t msg_size;
	const char *why; /* static reason, set on the first failure */
};

static bool take(struct cursor *c, void *out, size_t n)
{
	if (c->why)
		return false;
	if ((size_t)(c->end - c->at) < n) {
		c->why = "profile image truncated";
		return false;
	}
	memcpy(out, c->at, n);
	c->at += n;
	return true;
}

static bool bad(struct cursor *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return false;
}

static uint8_t get_u8(struct cursor *c)
{
	uint8_t v = 0;
	take(c, &v, 1);
	return v;
}

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v = 0;
	take(c, &v, sizeof(v));
	return v;
}

static uint64_t get_u64(struct cursor *c)
{
	uint64_t v = 0;
	take(c, &v, sizeof(v));
	return v;
}

/* A count of items each at least min_bytes long: bounded by what is left. */
static bool get_count(struct cursor *c, size_t limit, size_t min_bytes, size_t *ret)
{
	uint32_t n = get_u32(c);
	if (c->why)
		return false;
	if (n > limit || (size_t)n * min_bytes > (size_t)(c->end - c->at))
		return bad(c, "profile image count out of range");
	*ret = n;
	return true;
}

/* *ret = malloc'd string or NULL (written as NULL); false on failure. */
/* A string's bytes, checked and taken: *n = NONE for a NULL one; false on failure. */
static bool take_str(struct cursor *c, const char **at, uint32_t *n)
{
	*n = get_u32(c);
	if (c->why)
		return false;
	if (*n == NONE)
		return true;
	if (*n > (size_t)(c->end - c->at))
		return bad(c, "profile image string out of bounds");
	if (memchr(c->at, '\0', *n))
		return bad(c, "profile image string holds a NUL byte");
	*at = (const char *)c->at;
	c->at += *n;
	return true;
}

static bool get_str(struct cursor *c, char **ret)
{
	const char *at = NULL;
	uint32_t n;
	*ret = NULL;
	if (!take_str(c, &at, &n))
		return false;
	if (n == NONE)
		return true;
	*ret = strndup(at, n);
	return *ret ? true : bad(c, "out of memory");
}

/*
 * A rule's data: in the profile's arena (one block for the whole image,
 * more only if expansions outgrow it), not a malloc each (two a rule for
 * every process's start: 20 000 for a profile of 10 000 rules).
 */
static void *arena_alloc(struct cursor *c, size_t n, size_t align)
{
	struct profile_arena *a = c->p->arena;
	size_t at = a ? (a->used + align - 1) & ~(align - 1) : 0;

	if (!a || at > a->cap || n > a->cap - at) {
		/* What is left of the image holds every string still to read but expansions. */
		size_t cap = (size_t)(c->end - c->at) + 256;
		if (cap < n)
			cap = n;
		a = malloc(sizeof(*a) + cap);
		if (!a)
			return NULL;
		a->next = c->p->arena;
		a->used = 0;
		a->cap = cap;
		c->p->arena = a;
		at = 0;
	}
	a->used = at + n;
	return a->data + at;
}

/* A rule's string (never NULL), in the arena. */
static bool get_rule_str(struct cursor *c, char **ret)
{
	const char *at = NULL;
	uint32_t n;
	*ret = NULL;
	if (!take_str(c, &at, &n))
		return false;
	if (n == NONE)
		return bad(c, "profile image: a required string is missing");
	char *s = arena_alloc(c, (size_t)n + 1, 1);
	if (!s)
		return bad(c, "out of memory");
	memcpy(s, at, n);
	s[n] = '\0';
	*ret = s;
	return true;
}

static bool get_nonnull_str(struct cursor *c, char **ret)
{
	if (!get_str(c, ret))
		return false;
	return *ret ? true : bad(c, "profile image: a required string is missing");
}

static bool get_list(struct cursor *c, struct string_list *l)
{
	size_t n;
	if (!get_count(c, PROFILE_MAX_RULES, 4, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *s = NULL;
		if (!get_nonnull_str(c, &s))
			return false;
		if (string_list_add(l, s) < 0)
			return bad(c, "out of memory");
	}
	return true;
}

static bool get_mode(struct cursor *c, int *ret, int max)
{
	int v = (int)get_u32(c);
	if (c->why)
		return false;
	if (v < -1 || v >= max)
		return bad(c, "profile image: mode out of range");
	*ret = v;
	return true;
}

static bool get_meta(struct cursor *c, struct rule_meta *m)
{
	m->seen = get_u64(c);
	uint8_t phase = get_u8(c);
	if (phase > PHASE_INVOKE)
		return bad(c, "profile image: phase out of range");
	m->phase = (enum rule_phase)phase;
	return !c->why;
}

static bool get_origin(struct cursor *c, struct rule_origin *o)
{
	uint32_t src = get_u32(c);
	o->line = get_u32(c);
	o->col = get_u32(c);
	if (c->why)
		return false;
	if (src == NONE) {
		o->file = NULL;
		return true;
	}
	if (src >= c->p->sources.n)
		return bad(c, "profile image: rule source out of range");
	o->file = c->p->sources.items[src];
	return true;
}

/* opts->getvar, asked once a name (3 000 rules under ${LAMBDA_TASK_ROOT}: 6 000 getenv). */
static const char *memo_getvar(const char *name, void *userdata)
{
	struct cursor *c = userdata;
	for (size_t i = 0; i < c->n_vars; i++)
		if (strcmp(c->vars[i].name, name) == 0)
			return c->vars[i].value;
	const char *value = c->opts->getvar(name, c->opts->userdata);
	if (c->n_vars < VARS_KEPT) {
		c->vars[c->n_vars].name = name;
		c->vars[c->n_vars++].value = value;
	}
	return value;
}

/* The matched pattern of a path written as text: ${VAR} expanded for this run. */
static bool expand(struct cursor *c, const char *text, char **ret)
{
	long at;
	const struct policy_load_opts *opts = c->opts;
	if (opts && opts->getvar) {
		c->memo_opts = *opts;
		c->memo_opts.getvar = memo_getvar;
		c->memo_opts.userdata = c;
		opts = &c->memo_opts;
	}
	/* Nothing to expand: the text itself (both in the arena, freed together). */
	if (strncmp(text, "${", 2) != 0) {
		*ret = (char *)text;
		return true;
	}
	char *out = NULL;
	int e = profile_expand_vars(text, opts, &out, c->msg, c->msg_size, &at);
	if (e == -ENOMEM)
		return bad(c, "out of memory");
	if (e < 0)
		return bad(c, c->msg);
	size_t n = strlen(out) + 1;
	*ret = arena_alloc(c, n, 1);
	if (*ret)
		memcpy(*ret, out, n);
	free(out);
	return *ret ? true : bad(c, "out of memory");
}

static bool get_file_rule(struct cursor *c, struct file_rule *f)
{
	if (!get_rule_str(c, &f->path))
		return false;
	f->allow = get_u8(c);
	f->deny = get_u8(c);
	if (!get_meta(c, &f->meta) || !get_origin(c, &f->origin))
		return false;
	return expand(c, f->path, &f->glob);
}

static bool get_net_rule(struct cursor *c, struct net_rule_def *d)
{
	uint8_t kind = get_u8(c);
	if (!get_rule_str(c, &d->text))
		return false;
	d->written_as_host = get_u8(c) != 0;
	uint8_t proto = get_u8(c);
	d->rule.inbound = get_u8(c) != 0;
	d->rule.cidr.family = (int)get_u32(c);
	take(c, d->rule.cidr.addr, sizeof(d->rule.cidr.addr));
	d->rule.cidr.prefix_len = get_u8(c);
	if (c->why)
		return false;
	if (kind != NET_RULE_HOST && kind != NET_RULE_CIDR && kind != NET_RULE_UNIX)
		return bad(c, "profile image: network rule kind out of range");
	if (proto > NET_PROTO_UDP)
		return bad(c, "profile image: protocol out of range");
	d->rule.kind = (enum net_rule_kind)kind;
	d->rule.proto = (enum net_proto)proto;
	if (kind == NET_RULE_CIDR &&
	    !((d->rule.cidr.family == AF_INET && d->rule.cidr.prefix_len <= 32) ||
	      (d->rule.cidr.family == AF_INET6 && d->rule.cidr.prefix_len <= 128)))
		return bad(c, "profile image: bad CIDR");
	size_t n;
	if (!get_count(c, 65536, 8, &n))
		return false;
	if (n) {
		d->ports = arena_alloc(c, n * sizeof(*d->ports), _Alignof(struct net_port_range));
		if (!d->ports)
			return bad(c, "out of memory");
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t lo = get_u32(c), hi = get_u32(c);
		if (lo > hi || hi > 65535)
			return bad(c, "profile image: bad port range");
		d->ports[k] = (struct net_port_range){(uint16_t)lo, (uint16_t)hi};
	}
	d->rule.ports = d->ports;
	d->rule.n_ports = n;
	if (!get_meta(c, &d->meta) || !get_origin(c, &d->origin))
		return false;
	/* The reader's forms: a host name as written, an abstract name as is, a path expanded. */
	if (kind == NET_RULE_HOST || (kind == NET_RULE_UNIX && d->text[0] == '@')) {
		d->glob = d->text;
	} else if (kind == NET_RULE_UNIX && !expand(c, d->text, &d->glob)) {
		return false;
	}
	d->rule.pattern = d->glob;
	return true;
}

static bool get_exec_rule(struct cursor *c, struct exec_rule *e)
{
	if (!get_rule_str(c, &e->path))
		return false;
	uint32_t argc = get_u32(c);
	if (c->why)
		return false;
	if (argc != NONE) {
		if (argc > PROFILE_MAX_ARGV || (size_t)argc * 4 > (size_t)(c->end - c->at))
			return bad(c, "profile image: argv out of range");
		e->argv = arena_alloc(c, ((size_t)argc + 1) * sizeof(*e->argv), _Alignof(char *));
		if (!e->argv)
			return bad(c, "out of memory");
		memset(e->argv, 0, ((size_t)argc + 1) * sizeof(*e->argv));
		for (; e->argc < argc; e->argc++)
			if (!get_rule_str(c, &e->argv[e->argc]))
				return false;
	}
	if (!get_meta(c, &e->meta) || !get_origin(c, &e->origin))
		return false;
	return expand(c, e->path, &e->glob);
}

/* A category's rule array for n rules, each at least min_bytes of image. */
static bool alloc_rules(struct cursor *c, size_t min_bytes, size_t size, void **v, size_t *cap)
{
	size_t n;
	if (!get_count(c, PROFILE_MAX_RULES, min_bytes, &n))
		return false;
	if (n && !(*v = calloc(n, size)))
		return bad(c, "out of memory");
	*cap = n;
	return true;
}

/*
 * Rules are read into slot n and counted at once, so that profile_free()
 * releases a half-read rule too.
 */
static bool get_rules(struct cursor *c)
{
	struct profile *p = c->p;

	if (!alloc_rules(c, 22, sizeof(*p->files), (void **)&p->files, &p->cap_files))
		return false;
	while (p->n_files < p->cap_files)
		if (!get_file_rule(c, &p->files[p->n_files++]))
			return false;
	if (!alloc_rules(c, 54, sizeof(*p->net), (void **)&p->net, &p->cap_net))
		return false;
	while (p->n_net < p->cap_net)
		if (!get_net_rule(c, &p->net[p->n_net++]))
			return false;
	if (!alloc_rules(c, 25, sizeof(*p->exec), (void **)&p->exec, &p->cap_exec))
		return false;
	while (p->n_exec < p->cap_exec)
		if (!get_exec_rule(c, &p->exec[p->n_exec++]))
			return false;
	return true;
}

int profile_image_read(const void *data, size_t len, const struct policy_load_opts *opts,
		       struct profile **ret, uint64_t *ret_hash, char *msg, size_t msg_size)
{
	struct cursor c = {.at = data,
			   .end = (const unsigned char *)data + len,
			   .opts = opts,
			   .msg = msg,
			   .msg_size = msg_size};
	char magic[4];
	uint64_t hash;

	if (!take(&c, magic, 4) || memcmp(magic, IMAGE_MAGIC, 4) != 0) {
		snprintf(msg, msg_size, "not a profile image");
		return -EINVAL;
	}
	if (get_u32(&c) != PROFILE_IMAGE_VERSION) {
		snprintf(msg, msg_size, "profile image version not supported");
		return -EINVAL;
	}
	hash = get_u64(&c);
	c.p = profile_new();
	if (!c.p)
		return -ENOMEM;
	struct profile *p = c.p;
	p->format = get_u32(&c);
	get_str(&c, &p->name);
	get_mode(&c, &p->mode, POLICY_MODE_ENFORCE + 1);
	for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++)
		get_mode(&c, &p->actions[i], POLICY_MODE_ENFORCE + 1);
	get_mode(&c, &p->on_error, POLICY_ON_ERROR_OPEN + 1);
	bool ok = get_list(&c, &p->sources) && get_rules(&c) && get_list(&c, &p->syscalls) &&
		  get_list(&c, &p->unsafe) && get_list(&c, &p->require) &&
		  get_list(&c, &p->extends);
	if (ok && p->extends.n) {
		p->extends_at = calloc(p->extends.n, sizeof(*p->extends_at));
		if (!p->extends_at)
			bad(&c, "out of memory");
		for (size_t i = 0; !c.why && i < p->extends.n; i++)
			get_origin(&c, &p->extends_at[i]);
	}
	if (!c.why && c.at != c.end)
		bad(&c, "profile image has trailing bytes");
	if (c.why) {
		int r = strcmp(c.why, "out of memory") == 0 ? -ENOMEM : -EINVAL;
		if (c.why != msg)
			snprintf(msg, msg_size, "%s", c.why);
		profile_free(p);
		return r;
	}
	*ret = p;
	*ret_hash = hash;
	return 0;
}
