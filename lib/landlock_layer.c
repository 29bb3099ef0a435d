// SPDX-License-Identifier: MIT
/*
 * The Landlock layer in the shim (docs/landlock.md). The plan comes from
 * policy/landlock_rules.c, pure; this file meets the filesystem:
 *
 *  - Each planned path is opened (symlinks followed: Landlock judges where
 *    a path leads, by inode). A path that does not exist is skipped unless
 *    the plan lets it be created, in which case its nearest existing
 *    ancestor gets the rights (a rule cannot name a future inode).
 *  - Trees the libc layer judges by name only (no 'c' right reaches them,
 *    so no link can be planted) are walked for symlinks that lead out of
 *    them: where they lead gets the same rights, or the libc layer would
 *    allow what the kernel refuses. Exec trees are walked for the #! and
 *    ELF interpreters of their programs, which exec also opens. The walk
 *    has a budget (FNGUARD_LANDLOCK_SCAN entries); a tree over it gets its
 *    rights unrestricted instead, and a note says so.
 *  - fnguard's own needs are added: children load the shim and read the
 *    profile again, static programs are handed to the fnguard CLI, and
 *    every dynamic program needs its loader.
 *
 * Only the first fnguard process of a tree installs; FNGUARD_LANDLOCK
 * carries the profile hash to descendants, which inherit the domain across
 * fork and exec. A descendant with another profile stacks its own ruleset
 * (domains only narrow) unless an ancestor's seccomp filter is in place,
 * which does not let the landlock calls through.
 *
 * Threads: landlock_restrict_self covers the calling thread only before
 * ABI 8 (LANDLOCK_RESTRICT_SELF_TSYNC). The shim starts in its constructor,
 * before the program's main can start threads; if another thread is already
 * running (a library constructor started one), the layer is not installed
 * rather than installed on one thread only, and the start event says so.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exe_kind.h"
#include "landlock_layer.h"
#include "shim.h"
#include "syscall_ops.h"
#include "large_bss.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH	  1
#define LL_RULE_NET_PORT	  2
#define LL_RESTRICT_SELF_TSYNC	  (1u << 3) /* ABI 8 */

/* The uapi structures, spelled here so that old kernel headers do not matter. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/*
 * Directory entries the walks may visit in all, by default: small trees
 * (a task root, a configuration directory) fit, system trees do not, and
 * finding that out costs well under a millisecond.
 */
#define SCAN_BUDGET	 256
#define SCAN_MAX_DEPTH	 24
#define INTERP_MAX_DEPTH 4

struct landlock_state landlock_state;

static void set_state(enum landlock_status status, int error, const char *reason)
{
	landlock_state.status = status;
	landlock_state.error = error;
	landlock_state.reason = reason;
}

static int sys_open(int dirfd, const char *path, int flags)
{
	return (int)shim_syscall(SYS_openat, dirfd, path, flags | O_CLOEXEC, 0);
}

static void sys_close(int fd)
{
	shim_syscall(SYS_close, fd);
}

/* ---- where a rule goes ----------------------------------------------------- */

/* A rule given to the kernel, kept to judge what a walk finds and to rebuild. */
struct grant {
	char *path; /* how it was opened */
	char *real; /* where it is (symlinks resolved): filled when a walk needs it */
	dev_t dev;
	ino_t ino;
	uint64_t access;
	bool dir;
};

struct builder {
	struct grant *v;
	size_t n, cap;
	uint64_t handled_fs, handled_net;
	int ruleset;
	size_t rules;
	int error;    /* the first errno landlock_add_rule gave */
	bool rebuild; /* handled_fs shrank after rules went in */
	int budget;   /* directory entries the walks may still visit */
	dev_t root_dev;
	ino_t root_ino;
};

/* The note of a walk that gave up (the start event points at it). */
static char scan_note[PATH_MAX + 200] LARGE_BSS;

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].path);
		free(b->v[i].real);
	}
	free(b->v);
	if (b->ruleset >= 0)
		sys_close(b->ruleset);
}

/* The path an open fd is at, from /proc (malloc'd), or a copy of fallback. */
static char *path_of(int fd, const char *fallback)
{
	char proc[40], buf[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = shim_syscall(SYS_readlinkat, AT_FDCWD, proc, buf, sizeof(buf) - 1);
	if (n > 0 && buf[0] == '/') {
		buf[n] = '\0';
		return strdup(buf);
	}
	return strdup(fallback);
}

static bool under(const char *root, const char *path)
{
	size_t rl = strlen(root);
	if (rl == 1)
		return true;
	return strncmp(root, path, rl) == 0 && (path[rl] == '\0' || path[rl] == '/');
}

static const char *grant_real(struct grant *g)
{
	if (!g->real) {
		int fd = sys_open(AT_FDCWD, g->path, O_PATH);
		if (fd >= 0) {
			g->real = path_of(fd, g->path);
			sys_close(fd);
		}
	}
	return g->real ? g->real : g->path;
}

/* What the rules give path already (on it or on a directory above it). */
static uint64_t covered(struct builder *b, const char *real)
{
	uint64_t a = 0;
	for (size_t i = 0; i < b->n; i++)
		if (under(grant_real(&b->v[i]), real))
			a |= b->v[i].access;
	return a;
}

/* What every path has: the rules on "/" itself. */
static uint64_t everywhere(const struct builder *b)
{
	uint64_t a = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].dir && b->v[i].dev == b->root_dev && b->v[i].ino == b->root_ino)
			a |= b->v[i].access;
	return a;
}

