// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child_env.h"
#include "cwd.h"
#include "record.h"
#include "syscall_ops.h"
#include "raw_syscall.h"
#include "real.h"
#include "shim.h"
#include "large_bss.h"

#define EXPORT __attribute__((visibility("default")))

static char cached[PATH_MAX] LARGE_BSS;
static size_t cached_len;
/* Even and non-zero: cached is valid for that generation. Odd: being written. 0: empty. */
static atomic_uint_fast64_t generation;
static atomic_uint_fast64_t epoch = 2;
/* chdirs under way: two at once would leave the epoch even in between. */
static atomic_int moves;
static atomic_bool unshared;
/* One writer at a time; a thread that finds it taken simply does not cache. */
static atomic_flag writing = ATOMIC_FLAG_INIT;

void cwd_unshared(void)
{
	atomic_store(&unshared, true);
	atomic_store(&generation, 0);
}

uint64_t cwd_epoch(void)
{
	uint64_t e = atomic_load_explicit(&epoch, memory_order_acquire);
	/* Odd while any chdir is under way, and for good once threads have directories of their own. */
	if (atomic_load_explicit(&moves, memory_order_acquire) ||
	    atomic_load_explicit(&unshared, memory_order_relaxed))
		e |= 1;
	return e;
}

/* getcwd(2) itself (not a getcwd another library may wrap): the path's length, or -errno. */
static long sys_getcwd(char *buf, size_t size)
{
	long n = raw_syscall(SYS_getcwd, buf, size);
	if (n < 0)
		return -errno;
	/* The kernel's length counts the NUL; "(unreachable)/..." names no path. */
	if (n <= 1 || buf[0] != '/')
		return -ENOENT;
	return n - 1;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

enum cwd_match {
	CWD_UNKNOWN,
	CWD_SAME,
	CWD_DIFFERS
};

/* buf against the value published for epoch e (unknown while none is, or it is being written). */
static enum cwd_match cwd_matches(uint64_t e, const char *buf, size_t len)
{
	uint64_t g1 = atomic_load_explicit(&generation, memory_order_acquire);
	if (g1 != e || (e & 1))
		return CWD_UNKNOWN;
	bool same = cached_len == len && memcmp(cached, buf, len) == 0;
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&generation, memory_order_relaxed) != g1)
		return CWD_UNKNOWN;
	return same ? CWD_SAME : CWD_DIFFERS;
}

/*
 * The directory was renamed (or one above it) while epoch e was current:
 * what was judged against its old path is judged again (a new epoch, even
 * as before, nothing cached).
 */
static void cwd_renamed(uint64_t e)
{
	uint64_t want = e;
	if (atomic_compare_exchange_strong(&epoch, &want, e + 2))
		atomic_store(&generation, 0);
}

bool cwd_unmoved(uint64_t before)
{
	char now[PATH_MAX];
	int saved = errno;

	now[0] = '\0'; /* what the kernel writes is unknown to the analyzer */
	/* A vfork child's judgements were not made against its parent's memory of the path. */
	if (!before || (before & 1) || cwd_epoch() != before || child_env_in_vfork_child())
		return false;
	long n = sys_getcwd(now, sizeof(now));
	errno = saved;
	if (n < 0)
		return false;
	/* Unknown (nothing published, or being written): judged again, in a new epoch. */
	enum cwd_match m = cwd_matches(before, now, (size_t)n);
	if (m != CWD_SAME)
		cwd_renamed(before);
	return m == CWD_SAME;
}

/*
 * buf as epoch e's path, published once per epoch: a value already there
 * (another thread's) is compared instead, and one that differs (a rename
 * between the two getcwd calls) or that cannot be read yet starts a new
 * epoch, so that cwd_unmoved() never vouches for a name judged against
 * the other.
 */
static void cwd_publish(uint64_t e, const char *buf, size_t len)
{
	if (atomic_flag_test_and_set(&writing)) {
		/* Being written: give the writer (a memcpy) a moment before calling it a rename. */
		enum cwd_match m = cwd_matches(e, buf, len);
		for (int spin = 0;
		     m == CWD_UNKNOWN && spin < 256 &&
		     atomic_load_explicit(&generation, memory_order_relaxed) == (e | 1);
		     spin++) {
			cpu_relax();
			m = cwd_matches(e, buf, len);
		}
		if (m != CWD_SAME)
			cwd_renamed(e);
		return;
	}
	/* A value of an epoch already over is nobody's any more. */
	if (cwd_epoch() != e) {
		atomic_flag_clear(&writing);
		return;
	}
	/* Holding the flag: no other writer, generation is not odd. */
	if (atomic_load(&generation) == e) {
		bool same = cached_len == len && memcmp(cached, buf, len) == 0;
		atomic_flag_clear(&writing);
		if (!same)
			cwd_renamed(e);
		return;
	}
	atomic_store(&generation, e | 1);
	memcpy(cached, buf, len + 1);
	cached_len = len;
	uint64_t odd = e | 1;
	atomic_compare_exchange_strong(&generation, &odd, cwd_epoch() == e ? e : 0);
	atomic_flag_clear(&writing);
}

