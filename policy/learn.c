// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "glob_pattern.h"
#include "learn.h"
#include "learn_diff.h"
#include "profile.h"
#include "syscall_table.h"
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
	bool merged_any; /* the first merged document gave the scalars */
	bool filling;	 /* learner_fill_from_file(): existing rules are not counted */
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

/* Finds key. On a miss, inserts it at position pos (taking key) when insert is set. */
static int index_get(struct learner *l, char *key, size_t pos, bool insert, size_t *ret_pos,
		     bool *ret_new)
{
	if ((l->index_n + 1) * 2 > l->index_cap && index_grow(l) < 0)
		return -ENOMEM;
	struct index_entry *e = index_slot(l, key);
	if (e->key) {
		*ret_pos = e->pos;
		*ret_new = false;
		return 0;
	}
	*ret_new = true;
	*ret_pos = pos;
	if (!insert)
		return 0;
	e->key = strdup(key);
	if (!e->key)
		return -ENOMEM;
	e->pos = pos;
	l->index_n++;
	return 0;
}

static void index_clear(struct learner *l)
{
	for (size_t i = 0; i < l->index_cap; i++) {
		free(l->index[i].key);
		l->index[i].key = NULL;
	}
	l->index_n = 0;
}

/* ---- rule identities ------------------------------------------------------ */

static char *file_key(const char *path, bool deny)
{
	char *key;
	return asprintf(&key, "%c\x1f%s", deny ? 'd' : 'a', path) < 0 ? NULL : key;
}

static char *net_key(enum net_rule_kind kind, const char *text, enum net_proto proto, bool inbound)
{
	char *key;
	return asprintf(&key, "n\x1f%d\x1f%d\x1f%d\x1f%s", kind, proto, inbound, text) < 0 ? NULL
											   : key;
}

static char *exec_key(const char *path, char *const *argv, size_t argc)
{
	size_t len = strlen(path) + 4;
	for (size_t i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *key = malloc(len);
	if (!key)
		return NULL;
	size_t k = (size_t)snprintf(key, len, "e\x1f%s%s", path, argv ? "\x1e" : "");
	for (size_t i = 0; i < argc; i++)
		k += (size_t)snprintf(key + k, len - k, "\x1f%s", argv[i]);
	return key;
}

/* Re-creates the identity index after rules moved or changed. */
static int reindex(struct learner *l)
{
	struct profile *p = l->p;
	size_t pos;
	bool fresh;
	int r = 0;

	index_clear(l);
	for (size_t i = 0; r == 0 && i < p->n_files; i++) {
		_cleanup_free_ char *key = file_key(p->files[i].path, p->files[i].deny != 0);
		r = key ? index_get(l, key, i, true, &pos, &fresh) : -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < p->n_net; i++) {
		const struct net_rule_def *d = &p->net[i];
		_cleanup_free_ char *key =
			net_key(d->rule.kind, d->text, d->rule.proto, d->rule.inbound);
		r = key ? index_get(l, key, i, true, &pos, &fresh) : -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < p->n_exec; i++) {
		const struct exec_rule *e = &p->exec[i];
		_cleanup_free_ char *key = exec_key(e->path, e->argv, e->argc);
		r = key ? index_get(l, key, i, true, &pos, &fresh) : -ENOMEM;
	}
	return r;
}

/* ---- life cycle ------------------------------------------------------------ */

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
	if (l->index)
		index_clear(l);
	free(l->index);
	profile_free(l->p);
	free(l);
}

size_t learner_size(const struct learner *l)
{
	return l->p->n_files + l->p->n_net + l->p->n_exec + l->p->syscalls.n;
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

static enum rule_phase to_rule_phase(enum learner_phase phase)
{
	switch (phase) {
	case LEARNER_PHASE_INIT:
		return PHASE_INIT;
	case LEARNER_PHASE_INVOKE:
		return PHASE_INVOKE;
	default:
		return PHASE_NONE;
	}
}

/* Counts observations into a rule's metadata: the earliest phase wins. */
static void meta_add(struct rule_meta *m, uint64_t seen, enum rule_phase phase)
{
	m->seen += seen;
	if (phase != PHASE_NONE && (m->phase == PHASE_NONE || phase < m->phase))
		m->phase = phase;
}

void learner_set_unknown_phase(struct learner *l, enum learner_phase phase)
{
	struct profile *p = l->p;
	enum rule_phase rp = to_rule_phase(phase);
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].meta.phase == PHASE_NONE)
			p->files[i].meta.phase = rp;
	for (size_t i = 0; i < p->n_net; i++)
		if (p->net[i].meta.phase == PHASE_NONE)
			p->net[i].meta.phase = rp;
	for (size_t i = 0; i < p->n_exec; i++)
		if (p->exec[i].meta.phase == PHASE_NONE)
			p->exec[i].meta.phase = rp;
}

/* ---- names as patterns ------------------------------------------------------ */

