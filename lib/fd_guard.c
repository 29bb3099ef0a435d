// SPDX-License-Identifier: MIT
/*
 * Keeps the log descriptor alive. Programs close "every other fd" before
 * exec (Python's close_fds=True, Java's ProcessBuilder, closefrom()) and may
 * dup2() over any number; the log fd is where every descendant writes its
 * events (DESIGN.md "Where events go"), so it is skipped by closes and moved
 * out of the way of dup2.
 */
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child_env.h"
#include "event.h"
#include "fd_guard.h"
#include "path_resolve.h"
#include "real.h"
#include "profile_share.h"
#include "record.h"
#include "shim.h"
#include "syscall_ops.h"

#define EXPORT __attribute__((visibility("default")))

static int log_fd_now(void)
{
	if (!atomic_load_explicit(&shim_ready, memory_order_acquire))
		return -1;
	return atomic_load_explicit(&shim.log_fd, memory_order_relaxed);
}

#define GUARDED_MAX 3

/*
 * The descriptors that are the shim's, not the program's: the log, the
 * record-mode table of learned behaviours and the profile handed to
 * descendants (profile_share.h). Ascending, distinct; returns how many.
 */
static int guarded(int out[GUARDED_MAX])
{
	bool ready = atomic_load_explicit(&shim_ready, memory_order_acquire);
	int fds[GUARDED_MAX] = {log_fd_now(), ready ? record_shared_fd() : -1,
				ready ? profile_share_fd() : -1};
	int n = 0;

	for (int i = 0; i < GUARDED_MAX; i++) {
		int fd = fds[i], j = n;
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= out[k] == fd;
		if (fd < 0 || dup)
			continue;
		while (j > 0 && out[j - 1] > fd) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = fd;
		n++;
	}
	return n;
}

void fd_guard_inheritable(void)
{
	int g[GUARDED_MAX], n = guarded(g);

	/* Raw: a system call each, about to be made anyway by the exec it precedes. */
	for (int i = 0; i < n; i++)
		shim_syscall(SYS_fcntl, g[i], F_SETFD, 0);
}

/* guarded() asked about one number: close is on every program's hot path. */
static bool is_guarded(int fd)
{
	if (fd == log_fd_now())
		return true;
	return atomic_load_explicit(&shim_ready, memory_order_acquire) &&
	       (fd == record_shared_fd() || fd == profile_share_fd());
}

EXPORT int close(int fd)
{
	if (fd >= 0 && is_guarded(fd))
		return 0; /* the shim's, not the program's: pretend, as if it were already gone */
	shim_started();
	return REAL(close) ? REAL(close)(fd) : (errno = ENOSYS, -1);
}

/* A stream on the shim's descriptor would close it with libc's own close. */
EXPORT FILE *fdopen(int fd, const char *mode)
{
	if (fd >= 0 && is_guarded(fd)) {
		errno = EBADF; /* not the program's: as if it were already gone */
		return NULL;
	}
	return REAL(fdopen) ? REAL(fdopen)(fd, mode) : (errno = ENOSYS, NULL);
}

/* libc's public alias of close. */
EXPORT extern __typeof(close) __close __attribute__((alias("close")));

/* close_range over [first, last] minus the guarded descriptors. */
static int close_range_split(unsigned int first, unsigned int last, int flags)
{
	int g[GUARDED_MAX], n = guarded(g), r = 0;
	unsigned int cur = first;

	for (int i = 0; i < n; i++) {
		unsigned int fd = (unsigned)g[i];
		if (fd < cur || fd > last)
			continue;
		if (fd > cur && REAL(close_range)(cur, fd - 1, flags) < 0)
			r = -1;
		if (fd == last)
			return r;
		cur = fd + 1;
	}
	if (REAL(close_range)(cur, last, flags) < 0)
		r = -1;
	return r;
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!REAL(close_range)) {
		errno = ENOSYS;
		return -1;
	}
	return close_range_split(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	int g[GUARDED_MAX], n = guarded(g);
	if (lowfd < 0)
		lowfd = 0;
	if (n == 0 || g[n - 1] < lowfd || !REAL(close_range)) {
		REAL(closefrom)(lowfd);
		return;
	}
	close_range_split((unsigned)lowfd, ~0u, 0);
}

static void share_given_up(int wanted);

/*
 * The numbers that live file actions (posix_spawn_file_actions_t) name: a
 * close's, a dup2's or an open's target, and where a closefrom begins. The
 * child carries them out through libc's internal calls, which no
 * interposer sees, so the log must not sit at one of them when the spawn
 * is made: it moves away when an action names its number, and it never
 * moves into a number an action added earlier names, or one a closefrom
 * covers (it would be taken from the child of that spawn). Lists are
 * dropped by posix_spawn_file_actions_destroy and init.
 */
