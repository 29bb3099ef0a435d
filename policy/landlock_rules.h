/* SPDX-License-Identifier: MIT */
/*
 * landlock_rules — a profile's file, exec and network rules as a Landlock
 * plan: a list of (path, access) "beneath" rules and TCP port ranges whose
 * union is a SUPERSET of what the libc layer allows (docs/landlock.md).
 *
 * Landlock is the kernel's backstop for raw system calls, and its denials
 * are silent (no event), so it must never refuse what the profile allows:
 * every glob becomes its longest literal directory prefix, "deny" rules are
 * left to the libc layer, and a right the plan cannot express as a superset
 * is not handled at all (with a note saying why).
 *
 * Pure: no system calls. Which paths exist, where symlinks lead and what
 * interpreters programs name is the layer's business at install time
 * (lib/landlock_layer.c), guided by the flags on each path rule.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_rules.h"
#include "policy.h"

struct profile;

/* Landlock's access bits (uapi values, so that old kernel headers do not matter). */
#define LL_FS_EXECUTE	  (1ull << 0)
#define LL_FS_WRITE_FILE  (1ull << 1)
#define LL_FS_READ_FILE	  (1ull << 2)
#define LL_FS_READ_DIR	  (1ull << 3)
#define LL_FS_REMOVE_DIR  (1ull << 4)
#define LL_FS_REMOVE_FILE (1ull << 5)
#define LL_FS_MAKE_CHAR	  (1ull << 6)
#define LL_FS_MAKE_DIR	  (1ull << 7)
#define LL_FS_MAKE_REG	  (1ull << 8)
#define LL_FS_MAKE_SOCK	  (1ull << 9)
#define LL_FS_MAKE_FIFO	  (1ull << 10)
#define LL_FS_MAKE_BLOCK  (1ull << 11)
#define LL_FS_MAKE_SYM	  (1ull << 12)
#define LL_FS_REFER	  (1ull << 13) /* ABI 2 */
#define LL_FS_TRUNCATE	  (1ull << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV	  (1ull << 15) /* ABI 5 */

#define LL_NET_BIND_TCP	   (1ull << 0) /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1) /* ABI 4 */

/* What each profile right becomes. */
#define LL_FS_RIGHT_R (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_FS_RIGHT_W (LL_FS_WRITE_FILE | LL_FS_TRUNCATE)
#define LL_FS_RIGHT_C                                                                           \
	(LL_FS_MAKE_REG | LL_FS_MAKE_DIR | LL_FS_MAKE_SYM | LL_FS_MAKE_FIFO | LL_FS_MAKE_SOCK | \
	 LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK)
#define LL_FS_RIGHT_D (LL_FS_REMOVE_FILE | LL_FS_REMOVE_DIR)
#define LL_FS_RIGHT_X (LL_FS_EXECUTE | LL_FS_READ_FILE)

/* The rights a rule on a non-directory may carry (the kernel refuses others there). */
#define LL_FS_FILE_ONLY \
	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/* The filesystem rights a kernel of Landlock ABI abi knows (0 for abi < 1). */
uint64_t landlock_abi_fs_access(int abi);

/* The network rights a kernel of Landlock ABI abi knows (0 below ABI 4). */
uint64_t landlock_abi_net_access(int abi);

/* Flags of a path rule: what the layer must do with it at install time. */
enum {
	/* The rule names this one path: open it following symlinks (no scan). */
	LANDLOCK_PATH_EXACT = 1u << 0,
	/*
	 * The libc layer judges names below this directory lexically (no 'c'
	 * right reaches it, so no link can be planted): symlinks found there
	 * that lead elsewhere must get the same rights where they lead.
	 */
	LANDLOCK_PATH_SCAN = 1u << 1,
	/* Programs may be run from here: the interpreters they name need x too. */
	LANDLOCK_PATH_EXEC = 1u << 2,
	/* A /proc/<pid> path mapped to /proc (children have other pids). */
	LANDLOCK_PATH_PROC = 1u << 3,
	/* Not a profile rule: what fnguard or the libc layer itself needs. */
	LANDLOCK_PATH_IMPLICIT = 1u << 4,
	/* Where the layer found a path to lead (already real; never walked up). */
	LANDLOCK_PATH_RESOLVED = 1u << 5,
};

