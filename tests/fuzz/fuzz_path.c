// SPDX-License-Identifier: MIT
/*
 * The path matcher and path normalisation: spelling never turns a deny
 * into an allow.
 *
 * Input: text lines. "+RIGHTS GLOB" adds an allow rule, "-RIGHTS GLOB" a
 * deny rule (RIGHTS from "rwcd"), next to a fixed set of rules; every other
 * line is a path as a program would pass it (relative ones are taken from
 * the working directory /var/task/sub).
 *
 * For each path P, with N its normal form:
 *  - N is normal, normalising it again gives N, and a P that is already
 *    normal is N; a P that is not normal is refused by the matcher (EINVAL)
 *    rather than judged by its spelling;
 *  - the verdict on N (for every right) agrees with a reference computed
 *    rule by rule with glob_match_one(): union of the allows, a deny wins,
 *    the lowest deciding rule reported;
 *  - the exec argv matcher agrees with the path matcher on one segment;
 *  - variants of N with "/./", "//", "x/..", "/.." at the root, a trailing
 *    "/" or "/.", or written relative to the working directory normalise
 *    to N exactly (or fail: a refused path is denied), so they are judged
 *    as N is.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_rules.h"
#include "fuzz_util.h"
#include "glob_trie.h"
#include "path_norm.h"
#include "policy.h"
#include "profile.h"

#define MAX_RULES   48
#define MAX_QUERIES 16
#define MAX_VARIANT (2 * PATH_MAX)
#define CWD	    "/var/task/sub"

struct rule {
	char glob[GLOB_MAX_LEN + 1];
	uint8_t allow, deny;
};

/* Always there, so that every input has denies and allows to get wrong. */
static const struct {
	const char *glob, *allow, *deny;
} fixed[] = {
	{"/etc/shadow", NULL, "rwcd"},	  {"/etc/**", "r", NULL},
	{"/etc/*.d/**", NULL, "w"},	  {"/tmp/**", "rwcd", NULL},
	{"/tmp/secret/*", NULL, "r"},	  {"/var/task/**", "r", NULL},
	{"/var/task/.env", NULL, "rwcd"}, {"/var/task/sub/*.py", "rw", NULL},
	{"/proc/self/**", "r", NULL},	  {"/proc/*/mem", NULL, "rwcd"},
	{"/usr/**/bin/*", "r", NULL},	  {"/", "r", NULL},
	{"/a/b/c", "rwcd", NULL},	  {"/a/**/c", NULL, "d"},
};

struct world {
	struct rule rules[MAX_RULES];
	size_t n_rules;
	struct policy *pol;
	char *text; /* the profile pol was loaded from */
};

static void add_rule(struct world *w, const char *glob, size_t len, uint8_t allow, uint8_t deny)
{
	if (w->n_rules == MAX_RULES || len > GLOB_MAX_LEN)
		return;
	struct rule *r = &w->rules[w->n_rules];
	memcpy(r->glob, glob, len);
	r->glob[len] = '\0';
	/* Only what the profile reader would take; the rest is not a rule set. */
	if (strlen(r->glob) != len || !fuzz_utf8_valid(glob, len) ||
	    glob_validate(GLOB_TRIE_PATH, r->glob, NULL, NULL) < 0)
		return;
	r->allow = allow;
	r->deny = deny;
	w->n_rules++;
}