struct fa_shadow {
	const posix_spawn_file_actions_t *fa; /* NULL: a free slot */
	int *named;			      /* grown as actions are added */
	int n, cap;
	int from; /* a closefrom's first number; INT_MAX: none */
};

/* Grown as needed: file actions never destroyed keep theirs, as libc keeps its own. */
static struct fa_shadow *fa_shadows;
static size_t fa_count, fa_cap;
static pthread_mutex_t fa_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fa_atfork_once = PTHREAD_ONCE_INIT;

/*
 * fa_held: this thread holds fa_lock (or is about to, or has just let it
 * go). A fork from a signal handler that interrupted this thread there
 * would wait on itself in fa_prepare: it forks without taking the lock
 * (fa_fork_held), and the child, a copy of this thread half-way through,
 * goes on from where it was (the lock itself is made afresh in it,
 * fd_guard_after_fork_child).
 */
static __thread bool fa_held, fa_fork_held;

/* A fork while another thread grows the lists would leave the child a torn copy. */
static void fa_prepare(void)
{
	fa_fork_held = fa_held;
	if (!fa_fork_held)
		pthread_mutex_lock(&fa_lock);
}

static void fa_parent(void)
{
	if (!fa_fork_held)
		pthread_mutex_unlock(&fa_lock);
}

static void fa_atfork(void)
{
	pthread_atfork(fa_prepare, fa_parent, NULL);
}

static void fa_lock_take(void)
{
	pthread_once(&fa_atfork_once, fa_atfork);
	/* Set before and cleared after: a handler's fork in between never waits on this thread. */
	fa_held = true;
	pthread_mutex_lock(&fa_lock);
}

static void fa_lock_give(void)
{
	pthread_mutex_unlock(&fa_lock);
	fa_held = false;
}

void fd_guard_after_fork_child(void)
{
	pthread_mutex_init(&fa_lock, NULL);
}

/* Under fa_lock. NULL when it is not kept (create false) or out of memory. */
static struct fa_shadow *shadow_of(const posix_spawn_file_actions_t *fa, bool create)
{
	struct fa_shadow *free_slot = NULL;
	for (size_t i = 0; i < fa_count; i++) {
		if (fa_shadows[i].fa == fa)
			return &fa_shadows[i];
		if (!fa_shadows[i].fa && !free_slot)
			free_slot = &fa_shadows[i];
	}
	if (!create)
		return NULL;
	if (!free_slot) {
		if (fa_count == fa_cap) {
			size_t cap = fa_cap ? 2 * fa_cap : 8;
			struct fa_shadow *grown = realloc(fa_shadows, cap * sizeof(*grown));
			if (!grown)
				return NULL;
			fa_shadows = grown;
			fa_cap = cap;
		}
		free_slot = &fa_shadows[fa_count++];
	}
	*free_slot = (struct fa_shadow){.fa = fa, .from = INT_MAX};
	return free_slot;
}

/* Under fa_lock: may the log sit at fd when any live file actions are carried out? */
static bool number_is_free(int fd)
{
	for (size_t i = 0; i < fa_count; i++) {
		const struct fa_shadow *sh = &fa_shadows[i];
		if (!sh->fa)
			continue;
		if (fd >= sh->from)
			return false;
		for (int k = 0; k < sh->n; k++)
			if (sh->named[k] == fd)
				return false;
	}
	return true;
}

/* Under fa_lock: the lowest number a closefrom of live file actions begins at. */
static int lowest_from(void)
{
	int from = INT_MAX;
	for (size_t i = 0; i < fa_count; i++)
		if (fa_shadows[i].fa && fa_shadows[i].from < from)
			from = fa_shadows[i].from;
	return from;
}

/*
 * Under fa_lock: the log moved to the lowest free number in [start, limit)
 * that no live file actions take. Returns 0, or -1 if there is none.
 */
static int move_log_between(int log, int start, int limit)
{
	for (int tries = 0; tries < 256 && start < limit; tries++) {
		int moved = fcntl(log, F_DUPFD, start);
		if (moved < 0)
			return -1;
		if (moved < limit && number_is_free(moved)) {
			/* dup2 closes the old number itself; children get the new one at exec. */
			atomic_store(&shim.log_fd, moved);
			return 0;
		}
		shim_syscall(SYS_close, moved);
		start = moved + 1;
	}
	return -1;
}

/* Under fa_lock: above its number if it can, else from 3 up. Returns 0 or -1. */
static int move_log_locked(int log)
{
	int from = lowest_from();
	if (move_log_between(log, log + 1, from) == 0)
		return 0;
	return move_log_between(log, 3, from < log ? from : log);
}