/*
 * Length of the well-formed UTF-8 sequence at s, or 0: no overlong forms,
 * surrogates or code points above U+10FFFF, which the profile reader
 * refuses (a name kept with them would make a profile that does not load).
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/*
 * A name as a glob: bytes that globs cannot express literally (the
 * unsupported '[' ']' '{' '}' '\', control characters, invalid UTF-8) become
 * '?', which matches them: the rule covers the name and a few look-alikes,
 * never less ('?' matches one invalid byte: glob_char_len()). So does '*':
 * a file someone named "*" (an upload, a probe for "dir/*") must not become
 * a rule for every name there. Caller frees.
 */
static char *name_to_glob(const char *name)
{
	char *g = strdup(name);
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
		if (c < 0x20 || c == 0x7f || strchr("[]{}\\*", c))
			g[i] = '?';
		i++;
	}
	return g;
}

/* ---- files ----------------------------------------------------------------- */

/*
 * Adds (or unions into) the file rule written as path (glob: what it
 * matches, variables expanded). Exactly one of allow, deny is non-zero.
 */
static int put_file(struct learner *l, const char *path, const char *glob, uint8_t allow,
		    uint8_t deny, uint64_t seen, enum rule_phase phase)
{
	struct profile *p = l->p;
	_cleanup_free_ char *key = file_key(path, deny != 0);
	size_t pos;
	bool fresh;
	if (!key || grow((void **)&p->files, &p->cap_files, p->n_files, sizeof(*p->files)))
		return -ENOMEM;
	int r = index_get(l, key, p->n_files, false, &pos, &fresh);
	if (r < 0)
		return r;
	if (!fresh) {
		p->files[pos].allow |= allow;
		p->files[pos].deny |= deny;
		if (!l->filling)
			meta_add(&p->files[pos].meta, seen, phase);
		return 0;
	}
	struct file_rule *f = &p->files[p->n_files];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->glob = strdup(glob);
	if (!f->path || !f->glob) {
		free(f->path);
		free(f->glob);
		return -ENOMEM;
	}
	f->allow = allow;
	f->deny = deny;
	meta_add(&f->meta, seen, phase);
	r = index_get(l, key, p->n_files, true, &pos, &fresh);
	if (r < 0) {
		free(f->path);
		free(f->glob);
		return r;
	}
	p->n_files++;
	return 0;
}

/* A cut name's pattern: what is left of the name, literal, then "*" and "**" (learn.h). */
static char *cut_to_glob(const char *name)
{
	static const char tail[] = "*/**";
	size_t n = strlen(name), t = sizeof(tail) - 1;
	if (n <= t || memcmp(name + n - t, tail, t) != 0)
		return NULL;
	_cleanup_free_ char *head = strndup(name, n - t);
	_cleanup_free_ char *lit = head ? name_to_glob(head) : NULL;
	char *out = NULL;
	if (!lit || asprintf(&out, "%s%s", lit, tail) < 0)
		return NULL;
	return out;
}

static int add_file_obs(struct learner *l, const struct learn_obs *o, uint64_t seen)
{
	if (!o->name || o->name[0] != '/' || !(o->rights & POLICY_RIGHTS_ALL))
		return -EINVAL;
	_cleanup_free_ char *path = o->pattern ? cut_to_glob(o->name) : name_to_glob(o->name);
	if (!path && o->pattern)
		return -EINVAL;
	if (!path)
		return -ENOMEM;
	if (glob_validate(GLOB_TRIE_PATH, path, NULL, NULL) < 0)
		return -EINVAL;
	return put_file(l, path, path, (uint8_t)(o->rights & POLICY_RIGHTS_ALL), 0, seen,
			to_rule_phase(o->phase));
}

/* ---- network ---------------------------------------------------------------- */

