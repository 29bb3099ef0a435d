// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "profile.h"
#include "util.h"

/*
 * A string-keyed index (open addressing) from a rule's identity to its
 * position in the profile's arrays, so repeated observations cost one hash
 * lookup.
 */
struct index_entry {
	char *key;
	size_t pos;
};

struct learner {
	struct profile *p;
	struct index_entry *index;
	size_t index_cap, index_n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static struct index_entry *index_slot(const struct learner *l, const char *key)
{
	size_t mask = l->index_cap - 1;
	for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask)
		if (!l->index[i].key || strcmp(l->index[i].key, key) == 0)
			return &l->index[i];
}

static int index_grow(struct learner *l)
{
	size_t cap = l->index_cap ? l->index_cap * 2 : 256;
	struct index_entry *old = l->index;
	size_t old_cap = l->index_cap;
	l->index = calloc(cap, sizeof(*l->index));
	if (!l->index) {
		l->index = old;
		return -ENOMEM;
	}
	l->index_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*index_slot(l, old[i].key) = old[i];
	free(old);
	return 0;
}

/* Finds key; on a miss inserts it with position pos and returns true in *ret_new. */
static int index_get(struct learner *l, const char *key, size_t pos, size_t *ret_pos, bool *ret_new)
{
	if ((l->index_n + 1) * 2 > l->index_cap && index_grow(l) < 0)
		return -ENOMEM;
	struct index_entry *e = index_slot(l, key);
	if (e->key) {
		*ret_pos = e->pos;
		*ret_new = false;
		return 0;
	}
	e->key = strdup(key);
	if (!e->key)
		return -ENOMEM;
	e->pos = pos;
	l->index_n++;
	*ret_pos = pos;
	*ret_new = true;
	return 0;
}

static void reindex(struct learner *l);

int learner_new(struct learner **ret)
{
	struct learner *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->p = profile_new();
	if (!l->p || index_grow(l) < 0) {
		learner_free(l);
		return -ENOMEM;
	}
	l->p->format = PROFILE_FORMAT_VERSION;
	*ret = l;
	return 0;
}

void learner_free(struct learner *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->index_cap; i++)
		free(l->index[i].key);
	free(l->index);
	profile_free(l->p);
	free(l);
}

size_t learner_size(const struct learner *l)
{
	return l->p->n_files + l->p->n_net + l->p->n_exec;
}

static int grow(void **items, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 32;
	void *m = realloc(*items, ncap * elem);
	if (!m)
		return -ENOMEM;
	memset((char *)m + *cap * elem, 0, (ncap - *cap) * elem);
	*items = m;
	*cap = ncap;
	return 0;
}