/*
 * A file action names fd (closefrom: every number from fd on). Returns 0 or
 * an error number: ENOMEM out of memory, or when the log, at fd, has nowhere
 * to go.
 */
static int fa_names(const posix_spawn_file_actions_t *fa, int fd, bool from)
{
	int log = log_fd_now(), r = 0;

	if (fd < 0 || child_env_in_vfork_child())
		return 0;
	fa_lock_take();
	struct fa_shadow *sh = shadow_of(fa, true);
	bool stuck = false;
	if (!sh) {
		r = ENOMEM;
	} else if (from) {
		if (fd < sh->from)
			sh->from = fd;
	} else {
		if (sh->n == sh->cap) {
			int cap = sh->cap ? 2 * sh->cap : 8;
			int *grown = realloc(sh->named, (size_t)cap * sizeof(*grown));
			if (!grown) {
				fa_lock_give();
				return ENOMEM;
			}
			sh->named = grown;
			sh->cap = cap;
		}
		sh->named[sh->n++] = fd;
	}
	/*
	 * A closefrom is split around the log (addclosefrom_np). Moved, the
	 * old number is closed here: the action puts the program's file there
	 * in the child, and the parent keeps no second, unguarded copy.
	 */
	if (!r && !from && log >= 0 && fd == log) {
		if (move_log_locked(log) < 0)
			stuck = true;
		else
			shim_syscall(SYS_close, log);
	}
	fa_lock_give();
	if (stuck) {
		r = ENOMEM;
		event_error("a file action wants the log's descriptor and no other number is free "
			    "for it: the action is refused",
			    NULL, ENOMEM);
	}
	return r;
}

static void fa_forget(const posix_spawn_file_actions_t *fa)
{
	fa_lock_take();
	struct fa_shadow *sh = shadow_of(fa, false);
	if (sh) {
		free(sh->named);
		*sh = (struct fa_shadow){.fa = NULL};
	}
	fa_lock_give();
}

EXPORT int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
	fa_forget(fa); /* the same memory, once other actions' (a reused stack frame) */
	if (!REAL(posix_spawn_file_actions_init))
		return ENOSYS;
	return REAL(posix_spawn_file_actions_init)(fa);
}

EXPORT int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	fa_forget(fa);
	if (!REAL(posix_spawn_file_actions_destroy))
		return ENOSYS;
	return REAL(posix_spawn_file_actions_destroy)(fa);
}

int fd_guard_file_action_open(posix_spawn_file_actions_t *fa, int fd)
{
	share_given_up(fd);
	return fa_names(fa, fd, false);
}

/*
 * The program wants the number of the profile handed down: it becomes the
 * program's (profile_share.h). Not from a vfork child, whose memory is its
 * parent's: that child's program finds another file there and reads the
 * profile itself.
 */
static void share_given_up(int wanted)
{
	if (wanted >= 0 && wanted == profile_share_fd() && !child_env_in_vfork_child())
		profile_share_forget(wanted);
}

/* The same for the record-mode table, when this process's own dup2 takes its number. */
static void table_given_up(int wanted)
{
	if (!child_env_in_vfork_child())
		record_fd_given_up(wanted);
}

/*
 * dup2 and dup3 onto newfd: when the program wants the log's number, the
 * log moves away first; when no number is left for it (every one a live
 * closefrom covers or an action names), the call is refused rather than the
 * log given up. The check and the call are made under fa_lock, so that
 * another thread's move of the log into newfd cannot come between them (the
 * log would be replaced: every later event lost). A vfork child has its own
 * descriptors but the parent's memory: moving the number there would point
 * the parent at the wrong fd. That child loses its log instead (it is about
 * to exec anyway).
 */
static int dup_onto(int oldfd, int newfd, int flags, bool three)
{
	if (oldfd == newfd || child_env_in_vfork_child())
		return three ? REAL(dup3)(oldfd, newfd, flags) : REAL(dup2)(oldfd, newfd);
	/*
	 * A signal handler that interrupted this thread where it holds the
	 * lock (dup2 is async-signal-safe, so a handler may call it) cannot
	 * take it: it may not have the log's number, which cannot move now.
	 */
	bool locked = !fa_held;
	share_given_up(newfd);
	table_given_up(newfd);
	if (locked)
		fa_lock_take();
	int log = log_fd_now();
	if (log >= 0 && newfd == log && (!locked || move_log_locked(log) < 0)) {
		if (locked)
			fa_lock_give();
		event_error("the program wants the log's descriptor and no other number is free "
			    "for it: the call is refused",
			    NULL, EBUSY);
		errno = EBUSY;
		return -1;
	}
	int r = three ? REAL(dup3)(oldfd, newfd, flags) : REAL(dup2)(oldfd, newfd);
	if (locked) {
		int saved = errno;
		fa_lock_give();
		errno = saved;
	}
	return r;
}

