// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob_trie.h"
#include "learn_diff.h"
#include "profile.h"
#include "syscall_table.h"
#include "util.h"

/* Above this many cells a comparison gives up and answers "not contained". */
#define MAX_CELLS (1u << 22)

/* ---- segments -------------------------------------------------------------------- */

struct seg {
	const char *s;
	size_t n;
};

/* Splits s at sep into at most max segments (a leading separator is skipped). */
static size_t split(const char *s, char sep, struct seg *out, size_t max)
{
	size_t n = 0;
	if (*s == sep)
		s++;
	if (!*s)
		return 0;
	for (;;) {
		const char *e = strchr(s, sep);
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (n == max)
			return SIZE_MAX;
		out[n++] = (struct seg){s, len};
		if (!e)
			return n;
		s = e + 1;
	}
}

static size_t utf8_char_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return k <= n ? k : 1;
}

static char fold(char c, bool ci)
{
	return ci && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Whether every string the segment glob p matches is matched by q ('*' any
 * run, '?' one code point). DP over (position in q, position in p).
 */
static bool seg_covers(struct seg q, struct seg p, bool ci)
{
	size_t w = p.n + 1;
	if ((q.n + 1) * w > MAX_CELLS)
		return false;
	_cleanup_free_ bool *t = calloc((q.n + 1) * w, sizeof(bool));
	if (!t)
		return false;
#define T(a, b) t[(a)*w + (b)]
	T(q.n, p.n) = true;
	for (size_t a = q.n + 1; a-- > 0;) {
		for (size_t b = p.n + 1; b-- > 0;) {
			if (a == q.n) {
				T(a, b) = b == p.n;
				continue;
			}
			if (q.s[a] == '*') {
				T(a, b) = T(a + 1, b) || (b < p.n && T(a, b + 1));
				continue;
			}
			if (b == p.n || p.s[b] == '*') {
				T(a, b) = false;
				continue;
			}
			size_t pl = p.s[b] == '?' ? 1 : utf8_char_len(p.s + b, p.n - b);
			if (q.s[a] == '?') {
				T(a, b) = b + pl <= p.n && T(a + 1, b + pl);
				continue;
			}
			T(a, b) = p.s[b] != '?' && fold(q.s[a], ci) == fold(p.s[b], ci) &&
				  T(a + 1, b + 1);
		}
	}
	bool r = T(0, 0);
#undef T
	return r;
}

/* Whether some string matches both segment globs. */
static bool seg_intersects(struct seg x, struct seg y)
{
	size_t w = y.n + 1;
	if ((x.n + 1) * w > MAX_CELLS)
		return true;
	_cleanup_free_ bool *t = calloc((x.n + 1) * w, sizeof(bool));
	if (!t)
		return true;
#define T(a, b) t[(a)*w + (b)]
	for (size_t a = x.n + 1; a-- > 0;) {
		for (size_t b = y.n + 1; b-- > 0;) {
			if (a == x.n && b == y.n)
				T(a, b) = true;
			else if (a < x.n && x.s[a] == '*')
				T(a, b) = T(a + 1, b) || (b < y.n && T(a, b + 1));
			else if (b < y.n && y.s[b] == '*')
				T(a, b) = T(a, b + 1) || (a < x.n && T(a + 1, b));
			else if (a == x.n || b == y.n)
				T(a, b) = false;
			else if (x.s[a] == '?' || y.s[b] == '?')
				T(a, b) = T(a + 1, b + 1);
			else
				T(a, b) = x.s[a] == y.s[b] && T(a + 1, b + 1);
		}
	}
	bool r = T(0, 0);
#undef T
	return r;
}

static bool is_dstar(struct seg s)
{
	return s.n == 2 && s.s[0] == '*' && s.s[1] == '*';
}

#define MAX_SEGS 2049

bool learn_glob_covers(const char *q, const char *p)
{
	_cleanup_free_ struct seg *qs = malloc(MAX_SEGS * sizeof(*qs));
	_cleanup_free_ struct seg *ps = malloc(MAX_SEGS * sizeof(*ps));
	if (!qs || !ps)
		return false;
	size_t m = split(q, '/', qs, MAX_SEGS), n = split(p, '/', ps, MAX_SEGS);
	if (m == SIZE_MAX || n == SIZE_MAX || (m + 1) * (n + 1) > MAX_CELLS)
		return false;
	size_t w = m + 1;
	_cleanup_free_ bool *t = calloc((n + 1) * w, sizeof(bool));
	if (!t)
		return false;
#define T(i, j) t[(i)*w + (j)]
	for (size_t i = n + 1; i-- > 0;) {
		for (size_t j = m + 1; j-- > 0;) {
			if (j == m)
				T(i, j) = i == n;
			else if (is_dstar(qs[j]))
				T(i, j) = T(i, j + 1) || (i < n && T(i + 1, j));
			else if (i == n || is_dstar(ps[i]))
				T(i, j) = false;
			else
				T(i, j) = seg_covers(qs[j], ps[i], false) && T(i + 1, j + 1);
		}
	}
	bool r = T(0, 0);
#undef T
	return r;
}

bool learn_glob_intersects(const char *a, const char *b)
{
	_cleanup_free_ struct seg *as = malloc(MAX_SEGS * sizeof(*as));
	_cleanup_free_ struct seg *bs = malloc(MAX_SEGS * sizeof(*bs));
	if (!as || !bs)
		return true;
	size_t n = split(a, '/', as, MAX_SEGS), m = split(b, '/', bs, MAX_SEGS);
	if (n == SIZE_MAX || m == SIZE_MAX || (m + 1) * (n + 1) > MAX_CELLS)
		return true;
	size_t w = m + 1;
	_cleanup_free_ bool *t = calloc((n + 1) * w, sizeof(bool));
	if (!t)
		return true;
#define T(i, j) t[(i)*w + (j)]
	for (size_t i = n + 1; i-- > 0;) {
		for (size_t j = m + 1; j-- > 0;) {
			if (i == n && j == m)
				T(i, j) = true;
			else if (i < n && is_dstar(as[i]))
				T(i, j) = T(i + 1, j) || (j < m && T(i, j + 1));
			else if (j < m && is_dstar(bs[j]))
				T(i, j) = T(i, j + 1) || (i < n && T(i + 1, j));
			else if (i == n || j == m)
				T(i, j) = false;
			else
				T(i, j) = seg_intersects(as[i], bs[j]) && T(i + 1, j + 1);
		}
	}
	bool r = T(0, 0);
#undef T
	return r;
}

bool learn_host_covers(const char *q, const char *p)
{
	struct seg qs[128], ps[128];
	bool q_any = strncmp(q, "*.", 2) == 0, p_any = strncmp(p, "*.", 2) == 0;
	size_t qn = strlen(q), pn = strlen(p);
	char qb[256], pb[256];

	/* A trailing dot means nothing. */
	if (qn >= sizeof(qb) || pn >= sizeof(pb))
		return false;
	memcpy(qb, q, qn + 1);
	memcpy(pb, p, pn + 1);
	if (qn > 1 && qb[qn - 1] == '.')
		qb[qn - 1] = '\0';
	if (pn > 1 && pb[pn - 1] == '.')
		pb[pn - 1] = '\0';
	size_t m = split(qb + (q_any ? 2 : 0), '.', qs, 128);
	size_t n = split(pb + (p_any ? 2 : 0), '.', ps, 128);
	if (m == SIZE_MAX || n == SIZE_MAX || m == 0 || n == 0)
		return false;
	if (!q_any && (p_any || m != n))
		return false;
	/* "*.rest": one or more labels, then rest. p must end in labels rest covers... */
	if (n < m)
		return false;
	for (size_t k = 0; k < m; k++)
		if (!seg_covers(qs[m - 1 - k], ps[n - 1 - k], true))
			return false;
	/* ...and have at least one label before them. */
	return !q_any || p_any || n > m;
}

/* ---- rules ---------------------------------------------------------------------- */

static bool ports_within(const struct net_port_range *p, size_t pn, const struct net_port_range *q,
			 size_t qn)
{
	for (size_t i = 0; i < pn; i++) {
		unsigned lo = p[i].lo;
		bool progress = true;
		/* Walk lo up through q's ranges until past p's hi. */
		while (progress && lo <= p[i].hi) {
			progress = false;
			for (size_t j = 0; j < qn; j++) {
				if (q[j].lo <= lo && lo <= q[j].hi) {
					lo = (unsigned)q[j].hi + 1;
					progress = true;
				}
			}
		}
		if (lo <= p[i].hi)
			return false;
	}
	return true;
}

/* Same kind of target, and q's target contains p's. */
static bool net_target_covers(const struct net_rule_def *q, const struct net_rule_def *p)
{
	if (q->rule.kind != p->rule.kind)
		return false;
	switch (q->rule.kind) {
	case NET_RULE_HOST:
		return learn_host_covers(q->glob ? q->glob : q->text, p->glob ? p->glob : p->text);
	case NET_RULE_UNIX: {
		const char *qg = q->glob ? q->glob : q->text, *pg = p->glob ? p->glob : p->text;
		if ((qg[0] == '@') != (pg[0] == '@'))
			return false;
		if (qg[0] == '@')
			return learn_glob_covers(qg[1] == '/' ? qg + 1 : qg,
						 pg[1] == '/' ? pg + 1 : pg);
		return learn_glob_covers(qg, pg);
	}
	case NET_RULE_CIDR: {
		const struct net_cidr *a = &q->rule.cidr, *b = &p->rule.cidr;
		if (a->family != b->family || a->prefix_len > b->prefix_len)
			return false;
		for (unsigned bit = 0; bit < a->prefix_len; bit++) {
			unsigned mask = 0x80u >> (bit % 8);
			if ((a->addr[bit / 8] & mask) != (b->addr[bit / 8] & mask))
				return false;
		}
		return true;
	}
	}
	return false;
}

static bool net_mode_covers(const struct net_rule_def *q, const struct net_rule_def *p)
{
	if (q->rule.kind == NET_RULE_UNIX)
		return q->rule.inbound || !p->rule.inbound;
	return (q->rule.proto == NET_PROTO_ANY || q->rule.proto == p->rule.proto) &&
	       (q->rule.inbound || !p->rule.inbound);
}

bool learn_net_rule_covers(const struct net_rule_def *q, const struct net_rule_def *p)
{
	if (!net_target_covers(q, p) || !net_mode_covers(q, p))
		return false;
	if (q->rule.kind == NET_RULE_UNIX || q->rule.n_ports == 0)
		return true;
	if (p->rule.n_ports == 0)
		return false;
	return ports_within(p->ports, p->rule.n_ports, q->ports, q->rule.n_ports);
}

/* One argv element pattern within another: '*' stops at '/', so compare by segments. */
static bool elem_covers(const char *q, const char *p)
{
	struct seg qs[64], ps[64];
	size_t m = split(q, '/', qs, 64), n = split(p, '/', ps, 64);
	if (m == SIZE_MAX || n == SIZE_MAX || m != n || (q[0] == '/') != (p[0] == '/'))
		return strcmp(q, p) == 0;
	for (size_t i = 0; i < m; i++)
		if (!seg_covers(qs[i], ps[i], false))
			return false;
	return true;
}

bool learn_exec_rule_covers(const struct exec_rule *q, const struct exec_rule *p)
{
	if (!learn_glob_covers(q->glob, p->glob))
		return false;
	if (!q->argv)
		return true;
	if (!p->argv)
		return q->argc == 1 && strcmp(q->argv[0], "**") == 0;
	size_t i = 0, j = 0;
	for (;;) {
		bool q_rest = j + 1 == q->argc && strcmp(q->argv[j], "**") == 0;
		if (q_rest)
			return true;
		if (j == q->argc)
			return i == p->argc;
		if (i == p->argc)
			return false;
		if (i + 1 == p->argc && strcmp(p->argv[i], "**") == 0)
			return false;
		if (strcmp(q->argv[j], "*") != 0 &&
		    (strcmp(p->argv[i], "*") == 0 || !elem_covers(q->argv[j], p->argv[i])))
			return false;
		i++;
		j++;
	}
}

/* ---- against a profile -------------------------------------------------------------- */

int learn_ref_init(struct learn_ref *ref, const struct policy *pol)
{
	struct policy_load_opts opts = {.no_extends = true};
	_cleanup_free_ char *text = NULL;
	int r = policy_to_json(pol, true, &text);
	if (r < 0)
		return r;
	ref->policy = pol;
	ref->model = NULL;
	return profile_read_json("resolved", text, strlen(text), &opts, &ref->model, NULL);
}

void learn_ref_done(struct learn_ref *ref)
{
	profile_free(ref->model);
	ref->model = NULL;
}

static bool literal(const char *glob)
{
	return !strpbrk(glob, "*?");
}

unsigned learn_file_rights_covered(const struct learn_ref *ref, const char *glob, unsigned rights,
				   const struct profile *own)
{
	struct policy_verdict v;
	unsigned granted = 0;

	if (literal(glob)) {
		if (policy_check_file(ref->policy, glob, strlen(glob), rights, &v) < 0)
			return 0;
		return rights & ~(unsigned)v.missing;
	}
	for (size_t i = 0; i < ref->model->n_files; i++) {
		const struct file_rule *f = &ref->model->files[i];
		if (f->allow && (granted | f->allow) != granted && learn_glob_covers(f->glob, glob))
			granted |= f->allow;
	}
	for (size_t i = 0; i < ref->model->n_files && (granted & rights); i++) {
		const struct file_rule *f = &ref->model->files[i];
		if (!f->deny || !(f->deny & granted) || !learn_glob_intersects(f->glob, glob))
			continue;
		unsigned taken = f->deny & granted;
		/* Where the rule's own profile denies the same, it allowed nothing either. */
		for (size_t j = 0; own && j < own->n_files && taken; j++)
			if (own->files[j].deny && learn_glob_covers(own->files[j].glob, f->glob))
				taken &= ~(unsigned)own->files[j].deny;
		granted &= ~taken;
	}
	return rights & granted;
}

/*
 * The ports the rules of ref that contain d's target (protocol, direction)
 * allow, collected: *ret_any when one allows any port. Caller frees.
 */
static struct net_port_range *covering_ports(const struct learn_ref *ref,
					     const struct net_rule_def *d, size_t *ret_n,
					     bool *ret_any)
{
	struct net_port_range *ranges = NULL;
	size_t n = 0;

	*ret_any = false;
	for (size_t i = 0; i < ref->model->n_net; i++) {
		const struct net_rule_def *q = &ref->model->net[i];
		if (!net_target_covers(q, d) || !net_mode_covers(q, d))
			continue;
		if (q->rule.kind == NET_RULE_UNIX || q->rule.n_ports == 0) {
			*ret_any = true;
			break;
		}
		/* Ports may be spread over several rules: collect them. */
		struct net_port_range *m = realloc(ranges, (n + q->rule.n_ports) * sizeof(*m));
		if (!m)
			break;
		ranges = m;
		memcpy(ranges + n, q->ports, q->rule.n_ports * sizeof(*m));
		n += q->rule.n_ports;
	}
	*ret_n = n;
	return ranges;
}

bool learn_net_covered(const struct learn_ref *ref, const struct net_rule_def *d)
{
	size_t n;
	bool any;
	struct net_port_range *ranges = covering_ports(ref, d, &n, &any);
	bool covered =
		any || (d->rule.n_ports && n && ports_within(d->ports, d->rule.n_ports, ranges, n));
	free(ranges);
	return covered;
}

size_t learn_net_trim_ports(const struct learn_ref *ref, struct net_rule_def *d)
{
	size_t n, w = 0;
	bool any;
	struct net_port_range *ranges = covering_ports(ref, d, &n, &any);
	if (any) {
		free(ranges);
		return 0;
	}
	for (size_t i = 0; i < d->rule.n_ports; i++)
		if (!ports_within(&d->ports[i], 1, ranges, n))
			d->ports[w++] = d->ports[i];
	d->rule.n_ports = w;
	free(ranges);
	return w;
}

bool learn_exec_covered(const struct learn_ref *ref, const struct exec_rule *e)
{
	for (size_t i = 0; i < ref->model->n_exec; i++)
		if (learn_exec_rule_covers(&ref->model->exec[i], e))
			return true;
	return false;
}

/* ---- two profiles -------------------------------------------------------------------- */

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

/* Copies one rule of each kind into a fragment (profile_union works on whole profiles). */
static int copy_rules(struct profile *dst, const struct profile *src, const bool *pick)
{
	struct profile *tmp = profile_new();
	size_t k = 0;
	int r = 0;
	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < src->n_files; i++, k++) {
		if (!pick[k])
			continue;
		r = grow((void **)&tmp->files, &tmp->cap_files, tmp->n_files, sizeof(*tmp->files));
		if (r == 0)
			tmp->files[tmp->n_files++] = src->files[i];
	}
	for (size_t i = 0; r == 0 && i < src->n_net; i++, k++) {
		if (!pick[k])
			continue;
		r = grow((void **)&tmp->net, &tmp->cap_net, tmp->n_net, sizeof(*tmp->net));
		if (r == 0)
			tmp->net[tmp->n_net++] = src->net[i];
	}
	for (size_t i = 0; r == 0 && i < src->n_exec; i++, k++) {
		if (!pick[k])
			continue;
		r = grow((void **)&tmp->exec, &tmp->cap_exec, tmp->n_exec, sizeof(*tmp->exec));
		if (r == 0)
			tmp->exec[tmp->n_exec++] = src->exec[i];
	}
	/* tmp borrows src's strings: profile_union copies them, then tmp is dropped bare. */
	if (r == 0)
		r = profile_union(dst, tmp);
	free(tmp->files);
	free(tmp->net);
	free(tmp->exec);
	tmp->files = NULL;
	tmp->net = NULL;
	tmp->exec = NULL;
	tmp->n_files = tmp->n_net = tmp->n_exec = 0;
	profile_free(tmp);
	return r;
}

