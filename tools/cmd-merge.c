// SPDX-License-Identifier: MIT
/* fnguard merge — the union of profiles. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "learn-cli.h"

static void merge_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard merge A.json B.json... -o OUT.json\n\n"
		"Writes the union of the profiles' own rules: what any of them allows, the\n"
		"result allows; an explicit deny in any of them stays a deny (and wins, as\n"
		"always). Identical rules are written once (\"seen\" added up, the earliest\n"
		"\"phase\" kept), ports of the same host join, and a rule another one\n"
		"already contains is left out. syscalls, unsafe, require and extends are\n"
		"unioned; name, mode, actions and on_error are the first file's (a setting\n"
		"the first file leaves out stays out). \"extends\" is not resolved: the\n"
		"result extends what the inputs extend.\n\n"
		"Options:\n"
		"  -o, --output OUT   where to write the result (required; replaced atomically)\n"
		"  -h, --help         show this help\n\n"
		"Examples:\n"
		"  fnguard merge cold-start.json invoke.json -o fnguard.json\n"
		"  fnguard merge fnguard.json extra-hosts.json -o fnguard.json\n\n"
		"Exit status: 0 ok; 2 on a usage error, an invalid input or a write error.\n");
}

int cmd_merge(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *out = NULL;
	struct learner *l = NULL;
	char *text = NULL;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			merge_usage(stdout);
			return EXIT_OK;
		default:
			merge_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!out || argc - optind < 1) {
		fprintf(stderr, "fnguard merge: %s\n",
			!out ? "-o OUT.json is required" : "no profiles given");
		merge_usage(stderr);
		return EXIT_USAGE;
	}
	if (learner_new(&l) < 0)
		return EXIT_USAGE;
	for (int i = optind; i < argc; i++) {
		struct diag_list diags = {0};
		r = learner_merge_file(l, argv[i], &diags);
		for (size_t k = 0; k < diags.n; k++)
			fprintf(stderr, "fnguard: %s\n", diags.lines[k]);
		if (r < 0 && diags.n == 0)
			fprintf(stderr, "fnguard merge: %s: %s\n", argv[i], strerror(-r));
		diag_list_clear(&diags);
		if (r < 0) {
			learner_free(l);
			return EXIT_USAGE;
		}
	}
	size_t redundant = learner_drop_redundant(l);
	r = learner_to_json(l, NULL, NULL, &text);
	if (r == 0)
		r = learn_cli_write_file(out, text);
	if (r < 0)
		fprintf(stderr, "fnguard merge: cannot write %s: %s\n", out, strerror(-r));
	else
		fprintf(stderr,
			"fnguard merge: %d profiles -> %zu rules in %s (%zu contained in "
			"others, left out)\n",
			argc - optind, learner_size(l), out, redundant);
	free(text);
	learner_free(l);
	return r < 0 ? EXIT_USAGE : EXIT_OK;
}
