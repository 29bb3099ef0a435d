// SPDX-License-Identifier: MIT
/*
 * File interposers. Each one judges its path operand(s) with the rights the
 * operation needs (DESIGN.md "Rights") and then calls libc, or fails with
 * EACCES in enforce mode:
 *   r  open for reading, stat family, access, readlink, opendir, getxattr
 *   w  open for writing, truncate, chmod, chown, utimes, setxattr
 *   c  O_CREAT of a new file, mkdir, mknod, symlink/link name, rename target
 *   d  unlink, rmdir, rename source (which needs r and w as well)
 * glibc calls its own internals without the PLT (fopen does not go through
 * open), which is why the stdio and dirent entry points are wrapped too.
 */
#include <errno.h>
#include <spawn.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <mntent.h>
#include <semaphore.h>
#include <stdio_ext.h>
#include <string.h>
#include <linux/fs.h>
#include <linux/fscrypt.h>
#include <linux/fsverity.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "child_env.h"
#include "cwd.h"
#include "dl_ops.h"
#include "fd_guard.h"
#include "judge.h"
#include "path_resolve.h"
#include "thread_scratch.h"
#include "raw_syscall.h"
#include "real.h"
#include "syscall_ops.h"
#include "seccomp_layer.h"
#include "siphash.h"
#include "syscall_table.h"
#include "shim.h"
#include "verdict_cache.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc entry points that its headers do not declare. */
int __open_2(const char *path, int flags);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);

#define R POLICY_RIGHT_READ
#define W POLICY_RIGHT_WRITE
#define C POLICY_RIGHT_CREATE
#define D POLICY_RIGHT_DELETE

enum {
	FOLLOW = POLICY_OPEN_FOLLOW,		 /* judge where a final symlink leads */
	MAYBE_CREATE = POLICY_OPEN_MAYBE_CREATE, /* 'c' only if the file does not exist yet */
	LOOK = 0x100, /* metadata only: the allowed files' ancestor directories may be seen */
	REFUSING_LINKS = 0x200, /* an open that can refuse every link on its way (openat2) */
};

/* How the call runs after its judgement (guard_path_verify). */
enum open_as {
	OPEN_PLAIN,    /* as the program asked */
	OPEN_VERIFY,   /* then judge the descriptor on what it really is (verify_fd) */
	OPEN_NO_LINKS, /* with openat2(RESOLVE_NO_SYMLINKS): the name judged is what it opens */
	OPEN_LONG_WAY, /* not judged yet: judge the long way (links followed), then as it says */
};

/*
 * A name of the caller's, copied before it is judged: the copy is what is
 * judged and what libc is handed, so another thread rewriting the caller's
 * buffer in between (native code; ctypes' string buffers) changes neither.
 * Only where the call will be judged (the shim active, this thread not
 * inside it): elsewhere the name is left to libc, a bad pointer to the
 * kernel (EFAULT). The copy is on the wrapper's stack, as long as the name
 * (OWN_NAME). A name of PATH_MAX bytes or more is cut there, where the
 * kernel takes it whole and refuses it as too long either way
 * (ENAMETOOLONG; the shim cannot judge it); where libc splits it (glob, the
 * walks, a template), it is copied whole, to the heap (OWN_WHOLE_NAME).
 * own_name_size: the copy's size, with its NUL; 0 for no copy.
 */
static inline bool judging_names(void)
{
	return !shim_busy &&
	       !(atomic_load_explicit(&shim_ready, memory_order_acquire) && !shim.active);
}

static inline size_t own_name_size(const char *name)
{
	return name && judging_names() ? strnlen(name, PATH_MAX) + 1 : 0;
}

static inline char *own_name(const char *name, size_t size, char *own)
{
	memcpy(own, name, size - 1);
	own[size - 1] = '\0';
	return own;
}

static inline void free_owned(char **p)
{
	free(*p);
}

static inline void free_owned_list(char ***p)
{
	free(*p);
}