static int add_rule(struct builder *b, int fd, uint64_t access)
{
	struct ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
	if (shim_syscall(SYS_landlock_add_rule, b->ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
		if (!b->error)
			b->error = errno;
		return -errno;
	}
	b->rules++;
	return 0;
}

/*
 * Gives the kernel a rule for an open fd of any kind and keeps it. real
 * (owned by the callee, may be NULL) is where fd is, when already known.
 */
static int grant_stat(struct builder *b, int fd, const struct stat *stp, const char *path,
		      char *real, uint64_t access)
{
	const struct stat st = *stp;
	bool dir = S_ISDIR(st.st_mode);
	access &= (dir ? ~0ull : LL_FS_FILE_ONLY) & b->handled_fs;
	if (!access) {
		free(real);
		return 0;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct grant *g = &b->v[i];
		if (g->dev == st.st_dev && g->ino == st.st_ino) {
			free(real);
			if ((g->access & access) == access)
				return 0;
			g->access |= access;
			return add_rule(b, fd, g->access);
		}
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct grant *v = realloc(b->v, cap * sizeof(*v));
		if (!v) {
			free(real);
			return -ENOMEM;
		}
		b->v = v;
		b->cap = cap;
	}
	char *copy = strdup(real ? real : path);
	if (!copy) {
		free(real);
		return -ENOMEM;
	}
	b->v[b->n++] = (struct grant){.path = copy,
				      .real = real,
				      .dev = st.st_dev,
				      .ino = st.st_ino,
				      .access = access,
				      .dir = dir};
	return add_rule(b, fd, access);
}

/* grant_stat() for an fd not looked at yet. */
static int grant_fd(struct builder *b, int fd, const char *path, char *real, uint64_t access)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		free(real);
		return 0;
	}
	return grant_stat(b, fd, &st, path, real, access);
}

/* Rights lost after rules went in: a new ruleset, the rules again, narrower. */
static int rebuild(struct builder *b, int abi)
{
	struct ll_ruleset_attr attr = {.handled_access_fs = b->handled_fs,
				       .handled_access_net = b->handled_net};
	size_t attr_size = abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs);
	sys_close(b->ruleset);
	b->rules = 0;
	b->ruleset = (int)shim_syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (b->ruleset < 0)
		return -errno;
	for (size_t i = 0; i < b->n; i++) {
		struct grant *g = &b->v[i];
		g->access &= b->handled_fs;
		if (!g->access)
			continue;
		int fd = sys_open(AT_FDCWD, g->path, O_PATH);
		if (fd < 0)
			continue;
		int r = add_rule(b, fd, g->access);
		sys_close(fd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- interpreters ------------------------------------------------------------ */

/*
 * The interpreter a program names: its "#!" line, or its ELF PT_INTERP.
 * Writes an absolute path into buf; false when there is none.
 */
static bool program_interp(int fd, char *buf, size_t size)
{
	struct exe_view v = {.interp = buf, .interp_size = size};

	exe_inspect(fd, &v);
	return v.interp_len > 0 && buf[0] == '/';
}

/* A grant made under this very name with these rights (the same loader for two programs). */
static bool granted_as(const struct builder *b, const char *path, uint64_t access)
{
	uint64_t want = access & b->handled_fs;
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].path && strcmp(b->v[i].path, path) == 0 &&
		    (b->v[i].access & want) == want)
			return true;
	return false;
}

/* Exec opens the interpreter of a program too (read + execute), and its interpreter. */
static int grant_interpreters(struct builder *b, int fd, int depth)
{
	char interp[PATH_MAX];
	if (depth >= INTERP_MAX_DEPTH || !program_interp(fd, interp, sizeof(interp)))
		return 0;
	/* Granted already, with its own interpreters: not opened and read again. */
	if (granted_as(b, interp, LL_FS_RIGHT_X))
		return 0;
	int ifd = sys_open(AT_FDCWD, interp, O_RDONLY | O_NONBLOCK);
	if (ifd < 0)
		return 0;
	int r = grant_fd(b, ifd, interp, NULL, LL_FS_RIGHT_X);
	if (r == 0)
		r = grant_interpreters(b, ifd, depth + 1);
	sys_close(ifd);
	return r;
}

/* ---- walking a tree --------------------------------------------------------- */

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int scan_dir(struct builder *b, int dirfd, uint64_t need, bool exec, int depth);

