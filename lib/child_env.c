// SPDX-License-Identifier: MIT
/*
 * The environment children get, and learned execs handed back from vfork
 * children. See child_env.h for the rules.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child_env.h"
#include "event.h"
#include "judge.h"
#include "park_log.h"
#include "record.h"
#include "shim.h"
#include "syscall_ops.h"
#include "large_bss.h"

extern char **environ;

#define PRELOAD	    "LD_PRELOAD"
#define PREFIX	    "FNGUARD_"
#define LOG_FD_NAME "FNGUARD_LOG_FD"
#define LOG_ID_NAME "FNGUARD_LOG_ID"

/* The managed variables as "NAME=value", FNGUARD_LOG_FD excluded (it is live). */
#define CAPTURE_VARS  64
#define CAPTURE_BYTES (64 * 1024)

static pthread_once_t capture_once = PTHREAD_ONCE_INIT;
static atomic_bool captured;  /* capture ran with the shim active */
static bool capture_overflow; /* some value did not fit: children cannot be restored */
/* Page-aligned: a small environment's copy touches one page, not two. */
static char capture_buf[CAPTURE_BYTES] LARGE_BSS __attribute__((aligned(4096)));
static char *capture[CAPTURE_VARS + 1];
static size_t n_capture;
static const char *preload_value; /* this process's LD_PRELOAD value, or NULL */
static size_t preload_len;

/* The pid whose memory this is: updated by fork's child handler, not by vfork. */
static atomic_int image_pid;

/*
 * Managed: put back as captured, or (LD_AUDIT, never captured) dropped. An
 * audit library can tell the loader to skip the preloaded shim
 * (la_objsearch), so a child given one would run without it.
 */
static bool is_managed_name(const char *entry)
{
	if (strncmp(entry, PREFIX, sizeof(PREFIX) - 1) == 0)
		return true;
	return preload_value && (strncmp(entry, PRELOAD "=", sizeof(PRELOAD)) == 0 ||
				 strncmp(entry, "LD_AUDIT=", 9) == 0);
}

static size_t name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');
	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static bool same_name(const char *a, const char *b)
{
	size_t n = name_len(a);
	return n == name_len(b) && memcmp(a, b, n) == 0;
}