static int add_exec_clean(struct learner *l, const char *path, char *const argv[]);

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * A file name as a glob: bytes that globs cannot express literally (the
 * unsupported '[' ']' '{' '}' '\', control characters, invalid UTF-8) become
 * '?', which matches them: the rule covers the file and a few look-alikes,
 * never less. Caller frees.
 */
static char *path_to_glob(const char *path)
{
	char *g = strdup(path);
	if (!g)
		return NULL;
	for (size_t i = 0; g[i];) {
		unsigned char c = (unsigned char)g[i];
		if (c >= 0x80) {
			size_t n = utf8_len((unsigned char *)g + i);
			if (n) {
				i += n;
				continue;
			}
			g[i++] = '?';
			continue;
		}
		if (c < 0x20 || c == 0x7f || strchr("[]{}\\", c))
			g[i] = '?';
		i++;
	}
	return g;
}

int learner_add_file(struct learner *l, const char *raw_path, unsigned rights)
{
	_cleanup_free_ char *path = path_to_glob(raw_path);
	_cleanup_free_ char *key = NULL;
	if (!path)
		return -ENOMEM;
	size_t pos;
	bool fresh;
	if (asprintf(&key, "f\x1f%s", path) < 0)
		return -ENOMEM;
	if (grow((void **)&l->p->files, &l->p->cap_files, l->p->n_files, sizeof(*l->p->files)))
		return -ENOMEM;
	int r = index_get(l, key, l->p->n_files, &pos, &fresh);
	if (r < 0)
		return r;
	if (!fresh) {
		l->p->files[pos].allow |= (uint8_t)rights;
		l->p->files[pos].meta.seen++;
		return 0;
	}
	struct file_rule *f = &l->p->files[l->p->n_files];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->glob = strdup(path);
	if (!f->path || !f->glob) {
		free(f->path);
		free(f->glob);
		return -ENOMEM;
	}
	f->allow = (uint8_t)rights;
	f->meta.seen = 1;
	l->p->n_files++;
	return 0;
}

static int add_net(struct learner *l, enum net_rule_kind kind, const char *text, int port,
		   enum net_proto proto, bool inbound, const struct net_cidr *cidr)
{
	_cleanup_free_ char *key = NULL;
	size_t pos;
	bool fresh;
	if (asprintf(&key, "n\x1f%d\x1f%s\x1f%d\x1f%d\x1f%d", kind, text, port, proto, inbound) < 0)
		return -ENOMEM;
	if (grow((void **)&l->p->net, &l->p->cap_net, l->p->n_net, sizeof(*l->p->net)))
		return -ENOMEM;
	int r = index_get(l, key, l->p->n_net, &pos, &fresh);
	if (r < 0)
		return r;
	if (!fresh) {
		l->p->net[pos].meta.seen++;
		return 0;
	}
	struct net_rule_def *d = &l->p->net[l->p->n_net];
	memset(d, 0, sizeof(*d));
	d->rule.kind = kind;
	d->rule.proto = proto;
	d->rule.inbound = inbound;
	d->text = strdup(text);
	if (!d->text)
		return -ENOMEM;
	if (kind != NET_RULE_CIDR) {
		d->glob = strdup(text);
		if (!d->glob) {
			free(d->text);
			return -ENOMEM;
		}
		d->rule.pattern = d->glob;
	} else {
		d->rule.cidr = *cidr;
		d->written_as_host = false;
	}
	if (port != NET_PORT_ANY) {
		d->ports = malloc(sizeof(*d->ports));
		if (!d->ports) {
			free(d->text);
			free(d->glob);
			return -ENOMEM;
		}
		d->ports[0].lo = d->ports[0].hi = (uint16_t)port;
		d->rule.ports = d->ports;
		d->rule.n_ports = 1;
	}
	d->meta.seen = 1;
	l->p->n_net++;
	return 0;
}

int learner_add_host(struct learner *l, const char *name, int port, enum net_proto proto,
		     bool inbound)
{
	char lower[256];
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof(lower))
		return -EINVAL;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	if (n > 1 && lower[n - 1] == '.')
		lower[n - 1] = '\0';
	return add_net(l, NET_RULE_HOST, lower, port, proto, inbound, NULL);
}

int learner_add_ip(struct learner *l, int family, const void *addr, int port, enum net_proto proto,
		   bool inbound)
{
	char text[INET6_ADDRSTRLEN + 8];
	struct net_cidr cidr = {0};
	const char *msg;
	if (!inet_ntop(family, addr, text, sizeof(text)))
		return -errno;
	/* Through the parser, so mapped addresses become IPv4 like everywhere else. */
	if (net_cidr_parse(text, &cidr, &msg) < 0)
		return -EINVAL;
	if (cidr.family == AF_INET && family == AF_INET6)
		inet_ntop(AF_INET, cidr.addr, text, sizeof(text));
	return add_net(l, NET_RULE_CIDR, text, port, proto, inbound, &cidr);
}

int learner_add_unix(struct learner *l, const char *raw_path, bool inbound)
{
	_cleanup_free_ char *path = path_to_glob(raw_path);
	if (!path)
		return -ENOMEM;
	return add_net(l, NET_RULE_UNIX, path, NET_PORT_ANY, NET_PROTO_ANY, inbound, NULL);
}