static int build(struct world *w)
{
	struct strbuf b = {0};
	struct policy_load_opts opts = {.no_extends = true};
	struct diag_list diags = {0};
	int r;

	strbuf_put(&b, "{\"fnguard\": 1, \"files\": [");
	for (size_t i = 0; i < w->n_rules; i++) {
		char rights[5];
		strbuf_put(&b, i ? ", {\"path\": " : "{\"path\": ");
		fuzz_json_str(&b, w->rules[i].glob, strlen(w->rules[i].glob));
		rights_to_string(w->rules[i].allow ? w->rules[i].allow : w->rules[i].deny, rights);
		strbuf_putf(&b, ", \"%s\": \"%s\"}", w->rules[i].allow ? "allow" : "deny", rights);
	}
	strbuf_put(&b, "]}");
	FUZZ_CHECK(!b.oom, "out of memory");
	/* Mutations mostly change the paths: the same rules need not load again. */
	if (w->pol && w->text && strcmp(w->text, b.buf) == 0) {
		free(b.buf);
		return 0;
	}
	policy_free(w->pol);
	w->pol = NULL;
	free(w->text);
	w->text = NULL;
	r = policy_load_buffer("path.json", b.buf, b.len, &opts, &w->pol, &diags);
	/* Too many wildcards for one path is a documented refusal; anything else is a bug. */
	if (r < 0 && !(r == -EINVAL && diags.n == 1 && strstr(diags.lines[0], "too many")))
		fuzz_fail("rules that validate do not load (%d): %s\n%s", r,
			  diags.n ? diags.lines[0] : "", b.buf);
	diag_list_clear(&diags);
	if (r == 0)
		w->text = b.buf;
	else
		free(b.buf);
	return r;
}

/* The reference verdict, rule by rule. */
static struct policy_verdict reference(const struct world *w, const char *path, size_t len,
				       unsigned rights)
{
	uint8_t allow = 0, deny = 0;
	int32_t allow_rule = -1, deny_rule = -1;
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		if (!glob_match_one(GLOB_TRIE_PATH, r->glob, path, len))
			continue;
		allow |= r->allow;
		deny |= r->deny;
		if ((r->deny & rights) && deny_rule < 0)
			deny_rule = (int32_t)i;
		if ((r->allow & rights) && allow_rule < 0)
			allow_rule = (int32_t)i;
	}
	if (deny & rights)
		return (struct policy_verdict){.allowed = false,
					       .by_deny = true,
					       .rule = deny_rule,
					       .missing = (uint8_t)(deny & rights)};
	uint8_t missing = (uint8_t)(rights & ~allow);
	return (struct policy_verdict){
		.allowed = !missing, .rule = missing ? -1 : allow_rule, .missing = missing};
}

static bool same(const struct policy_verdict *a, const struct policy_verdict *b)
{
	return a->allowed == b->allowed && a->by_deny == b->by_deny && a->rule == b->rule &&
	       a->missing == b->missing;
}

/* Normalises and judges a spelling the way the shim does; false if it is refused. */
static bool judge(const struct world *w, const char *spelling, unsigned rights,
		  struct policy_verdict *ret, char *norm, size_t *norm_len)
{
	if (path_normalize(CWD, spelling, norm, PATH_MAX, norm_len) < 0)
		return false;
	FUZZ_CHECK(policy_check_file(w->pol, norm, *norm_len, rights, ret) == 0,
		   "a normalised path is refused: '%s'", norm);
	return true;
}

/* Offsets of the '/' before each segment of a normal path (not "/"). */
static size_t slashes(const char *n, size_t len, size_t *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k < max; i++)
		if (n[i] == '/')
			out[k++] = i;
	return len == 1 ? 0 : k;
}