int cwd_get_fresh(char *buf, size_t size, size_t *ret_len)
{
	/* The epoch before asking: a chdir after this point makes the answer stale. */
	uint64_t e = cwd_epoch();
	long n = sys_getcwd(buf, size);
	if (n < 0)
		return (int)n;
	*ret_len = (size_t)n;
	/*
	 * Published only if no chdir happened since e was read. Never from a
	 * vfork child: its memory is its parent's, whose directory it may no
	 * longer share.
	 */
	if (*ret_len < sizeof(cached) && !(e & 1) && !child_env_in_vfork_child())
		cwd_publish(e, buf, *ret_len);
	return 0;
}

int cwd_get(char *buf, size_t size, size_t *ret_len)
{
	uint64_t g1 = atomic_load_explicit(&generation, memory_order_acquire);
	/* A vfork child shares its parent's memory, not its directory: it always asks. */
	if (g1 && !(g1 & 1) && g1 == cwd_epoch() && cached_len < size &&
	    !child_env_in_vfork_child()) {
		size_t len = cached_len;
		memcpy(buf, cached, len + 1);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&generation, memory_order_relaxed) == g1) {
			*ret_len = len;
			return 0;
		}
	}
	return cwd_get_fresh(buf, size, ret_len);
}

/*
 * Counted up before the system call and after it: a thread that judged a
 * relative path with the epoch from before, and runs its call while this
 * one moves, sees another number afterwards (file_ops.c checks the
 * descriptor then). moves keeps cwd_epoch() odd while any chdir is under
 * way: two at once would make the count even half-way.
 */
static void moving(int step)
{
	if (step > 0)
		atomic_fetch_add(&moves, 1);
	atomic_fetch_add(&epoch, 1);
	atomic_store(&generation, 0);
	if (step < 0)
		atomic_fetch_sub(&moves, 1);
}

EXPORT int chdir(const char *path)
{
	moving(1);
	int r = REAL(chdir)(path);
	moving(-1);
	return r;
}

EXPORT int fchdir(int fd)
{
	moving(1);
	int r = REAL(fchdir)(fd);
	moving(-1);
	return r;
}

void cwd_after_fork_child(void)
{
	/*
	 * Another thread's publish or chdir, cut short by the fork, and tasks
	 * with directories of their own: the child is alone in its memory.
	 */
	atomic_flag_clear(&writing);
	atomic_store(&moves, 0);
	atomic_store(&unshared, false);
	uint64_t e = atomic_load(&epoch);
	if (e & 1)
		atomic_store(&epoch, e + 1);
	atomic_store(&generation, 0);
}

/* A child with its own memory starts as a fork child does (shim.h). */
struct clone_start {
	int (*fn)(void *);
	void *arg;
};

static int clone_child(void *p)
{
	/* The parent's frame, in this child's own copy of memory. */
	struct clone_start start = *(struct clone_start *)p;
	shim_after_clone_child();
	return start.fn(start.arg);
}

/*
 * clone(2) of a task that shares this memory but not the working directory
 * (CLONE_VM without CLONE_FS): from then on threads may have directories of
 * their own (cwd.h). glibc's clone reads the optional arguments whatever
 * the flags: so does this.
 */
EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if ((flags & CLONE_VM) && !(flags & CLONE_FS))
		cwd_unshared();
	if (!REAL(clone)) {
		errno = ENOSYS;
		return -1;
	}
	if (!(flags & CLONE_VM) && fn) {
		struct clone_start start = {.fn = fn, .arg = arg};
		return REAL(clone)(clone_child, stack, flags, &start, ptid, tls, ctid);
	}
	return REAL(clone)(fn, stack, flags, arg, ptid, tls, ctid);
}

/*
 * Record mode: cJSON first (record_before_sandbox), the program's own
 * restriction then. Raw calls: a thread may call them before the shim's
 * start found libc's functions.
 */
EXPORT int chroot(const char *path)
{
	record_before_sandbox();
	return (int)shim_syscall(SYS_chroot, path);
}

EXPORT int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long);
	unsigned long c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		record_before_sandbox();
	return (int)shim_syscall(SYS_prctl, option, a, b, c, d);
}

/* A thread with a directory of its own would make the shared cache lie to the others. */
EXPORT int unshare(int flags)
{
	if (flags & CLONE_NEWNS)
		record_before_sandbox();
	int r = REAL(unshare) ? REAL(unshare)(flags) : (errno = ENOSYS, -1);
	if (r == 0 && (flags & CLONE_FS))
		cwd_unshared();
	return r;
}