static bool has_name(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static bool keep(const char *entry)
{
	size_t len = strlen(entry) + 1;
	if (n_capture >= CAPTURE_VARS)
		return false;
	size_t used = 0;
	for (size_t i = 0; i < n_capture; i++)
		used += strlen(capture[i]) + 1;
	if (used + len > sizeof(capture_buf))
		return false;
	memcpy(capture_buf + used, entry, len);
	capture[n_capture++] = capture_buf + used;
	return true;
}

static void parked_after_fork_child(void);

void child_env_after_fork_child(void)
{
	atomic_store(&image_pid, (int)shim_syscall(SYS_getpid));
	parked_after_fork_child();
}

static void do_capture(void)
{
	bool have_log_id = false;

	atomic_store(&image_pid, (int)shim_syscall(SYS_getpid));
	/* Captured even when the shim turns out inactive: users check shim.active first. */
	for (char **e = environ; e && *e; e++) {
		bool dup = false;
		if (strncmp(*e, PREFIX, sizeof(PREFIX) - 1) != 0 &&
		    strncmp(*e, PRELOAD "=", sizeof(PRELOAD)) != 0)
			continue;
		if (has_name(*e, LOG_FD_NAME))
			continue;
		/* The first of duplicates is the one getenv (and the shim) saw. */
		for (size_t i = 0; i < n_capture && !dup; i++)
			dup = same_name(capture[i], *e);
		if (dup)
			continue;
		if (!keep(*e)) {
			capture_overflow = true;
			continue;
		}
		if (has_name(*e, LOG_ID_NAME))
			have_log_id = true;
		if (has_name(*e, PRELOAD)) {
			preload_value = capture[n_capture - 1] + sizeof(PRELOAD);
			preload_len = strlen(preload_value);
		}
	}
	/*
	 * No log id (the first process could not set its log up): children must
	 * drop their events, not become a second first process writing to their
	 * own stdout, which may be a pipe their parent reads.
	 */
	if (!have_log_id && !keep(LOG_ID_NAME "=none"))
		capture_overflow = true;
	capture[n_capture] = NULL;
	pthread_atfork(NULL, NULL, child_env_after_fork_child);
	atomic_store(&captured, true);
}

void child_env_capture(void)
{
	shim_init_once();
	pthread_once(&capture_once, do_capture);
}

__attribute__((constructor)) static void child_env_constructor(void)
{
	child_env_capture();
}

const char *child_env_value(const char *name)
{
	if (!atomic_load(&captured))
		return NULL;
	for (size_t i = 0; i < n_capture; i++)
		if (has_name(capture[i], name))
			return capture[i] + strlen(name) + 1;
	return NULL;
}

int child_env_image_pid(void)
{
	return atomic_load(&image_pid);
}

bool child_env_in_vfork_child(void)
{
	return (int)shim_syscall(SYS_getpid) != atomic_load(&image_pid);
}

size_t child_env_count(char *const envp[])
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

/* "FNGUARD_LOG_FD=<n>" without stdio. */
static void format_log_fd(char buf[CHILD_ENV_LOGFD_TEXT])
{
	int fd = atomic_load_explicit(&shim.log_fd, memory_order_relaxed);
	char digits[12];
	size_t n = 0, len = sizeof(LOG_FD_NAME);
	unsigned v = fd < 0 ? 1u : (unsigned)fd;

	memcpy(buf, LOG_FD_NAME "=", len);
	if (fd < 0)
		buf[len++] = '-';
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[len++] = digits[--n];
	buf[len] = '\0';
}

/* A caller's LD_PRELOAD that keeps ours first is kept as it is. */
static bool preload_acceptable(const char *entry)
{
	const char *v = entry + sizeof(PRELOAD);
	if (!preload_value || strncmp(v, preload_value, preload_len) != 0)
		return false;
	char next = v[preload_len];
	return next == '\0' || next == ':' || next == ' ';
}

/* Index of entry in the capture, or -1; LD_PRELOAD counts when acceptable. */
static int capture_index(const char *entry)
{
	for (size_t i = 0; i < n_capture; i++) {
		if (!same_name(capture[i], entry))
			continue;
		if (strcmp(capture[i], entry) == 0 ||
		    (has_name(entry, PRELOAD) && preload_acceptable(entry)))
			return (int)i;
		return -1;
	}
	return -1;
}

bool child_env_intact(char *const envp[])
{
	char logfd[CHILD_ENV_LOGFD_TEXT];
	uint64_t seen = 0;
	bool logfd_seen = false;

	if (!atomic_load(&captured))
		return true;
	if (capture_overflow)
		return false;
	format_log_fd(logfd);
	for (size_t i = 0; envp && envp[i]; i++) {
		if (!is_managed_name(envp[i]))
			continue;
		if (has_name(envp[i], LOG_FD_NAME)) {
			if (logfd_seen || strcmp(envp[i], logfd) != 0)
				return false;
			logfd_seen = true;
			continue;
		}
		int k = capture_index(envp[i]);
		if (k < 0 || (seen & (1ull << k)))
			return false;
		seen |= 1ull << k;
	}
	return logfd_seen && seen == (n_capture == 64 ? ~0ull : (1ull << n_capture) - 1);
}

/*
 * A caller's LD_PRELOAD without ours first: "LD_PRELOAD=<ours>:<its own>"
 * in buf past the log fd's text, so that its libraries are still loaded
 * (after the shim). NULL (ours alone) when there are none or no room.
 */
static const char *preload_after_ours(const char *entry, char buf[CHILD_ENV_LOGFD_LEN])
{
	const char *own = entry + sizeof(PRELOAD);
	char *p = buf + CHILD_ENV_LOGFD_TEXT;
	size_t room = CHILD_ENV_LOGFD_LEN - CHILD_ENV_LOGFD_TEXT, own_len = strlen(own);

	if (!preload_value || !*own || sizeof(PRELOAD) + preload_len + 1 + own_len + 1 > room)
		return NULL;
	memcpy(p, PRELOAD "=", sizeof(PRELOAD));
	memcpy(p + sizeof(PRELOAD), preload_value, preload_len);
	p[sizeof(PRELOAD) + preload_len] = ':';
	memcpy(p + sizeof(PRELOAD) + preload_len + 1, own, own_len + 1);
	return p;
}

int child_env_build(char *const envp[], char *out[], size_t size,
		    char logfd_buf[CHILD_ENV_LOGFD_LEN])
{
	const char *caller_preload = NULL;
	/* Counted once: another thread's setenv can grow environ while it is copied. */
	size_t n = 0, count = child_env_count(envp);

	if (!atomic_load(&captured)) {
		if (count + 1 > size)
			return -E2BIG;
		for (size_t i = 0; i < count && envp[i]; i++)
			out[n++] = envp[i];
		out[n] = NULL;
		return 0;
	}
	if (capture_overflow || count + n_capture + 2 > size)
		return -E2BIG;
	for (size_t i = 0; i < count && envp[i]; i++) {
		if (!is_managed_name(envp[i])) {
			out[n++] = envp[i];
			continue;
		}
		if (!caller_preload && has_name(envp[i], PRELOAD))
			caller_preload = preload_acceptable(envp[i])
						 ? envp[i]
						 : preload_after_ours(envp[i], logfd_buf);
	}
	for (size_t i = 0; i < n_capture; i++)
		out[n++] = caller_preload && has_name(capture[i], PRELOAD) ? (char *)caller_preload
									   : capture[i];
	format_log_fd(logfd_buf);
	out[n++] = logfd_buf;
	out[n] = NULL;
	return 0;
}

int child_env_repair_environ(void)
{
	char logfd[CHILD_ENV_LOGFD_TEXT];
	char name[256];

	if (!atomic_load(&captured) || child_env_intact(environ))
		return 0;
	if (capture_overflow)
		return -E2BIG;
	/* Drop every managed entry that is not one of ours (all copies of a name). */
	for (const char *last = NULL;;) {
		const char *bad = NULL;
		for (char **e = environ; e && *e && !bad; e++) {
			if (!is_managed_name(*e) || has_name(*e, LOG_FD_NAME))
				continue;
			if (capture_index(*e) < 0)
				bad = *e;
		}
		if (!bad)
			break;
		/* No progress (an unsetenv that could not remove it): never loop. */
		if (bad == last)
			return -EINVAL;
		last = bad;
		size_t n = name_len(bad);
		if (n >= sizeof(name))
			return -ENAMETOOLONG;
		memcpy(name, bad, n);
		name[n] = '\0';
		if (unsetenv(name) < 0)
			return -errno;
	}
	for (size_t i = 0; i < n_capture; i++) {
		size_t n = name_len(capture[i]);
		if (n >= sizeof(name))
			return -ENAMETOOLONG;
		memcpy(name, capture[i], n);
		name[n] = '\0';
		/* What is left of a managed name after the loop above is ours (or a kept preload). */
		const char *cur = getenv(name);
		if (cur && (has_name(capture[i], PRELOAD) || strcmp(cur, capture[i] + n + 1) == 0))
			continue;
		if (setenv(name, capture[i] + n + 1, 1) < 0)
			return -errno;
	}
	format_log_fd(logfd);
	if (setenv(LOG_FD_NAME, logfd + sizeof(LOG_FD_NAME), 1) < 0)
		return -errno;
	return 0;
}

/* ---- learned execs handed back by vfork children ------------------------ */

/*
 * Each record: a flag byte, the path, then each argument, every string
 * NUL-terminated. The log holds 16 MiB of records the parent has not taken
 * yet (it takes them at its own exec, posix_spawn, exit); past that an exec
 * is dropped, and said.
 */
#define PARKED_CHUNK_BYTES ((size_t)64 << 10)
#define PARKED_LIMIT	   ((size_t)16 << 20)

enum {
	PARKED_NO_ARGV = 0, /* a NULL argv, an empty one */
	PARKED_ARGV = 1,
	PARKED_CHANGED = 2, /* a string changed length while it was copied */
};

static struct park_log parked = PARK_LOG_INIT(PARKED_CHUNK_BYTES, PARKED_LIMIT);
static pthread_mutex_t parked_take_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t parked_unfinished_said;

/*
 * Copies s with its NUL to *p, never past end (the NUL always written);
 * false when what was copied is not a string of the length measured
 * (another thread of the parent writing it, even during the copy: the
 * child shares its memory).
 */
static bool copy_measured(char **p, const char *end, const char *s, size_t measured)
{
	char *dst = *p;
	size_t n = strnlen(s, (size_t)(end - dst) - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	*p += n + 1;
	return n == measured && strnlen(dst, n) == n;
}

void child_env_learn_exec(const char *path, char *const argv[])
{
	size_t len = 1 + strlen(path) + 1, k;
	for (k = 0; argv && argv[k]; k++)
		len += strlen(argv[k]) + 1;
	size_t argc = k;

	void *data;
	int r = park_log_reserve(&parked, len, &data);
	if (r < 0) {
		/*
		 * The learn event is on the log, but the profile file will lack
		 * it, and must not lack it silently. The writer is
		 * allocation-free and async-signal-safe, as a vfork child needs.
		 */
		event_error("record: an exec learned in a vfork child could not be kept for the "
			    "recorded profile (16 MiB of such execs wait for the parent to take "
			    "them); the learn event above has it",
			    path, -r);
		return;
	}
	char *p = data;
	const char *end = p + len;
	*p++ = argv ? PARKED_ARGV : PARKED_NO_ARGV;
	bool same = copy_measured(&p, end, path, strlen(path));
	for (k = 0; k < argc && p < end && argv[k]; k++)
		same = copy_measured(&p, end, argv[k], strlen(argv[k])) && same;
	if (!same || k != argc || p != end) {
		*(char *)data = PARKED_CHANGED;
		memset(p, 0, (size_t)(end - p));
	}
	park_log_publish(&parked, data);
}

static void take_parked(const void *data, size_t len, void *arg)
{
	const char *rec = data, *end = rec + len;
	const char *path = rec + 1;
	size_t argc = 0;
	(void)arg;

	if (len < 2 || rec[0] == PARKED_CHANGED || end[-1] != '\0') {
		event_error("record: an exec learned in a vfork child changed while it was kept "
			    "(another thread writing its arguments): it is missing from the "
			    "recorded profile; the learn event above has it",
			    len >= 2 && rec[len - 1] == '\0' ? path : "", EINVAL);
		return;
	}
	const char *args = path + strlen(path) + 1;
	for (const char *a = args; a < end; a += strlen(a) + 1)
		argc++;
	char **argv = calloc(argc + 1, sizeof(*argv));
	if (!argv) {
		event_error("record: an exec learned in a vfork child is missing from the recorded "
			    "profile (no memory to take it)",
			    path, ENOMEM);
		return;
	}
	size_t k = 0;
	for (const char *a = args; a < end; a += strlen(a) + 1)
		argv[k++] = (char *)a;
	struct judgement j = {0};
	j.ev.category = POLICY_CAT_EXEC;
	j.learn.kind = LEARN_EXEC;
	j.learn.name = path;
	j.learn.argv = rec[0] == PARKED_ARGV ? argv : NULL;
	record_keep(&j);
	free(argv);
}

static void drain(bool final, bool in_handler)
{
	if (!park_log_pending(&parked) || child_env_in_vfork_child())
		return;
	/* A handler must not wait: the code it interrupted may hold the lock. */
	if (!in_handler)
		pthread_mutex_lock(&parked_take_lock);
	else if (pthread_mutex_trylock(&parked_take_lock) != 0)
		return;
	size_t unfinished = park_log_take(&parked, take_parked, NULL);
	bool say = final && unfinished > parked_unfinished_said;
	if (say)
		parked_unfinished_said = unfinished;
	pthread_mutex_unlock(&parked_take_lock);
	if (say)
		event_error("record: execs learned in vfork children were still being written "
			    "when the recorded profile was (a child killed half-way, or still at "
			    "work): they are missing from it; the learn events have them",
			    "", EBUSY);
}

void child_env_drain_learned(bool final)
{
	drain(final, false);
}

void child_env_drain_learned_in_handler(void)
{
	drain(true, true);
}

static void parked_after_fork_child(void)
{
	/* The parent takes what was parked before the fork. */
	pthread_mutex_init(&parked_take_lock, NULL);
	park_log_clear(&parked);
	parked_unfinished_said = 0;
}