/* Writes a spelling of norm that must normalise back to it. */
static void make_variant(struct fuzz_rng *rng, const char *norm, size_t len, char *out)
{
	static const char *const inserts[] = {"/.",	  "/",		"/x/..", "/./.",
					      "/...x/..", "/a/b/../..", "/*/.."};
	size_t at[256], n_at = slashes(norm, len, at, 256), w = 0;
	unsigned kind = fuzz_rng_below(rng, 5);

	if (kind == 0 && len > 1) {
		/* Relative to the working directory: up to the root, then down. */
		w = (size_t)sprintf(out, "..");
		for (size_t i = 0; CWD[i]; i++)
			if (CWD[i] == '/' && i > 0)
				w += (size_t)sprintf(out + w, "/..");
		w += (size_t)sprintf(out + w, "/../..%.*s", (int)len, norm);
		return;
	}
	/* Up to four edits, each at a segment boundary (or the end). */
	size_t edits = 1 + fuzz_rng_below(rng, 4), pos[4];
	const char *what[4];
	for (size_t e = 0; e < edits; e++) {
		size_t k = fuzz_rng_below(rng, (unsigned)n_at + 1);
		pos[e] = k < n_at ? at[k] : n_at ? len : 0; /* k == n_at: the end */
		what[e] = inserts[fuzz_rng_below(rng, sizeof(inserts) / sizeof(inserts[0]))];
		if (kind == 1 && pos[e] == len)
			what[e] = "/";
	}
	for (size_t i = 0; i <= len; i++) {
		for (size_t e = 0; e < edits; e++) {
			/* "/" itself: inserting before its only '/' must keep it absolute. */
			if (pos[e] != i || (len == 1 && i == 0))
				continue;
			size_t k = strlen(what[e]);
			memcpy(out + w, what[e], k);
			w += k;
		}
		if (i < len)
			out[w++] = norm[i];
	}
	if (len == 1 && w == 1 && fuzz_rng_below(rng, 2))
		w += (size_t)sprintf(out + w, "..//.");
	if (kind == 2 && len > 1)
		out[w++] = '/';
	out[w] = '\0';
	if (kind == 3 && norm[0] == '/') {
		/* ".." at the root stays at the root. */
		memmove(out + 3, out, w + 1);
		memcpy(out, "/..", 3);
	}
}

/*
 * An exec argv pattern without '/' means what the same path segment glob
 * means (exec_rules.c has a matcher of its own): '?' one character, '*'
 * any run. The last segments of the rules and of the path are such pairs.
 */
static void check_argv_matcher(const struct world *w, const char *norm, size_t len)
{
	const char *seg = memrchr(norm, '/', len) + 1;
	size_t n = len - (size_t)(seg - norm);
	if (n == 0)
		return; /* "/": an empty argument is no path segment */
	for (size_t i = 0; i < w->n_rules; i++) {
		const char *pat = strrchr(w->rules[i].glob, '/') + 1;
		if (!*pat || strcmp(pat, "**") == 0)
			continue;
		bool argv = exec_argv_element_match(pat, seg);
		bool path = glob_match_one(GLOB_TRIE_PATH, pat, seg, n);
		if (argv != path)
			fuzz_fail("argv pattern '%s' %s '%s', as a path glob it %s", pat,
				  argv ? "matches" : "does not match", seg,
				  path ? "does" : "does not");
	}
}

