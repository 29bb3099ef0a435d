// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "child_env.h"
#include "cjson_lazy.h"
#include "dl_ops.h"
#include "event.h"
#include "sig_guard.h"
#include "judge.h"
#include "learn.h"
#include "util.h"
#include "log_id.h"
#include "raw_syscall.h"
#include "record.h"
#include "shim.h"
#include "large_bss.h"

/*
 * Keys of behaviours already learned (0 = empty slot). The first recording
 * process puts the table in a memfd that its descendants map too (its number
 * in FNGUARD_LEARN_FD, kept open across exec and guarded like the log fd):
 * a behaviour is learned once per process tree, not once per process (a
 * handler that starts /bin/sh per event would repeat the shell's every look
 * per event). Without it (the descriptor lost, no memfd) each process keeps
 * its own table.
 */
#define SEEN_SLOTS   16384
#define SEEN_PROBE   32
#define SEEN_BYTES   (SEEN_SLOTS * sizeof(atomic_uint_least64_t))
#define LEARN_FD_MIN 1000
static atomic_uint_least64_t seen_private[SEEN_SLOTS] LARGE_BSS;
static atomic_uint_least64_t *seen = seen_private;
static atomic_int shared_fd = -1;

static pthread_mutex_t learner_lock = PTHREAD_MUTEX_INITIALIZER;
/* This thread's signal handler holds learner_lock for the calls it makes (write_learned). */
static _Thread_local bool learner_held;
static struct learner *learner;
static atomic_bool dirty;

static uint64_t mix(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t behaviour_key(const struct judgement *j)
{
	const struct judge_learn *l = &j->learn;
	uint64_t h = 0xcbf29ce484222325ull;
	int cat = j->ev.category;
	h = mix(h, &cat, sizeof(cat));
	h = mix(h, &l->kind, sizeof(l->kind));
	h = mix(h, j->ev.target, j->ev.target_len);
	h = mix(h, &l->rights, sizeof(l->rights));
	h = mix(h, &l->port, sizeof(l->port));
	h = mix(h, &l->proto, sizeof(l->proto));
	h = mix(h, &l->inbound, sizeof(l->inbound));
	for (size_t i = 0; l->argv && l->argv[i] && i < 256; i++)
		h = mix(h, l->argv[i], strlen(l->argv[i]) + 1);
	return h ? h : 1;
}

static bool seen_key(uint64_t key)
{
	for (size_t i = 0; i < SEEN_PROBE; i++) {
		uint64_t cur = atomic_load_explicit(&seen[(key + i) & (SEEN_SLOTS - 1)],
						    memory_order_relaxed);
		if (cur == key)
			return true;
		if (cur == 0)
			return false;
	}
	return false;
}

bool record_made(const char *path, size_t len)
{
	/* The rights a name is made with: symlink, rename or link onto it, a creating open. */
	static const unsigned made[] = {
		POLICY_RIGHT_CREATE,
		POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE,
		POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE,
		POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE,
		POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE,
		POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE,
	};
	struct judgement j = {0};
	j.ev.category = POLICY_CAT_FILE;
	j.ev.target = path;
	j.ev.target_len = len;
	j.learn.kind = LEARN_FILE;
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		j.learn.rights = made[i];
		if (seen_key(behaviour_key(&j)))
			return true;
	}
	return false;
}

bool record_first_time(const struct judgement *j)
{
	uint64_t key = behaviour_key(j);
	for (size_t i = 0; i < SEEN_PROBE; i++) {
		atomic_uint_least64_t *slot = &seen[(key + i) & (SEEN_SLOTS - 1)];
		uint64_t cur = atomic_load_explicit(slot, memory_order_relaxed);
		if (cur == key)
			return false;
		if (cur == 0) {
			uint64_t expected = 0;
			if (atomic_compare_exchange_strong(slot, &expected, key))
				return true;
			if (expected == key)
				return false;
		}
	}
	/* Table full around this key: report it again rather than lose it. */
	return true;
}

/* cJSON is loaded when first needed (need_cjson), not during init. */
static bool cjson_deferred;

static void need_cjson(void)
{
	static atomic_bool told;
	/* Appending reads nothing: the document is written without cJSON. */
	if (shim.record_append)
		return;
	if (cjson_lazy_load() < 0 && !atomic_exchange(&told, true))
		event_error(
			"libcjson.so.1 could not be loaded: a profile already at "
			"FNGUARD_RECORD_OUT (another process of the tree, an earlier run) cannot "
			"be merged, and this process's will not be written over it",
			cjson_lazy_error(), ELIBACC);
}

/* error events for behaviours the written profile will lack, per process */
#define RECORD_ERRORS_MAX 16

