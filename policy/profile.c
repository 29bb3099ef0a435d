// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "util.h"

struct profile *profile_new(void)
{
	struct profile *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->mode = -1;
	p->on_error = -1;
	for (size_t i = 0; i < POLICY_CATEGORY_MAX; i++)
		p->actions[i] = -1;
	return p;
}

static void file_rule_clear(struct file_rule *r)
{
	free(r->path);
	free(r->glob);
}

static void net_rule_def_clear(struct net_rule_def *r)
{
	free(r->text);
	free(r->glob);
	free(r->ports);
}

static void exec_rule_clear(struct exec_rule *r)
{
	free(r->path);
	free(r->glob);
	for (size_t i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	for (size_t i = 0; !p->arena && i < p->n_files; i++)
		file_rule_clear(&p->files[i]);
	free(p->files);
	for (size_t i = 0; !p->arena && i < p->n_net; i++)
		net_rule_def_clear(&p->net[i]);
	free(p->net);
	for (size_t i = 0; !p->arena && i < p->n_exec; i++)
		exec_rule_clear(&p->exec[i]);
	free(p->exec);
	while (p->arena) {
		struct profile_arena *next = p->arena->next;
		free(p->arena);
		p->arena = next;
	}
	string_list_clear(&p->syscalls);
	string_list_clear(&p->unsafe);
	string_list_clear(&p->require);
	string_list_clear(&p->extends);
	free(p->extends_at);
	string_list_clear(&p->sources);
	free(p);
}

bool string_list_contains(const struct string_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

int string_list_add(struct string_list *l, const char *s)
{
	if (string_list_contains(l, s))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **items = realloc(l->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n] = strdup(s);
	if (!l->items[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

void string_list_clear(struct string_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

const char *profile_intern_source(struct profile *p, const char *file)
{
	for (size_t i = 0; i < p->sources.n; i++)
		if (strcmp(p->sources.items[i], file) == 0)
			return p->sources.items[i];
	if (string_list_add(&p->sources, file) < 0)
		return NULL;
	return p->sources.items[p->sources.n - 1];
}

static int grow(void **items, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *m = realloc(*items, ncap * elem);
	if (!m)
		return -ENOMEM;
	memset((char *)m + *cap * elem, 0, (ncap - *cap) * elem);
	*items = m;
	*cap = ncap;
	return 0;
}

static char *strdup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static int copy_origin(struct profile *dst, struct rule_origin *to, const struct rule_origin *from)
{
	*to = *from;
	if (from->file) {
		to->file = profile_intern_source(dst, from->file);
		if (!to->file)
			return -ENOMEM;
	}
	return 0;
}

static int union_files(struct profile *dst, const struct profile *src)
{
	for (size_t i = 0; i < src->n_files; i++) {
		const struct file_rule *s = &src->files[i];
		bool oom = false;
		if (grow((void **)&dst->files, &dst->cap_files, dst->n_files, sizeof(*s)) < 0)
			return -ENOMEM;
		struct file_rule *d = &dst->files[dst->n_files];
		*d = *s;
		d->path = strdup_or_null(s->path, &oom);
		d->glob = strdup_or_null(s->glob, &oom);
		dst->n_files++;
		if (oom || copy_origin(dst, &d->origin, &s->origin) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int union_net(struct profile *dst, const struct profile *src)
{
	for (size_t i = 0; i < src->n_net; i++) {
		const struct net_rule_def *s = &src->net[i];
		bool oom = false;
		if (grow((void **)&dst->net, &dst->cap_net, dst->n_net, sizeof(*s)) < 0)
			return -ENOMEM;
		struct net_rule_def *d = &dst->net[dst->n_net];
		*d = *s;
		d->text = strdup_or_null(s->text, &oom);
		d->glob = strdup_or_null(s->glob, &oom);
		d->ports = NULL;
		dst->n_net++;
		if (s->rule.n_ports) {
			d->ports = malloc(s->rule.n_ports * sizeof(*d->ports));
			if (!d->ports)
				return -ENOMEM;
			memcpy(d->ports, s->ports, s->rule.n_ports * sizeof(*d->ports));
		}
		d->rule.ports = d->ports;
		d->rule.pattern = d->glob;
		if (oom || copy_origin(dst, &d->origin, &s->origin) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int union_exec(struct profile *dst, const struct profile *src)
{
	for (size_t i = 0; i < src->n_exec; i++) {
		const struct exec_rule *s = &src->exec[i];
		bool oom = false;
		if (grow((void **)&dst->exec, &dst->cap_exec, dst->n_exec, sizeof(*s)) < 0)
			return -ENOMEM;
		struct exec_rule *d = &dst->exec[dst->n_exec];
		*d = *s;
		d->path = strdup_or_null(s->path, &oom);
		d->glob = strdup_or_null(s->glob, &oom);
		d->argv = NULL;
		d->argc = 0;
		dst->n_exec++;
		if (s->argv) {
			d->argv = calloc(s->argc ? s->argc : 1, sizeof(char *));
			if (!d->argv)
				return -ENOMEM;
			for (size_t a = 0; a < s->argc; a++) {
				d->argv[a] = strdup_or_null(s->argv[a], &oom);
				d->argc++;
			}
		}
		if (oom || copy_origin(dst, &d->origin, &s->origin) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int union_list(struct string_list *dst, const struct string_list *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (string_list_add(dst, src->items[i]) < 0)
			return -ENOMEM;
	return 0;
}

int profile_union(struct profile *dst, const struct profile *src)
{
	if (union_files(dst, src) < 0 || union_net(dst, src) < 0 || union_exec(dst, src) < 0)
		return -ENOMEM;
	if (union_list(&dst->syscalls, &src->syscalls) < 0 ||
	    union_list(&dst->unsafe, &src->unsafe) < 0 ||
	    union_list(&dst->require, &src->require) < 0)
		return -ENOMEM;
	return 0;
}

static const char right_letters[] = "rwcd";

void rights_to_string(uint8_t rights, char buf[5])
{
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (rights & (1u << i))
			buf[n++] = right_letters[i];
	buf[n] = '\0';
}

int rights_parse(const char *text, uint8_t *ret, size_t *ret_bad_offset, const char **ret_msg)
{
	uint8_t mask = 0;
	if (!*text) {
		*ret_bad_offset = 0;
		*ret_msg = "empty rights (expected any of r,w,c,d)";
		return -EINVAL;
	}
	for (size_t i = 0; text[i]; i++) {
		const char *at = strchr(right_letters, text[i]);
		if (!at || !text[i]) {
			*ret_bad_offset = i;
			*ret_msg = "unknown right";
			return -EINVAL;
		}
		uint8_t bit = (uint8_t)(1u << (at - right_letters));
		if (mask & bit) {
			*ret_bad_offset = i;
			*ret_msg = "duplicate right";
			return -EINVAL;
		}
		mask |= bit;
	}
	*ret = mask;
	return 0;
}
