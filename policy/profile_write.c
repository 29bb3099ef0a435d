// SPDX-License-Identifier: MIT
/*
 * Profile writer: struct profile → JSON text that is stable (rules sorted,
 * keys in a fixed order), readable (one rule per line) and reads back to the
 * same profile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "strbuf.h"
#include "util.h"

/* Strings in a profile are valid UTF-8 without NUL (the reader checked). */
static void put_string(struct strbuf *o, const char *s)
{
	strbuf_put(o, "\"");
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			strbuf_put(o, "\\\"");
		else if (c == '\\')
			strbuf_put(o, "\\\\");
		else if (c < 0x20 || c == 0x7f)
			strbuf_putf(o, "\\u%04x", c);
		else
			strbuf_put_mem(o, p, 1);
	}
	strbuf_put(o, "\"");
}

static void put_meta(struct strbuf *o, const struct rule_meta *m)
{
	if (m->seen)
		strbuf_putf(o, ", \"seen\": %llu", (unsigned long long)m->seen);
	if (m->phase == PHASE_INIT)
		strbuf_put(o, ", \"phase\": \"init\"");
	else if (m->phase == PHASE_INVOKE)
		strbuf_put(o, ", \"phase\": \"invoke\"");
}

/* ---- sorting ------------------------------------------------------------- */

static int cmp_file(const void *a, const void *b)
{
	const struct file_rule *x = *(const struct file_rule *const *)a;
	const struct file_rule *y = *(const struct file_rule *const *)b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	if (x->deny != y->deny)
		return x->deny < y->deny ? -1 : 1;
	return (x->allow > y->allow) - (x->allow < y->allow);
}

static int cmp_ports(const struct net_rule_def *x, const struct net_rule_def *y)
{
	size_t n = x->rule.n_ports < y->rule.n_ports ? x->rule.n_ports : y->rule.n_ports;
	for (size_t i = 0; i < n; i++) {
		if (x->ports[i].lo != y->ports[i].lo)
			return x->ports[i].lo < y->ports[i].lo ? -1 : 1;
		if (x->ports[i].hi != y->ports[i].hi)
			return x->ports[i].hi < y->ports[i].hi ? -1 : 1;
	}
	return (x->rule.n_ports > y->rule.n_ports) - (x->rule.n_ports < y->rule.n_ports);
}

static int net_kind_rank(const struct net_rule_def *d)
{
	if (d->written_as_host || d->rule.kind == NET_RULE_HOST)
		return 0;
	return d->rule.kind == NET_RULE_CIDR ? 1 : 2;
}

static int cmp_net(const void *a, const void *b)
{
	const struct net_rule_def *x = *(const struct net_rule_def *const *)a;
	const struct net_rule_def *y = *(const struct net_rule_def *const *)b;
	int c = net_kind_rank(x) - net_kind_rank(y);
	if (c)
		return c;
	c = strcmp(x->text, y->text);
	if (c)
		return c;
	c = cmp_ports(x, y);
	if (c)
		return c;
	if (x->rule.proto != y->rule.proto)
		return x->rule.proto < y->rule.proto ? -1 : 1;
	return (int)x->rule.inbound - (int)y->rule.inbound;
}