/* name is a variable's name, assigned: it cannot be parenthesized. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define OWN_NAME(name)                            \
	size_t name##_size = own_name_size(name); \
	name = name##_size ? own_name(name, name##_size, __builtin_alloca(name##_size)) : name

/* OWN_NAME, a name of PATH_MAX bytes or more copied whole (fail: out of memory). */
#define OWN_WHOLE_NAME(name, fail)                                                        \
	size_t name##_size = own_name_size(name);                                         \
	char *name##_heap __attribute__((cleanup(free_owned))) =                          \
		name##_size > PATH_MAX ? strdup(name) : NULL;                             \
	if (name##_size > PATH_MAX && !name##_heap)                                       \
		return fail;                                                              \
	name = name##_heap   ? name##_heap                                                \
	       : name##_size ? own_name(name, name##_size, __builtin_alloca(name##_size)) \
			     : name
// NOLINTEND(bugprone-macro-parentheses)

static void rights_text(unsigned rights, char buf[5])
{
	size_t n = 0;
	for (unsigned i = 0; i < 4; i++)
		if (rights & (1u << i))
			buf[n++] = "rwcd"[i];
	buf[n] = '\0';
}

/*
 * A look at a directory on the way to allowed files: above a rule's literal
 * part, or below it where a wildcard rule's segments match, if a directory
 * (not a link) is there (policy_path_is_dir_ancestor: a file a wildcard
 * matches is on no way, and its metadata is not the program's to see).
 */
static bool on_the_way(const char *path, size_t len)
{
	struct stat st;
	return policy_path_is_ancestor(shim.policy, path, len) ||
	       (policy_path_is_dir_ancestor(shim.policy, path, len) &&
		REAL(fstatat)(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISDIR(st.st_mode));
}

static bool exists(int dirfd, const char *path, bool follow)
{
	struct stat st;
	return REAL(fstatat)(dirfd, path, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0;
}

static void check_one(const char *path, size_t len, unsigned rights, struct policy_verdict *v)
{
	if (!shim.policy) {
		*v = (struct policy_verdict){.allowed = true, .rule = -1};
		return;
	}
	if (policy_check_file(shim.policy, path, len, rights, v) < 0)
		*v = (struct policy_verdict){
			.allowed = false, .rule = -1, .missing = (uint8_t)rights};
}

/* Judges and acts on one resolved path; returns true to block. */
static bool act_on(const char *op, const char *target, size_t len, unsigned rights,
		   const struct policy_verdict *v, const char *detail)
{
	char access[5];
	struct judgement j = {0};
	rights_text(rights, access);
	j.ev.category = POLICY_CAT_FILE;
	j.ev.op = op;
	j.ev.target = target;
	j.ev.target_len = len;
	j.ev.access = access;
	j.ev.detail = detail;
	j.ev.tip = event_tip_file;
	j.verdict = *v;
	j.learn.kind = LEARN_FILE;
	j.learn.name = target;
	j.learn.rights = rights;
	return judge_act(&j);
}

/*
 * The file this thread's current call was last logged for and let run
 * (alert): a call whose descriptor is looked at after it (OPEN_VERIFY)
 * judges the file it reached again, and one that is the file already
 * logged for is not logged twice. Only alert lets a logged call run, so
 * what it skips is a line, never a decision. Reset where each judgement
 * starts (guard_path_verify, and a call judged on its descriptor alone),
 * used up by the look at the descriptor. Kept by the name's length and
 * keyed hash (SipHash under the process's AT_RANDOM bytes: a name made to
 * collide with a denied one cannot be found without them, where an
 * unkeyed hash let a read of a secret go unlogged).
 */
struct alerted_file {
	uint64_t hash;
	size_t len; /* 0: none */
	unsigned rights;
};
static __thread struct alerted_file alerted __attribute__((tls_model("initial-exec")));

static uint64_t alerted_hash(const char *target, size_t len)
{
	uint64_t key[2] = {0};
	const void *random = (const void *)getauxval(AT_RANDOM);
	if (random)
		memcpy(key, random, sizeof(key));
	return siphash(key, target, len);
}

/* act_on, the file remembered when it was logged and let run. */
static bool act_on_noted(const char *op, const char *target, size_t len, unsigned rights,
			 const struct policy_verdict *v, const char *detail)
{
	bool block = act_on(op, target, len, rights, v, detail);
	if (!block && !v->allowed && shim.action[POLICY_CAT_FILE] == POLICY_MODE_ALERT)
		alerted = (struct alerted_file){alerted_hash(target, len), len, rights};
	return block;
}

/* Whether the current call was already logged for the file target with these rights. */
static bool already_alerted(const char *target, size_t len, unsigned rights)
{
	return alerted.len == len && !(rights & ~alerted.rights) &&
	       alerted.hash == alerted_hash(target, len);
}

/* No empty, "." or ".." segment and no trailing '/': joined to the cwd it is normal. */
static bool plain_relative(const char *p, size_t len)
{
	size_t seg = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		size_t n = i - seg;
		if (n == 0 || (n == 1 && p[seg] == '.') ||
		    (n == 2 && p[seg] == '.' && p[seg + 1] == '.'))
			return false;
		seg = i + 1;
	}
	return true;
}

/*
 * Whether the verdict on rp holds for (path, base) as the cache keys it: an
 * absolute name judged as written, a relative one against the cwd it was
 * judged with. Not a vfork child's relative name: it writes its parent's
 * memory, judged against its own cwd (an absolute name's verdict is the
 * same in either; asking costs a getpid).
 */
static bool keyed_exactly(const char *path, size_t len, uint64_t base,
			  const struct resolved_path *rp)
{
	if (base)
		return plain_relative(path, len) && cwd_epoch() == base &&
		       !child_env_in_vfork_child();
	return rp->name_len == len && memcmp(rp->name, path, len) == 0;
}

/* Leaves the shim with a judgement's answer: -1 (EACCES) when blocked, else 0, errno kept. */
static int leave_judged(bool block, int saved)
{
	shim_leave();
	if (block) {
		errno = EACCES;
		return -1;
	}
	errno = saved;
	return 0;
}

/*
 * The full judgement: resolution, trie, events. Apart from the hit path
 * below so that a hit pays for none of its frame. The names resolved are
 * in the thread's scratch (thread_scratch.h), not on its stack.
 */
static __attribute__((noinline)) int guard_path_full(const char *op, int dirfd, const char *path,
						     unsigned rights, int flags, int *ret_open,
						     bool cacheable, size_t len, uint64_t base,
						     uint64_t hash)
{
	struct thread_scratch *sc;
	struct resolved_path *rp;
	struct policy_verdict v;
	int saved = errno;
	bool block = false;
	const unsigned asked = rights;

	if (!shim_enter())
		return 0;
	/* len: the name's length when guard_path_verify measured it, else 0. */
	if (path && (len ? len : strnlen(path, PATH_MAX + 1)) == PATH_MAX) {
		/*
		 * A name of PATH_MAX bytes or more, cut there (OWN_NAME) for a
		 * call that hands it to the kernel whole: the kernel refuses it
		 * before it looks at any directory. Failed here with its answer,
		 * unmade: nothing reached, nothing to report. A longer name is a
		 * whole copy (OWN_WHOLE_NAME) that libc splits itself (nftw with
		 * FTW_CHDIR, fts, glob) or hands on later: judged as any other.
		 */
		shim_leave();
		errno = ENAMETOOLONG;
		return -1;
	}
	/* The names in the thread's scratch: no memory for it is a path not resolved. */
	sc = thread_scratch();
	rp = sc ? &sc->judged : NULL;
	int r = !rp ? -ENOMEM
		: (flags & REFUSING_LINKS)
			? path_resolve_refusing_links(dirfd, path, flags & FOLLOW, rp)
			: path_resolve(dirfd, path, flags & FOLLOW, rp);
	if (r < 0) {
		/* Cannot say what it names: the call fails by itself or, in enforce, is refused. */
		if (shim.action[POLICY_CAT_FILE] == POLICY_MODE_ENFORCE && r != -EINVAL &&
		    r != -EBADF) {
			struct policy_verdict none = {.allowed = false, .rule = -1};
			block = act_on(op, path, strlen(path), rights, &none,
				       "the path could not be resolved");
		}
		goto out;
	}
	if (rp->unresolved == -ELOOP) {
		/*
		 * Links that lead to links without end (a loop): the kernel stops
		 * at the same count and the call fails with ELOOP by itself. Failed
		 * here with it, unmade: nothing reached, nothing to report.
		 */
		shim_leave();
		errno = ELOOP;
		return -1;
	}
	if (rp->unresolved && shim.action[POLICY_CAT_FILE] != POLICY_MODE_RECORD) {
		/* Links on the way lead somewhere unknown: nothing allows it (path_resolve.h). */
		struct policy_verdict none = {.allowed = false, .rule = -1};
		block = act_on(op, rp->name, rp->name_len, rights, &none,
			       "links on the way could not be followed to where they lead");
		goto out;
	}
	if (rp->held) {
		/*
		 * A pipe or socket the process holds, reopened: as guard_fd. What
		 * opens is looked at after (another thread may put a file at that
		 * number in between): a file is judged then, a pipe is not.
		 */
		if (ret_open)
			*ret_open = OPEN_VERIFY;
		goto out;
	}
	if ((flags & MAYBE_CREATE) && (rights & C)) {
		check_one(rp->name, rp->name_len, rights, &v);
		/* Opening an existing file with O_CREAT creates nothing: no 'c' needed. */
		if ((shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD ||
		     (!v.allowed && !v.by_deny && (v.missing & C))) &&
		    exists(dirfd, path, flags & FOLLOW))
			rights &= ~C;
	}
	check_one(rp->name, rp->name_len, rights, &v);
	/* Allowed as an ancestor only: never remembered (an open asks the same rights). */
	bool seen_only = false;
	if (!v.allowed && !v.by_deny && (flags & LOOK) && shim.policy &&
	    on_the_way(rp->name, rp->name_len))
		v.allowed = seen_only = true;
	/*
	 * Not allowed by its name where links were to be refused: judged the
	 * long way instead, which logs it once (with where a link leads).
	 */
	if (!v.allowed && rp->links_refused && ret_open) {
		*ret_open = OPEN_LONG_WAY;
		goto out;
	}
	/* The common case costs nothing more: allowed, and not recording. */
	if (!v.allowed || shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD)
		block = act_on_noted(op, rp->name, rp->name_len, rights, &v, NULL);
	else if (cacheable && !seen_only && (rp->lexical || rp->links_refused) && rights == asked &&
		 keyed_exactly(path, len, base, rp))
		verdict_cache_store(&sc->vcache, hash, path, len, base,
				    rights | (rp->links_refused ? VERDICT_CACHE_NO_LINKS : 0));
	if (ret_open && rp->links_refused)
		*ret_open = OPEN_NO_LINKS;
	else if (ret_open && shim.policy && shim.action[POLICY_CAT_FILE] != POLICY_MODE_RECORD &&
		 (rp->has_real || policy_path_may_hold_links(shim.policy, rp->name, rp->name_len)))
		*ret_open = OPEN_VERIFY;
	if (!block && rp->has_real) {
		/* A symlink is judged on where it leads as well as on its name. */
		check_one(rp->real, rp->real_len, rights, &v);
		if (!v.allowed && !v.by_deny && (flags & LOOK) && shim.policy &&
		    on_the_way(rp->real, rp->real_len))
			v.allowed = true;
		if (!v.allowed || shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD)
			block = act_on_noted(op, rp->real, rp->real_len, rights, &v,
					     "reached through a symlink");
	}
out:
	return leave_judged(block, saved);
}

/*
 * The common path: returns 0 to let the call run, -1 when it is blocked
 * (errno = EACCES); errno is preserved otherwise. Allowed before, allowed
 * now: the profile is fixed (verdict_cache.h). A hit needs neither the
 * guard nor errno: nothing here calls back into the shim, and a busy or
 * inactive shim would let the call run as well.
 */
static inline __attribute__((always_inline)) int guard_path_verify(const char *op, int dirfd,
								   const char *path,
								   unsigned rights, int flags,
								   int *ret_open)
{
	struct thread_scratch *sc;
	bool usable = false;
	size_t len = 0;
	uint64_t base = 0, hash = 0;

	alerted.len = 0;
	if (__builtin_expect(atomic_load_explicit(&shim_ready, memory_order_acquire), 1) &&
	    shim.active && shim.policy && shim.action[POLICY_CAT_FILE] != POLICY_MODE_RECORD &&
	    path && *path && (path[0] == '/' || dirfd == AT_FDCWD)) {
		bool no_links = false;
		len = strlen(path);
		base = path[0] == '/' ? 0 : cwd_epoch();
		/* Odd: a chdir under way, or threads with directories of their own. */
		usable = !(base & 1);
		hash = usable ? verdict_cache_hash(path, len, base, rights) : 0;
		/* No scratch yet: nothing judged on this thread, nothing cached. */
		if (usable && (sc = thread_scratch_kept()) &&
		    ((flags & REFUSING_LINKS)
			     ? verdict_cache_lookup_refusing(&sc->vcache, hash, path, len, base,
							     rights, &no_links)
			     : verdict_cache_lookup(&sc->vcache, hash, path, len, base, rights))) {
			if (ret_open)
				*ret_open = no_links ? OPEN_NO_LINKS : OPEN_PLAIN;
			return 0;
		}
	}
	return guard_path_full(op, dirfd, path, rights, flags, ret_open, usable, len, base, hash);
}

static inline uint64_t rel_epoch(int dirfd, const char *path);

/*
 * A call made by name after its judgement, relative to the working
 * directory where links can be planted (how OPEN_VERIFY, or OPEN_NO_LINKS
 * for an open that acts before its descriptor is looked at): the name was
 * judged against the directory's path as remembered, and a rename of it or
 * of one above (which no chdir announces) moves the file the call reaches.
 * Unless its path is still that (one getcwd, cwd.h), the name is judged
 * again against where it is now. Returns 0, or -1 (blocked, EACCES).
 */
static int judged_here(const char *op, int dirfd, const char *path, unsigned rights, int flags,
		       int how, uint64_t before)
{
	if (!before || (how != OPEN_VERIFY && how != OPEN_NO_LINKS) || cwd_unmoved(before))
		return 0;
	return guard_path_verify(op, dirfd, path, rights, flags, NULL);
}

static inline __attribute__((always_inline)) int
guard_path(const char *op, int dirfd, const char *path, unsigned rights, int flags)
{
	int how = OPEN_PLAIN;
	uint64_t before = rel_epoch(dirfd, path);
	if (guard_path_verify(op, dirfd, path, rights, flags, &how) < 0)
		return -1;
	return judged_here(op, dirfd, path, rights, flags, how, before);
}

/*
 * posix_spawn's file actions run in the child through libc's internal
 * calls, which no interposer sees: an open is judged when it is added (a
 * relative name against the working directory then), and a denied one is
 * not added (EACCES: posix_spawn is never reached).
 */
EXPORT int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd,
					    const char *path, int flags, mode_t mode)
{
	OWN_NAME(path);
	int g, saved = errno;
	unsigned rights = policy_open_rights(flags, &g);

	if (!REAL(posix_spawn_file_actions_addopen))
		return ENOSYS;
	/*
	 * A name of PATH_MAX bytes or more is added as it is (its copy, cut
	 * there): the child's open fails with ENAMETOOLONG, as it would bare.
	 */
	if (path && guard_path("posix_spawn_file_actions_addopen", AT_FDCWD, path, rights, g) < 0 &&
	    errno != ENAMETOOLONG) {
		int err = errno;
		errno = saved;
		return err;
	}
	errno = saved;
	int err = fd_guard_file_action_open(fa, fd);
	if (err)
		return err;
	return REAL(posix_spawn_file_actions_addopen)(fa, fd, path, flags, mode);
}

/*
 * After an open in a place where links can be planted, the descriptor is
 * judged again on what it really is: a symlink flipped between the check
 * and the open is caught here. Returns fd, or -1 (closed, EACCES).
 */
/* The judgement of verify_fd_as, the descriptor left open: true when it is refused. */
static bool fd_refused(const char *op, int fd, unsigned rights, bool look)
{
	struct thread_scratch *sc;
	char *path;
	size_t len;
	struct policy_verdict v;
	bool block = false;

	if (fd < 0 || !shim.policy || !shim_enter())
		return false;
	int saved = errno;
	/* The path in the thread's scratch: without it, nothing says which file it is. */
	sc = thread_scratch();
	if (!sc) {
		struct policy_verdict none = {.allowed = false, .rule = -1};
		char name[24];
		int n = snprintf(name, sizeof(name), "fd:%d", fd);
		if (shim.action[POLICY_CAT_FILE] == POLICY_MODE_ENFORCE)
			block = act_on(op, name, (size_t)n, rights & ~C, &none,
				       "no memory to tell which file the descriptor is");
		shim_leave();
		errno = saved;
		return block;
	}
	path = sc->fd_path;
	if (path_of_fd(fd, path, PATH_MAX, &len) == 0) {
		check_one(path, len, rights & ~C, &v);
		/* A look (stat, access) at an ancestor of allowed paths is allowed, as judged before. */
		if (!v.allowed && !v.by_deny && look && on_the_way(path, len))
			v.allowed = true;
		if (!v.allowed && already_alerted(path, len, rights & ~C))
			block = false; /* logged when judged by its name, and let run (alert) */
		else
			block = act_on(op, path, len, rights & ~C, &v,
				       "the opened file is elsewhere");
		alerted.len = 0;
	}
	shim_leave();
	errno = saved;
	return block;
}

static int verify_fd_as(const char *op, int fd, unsigned rights, bool look)
{
	if (!fd_refused(op, fd, rights, look))
		return fd;
	REAL(close)(fd);
	errno = EACCES;
	return -1;
}

static int verify_fd(const char *op, int fd, unsigned rights)
{
	return verify_fd_as(op, fd, rights, false);
}

/* A call whose target cannot be known in advance: refused in enforce, logged, as unknown. */
static int guard_unknown(const char *op, const char *path, unsigned rights, const char *why)
{
	struct policy_verdict none = {.allowed = false, .rule = -1};

	if (!shim.policy || !path || !shim_enter())
		return 0;
	int saved = errno;
	return leave_judged(act_on(op, path, strlen(path), rights, &none, why), saved);
}

/*
 * A call on the file behind a descriptor (freopen(NULL), linkat with
 * AT_EMPTY_PATH): judged on that file's path. A descriptor that is no file
 * on a path (pipe, socket) passes; without /proc to name it, it is unknown.
 * Returns 0, or -1 (errno EACCES).
 */
static int guard_fd(const char *op, int fd, unsigned rights)
{
	char path[PATH_MAX];
	size_t len;

	if (path_of_fd(fd, path, sizeof(path), &len) == 0)
		return guard_path(op, AT_FDCWD, path, rights, 0);
	if (proc_fd_dir() || shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD)
		return 0;
	snprintf(path, sizeof(path), "fd:%d", fd);
	return guard_unknown(op, path, rights, "no /proc to tell which file the descriptor is");
}

/*
 * A change to the file behind a descriptor (fchmod, fchown, futimens,
 * fsetxattr...): one open for writing was judged for writing when opened;
 * any other (read-only, O_PATH) is judged on its path now. A closed
 * descriptor is left to fail.
 */
static int guard_fd_change(const char *op, int fd)
{
	/* AT_FDCWD with an empty name: the working directory itself. */
	if (fd == AT_FDCWD)
		return guard_path(op, AT_FDCWD, ".", W, 0);
	long fl = shim_syscall(SYS_fcntl, fd, F_GETFL);

	if (fl < 0 || (!(fl & O_PATH) && (fl & O_ACCMODE) != O_RDONLY))
		return 0;
	return guard_fd(op, fd, W);
}

/*
 * The epoch a relative name is judged with (cwd.h), or 0 for a name that
 * does not depend on the working directory.
 */
static inline uint64_t rel_epoch(int dirfd, const char *path)
{
	return path && path[0] && path[0] != '/' && dirfd == AT_FDCWD ? cwd_epoch() : 0;
}

/*
 * Another thread's chdir between judging a relative name and the call: the
 * name was judged against one directory and opened in another. The
 * descriptor says which file it is.
 */
static inline bool moved_under(uint64_t before)
{
	return before && cwd_moved(before, cwd_epoch());
}

static int call_open(int dirfd, const char *path, int flags, mode_t mode);

/* openat2 refused in this process (a kernel before 5.6, a filter saying ENOSYS or EPERM). */
static atomic_bool no_openat2;

/*
 * Where links can be planted, a name is opened refusing every link on its
 * way (instead of a readlink per component before and a look at the
 * descriptor after, path_resolve.h). An absolute name judged is then the
 * file opened, for no system call more. A relative name is judged joined
 * to the directory it is relative to as the shim knows it (the working
 * directory from memory, a dirfd's path read before), and a rename of that
 * directory, which no chdir announces, moves it: relative_checked looks
 * again after the open.
 */
static bool try_refusing_links(const char *path, const void *next)
{
	/* Another preload wrapping the call after the shim must see it: it goes there. */
	return path && path[0] && !atomic_load_explicit(&no_openat2, memory_order_relaxed) &&
	       shim.action[POLICY_CAT_FILE] != POLICY_MODE_RECORD && dl_ops_in_libc(next);
}

/*
 * A descriptor opened refusing links by a relative name (see above): kept
 * when the working directory's path is still the one the name was judged
 * against (one getcwd, cwd.h), else judged on its own path (a readlink of
 * /proc/self/fd/N, six times the cost; always for a dirfd's names).
 * before is rel_epoch() from before the judgement.
 */
static int relative_checked(const char *op, const char *path, int fd, unsigned rights, bool look,
			    uint64_t before)
{
	if (path[0] == '/' || cwd_unmoved(before))
		return fd;
	return verify_fd_as(op, fd, rights, look);
}

/*
 * openat2 with the program's flags and RESOLVE_NO_SYMLINKS. Not a
 * cancellation point, as open is. Returns the descriptor, or -1 and errno.
 */
static int open_refusing_links(int dirfd, const char *path, int flags, mode_t mode)
{
	bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags,
		.mode = creates ? (mode & 07777) : 0,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	int fd = (int)raw_syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	/*
	 * EPERM is a filter's answer only where the open could not earn it: no
	 * write (immutable and append-only files), no O_NOATIME. Elsewhere it
	 * is asked again the long way, this once.
	 */
	if (fd < 0 && (errno == ENOSYS || (errno == EPERM && (flags & O_ACCMODE) == O_RDONLY &&
					   !(flags & (O_NOATIME | O_TRUNC | O_CREAT)))))
		atomic_store_explicit(&no_openat2, true, memory_order_relaxed);
	return fd;
}

/*
 * A link on the way (ELOOP), flags openat2 is stricter about than openat
 * (EINVAL: unknown bits), or openat2 refused: the open is judged again the
 * long way and made as the program asked. Any other failure is the open's.
 */
static bool open_long_way(int err)
{
	return err == ELOOP || err == EINVAL || err == ENOSYS || err == EPERM;
}

/* r, with errno set to saved when r is a descriptor (the checks after a call succeeded). */
static int kept_errno(int r, int saved)
{
	if (r >= 0)
		errno = saved;
	return r;
}

/*
 * Where the name is known only once it is open (links on the way: the
 * descriptor is looked at after), a truncation would act before the look:
 * a directory swapped for a link to a denied one in between had that file
 * truncated. Such an open is made without O_TRUNC, and the file it reached,
 * once allowed, opened again with the caller's flags through the
 * descriptor's /proc name (that very file, and O_TRUNC as the kernel does
 * it, O_RDONLY included: no other system call than the open). O_PATH
 * ignores O_TRUNC; without /proc to look with, it stays as asked.
 */
static bool truncates_late(int how, int flags)
{
	return how == OPEN_VERIFY && (flags & O_TRUNC) && !(flags & O_PATH) &&
	       (flags & O_TMPFILE) != O_TMPFILE && proc_fd_dir();
}

/* fd opened again with flags (O_TRUNC), the first one closed: the new one, or -1 (errno). */
static int truncated(int fd, int flags)
{
	char name[48];
	const char *fds = proc_fd_dir();
	if (fd < 0 || !fds)
		return fd;
	snprintf(name, sizeof(name), "%s/%d", fds, fd);
	/* The file exists, and the name is a link to it. */
	int t = (int)raw_syscall(SYS_openat, AT_FDCWD, name,
				 flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), 0);
	int saved = errno;
	raw_syscall(SYS_close, fd);
	errno = saved;
	return t;
}

