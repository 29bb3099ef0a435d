// SPDX-License-Identifier: MIT
/*
 * The compiled rule plan as an OCI runtime-spec "linux.seccomp" object.
 * Written from the plan, not read back from libseccomp, so it carries the
 * same rules the BPF was generated from; the unit test judges both and
 * compares.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_filter.h"
#include "seccomp_filter_internal.h"
#include "util.h"

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (o->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->oom = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

__attribute__((format(printf, 2, 3))) static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->oom = true;
		return;
	}
	put(o, tmp);
}

static void put_action(struct out *o, uint32_t action, const char *key, const char *errno_key,
		       const char *indent)
{
	const char *name;
	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SCMP_ACT_ALLOW:
		name = "SCMP_ACT_ALLOW";
		break;
	case SCMP_ACT_LOG:
		name = "SCMP_ACT_LOG";
		break;
	case SCMP_ACT_TRAP:
		name = "SCMP_ACT_TRAP";
		break;
	case SCMP_ACT_KILL_PROCESS:
		name = "SCMP_ACT_KILL_PROCESS";
		break;
	default:
		name = "SCMP_ACT_ERRNO";
		break;
	}
	putf(o, "\"%s\": \"%s\"", key, name);
	if ((action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
		putf(o, ",\n%s\"%s\": %u", indent, errno_key, action & SECCOMP_RET_DATA);
}

struct named_rule {
	const struct filter_rule *rule;
	char *name;
	size_t index;
};

/* Unconditional first, least restrictive action first, then by name, then as planned. */
static int named_rule_compare(const void *a, const void *b)
{
	const struct named_rule *x = a, *y = b;
	bool xc = x->rule->n_conds > 0, yc = y->rule->n_conds > 0;
	if (xc != yc)
		return xc ? 1 : -1;
	if (!xc && x->rule->action != y->rule->action)
		return x->rule->action > y->rule->action ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void put_conditions(struct out *o, const struct filter_rule *rule)
{
	put(o, ",\n\t\t\t\"args\": [\n");
	for (unsigned c = 0; c < rule->n_conds; c++) {
		const struct filter_cond *fc = &rule->conds[c];
		if (fc->kind == COND_MASKED32)
			putf(o,
			     "\t\t\t\t{ \"index\": %u, \"value\": %llu, \"valueTwo\": %llu, "
			     "\"op\": \"SCMP_CMP_MASKED_EQ\" }",
			     fc->arg, (unsigned long long)fc->mask, (unsigned long long)fc->value);
		else
			putf(o,
			     "\t\t\t\t{ \"index\": %u, \"value\": %llu, \"valueTwo\": 0, "
			     "\"op\": \"SCMP_CMP_EQ\" }",
			     fc->arg, (unsigned long long)fc->value);
		put(o, c + 1 < rule->n_conds ? ",\n" : "\n");
	}
	put(o, "\t\t\t]");
}

static void put_entries(struct out *o, const struct named_rule *rules, size_t n)
{
	put(o, "\t\"syscalls\": [");
	for (size_t i = 0; i < n;) {
		const struct filter_rule *rule = rules[i].rule;
		size_t end = i + 1;

		/* Unconditional rules with one action share an entry. */
		if (rule->n_conds == 0)
			while (end < n && rules[end].rule->n_conds == 0 &&
			       rules[end].rule->action == rule->action)
				end++;
		put(o, i ? ",\n\t\t{\n\t\t\t\"names\": [" : "\n\t\t{\n\t\t\t\"names\": [");
		for (size_t k = i; k < end; k++)
			putf(o, "%s\n\t\t\t\t\"%s\"", k > i ? "," : "", rules[k].name);
		put(o, "\n\t\t\t],\n\t\t\t");
		put_action(o, rule->action, "action", "errnoRet", "\t\t\t");
		if (rule->n_conds)
			put_conditions(o, rule);
		put(o, "\n\t\t}");
		i = end;
	}
	put(o, n ? "\n\t]\n" : "]\n");
}

int seccomp_filter_oci_json(const struct seccomp_filter *f, char **ret_text)
{
	struct out o = {0};
	struct named_rule *rules = calloc(f->n_rules ? f->n_rules : 1, sizeof(*rules));
	int r = 0;

	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_rules; i++) {
		rules[i] = (struct named_rule){.rule = &f->rules[i], .index = i};
		rules[i].name = seccomp_syscall_resolve_num_arch(f->arch, f->rules[i].nr);
		if (!rules[i].name) {
			r = -ENOMEM;
			goto out;
		}
	}
	qsort(rules, f->n_rules, sizeof(*rules), named_rule_compare);

	put(&o, "{\n\t");
	put_action(&o, f->default_action, "defaultAction", "defaultErrnoRet", "\t");
	putf(&o, ",\n\t\"architectures\": [\"%s\"],\n",
	     f->arch == AUDIT_ARCH_AARCH64 ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64");
	put_entries(&o, rules, f->n_rules);
	put(&o, "}\n");
	if (o.oom) {
		r = -ENOMEM;
		goto out;
	}
	*ret_text = steal_ptr(o.buf);
out:
	for (size_t i = 0; i < f->n_rules; i++)
		free(rules[i].name);
	free(rules);
	free(o.buf);
	return r;
}
