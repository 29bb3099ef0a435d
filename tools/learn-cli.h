/* SPDX-License-Identifier: MIT */
/*
 * What `fnguard record`, `learn` and `trace` share: their options, and the
 * way from a learner full of observations to a profile on disk (subtract
 * what --extends allows, generalise, check that the result still allows
 * everything observed, write atomically).
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "learn.h"

#define LEARN_CLI_MAX_EXTENDS 16

struct learn_cli {
	const char *out;
	const char *name;
	const char *extends[LEARN_CLI_MAX_EXTENDS + 1];
	size_t n_extends;
	struct learn_options gen;
	const char *cmd; /* "record", "learn", "trace": for messages */
};

/* Long options the three commands share; ids are LEARN_OPT_* or the short letter. */
enum {
	LEARN_OPT_AWS = 0x1000,
	LEARN_OPT_THRESHOLD,
	LEARN_OPT_EXACT,
};

/* clang-format off */
#define LEARN_CLI_LONG_OPTIONS                                          \
	{"output", required_argument, NULL, 'o'},                       \
	{"extends", required_argument, NULL, 'e'},                      \
	{"name", required_argument, NULL, 'n'},                         \
	{"generalize-aws", no_argument, NULL, LEARN_OPT_AWS},           \
	{"threshold", required_argument, NULL, LEARN_OPT_THRESHOLD},    \
	{"exact", no_argument, NULL, LEARN_OPT_EXACT},                  \
	{"help", no_argument, NULL, 'h'}
/* clang-format on */

#define LEARN_CLI_SHORT_OPTIONS "o:e:n:h"

/* The options text for --help. */
#define LEARN_CLI_OPTIONS_HELP                                                                  \
	"  -o, --output OUT       where to write the profile (required; replaced atomically)\n" \
	"  -e, --extends NAME     a profile the result extends; what it allows is left out\n"   \
	"                         (repeatable, up to 16)\n"                                     \
	"  -n, --name NAME        the profile's name (default: the function's name, if the\n"   \
	"                         events carry one)\n"                                          \
	"      --threshold N      entries of one directory that collapse it to dir/* or\n"      \
	"                         dir/** (default 8; 0: never)\n"                               \
	"      --generalize-aws   write AWS endpoints per service: dynamodb.*.amazonaws.com\n"  \
	"      --exact            do not generalise (only deduplicate)\n"                       \
	"  -h, --help             show this help\n"

/* Defaults from the environment ($LAMBDA_TASK_ROOT, ..., the ephemeral port range). */
void learn_cli_init(struct learn_cli *cli, const char *cmd);

/*
 * Handles one shared option. Returns 1 if it was one (consumed), 0 if not,
 * or -EINVAL after printing a usage error.
 */
int learn_cli_option(struct learn_cli *cli, int opt, const char *arg);

/*
 * A profile that only extends the --extends names, to judge what they
 * already allow. Returns 0 or a negative errno (reported on stderr).
 */
int learn_cli_load_base(const struct learn_cli *cli, struct policy **ret);

/* The same with more members (JSON text, e.g. "\"syscalls\": [...]") after "extends". */
int learn_cli_load_base_with(const struct learn_cli *cli, const char *more, struct policy **ret);

/*
 * From observations to the output file: drops what --extends allows,
 * generalises, checks completeness, writes. default_name is used when
 * --name was not given (may be NULL). Prints a summary on stderr.
 * Returns 0 or a negative errno (reported).
 */
int learn_cli_finish(struct learn_cli *cli, struct learner *learner, const char *default_name);

/*
 * What learn_cli_finish does to the rules before writing them: drops what
 * base (may be NULL) allows, generalises (scratch names read from the whole
 * run), drops what base then allows and what is redundant. *ret_observed
 * (may be NULL): the rules as they were, for a completeness check; the
 * caller frees. Returns 0 or -ENOMEM.
 */
int learn_cli_generalize(const struct learn_cli *cli, struct learner *l, const struct policy *base,
			 struct learner **ret_observed, size_t *ret_dropped);

/* Writes text to path through a temporary file and rename(2). 0 or -errno. */
int learn_cli_write_file(const char *path, const char *text);

/* Reads a whole file ("-": stdin). Caller frees. 0 or -errno. */
int learn_cli_read_file(const char *path, char **ret_text, size_t *ret_len);