/* Normalises ranges in place: sorted, overlapping and adjacent ones merged. */
static int cmp_range(const void *a, const void *b)
{
	const struct net_port_range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

size_t learn_ports_normalize(struct net_port_range *ports, size_t n)
{
	size_t w = 0;
	if (n == 0)
		return 0;
	qsort(ports, n, sizeof(*ports), cmp_range);
	for (size_t i = 1; i < n; i++) {
		if ((unsigned)ports[i].lo <= (unsigned)ports[w].hi + 1u) {
			if (ports[i].hi > ports[w].hi)
				ports[w].hi = ports[i].hi;
		} else {
			ports[++w] = ports[i];
		}
	}
	return w + 1;
}

/*
 * Unions ranges into a rule's ports. A rule without ports allows any port
 * and stays so; n == 0 (any port) makes it so.
 */
static int union_ports(struct net_rule_def *d, bool fresh, const struct net_port_range *add,
		       size_t n)
{
	if (!fresh && d->rule.n_ports == 0)
		return 0;
	if (n == 0) {
		free(d->ports);
		d->ports = NULL;
		d->rule.ports = NULL;
		d->rule.n_ports = 0;
		return 0;
	}
	size_t total = d->rule.n_ports + n;
	struct net_port_range *m = realloc(d->ports, total * sizeof(*m));
	if (!m)
		return -ENOMEM;
	memcpy(m + d->rule.n_ports, add, n * sizeof(*m));
	d->ports = m;
	d->rule.n_ports = learn_ports_normalize(m, total);
	d->rule.ports = m;
	return 0;
}

static int put_net(struct learner *l, enum net_rule_kind kind, const char *text,
		   const struct net_cidr *cidr, bool written_as_host,
		   const struct net_port_range *ports, size_t n_ports, enum net_proto proto,
		   bool inbound, uint64_t seen, enum rule_phase phase)
{
	struct profile *p = l->p;
	_cleanup_free_ char *key = net_key(kind, text, proto, inbound);
	size_t pos;
	bool fresh;
	if (!key || grow((void **)&p->net, &p->cap_net, p->n_net, sizeof(*p->net)))
		return -ENOMEM;
	int r = index_get(l, key, p->n_net, false, &pos, &fresh);
	if (r < 0)
		return r;
	if (!fresh) {
		if (!l->filling)
			meta_add(&p->net[pos].meta, seen, phase);
		return union_ports(&p->net[pos], false, ports, n_ports);
	}
	struct net_rule_def *d = &p->net[p->n_net];
	memset(d, 0, sizeof(*d));
	d->rule.kind = kind;
	d->rule.proto = kind == NET_RULE_UNIX ? NET_PROTO_ANY : proto;
	d->rule.inbound = inbound;
	d->written_as_host = written_as_host;
	d->text = strdup(text);
	if (kind != NET_RULE_CIDR)
		d->glob = strdup(text);
	else
		d->rule.cidr = *cidr;
	d->rule.pattern = d->glob;
	if (!d->text || (kind != NET_RULE_CIDR && !d->glob) ||
	    (kind != NET_RULE_UNIX && union_ports(d, true, ports, n_ports) < 0) ||
	    index_get(l, key, p->n_net, true, &pos, &fresh) < 0) {
		free(d->text);
		free(d->glob);
		free(d->ports);
		memset(d, 0, sizeof(*d));
		return -ENOMEM;
	}
	meta_add(&d->meta, seen, phase);
	p->n_net++;
	return 0;
}

/* What the profile reader would refuse as a host name. */
static bool host_name_ok(const char *name)
{
	size_t len = strlen(name), start = len;
	if (glob_validate(GLOB_TRIE_HOST, name, NULL, NULL) < 0)
		return false;
	while (start > 0 && name[start - 1] != '.')
		start--;
	for (size_t i = start; i < len; i++)
		if (name[i] < '0' || name[i] > '9')
			return true;
	return false;
}

static int add_net_obs(struct learner *l, const struct learn_obs *o, uint64_t seen)
{
	struct net_port_range range = {(uint16_t)o->port, (uint16_t)o->port};
	size_t n_ports = o->port == NET_PORT_ANY ? 0 : 1;
	enum rule_phase phase = to_rule_phase(o->phase);

	if (o->port != NET_PORT_ANY && (o->port < 0 || o->port > 65535))
		return -EINVAL;
	if (o->kind == LEARN_OBS_HOST) {
		char lower[GLOB_HOST_MAX_LEN + 2];
		size_t n = o->name ? strlen(o->name) : 0;
		if (n == 0 || n > GLOB_HOST_MAX_LEN + 1)
			return -EINVAL;
		for (size_t i = 0; i <= n; i++)
			lower[i] = (char)((o->name[i] >= 'A' && o->name[i] <= 'Z') ? o->name[i] + 32
										   : o->name[i]);
		if (n > 1 && lower[n - 1] == '.')
			lower[n - 1] = '\0';
		struct in6_addr probe;
		if (inet_pton(AF_INET, lower, &probe) == 1 ||
		    inet_pton(AF_INET6, lower, &probe) == 1) {
			/* An address given as a name: the rule is the address. */
			struct learn_obs ip = *o;
			ip.kind = LEARN_OBS_IP;
			ip.family = strchr(lower, ':') ? AF_INET6 : AF_INET;
			memcpy(ip.addr, &probe, sizeof(probe));
			return add_net_obs(l, &ip, seen);
		}
		/* An observed name is never a pattern (a URL naming host "*.*" asks for one). */
		if (strchr(lower, '*') || !host_name_ok(lower))
			return -EINVAL;
		return put_net(l, NET_RULE_HOST, lower, NULL, false, &range, n_ports, o->proto,
			       o->inbound, seen, phase);
	}
	if (o->kind == LEARN_OBS_IP) {
		char text[INET6_ADDRSTRLEN + 8];
		struct net_cidr cidr = {0};
		const char *msg;
		if (!inet_ntop(o->family, o->addr, text, sizeof(text)))
			return -EINVAL;
		/* Through the parser, so mapped addresses become IPv4 like everywhere else. */
		if (net_cidr_parse(text, &cidr, &msg) < 0)
			return -EINVAL;
		if (cidr.family == AF_INET && o->family == AF_INET6)
			inet_ntop(AF_INET, cidr.addr, text, sizeof(text));
		return put_net(l, NET_RULE_CIDR, text, &cidr, false, &range, n_ports, o->proto,
			       o->inbound, seen, phase);
	}
	/* unix */
	if (!o->name || (o->name[0] != '/' && o->name[0] != '@') || !o->name[1])
		return -EINVAL;
	_cleanup_free_ char *path = name_to_glob(o->name);
	_cleanup_free_ char *rooted = NULL;
	if (!path)
		return -ENOMEM;
	if (path[0] == '@' && asprintf(&rooted, "%s%s", path[1] == '/' ? "" : "/", path + 1) < 0)
		return -ENOMEM;
	if (glob_validate(GLOB_TRIE_PATH, rooted ? rooted : path, NULL, NULL) < 0)
		return -EINVAL;
	return put_net(l, NET_RULE_UNIX, path, NULL, false, NULL, 0, NET_PROTO_ANY, o->inbound,
		       seen, phase);
}

/* ---- exec -------------------------------------------------------------------- */

static void free_argv(char **argv, size_t argc)
{
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* Adds (or counts) the exec rule path + argv (argv NULL: no constraint). Copies. */
static int put_exec(struct learner *l, const char *path, const char *glob, char *const *argv,
		    size_t argc, uint64_t seen, enum rule_phase phase)
{
	struct profile *p = l->p;
	_cleanup_free_ char *key = exec_key(path, argv, argc);
	size_t pos;
	bool fresh;
	if (!key || grow((void **)&p->exec, &p->cap_exec, p->n_exec, sizeof(*p->exec)))
		return -ENOMEM;
	int r = index_get(l, key, p->n_exec, false, &pos, &fresh);
	if (r < 0)
		return r;
	if (!fresh) {
		if (!l->filling)
			meta_add(&p->exec[pos].meta, seen, phase);
		return 0;
	}
	struct exec_rule *e = &p->exec[p->n_exec];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->glob = strdup(glob);
	if (argv) {
		e->argv = calloc(argc + 1, sizeof(char *));
		for (size_t i = 0; e->argv && i < argc; i++) {
			e->argv[i] = strdup(argv[i]);
			if (!e->argv[i])
				break;
			e->argc++;
		}
	}
	if (!e->path || !e->glob || (argv && (!e->argv || e->argc != argc)) ||
	    index_get(l, key, p->n_exec, true, &pos, &fresh) < 0) {
		free(e->path);
		free(e->glob);
		if (e->argv)
			free_argv(e->argv, e->argc);
		memset(e, 0, sizeof(*e));
		return -ENOMEM;
	}
	meta_add(&e->meta, seen, phase);
	p->n_exec++;
	return 0;
}

static int add_exec_obs(struct learner *l, const struct learn_obs *o, uint64_t seen)
{
	if (!o->name || o->name[0] != '/')
		return -EINVAL;
	_cleanup_free_ char *path = name_to_glob(o->name);
	char **argv = NULL;
	size_t argc = 0;
	int r;
	if (!path)
		return -ENOMEM;
	if (glob_validate(GLOB_TRIE_PATH, path, NULL, NULL) < 0)
		return -EINVAL;
	while (o->argv && o->argv[argc] && argc < PROFILE_MAX_ARGV)
		argc++;
	if (o->argv) {
		argv = calloc(argc + 1, sizeof(char *));
		if (!argv)
			return -ENOMEM;
		for (size_t i = 0; i < argc; i++) {
			/* argv elements are matched with the same wildcards: sanitise alike. */
			argv[i] = name_to_glob(o->argv[i]);
			/* A literal '*' became '?' ("**" is "??"): never "any argument". */
			if (argv[i] && i == 0 && o->any_argv0) {
				free(argv[i]);
				argv[i] = strdup("*");
			}
			if (!argv[i]) {
				free_argv(argv, i);
				return -ENOMEM;
			}
		}
		/* More arguments than a rule may list: the rest is "**". */
		if (o->argv[argc] && argc > 0) {
			free(argv[argc - 1]);
			argv[argc - 1] = strdup("**");
			if (!argv[argc - 1]) {
				free_argv(argv, argc - 1);
				return -ENOMEM;
			}
		}
	}
	r = put_exec(l, path, path, argv, argc, seen, to_rule_phase(o->phase));
	if (argv)
		free_argv(argv, argc);
	return r;
}

/* ---- syscalls ------------------------------------------------------------------ */

static bool dangerous(const char *name)
{
	for (const char *const *d = syscall_dangerous_set(); *d; d++)
		if (strcmp(*d, name) == 0)
			return true;
	return false;
}

static int add_syscall_obs(struct learner *l, const struct learn_obs *o)
{
	/* A dangerous call is never learned: it needs a deliberate "unsafe" entry. */
	if (!o->name || !syscall_name_known(o->name) || dangerous(o->name))
		return -EINVAL;
	return string_list_add(&l->p->syscalls, o->name);
}

int learner_add(struct learner *l, const struct learn_obs *o)
{
	uint64_t seen = o->count ? o->count : 1;
	switch (o->kind) {
	case LEARN_OBS_FILE:
		return add_file_obs(l, o, seen);
	case LEARN_OBS_HOST:
	case LEARN_OBS_IP:
	case LEARN_OBS_UNIX:
		return add_net_obs(l, o, seen);
	case LEARN_OBS_EXEC:
		return add_exec_obs(l, o, seen);
	case LEARN_OBS_SYSCALL:
		return add_syscall_obs(l, o);
	}
	return -EINVAL;
}

int learner_add_file(struct learner *l, const char *path, unsigned rights)
{
	struct learn_obs o = {.kind = LEARN_OBS_FILE, .name = path, .rights = rights};
	return learner_add(l, &o);
}

int learner_add_host(struct learner *l, const char *name, int port, enum net_proto proto,
		     bool inbound)
{
	struct learn_obs o = {.kind = LEARN_OBS_HOST,
			      .name = name,
			      .port = port,
			      .proto = proto,
			      .inbound = inbound};
	return learner_add(l, &o);
}

int learner_add_ip(struct learner *l, int family, const void *addr, int port, enum net_proto proto,
		   bool inbound)
{
	struct learn_obs o = {.kind = LEARN_OBS_IP,
			      .family = family,
			      .port = port,
			      .proto = proto,
			      .inbound = inbound};
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(o.addr, addr, family == AF_INET ? 4 : 16);
	return learner_add(l, &o);
}

int learner_add_unix(struct learner *l, const char *path, bool inbound)
{
	struct learn_obs o = {.kind = LEARN_OBS_UNIX, .name = path, .inbound = inbound};
	return learner_add(l, &o);
}

int learner_add_exec(struct learner *l, const char *path, char *const argv[])
{
	struct learn_obs o = {.kind = LEARN_OBS_EXEC, .name = path, .argv = argv};
	return learner_add(l, &o);
}

/* ---- merging documents ---------------------------------------------------------- */

static int union_list(struct string_list *dst, const struct string_list *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (string_list_add(dst, src->items[i]) < 0)
			return -ENOMEM;
	return 0;
}

/*
 * "extends" entries that name files relative to the profile naming them
 * ("base.json", "../shared/base.json") would name another file from the
 * merged profile's place: each is made absolute against its own profile's
 * directory. Shipped names ("lambda-base") are kept as they are.
 */
static int union_extends(struct string_list *dst, const struct string_list *src,
			 const char *including)
{
	for (size_t i = 0; i < src->n; i++) {
		const char *name = src->items[i];
		size_t n = strlen(name);
		bool file = strchr(name, '/') || (n > 5 && strcmp(name + n - 5, ".json") == 0);
		char dir[PATH_MAX], abs[PATH_MAX * 2];
		const char *use = name;
		if (file && name[0] != '/' && including) {
			const char *slash = strrchr(including, '/');
			char from[PATH_MAX] = ".";
			if (slash == including) {
				strcpy(from, "/");
			} else if (slash) {
				size_t dl = (size_t)(slash - including);
				if (dl >= sizeof(from))
					return -ENAMETOOLONG;
				memcpy(from, including, dl);
				from[dl] = '\0';
			}
			if (realpath(from, dir)) {
				int k = snprintf(abs, sizeof(abs), "%s/%s", dir, name);
				if (k < 0 || (size_t)k >= sizeof(abs))
					return -ENAMETOOLONG;
				use = abs;
			}
		}
		if (string_list_add(dst, use) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int merge_profile(struct learner *l, const struct profile *src, const char *including)
{
	struct profile *p = l->p;
	int r = 0;

	for (size_t i = 0; r == 0 && i < src->n_files; i++) {
		const struct file_rule *f = &src->files[i];
		if (f->allow)
			r = put_file(l, f->path, f->glob, f->allow, 0, f->meta.seen, f->meta.phase);
		if (r == 0 && f->deny)
			r = put_file(l, f->path, f->glob, 0, f->deny, f->meta.seen, f->meta.phase);
	}
	for (size_t i = 0; r == 0 && i < src->n_net; i++) {
		const struct net_rule_def *d = &src->net[i];
		r = put_net(l, d->rule.kind, d->text, &d->rule.cidr, d->written_as_host, d->ports,
			    d->rule.n_ports, d->rule.proto, d->rule.inbound, d->meta.seen,
			    d->meta.phase);
	}
	for (size_t i = 0; r == 0 && i < src->n_exec; i++) {
		const struct exec_rule *e = &src->exec[i];
		r = put_exec(l, e->path, e->glob, e->argv, e->argc, e->meta.seen, e->meta.phase);
	}
	if (r == 0)
		r = union_list(&p->syscalls, &src->syscalls);
	if (r == 0)
		r = union_list(&p->unsafe, &src->unsafe);
	if (r == 0)
		r = union_list(&p->require, &src->require);
	if (r == 0)
		r = union_extends(&p->extends, &src->extends, including);
	if (r == 0 && !l->merged_any) {
		l->merged_any = true;
		if (src->name && !(p->name = strdup(src->name)))
			return -ENOMEM;
		p->mode = src->mode;
		p->on_error = src->on_error;
		memcpy(p->actions, src->actions, sizeof(p->actions));
	}
	return r;
}

int learner_merge_text(struct learner *l, const char *name, const char *text, size_t len,
		       struct diag_list *diags)
{
	struct policy_load_opts opts = {.no_extends = true};
	struct profile *src = NULL;
	int r = profile_read_json(name, text, len, &opts, &src, diags);
	if (r < 0)
		return r;
	r = merge_profile(l, src, name);
	profile_free(src);
	return r;
}

/* Reads a whole regular file (at most the profile size limit). Caller frees. */
static int read_file(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > PROFILE_MAX_BYTES)
		return -EFBIG;
	char *buf = malloc((size_t)st.st_size + 1);
	size_t done = 0;
	if (!buf)
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	buf[done] = '\0';
	*ret = buf;
	*ret_len = done;
	return 0;
}

static size_t compact_profile(struct profile *p, const bool *drop);

static bool has_star(const char *s)
{
	return s && strchr(s, '*');
}

/* An exec rule the learner could have written: literal names, "**" only past PROFILE_MAX_ARGV. */
static bool exec_rule_literal(const struct exec_rule *e)
{
	if (has_star(e->glob))
		return false;
	for (size_t i = 0; e->argv && i < e->argc; i++) {
		bool overflow = i + 1 == e->argc && e->argc == PROFILE_MAX_ARGV &&
				strcmp(e->argv[i], "**") == 0;
		if (has_star(e->argv[i]) && !overflow)
			return false;
	}
	return true;
}

/* Not a range: a peer the learner saw is one address (a cidr of its full length). */
static bool cidr_one_address(const struct net_rule *r)
{
	if (r->kind != NET_RULE_CIDR)
		return true;
	return r->cidr.prefix_len == (r->cidr.family == AF_INET ? 32 : 128);
}

/*
 * A record file is written by the processes of the recorded tree, which can
 * write anything there: only what the shim's learner writes (observed
 * names, '*' never) is taken; any other rule is dropped, and said.
 */
static int keep_observed(struct profile *src, const char *path, struct diag_list *diags)
{
	size_t n = src->n_files + src->n_net + src->n_exec, k = 0;
	_cleanup_free_ bool *drop = calloc(n ? n : 1, sizeof(bool));
	if (!drop)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_files; i++)
		drop[k++] = has_star(src->files[i].glob);
	for (size_t i = 0; i < src->n_net; i++)
		drop[k++] = has_star(src->net[i].glob) || !cidr_one_address(&src->net[i].rule);
	for (size_t i = 0; i < src->n_exec; i++)
		drop[k++] = !exec_rule_literal(&src->exec[i]);
	size_t dropped = compact_profile(src, drop);
	if (dropped)
		diag_add(
			diags, path, 0, 0, NULL,
			"%zu rule%s with wildcards dropped: the recording holds observed names only",
			dropped, dropped == 1 ? "" : "s");
	return 0;
}

/* learner_fill_from_file() for one document of the file. */
static int fill_from_text(struct learner *l, const char *path, const char *text, size_t len,
			  struct diag_list *diags)
{
	struct policy_load_opts opts = {.no_extends = true};
	struct profile *src = NULL;
	int r = profile_read_json(path, text, len, &opts, &src, diags);
	if (r < 0)
		return r;
	if (!src)
		return -EIO; /* read_file returns 0 or -errno: not reached */
	/* Only the rules: the settings and lists of a record file are not the run's. */
	string_list_clear(&src->syscalls);
	string_list_clear(&src->unsafe);
	string_list_clear(&src->require);
	string_list_clear(&src->extends);
	r = keep_observed(src, path, diags);
	if (r < 0) {
		profile_free(src);
		return r;
	}
	l->filling = true;
	bool merged = l->merged_any;
	l->merged_any = true;
	r = merge_profile(l, src, path);
	l->merged_any = merged;
	l->filling = false;
	profile_free(src);
	return r;
}

/* Only white space (or nothing): no document. */
static bool blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r')
			return false;
	return true;
}

/*
 * One document, or the documents of a recording the tree's processes
 * appended to (learner_append_file: each between NULs), read one at a time
 * (no limit on the whole). A document that cannot be read (a process
 * stopped while writing it, one past the profile size limit) is left out
 * and said, unless none could be read: then the file is refused, as a
 * single broken document is.
 */
int learner_fill_from_file(struct learner *l, const char *path, struct diag_list *diags)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	if (!f)
		return -errno;
	int r = fstat(fileno(f), &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
	if (r < 0) {
		fclose(f);
		return r;
	}
	_cleanup_free_ char *doc = NULL;
	size_t cap = 0, docs = 0, skipped = 0;
	int first_err = 0;
	ssize_t n;
	errno = 0;
	while (r == 0 && (n = getdelim(&doc, &cap, '\0', f)) > 0) {
		size_t len = (size_t)n - (doc[n - 1] == '\0');
		if (blank(doc, len))
			continue;
		docs++;
		int fr =
			len > PROFILE_MAX_BYTES ? -EFBIG : fill_from_text(l, path, doc, len, diags);
		if (fr == -ENOMEM)
			r = fr;
		else if (fr < 0 && !skipped++)
			first_err = fr;
	}
	if (r == 0 && ferror(f))
		r = errno ? -errno : -EIO;
	fclose(f);
	if (r < 0)
		return r;
	if (skipped && skipped == docs)
		return first_err;
	if (skipped)
		diag_add(diags, path, 0, 0, NULL,
			 "%zu of %zu parts of the recording could not be read (a process stopped "
			 "while writing?): left out",
			 skipped, docs);
	return 0;
}

int learner_append_file(const struct learner *l, const char *name, const char *path)
{
	_cleanup_free_ char *text = NULL;
	int r = learner_to_json(l, name, NULL, &text);
	if (r < 0)
		return r;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/*
	 * Between NULs: a document an earlier writer left cut (killed, disk
	 * full) ends at this one's first NUL instead of swallowing it.
	 */
	r = write_all(fd, "", 1);
	if (r == 0)
		r = write_all(fd, text, strlen(text) + 1);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int learner_merge_file(struct learner *l, const char *path, struct diag_list *diags)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file(path, &text, &len);
	if (r < 0)
		return r;
	return learner_merge_text(l, path, text, len, diags);
}

/* ---- subtracting ---------------------------------------------------------------- */

static void file_rule_clear(struct file_rule *f)
{
	free(f->path);
	free(f->glob);
}

static void net_rule_clear(struct net_rule_def *d)
{
	free(d->text);
	free(d->glob);
	free(d->ports);
}

static void exec_rule_clear(struct exec_rule *e)
{
	free(e->path);
	free(e->glob);
	if (e->argv)
		free_argv(e->argv, e->argc);
}

/* Removes the rules flagged in drop[] (files, then net, then exec) and reindexes. */
static size_t compact_profile(struct profile *p, const bool *drop)
{
	size_t dropped = 0, w = 0, k = 0;

	for (size_t i = 0; i < p->n_files; i++, k++) {
		if (drop[k]) {
			file_rule_clear(&p->files[i]);
			dropped++;
		} else {
			p->files[w++] = p->files[i];
		}
	}
	p->n_files = w;
	w = 0;
	for (size_t i = 0; i < p->n_net; i++, k++) {
		if (drop[k]) {
			net_rule_clear(&p->net[i]);
			dropped++;
		} else {
			p->net[w++] = p->net[i];
		}
	}
	p->n_net = w;
	w = 0;
	for (size_t i = 0; i < p->n_exec; i++, k++) {
		if (drop[k]) {
			exec_rule_clear(&p->exec[i]);
			dropped++;
		} else {
			p->exec[w++] = p->exec[i];
		}
	}
	p->n_exec = w;
	return dropped;
}

static size_t compact(struct learner *l, const bool *drop)
{
	size_t dropped = compact_profile(l->p, drop);
	/* Best effort: a failed index only costs a duplicate rule later. */
	reindex(l);
	return dropped;
}

size_t learner_drop_covered(struct learner *l, const struct policy *base)
{
	struct profile *p = l->p;
	struct learn_ref ref;
	size_t n = p->n_files + p->n_net + p->n_exec;
	_cleanup_free_ bool *drop = calloc(n ? n : 1, sizeof(bool));
	size_t k = 0;

	if (!drop || learn_ref_init(&ref, base) < 0)
		return 0;
	for (size_t i = 0; i < p->n_files; i++, k++) {
		struct file_rule *f = &p->files[i];
		if (!f->allow)
			continue;
		/* Rights are a union over rules: keep only what base does not give. */
		unsigned covered = learn_file_rights_covered(&ref, f->glob, f->allow, NULL);
		f->allow &= (uint8_t)~covered;
		drop[k] = f->allow == 0;
	}
	for (size_t i = 0; i < p->n_net; i++, k++) {
		struct net_rule_def *d = &p->net[i];
		/* Like rights, ports the base allows need no rule of their own. */
		if (d->rule.kind != NET_RULE_UNIX && d->rule.n_ports)
			drop[k] = learn_net_trim_ports(&ref, d) == 0;
		else
			drop[k] = learn_net_covered(&ref, d);
	}
	for (size_t i = 0; i < p->n_exec; i++, k++)
		drop[k] = learn_exec_covered(&ref, &p->exec[i]);
	learn_ref_done(&ref);
	return compact(l, drop);
}

size_t learner_drop_redundant(struct learner *l)
{
	struct profile *p = l->p;
	size_t n = p->n_files + p->n_net + p->n_exec;
	_cleanup_free_ bool *drop = calloc(n ? n : 1, sizeof(bool));
	size_t k = 0;

	if (!drop)
		return 0;
	for (size_t i = 0; i < p->n_files; i++, k++) {
		const struct file_rule *f = &p->files[i];
		if (!f->allow || f->deny)
			continue;
		for (size_t j = 0; j < p->n_files && !drop[k]; j++) {
			const struct file_rule *g = &p->files[j];
			/* Of two identical patterns (cannot happen: keyed), keep the first. */
			if (j == i || drop[j] || (g->allow & f->allow) != f->allow ||
			    strcmp(g->glob, f->glob) == 0)
				continue;
			drop[k] = learn_glob_covers(g->glob, f->glob);
		}
	}
	size_t base = p->n_files;
	for (size_t i = 0; i < p->n_net; i++, k++)
		for (size_t j = 0; j < p->n_net && !drop[k]; j++)
			drop[k] = j != i && !drop[base + j] &&
				  learn_net_rule_covers(&p->net[j], &p->net[i]) &&
				  !learn_net_rule_covers(&p->net[i], &p->net[j]);
	base += p->n_net;
	for (size_t i = 0; i < p->n_exec; i++, k++)
		for (size_t j = 0; j < p->n_exec && !drop[k]; j++)
			drop[k] = j != i && !drop[base + j] &&
				  learn_exec_rule_covers(&p->exec[j], &p->exec[i]) &&
				  !learn_exec_rule_covers(&p->exec[i], &p->exec[j]);
	return compact(l, drop);
}

int learner_generalize(struct learner *l, const struct learn_options *opts)
{
	int r = learn_generalize(l->p, opts);
	int r2 = reindex(l);
	return r < 0 ? r : r2;
}

/* ---- judging ------------------------------------------------------------------- */

int learner_to_policy(const struct learner *l,
		      const char *(*getvar)(const char *name, void *userdata), void *userdata,
		      struct policy **ret)
{
	_cleanup_free_ char *text = NULL;
	struct policy_load_opts opts = {.getvar = getvar, .userdata = userdata, .no_extends = true};
	int r = profile_write_json(l->p, false, &text);
	if (r < 0)
		return r;
	return policy_load_buffer("learned", text, strlen(text), &opts, ret, NULL);
}

int learn_obs_check(const struct policy *pol, const struct learn_obs *o, struct policy_verdict *ret)
{
	enum net_dir dir = o->inbound ? NET_DIR_IN : NET_DIR_OUT;
	switch (o->kind) {
	case LEARN_OBS_FILE:
		if (!o->name || o->name[0] != '/')
			return -EINVAL;
		return policy_check_file(pol, o->name, strlen(o->name), o->rights, ret);
	case LEARN_OBS_HOST:
		if (!o->name)
			return -EINVAL;
		return policy_check_host(pol, o->name, strlen(o->name), o->port, o->proto, dir,
					 ret);
	case LEARN_OBS_IP:
		return policy_check_ip(pol, o->family, o->addr, o->port, o->proto, dir, ret);
	case LEARN_OBS_UNIX: {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		size_t len = o->name ? strlen(o->name) : 0;
		if (len == 0 || len > sizeof(sun.sun_path))
			return -EINVAL;
		memcpy(sun.sun_path, o->name, len);
		if (o->name[0] == '@')
			sun.sun_path[0] = '\0';
		return policy_check_sockaddr(
			pol, (const struct sockaddr *)&sun,
			(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len), NET_PROTO_ANY,
			dir, ret);
	}
	case LEARN_OBS_EXEC:
		if (!o->name || o->name[0] != '/')
			return -EINVAL;
		return policy_check_exec(pol, o->name, strlen(o->name), o->argv, ret);
	case LEARN_OBS_SYSCALL:
		if (!o->name)
			return -EINVAL;
		return policy_check_syscall(pol, o->name, ret);
	}
	return -EINVAL;
}

/* ---- output --------------------------------------------------------------------- */

int learner_to_json(const struct learner *l, const char *name, const char *const *extends,
		    char **ret_text)
{
	struct profile *p = l->p;
	char *old = p->name;
	struct string_list saved = p->extends;
	int r = 0;

	if (extends) {
		memset(&p->extends, 0, sizeof(p->extends));
		for (size_t i = 0; extends[i] && r == 0; i++)
			r = string_list_add(&p->extends, extends[i]);
	}
	if (name)
		p->name = (char *)name;
	if (r == 0)
		r = profile_write_json(p, true, ret_text);
	p->name = old;
	if (extends) {
		string_list_clear(&p->extends);
		p->extends = saved;
	}
	return r;
}

const struct profile *learner_profile(const struct learner *l)
{
	return l->p;
}
