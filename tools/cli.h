/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the fnguard CLI: exit codes, profile loading with the
 * standard search path, and printing diagnostics (the CLI is the one place
 * that prints them).
 */
#pragma once

#include <stdbool.h>

#include "policy.h"

enum {
	EXIT_OK = 0,
	EXIT_VIOLATION = 1, /* check failed, denied, differs */
	EXIT_USAGE = 2,	    /* usage or input error */
};

/*
 * The search path for "extends" names: $FNGUARD_PROFILE_PATH, then the
 * installed profiles directory, then the source tree's profiles/ when the
 * CLI runs from a build directory. Borrowed, static.
 */
const char *cli_search_path(void);

/* ${VAR} in profiles comes from the environment (policy_load_opts.getvar). */
const char *cli_getvar(const char *name, void *userdata);

/*
 * Loads a profile and prints every diagnostic to stderr prefixed "fnguard: ".
 * Returns 0 or a negative errno (already reported).
 */
int cli_load_policy(const char *path, bool no_extends, struct policy **ret);

/* True if argv[1] is -h or --help. */
bool cli_wants_help(int argc, char **argv);

/*
 * Writes len bytes to path through a temporary file in the same directory
 * (mkostemp: never through a planted link), mode 0666 & ~umask, fsync'd,
 * then renamed over path. 0 or -errno.
 */
int cli_write_atomically(const char *path, const void *data, size_t len);

/* Subcommands: each takes argv starting at the subcommand name. */
int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_attach(int argc, char **argv);
