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
#include "strbuf.h"
#include "util.h"

static void put_action(struct strbuf *o, uint32_t action, const char *key, const char *errno_key,
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
	strbuf_putf(o, "\"%s\": \"%s\"", key, name);
	if ((action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
		strbuf_putf(o, ",\n%s\"%s\": %u", indent, errno_key, action & SECCOMP_RET_DATA);
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

static void put_conditions(struct strbuf *o, const struct filter_rule *rule)
{
	strbuf_put(o, ",\n\t\t\t\"args\": [\n");
	for (unsigned c = 0; c < rule->n_conds; c++) {
		const struct filter_cond *fc = &rule->conds[c];
		if (fc->kind == COND_MASKED32)
			strbuf_putf(o,
				    "\t\t\t\t{ \"index\": %u, \"value\": %llu, \"valueTwo\": %llu, "
				    "\"op\": \"SCMP_CMP_MASKED_EQ\" }",
				    fc->arg, (unsigned long long)fc->mask,
				    (unsigned long long)fc->value);
		else
			strbuf_putf(o,
				    "\t\t\t\t{ \"index\": %u, \"value\": %llu, \"valueTwo\": 0, "
				    "\"op\": \"SCMP_CMP_EQ\" }",
				    fc->arg, (unsigned long long)fc->value);
		strbuf_put(o, c + 1 < rule->n_conds ? ",\n" : "\n");
	}
	strbuf_put(o, "\t\t\t]");
}

static void put_entries(struct strbuf *o, const struct named_rule *rules, size_t n)
{
	strbuf_put(o, "\t\"syscalls\": [");
	for (size_t i = 0; i < n;) {
		const struct filter_rule *rule = rules[i].rule;
		size_t end = i + 1;

		/* Unconditional rules with one action share an entry. */
		if (rule->n_conds == 0)
			while (end < n && rules[end].rule->n_conds == 0 &&
			       rules[end].rule->action == rule->action)
				end++;
		strbuf_put(o, i ? ",\n\t\t{\n\t\t\t\"names\": [" : "\n\t\t{\n\t\t\t\"names\": [");
		for (size_t k = i; k < end; k++)
			strbuf_putf(o, "%s\n\t\t\t\t\"%s\"", k > i ? "," : "", rules[k].name);
		strbuf_put(o, "\n\t\t\t],\n\t\t\t");
		put_action(o, rule->action, "action", "errnoRet", "\t\t\t");
		if (rule->n_conds)
			put_conditions(o, rule);
		strbuf_put(o, "\n\t\t}");
		i = end;
	}
	strbuf_put(o, n ? "\n\t]\n" : "]\n");
}

int seccomp_filter_oci_json(const struct seccomp_filter *f, char **ret_text)
{
	struct strbuf o = {0};
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

	strbuf_put(&o, "{\n\t");
	put_action(&o, f->default_action, "defaultAction", "defaultErrnoRet", "\t");
	strbuf_putf(&o, ",\n\t\"architectures\": [\"%s\"],\n",
		    f->arch == AUDIT_ARCH_AARCH64 ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64");
	put_entries(&o, rules, f->n_rules);
	strbuf_put(&o, "}\n");
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
