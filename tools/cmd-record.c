// SPDX-License-Identifier: MIT
/* fnguard record — learn a profile from a real run. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "learn.h"

static void record_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard record -o OUT.json [--extends NAME]... [--name NAME] -- CMD [ARG...]\n\n"
		"Runs CMD (and everything it starts) in record mode and writes the profile\n"
		"it learned to OUT.json (replacing it). Rules already allowed by the\n"
		"profiles named with --extends are left out, and those profiles become the\n"
		"result's \"extends\". Learn events are printed as JSON lines as they happen.\n\n"
		"Options:\n"
		"  -o, --output OUT    where to write the profile (required)\n"
		"  -e, --extends NAME  a profile the result extends (repeatable)\n"
		"  -n, --name NAME     the profile's name\n"
		"  -h, --help          show this help\n\n"
		"Examples:\n"
		"  fnguard record -o fnguard.json --extends lambda-base -- python3 handler.py\n"
		"  fnguard record -o p.json -- sh -c 'cat /etc/hostname'\n\n"
		"Exit status: CMD's; 2 on a usage error or if the profile cannot be written.\n");
}

static int write_text(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

/* A profile that only extends the given names, to judge what they already allow. */
static int load_base(const char *const *extends, size_t n, struct policy **ret)
{
	size_t cap = 64;
	for (size_t i = 0; i < n; i++)
		cap += strlen(extends[i]) * 2 + 8;
	char *text = malloc(cap);
	if (!text)
		return -ENOMEM;
	size_t len = (size_t)snprintf(text, cap, "{\"fnguard\": 1, \"extends\": [");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"%s\"", i ? ", " : "",
					extends[i]);
	snprintf(text + len, cap - len, "]}");
	struct diag_list diags = {0};
	struct policy_load_opts opts = {.search_path = cli_search_path()};
	int r = policy_load_buffer("--extends", text, strlen(text), &opts, ret, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	free(text);
	return r;
}

int cmd_record(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"extends", required_argument, NULL, 'e'},
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *out = NULL, *name = NULL;
	const char *extends[17] = {0};
	size_t n_extends = 0;
	char abs_out[PATH_MAX];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:e:n:h", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'e':
			if (n_extends == 16) {
				fprintf(stderr, "fnguard record: at most 16 --extends\n");
				return EXIT_USAGE;
			}
			extends[n_extends++] = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			record_usage(stdout);
			return EXIT_OK;
		default:
			record_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!out || optind >= argc) {
		fprintf(stderr, "fnguard record: %s\n",
			!out ? "-o OUT.json is required" : "no command given");
		record_usage(stderr);
		return EXIT_USAGE;
	}
	struct policy *base = NULL;
	if (n_extends && load_base(extends, n_extends, &base) < 0)
		return EXIT_USAGE;

	/* The file must exist for realpath; the shim replaces it at exit. */
	FILE *f = fopen(out, "w");
	if (!f || !realpath(out, abs_out)) {
		fprintf(stderr, "fnguard record: %s: %s\n", out, strerror(errno));
		policy_free(base);
		return EXIT_USAGE;
	}
	fclose(f);
	unlink(abs_out);
	setenv("FNGUARD_RECORD_OUT", abs_out, 1);
	unsetenv("FNGUARD_PROFILE");
	if (launch_setup_env(NULL, "record") < 0) {
		policy_free(base);
		return EXIT_USAGE;
	}
	int status = launch_run(argv + optind);
	if (status < 0) {
		policy_free(base);
		return 127;
	}

	struct learner *l = NULL;
	struct diag_list diags = {0};
	char *text = NULL;
	size_t dropped = 0;
	int r = learner_new(&l);
	if (r == 0) {
		r = learner_merge_file(l, abs_out, &diags);
		if (r == -ENOENT)
			r = 0; /* nothing was recorded */
	}
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	if (r == 0 && base)
		dropped = learner_drop_covered(l, base);
	if (r == 0)
		r = learner_to_json(l, name, n_extends ? extends : NULL, &text);
	if (r == 0)
		r = write_text(abs_out, text);
	if (r < 0)
		fprintf(stderr, "fnguard record: cannot write %s: %s\n", out, strerror(-r));
	else
		fprintf(stderr, "fnguard: recorded %zu rules into %s (%zu already allowed by %s)\n",
			learner_size(l), out, dropped, n_extends ? "--extends" : "nothing");
	unlink(abs_out[0] ? strcat(abs_out, ".lock") : abs_out);
	free(text);
	learner_free(l);
	policy_free(base);
	return r < 0 ? EXIT_USAGE : status;
}
