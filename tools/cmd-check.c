// SPDX-License-Identifier: MIT
/* fnguard check — validate profiles. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static void check_usage(FILE *out)
{
	fprintf(out, "Usage: fnguard check [--print] PROFILE...\n\n"
		     "Validates each profile with its \"extends\" resolved and prints every\n"
		     "diagnostic as FILE:LINE:COL: JSON.PATH: MESSAGE.\n\n"
		     "Options:\n"
		     "  -p, --print   print the resolved profile (extends merged in) as JSON\n"
		     "  -h, --help    show this help\n\n"
		     "Examples:\n"
		     "  fnguard check fnguard.json\n"
		     "  fnguard check --print profiles/python.json\n\n"
		     "Exit status: 0 all valid, 2 any invalid or unreadable.\n");
}

int cmd_check(int argc, char **argv)
{
	static const struct option options[] = {
		{"print", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool print = false;
	int c, status = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+ph", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			print = true;
			break;
		case 'h':
			check_usage(stdout);
			return EXIT_OK;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fnguard check: no profile given\n");
		check_usage(stderr);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct policy *pol = NULL;
		if (cli_load_policy(argv[i], false, &pol) < 0) {
			status = EXIT_USAGE;
			continue;
		}
		if (print) {
			char *text = NULL;
			if (policy_to_json(pol, true, &text) == 0) {
				fputs(text, stdout);
				free(text);
			} else {
				fprintf(stderr, "fnguard: out of memory\n");
				status = EXIT_USAGE;
			}
		} else {
			printf("%s: ok (%zu file, %zu network, %zu exec rules; mode %s)\n", argv[i],
			       policy_rule_count(pol, POLICY_CAT_FILE),
			       policy_rule_count(pol, POLICY_CAT_NETWORK),
			       policy_rule_count(pol, POLICY_CAT_EXEC),
			       policy_mode_to_string(policy_mode(pol)));
		}
		policy_free(pol);
	}
	return status;
}