static int scan_program(struct builder *b, int dirfd, const char *name, bool follow)
{
	int fd = sys_open(dirfd, name, O_RDONLY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return 0;
	int r = grant_interpreters(b, fd, 0);
	sys_close(fd);
	return r;
}

/* A symlink in a tree judged by name: where it leads needs what the tree has. */
static int scan_link(struct builder *b, int dirfd, const char *name, uint64_t need, bool exec,
		     int depth)
{
	struct stat st;
	int fd = sys_open(dirfd, name, O_PATH);
	if (fd < 0)
		return 0; /* dangling: opening it fails whatever the rules */
	if (fstat(fd, &st) < 0) {
		sys_close(fd);
		return 0;
	}
	bool dir = S_ISDIR(st.st_mode);
	uint64_t want = need & (dir ? ~0ull : LL_FS_FILE_ONLY) & b->handled_fs;
	int r = 0;
	if (want) {
		char *real = path_of(fd, name);
		if (!real) {
			sys_close(fd);
			return -ENOMEM;
		}
		if ((covered(b, real) & want) != want) {
			r = grant_stat(b, fd, &st, name, real, want);
			if (r == 0 && dir && depth < SCAN_MAX_DEPTH) {
				int sub = sys_open(fd, ".", O_RDONLY | O_DIRECTORY);
				if (sub >= 0) {
					r = scan_dir(b, sub, need, exec, depth + 1);
					sys_close(sub);
				}
			}
		} else {
			free(real);
		}
	}
	if (r == 0 && exec && S_ISREG(st.st_mode) && (st.st_mode & 0111))
		r = scan_program(b, dirfd, name, true);
	sys_close(fd);
	return r;
}

static int scan_entry(struct builder *b, int dirfd, const char *name, unsigned char type,
		      uint64_t need, bool exec, int depth)
{
	struct stat st;
	if (type == DT_UNKNOWN) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0;
		type = S_ISDIR(st.st_mode)   ? DT_DIR
		       : S_ISLNK(st.st_mode) ? DT_LNK
		       : S_ISREG(st.st_mode) ? DT_REG
					     : DT_UNKNOWN;
	}
	if (type == DT_LNK)
		return scan_link(b, dirfd, name, need, exec, depth);
	if (type == DT_DIR) {
		if (depth >= SCAN_MAX_DEPTH)
			return 0;
		int sub = sys_open(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (sub < 0)
			return 0;
		int r = scan_dir(b, sub, need, exec, depth + 1);
		sys_close(sub);
		return r;
	}
	if (type == DT_REG && exec) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !(st.st_mode & 0111))
			return 0;
		return scan_program(b, dirfd, name, false);
	}
	return 0;
}

/* Returns 0, 1 when the budget ran out, or -errno. */
static int scan_dir(struct builder *b, int dirfd, uint64_t need, bool exec, int depth)
{
	char buf[8192];
	for (;;) {
		long n = shim_syscall(SYS_getdents64, dirfd, buf, sizeof(buf));
		if (n <= 0)
			return 0;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			if (--b->budget < 0)
				return 1;
			int r = scan_entry(b, dirfd, d->d_name, d->d_type, need, exec, depth);
			if (r != 0)
				return r;
		}
	}
}

/*
 * Counts a tree's entries, giving up past *left: a tree too big for the
 * budget is found out before any link in it is followed.
 */
static bool fits(int dirfd, long *left, int depth)
{
	char buf[8192];
	for (;;) {
		long n = shim_syscall(SYS_getdents64, dirfd, buf, sizeof(buf));
		if (n <= 0)
			return true;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			if (--*left < 0)
				return false;
			if (d->d_type != DT_DIR || depth >= SCAN_MAX_DEPTH)
				continue;
			int sub = sys_open(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (sub < 0)
				continue;
			bool ok = fits(sub, left, depth + 1);
			sys_close(sub);
			if (!ok)
				return false;
		}
	}
}

/* ---- the plan's paths ---------------------------------------------------------- */

/*
 * Opens a planned path where it leads (O_PATH). A missing one is replaced
 * by its nearest existing ancestor when the plan lets it be created (its
 * path then in *ret_walked, malloc'd), else skipped (-ENOENT).
 */
