// SPDX-License-Identifier: MIT
/*
 * `fnguard learn` on arbitrary log input: the log reader (policy/learn_log.c)
 * feeding a learner, then what tools/learn-cli.c does with it (generalise,
 * drop what is redundant, check completeness, write).
 *
 * Checked, besides no crash and no leak:
 *  - the completeness check finds nothing: every behaviour observed is
 *    allowed by the generalised profile (the CLI calls a miss a bug);
 *  - every observation the learner took is allowed by the written profile
 *    read back, judged as the shim would judge it (learn_obs_check);
 *  - the written profile, named after the log's function as the CLI does,
 *    loads with no diagnostic, and writing it again gives the same text.
 *
 * The generalisation options (threshold, --exact, --generalize-aws) come
 * from a hash of the input, so that one input always runs the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "learn.h"
#include "learn_diff.h"
#include "learn_log.h"
#include "policy.h"

#define MAX_KEPT 256

/* Deep copies of the observations the learner took. */
struct kept {
	struct learn_obs obs[MAX_KEPT];
	size_t n;
};

struct ctx {
	struct learner *learner;
	struct kept *kept;
};

static char *dup_or_die(const char *s)
{
	char *c = strdup(s);
	FUZZ_CHECK(c, "out of memory");
	return c;
}

static void keep(struct kept *k, const struct learn_obs *o)
{
	if (k->n == MAX_KEPT)
		return;
	struct learn_obs *c = &k->obs[k->n++];
	*c = *o;
	c->name = o->name ? dup_or_die(o->name) : NULL;
	c->argv = NULL;
	if (o->argv) {
		size_t n = 0;
		while (o->argv[n])
			n++;
		char **argv = calloc(n + 1, sizeof(*argv));
		FUZZ_CHECK(argv, "out of memory");
		for (size_t i = 0; i < n; i++)
			argv[i] = dup_or_die(o->argv[i]);
		c->argv = argv;
	}
}

static void kept_clear(struct kept *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free((char *)k->obs[i].name);
		for (size_t a = 0; k->obs[i].argv && k->obs[i].argv[a]; a++)
			free(k->obs[i].argv[a]);
		free((char **)k->obs[i].argv);
	}
	k->n = 0;
}

/* As fnguard learn's: a deny decided an explicit-deny violation, nothing to learn. */
static int observe(const struct learn_obs *obs, const struct learn_log_event *ev, void *userdata)
{
	struct ctx *c = userdata;
	if (ev->explicit_deny)
		return 0;
	int r = learner_add(c->learner, obs);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "learner_add: %d", r);
	if (r == 0)
		keep(c->kept, obs);
	return r;
}

static void print_uncovered(enum policy_category category, const char *line, void *userdata)
{
	fprintf(stderr, "fuzz: not allowed by the learned profile: %s %s\n",
		policy_category_to_string(category), line);
}

static const char *obs_name(const struct learn_obs *o)
{
	return o->name ? o->name : "(address)";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kept kept;
	struct ctx c = {.kept = &kept};
	struct learn_log_stats stats = {0};
	struct learner *observed = NULL;
	struct policy *learned = NULL, *again = NULL;
	struct learn_options opts;
	struct fuzz_rng rng;
	char *text = NULL, *snap = NULL, *second = NULL;
	int r;

	FUZZ_CHECK(learner_new(&c.learner) == 0, "learner_new");
	r = learn_log_parse((const char *)data, size, observe, &c, &stats);
	FUZZ_CHECK(r == 0, "learn_log_parse: %d", r);
	FUZZ_CHECK(stats.learn + stats.violations <= stats.events && stats.events <= size,
		   "odd counts: %zu learn, %zu violations, %zu events", stats.learn,
		   stats.violations, stats.events);
	if (stats.learn + stats.violations == 0)
		goto out; /* the CLI stops here: nothing to learn */

	fuzz_rng_seed(&rng, data, size);
	learn_options_init(&opts);
	opts.enabled = fuzz_rng_below(&rng, 4) != 0;
	opts.threshold = (unsigned[]){0, 2, 3, LEARN_DEFAULT_THRESHOLD}[fuzz_rng_below(&rng, 4)];
	opts.generalize_aws = fuzz_rng_below(&rng, 2);

	/* learn_cli_finish(), without --extends. */
	FUZZ_CHECK(learner_to_json(c.learner, NULL, NULL, &snap) == 0, "snapshot write");
	FUZZ_CHECK(learner_new(&observed) == 0, "learner_new");
	r = learner_merge_text(observed, "observed", snap, strlen(snap), NULL);
	FUZZ_CHECK(r == 0, "the learner's own output does not merge back (%d):\n%s", r, snap);
	FUZZ_CHECK(learner_generalize(c.learner, &opts) == 0, "learner_generalize");
	learner_drop_redundant(c.learner);
	FUZZ_CHECK(learner_to_policy(c.learner, NULL, NULL, &learned) == 0, "learner_to_policy");
	size_t uncovered = learn_count_uncovered(observed, learned, NULL, print_uncovered, NULL);
	FUZZ_CHECK(uncovered == 0, "%zu observed behaviours are not allowed by the learned profile",
		   uncovered);

	const char *name = stats.function[0] ? stats.function : NULL;
	FUZZ_CHECK(learner_to_json(c.learner, name, NULL, &text) == 0, "learner_to_json");
	struct policy_load_opts lo = {.no_extends = true};
	struct diag_list diags = {0};
	r = policy_load_buffer("learned.json", text, strlen(text), &lo, &again, &diags);
	if (r < 0 || diags.n)
		fuzz_fail("the learned profile does not read back (%d): %s\n%s", r,
			  diags.n ? diags.lines[0] : "", text);
	diag_list_clear(&diags);
	FUZZ_CHECK(policy_to_json(again, false, &second) == 0, "second write");
	if (strcmp(text, second) != 0)
		fuzz_fail("the learned profile changes when read and written:\n--- learned\n%s--- "
			  "again\n%s",
			  text, second);

	for (size_t i = 0; i < kept.n; i++) {
		struct policy_verdict v;
		/* A spelling the shim never judges (a path not normalised) cannot be checked. */
		if (learn_obs_check(again, &kept.obs[i], &v) < 0)
			continue;
		if (!v.allowed)
			fuzz_fail(
				"observation %zu (kind %d, '%s', rights %#x, port %d) is not allowed "
				"by the learned profile:\n%s",
				i, kept.obs[i].kind, obs_name(&kept.obs[i]), kept.obs[i].rights,
				kept.obs[i].port, text);
	}

out:
	policy_free(again);
	policy_free(learned);
	learner_free(observed);
	learner_free(c.learner);
	kept_clear(&kept);
	free(text);
	free(snap);
	free(second);
	return 0;
}
