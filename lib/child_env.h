/* SPDX-License-Identifier: MIT */
/*
 * child_env — what a process under fnguard hands to the programs it runs.
 *
 * A child must stay under fnguard with the same policy: when a caller
 * passes an environment that drops or changes LD_PRELOAD or any FNGUARD_*
 * variable, this process's own values (as they were at shim start) are put
 * back, and FNGUARD_* variables it did not have are removed (permissions
 * only narrow: a child never gets FNGUARD_MODE=record or another profile).
 * FNGUARD_LOG_FD always carries the log descriptor's current number (it
 * moves when the program dup2()s over it). LD_PRELOAD given by the caller
 * is kept when it starts with this process's value (libraries added after
 * fnguard's, which cannot shadow it).
 *
 * Exec may run in a vfork child (Python's subprocess, posix_spawn) or right
 * after fork: everything an exec uses here is allocation-free, lock-free
 * and async-signal-safe, built from strings prepared at capture time.
 *
 * It also carries what a vfork child learned (record mode) back to its
 * parent, which shares its memory until the exec: the child cannot take the
 * learner's lock or allocate, so it leaves the learned exec in a lock-free
 * slot that the parent hands to the learner later.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Pointer slots child_env_build() needs beyond the entries of envp. */
#define CHILD_ENV_EXTRA 80
/* Largest environment (entries) a child's environment is rebuilt from. */
#define CHILD_ENV_MAX_ENTRIES 2048
/* Room for "FNGUARD_LOG_FD=<int>"... */
#define CHILD_ENV_LOGFD_TEXT 32
/* ... and for an LD_PRELOAD made of ours followed by the caller's own. */
#define CHILD_ENV_LOGFD_LEN (CHILD_ENV_LOGFD_TEXT + 4096)

/*
 * Records LD_PRELOAD and every FNGUARD_* variable of the environment, once
 * (later calls return at once). A constructor calls it after
 * shim_init_once(), before main can change the environment; shim_init()
 * may call it too, but only after the log fd and FNGUARD_ON_ERROR are
 * exported. Callers leave children alone when the shim is inactive.
 */
void child_env_capture(void);

/*
 * The value a managed variable (FNGUARD_*, LD_PRELOAD) had when captured,
 * whatever the program did to its environment since; NULL when it had
 * none or nothing was captured yet. Async-signal-safe.
 */
const char *child_env_value(const char *name);

/* Entries of envp (NULL counts as empty). Async-signal-safe. */
size_t child_env_count(char *const envp[]);

/*
 * True when envp already is what a child must get: nothing to put back.
 * False as well when the capture did not fit (child_env_build then fails).
 * Async-signal-safe.
 */
bool child_env_intact(char *const envp[]);

/*
 * Writes into out (size pointers, at least child_env_count(envp) +
 * CHILD_ENV_EXTRA) the environment a child gets: envp's own entries except
 * the managed ones, then the captured values and FNGUARD_LOG_FD (its text
 * written into logfd_buf, which must live as long as out), NULL-terminated.
 * A caller's LD_PRELOAD that does not start with the shim's keeps its
 * libraries after the shim's (written into logfd_buf too).
 * Entries point into envp, logfd_buf or static storage. Returns 0, or
 * -E2BIG when out is too small or the capture did not fit (the child could
 * not be kept under fnguard: the exec must fail). Async-signal-safe.
 */
int child_env_build(char *const envp[], char *out[], size_t size,
		    char logfd_buf[CHILD_ENV_LOGFD_LEN]);

/*
 * Puts the captured values back into this process's own environment
 * (setenv/unsetenv), for system() and popen(), whose spawn glibc does
 * internally with environ. No-op when environ is intact. Returns 0 or a
 * negative errno. Not async-signal-safe.
 */
int child_env_repair_environ(void);

/*
 * True in a child that did not go through fork's handlers: a vfork child
 * (or a raw clone), which shares its parent's memory. Such a child must not
 * allocate or lock. Async-signal-safe.
 */
bool child_env_in_vfork_child(void);

/* The process whose memory this is (a vfork child has its parent's). */
int child_env_image_pid(void);

/* In a child with memory of its own (fork, clone without CLONE_VM): this is its image. */
void child_env_after_fork_child(void);

/*
 * Leaves a learned exec (absolute path, NULL-terminated argv or NULL) for
 * the parent, from a vfork child. Lock-free and allocation-free (a log of
 * the process's own mappings, see park_log.h); when 16 MiB of such execs
 * wait for the parent to take them, the exec is dropped with an error
 * event. One whose strings another thread changes while they are copied is
 * dropped with an error event when taken.
 */
void child_env_learn_exec(const char *path, char *const argv[]);

/*
 * Hands what vfork children left to the learner (record_keep). Call in the
 * process itself, never in a vfork child, never in a signal handler (it
 * locks and allocates); record_write() calls it first. With final (the
 * profile file is about to be written), execs still being written by a
 * child are said in an error event.
 */
void child_env_drain_learned(bool final);

/*
 * The same from record mode's SIGTERM handler, with the learner's lock held
 * (record.c): takes nothing when another thread is taking them. As final.
 */
void child_env_drain_learned_in_handler(void);
