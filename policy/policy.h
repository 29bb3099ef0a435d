/* SPDX-License-Identifier: MIT */
/*
 * libfnguard-policy — the public face of the profile engine, used by the
 * shim (lib/) and the CLI (tools/). A struct policy is a loaded profile with
 * its "extends" resolved and its matchers built: immutable after loading,
 * safe to query from any thread, in signal handlers and after fork (the
 * check functions allocate nothing and take no locks).
 *
 * No cJSON and no libseccomp types cross this header.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "diag.h"
#include "net_rules.h"

enum policy_mode {
	POLICY_MODE_RECORD = 0,
	POLICY_MODE_ALERT = 1,
	POLICY_MODE_ENFORCE = 2,
};

enum policy_category {
	POLICY_CAT_FILE = 0,
	POLICY_CAT_NETWORK = 1,
	POLICY_CAT_EXEC = 2,
	POLICY_CAT_SYSCALL = 3,
	POLICY_CATEGORY_MAX,
};

enum policy_on_error {
	POLICY_ON_ERROR_CLOSED = 0,
	POLICY_ON_ERROR_OPEN = 1,
};

/* File rights (DESIGN.md "Rights"). */
#define POLICY_RIGHT_READ   0x1u /* r */
#define POLICY_RIGHT_WRITE  0x2u /* w */
#define POLICY_RIGHT_CREATE 0x4u /* c */
#define POLICY_RIGHT_DELETE 0x8u /* d */
#define POLICY_RIGHTS_ALL   0xfu

struct policy;

/* How an open should be judged (policy_open_rights). */
#define POLICY_OPEN_FOLLOW	 0x1 /* judge where a final symlink leads */
#define POLICY_OPEN_MAYBE_CREATE 0x2 /* 'c' is needed only if the file does not exist yet */

/*
 * The rights open(2) flags ask for (DESIGN.md "Rights"): O_RDONLY r,
 * O_WRONLY w, O_RDWR rw, O_PATH r, O_TRUNC +w, O_CREAT +c (only for a new
 * file unless O_EXCL), O_TMPFILE cw. *ret_how receives POLICY_OPEN_* bits.
 * The one definition the shim and the supervisor share.
 */
unsigned policy_open_rights(int flags, int *ret_how);

/*
 * ${VAR} in a process tree under fnguard: the first process exports the
 * value it expanded VAR with as FNGUARD_VAR_<VAR> ("" for unset), and the
 * shim puts FNGUARD_* variables back in every child's environment, so a
 * child given another LAMBDA_TASK_ROOT still reads the profile as its
 * first ancestor did (a profile only narrows down the tree).
 */
#define POLICY_VAR_PIN_PREFIX "FNGUARD_VAR_"

/* The i-th variable a profile may use (NULL past the last), and its pinned name. */
const char *policy_var_name(size_t i);
const char *policy_var_pin_name(size_t i);

struct policy_load_opts {
	/* Colon-separated directories searched for "extends" names; NULL = none. */
	const char *search_path;
	/*
	 * Or, when search_path is NULL, asked for it at the first "extends"
	 * name to find (a bundle never asks: the shim computes none). Gets
	 * userdata.
	 */
	const char *(*search_path_fn)(void *userdata);
	/*
	 * Looks up ${VAR} in paths (LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR):
	 * asked for POLICY_VAR_PIN_PREFIX + VAR first, then VAR. NULL, or a
	 * NULL or empty answer, means the documented default is used. An
	 * answer stays valid for the whole load (a profile image's reader
	 * keeps it for the next rule that names the same variable).
	 */
	const char *(*getvar)(const char *name, void *userdata);
	void *userdata;
	/* Do not resolve "extends" (merge/diff/format work on the document itself). */
	bool no_extends;
	/*
	 * policy_load_image(): the matcher's bytes outlive the policy (the
	 * shim keeps its bundle for the process's life): used where they
	 * lie, not copied.
	 */
	bool matcher_in_place;
	/*
	 * policy_load_image(): the network matchers are built when first
	 * asked, not at load (the bundle's rules were checked when it was
	 * compiled; most processes never judge an address). A build that
	 * fails then (no memory) makes every network check fail: denied.
	 */
	bool net_when_asked;
	/*
	 * bundle_load_policy_mem(): the bytes are a copy that cannot change
	 * (a sealed memfd) of a bundle whose checksum its writer checked: not
	 * summed again (a descendant's start, 26 KiB: ~5 us). Bounds are
	 * still checked.
	 */
	bool checksum_checked;
	/*
	 * policy_load_image(): these very bytes were loaded, rules checked,
	 * by the process that handed them down (the same sealed memfd): the
	 * network rules, left for the first check (net_when_asked), are not
	 * validated again (10 000 host rules: ~5.7 M instructions a process).
	 */
	bool rules_checked;
};

