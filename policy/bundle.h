/* SPDX-License-Identifier: MIT */
/*
 * bundle — a compiled profile in one file, for start-up without libseccomp.
 *
 * `fnguard compile --format bundle` writes the resolved profile twice —
 * as canonical JSON (extends already merged; for people and `fnguard
 * show`) and as a profile image (profile_image.h: checked rules in binary
 * tables, with the profile hash) — and the seccomp programs the shim may
 * need (enforce, enforce with errno-only denials, alert) for one
 * architecture, and the file rules' matcher already built (file_matcher.h:
 * used when the run expands the rules' variables as the compile did;
 * readers that predate it skip the section). The shim recognises a bundle
 * by its magic, checks version and checksum, loads the image (no JSON
 * parse, no canonical re-write for the hash; the file matcher checked and
 * used in place, only the network and exec matchers built: numbers in
 * docs/operations.md) and installs the precompiled program instead of
 * compiling one (2+ ms of libseccomp per cold start).
 *
 * Layout (little-endian): header { magic "FNGBNDL\0", u32 version (2; 1
 * had no image and is still read through its JSON), u32 section count,
 * u64 total size, u64 checksum }, then sections { u32 kind, u32 flags, u64
 * offset, u64 size }, then their data, each 8-byte aligned. The
 * checksum is FNV-1a 64 (version 2: its step over 8-byte words) over every
 * byte after the header's checksum field:
 * it catches damage and truncation, not tampering (whoever can replace the
 * file can replace the profile).
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define BUNDLE_MAGIC   "FNGBNDL"
#define BUNDLE_VERSION 2u
/* Version 1 had no profile image: still read, through its JSON. */
#define BUNDLE_VERSION_OLDEST 1u
/* Syscall numbers whose names a bundle carries. */
#define BUNDLE_MAX_NR 512

enum bundle_section_kind {
	BUNDLE_PROFILE_JSON = 1,
	BUNDLE_BPF = 2,
	BUNDLE_SYSCALL_NAMES = 3, /* the arch's names by number, '\n'-separated */
	BUNDLE_PROFILE_IMAGE = 4, /* profile_image.h: what the shim loads (version 2 on) */
	BUNDLE_FILE_MATCHER = 5,  /* file_matcher.h: the file rules' trie, built (optional) */
};

/* flags of a BUNDLE_BPF section: which program it is. */
enum {
	BUNDLE_BPF_MODE_MASK = 0x3, /* enum policy_mode */
	BUNDLE_BPF_ERRNO_ONLY = 0x4,
	BUNDLE_BPF_USES_TRAP = 0x8,
	BUNDLE_BPF_ARCH_AARCH64 = 0x10, /* else x86_64 */
	/* The profile lists no write: a log descriptor needs a rule of its own. */
	BUNDLE_BPF_NO_WRITE = 0x20,
	/* SECCOMP_FILTER_RULES when it was compiled (0 in bundles from before it). */
	BUNDLE_BPF_RULES_SHIFT = 8,
	BUNDLE_BPF_RULES_MASK = 0xff00,
};

/* True if the first bytes of data look like a bundle (cheap sniff). */
bool bundle_sniff(const void *data, size_t len);

/*
 * Builds a bundle for policy: its resolved JSON and the programs for arch
 * (AUDIT_ARCH_*, 0 = native). Caller frees *ret. Returns 0 or -errno;
 * problems go to diags.
 */
int bundle_build(const struct policy *policy, uint32_t arch, void **ret, size_t *ret_len,
		 struct diag_list *diags);

/*
 * A lean bundle: the image, the file matcher and (names) the native
 * syscall names, no JSON and no programs. What a first process that read
 * a JSON profile hands its descendants (lib/profile_share.c), so that they
 * neither parse JSON nor load libseccomp for the names. Caller frees *ret.
 */
int bundle_build_lean(const struct policy *policy, bool names, void **ret, size_t *ret_len);

/* A parsed bundle: pointers into the caller's buffer (borrowed). */
struct bundle_view {
	const char *json;
	size_t json_len;
	const void *image; /* NULL in a version 1 bundle */
	size_t image_len;
	const void *matcher; /* NULL in bundles made before it */
	size_t matcher_len;
	struct {
		uint32_t flags;
		const struct sock_filter *prog;
		size_t len; /* instructions */
	} bpf[8];
	size_t n_bpf;
	const char *names; /* BUNDLE_SYSCALL_NAMES, or NULL */
	size_t names_len;
	size_t size; /* the whole bundle's */
};

/*
 * Checks magic, version, sizes, section bounds and checksum. Returns 0,
 * -EINVAL (not a bundle, or damaged: *ret_msg says how), -EPROTONOSUPPORT
 * (a newer version than this fnguard reads).
 */
int bundle_parse(const void *data, size_t len, struct bundle_view *ret, const char **ret_msg);

/*
 * Loads a profile that may be JSON or a bundle. For a bundle, *ret_bundle
 * receives the file's bytes (caller frees; the programs point into them)
 * and *ret_view their parsed form; for JSON *ret_bundle is NULL. Errors go
 * to diags like policy_load_file's.
 */
int bundle_load_policy(const char *path, const struct policy_load_opts *opts, struct policy **ret,
		       void **ret_bundle, struct bundle_view *ret_view, struct diag_list *diags);

/*
 * bundle_load_policy for a bundle already in memory (name says where it
 * came from, for diags). data must stay valid, unchanged, for the policy's
 * life: the programs and the file matcher point into it.
 */
int bundle_load_policy_mem(const char *name, const void *data, size_t len,
			   const struct policy_load_opts *opts, struct policy **ret,
			   struct bundle_view *ret_view, struct diag_list *diags);

/*
 * The bundle's syscall names into names[nr] (numbers it has no name for are
 * left as they are), at most max. *ret_copy receives the one allocation
 * the names point into: keep it as long as they are used. Returns 0,
 * -ENOENT (the bundle carries none) or -ENOMEM.
 */
int bundle_syscall_names(const struct bundle_view *b, const char **names, size_t max,
			 char **ret_copy);

/*
 * False when the programs were compiled from a profile that does not list
 * write: they let no event out (the shim then compiles its filter at start,
 * with a rule for its log descriptor).
 */
bool bundle_lists_write(const struct bundle_view *b);

/*
 * True when the bundle's programs were compiled with older fixed rules
 * than this fnguard's (SECCOMP_FILTER_RULES): bundle_program() does not
 * return them, and the caller compiles the profile itself.
 */
bool bundle_programs_stale(const struct bundle_view *b);

/* The program for (mode, errno_only, arch) in a parsed bundle, or NULL (none, or stale). */
const struct sock_filter *bundle_program(const struct bundle_view *b, enum policy_mode mode,
					 bool errno_only, uint32_t arch, size_t *ret_len,
					 bool *ret_uses_trap);
