/* SPDX-License-Identifier: MIT */
/*
 * learn_generalize — from what one run did to what the function does:
 * rewrites learned rules so that the next run, which differs in the ways
 * runs always differ (random temporary names, ephemeral ports, a task root
 * mounted elsewhere, one more file in a directory already read wholesale),
 * is still allowed, while staying narrow enough to be worth enforcing.
 *
 * Every step only widens a rule (a rewritten rule matches everything the
 * original did), except the ${LAMBDA_TASK_ROOT}/${LAMBDA_RUNTIME_DIR}
 * substitution, which is exact as long as the variable has the same value
 * where the profile is enforced. The steps, in order:
 *
 *  1. temporary names: below a temporary directory (/tmp, /var/tmp,
 *     /dev/shm, $TMPDIR), a name part that looks generated (mkstemp and
 *     tempfile suffixes, UUIDs, long hex or base32 runs, numbers such as a
 *     pid) becomes '*' ("tmpa8Zk2q" -> "tmp*"); below a directory the run
 *     removed, and in the name of a file it removed, any run of six or
 *     more letters, digits and '_' does (such names were made for the run:
 *     mkstemp's six random letters can look like a word). The same applies
 *     to unix socket paths and to exec paths and arguments;
 *  2. siblings: a directory with `threshold` or more distinct entries below
 *     it collapses to dir/* (all direct children) or dir/** (nested), with
 *     the union of their rights; never /, /etc, /proc, /sys, /dev or a
 *     top-level directory other than a temporary one;
 *  3. variables: paths below $LAMBDA_TASK_ROOT / $LAMBDA_RUNTIME_DIR (their
 *     values, or /var/task and /var/runtime when unset) are written with
 *     the variable;
 *  4. ports: on loopback destinations and inbound rules, ports in the
 *     ephemeral range become that range (with port 0, for bind);
 *  5. AWS (opt-in): service.region.amazonaws.com -> service.*.amazonaws.com;
 *  6. exec: rules for the same program and argument count merge, arguments
 *     that differ becoming '*' — except code (the argument of sh -c, python
 *     -c, node -e and the like), which is never generalised;
 *
 * then identical rules merge ("seen" summed, the earliest "phase" kept).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;

struct learn_options {
	bool enabled;		 /* false: only merge identical rules */
	unsigned threshold;	 /* distinct entries that collapse a directory; 0: never */
	bool generalize_aws;	 /* step 5 */
	const char *task_root;	 /* value of $LAMBDA_TASK_ROOT, NULL if unset */
	const char *runtime_dir; /* value of $LAMBDA_RUNTIME_DIR, NULL if unset */
	const char *tmpdir;	 /* value of $TMPDIR, NULL if unset */
	uint16_t ephemeral_lo, ephemeral_hi; /* both 0: no port generalisation */
	/*
	 * Where the run's scratch names are read from: the whole run, before
	 * the rules a base profile covers were dropped (those under /tmp are
	 * the scratch files); NULL: the profile generalised.
	 */
	const struct profile *scratch_from;
};

#define LEARN_DEFAULT_THRESHOLD 8

/*
 * Defaults: enabled, threshold 8, no AWS, no variables set, ephemeral range
 * 32768-60999 (Linux's default). Callers fill in the environment.
 */
void learn_options_init(struct learn_options *opts);

/*
 * Reads Linux's ephemeral port range from path (normally
 * /proc/sys/net/ipv4/ip_local_port_range). Returns 0 or a negative errno
 * (-EINVAL for content that is not two ports lo <= hi).
 */
int learn_read_port_range(const char *path, uint16_t *ret_lo, uint16_t *ret_hi);

/*
 * Generalises p's allow rules in place (deny rules and the lists are left
 * alone). Returns 0 or -ENOMEM (p is then unchanged or partly rewritten,
 * still valid).
 */
int learn_generalize(struct profile *p, const struct learn_options *opts);

/*
 * The generated-name rewrite of step 1 for one string: writes the rewritten
 * form of s (a path or argument) into a new string when s is below a
 * temporary directory and has a generated part, else a copy. Caller frees;
 * NULL on ENOMEM.
 */
char *learn_generalize_temp_name(const char *s, const struct learn_options *opts);

struct net_port_range;

/* Sorts port ranges and merges overlapping and adjacent ones in place; returns the new count. */
size_t learn_ports_normalize(struct net_port_range *ports, size_t n);