/*
 * The standard search path for "extends" names: env (the value of
 * FNGUARD_PROFILE_PATH, may be NULL), then the installed profiles directory,
 * then the source tree's profiles/ when the installed one does not exist
 * (uninstalled runs). Writes a colon-separated list into buf.
 */
void policy_default_search_path(const char *env, char *buf, size_t size);

/*
 * Loads the profile at path (JSON), resolves "extends" and builds matchers.
 * All or nothing: on any error *ret is untouched and every problem found is
 * appended to diags (may be NULL) as "file:line:col: json.path: message".
 * Returns 0, -EINVAL (invalid profile), -ENOENT/-EACCES/... (cannot read),
 * -EFBIG (over the size limit), -ELOOP (extends cycle or too deep), -ENOMEM.
 * Caller frees with policy_free().
 */
int policy_load_file(const char *path, const struct policy_load_opts *opts, struct policy **ret,
		     struct diag_list *diags);

/*
 * Reads a whole regular file of at most the profile size limit, NUL
 * terminated. Caller frees *ret. Returns 0, -EFBIG, -EISDIR, -EINVAL (not a
 * regular file) or -errno.
 */
int policy_read_file(const char *path, char **ret, size_t *ret_len);

/* Same, from memory; name is used in diagnostics and to resolve relative extends. */
int policy_load_buffer(const char *name, const char *text, size_t len,
		       const struct policy_load_opts *opts, struct policy **ret,
		       struct diag_list *diags);

/*
 * A profile without rules, in mode: what a descendant that lost its tree's
 * profile judges with (every file, network and exec call unmatched). No
 * document is parsed. Returns 0 or -ENOMEM.
 */
int policy_new_empty(const char *name, enum policy_mode mode, struct policy **ret);

/*
 * Same, from a profile image (profile_image.h, a bundle's compiled form):
 * no JSON, the rules already checked, the hash as computed at compile
 * time. ${VAR} in paths is expanded with opts. matcher (may be NULL): the
 * block policy_matcher_write() made, whose file trie is used instead of
 * building one when it was built from the globs this load expanded.
 * Returns 0, -ENOMEM or -EINVAL (damaged image or matcher, unusable
 * variable: in diags).
 */
int policy_load_image(const char *name, const void *image, size_t len, const void *matcher,
		      size_t matcher_len, const struct policy_load_opts *opts, struct policy **ret,
		      struct diag_list *diags);

struct strbuf;
/* Appends the resolved profile's image (with its hash) to out; check out->oom. */
void policy_image_write(const struct policy *policy, struct strbuf *out);

/* Appends the file rules' frozen matcher (file_matcher.h) to out; check out->oom. */
void policy_matcher_write(const struct policy *policy, struct strbuf *out);

/* True when the file matcher was taken from a bundle rather than built at load. */
bool policy_files_prebuilt(const struct policy *policy);

void policy_free(struct policy *policy);

/* The profile's "name" ("" if none). Borrowed until policy_free(). */
const char *policy_name(const struct policy *policy);

/* The mode ("mode", default enforce when a profile is given). */
enum policy_mode policy_mode(const struct policy *policy);

/* The effective mode of one category ("actions" override, else mode). */
enum policy_mode policy_action(const struct policy *policy, enum policy_category category);

/* Overrides the mode (FNGUARD_MODE); "actions" entries stay as they are. */
void policy_set_mode(struct policy *policy, enum policy_mode mode);

enum policy_on_error policy_on_error(const struct policy *policy);

/* True if "require" names the layer ("seccomp", "landlock"). */
bool policy_requires(const struct policy *policy, const char *layer);

/* 16 hex digits identifying the resolved profile's content; buf holds 17 bytes. */
void policy_hash(const struct policy *policy, char buf[17]);

/* Number of rules in a category after "extends" (syscalls: names and groups listed). */
size_t policy_rule_count(const struct policy *policy, enum policy_category category);

struct policy_verdict {
	bool allowed;
	bool by_deny;	 /* decided by an explicit deny rule */
	int32_t rule;	 /* deciding rule's index in its category, -1 if no rule matched */
	uint8_t missing; /* files: requested rights no rule grants (or a deny covers) */
};

/*
 * Judges access to a file. path must be absolute and normalised
 * (path_normalize); rights is a POLICY_RIGHT_* mask. Returns 0 and fills
 * *ret, or -EINVAL for a path that is not absolute/normalised.
 */
int policy_check_file(const struct policy *policy, const char *path, size_t len, unsigned rights,
		      struct policy_verdict *ret);

/* Judges a host name (resolution or connect by name). port may be NET_PORT_ANY. */
int policy_check_host(const struct policy *policy, const char *name, size_t len, int port,
		      enum net_proto proto, enum net_dir dir, struct policy_verdict *ret);

/* Judges a socket address (AF_INET, AF_INET6, AF_UNIX). -EAFNOSUPPORT for others. */
int policy_check_sockaddr(const struct policy *policy, const struct sockaddr *sa, socklen_t len,
			  enum net_proto proto, enum net_dir dir, struct policy_verdict *ret);