static int open_planned(const struct landlock_plan *plan, const struct landlock_path_rule *p,
			char **ret_walked)
{
	char path[PATH_MAX];
	bool may_appear = (landlock_plan_covered(plan, p->path, strlen(p->path)) &
			   (LL_FS_MAKE_REG | LL_FS_MAKE_DIR | LL_FS_MAKE_SYM)) != 0;
	snprintf(path, sizeof(path), "%s", p->path);
	*ret_walked = NULL;
	for (bool walked = false;; walked = true) {
		int fd = sys_open(AT_FDCWD, path, O_PATH);
		if (fd >= 0) {
			if (walked && !(*ret_walked = strdup(path))) {
				sys_close(fd);
				return -ENOMEM;
			}
			return fd;
		}
		if ((errno != ENOENT && errno != ENOTDIR) || !may_appear ||
		    (p->flags & (LANDLOCK_PATH_IMPLICIT | LANDLOCK_PATH_RESOLVED)) ||
		    strcmp(path, "/") == 0)
			return -ENOENT;
		char *slash = strrchr(path, '/');
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

static const char *scan_note_for(const char *path, uint64_t lost)
{
	static char first[PATH_MAX] LARGE_BSS;
	static uint64_t all;
	static bool others;
	char what[96] = "";
	/* The first tree is named, the rights lost by every one listed. */
	if (!first[0])
		snprintf(first, sizeof(first), "%s", path);
	else if (strcmp(first, path) != 0)
		others = true;
	all |= lost;
	static const struct {
		uint64_t bits;
		const char *name;
	} rights[] = {{LL_FS_READ_FILE, "reading files"},
		      {LL_FS_READ_DIR, "listing directories"},
		      {LL_FS_WRITE_FILE | LL_FS_TRUNCATE, "writing files"},
		      {LL_FS_EXECUTE, "running programs"}};
	for (size_t i = 0; i < sizeof(rights) / sizeof(rights[0]); i++)
		if (all & rights[i].bits)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s",
				 what[0] ? ", " : "", rights[i].name);
	snprintf(scan_note, sizeof(scan_note),
		 "%s%s holds more entries than fnguard checks for symlinks and interpreters at "
		 "start (FNGUARD_LANDLOCK_SCAN): %s %s not restricted by Landlock",
		 first, others ? " (and other trees)" : "", what[0] ? what : "some file rights",
		 strchr(what, ',') ? "are" : "is");
	return scan_note;
}

/* Where the plan's rule for "/" is, or n_paths. */
static size_t root_rule(const struct landlock_plan *plan)
{
	size_t i = 0;
	while (i < plan->n_paths && strcmp(plan->paths[i].path, "/") != 0)
		i++;
	return i;
}

/*
 * Whether a rule would add nothing to what the rule on "/" gives (every file
 * is beneath it): no open, no rule. A program's path is still looked at when
 * execution is handled and not given everywhere (its interpreter needs it).
 */
static bool redundant(const struct builder *b, uint64_t access, bool program)
{
	uint64_t all = everywhere(b);
	if (access & b->handled_fs & ~all)
		return false;
	return !program || !(b->handled_fs & LL_FS_EXECUTE) || (all & LL_FS_EXECUTE);
}

/* The rule for the plan's path i; a tree it asks to walk is noted in walk[]. */
static int place_path(const struct landlock_plan *plan, struct builder *b, size_t i, size_t *walk,
		      size_t *n_walk)
{
	const struct landlock_path_rule *p = &plan->paths[i];
	char *walked = NULL;
	struct stat st;
	int r = 0;

	if (redundant(b, p->access, (p->flags & LANDLOCK_PATH_EXEC) != 0))
		return 0;
	int fd = open_planned(plan, p, &walked);
	if (fd < 0)
		return fd == -ENOMEM ? fd : 0;
	if (fstat(fd, &st) == 0) {
		r = grant_stat(b, fd, &st, walked ? walked : p->path, NULL, p->access);
		/* A tree that is there is walked; a missing one holds nothing yet. */
		if (!walked && S_ISDIR(st.st_mode) &&
		    (p->flags & (LANDLOCK_PATH_SCAN | LANDLOCK_PATH_EXEC)))
			walk[(*n_walk)++] = i;
		if (r == 0 && !walked && S_ISREG(st.st_mode) && (p->flags & LANDLOCK_PATH_EXEC))
			r = scan_program(b, AT_FDCWD, p->path, true);
	}
	free(walked);
	sys_close(fd);
	return r;
}

/* Rules for every planned path, then the walks the plan asks for. */
static int place_plan(struct landlock_plan *plan, struct builder *b)
{
	size_t *walk = calloc(plan->n_paths + 1, sizeof(*walk));
	size_t n_walk = 0;
	int r = 0;
	if (!walk)
		return -ENOMEM;
	/* "/" first: a rule whose rights it already gives everywhere is not opened. */
	size_t root = root_rule(plan);
	if (root < plan->n_paths)
		r = place_path(plan, b, root, walk, &n_walk);
	for (size_t i = 0; i < plan->n_paths && r >= 0; i++)
		if (i != root)
			r = place_path(plan, b, i, walk, &n_walk);
	for (size_t k = 0; k < n_walk && r >= 0; k++) {
		const struct landlock_path_rule *p = &plan->paths[walk[k]];
		bool exec = (p->flags & LANDLOCK_PATH_EXEC) && (b->handled_fs & LL_FS_EXECUTE);
		/* What every path has already (a rule on /) needs no walk. */
		uint64_t need = (p->flags & LANDLOCK_PATH_SCAN)
					? p->access & b->handled_fs & ~everywhere(b)
					: 0;
		if (!need && !exec)
			continue;
		int fd = sys_open(AT_FDCWD, p->path, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			continue;
		long left = b->budget;
		r = left > 0 && fits(fd, &left, 0) ? 0 : 1;
		if (r == 0 && lseek(fd, 0, SEEK_SET) == 0)
			r = scan_dir(b, fd, need, exec, 0);
		sys_close(fd);
		if (r == 1) {
			/*
			 * What the walk is for: rights whose names the libc layer
			 * judges without following links (reading, writing,
			 * running). Making and removing names (and refer, which
			 * the kernel refuses everywhere when it is not handled)
			 * are judged by the libc layer where links are followed:
			 * they stay handled, given where the plan gives them.
			 */
			uint64_t lost = (need & ~(LL_FS_RIGHT_C | LL_FS_RIGHT_D | LL_FS_REFER)) |
					(exec ? LL_FS_RIGHT_X : 0);
			r = 0;
			if (lost) {
				b->handled_fs &= ~lost;
				b->rebuild = true;
				landlock_plan_unhandle_fs(plan, lost, scan_note_for(p->path, lost));
			}
		}
	}
	free(walk);
	return r;
}

/* ---- fnguard's own needs ------------------------------------------------------- */

/* path may be relative (a relative FNGUARD_PROFILE): children start in the same place. */
static int grant_existing(struct builder *b, const char *path, uint64_t access, bool interp)
{
	if (!path || !path[0])
		return 0;
	/* A relative path is beneath the cwd, which may be outside the root (chroot). */
	if (path[0] == '/' && redundant(b, access, interp))
		return 0;
	int fd = sys_open(AT_FDCWD, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	int r = access ? grant_fd(b, fd, path, NULL, access) : 0;
	if (r == 0 && interp)
		r = grant_interpreters(b, fd, 0);
	sys_close(fd);
	return r;
}

struct needed_lookup {
	const char *name;
	char path[PATH_MAX];
};

static int find_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	struct needed_lookup *q = data;
	(void)size;
	const char *slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
	if (!slash || strcmp(slash + 1, q->name) != 0)
		return 0;
	snprintf(q->path, sizeof(q->path), "%s", info->dlpi_name);
	return 1;
}

/* dir/name, granted for reading if it exists. */
static int grant_in_dir(struct builder *b, const char *dir, size_t dir_len, const char *name)
{
	char path[PATH_MAX];
	if (!dir_len || (size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)dir_len, dir, name) >=
				sizeof(path))
		return 0;
	return grant_existing(b, path, LL_FS_READ_FILE, false);
}

/*
 * libcjson, which the shim loads only to read a JSON profile (cjson_lazy.h):
 * the copy loaded here if this process read one, else where a descendant's
 * dlopen would find it (LD_LIBRARY_PATH, the shim's directory,
 * libc's), since a descendant may be given a JSON profile of its own.
 */
static int grant_cjson(struct builder *b, const char *lib)
{
	struct needed_lookup q = {.name = "libcjson.so.1"};
	if (dl_iterate_phdr(find_loaded, &q))
		return grant_existing(b, q.path, LL_FS_READ_FILE, false);
	int r = 0;
	const char *llp = secure_getenv("LD_LIBRARY_PATH");
	while (r == 0 && llp && *llp) {
		size_t n = strcspn(llp, ":;");
		r = grant_in_dir(b, llp, n, q.name);
		llp += n;
		llp += strspn(llp, ":;");
	}
	const char *slash;
	if (r == 0 && lib && (slash = strrchr(lib, '/')))
		r = grant_in_dir(b, lib, (size_t)(slash - lib), q.name);
	struct needed_lookup libc = {.name = "libc.so.6"};
	if (r == 0 && dl_iterate_phdr(find_loaded, &libc) && (slash = strrchr(libc.path, '/')))
		r = grant_in_dir(b, libc.path, (size_t)(slash - libc.path), q.name);
	return r;
}

/*
 * The libraries the shim itself needs (its DT_NEEDED, as loaded here, and
 * libcjson): a child's loader must read them too, or it drops the preload
 * with a warning and the child runs without the libc layer (or its shim
 * cannot read a JSON profile).
 */
static int grant_shim_libraries(struct builder *b, const char *lib)
{
	Dl_info info;
	struct link_map *lm = NULL;
	if (!dladdr1((void *)landlock_layer_start, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm ||
	    !lm->l_ld)
		return 0;
	const char *strtab = NULL;
	for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_STRTAB)
			/* Relocated in place by the loader on most architectures, not on all. */
			strtab = (const char *)(d->d_un.d_ptr < lm->l_addr
							? d->d_un.d_ptr + lm->l_addr
							: d->d_un.d_ptr);
	if (!strtab)
		return 0;
	int r = 0;
	for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL && r == 0; d++) {
		if (d->d_tag != DT_NEEDED)
			continue;
		struct needed_lookup q = {.name = strtab + d->d_un.d_val};
		if (dl_iterate_phdr(find_loaded, &q))
			r = grant_existing(b, q.path, LL_FS_READ_FILE, false);
	}
	return r == 0 ? grant_cjson(b, lib) : r;
}