static int open_common(const char *op, int dirfd, const char *path, int flags, mode_t mode,
		       int (*call)(int, const char *, int, mode_t))
{
	int g, how = OPEN_PLAIN, saved = errno;
	unsigned rights = policy_open_rights(flags, &g);
	uint64_t before = rel_epoch(dirfd, path);
	bool refusing = try_refusing_links(path, call == call_open ? (const void *)REAL(open)
								   : (const void *)REAL(openat));
	if (guard_path_verify(op, dirfd, path, rights, g | (refusing ? REFUSING_LINKS : 0), &how) <
	    0)
		return -1;
	/*
	 * A creating or truncating open acts before its descriptor can be
	 * looked at: a relative name is judged again first if its directory
	 * has moved since (relative_checked still looks after).
	 */
	if (how == OPEN_NO_LINKS && (flags & (O_CREAT | O_TRUNC)) &&
	    judged_here(op, dirfd, path, rights, g, how, before) < 0)
		return -1;
	if (how == OPEN_NO_LINKS) {
		int fd = open_refusing_links(dirfd, path, flags, mode);
		if (fd >= 0)
			return kept_errno(relative_checked(op, path, fd, rights, false, before),
					  saved);
		if (!open_long_way(errno))
			return fd;
		how = OPEN_LONG_WAY;
	}
	if (how == OPEN_LONG_WAY) {
		how = OPEN_PLAIN;
		if (guard_path_verify(op, dirfd, path, rights, g, &how) < 0)
			return -1;
	}
	if ((flags & (O_CREAT | O_TRUNC)) &&
	    judged_here(op, dirfd, path, rights, g, how, before) < 0)
		return -1;
	errno = saved; /* the long way's failed attempt (ELOOP) is not the call's */
	bool late = truncates_late(how, flags);
	int fd = call(dirfd, path, late ? flags & ~O_TRUNC : flags, mode);
	bool verify = how == OPEN_VERIFY || moved_under(before);
	if (!verify)
		return fd;
	int r = verify_fd(op, fd, rights);
	if (late)
		r = truncated(r, flags);
	return kept_errno(r, fd < 0 || r < 0 ? errno : saved);
}

int file_ops_guard_read(const char *op, const char *path)
{
	return guard_path(op, AT_FDCWD, path, R, FOLLOW);
}

int file_ops_refuse_unjudged(const char *op, const char *path, const char *why)
{
	struct policy_verdict none = {.allowed = false, .rule = -1};
	int saved = errno;
	bool block = false;

	if (!shim_enter())
		return 0;
	if (shim.policy && shim.action[POLICY_CAT_FILE] != POLICY_MODE_RECORD)
		block = act_on(op, path, strlen(path), R, &none, why);
	return leave_judged(block, saved);
}

/*
 * openat2 reached through syscall(): judged on private copies of the name and
 * the open_how (a second thread cannot widen the flags after the check) and
 * run with them.
 * RESOLVE_* flags only narrow what the kernel will follow: the check stands.
 */
long file_ops_openat2(int dirfd, const char *path, const struct open_how *how, size_t size)
{
	OWN_NAME(path);
	struct open_how copy = {0};
	int g, verify = OPEN_PLAIN;

	if (!how || size < sizeof(copy)) {
		errno = how ? EINVAL : EFAULT;
		return -1;
	}
	memcpy(&copy, how, sizeof(copy));
	if (size > sizeof(copy)) {
		/*
		 * Fields this shim does not know would be judged blind:
		 * the kernel says E2BIG for non-zero ones too.
		 */
		for (size_t i = sizeof(copy); i < size; i++)
			if (((const unsigned char *)how)[i]) {
				errno = E2BIG;
				return -1;
			}
	}
	unsigned rights = policy_open_rights((int)copy.flags, &g);
	/*
	 * RESOLVE_IN_ROOT reads an absolute name, and "..", as below dirfd:
	 * the name does not say what it opens. Judged on the descriptor, and
	 * refused where it would create or truncate before that.
	 */
	if (copy.resolve & RESOLVE_IN_ROOT) {
		alerted.len = 0; /* judged on the descriptor alone: nothing logged before */
		if ((copy.flags & (O_CREAT | O_TRUNC)) &&
		    guard_unknown("openat2", path, rights,
				  "RESOLVE_IN_ROOT: where the name leads is known only once it is "
				  "open, and this open would create or truncate first") < 0)
			return -1;
		return verify_fd("openat2",
				 (int)REAL(syscall)(SYS_openat2, dirfd, path, &copy, sizeof(copy)),
				 rights);
	}
	uint64_t before = rel_epoch(dirfd, path);
	if (guard_path_verify("openat2", dirfd, path, rights, g, &verify) < 0)
		return -1;
	/* It creates or truncates before its descriptor can be looked at (open_common). */
	if ((copy.flags & (O_CREAT | O_TRUNC)) &&
	    judged_here("openat2", dirfd, path, rights, g, verify, before) < 0)
		return -1;
	bool late = truncates_late(verify, (int)copy.flags);
	if (late)
		copy.flags &= ~(uint64_t)O_TRUNC;
	long fd = REAL(syscall)(SYS_openat2, dirfd, path, &copy, sizeof(copy));
	if (verify != OPEN_VERIFY && !moved_under(before))
		return fd;
	int r = verify_fd("openat2", (int)fd, rights);
	return late ? truncated(r, (int)copy.flags | O_TRUNC) : r;
}

static int call_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return REAL(openat)(dirfd, path, flags, mode);
}

static int call_open(int dirfd, const char *path, int flags, mode_t mode)
{
	(void)dirfd;
	return REAL(open)(path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	OWN_NAME(path);
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common("open", AT_FDCWD, path, flags, mode, call_open);
}

EXPORT int open64(const char *path, int flags, ...)
{
	OWN_NAME(path);
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common("open64", AT_FDCWD, path, flags | O_LARGEFILE, mode, call_open);
}

/* libc's other names for open (public weak aliases, and the GLIBC_PRIVATE no-cancel ones). */
EXPORT extern __typeof(open) __open __attribute__((alias("open")));
EXPORT extern __typeof(open64) __open64 __attribute__((alias("open64")));
EXPORT extern __typeof(open) __open_nocancel __attribute__((alias("open")));
EXPORT extern __typeof(open64) __open64_nocancel __attribute__((alias("open64")));

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	OWN_NAME(path);
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common("openat", dirfd, path, flags, mode, call_openat);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	OWN_NAME(path);
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common("openat64", dirfd, path, flags | O_LARGEFILE, mode, call_openat);
}

/* The _FORTIFY_SOURCE entry points: flags without O_CREAT, so no mode. */
EXPORT int __open_2(const char *path, int flags)
{
	OWN_NAME(path);
	return open_common("__open_2", AT_FDCWD, path, flags, 0, call_open);
}

EXPORT int __open64_2(const char *path, int flags)
{
	OWN_NAME(path);
	return open_common("__open64_2", AT_FDCWD, path, flags | O_LARGEFILE, 0, call_open);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	OWN_NAME(path);
	return open_common("__openat_2", dirfd, path, flags, 0, call_openat);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	OWN_NAME(path);
	return open_common("__openat64_2", dirfd, path, flags | O_LARGEFILE, 0, call_openat);
}

EXPORT int creat(const char *path, mode_t mode)
{
	OWN_NAME(path);
	return open_common("creat", AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, call_open);
}

EXPORT int creat64(const char *path, mode_t mode)
{
	OWN_NAME(path);
	return open_common("creat64", AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC | O_LARGEFILE,
			   mode, call_open);
}

/* fopen's mode string as open(2) flags: "r", "w", "a", with '+', 'x'. */
static int fopen_flags(const char *mode)
{
	int flags;
	bool plus = false, excl = false, cloexec = false;
	if (!mode)
		return O_RDONLY;
	/*
	 * glibc reads the six characters after the first, up to a NUL, and
	 * skips any it does not know (',' included: "r,+" opens for writing).
	 * A '+' anywhere counts, which is stricter.
	 */
	for (size_t i = 1; mode[0] && mode[i]; i++) {
		if (mode[i] == '+')
			plus = true;
		else if (mode[i] == 'x' && i < 7)
			excl = true;
		else if (mode[i] == 'e' && i < 7)
			cloexec = true;
	}
	switch (mode[0]) {
	case 'w':
		flags = O_CREAT | O_TRUNC | (plus ? O_RDWR : O_WRONLY);
		break;
	case 'a':
		flags = O_CREAT | O_APPEND | (plus ? O_RDWR : O_WRONLY);
		break;
	default:
		flags = plus ? O_RDWR : O_RDONLY;
		break;
	}
	if (excl && (flags & O_CREAT))
		flags |= O_EXCL;
	return flags | (cloexec ? O_CLOEXEC : 0);
}

/*
 * fopen's mode is copied as the name is (own_name): the rights are judged
 * from the copy libc is handed. Longer than any real mode (its ",ccs="
 * part names a character set), it is cut.
 */
#define FOPEN_MODE_MAX 256

/*
 * fopen with a mode that creates or truncates ("w", "a"), opened as open()
 * is (open_common: links refused on the way where they can be planted, the
 * truncation made once the descriptor is allowed), then given its stream:
 * libc's fopen would create and truncate before the descriptor could be
 * looked at. A plain "a" starts at the end, as fopen's does.
 */
static FILE *fopen_by_open(const char *op, const char *path, const char *mode, int flags)
{
	int fd = open_common(op, AT_FDCWD, path, flags, 0666, call_open);
	if (fd < 0)
		return NULL;
	if ((flags & O_APPEND) && (flags & O_ACCMODE) == O_WRONLY)
		lseek(fd, 0, SEEK_END);
	FILE *f = REAL(fdopen) ? REAL(fdopen)(fd, mode) : (errno = ENOSYS, NULL);
	if (!f) {
		int saved = errno;
		raw_syscall(SYS_close, fd);
		errno = saved;
	}
	return f;
}