struct landlock_path_rule {
	char *path;	 /* absolute, normalised, no wildcard */
	uint64_t access; /* LL_FS_* */
	unsigned flags;	 /* LANDLOCK_PATH_* */
};

#define LANDLOCK_MAX_NOTES 8

struct landlock_plan {
	/* The rights the plan restricts (before the ABI mask). */
	uint64_t handled_fs;
	uint64_t handled_net;
	struct landlock_path_rule *paths;
	size_t n_paths, cap_paths;
	/* TCP ports (inclusive ranges) allowed to connect to and to bind. */
	struct net_port_range *connect, *bind;
	size_t n_connect, n_bind;
	/* Static English: why some rights are not handled (file rights first). */
	const char *notes[LANDLOCK_MAX_NOTES];
	size_t n_notes;
	/* Profile files a child's shim reads again at start (rule origins). */
	char **sources;
	size_t n_sources;
};

struct landlock_plan_opts {
	/* The effective mode of each category (policy_action). */
	enum policy_mode file, network, exec;
	/* Most TCP ports expressed one rule each; 0 = LANDLOCK_MAX_PORTS. */
	size_t max_ports;
};

#define LANDLOCK_MAX_PORTS 1024

/*
 * The Landlock anchor of a path glob: its longest literal prefix of whole
 * segments ("/usr/bin/python3?" -> "/usr/bin", "/var/task" -> itself), with
 * /proc/self, /proc/thread-self, /proc/<pid> and /dev/fd mapped to /proc.
 * *ret_flags gets LANDLOCK_PATH_EXACT when the glob has no wildcard (the
 * anchor is the glob itself) and LANDLOCK_PATH_PROC when mapped. Returns the
 * anchor's length, or -ENAMETOOLONG when it does not fit in size.
 */
int landlock_glob_anchor(const char *glob, char *buf, size_t size, unsigned *ret_flags);

/*
 * Builds the plan for a resolved profile (extends merged, variables
 * expanded). All or nothing: -ENOMEM leaves *ret untouched. Caller frees
 * with landlock_plan_free().
 */
int landlock_plan_build(const struct profile *resolved, const struct landlock_plan_opts *opts,
			struct landlock_plan **ret);

/*
 * The same for a loaded policy (its resolved profile, used as it is: no
 * second variable expansion), with the profile files its rules came from in
 * plan->sources. Returns 0 or -ENOMEM.
 */
int landlock_plan_from_policy(const struct policy *policy, const struct landlock_plan_opts *opts,
			      struct landlock_plan **ret);

void landlock_plan_free(struct landlock_plan *plan);

/*
 * Adds a path rule, or ORs access and flags into the rule already there for
 * the same path with the same EXACT/RESOLVED flags. path must be absolute.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int landlock_plan_add_path(struct landlock_plan *plan, const char *path, uint64_t access,
			   unsigned flags);

/*
 * The rights the plan grants to path through rules on path itself or on a
 * directory above it (lexically; EXACT rules count for their own path and,
 * being directories or not, for what is below). For the layer's scans, to
 * skip what is covered already.
 */
uint64_t landlock_plan_covered(const struct landlock_plan *plan, const char *path, size_t len);

/*
 * Removes rights from handled_fs and from every path rule (a scan that gave
 * up), with a note (static English, may be NULL) saying why.
 */
void landlock_plan_unhandle_fs(struct landlock_plan *plan, uint64_t access, const char *note);

/* Appends a note (static English) unless it is there or the list is full. */
void landlock_plan_note(struct landlock_plan *plan, const char *note);

/* Number of TCP port rules the plan needs (each port of each range, per right). */
size_t landlock_plan_port_count(const struct landlock_plan *plan);
