// SPDX-License-Identifier: MIT
/* fnguard run — run a command with the shim preloaded. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"

static void run_usage(FILE *out)
{
	fprintf(out, "Usage: fnguard run [--profile P] [--mode M] [--log DEST] -- CMD [ARG...]\n\n"
		     "Runs CMD with libfnguard.so preloaded: every file, network and exec\n"
		     "operation of CMD and its children is judged against the profile, and\n"
		     "events are written as JSON lines (default: CMD's stdout).\n\n"
		     "Options:\n"
		     "  -p, --profile P   the profile (default: $FNGUARD_PROFILE; none = record)\n"
		     "  -m, --mode M      record, alert or enforce (overrides the profile's mode)\n"
		     "  -l, --log DEST    stdout, stderr or fd:N\n"
		     "  -h, --help        show this help\n\n"
		     "Examples:\n"
		     "  fnguard run --profile fnguard.json -- python3 handler.py\n"
		     "  fnguard run --profile fnguard.json --mode alert -- node index.js\n\n"
		     "A static program (no preloaded library reaches it) is refused: run it\n"
		     "with fnguard exec.\n\n"
		     "Exit status: CMD's; 126/127 if it cannot be run (126 for a static\n"
		     "program), 2 on a usage error.\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option options[] = {
		{"profile", required_argument, NULL, 'p'},
		{"mode", required_argument, NULL, 'm'},
		{"log", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *profile = NULL, *mode = NULL;
	enum policy_mode m;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:m:l:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'l':
			setenv("FNGUARD_LOG", optarg, 1);
			break;
		case 'h':
			run_usage(stdout);
			return EXIT_OK;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fnguard run: no command given\n");
		run_usage(stderr);
		return EXIT_USAGE;
	}
	if (mode && policy_mode_from_string(mode, &m) < 0) {
		fprintf(stderr, "fnguard run: unknown mode '%s' (record, alert or enforce)\n",
			mode);
		return EXIT_USAGE;
	}
	if (profile) {
		/* Refuse here, with every diagnostic, rather than in the child's start. */
		struct policy *pol = NULL;
		if (cli_load_policy(profile, false, &pol) < 0)
			return EXIT_USAGE;
		policy_free(pol);
	}
	const char *log = getenv("FNGUARD_LOG");
	if (log && *log && launch_log_fd(log) < 0) {
		fprintf(stderr, "fnguard run: --log: '%s' is not stdout, stderr or an open fd:N\n",
			log);
		return EXIT_USAGE;
	}
	if (launch_check_preloadable(argv[optind]) < 0)
		return 126;
	if (launch_setup_env(profile, mode) < 0)
		return EXIT_USAGE;
	execvp(argv[optind], argv + optind);
	int err = errno;
	fprintf(stderr, "fnguard run: %s: %s\n", argv[optind], strerror(err));
	return err == ENOENT ? 127 : 126;
}