void record_keep(const struct judgement *j)
{
	const struct judge_learn *l = &j->learn;
	if (!shim.record_out[0] || l->kind == LEARN_NONE)
		return;
	int r = -ENOMEM;
	need_cjson(); /* what is learned is written at exit, merged with what is there */
	if (!learner_held)
		pthread_mutex_lock(&learner_lock);
	if (!learner && learner_new(&learner) < 0)
		learner = NULL;
	if (learner) {
		switch (l->kind) {
		case LEARN_FILE:
			r = learner_add_file(learner, l->name, l->rights);
			break;
		case LEARN_HOST:
			r = learner_add_host(learner, l->name, l->port, (enum net_proto)l->proto,
					     l->inbound);
			break;
		case LEARN_IP:
			r = learner_add_ip(learner, l->family, l->addr, l->port,
					   (enum net_proto)l->proto, l->inbound);
			break;
		case LEARN_UNIX:
			r = learner_add_unix(learner, l->name, l->inbound);
			break;
		case LEARN_EXEC:
			r = learner_add_exec(learner, l->name, l->argv);
			break;
		default:
			r = 0;
			break;
		}
		atomic_store(&dirty, true);
	}
	if (!learner_held)
		pthread_mutex_unlock(&learner_lock);
	/*
	 * What the written profile will not allow must not go unsaid: enforce
	 * would refuse it later. A handful per process, not a flood.
	 */
	static atomic_int reported;
	if (r < 0 && atomic_fetch_add(&reported, 1) < RECORD_ERRORS_MAX)
		event_error(r == -ENOMEM
				    ? "record mode ran out of memory: the profile it writes "
				      "will not allow this"
				    : "record mode cannot express this in a profile: the profile "
				      "it writes will not allow it",
			    l->name, -r);
}

/*
 * A fork must not happen while a write has the lock file open: the child
 * would share the open file, so the lock (which belongs to it) would
 * outlive the writer's close, and the child's own write would wait on it
 * for ever. Forks wait for the write (before_fork); a fork made by the
 * writing thread itself (a signal handler's) does not wait: its child
 * closes its copy instead (record_after_fork_child).
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int held_lock = -1;
static atomic_long writer_tid;

/* Merges with what is already at the output (other processes) and replaces it atomically. */
static int write_merged(void)
{
	char lock_path[PATH_MAX + 8], tmp_path[PATH_MAX + 32];
	struct diag_list diags = {0};
	char *text = NULL;
	int r;

	snprintf(lock_path, sizeof(lock_path), "%s.lock", shim.record_out);
	snprintf(tmp_path, sizeof(tmp_path), "%s.%ld.tmp", shim.record_out, (long)getpid());
	/* Never through a link someone planted: it would create or replace its target. */
	pthread_mutex_lock(&write_lock);
	atomic_store(&writer_tid, raw_syscall(SYS_gettid));
	int lock = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0) {
		r = -errno;
		goto out_unlock;
	}
	atomic_store(&held_lock, lock);
	if (flock(lock, LOCK_EX) < 0) {
		r = -errno;
		goto out_close;
	}
	if (shim.record_append) {
		/*
		 * What this process learned since it last wrote, added to the
		 * end: no read of the others' (a merge costs the size of the
		 * whole recording, for every process that learned anything).
		 */
		r = learner_append_file(learner, shim.function[0] ? shim.function : "recorded",
					shim.record_out);
		if (r == 0) {
			learner_free(learner);
			learner = NULL;
		}
		goto out_close;
	}
	r = learner_merge_file(learner, shim.record_out, &diags);
	diag_list_clear(&diags);
	if (r == -ENOENT)
		r = 0;
	else if (r < 0 && cjson_lazy_error()[0])
		r = -ELIBACC; /* read with cJSON, which could not be loaded: not out of memory */
	if (r == 0)
		r = learner_to_json(learner, shim.function[0] ? shim.function : "recorded", NULL,
				    &text);
	if (r == 0) {
		unlink(tmp_path); /* a stale one, or a link: O_EXCL refuses either */
		int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		r = fd < 0 ? -errno : write_all(fd, text, strlen(text));
		if (fd >= 0 && close(fd) < 0 && r == 0)
			r = -errno;
		if (r == 0 && rename(tmp_path, shim.record_out) < 0)
			r = -errno;
		if (r < 0)
			unlink(tmp_path);
	}
	free(text);
out_close:
	close(lock);
	atomic_store(&held_lock, -1);
out_unlock:
	atomic_store(&writer_tid, 0);
	pthread_mutex_unlock(&write_lock);
	return r;
}