struct name_acc {
	const struct policy *a, *b;
	struct profile *out;
	int err;
};

static int syscall_only_a(const char *name, void *userdata)
{
	struct name_acc *acc = userdata;
	struct policy_verdict va, vb;
	if (policy_check_syscall(acc->a, name, &va) < 0 || !va.allowed)
		return 0;
	if (policy_check_syscall(acc->b, name, &vb) < 0 || vb.allowed)
		return 0;
	struct string_list *l = vb.by_deny ? &acc->out->unsafe : &acc->out->syscalls;
	if (string_list_add(l, name) < 0) {
		acc->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static int syscalls_only_a(const struct policy *a, const struct policy *b, struct profile *out)
{
	struct name_acc acc = {.a = a, .b = b, .out = out};
	for (int unsafe = 0; unsafe < 2 && acc.err == 0; unsafe++) {
		const char *const *names;
		size_t n = policy_syscall_list(a, unsafe, &names);
		for (size_t i = 0; i < n && acc.err == 0; i++) {
			if (names[i][0] == '@')
				syscall_group_expand(names[i], syscall_only_a, &acc);
			else
				syscall_only_a(names[i], &acc);
		}
	}
	return acc.err;
}

/* What a allows that b does not, as a profile fragment. */
static int only_in(const struct policy *a, const struct profile *am, const struct policy *b,
		   struct profile **ret)
{
	struct learn_ref ref;
	size_t n = am->n_files + am->n_net + am->n_exec;
	_cleanup_free_ bool *pick = calloc(n ? n : 1, sizeof(bool));
	struct profile *out = profile_new();
	size_t k = 0;
	int r;

	if (!pick || !out) {
		profile_free(out);
		return -ENOMEM;
	}
	r = learn_ref_init(&ref, b);
	if (r < 0) {
		profile_free(out);
		return r;
	}
	out->format = PROFILE_FORMAT_VERSION;
	_cleanup_free_ uint8_t *missing = calloc(am->n_files ? am->n_files : 1, 1);
	if (!missing)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < am->n_files; i++, k++) {
		const struct file_rule *f = &am->files[i];
		if (!f->allow)
			continue;
		/* What a itself denies inside the pattern is not something a allows. */
		unsigned own = f->allow;
		if (!literal(f->glob)) {
			for (size_t j = 0; j < am->n_files; j++)
				if (am->files[j].deny &&
				    learn_glob_covers(am->files[j].glob, f->glob))
					own &= ~(unsigned)am->files[j].deny;
		} else {
			struct policy_verdict v;
			if (policy_check_file(a, f->glob, strlen(f->glob), f->allow, &v) == 0)
				own &= ~(unsigned)v.missing;
		}
		missing[i] = (uint8_t)(own & ~learn_file_rights_covered(&ref, f->glob, own, am));
		pick[k] = missing[i] != 0;
	}
	for (size_t i = 0; r == 0 && i < am->n_net; i++, k++)
		pick[k] = !learn_net_covered(&ref, &am->net[i]);
	for (size_t i = 0; r == 0 && i < am->n_exec; i++, k++)
		pick[k] = !learn_exec_covered(&ref, &am->exec[i]);
	learn_ref_done(&ref);
	if (r == 0)
		r = copy_rules(out, am, pick);
	/* Trim the copied file rules to the rights that differ. */
	for (size_t i = 0, j = 0; r == 0 && i < am->n_files; i++)
		if (pick[i])
			out->files[j++].allow = missing[i];
	if (r == 0)
		r = syscalls_only_a(a, b, out);
	if (r < 0) {
		profile_free(out);
		return r;
	}
	*ret = out;
	return 0;
}

static int add_setting(struct learn_diff *d, const char *what, const char *a, const char *b)
{
	struct learn_setting_diff *m =
		realloc(d->settings, (d->n_settings + 1) * sizeof(*d->settings));
	if (!m)
		return -ENOMEM;
	d->settings = m;
	struct learn_setting_diff *s = &d->settings[d->n_settings++];
	snprintf(s->what, sizeof(s->what), "%s", what);
	snprintf(s->a, sizeof(s->a), "%s", a);
	snprintf(s->b, sizeof(s->b), "%s", b);
	return 0;
}

static int compare_settings(const struct policy *a, const struct policy *b, struct learn_diff *d)
{
	static const char *const layers[] = {"seccomp", "landlock", NULL};
	int r = 0;
	for (int c = 0; r == 0 && c < POLICY_CATEGORY_MAX; c++) {
		enum policy_mode ma = policy_action(a, (enum policy_category)c);
		enum policy_mode mb = policy_action(b, (enum policy_category)c);
		char what[32];
		if (ma == mb)
			continue;
		snprintf(what, sizeof(what), "actions.%s",
			 policy_category_to_string((enum policy_category)c));
		r = add_setting(d, what, policy_mode_to_string(ma), policy_mode_to_string(mb));
	}
	if (r == 0 && policy_on_error(a) != policy_on_error(b))
		r = add_setting(d, "on_error",
				policy_on_error(a) == POLICY_ON_ERROR_OPEN ? "open" : "closed",
				policy_on_error(b) == POLICY_ON_ERROR_OPEN ? "open" : "closed");
	for (size_t i = 0; r == 0 && layers[i]; i++) {
		bool ra = policy_requires(a, layers[i]), rb = policy_requires(b, layers[i]);
		char what[32];
		if (ra == rb)
			continue;
		snprintf(what, sizeof(what), "require.%s", layers[i]);
		r = add_setting(d, what, ra ? "required" : "not required",
				rb ? "required" : "not required");
	}
	return r;
}

int learn_diff_profiles(const struct policy *a, const struct policy *b, struct learn_diff **ret)
{
	struct learn_diff *d = calloc(1, sizeof(*d));
	struct learn_ref ra = {0}, rb = {0};
	int r;
	if (!d)
		return -ENOMEM;
	r = learn_ref_init(&ra, a);
	if (r == 0)
		r = learn_ref_init(&rb, b);
	if (r == 0)
		r = only_in(a, ra.model, b, &d->only_a);
	if (r == 0)
		r = only_in(b, rb.model, a, &d->only_b);
	if (r == 0)
		r = compare_settings(a, b, d);
	learn_ref_done(&ra);
	learn_ref_done(&rb);
	if (r < 0) {
		learn_diff_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

void learn_diff_free(struct learn_diff *d)
{
	if (!d)
		return;
	profile_free(d->only_a);
	profile_free(d->only_b);
	free(d->settings);
	free(d);
}

size_t learn_profile_rule_count(const struct profile *p)
{
	return p->n_files + p->n_net + p->n_exec + p->syscalls.n + p->unsafe.n;
}

bool learn_diff_same(const struct learn_diff *d)
{
	return learn_profile_rule_count(d->only_a) == 0 &&
	       learn_profile_rule_count(d->only_b) == 0 && d->n_settings == 0;
}

int learn_diff_to_json(const struct learn_diff *d, const char *name_a, const char *name_b,
		       char **ret_text)
{
	_cleanup_free_ char *ja = NULL, *jb = NULL;
	cJSON *root = cJSON_CreateObject(), *settings;
	int r = profile_write_json(d->only_a, false, &ja);
	if (r == 0)
		r = profile_write_json(d->only_b, false, &jb);
	if (r < 0 || !root) {
		cJSON_Delete(root);
		return r < 0 ? r : -ENOMEM;
	}
	bool ok = cJSON_AddBoolToObject(root, "same", learn_diff_same(d)) &&
		  cJSON_AddStringToObject(root, "old", name_a) &&
		  cJSON_AddStringToObject(root, "new", name_b) &&
		  cJSON_AddRawToObject(root, "onlyOld", ja) &&
		  cJSON_AddRawToObject(root, "onlyNew", jb) &&
		  (settings = cJSON_AddArrayToObject(root, "settings"));
	for (size_t i = 0; ok && i < d->n_settings; i++) {
		cJSON *s = cJSON_CreateObject();
		ok = s && cJSON_AddItemToArray(settings, s) &&
		     cJSON_AddStringToObject(s, "what", d->settings[i].what) &&
		     cJSON_AddStringToObject(s, "old", d->settings[i].a) &&
		     cJSON_AddStringToObject(s, "new", d->settings[i].b);
	}
	char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}

/* ---- describing ----------------------------------------------------------------------- */

static void describe_ports(const struct net_rule_def *d, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->rule.n_ports && n < size; i++) {
		if (d->ports[i].lo == d->ports[i].hi)
			n += (size_t)snprintf(buf + n, size - n, "%s%u", i ? "," : " ports ",
					      d->ports[i].lo);
		else
			n += (size_t)snprintf(buf + n, size - n, "%s%u-%u", i ? "," : " ports ",
					      d->ports[i].lo, d->ports[i].hi);
	}
}

void learn_profile_describe(const struct profile *p,
			    void (*fn)(enum policy_category category, const char *line,
				       void *userdata),
			    void *userdata)
{
	char line[8192], rights[5], ports[512];

	for (size_t i = 0; i < p->n_files; i++) {
		const struct file_rule *f = &p->files[i];
		rights_to_string(f->allow ? f->allow : f->deny, rights);
		snprintf(line, sizeof(line), "%s %s %s", f->allow ? "allow" : "deny", rights,
			 f->path);
		fn(POLICY_CAT_FILE, line, userdata);
	}
	for (size_t i = 0; i < p->n_net; i++) {
		const struct net_rule_def *d = &p->net[i];
		const char *kind = d->rule.kind == NET_RULE_HOST   ? "host"
				   : d->rule.kind == NET_RULE_CIDR ? "cidr"
								   : "unix";
		describe_ports(d, ports, sizeof(ports));
		snprintf(line, sizeof(line), "%s %s%s%s%s", kind, d->text, ports,
			 d->rule.proto == NET_PROTO_TCP	  ? " tcp"
			 : d->rule.proto == NET_PROTO_UDP ? " udp"
							  : "",
			 d->rule.inbound ? " inbound" : "");
		fn(POLICY_CAT_NETWORK, line, userdata);
	}
	for (size_t i = 0; i < p->n_exec; i++) {
		const struct exec_rule *e = &p->exec[i];
		size_t n = (size_t)snprintf(line, sizeof(line), "exec %s", e->path);
		if (e->argv) {
			n += (size_t)snprintf(line + n, sizeof(line) - n, " [");
			for (size_t k = 0; k < e->argc && n < sizeof(line); k++)
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
						      k ? ", " : "", e->argv[k]);
			if (n < sizeof(line))
				snprintf(line + n, sizeof(line) - n, "]");
		}
		fn(POLICY_CAT_EXEC, line, userdata);
	}
	for (size_t i = 0; i < p->syscalls.n; i++) {
		snprintf(line, sizeof(line), "syscall %s", p->syscalls.items[i]);
		fn(POLICY_CAT_SYSCALL, line, userdata);
	}
	for (size_t i = 0; i < p->unsafe.n; i++) {
		snprintf(line, sizeof(line), "unsafe syscall %s", p->unsafe.items[i]);
		fn(POLICY_CAT_SYSCALL, line, userdata);
	}
}

/* ---- drift --------------------------------------------------------------------------- */

struct drift_ctx {
	const struct policy *policy;
	struct learner *drift;
};

static int drift_one(const struct learn_obs *obs, const struct learn_log_event *ev, void *userdata)
{
	struct drift_ctx *c = userdata;
	struct policy_verdict v;
	int r = learn_obs_check(c->policy, obs, &v);
	(void)ev;
	if (r == -ENOENT)
		return -EINVAL; /* a system call this build does not know */
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	if (v.allowed)
		return 0;
	struct learn_obs o = *obs;
	if (o.kind == LEARN_OBS_FILE && v.missing)
		o.rights = v.missing;
	r = learner_add(c->drift, &o);
	/* A denied call the learner cannot express is still drift: keep going. */
	return r == -ENOMEM ? r : 0;
}

int learn_drift(const struct policy *policy, const char *text, size_t len,
		struct learner **ret_drift, struct learn_log_stats *stats)
{
	struct drift_ctx c = {.policy = policy};
	int r = learner_new(&c.drift);
	if (r < 0)
		return r;
	r = learn_log_parse(text, len, drift_one, &c, stats);
	if (r < 0) {
		learner_free(c.drift);
		return r;
	}
	*ret_drift = c.drift;
	return 0;
}

/* ---- completeness ---------------------------------------------------------------------- */

struct uncovered_ctx {
	void (*fn)(enum policy_category category, const char *line, void *userdata);
	void *userdata;
	size_t n;
};

static void note_uncovered(enum policy_category category, const char *line, void *userdata)
{
	struct uncovered_ctx *c = userdata;
	c->n++;
	if (c->fn)
		c->fn(category, line, c->userdata);
}

/*
 * d by one of two profiles, port range by port range: the learner merges a
 * peer's ports into one observation (127.0.0.1 ports 9001, 18080), which
 * the base may allow in part (9001) and the learned profile the rest.
 */
static bool net_covered_by_either(const struct learn_ref *a, const struct learn_ref *b,
				  const struct net_rule_def *d)
{
	if (learn_net_covered(a, d) || (b && learn_net_covered(b, d)))
		return true;
	if (!b || d->rule.n_ports < 2)
		return false;
	struct net_rule_def one = *d;
	one.rule.n_ports = 1;
	for (size_t j = 0; j < d->rule.n_ports; j++) {
		struct net_port_range range = d->rule.ports[j];
		one.ports = &range;
		one.rule.ports = &range;
		if (!learn_net_covered(a, &one) && !learn_net_covered(b, &one))
			return false;
	}
	return true;
}

size_t learn_count_uncovered(
	const struct learner *raw, const struct policy *learned, const struct policy *base,
	void (*fn)(enum policy_category category, const char *line, void *userdata), void *userdata)
{
	const struct profile *p = learner_profile(raw);
	struct learn_ref rl = {0}, rb = {0};
	struct uncovered_ctx c = {.fn = fn, .userdata = userdata};
	struct profile *missing = profile_new();
	size_t n = p->n_files + p->n_net + p->n_exec;
	_cleanup_free_ bool *pick = calloc(n ? n : 1, sizeof(bool));
	size_t k = 0;

	if (!missing || !pick || learn_ref_init(&rl, learned) < 0 ||
	    (base && learn_ref_init(&rb, base) < 0)) {
		learn_ref_done(&rl);
		profile_free(missing);
		return SIZE_MAX;
	}
	for (size_t i = 0; i < p->n_files; i++, k++) {
		const struct file_rule *f = &p->files[i];
		unsigned got;
		if (!f->allow)
			continue;
		got = learn_file_rights_covered(&rl, f->glob, f->allow, NULL);
		if (base)
			got |= learn_file_rights_covered(&rb, f->glob, f->allow, NULL);
		pick[k] = (got & f->allow) != f->allow;
	}
	for (size_t i = 0; i < p->n_net; i++, k++)
		pick[k] = !net_covered_by_either(&rl, base ? &rb : NULL, &p->net[i]);
	for (size_t i = 0; i < p->n_exec; i++, k++)
		pick[k] = !learn_exec_covered(&rl, &p->exec[i]) &&
			  !(base && learn_exec_covered(&rb, &p->exec[i]));
	if (copy_rules(missing, p, pick) == 0) {
		for (size_t i = 0; i < p->syscalls.n; i++) {
			struct policy_verdict v, vb = {0};
			const char *s = p->syscalls.items[i];
			if (policy_check_syscall(learned, s, &v) == 0 && v.allowed)
				continue;
			if (base && policy_check_syscall(base, s, &vb) == 0 && vb.allowed)
				continue;
			string_list_add(&missing->syscalls, s);
		}
		learn_profile_describe(missing, note_uncovered, &c);
	} else {
		c.n = SIZE_MAX;
	}
	learn_ref_done(&rl);
	learn_ref_done(&rb);
	profile_free(missing);
	return c.n;
}
