/* SPDX-License-Identifier: MIT */
/*
 * learn — turns observed behaviour into a profile: the record mode's
 * builder. Observations are deduplicated (file rights are unioned per path,
 * identical network and exec rules kept once) and written as a version-1
 * profile. Not thread-safe: callers serialise.
 */
#pragma once

#include <stdbool.h>

#include "net_rules.h"
#include "policy.h"

struct learner;

/* Caller frees with learner_free(). */
int learner_new(struct learner **ret);
void learner_free(struct learner *learner);

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
 * Unions the rules of an existing profile file into the learner (the record
 * output of another process of the same run). -ENOENT if it does not exist;
 * -EINVAL with diagnostics if it is not a valid profile.
 */
int learner_merge_file(struct learner *learner, const char *path, struct diag_list *diags);

/* Number of distinct rules learned so far. */
size_t learner_size(const struct learner *learner);

/*
 * Drops every learned rule that base already allows (the profile the
 * result will extend), so the output only says what is new. Returns the
 * number of rules dropped.
 */
size_t learner_drop_covered(struct learner *learner, const struct policy *base);

/*
 * Writes the profile as JSON. name may be NULL; extends (NULL-terminated,
 * may be NULL) becomes the profile's "extends". Caller frees *ret_text.
 */
int learner_to_json(const struct learner *learner, const char *name, const char *const *extends,
		    char **ret_text);