static FILE *fopen_common(const char *op, const char *path, const char *mode, FILE *stream,
			  FILE *(*call)(const char *, const char *, FILE *))
{
	char own_mode[FOPEN_MODE_MAX];
	if (mode) {
		size_t n = strnlen(mode, sizeof(own_mode) - 1);
		memcpy(own_mode, mode, n);
		own_mode[n] = '\0';
		mode = own_mode;
	}
	int g, flags = fopen_flags(mode);
	unsigned rights = policy_open_rights(flags, &g);
	if (!path) {
		/* freopen(NULL, mode, f): same file, new mode; judge what the stream is. */
		if (stream && guard_fd(op, fileno(stream), rights & ~C) < 0)
			return NULL;
		return call(path, mode, stream);
	}
	if (!stream && mode && (flags & (O_CREAT | O_TRUNC)) && !strstr(mode, ",ccs="))
		return fopen_by_open(op, path, mode, flags);
	int how = OPEN_PLAIN;
	uint64_t before = rel_epoch(AT_FDCWD, path);
	if (guard_path_verify(op, AT_FDCWD, path, rights, g, &how) < 0)
		return NULL;
	/* It creates or truncates before its descriptor can be looked at (open_common). */
	if ((flags & (O_CREAT | O_TRUNC)) &&
	    judged_here(op, AT_FDCWD, path, rights, g, how, before) < 0)
		return NULL;
	FILE *f = call(path, mode, stream);
	if (f && (how == OPEN_VERIFY || moved_under(before)) &&
	    fd_refused(op, fileno(f), rights, false)) {
		fclose(f);
		errno = EACCES;
		return NULL;
	}
	return f;
}

static FILE *call_fopen(const char *path, const char *mode, FILE *stream)
{
	(void)stream;
	return REAL(fopen)(path, mode);
}

static FILE *call_fopen64(const char *path, const char *mode, FILE *stream)
{
	(void)stream;
	return REAL(fopen64)(path, mode);
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	OWN_NAME(path);
	return fopen_common("fopen", path, mode, NULL, call_fopen);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	OWN_NAME(path);
	return fopen_common("fopen64", path, mode, NULL, call_fopen64);
}

EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	OWN_NAME(path);
	return fopen_common("freopen", path, mode, stream, REAL(freopen));
}

EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	OWN_NAME(path);
	return fopen_common("freopen64", path, mode, stream, REAL(freopen64));
}

EXPORT DIR *opendir(const char *path)
{
	OWN_NAME(path);
	if (guard_path("opendir", AT_FDCWD, path, R, FOLLOW) < 0)
		return NULL;
	return REAL(opendir)(path);
}

/*
 * realpath(3) walks the name with libc's own lstat and readlink, unseen by
 * the wrappers: judged as a stat of it (every component looked at, links
 * followed). It told whether names in a directory the program may not look
 * into exist and where their links lead (node's fs.realpathSync.native and
 * fs.promises.realpath; found by a refusal sweep, 2026-11-25). The shim's
 * own code calls libc's (real_realpath); a call made inside the shim (its
 * policy code's, cJSON's) passes through, as every call does there. Not by
 * return address: a program's callback the shim calls (glob's errfn) would
 * have passed for the shim's own (found by review). Copied whole: libc walks
 * a name of PATH_MAX or more itself ("/./././...").
 */
// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define REALPATH(sym, params, args)                                                 \
	EXPORT char *sym params                                                     \
	{                                                                           \
		if (!REAL(sym)) {                                                   \
			errno = ENOSYS;                                             \
			return NULL;                                                \
		}                                                                   \
		if (shim_inside())                                                  \
			return REAL(sym) args;                                      \
		OWN_WHOLE_NAME(path, NULL);                                         \
		if (path && guard_path(#sym, AT_FDCWD, path, R, FOLLOW | LOOK) < 0) \
			return NULL;                                                \
		return REAL(sym) args;                                              \
	}
// NOLINTEND(bugprone-macro-parentheses)

REALPATH(realpath, (const char *path, char *resolved), (path, resolved))
REALPATH(canonicalize_file_name, (const char *path), (path))
REALPATH(__realpath_chk, (const char *path, char *resolved, size_t resolvedlen),
	 (path, resolved, resolvedlen))

/*
 * An entry point that judges one path operand, then calls libc under the
 * same name: WRAP(return type, value when blocked, name, (parameters),
 * (arguments), dirfd, path, rights, how).
 */
// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define WRAP(type, fail, sym, params, args, dirfd, path, rights, how) \
	EXPORT type sym params                                        \
	{                                                             \
		OWN_NAME(path);                                       \
		if (guard_path(#sym, dirfd, path, rights, how) < 0)   \
			return fail;                                  \
		return REAL(sym) args;                                \
	}
// NOLINTEND(bugprone-macro-parentheses)

/* WRAP for functions that split their name themselves: copied whole (OWN_WHOLE_NAME). */
// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define WRAP_WHOLE(type, fail, sym, params, args, dirfd, path, rights, how) \
	EXPORT type sym params                                              \
	{                                                                   \
		OWN_WHOLE_NAME(path, fail);                                 \
		if (guard_path(#sym, dirfd, path, rights, how) < 0)         \
			return fail;                                        \
		return REAL(sym) args;                                      \
	}
// NOLINTEND(bugprone-macro-parentheses)

/*
 * Functions that list or walk directories with glibc's internal opendir,
 * past the opendir wrapper: the directory they start from is judged. What a
 * walk (nftw, ftw) then descends into is not judged one by one: a deny rule
 * below an allowed start is left to Landlock and the seccomp layer.
 */
#define SCANDIR_REST(ent)                                   \
	struct ent ***list, int (*sel)(const struct ent *), \
		int (*cmp)(const struct ent **, const struct ent **)
#define SCANDIR(sym, ent)                                                                         \
	WRAP(int, -1, sym, (const char *dir, SCANDIR_REST(ent)), (dir, list, sel, cmp), AT_FDCWD, \
	     dir, R, FOLLOW)
#define WALK_FTW(sym, fn_t)                                                                     \
	WRAP_WHOLE(int, -1, sym, (const char *dir, fn_t fn, int fds), (dir, fn, fds), AT_FDCWD, \
		   dir, R, FOLLOW)
#define WALK_NFTW(sym, fn_t)                                                     \
	WRAP_WHOLE(int, -1, sym, (const char *dir, fn_t fn, int fds, int flags), \
		   (dir, fn, fds, flags), AT_FDCWD, dir, R, (flags & FTW_PHYS) ? 0 : FOLLOW)

SCANDIR(scandir, dirent)
SCANDIR(scandir64, dirent64)
WRAP(int, -1, scandirat, (int dirfd, const char *dir, SCANDIR_REST(dirent)),
     (dirfd, dir, list, sel, cmp), dirfd, dir, R, FOLLOW)
WALK_NFTW(nftw, __nftw_func_t)
WALK_NFTW(nftw64, __nftw64_func_t)
WALK_FTW(ftw, __ftw_func_t)
WALK_FTW(ftw64, __ftw64_func_t)

/*
 * A watch tells the names in a directory and what is done to them (or that
 * a file is read): judged as reading what it watches. Its link is not
 * followed with IN_DONT_FOLLOW.
 */
WRAP(int, -1, inotify_add_watch, (int fd, const char *path, uint32_t mask), (fd, path, mask),
     AT_FDCWD, path, R, (mask & IN_DONT_FOLLOW) ? 0 : FOLLOW)

/*
 * The directory a glob pattern lists first: its segments before the first
 * wildcard, into dir. Returns false for none to judge (an empty pattern, a
 * directory part of PATH_MAX or more).
 */
static bool glob_dir(const char *pattern, char dir[PATH_MAX])
{
	size_t end = 0;

	if (!pattern || !*pattern)
		return false;
	for (size_t i = 0; pattern[i] && !strchr("*?[\\{", pattern[i]); i++)
		if (pattern[i] == '/')
			end = i;
	size_t n = strlen(pattern);
	if (!strpbrk(pattern, "*?[\\{"))
		end = n; /* no wildcard: glob only stats the name itself */
	if (end == 0)
		end = pattern[0] == '/' ? 1 : 0;
	if (end >= PATH_MAX)
		return false;
	memcpy(dir, end ? pattern : ".", end ? end : 1);
	dir[end ? end : 1] = '\0';
	return true;
}

static int guard_glob(const char *op, const char *pattern)
{
	char dir[PATH_MAX];

	/* Listed as opendir lists it: an ancestor of allowed paths is not listable for that. */
	return glob_dir(pattern, dir) ? guard_path(op, AT_FDCWD, dir, R, FOLLOW) : 0;
}

/*
 * A listing refused, answered as glibc answers a directory it cannot open:
 * errfn told (the directory, EACCES), GLOB_ABORTED with GLOB_ERR or when
 * errfn says so, else no match (GLOB_NOCHECK: the pattern itself), and the
 * glob_t left as glob leaves it, so that globfree is safe. The refusal
 * returned GLOB_ABORTED with the glob_t untouched: a caller's globfree of
 * it crashed (found by a refusal sweep, 2026-11-25).
 */
static int glob_refused(const char *pattern, int flags, int (*errfn)(const char *, int),
			size_t *pathc, char ***pathv, size_t *gl_offs, int *gl_flags)
{
	char dir[PATH_MAX];
	int e = errno;

	/* As glob: an offset only with GLOB_DOOFFS (globfree reads it), the flags kept. */
	if (!(flags & GLOB_DOOFFS))
		*gl_offs = 0;
	size_t offs = *gl_offs;
	*gl_flags = flags;
	if (!(flags & GLOB_APPEND)) {
		*pathc = 0;
		*pathv = offs ? calloc(offs + 1, sizeof(char *)) : NULL;
		if (offs && !*pathv)
			return GLOB_NOSPACE;
	}
	if ((errfn && glob_dir(pattern, dir) && errfn(dir, e)) || (flags & GLOB_ERR))
		return GLOB_ABORTED;
	if (!(flags & GLOB_NOCHECK))
		return GLOB_NOMATCH;
	char *copy = strdup(pattern);
	char **v = copy ? realloc(*pathv, (offs + *pathc + 2) * sizeof(char *)) : NULL;
	if (!v) {
		free(copy);
		return GLOB_NOSPACE;
	}
	v[offs + *pathc] = copy;
	v[offs + *pathc + 1] = NULL;
	*pathv = v;
	(*pathc)++;
	return 0;
}

/*
 * After glob: what it found is what it listed, and glibc lists the
 * directories of every level internally, unseen (a pattern with ".."
 * after a wildcard, or a brace list, lists far from its literal prefix).
 * Each entry's directory is judged as an opendir of it would be; entries
 * from one the program may not list are dropped (enforce: one event per
 * directory, as the listing it stands for), the others kept in order.
 * pathv[first..end) are the entries this call added; each was malloc'd by
 * glob, as globfree expects. Returns the new end.
 */
static size_t filter_glob(const char *op, char **pathv, size_t first, size_t end)
{
	char dir[PATH_MAX];
	bool have = false, listable = true;
	size_t out = first;

	for (size_t i = first; i < end; i++) {
		const char *p = pathv[i];
		size_t n = strlen(p);
		while (n > 1 && p[n - 1] == '/') /* GLOB_MARK */
			n--;
		while (n > 0 && p[n - 1] != '/')
			n--;
		while (n > 1 && p[n - 1] == '/')
			n--;
		const char *d = n ? p : ".";
		size_t dn = n ? n : 1;
		if (dn >= sizeof(dir)) {
			listable = false;
		} else if (!have || strlen(dir) != dn || memcmp(dir, d, dn) != 0) {
			memcpy(dir, d, dn);
			dir[dn] = '\0';
			have = true;
			listable = guard_path(op, AT_FDCWD, dir, R, FOLLOW) == 0;
		}
		if (listable)
			pathv[out++] = pathv[i];
		else
			free(pathv[i]);
	}
	pathv[out] = NULL;
	return out;
}

/* type is a type name: it cannot be parenthesized. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define GLOB_WRAP(sym, type)                                                                       \
	EXPORT int sym(const char *pattern, int flags, int (*errfn)(const char *, int), type *g)   \
	{                                                                                          \
		OWN_WHOLE_NAME(pattern, GLOB_NOSPACE);                                             \
		size_t before = (g && (flags & GLOB_APPEND)) ? g->gl_pathc : 0;                    \
		if (guard_glob(#sym, pattern) < 0)                                                 \
			return g ? glob_refused(pattern, flags, errfn, &g->gl_pathc, &g->gl_pathv, \
						&g->gl_offs, &g->gl_flags)                         \
				 : GLOB_ABORTED;                                                   \
		int r = REAL(sym)(pattern, flags, errfn, g);                                       \
		if (r != 0 || !g || !g->gl_pathv)                                                  \
			return r;                                                                  \
		size_t offs = (flags & GLOB_DOOFFS) ? g->gl_offs : 0;                              \
		size_t end = filter_glob(#sym, g->gl_pathv, offs + before, offs + g->gl_pathc);    \
		g->gl_pathc = end - offs;                                                          \
		return g->gl_pathc > before ? 0 : GLOB_NOMATCH;                                    \
	}
// NOLINTEND(bugprone-macro-parentheses)

GLOB_WRAP(glob, glob_t)
GLOB_WRAP(glob64, glob64_t)

/*
 * Temporary files made from a template: glibc opens them internally. The
 * template names the directory and the file (its XXXXXX are only random
 * letters), so it is judged as the creation of that name. It is copied as
 * a name is (own_name); libc fills the copy's XXXXXX, written back after.
 */
static void template_back(char *tmpl, const char *own)
{
	size_t n = own ? strlen(own) : 0;
	if (tmpl != own && memcmp(tmpl, own, n) != 0)
		memcpy(tmpl, own, n);
}

// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define MKTEMP(sym, params, args)                                       \
	EXPORT int sym params                                           \
	{                                                               \
		char *caller = tmpl;                                    \
		OWN_WHOLE_NAME(tmpl, -1);                               \
		if (guard_path(#sym, AT_FDCWD, tmpl, R | W | C, 0) < 0) \
			return -1;                                      \
		int fd = REAL(sym) args;                                \
		template_back(caller, tmpl);                            \
		return fd;                                              \
	}
// NOLINTEND(bugprone-macro-parentheses)

MKTEMP(mkstemp, (char *tmpl), (tmpl))
MKTEMP(mkstemp64, (char *tmpl), (tmpl))
MKTEMP(mkostemp, (char *tmpl, int flags), (tmpl, flags))
MKTEMP(mkstemps, (char *tmpl, int suffixlen), (tmpl, suffixlen))
MKTEMP(mkostemps, (char *tmpl, int suffixlen, int flags), (tmpl, suffixlen, flags))

/*
 * The names glibc's headers give these under _FILE_OFFSET_BITS=64 (the
 * default of many builds): the same functions on a 64-bit system.
 */
EXPORT extern __typeof(mkostemp) mkostemp64 __attribute__((alias("mkostemp")));
EXPORT extern __typeof(mkstemps) mkstemps64 __attribute__((alias("mkstemps")));
EXPORT extern __typeof(mkostemps) mkostemps64 __attribute__((alias("mkostemps")));
WRAP(int, -1, scandirat64, (int dirfd, const char *dir, SCANDIR_REST(dirent64)),
     (dirfd, dir, list, sel, cmp), dirfd, dir, R, FOLLOW)

EXPORT char *mkdtemp(char *tmpl)
{
	char *caller = tmpl;
	OWN_WHOLE_NAME(tmpl, NULL);
	if (guard_path("mkdtemp", AT_FDCWD, tmpl, C, 0) < 0)
		return NULL;
	char *dir = REAL(mkdtemp)(tmpl);
	template_back(caller, tmpl);
	return dir ? caller : NULL;
}

/* ---- metadata: r ---------------------------------------------------------- */

#define AT_FOLLOW(flags) (((flags)&AT_SYMLINK_NOFOLLOW) ? 0 : FOLLOW)
/* An empty path with AT_EMPTY_PATH acts on the descriptor itself: nothing to judge. */
#define ON_FD_ONLY(path, flags) (((flags)&AT_EMPTY_PATH) && (path) && !*(path))

enum {
	LOOK_FAILED = -1,
	LOOK_PLAIN = -2
};

/*
 * The flags the calls on look_at's descriptor carry over; with any other
 * the plain call is made (and says EINVAL where the kernel does).
 */
#define STAT_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)

/*
 * The stat family where links can be planted (try_refusing_links): the
 * name is opened O_PATH refusing every link on its way and the call made
 * on that descriptor, three system calls instead of a readlink per
 * component and the call (a relative name: one more, relative_checked).
 * next is the function the call goes to. Returns
 * the descriptor, LOOK_PLAIN (judged: make the call as asked) or
 * LOOK_FAILED (blocked, or the name's own failure; errno set).
 */
static int look_at_judged(const char *op, int dirfd, const char *path, int flags, const void *next,
			  bool known_flags)
{
	int how = OPEN_PLAIN;
	uint64_t before = rel_epoch(dirfd, path);
	bool refusing = known_flags && try_refusing_links(path, next);

	if (guard_path_verify(op, dirfd, path, R, flags | (refusing ? REFUSING_LINKS : 0), &how) <
	    0)
		return LOOK_FAILED;
	if (how == OPEN_NO_LINKS) {
		int fd = open_refusing_links(
			dirfd, path, O_PATH | O_CLOEXEC | ((flags & FOLLOW) ? 0 : O_NOFOLLOW), 0);
		if (fd >= 0) {
			fd = relative_checked(op, path, fd, R, true, before);
			return fd >= 0 ? fd : LOOK_FAILED;
		}
		/* Out of descriptors is no answer about the name: the plain call needs none. */
		if (!open_long_way(errno) && errno != EMFILE && errno != ENFILE && errno != ENOMEM)
			return LOOK_FAILED;
		how = OPEN_LONG_WAY;
	}
	if (how == OPEN_LONG_WAY)
		return guard_path(op, dirfd, path, R, flags) < 0 ? LOOK_FAILED : LOOK_PLAIN;
	return judged_here(op, dirfd, path, R, flags, how, before) < 0 ? LOOK_FAILED : LOOK_PLAIN;
}

/* look_at_judged, the program's errno kept when the call goes on (a look refusing links
 * that failed leaves ELOOP behind; a call that succeeds must not show it). */
static int look_at(const char *op, int dirfd, const char *path, int flags, const void *next,
		   bool known_flags)
{
	int saved = errno;
	int r = look_at_judged(op, dirfd, path, flags, next, known_flags);
	if (r != LOOK_FAILED)
		errno = saved;
	return r;
}

/* The call made on a descriptor of the shim's (look_at's, a pin): closes it, keeps its errno. */
static int looked(int fd, int r)
{
	int saved = errno;
	raw_syscall(SYS_close, fd);
	errno = saved;
	return r;
}

EXPORT int stat(const char *path, struct stat *st)
{
	OWN_NAME(path);
	int fd = look_at("stat", AT_FDCWD, path, FOLLOW | LOOK, REAL(stat), true);
	if (fd >= 0)
		return looked(fd, REAL(fstatat)(fd, "", st, AT_EMPTY_PATH));
	return fd == LOOK_FAILED ? -1 : REAL(stat)(path, st);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	OWN_NAME(path);
	int fd = look_at("stat64", AT_FDCWD, path, FOLLOW | LOOK, REAL(stat64), true);
	if (fd >= 0)
		return looked(fd, REAL(fstatat64)(fd, "", st, AT_EMPTY_PATH));
	return fd == LOOK_FAILED ? -1 : REAL(stat64)(path, st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	OWN_NAME(path);
	int fd = look_at("lstat", AT_FDCWD, path, LOOK, REAL(lstat), true);
	if (fd >= 0)
		return looked(fd, REAL(fstatat)(fd, "", st, AT_EMPTY_PATH));
	return fd == LOOK_FAILED ? -1 : REAL(lstat)(path, st);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	OWN_NAME(path);
	int fd = look_at("lstat64", AT_FDCWD, path, LOOK, REAL(lstat64), true);
	if (fd >= 0)
		return looked(fd, REAL(fstatat64)(fd, "", st, AT_EMPTY_PATH));
	return fd == LOOK_FAILED ? -1 : REAL(lstat64)(path, st);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	OWN_NAME(path);
	if (ON_FD_ONLY(path, flags))
		return REAL(fstatat)(dirfd, path, st, flags);
	int fd = look_at("fstatat", dirfd, path, AT_FOLLOW(flags) | LOOK, REAL(fstatat),
			 !(flags & ~STAT_FLAGS));
	if (fd >= 0)
		return looked(fd,
			      REAL(fstatat)(fd, "", st, AT_EMPTY_PATH | (flags & AT_NO_AUTOMOUNT)));
	return fd == LOOK_FAILED ? -1 : REAL(fstatat)(dirfd, path, st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	OWN_NAME(path);
	if (ON_FD_ONLY(path, flags))
		return REAL(fstatat64)(dirfd, path, st, flags);
	int fd = look_at("fstatat64", dirfd, path, AT_FOLLOW(flags) | LOOK, REAL(fstatat64),
			 !(flags & ~STAT_FLAGS));
	if (fd >= 0)
		return looked(
			fd, REAL(fstatat64)(fd, "", st, AT_EMPTY_PATH | (flags & AT_NO_AUTOMOUNT)));
	return fd == LOOK_FAILED ? -1 : REAL(fstatat64)(dirfd, path, st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	OWN_NAME(path);
	if (!REAL(statx)) {
		errno = ENOSYS;
		return -1;
	}
	if (ON_FD_ONLY(path, flags))
		return REAL(statx)(dirfd, path, flags, mask, stx);
	int fd = look_at("statx", dirfd, path, AT_FOLLOW(flags) | LOOK, REAL(statx),
			 !(flags & ~(STAT_FLAGS | AT_STATX_SYNC_TYPE)));
	if (fd >= 0)
		return looked(fd, REAL(statx)(fd, "",
					      AT_EMPTY_PATH | (flags & (AT_NO_AUTOMOUNT |
									AT_STATX_SYNC_TYPE)),
					      mask, stx));
	return fd == LOOK_FAILED ? -1 : REAL(statx)(dirfd, path, flags, mask, stx);
}

/* The pre-2.33 glibc stat ABI, still called by programs built against it. */
EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	OWN_NAME(path);
	return guard_path("__xstat", AT_FDCWD, path, R, FOLLOW | LOOK) < 0
		       ? -1
		       : REAL(__xstat)(ver, path, st);
}

EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	OWN_NAME(path);
	return guard_path("__xstat64", AT_FDCWD, path, R, FOLLOW | LOOK) < 0
		       ? -1
		       : REAL(__xstat64)(ver, path, st);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	OWN_NAME(path);
	return guard_path("__lxstat", AT_FDCWD, path, R, LOOK) < 0 ? -1
								   : REAL(__lxstat)(ver, path, st);
}

EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	OWN_NAME(path);
	return guard_path("__lxstat64", AT_FDCWD, path, R, LOOK) < 0
		       ? -1
		       : REAL(__lxstat64)(ver, path, st);
}

EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	OWN_NAME(path);
	if (!ON_FD_ONLY(path, flags) &&
	    guard_path("__fxstatat", dirfd, path, R, AT_FOLLOW(flags) | LOOK) < 0)
		return -1;
	return REAL(__fxstatat)(ver, dirfd, path, st, flags);
}

EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	OWN_NAME(path);
	if (!ON_FD_ONLY(path, flags) &&
	    guard_path("__fxstatat64", dirfd, path, R, AT_FOLLOW(flags) | LOOK) < 0)
		return -1;
	return REAL(__fxstatat64)(ver, dirfd, path, st, flags);
}

/* faccessat2 on a descriptor: 0 not known yet, 1 usable, -1 not (refused, or not listed). */
static atomic_int access_by_fd;

/*
 * The access family goes look_at's way only where the filter lets
 * faccessat2 run without a word: no filter of the shim's, record mode, or
 * faccessat2 listed (enforce would trap it, alert log it, where a profile
 * lists only the calls glibc's access makes).
 */
static bool access_by_fd_usable(void)
{
	return seccomp_layer_lets_shim_call(&access_by_fd, "faccessat2");
}

/*
 * access, faccessat and eaccess. Returns the call's result when it was
 * made on look_at's descriptor (faccessat2, AT_EMPTY_PATH) or blocked
 * (*done set); else the caller makes the call as asked, judged.
 */
static int access_common(const char *op, int dirfd, const char *path, int mode, int flags,
			 const void *next, bool *done)
{
	int how = AT_FOLLOW(flags) | LOOK;
	bool known = !(flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW));
	int fd = access_by_fd_usable() ? look_at(op, dirfd, path, how, next, known)
		 : guard_path(op, dirfd, path, R, how) < 0 ? LOOK_FAILED
							   : LOOK_PLAIN;
	if (fd >= 0) {
		long r = raw_syscall(SYS_faccessat2, fd, "", mode,
				     AT_EMPTY_PATH | (flags & AT_EACCESS));
		/* EPERM is also an answer (W_OK on an immutable file): asked again the long way. */
		if (r == 0 || (errno != ENOSYS && errno != EPERM)) {
			*done = true;
			return looked(fd, (int)r);
		}
		if (errno == ENOSYS)
			atomic_store_explicit(&access_by_fd, -1, memory_order_relaxed);
		looked(fd, 0);
		fd = guard_path(op, dirfd, path, R, how) < 0 ? LOOK_FAILED : LOOK_PLAIN;
	}
	*done = fd == LOOK_FAILED;
	return -1;
}

EXPORT int access(const char *path, int mode)
{
	OWN_NAME(path);
	bool done = false;
	int r = access_common("access", AT_FDCWD, path, mode, 0, REAL(access), &done);
	return done ? r : REAL(access)(path, mode);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	OWN_NAME(path);
	bool done = false;
	int r = access_common("faccessat", dirfd, path, mode, flags, REAL(faccessat), &done);
	return done ? r : REAL(faccessat)(dirfd, path, mode, flags);
}

EXPORT int eaccess(const char *path, int mode)
{
	OWN_NAME(path);
	bool done = false;
	int r = access_common("eaccess", AT_FDCWD, path, mode, AT_EACCESS, REAL(eaccess), &done);
	return done ? r : REAL(eaccess)(path, mode);
}

EXPORT int euidaccess(const char *path, int mode)
{
	OWN_NAME(path);
	return guard_path("euidaccess", AT_FDCWD, path, R, FOLLOW | LOOK) < 0
		       ? -1
		       : REAL(euidaccess)(path, mode);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	OWN_NAME(path);
	return guard_path("readlink", AT_FDCWD, path, R, LOOK) < 0
		       ? -1
		       : REAL(readlink)(path, buf, size);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	OWN_NAME(path);
	return guard_path("readlinkat", dirfd, path, R, LOOK) < 0
		       ? -1
		       : REAL(readlinkat)(dirfd, path, buf, size);
}

EXPORT ssize_t getxattr(const char *path, const char *name, void *value, size_t size)
{
	OWN_NAME(path);
	return guard_path("getxattr", AT_FDCWD, path, R, FOLLOW) < 0
		       ? -1
		       : REAL(getxattr)(path, name, value, size);
}

EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	OWN_NAME(path);
	return guard_path("lgetxattr", AT_FDCWD, path, R, 0) < 0
		       ? -1
		       : REAL(lgetxattr)(path, name, value, size);
}

EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	OWN_NAME(path);
	return guard_path("listxattr", AT_FDCWD, path, R, FOLLOW) < 0
		       ? -1
		       : REAL(listxattr)(path, list, size);
}

EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	OWN_NAME(path);
	return guard_path("llistxattr", AT_FDCWD, path, R, 0) < 0
		       ? -1
		       : REAL(llistxattr)(path, list, size);
}

/* ---- modification: w -------------------------------------------------------- */

/* No descriptor (or memory) for a pin: no answer about the name itself. */
static bool out_of_descriptors(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM;
}

/*
 * A call on a name itself, its last component not followed (unlink, rmdir,
 * mkdir, mknod, symlink), where links can be planted: judged by its name,
 * which is what it reaches once its directory is opened refusing links
 * (openat2 RESOLVE_NO_SYMLINKS: one call, where looking for links took a
 * readlink per component); the call is then made in that directory, so a
 * link swapped in afterwards changes nothing. A name with links on the way
 * is judged the long way, its directory opened following them and judged
 * again as what it is. Elsewhere the name is what the call reaches.
 */
/* The last name, with a trailing slash. */
#define ENTRY_LAST_MAX (NAME_MAX + 2)

struct entry {
	int fd;		  /* the directory pinned, or -1: call by name */
	const char *name; /* the last component, when pinned */
	char last[ENTRY_LAST_MAX];
};

/* path's directory and last component; false for names not split here ("/", "..", ".", "x/.."). */
static bool split_entry(const char *path, char parent[PATH_MAX], char last[ENTRY_LAST_MAX])
{
	size_t len = strlen(path), end = len, start;

	if (!len || len >= PATH_MAX)
		return false;
	while (end > 0 && path[end - 1] == '/')
		end--;
	if (end == 0)
		return false; /* "/" */
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	size_t n = end - start;
	if (n > NAME_MAX || (path[start] == '.' && (n == 1 || (n == 2 && path[start + 1] == '.'))))
		return false;
	/* The last name keeps a trailing slash (one is as many): the call in the directory reads it. */
	memcpy(last, path + start, n);
	if (end < len)
		last[n++] = '/';
	last[n] = '\0';
	if (start == 0) {
		memcpy(parent, ".", 2);
		return true;
	}
	size_t plen = start;
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	memcpy(parent, path, plen);
	parent[plen] = '\0';
	return true;
}

/*
 * The name last in the directory open at fd, judged as where that directory
 * is (its path has no links in it: none are looked for). Returns 0 or -1.
 */
static int judge_in(const char *op, int fd, const char *last, unsigned rights)
{
	char name[PATH_MAX];
	size_t n = 0, len = strlen(last);
	int how = OPEN_PLAIN;

	/* Pinned only where /proc is: a directory it cannot name is not one to act in. */
	if (path_of_fd(fd, name, sizeof(name), &n) < 0) {
		errno = ENOTDIR;
		return -1;
	}
	if (n + 1 + len >= sizeof(name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (n > 1)
		name[n++] = '/';
	memcpy(name + n, last, len + 1);
	if (guard_path_verify(op, AT_FDCWD, name, rights, REFUSING_LINKS, &how) < 0)
		return -1;
	return how == OPEN_LONG_WAY ? guard_path(op, AT_FDCWD, name, rights, 0) : 0;
}

/* Returns 0 (call in e->fd when it is >= 0, then entry_done), or -1 (errno set). */
static int entry_at_judged(const char *op, int dirfd, const char *path, unsigned rights,
			   const void *next, struct entry *e)
{
	char parent[PATH_MAX];
	int how = OPEN_PLAIN, fd = -1;
	bool refusing = try_refusing_links(path, next) && split_entry(path, parent, e->last);

	e->fd = -1;
	e->name = e->last;
	if (guard_path_verify(op, dirfd, path, rights, refusing ? REFUSING_LINKS : 0, &how) < 0)
		return -1;
	/* OPEN_PLAIN: no link can be on the way, the name is what the call reaches. */
	if (!refusing || how == OPEN_PLAIN)
		return 0;
	/* No /proc to judge a pinned directory by: judged the long way, and by name. */
	if (!proc_fd_dir())
		return how == OPEN_VERIFY || guard_path(op, dirfd, path, rights, 0) == 0 ? 0 : -1;
	if (how == OPEN_NO_LINKS) {
		fd = open_refusing_links(dirfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		/* The call by name meets the same (ENOENT, ENOTDIR...). */
		if (fd < 0 && !open_long_way(errno) && !out_of_descriptors(errno))
			return -1;
		/* Links on the way (or no descriptor): judged where they lead, as before. */
		if (fd < 0 && guard_path(op, dirfd, path, rights, 0) < 0)
			return -1;
	} else if (how == OPEN_LONG_WAY && guard_path(op, dirfd, path, rights, 0) < 0) {
		return -1;
	}
	/* OPEN_VERIFY ("..", /proc, links), or the long way: the directory as the call reaches it. */
	if (fd < 0)
		fd = (int)raw_syscall(SYS_openat, dirfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return out_of_descriptors(errno) ? 0 : -1; /* by name, judged the long way */
	if (judge_in(op, fd, e->last, rights) < 0) {
		int saved = errno;
		raw_syscall(SYS_close, fd);
		errno = saved;
		return -1;
	}
	e->fd = fd;
	return 0;
}

/* entry_at_judged, the program's errno kept when the call goes on. */
static int entry_at(const char *op, int dirfd, const char *path, unsigned rights, const void *next,
		    struct entry *e)
{
	int saved = errno;
	int r = entry_at_judged(op, dirfd, path, rights, next, e);
	if (r == 0)
		errno = saved;
	return r;
}

/* Closes the pinned directory; returns r with the call's errno. */
static int entry_done(const struct entry *e, int r)
{
	return e->fd >= 0 ? looked(e->fd, r) : r;
}

/*
 * A change made by name that follows links (chmod, chown, utimes,
 * setxattr, truncate...), where links can be planted: the file is pinned
 * first (O_PATH, links followed as the call follows them), judged as what
 * it is, and changed through the pin's /proc name, so that a link swapped
 * after the judgement changes nothing. Elsewhere the name is what the
 * call reaches and it is called with it. A change that does not follow a
 * last link (lchown, lutimes, lsetxattr, AT_SYMLINK_NOFOLLOW) is made in
 * its directory, pinned as for a call on a name itself (entry_at).
 */
struct pin {
	int fd;			   /* -1: call by name */
	bool in_dir;		   /* fd is the directory, name the last component in it */
	char name[ENTRY_LAST_MAX]; /* else the pin's /proc name */
};

/* Returns 0 (call with pinned(), then unpin()), or -1 (blocked or failed, errno set). */
static int pin_change(const char *op, int dirfd, const char *path, struct pin *pin)
{
	int how = OPEN_PLAIN;

	pin->fd = -1;
	pin->in_dir = false;
	if (guard_path_verify(op, dirfd, path, W, FOLLOW, &how) < 0)
		return -1;
	const char *fds = how == OPEN_VERIFY ? proc_fd_dir() : NULL;
	if (!fds)
		return 0;
	/* Failing here is failing there: the same walk. No descriptor left: by name, as judged. */
	int fd = (int)raw_syscall(SYS_openat, dirfd, path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return out_of_descriptors(errno) ? 0 : -1;
	if (verify_fd_as(op, fd, W, false) < 0)
		return -1; /* closed by verify_fd_as */
	snprintf(pin->name, sizeof(pin->name), "%s/%d", fds, fd);
	pin->fd = fd;
	return 0;
}

static const char *pinned(const struct pin *pin, const char *path)
{
	return pin->fd >= 0 ? pin->name : path;
}

/* Closes the pin; returns r with the call's errno. */
static int unpin(const struct pin *pin, int r)
{
	return pin->fd >= 0 ? looked(pin->fd, r) : r;
}

/*
 * The *at forms: a name is pinned (pin_change), or its directory when the
 * call does not follow a last link (AT_SYMLINK_NOFOLLOW), unless the call
 * acts on the descriptor itself (AT_EMPTY_PATH with "", or a NULL name where
 * the call reads it so: null_is_fd), which is judged as it is. next is the
 * function the call goes to (entry_at). Call with pinned_dirfd() and
 * pinned(), then unpin().
 */
static int pin_change_at(const char *op, int dirfd, const char *path, int flags, bool null_is_fd,
			 const void *next, struct pin *pin)
{
	pin->fd = -1;
	pin->in_dir = false;
	if ((!path && null_is_fd) || ON_FD_ONLY(path, flags))
		return guard_fd_change(op, dirfd);
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		return pin_change(op, dirfd, path, pin);
	if (path && path_names_a_directory(path)) {
		/* Followed whatever the flag: pinned so, and named with a '/' that keeps it so. */
		if (pin_change(op, dirfd, path, pin) < 0)
			return -1;
		if (pin->fd >= 0)
			strcat(pin->name, "/");
		return 0;
	}
	struct entry e;
	if (entry_at(op, dirfd, path, W, next, &e) < 0)
		return -1;
	if (e.fd >= 0) {
		memcpy(pin->name, e.name, strlen(e.name) + 1);
		pin->fd = e.fd;
		pin->in_dir = true;
	}
	return 0;
}

static int pinned_dirfd(const struct pin *pin, int dirfd)
{
	return pin->fd < 0 ? dirfd : pin->in_dir ? pin->fd : AT_FDCWD;
}

EXPORT int truncate(const char *path, off_t length)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("truncate", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(truncate)(pinned(&pin, path), length));
}

EXPORT int truncate64(const char *path, off64_t length)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("truncate64", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(truncate64)(pinned(&pin, path), length));
}

EXPORT int chmod(const char *path, mode_t mode)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("chmod", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(chmod)(pinned(&pin, path), mode));
}

EXPORT int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("fchmodat", dirfd, path, flags, false, REAL(fchmodat), &pin) < 0)
		return -1;
	return unpin(&pin,
		     REAL(fchmodat)(pinned_dirfd(&pin, dirfd), pinned(&pin, path), mode, flags));
}

EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("chown", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(chown)(pinned(&pin, path), uid, gid));
}

EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("lchown", AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, false, REAL(lchown),
			  &pin) < 0)
		return -1;
	return unpin(&pin, pin.fd >= 0 ? REAL(fchownat)(pinned_dirfd(&pin, AT_FDCWD), pin.name, uid,
							gid, AT_SYMLINK_NOFOLLOW)
				       : REAL(lchown)(path, uid, gid));
}

EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("fchownat", dirfd, path, flags, false, REAL(fchownat), &pin) < 0)
		return -1;
	return unpin(&pin, REAL(fchownat)(pinned_dirfd(&pin, dirfd), pinned(&pin, path), uid, gid,
					  flags));
}

EXPORT int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("utimensat", dirfd, path, flags, true, REAL(utimensat), &pin) < 0)
		return -1;
	return unpin(&pin,
		     REAL(utimensat)(pinned_dirfd(&pin, dirfd), pinned(&pin, path), times, flags));
}

EXPORT int fchmod(int fd, mode_t mode)
{
	return guard_fd_change("fchmod", fd) < 0 ? -1 : REAL(fchmod)(fd, mode);
}

/*
 * The ioctls that change a file (its attribute flags, project and extended
 * flags, generation (ext4's request too), fs-verity, encryption policy): the kernel lets the
 * file's owner make them through any descriptor, a read-only one included
 * (fs-verity wants one). Judged as fchmod is. The kernel reads the request
 * as 32 bits, and so is it compared here; every other request passes.
 */
/* ext4's own name for the generation's request, and its 32-bit form (not in the uapi). */
#define EXT4_IOC_SETVERSION_LONG _IOW('f', 4, long)
#define EXT4_IOC_SETVERSION_INT	 _IOW('f', 4, int)