/* The shim library, every other preloaded one, the profile files and the CLI. */
static int grant_own_needs(struct builder *b, const struct landlock_plan *plan)
{
	Dl_info info;
	char buf[PATH_MAX];
	int r = 0;
	bool have_lib = dladdr((void *)landlock_layer_start, &info) && info.dli_fname;

	if (have_lib)
		r = grant_existing(b, info.dli_fname, LL_FS_READ_FILE, false);
	if (r == 0)
		r = grant_shim_libraries(b, have_lib ? info.dli_fname : NULL);
	const char *preload = secure_getenv("LD_PRELOAD");
	while (r == 0 && preload && *preload) {
		size_t n = strcspn(preload, ": ");
		if (n && n < sizeof(buf)) {
			memcpy(buf, preload, n);
			buf[n] = '\0';
			/* A bare name is looked up in the library path, which the profile covers. */
			if (strchr(buf, '/'))
				r = grant_existing(b, buf, LL_FS_READ_FILE, false);
		}
		preload += n;
		preload += strspn(preload, ": ");
	}
	if (r == 0)
		r = grant_existing(b, shim.profile_path, LL_FS_READ_FILE, false);
	for (size_t i = 0; r == 0 && i < plan->n_sources; i++)
		r = grant_existing(b, plan->sources[i], LL_FS_READ_FILE, false);
	/* Every dynamic program run from here needs the loader this one has. */
	if (r == 0 && (b->handled_fs & (LL_FS_EXECUTE | LL_FS_READ_FILE)))
		r = grant_existing(b, "/proc/self/exe", 0, true);
	/* Static programs are handed over to the CLI (exec_ops.c finds it the same way). */
	const char *cli = secure_getenv("FNGUARD_CLI");
	if (r == 0 && cli && *cli)
		r = grant_existing(b, cli, LL_FS_RIGHT_X, true);
	else if (r == 0 && have_lib) {
		static const char *const next_to_lib[] = {"../tools/fnguard", "../bin/fnguard",
							  "../../bin/fnguard"};
		const char *slash = strrchr(info.dli_fname, '/');
		for (size_t i = 0; slash && r == 0 && i < 3; i++) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - info.dli_fname),
				 info.dli_fname, next_to_lib[i]);
			r = grant_existing(b, buf, LL_FS_RIGHT_X, true);
		}
	}
	return r;
}