int learner_add_exec(struct learner *l, const char *raw_path, char *const raw_argv[])
{
	_cleanup_free_ char *path = path_to_glob(raw_path);
	char **argv = NULL;
	size_t n_raw = 0;
	if (!path)
		return -ENOMEM;
	while (raw_argv && raw_argv[n_raw] && n_raw < PROFILE_MAX_ARGV)
		n_raw++;
	argv = calloc(n_raw + 1, sizeof(char *));
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < n_raw; i++) {
		/* argv elements are matched with the same wildcards: sanitise alike. */
		argv[i] = path_to_glob(raw_argv[i]);
		if (!argv[i]) {
			for (size_t k = 0; k < i; k++)
				free(argv[k]);
			free(argv);
			return -ENOMEM;
		}
	}
	int r = add_exec_clean(l, path, raw_argv ? argv : NULL);
	for (size_t i = 0; i < n_raw; i++)
		free(argv[i]);
	free(argv);
	return r;
}

static int add_exec_clean(struct learner *l, const char *path, char *const argv[])
{
	size_t argc = 0, keylen = strlen(path) + 3;
	while (argv && argv[argc] && argc < PROFILE_MAX_ARGV)
		keylen += strlen(argv[argc++]) + 1;
	_cleanup_free_ char *key = malloc(keylen);
	size_t pos;
	bool fresh;
	if (!key)
		return -ENOMEM;
	size_t k = (size_t)snprintf(key, keylen, "e\x1f%s", path);
	for (size_t i = 0; i < argc; i++)
		k += (size_t)snprintf(key + k, keylen - k, "\x1f%s", argv[i]);
	if (grow((void **)&l->p->exec, &l->p->cap_exec, l->p->n_exec, sizeof(*l->p->exec)))
		return -ENOMEM;
	int r = index_get(l, key, l->p->n_exec, &pos, &fresh);
	if (r < 0)
		return r;
	if (!fresh) {
		l->p->exec[pos].meta.seen++;
		return 0;
	}
	struct exec_rule *e = &l->p->exec[l->p->n_exec];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->glob = strdup(path);
	e->argv = calloc(argc + 1, sizeof(char *));
	if (!e->path || !e->glob || !e->argv)
		goto oom;
	for (size_t i = 0; i < argc; i++) {
		e->argv[i] = strdup(argv[i]);
		if (!e->argv[i])
			goto oom;
		e->argc++;
	}
	e->meta.seen = 1;
	l->p->n_exec++;
	return 0;
oom:
	for (size_t i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
	free(e->path);
	free(e->glob);
	memset(e, 0, sizeof(*e));
	return -ENOMEM;
}

int learner_merge_file(struct learner *l, const char *path, struct diag_list *diags)
{
	struct policy_load_opts opts = {.no_extends = true};
	struct policy *pol = NULL;
	char *text = NULL;
	int r = policy_load_file(path, &opts, &pol, diags);
	if (r < 0)
		return r;
	/* Re-read the document through the public writer and the model reader. */
	r = policy_to_json(pol, false, &text);
	policy_free(pol);
	if (r < 0)
		return r;
	struct profile *p = NULL;
	r = profile_read_json(path, text, strlen(text), &opts, &p, diags);
	free(text);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < p->n_files; i++)
		r = learner_add_file(l, p->files[i].path, p->files[i].allow);
	for (size_t i = 0; r == 0 && i < p->n_net; i++) {
		const struct net_rule_def *d = &p->net[i];
		int port = d->rule.n_ports == 1 && d->ports[0].lo == d->ports[0].hi ? d->ports[0].lo
										    : NET_PORT_ANY;
		if (d->rule.kind == NET_RULE_HOST)
			r = learner_add_host(l, d->text, port, d->rule.proto, d->rule.inbound);
		else if (d->rule.kind == NET_RULE_UNIX)
			r = learner_add_unix(l, d->text, d->rule.inbound);
		else
			r = add_net(l, NET_RULE_CIDR, d->text, port, d->rule.proto, d->rule.inbound,
				    &d->rule.cidr);
	}
	for (size_t i = 0; r == 0 && i < p->n_exec; i++)
		r = learner_add_exec(l, p->exec[i].path, p->exec[i].argv);
	profile_free(p);
	return r;
}

static bool file_covered(const struct policy *base, const struct file_rule *f)
{
	struct policy_verdict v;
	/* Only literal paths can be checked as queries; globs stay. */
	if (strpbrk(f->path, "*?"))
		return false;
	return policy_check_file(base, f->path, strlen(f->path), f->allow, &v) == 0 && v.allowed;
}