/* Judges an IP address (struct in_addr or in6_addr). */
int policy_check_ip(const struct policy *policy, int family, const void *addr, int port,
		    enum net_proto proto, enum net_dir dir, struct policy_verdict *ret);

/*
 * Judges running the executable at path (absolute, normalised, after PATH
 * search) with argv (NULL-terminated; may be NULL = no arguments known).
 */
int policy_check_exec(const struct policy *policy, const char *path, size_t len, char *const argv[],
		      struct policy_verdict *ret);

/*
 * True when path (absolute, normalised) is at or below a directory where
 * some rule grants 'c': the only places the function can plant a symlink,
 * so the only paths whose symlinks must be resolved before judging
 * (read-only places like the task root cannot hold new links).
 * Allocation-free.
 */
bool policy_path_may_hold_links(const struct policy *policy, const char *path, size_t len);

/*
 * The same question, answered with where: the length of the directory (or
 * file) at or below which path may hold links — the create root it is under,
 * "/" being 1 — or 0 when it cannot hold any. Roots never nest, so the
 * components from that one down are the only ones that can be links the
 * function planted. Allocation-free.
 */
size_t policy_path_link_root(const struct policy *policy, const char *path, size_t len);

/*
 * True if some deny rule may match a path below path (absolute, normal):
 * renaming path would move those paths out from under the rule. True as
 * well for a name too long to ask about.
 */
bool policy_path_denies_below(const struct policy *policy, const char *path, size_t len);

/*
 * True when path (absolute, normalised) is a directory above the literal
 * part of some allow rule: "/var" and "/var/task" for "/var/task/**" (and
 * "/var/task" for "/var/task/*.js", whose files are in it). A program
 * reaches an allowed file through these (realpath() lstat()s each one,
 * Node.js resolves every module that way), so looking at them (the stat
 * family, access) is allowed unless a deny rule names them; reading them
 * (open, opendir) is not. Allocation-free.
 */
bool policy_path_is_ancestor(const struct policy *policy, const char *path, size_t len);

/*
 * Below a wildcard rule's literal part: whether path, segment by segment,
 * matches the rule's segments with one left over ("/srv/app" for
 * "/srv/" "*" "/allowed/**"), so that a directory there is on the way to what
 * the rule names. Lexical: the caller allows a look only at a directory
 * (anything else the wildcard matches is not on any way). A "**" segment
 * stops the walk. Allocation-free.
 */
bool policy_path_is_dir_ancestor(const struct policy *policy, const char *path, size_t len);

/*
 * Judges a system call by name against "syscalls" (groups expanded) and the
 * dangerous set ("unsafe"). rule is the index in "syscalls" that allows it;
 * a dangerous call not listed under "unsafe" is denied with by_deny set.
 * Not for hot paths (it walks the lists): the seccomp filter is. Returns
 * 0, or -ENOENT for a name libseccomp does not know.
 */
int policy_check_syscall(const struct policy *policy, const char *name, struct policy_verdict *ret);

/*
 * The resolved profile's "syscalls" (unsafe=false) or "unsafe" (unsafe=true)
 * entries as written: system call names and "@group" names, in order, with
 * everything it extends. For the seccomp compiler, which expands them per
 * architecture. Returns the count; *ret is borrowed until policy_free().
 */
size_t policy_syscall_list(const struct policy *policy, bool unsafe, const char *const **ret);

/*
 * Writes a one-line description of a rule, e.g. "deny rwcd /etc/shadow" or
 * "allow r /var/task/**", "host dynamodb.*.amazonaws.com ports 443",
 * "exec /usr/bin/convert argv [convert, *, /tmp/*.png]". Returns the length
 * it needed (like snprintf) or -ENOENT for no such rule.
 */
int policy_describe_rule(const struct policy *policy, enum policy_category category, int32_t rule,
			 char *buf, size_t size);

/* Where a rule was written. Returns 0 or -ENOENT. Borrowed until policy_free(). */
int policy_rule_origin(const struct policy *policy, enum policy_category category, int32_t rule,
		       const char **ret_file, unsigned *ret_line, unsigned *ret_col);

/*
 * The resolved profile (extends merged, variables expanded) the matchers
 * were built from. Borrowed until policy_free().
 */
const struct profile *policy_resolved(const struct policy *policy);

/*
 * Serialises the profile as stable, sorted, pretty JSON ending in '\n'.
 * resolved=false writes the document as read (its own rules, its "extends");
 * resolved=true writes the union with everything it extends (no "extends").
 * Caller frees *ret_text.
 */
int policy_to_json(const struct policy *policy, bool resolved, char **ret_text);

/* Mode names: "record", "alert", "enforce". */
const char *policy_mode_to_string(enum policy_mode mode);
int policy_mode_from_string(const char *s, enum policy_mode *ret);
const char *policy_category_to_string(enum policy_category category);