/* ---- installing -------------------------------------------------------------- */

/*
 * The threads of this process. /proc/self/task's link count is 2 plus
 * their number (the kernel's getattr adds it): one stat, where formatting
 * /proc/self/stat costs ~7 us. Any other count is read from the latter.
 */
static int thread_count(void)
{
	char buf[1024];
#ifdef SYS_newfstatat
	struct stat st;
	if (shim_syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/task", &st, 0) == 0 &&
	    st.st_nlink >= 3 && st.st_nlink - 2 <= INT_MAX)
		return (int)(st.st_nlink - 2);
#endif
	int fd = sys_open(AT_FDCWD, "/proc/self/stat", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = shim_syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	sys_close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* After the command name's ')': state is field 3, num_threads field 20. */
	char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	char *end;
	long threads = strtol(p + 1, &end, 10);
	return end != p + 1 && threads > 0 && threads <= INT_MAX ? (int)threads : -1;
}

static int add_port_rules(struct builder *b, const struct landlock_plan *plan)
{
	for (int pass = 0; pass < 2; pass++) {
		uint64_t access = pass ? LL_NET_BIND_TCP : LL_NET_CONNECT_TCP;
		const struct net_port_range *ranges = pass ? plan->bind : plan->connect;
		size_t n = pass ? plan->n_bind : plan->n_connect;
		if (!(b->handled_net & access))
			continue;
		for (size_t i = 0; i < n; i++) {
			for (unsigned port = ranges[i].lo; port <= ranges[i].hi; port++) {
				struct ll_net_port_attr np = {.allowed_access = access,
							      .port = port};
				if (shim_syscall(SYS_landlock_add_rule, b->ruleset,
						 LL_RULE_NET_PORT, &np, 0) < 0)
					return -errno;
				b->rules++;
			}
		}
	}
	return 0;
}

static void keep_notes(const struct landlock_plan *plan)
{
	landlock_state.n_notes = 0;
	for (size_t i = 0; i < plan->n_notes; i++)
		landlock_state.notes[landlock_state.n_notes++] = plan->notes[i];
}