static bool changes_file(unsigned long request)
{
	switch ((unsigned)request) {
	case EXT4_IOC_SETVERSION_LONG:
	case EXT4_IOC_SETVERSION_INT:
	case FS_IOC_SETFLAGS:
	case FS_IOC32_SETFLAGS:
	case FS_IOC_FSSETXATTR:
	case FS_IOC_SETVERSION:
	case FS_IOC32_SETVERSION:
	case FS_IOC_ENABLE_VERITY:
	case FS_IOC_SET_ENCRYPTION_POLICY:
		return true;
	default:
		return false;
	}
}

/* ioctl's one argument, when there is one, is a word: passed on as read. */
EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!REAL(ioctl)) {
		errno = ENOSYS;
		return -1;
	}
	if (changes_file(request) && guard_fd_change("ioctl", fd) < 0)
		return -1;
	const char *push = syscall_refused_ioctl((uint32_t)request);
	if (push && !shim_busy && seccomp_layer_refuses_ioctl(push)) {
		errno = EPERM;
		return -1;
	}
	return REAL(ioctl)(fd, request, arg);
}

EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	return guard_fd_change("fchown", fd) < 0 ? -1 : REAL(fchown)(fd, uid, gid);
}

EXPORT int futimens(int fd, const struct timespec times[2])
{
	return guard_fd_change("futimens", fd) < 0 ? -1 : REAL(futimens)(fd, times);
}

EXPORT int futimes(int fd, const struct timeval times[2])
{
	return guard_fd_change("futimes", fd) < 0 ? -1 : REAL(futimes)(fd, times);
}

EXPORT int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	return guard_fd_change("fsetxattr", fd) < 0 ? -1
						    : REAL(fsetxattr)(fd, name, value, size, flags);
}

EXPORT int fremovexattr(int fd, const char *name)
{
	return guard_fd_change("fremovexattr", fd) < 0 ? -1 : REAL(fremovexattr)(fd, name);
}

EXPORT int utimes(const char *path, const struct timeval times[2])
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("utimes", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(utimes)(pinned(&pin, path), times));
}

EXPORT int lutimes(const char *path, const struct timeval times[2])
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("lutimes", AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, false, REAL(lutimes),
			  &pin) < 0)
		return -1;
	if (pin.fd < 0)
		return REAL(lutimes)(path, times);
	/* What glibc's lutimes makes of it, in the pinned directory. */
	struct timespec ts[2];
	for (int i = 0; times && i < 2; i++) {
		if (times[i].tv_usec < 0 || times[i].tv_usec >= 1000000) {
			errno = EINVAL;
			return unpin(&pin, -1);
		}
		ts[i].tv_sec = times[i].tv_sec;
		ts[i].tv_nsec = times[i].tv_usec * 1000;
	}
	return unpin(&pin, REAL(utimensat)(pinned_dirfd(&pin, AT_FDCWD), pin.name,
					   times ? ts : NULL, AT_SYMLINK_NOFOLLOW));
}

EXPORT int utime(const char *path, const struct utimbuf *times)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("utime", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(utime)(pinned(&pin, path), times));
}

EXPORT int setxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("setxattr", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(setxattr)(pinned(&pin, path), name, value, size, flags));
}

/*
 * The name an l*xattr call pinned in its directory makes it with: no *at
 * form, so the directory's /proc name and the last component, which the
 * call does not follow.
 */
static const char *pinned_entry(const struct pin *pin, const char *path, char *buf, size_t size)
{
	const char *fds = pin->in_dir ? proc_fd_dir() : NULL;
	if (!fds)
		return pinned(pin, path);
	snprintf(buf, size, "%s/%d/%s", fds, pin->fd, pin->name);
	return buf;
}

EXPORT int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
	OWN_NAME(path);
	struct pin pin;
	char buf[64 + ENTRY_LAST_MAX];
	if (pin_change_at("lsetxattr", AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, false, REAL(lsetxattr),
			  &pin) < 0)
		return -1;
	return unpin(&pin, REAL(lsetxattr)(pinned_entry(&pin, path, buf, sizeof(buf)), name, value,
					   size, flags));
}

EXPORT int removexattr(const char *path, const char *name)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change("removexattr", AT_FDCWD, path, &pin) < 0)
		return -1;
	return unpin(&pin, REAL(removexattr)(pinned(&pin, path), name));
}

EXPORT int lremovexattr(const char *path, const char *name)
{
	OWN_NAME(path);
	struct pin pin;
	char buf[64 + ENTRY_LAST_MAX];
	if (pin_change_at("lremovexattr", AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, false,
			  REAL(lremovexattr), &pin) < 0)
		return -1;
	return unpin(&pin, REAL(lremovexattr)(pinned_entry(&pin, path, buf, sizeof(buf)), name));
}

/* ---- creation and deletion: c, d --------------------------------------------- */

/*
 * A call that makes a name and its *at form, each made in the directory
 * pinned by entry_at (links refused on the way), else by name:
 * MAKES_NAME(name, name-at, (parameters after the name), (arguments)).
 */
#define UNPAREN(...) __VA_ARGS__
#define MAKES_NAME(sym, symat, params, args)                                                 \
	EXPORT int sym(const char *path, UNPAREN params)                                     \
	{                                                                                    \
		OWN_NAME(path);                                                              \
		struct entry e;                                                              \
		if (entry_at(#sym, AT_FDCWD, path, C, REAL(sym), &e) < 0)                    \
			return -1;                                                           \
		return entry_done(&e, e.fd >= 0 ? REAL(symat)(e.fd, e.name, UNPAREN args)    \
						: REAL(sym)(path, UNPAREN args));            \
	}                                                                                    \
	EXPORT int symat(int dirfd, const char *path, UNPAREN params)                        \
	{                                                                                    \
		OWN_NAME(path);                                                              \
		struct entry e;                                                              \
		if (entry_at(#symat, dirfd, path, C, REAL(symat), &e) < 0)                   \
			return -1;                                                           \
		return entry_done(&e, REAL(symat)(e.fd >= 0 ? e.fd : dirfd,                  \
						  e.fd >= 0 ? e.name : path, UNPAREN args)); \
	}

MAKES_NAME(mkdir, mkdirat, (mode_t mode), (mode))
MAKES_NAME(mkfifo, mkfifoat, (mode_t mode), (mode))
MAKES_NAME(mknod, mknodat, (mode_t mode, dev_t dev), (mode, dev))

/* Older programs' mknod (glibc before 2.33 built them against these). */
int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev);
int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev);
EXPORT int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev)
{
	OWN_NAME(path);
	struct entry e;
	if (entry_at("__xmknod", AT_FDCWD, path, C, REAL(__xmknod), &e) < 0)
		return -1;
	return entry_done(&e, e.fd >= 0 ? REAL(__xmknodat)(ver, e.fd, e.name, mode, dev)
					: REAL(__xmknod)(ver, path, mode, dev));
}

EXPORT int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev)
{
	OWN_NAME(path);
	struct entry e;
	if (entry_at("__xmknodat", dirfd, path, C, REAL(__xmknodat), &e) < 0)
		return -1;
	return entry_done(&e, REAL(__xmknodat)(ver, e.fd >= 0 ? e.fd : dirfd,
					       e.fd >= 0 ? e.name : path, mode, dev));
}

EXPORT int lchmod(const char *path, mode_t mode)
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("lchmod", AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, false, REAL(lchmod),
			  &pin) < 0)
		return -1;
	return unpin(&pin, pin.fd >= 0 ? REAL(fchmodat)(pinned_dirfd(&pin, AT_FDCWD), pin.name,
							mode, AT_SYMLINK_NOFOLLOW)
				       : REAL(lchmod)(path, mode));
}

EXPORT int futimesat(int dirfd, const char *path, const struct timeval tv[2])
{
	OWN_NAME(path);
	struct pin pin;
	if (pin_change_at("futimesat", dirfd, path, 0, true, REAL(futimesat), &pin) < 0)
		return -1;
	return unpin(&pin, REAL(futimesat)(pinned_dirfd(&pin, dirfd), pinned(&pin, path), tv));
}

/*
 * The login records: utmpname names the file getutent and pututline then
 * read and rewrite (any file: 384-byte records of its bytes), updwtmp
 * appends to one. Judged as reading and writing that file. libc opens it
 * later, by name: where links can be planted (or one is on the way), a
 * link swapped in by then would be what is read, so such a name is refused
 * as unknown.
 */
static int guard_utmp_name(const char *op, const char *file)
{
	struct resolved_path rp;
	bool planted = false;

	if (guard_path(op, AT_FDCWD, file, R | W, FOLLOW) < 0)
		return -1;
	if (!file || !shim.policy || shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD ||
	    !shim_enter())
		return 0;
	int saved = errno;
	planted = path_resolve(AT_FDCWD, file, true, &rp) == 0 &&
		  (rp.has_real || policy_path_may_hold_links(shim.policy, rp.name, rp.name_len));
	shim_leave();
	errno = saved;
	return planted ? guard_unknown(op, file, R | W,
				       "the login records are opened later by name, where links "
				       "can be planted: what they would reach then is unknown")
		       : 0;
}

EXPORT int utmpname(const char *file)
{
	OWN_NAME(file);
	return guard_utmp_name("utmpname", file) < 0 ? -1 : REAL(utmpname)(file);
}

EXPORT int utmpxname(const char *file)
{
	OWN_NAME(file);
	return guard_utmp_name("utmpxname", file) < 0 ? -1 : REAL(utmpxname)(file);
}

/* glibc's setmntent is its own fopen with "ce" (no cancellation, close-on-exec). */
EXPORT FILE *setmntent(const char *file, const char *mode)
{
	OWN_NAME(file);
	char m[16];
	size_t n = mode ? strlen(mode) : 0;

	if (!mode || n + 3 > sizeof(m)) {
		errno = EINVAL;
		return NULL;
	}
	memcpy(m, mode, n);
	memcpy(m + n, "ce", 3);
	FILE *f = fopen(file, m);
	if (f)
		__fsetlocking(f, FSETLOCKING_BYCALLER);
	return f;
}

EXPORT void updwtmp(const char *file, const struct utmp *ut)
{
	OWN_NAME(file);
	if (guard_path("updwtmp", AT_FDCWD, file, W, FOLLOW) == 0)
		REAL(updwtmp)(file, ut);
}

EXPORT void updwtmpx(const char *file, const struct utmpx *ut)
{
	OWN_NAME(file);
	if (guard_path("updwtmpx", AT_FDCWD, file, W, FOLLOW) == 0)
		REAL(updwtmpx)(file, ut);
}

/*
 * POSIX shared memory and named semaphores: glibc makes their files in
 * /dev/shm with its internal calls, unseen. Judged as those files:
 * shm_open as an open of /dev/shm/NAME with its flags, sem_open as reading
 * and writing /dev/shm/sem.NAME and, with O_CREAT, creating it (glibc makes
 * it under a temporary name beside it, then links it), the unlink forms as
 * removing. A name glibc refuses (empty, a '/' inside, too long) is left
 * to it (EINVAL, ENAMETOOLONG).
 */
#define SHM_DIR "/dev/shm/"

static bool shm_path(const char *name, const char *prefix, char path[PATH_MAX])
{
	while (name && *name == '/')
		name++;
	if (!name || !*name || strchr(name, '/') || strlen(prefix) + strlen(name) > NAME_MAX)
		return false;
	snprintf(path, PATH_MAX, SHM_DIR "%s%s", prefix, name);
	return true;
}

static int guard_shm(const char *op, const char *name, const char *prefix, unsigned rights,
		     int flags)
{
	char path[PATH_MAX];
	return shm_path(name, prefix, path) ? guard_path(op, AT_FDCWD, path, rights, flags) : 0;
}

EXPORT int shm_open(const char *name, int oflag, mode_t mode)
{
	OWN_NAME(name);
	int g;
	unsigned rights = policy_open_rights(oflag, &g);
	if (!REAL(shm_open)) {
		errno = ENOSYS;
		return -1;
	}
	/* glibc opens it O_NOFOLLOW. */
	return guard_shm("shm_open", name, "", rights, g & ~FOLLOW) < 0
		       ? -1
		       : REAL(shm_open)(name, oflag, mode);
}

