/* SPDX-License-Identifier: MIT */
/*
 * learn_diff — comparing what profiles allow: one rule against another
 * (pattern containment), a learned rule against a base profile, two whole
 * profiles (`fnguard diff OLD NEW`), and a recording against a profile
 * (drift: what the log shows the function doing that the profile denies).
 *
 * Literal rules are judged exactly, with the policy's own matchers.
 * Patterns are compared by containment: "/tmp/**" contains "/tmp/tmp*" and
 * "dynamodb.*.amazonaws.com" contains "dynamodb.eu-west-1.amazonaws.com".
 * The comparison is sound, not complete: it may report a pattern as not
 * contained when only several rules together cover it (which is rare in
 * practice), never the other way round.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "learn.h"
#include "learn_log.h"
#include "policy.h"

struct profile;
struct net_rule_def;
struct exec_rule;

/* True if every path the pattern p matches is matched by q (PATH globs, expanded). */
bool learn_glob_covers(const char *q, const char *p);

/* True if some path matches both patterns (may answer true when unsure). */
bool learn_glob_intersects(const char *a, const char *b);

/* True if every name the host pattern p matches is matched by q. */
bool learn_host_covers(const char *q, const char *p);

/* True if network rule q allows everything rule p allows (kind, pattern, ports, proto, direction). */
bool learn_net_rule_covers(const struct net_rule_def *q, const struct net_rule_def *p);

/* True if exec rule q allows every run rule p allows (path and argv). */
bool learn_exec_rule_covers(const struct exec_rule *q, const struct exec_rule *p);

/* A profile to judge against: its matchers and its rules (everything it extends included). */
struct learn_ref {
	const struct policy *policy; /* borrowed */
	struct profile *model;	     /* owned: the resolved rules */
};

/* Returns 0 or a negative errno. Free with learn_ref_done(). */
int learn_ref_init(struct learn_ref *ref, const struct policy *policy);
void learn_ref_done(struct learn_ref *ref);

/*
 * The subset of rights that ref allows on every path glob matches. own (may
 * be NULL) is the profile glob's rule comes from: what it denies itself
 * does not count against ref.
 */
unsigned learn_file_rights_covered(const struct learn_ref *ref, const char *glob, unsigned rights,
				   const struct profile *own);

/* True if ref allows everything network rule d allows. */
bool learn_net_covered(const struct learn_ref *ref, const struct net_rule_def *d);

/*
 * Removes from d's ports (d must list some) the ranges ref already allows
 * for its target; returns how many are left (0: ref allows all of d).
 */
size_t learn_net_trim_ports(const struct learn_ref *ref, struct net_rule_def *d);

/* True if ref allows every run exec rule e allows. */
bool learn_exec_covered(const struct learn_ref *ref, const struct exec_rule *e);

/* One difference in the settings (mode, per-category action, on_error, require). */
struct learn_setting_diff {
	char what[32];	   /* "actions.file", "on_error", "require.seccomp" */
	char a[16], b[16]; /* the two values */
};

struct learn_diff {
	/* What a allows that b does not (file rights trimmed to the difference), and back. */
	struct profile *only_a, *only_b;
	struct learn_setting_diff *settings;
	size_t n_settings;
};

/*
 * Compares two loaded profiles (extends resolved). Returns 0 or a negative
 * errno. Free with learn_diff_free().
 */
int learn_diff_profiles(const struct policy *a, const struct policy *b, struct learn_diff **ret);
void learn_diff_free(struct learn_diff *diff);

/* True if the two profiles allow the same things and have the same settings. */
bool learn_diff_same(const struct learn_diff *diff);

/* Number of rules (and syscall names) in a profile fragment. */
size_t learn_profile_rule_count(const struct profile *p);

/*
 * The diff as one JSON object: {"same", "old", "new", "onlyOld", "onlyNew",
 * "settings"}, the "only" members being profile documents (what the other
 * one would need to allow). Caller frees.
 */
int learn_diff_to_json(const struct learn_diff *diff, const char *name_a, const char *name_b,
		       char **ret_text);

/*
 * Describes each rule of a fragment, one line per rule, in profile order
 * (files, network, exec, syscalls): calls fn(category, line, userdata).
 */
void learn_profile_describe(const struct profile *p,
			    void (*fn)(enum policy_category category, const char *line,
				       void *userdata),
			    void *userdata);

/*
 * Drift: replays a recording (fnguard events, any format learn_log reads)
 * against a profile and collects what it denies into *ret_drift (a learner:
 * one rule per distinct denied behaviour, file rights trimmed to the denied
 * ones). stats may be NULL. Returns 0 or a negative errno.
 */
int learn_drift(const struct policy *policy, const char *text, size_t len,
		struct learner **ret_drift, struct learn_log_stats *stats);

/* The learner's rules, for describing them. Borrowed until the learner changes. */
const struct profile *learner_profile(const struct learner *learner);

/*
 * The completeness check of a learned profile: counts the rules of raw (the
 * observations, before generalising) that neither learned nor base (may be
 * NULL) allows, calling fn (may be NULL) with a description of each.
 */
size_t learn_count_uncovered(const struct learner *raw, const struct policy *learned,
			     const struct policy *base,
			     void (*fn)(enum policy_category category, const char *line,
					void *userdata),
			     void *userdata);