static void write_learned(bool from_signal)
{
	if (!shim.record_out[0])
		return;
	/*
	 * What vfork children learned is parked lock-free; take it first. A
	 * signal handler (SIGTERM) must not wait for the learner's lock, which
	 * the interrupted code may hold: it takes them only if the lock is
	 * free, and only where the learner needs no library loaded (as below).
	 */
	if (!from_signal) {
		child_env_drain_learned(true);
	} else if ((shim.record_append || cjson_lazy_tried()) &&
		   pthread_mutex_trylock(&learner_lock) == 0) {
		learner_held = true;
		child_env_drain_learned_in_handler();
		learner_held = false;
		pthread_mutex_unlock(&learner_lock);
	}
	if (!atomic_exchange(&dirty, false))
		return;
	/*
	 * Loading a library is no signal handler's work (record_keep loaded
	 * it, or tried); appending needs none.
	 */
	if (from_signal && !shim.record_append && !cjson_lazy_tried())
		return;
	need_cjson();
	shim_busy++;
	if (pthread_mutex_trylock(&learner_lock) == 0) {
		/* The recorded profile is the shim's file: never the program's SIGXFSZ. */
		struct sig_guard g;
		sig_guard_begin(&g, SIGXFSZ);
		int r = learner ? write_merged() : 0;
		sig_guard_end(&g, true);
		pthread_mutex_unlock(&learner_lock);
		if (r < 0)
			event_error("could not write the recorded profile", shim.record_out, -r);
	}
	shim_busy--;
}

/*
 * The libraries mapped are learned once per image, not in a fork child:
 * they are its parent's, which learns them, and the loader's list lock may
 * have been held by another thread at the fork (glibc does not reset it
 * there): walking it would wait for ever.
 */
static bool loaded_learned;

void record_write(void)
{
	if (!loaded_learned && shim.active && shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD) {
		loaded_learned = true;
		dl_ops_learn_loaded(cjson_lazy_code());
	}
	write_learned(false);
}

static void on_exit_record(void)
{
	record_write();
	event_flush_suppressed();
}

/*
 * The write allocates: a signal that came while the program was inside
 * malloc (another thread holding the arena's lock, or this one) would wait
 * for ever. A timer of the kernel's kills the process if the write has not
 * let it die of the signal by then (raw calls: a handler's only safe ones).
 */
#define SIGTERM_WRITE_SECONDS 2

static void die_anyway_later(void)
{
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGKILL};
	int id = -1;
	if (raw_syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) == 0) {
		struct itimerspec its = {.it_value = {.tv_sec = SIGTERM_WRITE_SECONDS}};
		raw_syscall(SYS_timer_settime, id, 0, &its, NULL);
	}
}

static bool recording(void);

/*
 * Whether this thread may be running a signal handler: a signal the
 * program handles is blocked (the kernel blocks a handler's signal while
 * it runs, unless SA_NODEFER). Raw calls, as a handler's must be.
 */
static bool maybe_in_signal_handler(void)
{
	uint64_t blocked = 0;
	if (raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &blocked, sizeof(blocked)) != 0)
		return true;
	for (int sig = 1; sig <= 64 && blocked; sig++, blocked >>= 1) {
		/* The kernel's struct sigaction: handler first. */
		unsigned long act[4] = {0};
		if ((blocked & 1) &&
		    raw_syscall(SYS_rt_sigaction, sig, NULL, act, sizeof(uint64_t)) == 0 &&
		    act[0] != (unsigned long)SIG_DFL && act[0] != (unsigned long)SIG_IGN)
			return true;
	}
	return false;
}

void record_before_exit(void)
{
	/*
	 * The write allocates and takes locks: not from a signal handler,
	 * which may have come inside malloc or inside the write itself (there
	 * the counts alone are said: their writer is a handler's).
	 */
	if (shim.record_out[0] && recording() && !maybe_in_signal_handler())
		record_write();
	event_flush_suppressed();
}