/* The unlink forms, by the prefix their files have in /dev/shm. */
#define SHM_UNLINK(sym, prefix)                                                        \
	EXPORT int sym(const char *name)                                               \
	{                                                                              \
		OWN_NAME(name);                                                        \
		if (!REAL(sym)) {                                                      \
			errno = ENOSYS;                                                \
			return -1;                                                     \
		}                                                                      \
		return guard_shm(#sym, name, prefix, D, 0) < 0 ? -1 : REAL(sym)(name); \
	}

SHM_UNLINK(shm_unlink, "")
SHM_UNLINK(sem_unlink, "sem.")

EXPORT sem_t *sem_open(const char *name, int oflag, ...)
{
	OWN_NAME(name);
	mode_t mode = 0;
	unsigned int value = 0;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		value = va_arg(ap, unsigned int);
		va_end(ap);
	}
	if (!REAL(sem_open)) {
		errno = ENOSYS;
		return SEM_FAILED;
	}
	unsigned rights = R | W | ((oflag & O_CREAT) ? C : 0);
	if (guard_shm("sem_open", name, "sem.", rights,
		      FOLLOW | ((oflag & O_CREAT) && !(oflag & O_EXCL) ? MAYBE_CREATE : 0)) < 0)
		return SEM_FAILED;
	return REAL(sem_open)(name, oflag, mode, value);
}

/* fts lists every directory it is given, with glibc's internal opendir: each is judged. */
static int guard_fts(const char *op, char *const *argv, int options)
{
	for (size_t i = 0; argv && argv[i]; i++)
		if (guard_path(op, AT_FDCWD, argv[i], R, (options & FTS_PHYSICAL) ? 0 : FOLLOW) < 0)
			return -1;
	return 0;
}

/*
 * fts's names, copied (one allocation: the list, then the strings) before
 * they are judged, as a name is (own_name); fts_open copies each into its
 * own entries, so the copy is freed when it returns. NULL: out of memory.
 */
static char **own_fts_names(char *const *argv)
{
	size_t n = 0, bytes = 0;
	while (argv[n])
		bytes += strlen(argv[n++]) + 1;
	char **own = malloc((n + 1) * sizeof(*own) + bytes);
	if (!own)
		return NULL;
	char *text = (char *)(own + n + 1);
	size_t i = 0;
	for (; i < n; i++) {
		/*
		 * Another thread may have changed the list or its names since
		 * they were counted: each pointer read once, no more bytes
		 * than counted (room kept for the later names' NULs).
		 */
		const char *name = argv[i];
		if (!name)
			break;
		size_t len = strnlen(name, bytes - (n - i));
		memcpy(text, name, len);
		text[len] = '\0';
		own[i] = text;
		text += len + 1;
		bytes -= len + 1;
	}
	own[i] = NULL;
	return own;
}

#define FTS_OPEN(sym, fts_t, ent_t)                                                               \
	EXPORT fts_t *sym(char *const *argv, int options,                                         \
			  int (*cmp)(const ent_t **, const ent_t **))                             \
	{                                                                                         \
		bool copy = argv && judging_names();                                              \
		char **own __attribute__((cleanup(free_owned_list))) =                            \
			copy ? own_fts_names(argv) : NULL;                                        \
		if (copy && !own)                                                                 \
			return NULL;                                                              \
		if (own)                                                                          \
			argv = own;                                                               \
		return guard_fts(#sym, argv, options) < 0 ? NULL : REAL(sym)(argv, options, cmp); \
	}

FTS_OPEN(fts_open, FTS, FTSENT)
FTS_OPEN(fts64_open, FTS64, FTSENT64)

EXPORT int rmdir(const char *path)
{
	OWN_NAME(path);
	struct entry e;
	if (entry_at("rmdir", AT_FDCWD, path, D, REAL(rmdir), &e) < 0)
		return -1;
	return entry_done(&e, e.fd >= 0 ? REAL(unlinkat)(e.fd, e.name, AT_REMOVEDIR)
					: REAL(rmdir)(path));
}

EXPORT int unlink(const char *path)
{
	OWN_NAME(path);
	struct entry e;
	if (entry_at("unlink", AT_FDCWD, path, D, REAL(unlink), &e) < 0)
		return -1;
	return entry_done(&e, e.fd >= 0 ? REAL(unlinkat)(e.fd, e.name, 0) : REAL(unlink)(path));
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	OWN_NAME(path);
	struct entry e;
	if (entry_at("unlinkat", dirfd, path, D, REAL(unlinkat), &e) < 0)
		return -1;
	return entry_done(
		&e, REAL(unlinkat)(e.fd >= 0 ? e.fd : dirfd, e.fd >= 0 ? e.name : path, flags));
}

/* rename: the source is deleted from its name, the target created (or replaced). */
/*
 * A directory renamed takes what is below it along: paths a deny rule
 * covers there would come out from under it with their new names. Refused
 * (enforce) when some deny rule may match below the source directory (a
 * deny rule that matches at any depth thus stops every directory rename).
 * Returns 0 or -1 (EACCES).
 */
static int guard_rename_tree(const char *op, int dirfd, const char *path)
{
	struct resolved_path rp;
	struct stat st;
	bool block = false;
	int saved = errno;

	if (!shim.policy || !path || !shim_enter())
		return 0;
	/* Raw: the stat wrappers would judge this look as the program's own. */
	bool dir = shim_syscall(SYS_newfstatat, dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		   S_ISDIR(st.st_mode);
	if (!dir || path_resolve(dirfd, path, false, &rp) < 0)
		return leave_judged(false, saved);
	/* The name as written, and where a link on the way leads (the directory that moves). */
	const char *name = rp.name;
	size_t len = rp.name_len;
	if (!policy_path_denies_below(shim.policy, name, len) && rp.has_real) {
		name = rp.real;
		len = rp.real_len;
	}
	if (policy_path_denies_below(shim.policy, name, len)) {
		struct policy_verdict v = {.allowed = false, .rule = -1};
		block = act_on(op, name, len, D, &v,
			       "deny rules cover paths below it, which would come out from under "
			       "them with new names");
	}
	return leave_judged(block, saved);
}

/*
 * Both names judged, each pinned in its directory where links can be
 * planted (entry_at): the rename is then made between the two pinned
 * directories. Returns 0 (rename with renamed(), which closes them) or -1.
 */
static int guard_rename(const char *op, int olddirfd, const char *oldpath, int newdirfd,
			const char *newpath, unsigned flags, const void *next, struct entry *o,
			struct entry *n)
{
	n->fd = -1;
	/* The source is read and written under its new name: rights a deny rule may withhold. */
	if (entry_at(op, olddirfd, oldpath, (flags & RENAME_EXCHANGE) ? R | W | C | D : R | W | D,
		     next, o) < 0)
		return -1;
	/* What is below the source, as the pinned directory holds it (or by name). */
	if (guard_rename_tree(op, o->fd >= 0 ? o->fd : olddirfd, o->fd >= 0 ? o->name : oldpath) <
	    0)
		return entry_done(o, -1);
	/* An exchange moves the target to the source's name: it is a source as well. */
	unsigned target = (flags & RENAME_EXCHANGE) ? R | W | C | D : C;
	if (entry_at(op, newdirfd, newpath, target, next, n) < 0) {
		entry_done(n, -1);
		return entry_done(o, -1);
	}
	int tfd = n->fd >= 0 ? n->fd : newdirfd;
	const char *tname = n->fd >= 0 ? n->name : newpath;
	int r = 0;
	if (flags & RENAME_EXCHANGE)
		r = guard_rename_tree(op, tfd, tname);
	else if (!(flags & RENAME_NOREPLACE) && exists(tfd, tname, false))
		/* The existing target is destroyed: looked for where the rename will be made. */
		r = n->fd >= 0 ? judge_in(op, n->fd, n->name, C | D)
			       : guard_path(op, newdirfd, newpath, C | D, 0);
	if (r < 0) {
		entry_done(n, -1);
		return entry_done(o, -1);
	}
	return 0;
}

/* The rename between the pinned directories (or by the names given); closes them. */
static int renamed(const struct entry *o, int olddirfd, const char *oldpath, const struct entry *n,
		   int newdirfd, const char *newpath, unsigned flags)
{
	int ofd = o->fd >= 0 ? o->fd : olddirfd, nfd = n->fd >= 0 ? n->fd : newdirfd;
	const char *oname = o->fd >= 0 ? o->name : oldpath, *nname = n->fd >= 0 ? n->name : newpath;
	int r = flags ? REAL(renameat2)(ofd, oname, nfd, nname, flags)
		      : REAL(renameat)(ofd, oname, nfd, nname);
	entry_done(n, r);
	return entry_done(o, r);
}

EXPORT int rename(const char *oldpath, const char *newpath)
{
	OWN_NAME(oldpath);
	OWN_NAME(newpath);
	struct entry o, n;
	if (guard_rename("rename", AT_FDCWD, oldpath, AT_FDCWD, newpath, 0, REAL(rename), &o, &n) <
	    0)
		return -1;
	if (o.fd < 0 && n.fd < 0)
		return REAL(rename)(oldpath, newpath);
	return renamed(&o, AT_FDCWD, oldpath, &n, AT_FDCWD, newpath, 0);
}

EXPORT int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	OWN_NAME(oldpath);
	OWN_NAME(newpath);
	struct entry o, n;
	if (guard_rename("renameat", olddirfd, oldpath, newdirfd, newpath, 0, REAL(renameat), &o,
			 &n) < 0)
		return -1;
	return renamed(&o, olddirfd, oldpath, &n, newdirfd, newpath, 0);
}

EXPORT int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags)
{
	OWN_NAME(oldpath);
	OWN_NAME(newpath);
	struct entry o, n;
	if (!REAL(renameat2)) {
		errno = ENOSYS;
		return -1;
	}
	if (guard_rename("renameat2", olddirfd, oldpath, newdirfd, newpath, flags, REAL(renameat2),
			 &o, &n) < 0)
		return -1;
	return renamed(&o, olddirfd, oldpath, &n, newdirfd, newpath, flags);
}

/*
 * A hard link is a second name for the same file: the source must be
 * readable by the profile (or the link would launder access to it) and the
 * new name creatable.
 */
/*
 * Both names pinned in their directories where links can be planted
 * (entry_at), the link made between them; a source whose last link is
 * followed (AT_SYMLINK_FOLLOW), or named by a descriptor, is judged and
 * passed as given. Returns the call's result.
 */
static int linked(const char *op, int olddirfd, const char *oldpath, int newdirfd,
		  const char *newpath, int flags, const void *next)
{
	struct entry o = {.fd = -1}, n;
	bool as_given = ON_FD_ONLY(oldpath, flags) || (flags & AT_SYMLINK_FOLLOW);

	/* The source must be readable and writable, or the new name would launder access. */
	if (as_given ? (ON_FD_ONLY(oldpath, flags)
				? guard_fd(op, olddirfd, R | W)
				: guard_path(op, olddirfd, oldpath, R | W, FOLLOW)) < 0
		     : entry_at(op, olddirfd, oldpath, R | W, next, &o) < 0)
		return -1;
	if (entry_at(op, newdirfd, newpath, C, next, &n) < 0)
		return entry_done(&o, -1);
	int r = REAL(linkat)(o.fd >= 0 ? o.fd : olddirfd, o.fd >= 0 ? o.name : oldpath,
			     n.fd >= 0 ? n.fd : newdirfd, n.fd >= 0 ? n.name : newpath, flags);
	entry_done(&n, r);
	return entry_done(&o, r);
}

EXPORT int link(const char *oldpath, const char *newpath)
{
	OWN_NAME(oldpath);
	OWN_NAME(newpath);
	return linked("link", AT_FDCWD, oldpath, AT_FDCWD, newpath, 0, REAL(link));
}

EXPORT int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	OWN_NAME(oldpath);
	OWN_NAME(newpath);
	return linked("linkat", olddirfd, oldpath, newdirfd, newpath, flags, REAL(linkat));
}

EXPORT int symlink(const char *target, const char *linkpath)
{
	OWN_NAME(target);
	OWN_NAME(linkpath);
	struct entry e;
	if (entry_at("symlink", AT_FDCWD, linkpath, C, REAL(symlink), &e) < 0)
		return -1;
	return entry_done(&e, e.fd >= 0 ? REAL(symlinkat)(target, e.fd, e.name)
					: REAL(symlink)(target, linkpath));
}

EXPORT int symlinkat(const char *target, int newdirfd, const char *linkpath)
{
	OWN_NAME(target);
	OWN_NAME(linkpath);
	struct entry e;
	if (entry_at("symlinkat", newdirfd, linkpath, C, REAL(symlinkat), &e) < 0)
		return -1;
	return entry_done(&e, REAL(symlinkat)(target, e.fd >= 0 ? e.fd : newdirfd,
					      e.fd >= 0 ? e.name : linkpath));
}
