// SPDX-License-Identifier: MIT
/* fnguard diff — what one profile allows that another does not; drift of a recording. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "learn-cli.h"
#include "learn_diff.h"

static void diff_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard diff [--json] OLD.json NEW.json\n"
		"       fnguard diff [--json] PROFILE LOGFILE\n\n"
		"With two profiles (extends resolved): per category, what OLD allows that NEW\n"
		"does not ('-') and what NEW allows that OLD does not ('+'), file rights\n"
		"trimmed to the ones that differ, and settings (mode and actions per\n"
		"category, on_error, require) that differ. Patterns are compared by\n"
		"containment (/tmp/** contains /tmp/tmp*).\n\n"
		"With a profile and a log of fnguard events (any form `fnguard learn` reads;\n"
		"'-' is standard input): drift, what the recording shows the function doing\n"
		"that the profile would deny, as the rules that would allow it.\n\n"
		"Options:\n"
		"  -j, --json   one JSON object instead of text: {\"same\", \"old\", \"new\",\n"
		"               \"onlyOld\", \"onlyNew\", \"settings\"} for two profiles (the\n"
		"               \"only\" members are profile documents), {\"drift\", \"profile\",\n"
		"               \"log\", \"denied\"} for drift (\"denied\" is a profile document)\n"
		"  -h, --help   show this help\n\n"
		"Examples:\n"
		"  fnguard diff fnguard.json fnguard.new.json\n"
		"  fnguard diff --json old.json new.json | jq .onlyNew.network\n"
		"  fnguard diff fnguard.json cloudwatch-export.json\n\n"
		"Exit status: 0 same (no drift), 1 they differ (drift found), 2 usage or\n"
		"input error.\n");
}

struct printer {
	const char *sign;
	int last;
	size_t n;
};

static const char *category_title(enum policy_category c)
{
	switch (c) {
	case POLICY_CAT_FILE:
		return "files";
	case POLICY_CAT_NETWORK:
		return "network";
	case POLICY_CAT_EXEC:
		return "exec";
	default:
		return "syscalls";
	}
}

static void print_line(enum policy_category category, const char *line, void *userdata)
{
	struct printer *p = userdata;
	if ((int)category != p->last) {
		printf("%s:\n", category_title(category));
		p->last = (int)category;
	}
	printf("  %s %s\n", p->sign, line);
	p->n++;
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A log rather than a profile: it holds fnguard events. */
static bool is_log(const char *text, size_t len)
{
	struct learn_log_stats stats = {0};
	learn_log_parse(text, len, NULL, NULL, &stats);
	return stats.events > 0;
}

static int drift(const char *profile_path, const char *log_path, const char *text, size_t len,
		 bool json)
{
	struct policy *pol = NULL;
	struct learner *d = NULL;
	struct learn_log_stats stats = {0};
	int r;

	if (cli_load_policy(profile_path, false, &pol) < 0)
		return EXIT_USAGE;
	r = learn_drift(pol, text, len, &d, &stats);
	policy_free(pol);
	if (r < 0) {
		fprintf(stderr, "fnguard diff: %s: %s\n", log_path, strerror(-r));
		return EXIT_USAGE;
	}
	const struct profile *denied = learner_profile(d);
	size_t n = learn_profile_rule_count(denied);
	if (json) {
		char *doc = NULL;
		r = learner_to_json(d, NULL, NULL, &doc);
		if (r == 0) {
			printf("{\"drift\": %s, \"profile\": ", n ? "true" : "false");
			print_json_string(profile_path);
			printf(", \"log\": ");
			print_json_string(log_path);
			printf(", \"events\": %zu, \"denied\": %s}\n", stats.events, doc);
		}
		free(doc);
	} else if (n) {
		struct printer p = {.sign = "+", .last = -1};
		printf("fnguard diff: %zu behaviours in %s that %s would deny:\n", n, log_path,
		       profile_path);
		learn_profile_describe(denied, print_line, &p);
	} else {
		printf("fnguard diff: no drift: %s allows everything in %s (%zu events)\n",
		       profile_path, log_path, stats.events);
	}
	learner_free(d);
	if (r < 0) {
		fprintf(stderr, "fnguard diff: %s\n", strerror(-r));
		return EXIT_USAGE;
	}
	return n ? EXIT_VIOLATION : EXIT_OK;
}

static int profiles(const char *a_path, const char *b_path, bool json)
{
	struct policy *a = NULL, *b = NULL;
	struct learn_diff *d = NULL;
	int r;

	if (cli_load_policy(a_path, false, &a) < 0)
		return EXIT_USAGE;
	if (cli_load_policy(b_path, false, &b) < 0) {
		policy_free(a);
		return EXIT_USAGE;
	}
	r = learn_diff_profiles(a, b, &d);
	policy_free(a);
	policy_free(b);
	if (r < 0) {
		fprintf(stderr, "fnguard diff: %s\n", strerror(-r));
		return EXIT_USAGE;
	}
	bool same = learn_diff_same(d);
	if (json) {
		char *text = NULL;
		r = learn_diff_to_json(d, a_path, b_path, &text);
		if (r == 0)
			printf("%s\n", text);
		free(text);
	} else if (same) {
		printf("fnguard diff: %s and %s allow the same\n", a_path, b_path);
	} else {
		struct printer minus = {.sign = "-", .last = -1}, plus = {.sign = "+", .last = -1};
		printf("--- %s\n+++ %s\n", a_path, b_path);
		if (learn_profile_rule_count(d->only_a)) {
			printf("only %s allows:\n", a_path);
			learn_profile_describe(d->only_a, print_line, &minus);
		}
		if (learn_profile_rule_count(d->only_b)) {
			printf("only %s allows:\n", b_path);
			learn_profile_describe(d->only_b, print_line, &plus);
		}
		if (d->n_settings)
			printf("settings:\n");
		for (size_t i = 0; i < d->n_settings; i++)
			printf("  %s: %s -> %s\n", d->settings[i].what, d->settings[i].a,
			       d->settings[i].b);
	}
	learn_diff_free(d);
	if (r < 0) {
		fprintf(stderr, "fnguard diff: %s\n", strerror(-r));
		return EXIT_USAGE;
	}
	return same ? EXIT_OK : EXIT_VIOLATION;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			diff_usage(stdout);
			return EXIT_OK;
		default:
			diff_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "fnguard diff: expected two files\n");
		diff_usage(stderr);
		return EXIT_USAGE;
	}
	const char *first = argv[optind], *second = argv[optind + 1];
	char *text = NULL;
	size_t len = 0;
	int r = learn_cli_read_file(second, &text, &len);
	if (r < 0) {
		fprintf(stderr, "fnguard diff: %s: %s\n", second, strerror(-r));
		return EXIT_USAGE;
	}
	if (strcmp(second, "-") == 0 || is_log(text, len))
		r = drift(first, strcmp(second, "-") ? second : "stdin", text, len, json);
	else
		r = profiles(first, second, json);
	free(text);
	return r;
}
