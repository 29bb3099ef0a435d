/* SPDX-License-Identifier: MIT */
/*
 * learn — turns observed behaviour into a profile: the builder behind the
 * shim's record mode, `fnguard record`, `learn`, `merge` and `trace`.
 *
 * Observations are deduplicated as they arrive: file rights are unioned per
 * path, network observations are keyed by (host/cidr/unix, protocol,
 * direction) with their ports unioned, exec rules by path and argv. Every
 * rule counts how often it was observed ("seen") and when it was first seen
 * ("phase": init before the first invocation, invoke after). Generalisation
 * (learn_generalize.h) and subtracting what a base profile already allows
 * are separate steps. Not thread-safe: callers serialise.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "learn_generalize.h"
#include "net_rules.h"
#include "policy.h"

struct learner;

/* When an observation was made (the order matters: earliest wins). */
enum learner_phase {
	LEARNER_PHASE_UNKNOWN = 0,
	LEARNER_PHASE_INIT,   /* before the first invocation (no request id) */
	LEARNER_PHASE_INVOKE, /* while serving an invocation */
};

/* What one observation is about. */
enum learn_obs_kind {
	LEARN_OBS_FILE,
	LEARN_OBS_HOST,
	LEARN_OBS_IP,
	LEARN_OBS_UNIX,
	LEARN_OBS_EXEC,
	LEARN_OBS_SYSCALL,
};

/* One observed behaviour. Everything is borrowed for the duration of the call. */
struct learn_obs {
	enum learn_obs_kind kind;
	const char *name;     /* FILE/EXEC path, HOST name, UNIX path or @name, SYSCALL name */
	unsigned rights;      /* FILE: POLICY_RIGHT_* */
	int family;	      /* IP: AF_INET or AF_INET6 */
	uint8_t addr[16];     /* IP: network byte order */
	int port;	      /* HOST, IP: 0..65535 or NET_PORT_ANY */
	enum net_proto proto; /* HOST, IP */
	bool inbound;	      /* HOST, IP, UNIX */
	char *const *argv;    /* EXEC: NULL-terminated, or NULL when not known */
	enum learner_phase phase;
	uint64_t count; /* observations this stands for; 0 means 1 */
	/*
	 * FILE: name is a pattern made by the caller (what is left of a cut
	 * name, then a "*" segment and "**"), not an observed name: its
	 * wildcards are kept.
	 */
	bool pattern;
	/*
	 * EXEC: the caller's argv[0] is not known (a script: the kernel replaced
	 * it with the file's name), so the rule takes any.
	 */
	bool any_argv0;
};

/* Caller frees with learner_free(). */
int learner_new(struct learner **ret);
void learner_free(struct learner *learner);

/*
 * Adds one observation. Names are made into valid patterns (bytes globs
 * cannot say become '?', which matches them; so does '*': an observed name
 * never becomes a wildcard, whoever chose it). Returns 0, -EINVAL for an
 * observation no rule can express (relative path, bad host name, unknown
 * system call) or -ENOMEM.
 */
int learner_add(struct learner *learner, const struct learn_obs *obs);

/* Shorthands for learner_add() with an unknown phase (the shim's recorder). */

/* path: absolute, normalised. rights: POLICY_RIGHT_* mask. */
int learner_add_file(struct learner *learner, const char *path, unsigned rights);

/* A host name (as resolved or connected to); port may be NET_PORT_ANY. */
int learner_add_host(struct learner *learner, const char *name, int port, enum net_proto proto,
		     bool inbound);

/* An address (struct in_addr / in6_addr) with no name known. */
int learner_add_ip(struct learner *learner, int family, const void *addr, int port,
		   enum net_proto proto, bool inbound);

/* A unix socket path or "@abstract" name. */
int learner_add_unix(struct learner *learner, const char *path, bool inbound);

/* A program run (absolute path) with its arguments (NULL-terminated, may be NULL). */
int learner_add_exec(struct learner *learner, const char *path, char *const argv[]);

/*
 * Unions an existing profile document (its own rules, "extends" not
 * resolved) into the learner: allow and deny rules with their "seen" and
 * "phase", and its syscalls, unsafe, require and extends lists. The first
 * document merged also gives the learner its name, mode, actions and
 * on_error. -ENOENT if it does not exist; -EINVAL with diagnostics if it is
 * not a valid profile.
 */
int learner_merge_file(struct learner *learner, const char *path, struct diag_list *diags);

/*
 * Adds what the document has and the learner lacks (rules, rights, ports),
 * without counting what it already has as observed again: for filling the
 * gaps of a log (events lost to rate limiting) from the shim's own record.
 * Same returns as learner_merge_file(); settings and lists are not taken.
 */
int learner_fill_from_file(struct learner *learner, const char *path, struct diag_list *diags);

/*
 * Appends the learner's profile (learner_to_json() with name) to path,
 * then a NUL byte: a record file the processes of a tree add to without
 * reading it, which learner_fill_from_file() reads document by document.
 * The caller keeps two writers apart (a lock file); a link at path is
 * refused. Returns 0 or -errno (a failed write may leave part of the
 * document: the file is then refused as a whole when read).
 */
int learner_append_file(const struct learner *learner, const char *name, const char *path);

/* Same as learner_merge_file(), from memory; name is used in diagnostics. */
int learner_merge_text(struct learner *learner, const char *name, const char *text, size_t len,
		       struct diag_list *diags);

/* Gives rules whose phase is unknown (observed without a phase) this one. */
void learner_set_unknown_phase(struct learner *learner, enum learner_phase phase);

/* Number of distinct rules learned so far. */
size_t learner_size(const struct learner *learner);

/*
 * Drops every learned allow rule that base already allows (the profile the
 * result will extend), so the output only says what is new. Literal rules
 * are judged as queries; patterns are dropped when a rule of base contains
 * them. Returns the number of rules dropped.
 */
size_t learner_drop_covered(struct learner *learner, const struct policy *base);

/*
 * Drops allow rules that another allow rule of the learner contains (same
 * or more rights, ports, protocols): /tmp/x next to /tmp/**. Explicit
 * denies are never dropped. Returns the number of rules dropped.
 */
size_t learner_drop_redundant(struct learner *learner);

/* Generalises the learned rules (learn_generalize.h). 0 or -ENOMEM. */
int learner_generalize(struct learner *learner, const struct learn_options *opts);

/*
 * Builds a policy from the learner's rules (its "extends" not resolved:
 * judge with the base separately). getvar expands ${LAMBDA_TASK_ROOT} and
 * ${LAMBDA_RUNTIME_DIR} (NULL: the defaults). Caller frees with policy_free().
 */
int learner_to_policy(const struct learner *learner,
		      const char *(*getvar)(const char *name, void *userdata), void *userdata,
		      struct policy **ret);

/*
 * Judges an observation against a policy, as the shim would have judged
 * the call: FILE with its rights, HOST/IP/UNIX with port, protocol and
 * direction, EXEC with its argv, SYSCALL by name. Returns 0 and fills *ret,
 * or -EINVAL for an observation that cannot be judged.
 */
int learn_obs_check(const struct policy *policy, const struct learn_obs *obs,
		    struct policy_verdict *ret);

/*
 * Writes the profile as JSON. name NULL keeps the learner's own (from the
 * first merged document; none otherwise); extends NULL keeps its own list,
 * else (NULL-terminated) replaces it. Caller frees *ret_text.
 */
int learner_to_json(const struct learner *learner, const char *name, const char *const *extends,
		    char **ret_text);
