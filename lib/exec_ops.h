/* SPDX-License-Identifier: MIT */
/*
 * exec_ops — what the exec wrappers know that the handover launcher
 * (handover.c) needs as well.
 */
#pragma once

#include <stdbool.h>

/* The fnguard CLI found next to this library or in FNGUARD_CLI, or "". */
const char *exec_ops_cli(void);

/*
 * At start, before any filter: the first process (first) looks for the CLI
 * and exports it in FNGUARD_CLI; a descendant takes FNGUARD_CLI as it is,
 * without a lookup (an exec of it that fails is reported as unsupervised).
 */
void exec_ops_cli_start(bool first);

/* At the shim's start: what the exec wrappers keep per thread (a key for its release). */
void exec_ops_init(void);

/* True when path is a static ELF program (nothing in it loads the shim). */
bool exec_ops_static_program(const char *path);

/* Called in the child after fork: the environment's lock (wordexp) is reset. */
void exec_ops_after_fork_child(void);
