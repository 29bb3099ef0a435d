/* SPDX-License-Identifier: MIT */
/*
 * record — record mode's memory: each distinct behaviour produces one
 * `learn` event as it happens (Lambda may freeze and kill the process with
 * no exit hook), and, when FNGUARD_RECORD_OUT is set, is kept for the
 * learned profile written at exit (merged with what other processes of the
 * same run wrote there, under a lock).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct judgement;

/*
 * Returns true the first time this behaviour is seen in this process tree
 * (in this process when the tree's shared table is not reachable).
 */
bool record_first_time(const struct judgement *j);

/*
 * True when this process tree learned that it made the name path (a link,
 * a file: 'c'), as far as the tree's table tells (it is shared when the
 * tree's descriptor is reachable, else this process's own).
 */
bool record_made(const char *path, size_t len);

/* Keeps the behaviour for the profile (no-op unless FNGUARD_RECORD_OUT is set). */
void record_keep(const struct judgement *j);

/* Writes the learned profile to FNGUARD_RECORD_OUT (atexit, SIGTERM). Idempotent per state. */
void record_write(void);

/*
 * The process ends without atexit (_exit, _Exit): what exit would do, the
 * learned profile written and the held-back event counts said.
 */
void record_before_exit(void);

/*
 * The process is about to cut itself off from files (its own Landlock
 * domain or seccomp filter, chroot, a mount namespace): cJSON, which the
 * profile's merge at exit reads, is loaded first if it was put off.
 */
void record_before_sandbox(void);

/* The descriptor of the tree's shared table of learned behaviours, or -1 (fd_guard.c keeps it). */
int record_shared_fd(void);

/*
 * The program took the table's number (dup2 onto it): it is the program's
 * now, no longer guarded. This process keeps its mapping; children find
 * another file there and keep a table of their own.
 */
void record_fd_given_up(int fd);

/*
 * Loads cJSON when this process records to FNGUARD_RECORD_OUT: the merge with
 * what is already there reads it at exit, maybe from SIGTERM, and the Landlock
 * layer may not let the library be read later. Shim init, before the layers.
 * Where every category is recorded (no layer restricts the process), the
 * load waits for the first behaviour this process learns.
 */
void record_prepare(void);

/* Prepares recording (shim init) and re-arms it in a fork child. */
void record_init(void);
void record_after_fork_child(void);