static void check_path(const struct world *w, struct fuzz_rng *rng, const char *p, size_t plen)
{
	static char raw[PATH_MAX + 1], norm[PATH_MAX], again[PATH_MAX], variant[MAX_VARIANT],
		vnorm[PATH_MAX];
	static const unsigned masks[] = {POLICY_RIGHT_READ,
					 POLICY_RIGHT_WRITE,
					 POLICY_RIGHT_CREATE,
					 POLICY_RIGHT_DELETE,
					 POLICY_RIGHT_READ | POLICY_RIGHT_WRITE,
					 POLICY_RIGHTS_ALL};
	struct policy_verdict want[sizeof(masks) / sizeof(masks[0])], got;
	size_t len, alen, vlen;

	if (plen == 0 || plen > PATH_MAX || memchr(p, '\0', plen))
		return;
	memcpy(raw, p, plen);
	raw[plen] = '\0';
	if (path_normalize(CWD, raw, norm, sizeof(norm), &len) < 0)
		return;
	FUZZ_CHECK(strlen(norm) == len && path_is_normal(norm, len),
		   "normal form of '%s' is not normal: '%s'", raw, norm);
	FUZZ_CHECK(path_normalize(NULL, norm, again, sizeof(again), &alen) == 0 && alen == len &&
			   memcmp(again, norm, len) == 0,
		   "normalising '%s' again gives '%s'", norm, again);
	if (path_is_normal(raw, plen))
		FUZZ_CHECK(plen == len && memcmp(raw, norm, len) == 0,
			   "'%s' is said to be normal but normalises to '%s'", raw, norm);
	else
		FUZZ_CHECK(policy_check_file(w->pol, raw, plen, POLICY_RIGHT_READ, &got) == -EINVAL,
			   "the matcher judged the non-normal spelling '%s'", raw);

	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		struct policy_verdict ref = reference(w, norm, len, masks[m]);
		FUZZ_CHECK(policy_check_file(w->pol, norm, len, masks[m], &want[m]) == 0,
			   "normal path refused: '%s'", norm);
		if (!same(&want[m], &ref))
			fuzz_fail("'%s' rights %#x: matcher says allowed=%d deny=%d rule=%d "
				  "missing=%#x, rule by rule allowed=%d deny=%d rule=%d "
				  "missing=%#x",
				  norm, masks[m], want[m].allowed, want[m].by_deny, want[m].rule,
				  want[m].missing, ref.allowed, ref.by_deny, ref.rule, ref.missing);
	}

	check_argv_matcher(w, norm, len);

	/* The same normal form is the same question: one judgement shows it. */
	for (int v = 0; v < 8; v++) {
		make_variant(rng, norm, len, variant);
		if (!judge(w, variant, POLICY_RIGHTS_ALL, &got, vnorm, &vlen))
			fuzz_fail("variant '%s' of '%s' is refused", variant, norm);
		if (vlen != len || memcmp(vnorm, norm, len) != 0)
			fuzz_fail("variant '%s' of '%s' normalises to '%s'", variant, norm, vnorm);
		/* masks[] ends with POLICY_RIGHTS_ALL. */
		FUZZ_CHECK(same(&got, &want[sizeof(masks) / sizeof(masks[0]) - 1]),
			   "variant '%s' judged unlike '%s'", variant, norm);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	struct fuzz_text t = {(const char *)data, (const char *)data + size};
	struct fuzz_rng rng;
	const char *line;
	size_t len, queries = 0;

	w.n_rules = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		uint8_t rights = 0;
		FUZZ_CHECK(rights_parse(fixed[i].allow ? fixed[i].allow : fixed[i].deny, &rights,
					&(size_t){0}, &(const char *){NULL}) == 0,
			   "bad fixed rule");
		add_rule(&w, fixed[i].glob, strlen(fixed[i].glob), fixed[i].allow ? rights : 0,
			 fixed[i].allow ? 0 : rights);
	}
	while (fuzz_next_line(&t, &line, &len)) {
		if (len < 3 || (line[0] != '+' && line[0] != '-'))
			continue;
		const char *sp = memchr(line, ' ', len);
		uint8_t rights = 0;
		for (const char *c = line + 1; c < (sp ? sp : line + len); c++)
			rights |= *c == 'r'   ? POLICY_RIGHT_READ
				  : *c == 'w' ? POLICY_RIGHT_WRITE
				  : *c == 'c' ? POLICY_RIGHT_CREATE
				  : *c == 'd' ? POLICY_RIGHT_DELETE
					      : 0;
		if (!sp || !rights)
			continue;
		size_t glen = len - (size_t)(sp + 1 - line);
		add_rule(&w, sp + 1, glen, line[0] == '+' ? rights : 0,
			 line[0] == '-' ? rights : 0);
	}
	if (build(&w) < 0)
		return 0;
	fuzz_rng_seed(&rng, data, size);
	t = (struct fuzz_text){(const char *)data, (const char *)data + size};
	while (fuzz_next_line(&t, &line, &len) && queries < MAX_QUERIES) {
		if (len >= 3 && (line[0] == '+' || line[0] == '-') && memchr(line, ' ', len))
			continue;
		check_path(&w, &rng, line, len);
		queries++;
	}
	return 0;
}