static int cmp_exec(const void *a, const void *b)
{
	const struct exec_rule *x = *(const struct exec_rule *const *)a;
	const struct exec_rule *y = *(const struct exec_rule *const *)b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	if (!x->argv || !y->argv)
		return (x->argv != NULL) - (y->argv != NULL);
	for (size_t i = 0; i < x->argc && i < y->argc; i++) {
		c = strcmp(x->argv[i], y->argv[i]);
		if (c)
			return c;
	}
	return (x->argc > y->argc) - (x->argc < y->argc);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted array of pointers into items (elem bytes each). Caller frees. */
static const void **sorted_view(const void *items, size_t n, size_t elem,
				int (*cmp)(const void *, const void *))
{
	const void **view = calloc(n ? n : 1, sizeof(*view));
	if (!view)
		return NULL;
	for (size_t i = 0; i < n; i++)
		view[i] = (const char *)items + i * elem;
	qsort(view, n, sizeof(*view), cmp);
	return view;
}

/* ---- sections ------------------------------------------------------------ */

static void put_list(struct strbuf *o, const char *key, const struct string_list *l, bool sort,
		     bool *first)
{
	if (!l->n)
		return;
	const char **items = calloc(l->n, sizeof(*items));
	if (!items) {
		o->oom = true;
		return;
	}
	memcpy(items, l->items, l->n * sizeof(*items));
	if (sort)
		qsort(items, l->n, sizeof(*items), cmp_str);
	strbuf_putf(o, "%s\n  \"%s\": [", *first ? "" : ",", key);
	for (size_t i = 0; i < l->n; i++) {
		strbuf_put(o, i ? ", " : "");
		put_string(o, items[i]);
	}
	strbuf_put(o, "]");
	*first = false;
	free(items);
}

static void put_files(struct strbuf *o, const struct profile *p, bool *first)
{
	if (!p->n_files)
		return;
	const void **v = sorted_view(p->files, p->n_files, sizeof(*p->files), cmp_file);
	if (!v) {
		o->oom = true;
		return;
	}
	strbuf_putf(o, "%s\n  \"files\": [", *first ? "" : ",");
	for (size_t i = 0; i < p->n_files; i++) {
		const struct file_rule *r = v[i];
		char rights[5];
		strbuf_put(o, i ? ",\n    { \"path\": " : "\n    { \"path\": ");
		put_string(o, r->path);
		rights_to_string(r->allow ? r->allow : r->deny, rights);
		strbuf_putf(o, ", \"%s\": \"%s\"", r->allow ? "allow" : "deny", rights);
		put_meta(o, &r->meta);
		strbuf_put(o, " }");
	}
	strbuf_put(o, "\n  ]");
	*first = false;
	free(v);
}

static void put_net(struct strbuf *o, const struct profile *p, bool *first)
{
	if (!p->n_net)
		return;
	const void **v = sorted_view(p->net, p->n_net, sizeof(*p->net), cmp_net);
	if (!v) {
		o->oom = true;
		return;
	}
	strbuf_putf(o, "%s\n  \"network\": [", *first ? "" : ",");
	for (size_t i = 0; i < p->n_net; i++) {
		const struct net_rule_def *d = v[i];
		const char *kind = d->written_as_host || d->rule.kind == NET_RULE_HOST ? "host"
				   : d->rule.kind == NET_RULE_CIDR		       ? "cidr"
										       : "unix";
		strbuf_putf(o, "%s{ \"%s\": ", i ? ",\n    " : "\n    ", kind);
		put_string(o, d->text);
		if (d->rule.n_ports) {
			strbuf_put(o, ", \"ports\": [");
			for (size_t k = 0; k < d->rule.n_ports; k++) {
				strbuf_put(o, k ? ", " : "");
				if (d->ports[k].lo == d->ports[k].hi)
					strbuf_putf(o, "%u", d->ports[k].lo);
				else
					strbuf_putf(o, "\"%u-%u\"", d->ports[k].lo, d->ports[k].hi);
			}
			strbuf_put(o, "]");
		}
		if (d->rule.proto == NET_PROTO_TCP)
			strbuf_put(o, ", \"proto\": \"tcp\"");
		else if (d->rule.proto == NET_PROTO_UDP)
			strbuf_put(o, ", \"proto\": \"udp\"");
		if (d->rule.inbound)
			strbuf_put(o, ", \"inbound\": true");
		put_meta(o, &d->meta);
		strbuf_put(o, " }");
	}
	strbuf_put(o, "\n  ]");
	*first = false;
	free(v);
}

static void put_exec(struct strbuf *o, const struct profile *p, bool *first)
{
	if (!p->n_exec)
		return;
	const void **v = sorted_view(p->exec, p->n_exec, sizeof(*p->exec), cmp_exec);
	if (!v) {
		o->oom = true;
		return;
	}
	strbuf_putf(o, "%s\n  \"exec\": [", *first ? "" : ",");
	for (size_t i = 0; i < p->n_exec; i++) {
		const struct exec_rule *r = v[i];
		strbuf_put(o, i ? ",\n    { \"path\": " : "\n    { \"path\": ");
		put_string(o, r->path);
		if (r->argv) {
			strbuf_put(o, ", \"argv\": [");
			for (size_t k = 0; k < r->argc; k++) {
				strbuf_put(o, k ? ", " : "");
				put_string(o, r->argv[k]);
			}
			strbuf_put(o, "]");
		}
		put_meta(o, &r->meta);
		strbuf_put(o, " }");
	}
	strbuf_put(o, "\n  ]");
	*first = false;
	free(v);
}

static const char *const action_names[POLICY_CATEGORY_MAX] = {"file", "network", "exec", "syscall"};

int profile_write_json(const struct profile *p, bool with_extends, char **ret_text)
{
	struct strbuf o = {0};
	bool first = false;

	strbuf_putf(&o, "{\n  \"fnguard\": %u", p->format ? p->format : PROFILE_FORMAT_VERSION);
	if (p->name) {
		strbuf_put(&o, ",\n  \"name\": ");
		put_string(&o, p->name);
	}
	if (with_extends)
		put_list(&o, "extends", &p->extends, false, &first);
	if (p->mode >= 0)
		strbuf_putf(&o, ",\n  \"mode\": \"%s\"",
			    policy_mode_to_string((enum policy_mode)p->mode));
	bool any_action = false;
	for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++)
		any_action |= p->actions[i] >= 0;
	if (any_action) {
		bool afirst = true;
		strbuf_put(&o, ",\n  \"actions\": { ");
		for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++) {
			if (p->actions[i] < 0)
				continue;
			strbuf_putf(&o, "%s\"%s\": \"%s\"", afirst ? "" : ", ", action_names[i],
				    policy_mode_to_string((enum policy_mode)p->actions[i]));
			afirst = false;
		}
		strbuf_put(&o, " }");
	}
	if (p->on_error >= 0)
		strbuf_putf(&o, ",\n  \"on_error\": \"%s\"",
			    p->on_error == POLICY_ON_ERROR_OPEN ? "open" : "closed");
	put_files(&o, p, &first);
	put_net(&o, p, &first);
	put_exec(&o, p, &first);
	put_list(&o, "syscalls", &p->syscalls, true, &first);
	put_list(&o, "unsafe", &p->unsafe, true, &first);
	put_list(&o, "require", &p->require, true, &first);
	strbuf_put(&o, "\n}\n");
	if (o.oom) {
		free(o.buf);
		return -ENOMEM;
	}
	*ret_text = o.buf;
	return 0;
}
