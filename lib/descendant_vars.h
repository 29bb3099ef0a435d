/* SPDX-License-Identifier: MIT */
/*
 * descendant_vars — the variables a tree's first process sets for its
 * descendants (docs/operations.md), which mean nothing to a first process:
 * the shim's first process ignores these (lib/init.c, with the
 * FNGUARD_VAR_* pins, policy_var_pin_name()), and `fnguard run` drops them
 * and the log's and the learn table's too, which would make the command take
 * itself for a descendant (tools/launch.c). The layer's wrapper keeps its own
 * copy of the list (a shell script).
 */
#pragma once

#define FNGUARD_DESCENDANT_MARKS                                                           \
	"FNGUARD_SECCOMP", "FNGUARD_LANDLOCK", "FNGUARD_LAUNCHER", "FNGUARD_EXEC_PRELOAD", \
		"FNGUARD_PROFILE_FD", "FNGUARD_FUNCTION_NAME", "FNGUARD_FUNCTION_VERSION"

#define FNGUARD_DESCENDANT_LOG_VARS \
	"FNGUARD_LOG_FD", "FNGUARD_LOG_ID", "FNGUARD_LOG_SHARED", "FNGUARD_LEARN_FD"