static void on_sigterm(int sig)
{
	/*
	 * Best effort: Lambda sends SIGTERM (with extensions) before SIGKILL.
	 * The learn events are already on the log; this also writes the file,
	 * then dies of the signal as it would have. Not when the signal came
	 * inside the shim, which may hold the locks the write needs: the
	 * thread would wait on itself and never die.
	 */
	if (!shim_busy) {
		die_anyway_later();
		write_learned(true);
		event_flush_suppressed();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A descriptor from FNGUARD_LEARN_FD ("fd:dev:ino") is used only if it is
 * the memfd named there, whole: another one the program put at that number
 * (its own "fnguard-learn" memfd, to hide what a child learns) is not.
 */
static void *map_inherited(const char *id, int *ret_fd)
{
	struct stat st;
	char link[40], target[64];
	int fd = log_id_fd_identity(id, &st);

	if (fd < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != SEEN_BYTES)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	if (strncmp(target, "/memfd:fnguard-learn", 20) != 0)
		return NULL;
	void *m = mmap(NULL, SEEN_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*ret_fd = fd;
	return m == MAP_FAILED ? NULL : m;
}

static void share_seen(void)
{
	const char *env = secure_getenv("FNGUARD_LEARN_FD");
	char num[64];
	void *m;

	int inherited;
	if (env && *env && (m = map_inherited(env, &inherited))) {
		seen = m;
		atomic_store(&shared_fd, inherited);
		return;
	}
	/*
	 * None to join: this process starts one for its descendants. With the
	 * system call instruction in the shim's own code: fnguard record does
	 * not learn what the shim asks for itself (tools/record-syscalls.c).
	 */
	int mfd = (int)raw_syscall(SYS_memfd_create, "fnguard-learn",
				   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return;
	int fd = -1;
	struct sig_guard g;
	sig_guard_begin(&g, SIGXFSZ);
	int sized = ftruncate(mfd, (off_t)SEEN_BYTES);
	sig_guard_end(&g, sized != 0);
	if (sized == 0 && fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0)
		fd = fcntl(mfd, F_DUPFD, LEARN_FD_MIN); /* not close-on-exec: children map it */
	close(mfd);
	if (fd < 0)
		return;
	m = mmap(NULL, SEEN_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		close(fd);
		return;
	}
	/* What this process learned before now (nothing: init runs first) stays valid. */
	struct stat st;
	if (fstat(fd, &st) < 0) {
		munmap(m, SEEN_BYTES);
		close(fd);
		return;
	}
	memcpy(m, seen_private, SEEN_BYTES);
	seen = m;
	atomic_store(&shared_fd, fd);
	snprintf(num, sizeof(num), "%d:%llu:%llu", fd, (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("FNGUARD_LEARN_FD", num, 1);
}

void record_fd_given_up(int fd)
{
	int expected = fd;
	if (fd >= 0)
		atomic_compare_exchange_strong(&shared_fd, &expected, -1);
}

int record_shared_fd(void)
{
	return atomic_load_explicit(&shared_fd, memory_order_relaxed);
}

/* Some category of this process is recorded. */
static bool recording(void)
{
	for (size_t c = 0; c < POLICY_CATEGORY_MAX; c++)
		if (shim.action[c] == POLICY_MODE_RECORD)
			return true;
	return false;
}

/* Every category of this process is recorded: no layer of fnguard's restricts it. */
static bool recording_only(void)
{
	for (size_t c = 0; c < POLICY_CATEGORY_MAX; c++)
		if (shim.action[c] != POLICY_MODE_RECORD)
			return false;
	return true;
}

void record_before_sandbox(void)
{
	if (cjson_deferred && shim.active && shim.record_out[0] && !shim_busy)
		need_cjson();
}

void record_prepare(void)
{
	if (!recording() || !shim.record_out[0])
		return;
	/*
	 * Where every category is recorded, no filter or Landlock domain will
	 * keep the library from being read later, and most processes of a tree
	 * never need it: what they see was seen before (the shared table), so
	 * they have nothing to write. Loading it costs ~100 us a process here.
	 * It is loaded at this process's first new behaviour (record_keep),
	 * before a fork (a fork child of a threaded program must not load a
	 * library: the loader's list lock may be held there for ever), or at
	 * exit for what vfork children parked; never in a signal handler.
	 */
	if (recording_only()) {
		cjson_deferred = true;
		return;
	}
	need_cjson();
}

static void before_fork(void)
{
	if (!shim.record_out[0] || !shim.active)
		return;
	if (cjson_deferred)
		need_cjson();
	if (atomic_load(&writer_tid) != raw_syscall(SYS_gettid))
		pthread_mutex_lock(&write_lock);
}

static void after_fork_parent(void)
{
	if (shim.record_out[0] && shim.active &&
	    atomic_load(&writer_tid) != raw_syscall(SYS_gettid))
		pthread_mutex_unlock(&write_lock);
}

void record_init(void)
{
	if (recording())
		share_seen();
	atexit(on_exit_record);
	if (!shim.record_out[0])
		return;
	pthread_atfork(before_fork, after_fork_parent, NULL);
	struct sigaction old;
	if (sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
	    !(old.sa_flags & SA_SIGINFO)) {
		struct sigaction sa = {.sa_handler = on_sigterm};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
	}
}

void record_after_fork_child(void)
{
	loaded_learned = true;
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&learner_lock, &fresh, sizeof(fresh));
	/*
	 * What the parent learned is the parent's to write. The copy is
	 * forgotten, not freed: another thread may have been half-way through
	 * changing it at the fork (freeing it then crashed children), and
	 * freeing would touch, so copy, every page of it in a child about to exec.
	 */
	atomic_store(&dirty, false);
	learner = NULL;
	pthread_mutex_t unlocked = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&write_lock, &unlocked, sizeof(unlocked));
	int lock = atomic_exchange(&held_lock, -1);
	if (lock >= 0 && atomic_exchange(&writer_tid, 0) != 0)
		raw_syscall(SYS_close, lock); /* forked by the writer itself, mid-write */
}