static bool net_covered(const struct policy *base, const struct net_rule_def *d)
{
	struct policy_verdict v;
	int port = d->rule.n_ports == 1 && d->ports[0].lo == d->ports[0].hi ? d->ports[0].lo
									    : NET_PORT_ANY;
	enum net_dir dir = d->rule.inbound ? NET_DIR_IN : NET_DIR_OUT;
	int r;
	if (d->rule.n_ports > 1)
		return false;
	switch (d->rule.kind) {
	case NET_RULE_HOST:
		if (strchr(d->text, '*'))
			return false;
		r = policy_check_host(base, d->text, strlen(d->text), port, d->rule.proto, dir, &v);
		break;
	case NET_RULE_CIDR:
		if (d->rule.cidr.prefix_len != (d->rule.cidr.family == AF_INET ? 32 : 128))
			return false;
		r = policy_check_ip(base, d->rule.cidr.family, d->rule.cidr.addr, port,
				    d->rule.proto, dir, &v);
		break;
	default:
		return false;
	}
	return r == 0 && v.allowed;
}

static bool exec_covered(const struct policy *base, const struct exec_rule *e)
{
	struct policy_verdict v;
	if (strpbrk(e->path, "*?"))
		return false;
	for (size_t i = 0; i < e->argc; i++)
		if (strpbrk(e->argv[i], "*?"))
			return false;
	return policy_check_exec(base, e->path, strlen(e->path), e->argv, &v) == 0 && v.allowed;
}

size_t learner_drop_covered(struct learner *l, const struct policy *base)
{
	struct profile *p = l->p;
	size_t dropped = 0, w = 0;

	for (size_t i = 0; i < p->n_files; i++) {
		if (file_covered(base, &p->files[i])) {
			free(p->files[i].path);
			free(p->files[i].glob);
			dropped++;
		} else {
			p->files[w++] = p->files[i];
		}
	}
	p->n_files = w;
	w = 0;
	for (size_t i = 0; i < p->n_net; i++) {
		if (net_covered(base, &p->net[i])) {
			free(p->net[i].text);
			free(p->net[i].glob);
			free(p->net[i].ports);
			dropped++;
		} else {
			p->net[w++] = p->net[i];
		}
	}
	p->n_net = w;
	w = 0;
	for (size_t i = 0; i < p->n_exec; i++) {
		struct exec_rule *e = &p->exec[i];
		if (exec_covered(base, e)) {
			free(e->path);
			free(e->glob);
			for (size_t k = 0; k < e->argc; k++)
				free(e->argv[k]);
			free(e->argv);
			dropped++;
		} else {
			p->exec[w++] = *e;
		}
	}
	p->n_exec = w;
	/* Positions moved: rebuild the index from what is left. */
	for (size_t i = 0; i < l->index_cap; i++) {
		free(l->index[i].key);
		l->index[i].key = NULL;
	}
	l->index_n = 0;
	reindex(l);
	return dropped;
}

int learner_to_json(const struct learner *l, const char *name, const char *const *extends,
		    char **ret_text)
{
	struct profile *p = l->p;
	char *old = p->name;
	struct string_list saved = p->extends;
	int r = 0;

	memset(&p->extends, 0, sizeof(p->extends));
	for (size_t i = 0; extends && extends[i] && r == 0; i++)
		r = string_list_add(&p->extends, extends[i]);
	p->name = (char *)name;
	if (r == 0)
		r = profile_write_json(p, true, ret_text);
	p->name = old;
	string_list_clear(&p->extends);
	p->extends = saved;
	return r;
}

/* Re-creates the identity index after rules were removed (best effort: a
 * failed insert only costs a duplicate later). */
static void reindex(struct learner *l)
{
	struct profile *p = l->p;
	char *key;
	size_t pos;
	bool fresh;
	for (size_t i = 0; i < p->n_files; i++) {
		if (asprintf(&key, "f\x1f%s", p->files[i].path) >= 0) {
			index_get(l, key, i, &pos, &fresh);
			free(key);
		}
	}
}