/* Builds and installs; the state says what happened. */
static void install(int abi)
{
	struct landlock_plan_opts o = {
		.file = shim.action[POLICY_CAT_FILE],
		.network = shim.action[POLICY_CAT_NETWORK],
		.exec = shim.action[POLICY_CAT_EXEC],
	};
	struct landlock_plan *plan = NULL;
	struct builder b = {.ruleset = -1, .budget = SCAN_BUDGET};
	const char *budget_env = secure_getenv("FNGUARD_LANDLOCK_SCAN");
	struct stat root;
	int r;

	if (budget_env && *budget_env) {
		/* Not a number: the default, rather than a budget of 0. */
		char *end;
		long v = strtol(budget_env, &end, 10);
		if (!*end && v >= 0 && v <= INT_MAX)
			b.budget = (int)v;
	}
	if (stat("/", &root) == 0) {
		b.root_dev = root.st_dev;
		b.root_ino = root.st_ino;
	}
	r = landlock_plan_from_policy(shim.policy, &o, &plan);
	if (r < 0) {
		set_state(LANDLOCK_UNAVAILABLE, -r, "the ruleset could not be planned");
		return;
	}
	plan->handled_fs &= landlock_abi_fs_access(abi);
	plan->handled_net &= landlock_abi_net_access(abi);
	if (abi < 2 && plan->handled_fs) {
		/* ABI 1 has no refer right: every rename or link across directories fails. */
		bool renames = false;
		for (size_t i = 0; i < plan->n_paths; i++)
			renames |= (plan->paths[i].access & (LL_FS_RIGHT_C | LL_FS_RIGHT_D)) != 0;
		if (renames) {
			set_state(LANDLOCK_UNAVAILABLE, 0,
				  "Landlock ABI 1 refuses every rename and link across directories "
				  "(ABI 2, Linux 5.19, allows them)");
			landlock_plan_free(plan);
			return;
		}
	}
	b.handled_fs = plan->handled_fs;
	b.handled_net = plan->handled_net;
	if (!b.handled_fs && !b.handled_net) {
		keep_notes(plan);
		set_state(LANDLOCK_OFF, 0,
			  "nothing the profile says can be restricted as a superset");
		landlock_plan_free(plan);
		return;
	}
	struct ll_ruleset_attr attr = {.handled_access_fs = b.handled_fs,
				       .handled_access_net = b.handled_net};
	size_t attr_size = abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs);
	b.ruleset = (int)shim_syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (b.ruleset < 0) {
		set_state(LANDLOCK_UNAVAILABLE, errno,
			  "landlock_create_ruleset refused the ruleset");
		goto out;
	}
	r = place_plan(plan, &b);
	if (r == 0)
		r = grant_own_needs(&b, plan);
	if (r == 0 && b.rebuild)
		r = rebuild(&b, abi);
	if (r == 0)
		r = add_port_rules(&b, plan);
	if (r < 0) {
		set_state(LANDLOCK_UNAVAILABLE, b.error ? b.error : -r,
			  b.error ? "landlock_add_rule refused a rule"
				  : "the ruleset could not be built");
		goto out;
	}
	keep_notes(plan);
	landlock_state.handled_fs = b.handled_fs;
	landlock_state.handled_net = b.handled_net;
	/* Seccomp sets it too; Landlock needs it (or CAP_SYS_ADMIN) on its own. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	long ret = shim_syscall(SYS_landlock_restrict_self, b.ruleset,
				abi >= 8 ? LL_RESTRICT_SELF_TSYNC : 0);
	if (ret < 0) {
		int err = errno;
		set_state(LANDLOCK_UNAVAILABLE, err,
			  err == EPERM ? "landlock_restrict_self refused: no_new_privs could not "
					 "be set and there is no CAP_SYS_ADMIN"
				       : "landlock_restrict_self refused");
		goto out;
	}
	landlock_state.rules = b.rules;
	setenv("FNGUARD_LANDLOCK", shim.profile_hash, 1);
	set_state(LANDLOCK_ACTIVE, 0,
		  abi >= 8 ? "installed on every thread; inherited by every child"
			   : "installed before any other thread; inherited by every child");
out:
	builder_free(&b);
	landlock_plan_free(plan);
}

static bool under_ancestor_filter(void)
{
	return secure_getenv("FNGUARD_SECCOMP") && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
}

int landlock_layer_start(void)
{
	const char *mark = secure_getenv("FNGUARD_LANDLOCK");

	if (!shim.policy) {
		set_state(LANDLOCK_OFF, 0, "no profile: nothing to enforce");
		return 0;
	}
	bool any = false;
	for (int c = 0; c < POLICY_CAT_SYSCALL; c++)
		any |= shim.action[c] == POLICY_MODE_ENFORCE;
	if (!any) {
		set_state(LANDLOCK_OFF, 0,
			  shim.mode == POLICY_MODE_ALERT
				  ? "alert mode: a Landlock denial cannot be logged, only blocked"
				  : "record mode: Landlock only blocks");
		return 0;
	}
	if (!shim.root && mark && *mark) {
		landlock_state.inherited = true;
		if (strcmp(mark, shim.profile_hash) == 0) {
			set_state(LANDLOCK_ACTIVE, 0, "inherited from the first process");
			return 0;
		}
		if (under_ancestor_filter()) {
			set_state(
				LANDLOCK_ACTIVE, 0,
				"inherited from an ancestor with another profile; not narrowed "
				"to this one (the ancestor's seccomp filter refuses landlock calls)");
			return 0;
		}
	} else if (!shim.root && under_ancestor_filter()) {
		set_state(LANDLOCK_UNAVAILABLE, 0,
			  "an ancestor's seccomp filter refuses landlock calls, and the ancestor "
			  "installed no Landlock domain");
		return 0;
	}
	if (secure_getenv("FNGUARD_NO_LANDLOCK")) {
		set_state(LANDLOCK_UNAVAILABLE, 0, "turned off by FNGUARD_NO_LANDLOCK");
		landlock_state.turned_off = true;
		return 0;
	}
	/* Timed from here: a descendant that inherits the domain reads no clock. */
	uint64_t t0 = shim_now_mono();
	long abi = shim_syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi < 1) {
		int err = abi < 0 ? errno : EINVAL;
		set_state(LANDLOCK_UNAVAILABLE, err,
			  err == ENOSYS ? "the kernel has no Landlock (Linux 5.13+)"
			  : err == EOPNOTSUPP
				  ? "Landlock is built in but not enabled (lsm=)"
				  : "landlock_create_ruleset refused the version probe");
		return 0;
	}
	landlock_state.abi = (int)abi;
	int threads = abi < 8 ? thread_count() : 1;
	if (threads != 1) {
		set_state(LANDLOCK_UNAVAILABLE, 0,
			  threads < 0 ? "the thread count could not be read (/proc/self/stat): "
					"before ABI 8 Landlock restricts only the calling thread"
				      : "another thread was already running: before ABI 8 Landlock "
					"restricts only the calling thread");
		return 0;
	}
	install((int)abi);
	landlock_state.micros = (shim_now_mono() - t0) / 1000;
	return 0;
}

