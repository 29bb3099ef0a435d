/* SPDX-License-Identifier: MIT */
/*
 * exec_rules — which programs may be run, with which arguments.
 *
 * The executable's path is matched with path globs (glob_trie); a rule with
 * argv patterns also requires the argument vector to match element by
 * element. In argv patterns an element "*" matches any one argument, "**" as
 * the last element matches all remaining arguments (including none), and
 * inside an element '*' matches any run of characters except '/' and '?'
 * one character, so "/tmp/*.png" does not match "/tmp/../etc/x.png".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

struct exec_rules;

/* Compiles rules[0..n) (borrowed: must outlive the result). Caller frees. */
int exec_rules_build(const struct exec_rule *rules, size_t n, struct exec_rules **ret);

void exec_rules_free(struct exec_rules *rules);

/*
 * Returns the lowest index of a rule allowing path (absolute, normalised)
 * with argv (NULL-terminated; NULL is treated as an empty vector), or
 * -ENOENT. No allocation, async-signal-safe.
 */
int exec_rules_match(const struct exec_rules *rules, const char *path, size_t len,
		     char *const argv[]);

/* One argv element against one pattern (exposed for tests). */
bool exec_argv_element_match(const char *pattern, const char *arg);
