/* SPDX-License-Identifier: MIT */
/*
 * profile — the in-memory model of a version-1 profile (DESIGN.md), as read
 * from JSON, before matchers are built. Everything in it is owned by the
 * struct profile; profile_free() releases all of it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_rules.h"
#include "policy.h"

#define PROFILE_FORMAT_VERSION 1
/* Limits, documented in docs/profile-format.md. */
#define PROFILE_MAX_BYTES	  (16u << 20)
#define PROFILE_MAX_RULES	  100000u /* per category */
#define PROFILE_MAX_EXTENDS_DEPTH 8
#define PROFILE_MAX_ARGV	  256u

enum rule_phase {
	PHASE_NONE = 0,
	PHASE_INIT,
	PHASE_INVOKE,
};

/* Where a rule came from, for "explain" and diagnostics. */
struct rule_origin {
	const char *file; /* interned in the profile's string list */
	unsigned line, col;
};

/* Learning metadata a rule may carry (written by record/learn, kept on round trip). */
struct rule_meta {
	uint64_t seen; /* 0 = not given */
	enum rule_phase phase;
};

struct file_rule {
	char *path;    /* as written, e.g. "${LAMBDA_TASK_ROOT}/**" */
	char *glob;    /* variables expanded: what is matched */
	uint8_t allow; /* POLICY_RIGHT_* mask, 0 if this is a deny rule */
	uint8_t deny;
	struct rule_meta meta;
	struct rule_origin origin;
};

struct net_rule_def {
	struct net_rule rule;	      /* rule.pattern points at glob (HOST/UNIX) */
	char *text;		      /* host, cidr or unix text as written */
	bool written_as_host;	      /* an address written under "host": kept so on output */
	char *glob;		      /* expanded pattern for HOST/UNIX; NULL for CIDR */
	struct net_port_range *ports; /* owned; rule.ports points here */
	struct rule_meta meta;
	struct rule_origin origin;
};

struct exec_rule {
	char *path;  /* as written */
	char *glob;  /* expanded */
	char **argv; /* NULL if no argv constraint; else argc patterns */
	size_t argc;
	struct rule_meta meta;
	struct rule_origin origin;
};

struct string_list {
	char **items;
	size_t n, cap;
};

struct profile {
	unsigned format;
	char *name;
	int mode;			  /* enum policy_mode, or -1 if not set */
	int actions[POLICY_CATEGORY_MAX]; /* enum policy_mode, or -1 */
	int on_error;			  /* enum policy_on_error, or -1 */

	struct file_rule *files;
	size_t n_files, cap_files;
	struct net_rule_def *net;
	size_t n_net, cap_net;
	struct exec_rule *exec;
	size_t n_exec, cap_exec;

	struct string_list syscalls;
	struct string_list unsafe;
	struct string_list require;
	struct string_list extends;
	struct rule_origin *extends_at; /* where each extends[i] was written */

	struct string_list sources; /* interned file names for rule_origin.file */
	/*
	 * A profile read from an image (profile_image.h): its rules' strings,
	 * ports and argv arrays are in these blocks, freed with them and never
	 * one by one (a rule's glob may be its path). NULL otherwise.
	 */
	struct profile_arena *arena;
};

/* Blocks of a profile's rule data (profile_image.c allocates them). */
struct profile_arena {
	struct profile_arena *next;
	size_t used, cap;
	_Alignas(16) char data[];
};

/* Allocates an empty profile (nothing set). Caller frees. */
struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Appends a copy of s unless already present. 0 or -ENOMEM. */
int string_list_add(struct string_list *l, const char *s);
bool string_list_contains(const struct string_list *l, const char *s);
void string_list_clear(struct string_list *l);

/* Interns a file name; returns a pointer owned by p, or NULL on ENOMEM. */
const char *profile_intern_source(struct profile *p, const char *file);

/*
 * Appends copies of src's rules and lists to dst (the union used by
 * "extends" and by merge). Scalars (name, mode, actions, on_error) are not
 * touched. Returns 0 or -ENOMEM (dst is then partially extended: discard it).
 */
int profile_union(struct profile *dst, const struct profile *src);

/*
 * Reads one profile document (no "extends" resolution). file names the
 * document in diagnostics. All or nothing: on error *ret is untouched and
 * every problem found is in diags. Returns 0, -EINVAL or -ENOMEM.
 */
/* A profile's "name": what the reader takes (and `fnguard learn --name` must give). */
#define PROFILE_NAME_RULE "a name is 1 to 128 characters (valid UTF-8) without control characters"
bool profile_name_ok(const char *name);

int profile_read_json(const char *file, const char *text, size_t len,
		      const struct policy_load_opts *opts, struct profile **ret,
		      struct diag_list *diags);

/*
 * Expands a leading ${LAMBDA_TASK_ROOT} or ${LAMBDA_RUNTIME_DIR} of a path
 * pattern with opts->getvar (documented defaults otherwise). *ret is a
 * malloc'd copy (text itself when there is no variable). Returns 0,
 * -ENOMEM, or -EINVAL with msg (msg_size bytes) saying why and *ret_at
 * the offset in text it is about (-1: the whole value).
 */
int profile_expand_vars(const char *text, const struct policy_load_opts *opts, char **ret,
			char *msg, size_t msg_size, long *ret_at);
/*
 * Writes p as stable, sorted, pretty JSON ending in '\n' (rules sorted, keys
 * in a fixed order). with_extends=false leaves "extends" out. Caller frees.
 */
int profile_write_json(const struct profile *p, bool with_extends, char **ret_text);

/* Rights mask <-> text ("rwcd" order). buf must hold 5 bytes. */
void rights_to_string(uint8_t rights, char buf[5]);

/*
 * Parses a rights string. Returns 0, or -EINVAL with *ret_bad_offset at the
 * offending character and *ret_msg a static message.
 */
int rights_parse(const char *text, uint8_t *ret, size_t *ret_bad_offset, const char **ret_msg);
