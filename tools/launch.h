/* SPDX-License-Identifier: MIT */
/* Running a command under the shim: locating libfnguard.so and the environment. */
#pragma once

#include <stddef.h>

/*
 * Finds libfnguard.so: $FNGUARD_LIB, then next to this executable in a
 * build tree (../lib/libfnguard.so), then the installed library directory.
 * Returns 0 and writes buf, or -ENOENT.
 */
int launch_find_lib(char *buf, size_t size);

/*
 * Prepares this process's environment for CMD: LD_PRELOAD (ours first),
 * FNGUARD_PROFILE (made absolute) and FNGUARD_MODE when given, and removes
 * inherited FNGUARD_LOG_FD/FNGUARD_LOG_ID so CMD becomes the first process
 * of a new tree. Returns 0 or a negative errno (reported on stderr).
 */
int launch_setup_env(const char *profile, const char *mode);

/* The file execvp would run for cmd ($PATH searched for a bare name, in buf), or NULL. */
const char *launch_find_command(const char *cmd, char *buf, size_t size);

/*
 * 0 when the shim can be preloaded into the program cmd names (PATH
 * searched), -ENOEXEC with a message on stderr when it cannot (a static
 * program, an ELF of another class): it would run unguarded.
 */
int launch_check_preloadable(const char *cmd);

/* The descriptor a FNGUARD_LOG value names (stdout, stderr, fd:N of an open one), or -1. */
int launch_log_fd(const char *dest);

/*
 * Runs argv (PATH search) as a child, waits, and returns an exit status in
 * the shell's convention (128+N for a signal). SIGINT/SIGTERM/SIGHUP are
 * forwarded. Returns -errno if it could not start (reported on stderr).
 */
int launch_run(char **argv);

/* What launch_run_hooked() calls around the fork. */
struct launch_hooks {
	/* In the child before exec: async-signal-safe only (the parent has threads). */
	void (*child)(void *arg);
	/* In the parent right after the fork; its result is only advisory. */
	int (*parent)(void *arg);
	void *arg;
};

/* launch_run() with hooks (NULL: none). */
int launch_run_hooked(char **argv, const struct launch_hooks *hooks);