bool landlock_layer_required_but_missing(void)
{
	/* Required where it would enforce: some category it covers is in enforce mode. */
	bool enforcing = false;
	for (int c = 0; c < POLICY_CAT_SYSCALL; c++)
		enforcing |= shim.action[c] == POLICY_MODE_ENFORCE;
	return shim.policy && enforcing && policy_requires(shim.policy, "landlock") &&
	       landlock_state.status != LANDLOCK_ACTIVE;
}

/* ---- the start event -------------------------------------------------------- */

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case ENOSYS:
		return "ENOSYS";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EINVAL:
		return "EINVAL";
	case ENOMEM:
		return "ENOMEM";
	case E2BIG:
		return "E2BIG";
	case EACCES:
		return "EACCES";
	default:
		return NULL;
	}
}

static void rights_json(struct json_line *jl, const char *key, uint64_t access,
			const char *const *names, size_t n)
{
	json_line_arr_begin(jl, key);
	for (size_t i = 0; i < n; i++)
		if (names[i] && (access & (1ull << i)))
			json_line_strz(jl, NULL, names[i]);
	json_line_arr_end(jl);
}

void landlock_layer_json(struct json_line *jl, const char *name)
{
	static const char *const status_names[] = {"unavailable", "active", "unavailable", "off"};
	static const char *const fs_names[] = {
		"execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
		"make_char", "make_dir",   "make_reg",	"make_sock", "make_fifo",  "make_block",
		"make_sym",  "refer",	   "truncate",	"ioctl_dev",
	};
	static const char *const net_names[] = {"bind_tcp", "connect_tcp"};
	const struct landlock_state *s = &landlock_state;

	json_line_obj_begin(jl, name);
	json_line_strz(jl, "status", status_names[s->status]);
	if (s->abi)
		json_line_i64(jl, "abi", s->abi);
	if (s->status == LANDLOCK_ACTIVE && !s->inherited) {
		json_line_u64(jl, "rules", s->rules);
		rights_json(jl, "fs", s->handled_fs, fs_names, 16);
		rights_json(jl, "net", s->handled_net, net_names, 2);
	}
	if (s->status == LANDLOCK_ACTIVE && !s->inherited)
		json_line_u64(jl, "micros", s->micros);
	if (s->inherited)
		json_line_bool(jl, "inherited", true);
	if (s->error)
		json_line_i64(jl, "errno", s->error);
	if (s->error && errno_name(s->error))
		json_line_strz(jl, "error", errno_name(s->error));
	if (s->reason)
		json_line_strz(jl, "reason", s->reason);
	if (s->n_notes) {
		json_line_arr_begin(jl, "notes");
		for (size_t i = 0; i < s->n_notes && i < 4; i++)
			json_line_str_capped(jl, NULL, s->notes[i], strlen(s->notes[i]), 400);
		json_line_arr_end(jl);
	}
	json_line_obj_end(jl);
}
