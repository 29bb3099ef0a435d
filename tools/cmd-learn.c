// SPDX-License-Identifier: MIT
/* fnguard learn — a profile from logs: learn events and violations, e.g. a CloudWatch export. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "learn-cli.h"
#include "learn_log.h"

static void learn_usage(FILE *out)
{
	fprintf(out, "Usage: fnguard learn [LOGFILE...] -o OUT.json [OPTIONS]\n\n"
		     "Builds a profile from fnguard events: the learn events of record mode and\n"
		     "the violations of alert or enforce mode (their \"tip\", the exact fragment\n"
		     "that would allow them). Reads each LOGFILE, or standard input without one\n"
		     "('-' names it too); the events of several cold starts make one profile.\n"
		     "Accepts the shim's JSON lines, lines with a timestamp or request id before\n"
		     "the JSON, JSON objects with the event in \"message\" or \"@message\", the\n"
		     "output of `aws logs filter-log-events --output json`, and Logs Insights\n"
		     "CSV and JSON exports. Everything else in the input is ignored.\n\n"
		     "The log is the function's own output: a compromised function can write\n"
		     "lines that look like fnguard's. Review what was learned (fnguard diff).\n\n"
		     "Options:\n" LEARN_CLI_OPTIONS_HELP "\n"
		     "Examples:\n"
		     "  fnguard learn record.log -o fnguard.json --extends lambda-base\n"
		     "  aws logs filter-log-events --log-group-name /aws/lambda/orders \\\n"
		     "      --filter-pattern '{ $.logger = \"fnguard\" }' --output json \\\n"
		     "    | fnguard learn -o orders.json --generalize-aws --extends lambda-base\n"
		     "  fnguard learn cold-start-1.log cold-start-2.log -o merged.json\n\n"
		     "Exit status: 0 ok; 2 on a usage error, unreadable input, no fnguard events\n"
		     "in it, or if the profile cannot be written.\n");
}

struct learn_ctx {
	struct learner *learner;
};

static int observe(const struct learn_obs *obs, const struct learn_log_event *ev, void *userdata)
{
	struct learn_ctx *c = userdata;
	/* An explicit deny decided: no rule can allow it, and none is learned. */
	if (ev->explicit_deny)
		return 0;
	return learner_add(c->learner, obs);
}

int cmd_learn(int argc, char **argv)
{
	static const struct option options[] = {LEARN_CLI_LONG_OPTIONS, {0}};
	static char *const stdin_only[] = {"-", NULL};
	struct learn_cli cli;
	struct learn_log_stats stats = {0};
	struct learn_ctx ctx = {0};
	int c, r;

	learn_cli_init(&cli, "learn");
	optind = 1;
	while ((c = getopt_long(argc, argv, LEARN_CLI_SHORT_OPTIONS, options, NULL)) != -1) {
		r = learn_cli_option(&cli, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (c == 'h') {
			learn_usage(stdout);
			return EXIT_OK;
		}
		learn_usage(stderr);
		return EXIT_USAGE;
	}
	if (!cli.out) {
		fprintf(stderr, "fnguard learn: -o OUT.json is required\n");
		learn_usage(stderr);
		return EXIT_USAGE;
	}
	char *const *files = optind < argc ? argv + optind : stdin_only;
	if (learner_new(&ctx.learner) < 0)
		return EXIT_USAGE;
	for (size_t i = 0; files[i]; i++) {
		char *text = NULL;
		size_t len = 0;
		r = learn_cli_read_file(files[i], &text, &len);
		if (r == 0)
			r = learn_log_parse(text, len, observe, &ctx, &stats);
		free(text);
		if (r < 0) {
			fprintf(stderr, "fnguard learn: %s: %s\n",
				strcmp(files[i], "-") ? files[i] : "stdin", strerror(-r));
			learner_free(ctx.learner);
			return EXIT_USAGE;
		}
	}
	fprintf(stderr,
		"fnguard learn: %zu lines, %zu fnguard events: %zu learn, %zu violations (%zu "
		"decided by a deny rule, not learned), %zu unusable\n",
		stats.lines, stats.events, stats.learn, stats.violations, stats.denied,
		stats.unusable);
	if (stats.learn + stats.violations == 0) {
		fprintf(stderr, "fnguard learn: no learn or violation events in the input\n");
		learner_free(ctx.learner);
		return EXIT_USAGE;
	}
	if (stats.suppressed)
		fprintf(stderr,
			"fnguard learn: warning: the log says %zu events were rate-limited; the "
			"rights learned for those targets may be incomplete (fnguard record also "
			"reads the shim's own record, which has them)\n",
			stats.suppressed);
	if (stats.truncated)
		fprintf(stderr,
			"fnguard learn: %zu events were cut to fit a log line; broader rules were "
			"learned for them\n",
			stats.truncated);
	r = learn_cli_finish(&cli, ctx.learner, stats.function);
	learner_free(ctx.learner);
	return r < 0 ? EXIT_USAGE : EXIT_OK;
}