EXPORT int dup2(int oldfd, int newfd)
{
	return dup_onto(oldfd, newfd, 0, false);
}

/*
 * posix_spawn's file actions run in the child through libc's internal
 * calls, which no interposer sees: a close or dup2 onto the log is seen when
 * it is added, and the log moves away before the child is made.
 */
EXPORT int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
	if (!REAL(posix_spawn_file_actions_addclose))
		return ENOSYS;
	/* The log is the shim's: not closed in the child, as close() pretends (closefrom splits). */
	if (fd >= 0 && fd == log_fd_now())
		return 0;
	share_given_up(fd);
	int err = fa_names(fa, fd, false);
	return err ? err : REAL(posix_spawn_file_actions_addclose)(fa, fd);
}

/*
 * closefrom as a file action (Python 3.13's subprocess adds one for
 * close_fds): split around the shim's descriptors. The program's open ones
 * between lowfd and the last of the shim's are closed one by one (listed
 * now, from /proc, or probed without it), everything above the shim's by
 * closefrom. glibc refuses numbers at or above the descriptor limit (a
 * lowered one leaves the shim's above it): those are left to the child.
 * A descriptor opened between this call and the spawn in that range is
 * not closed in the child.
 */
static bool shims(int fd, const int *g, int n)
{
	for (int i = 0; i < n; i++)
		if (g[i] == fd)
			return true;
	return false;
}

static int add_close(posix_spawn_file_actions_t *fa, long fd, int lowfd, int top, long limit,
		     const int *g, int n)
{
	if (fd < lowfd || fd > top || fd >= limit || shims((int)fd, g, n))
		return 0;
	return REAL(posix_spawn_file_actions_addclose)(fa, (int)fd);
}

static int add_closes_below(posix_spawn_file_actions_t *fa, int lowfd, int top, long limit,
			    const int *g, int n)
{
	char buf[4096];
	const char *fds = proc_fd_dir();
	int dir = fds ? (int)shim_syscall(SYS_openat, AT_FDCWD, fds,
					  O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		      : -1;
	if (dir < 0) {
		/* No /proc: every number in the range asked (bounded by the shim's last). */
		int err = 0;
		for (long fd = lowfd; fd <= top && fd < limit && !err; fd++)
			if (shim_syscall(SYS_fcntl, (int)fd, F_GETFD) >= 0)
				err = add_close(fa, fd, lowfd, top, limit, g, n);
		return err;
	}
	int err = 0;
	for (;;) {
		long got = shim_syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (got <= 0) {
			err = got < 0 ? errno : 0;
			break;
		}
		for (long off = 0; off < got && !err;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);
			off += d->d_reclen;
			char *end;
			long fd = strtol(d->d_name, &end, 10);
			if (!*end && end != d->d_name && fd != dir)
				err = add_close(fa, fd, lowfd, top, limit, g, n);
		}
		if (err)
			break;
	}
	shim_syscall(SYS_close, dir);
	return err;
}

EXPORT int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int lowfd)
{
	int g[GUARDED_MAX], n = guarded(g);
	struct rlimit rl;
	long limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)INT_MAX
			     ? (long)rl.rlim_cur
			     : INT_MAX;

	if (!REAL(posix_spawn_file_actions_addclosefrom_np) ||
	    !REAL(posix_spawn_file_actions_addclose))
		return ENOSYS;
	int err = fa_names(fa, lowfd, true);
	if (err)
		return err;
	if (n == 0 || lowfd < 0 || g[n - 1] < lowfd)
		return REAL(posix_spawn_file_actions_addclosefrom_np)(fa, lowfd);
	err = add_closes_below(fa, lowfd, g[n - 1], limit, g, n);
	if (err || (long)g[n - 1] + 1 >= limit)
		return err;
	return REAL(posix_spawn_file_actions_addclosefrom_np)(fa, g[n - 1] + 1);
}

EXPORT int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int oldfd, int newfd)
{
	if (!REAL(posix_spawn_file_actions_adddup2))
		return ENOSYS;
	if (oldfd != newfd) {
		share_given_up(newfd);
		int err = fa_names(fa, newfd, false);
		if (err)
			return err;
	}
	return REAL(posix_spawn_file_actions_adddup2)(fa, oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return dup_onto(oldfd, newfd, flags, true);
}
