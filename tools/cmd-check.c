// SPDX-License-Identifier: MIT
/* fnguard check — validate profiles, and that a preload library loads here. */
#include <errno.h>
#include <getopt.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "elf-needs.h"

static void check_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard check [--print] [--library LIB [--glibc VERSION]] PROFILE...\n\n"
		"Validates each profile with its \"extends\" resolved and prints every\n"
		"diagnostic as FILE:LINE:COL: JSON.PATH: MESSAGE.\n\n"
		"Options:\n"
		"  -p, --print           print the resolved profile (extends merged in) as JSON\n"
		"  -l, --library LIB     also check that the glibc here (or --glibc) has every\n"
		"                        version LIB references (symbol versions and ABI markers\n"
		"                        such as GLIBC_ABI_DT_RELR), without loading it: a preload\n"
		"                        the loader cannot satisfy is skipped with a line on\n"
		"                        stderr, and the program runs without it\n"
		"  -g, --glibc VERSION   check --library against this glibc (2.34: Amazon Linux\n"
		"                        2023) instead of the running one\n"
		"  -h, --help            show this help\n\n"
		"Examples:\n"
		"  fnguard check fnguard.json\n"
		"  fnguard check --print profiles/python.json\n"
		"  fnguard check --library /opt/lib/libfnguard.so --glibc 2.34 fnguard.fgb\n\n"
		"Exit status: 0 all valid, 2 any invalid or unreadable, or a library this glibc\n"
		"cannot load.\n");
}

/*
 * Whether the loader here (or of glibc VERSION) can satisfy lib's version
 * references. The answer goes to out (stderr under --print, whose stdout is
 * the profile's JSON).
 */
static int check_library(const char *lib, const char *glibc, FILE *out)
{
	struct glibc_version have, need;
	char what[64];
	const char *have_text = glibc ? glibc : gnu_get_libc_version();

	if (glibc_version_parse(have_text, &have) < 0) {
		fprintf(stderr, "fnguard check: --glibc: '%s' is not a version (2.34)\n",
			have_text);
		return -EINVAL;
	}
	int r = elf_glibc_need(lib, &need, what, sizeof(what));
	if (r == -EPROTO) {
		fprintf(stderr,
			"fnguard check: %s needs %s, a glibc version this fnguard does not know\n",
			lib, what);
		return r;
	}
	if (r == -ENOEXEC) {
		fprintf(stderr,
			"fnguard check: %s: not a 64-bit ELF shared object of this machine\n", lib);
		return r;
	}
	if (r < 0) {
		fprintf(stderr, "fnguard check: %s: %s\n", lib, strerror(-r));
		return r;
	}
	if (glibc_version_cmp(need, have) > 0) {
		fprintf(stderr,
			"fnguard check: %s needs glibc %u.%u (%s); %s %s: the loader would not "
			"load it\n",
			lib, need.major, need.minor, what,
			glibc ? "checked against" : "this system has", have_text);
		return -ENOEXEC;
	}
	fprintf(out, "%s: ok (needs glibc %u.%u; %s %s)\n", lib, need.major, need.minor,
		glibc ? "checked against" : "this system has", have_text);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option options[] = {
		{"print", no_argument, NULL, 'p'},
		{"library", required_argument, NULL, 'l'},
		{"glibc", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool print = false;
	const char *library = NULL, *glibc = NULL;
	int c, status = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+pl:g:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			print = true;
			break;
		case 'l':
			library = optarg;
			break;
		case 'g':
			glibc = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return EXIT_OK;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (glibc && !library) {
		fprintf(stderr, "fnguard check: --glibc is for --library\n");
		return EXIT_USAGE;
	}
	if (optind >= argc && !library) {
		fprintf(stderr, "fnguard check: no profile given\n");
		check_usage(stderr);
		return EXIT_USAGE;
	}
	if (library && check_library(library, glibc, print ? stderr : stdout) < 0)
		status = EXIT_USAGE;
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
