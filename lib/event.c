// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock_fmt.h"
#include "config.h"
#include "event.h"
#include "event_head.h"
#include "handover.h"
#include "log_line.h"
#include "lambda_ctx.h"
#include "landlock_layer.h"
#include "rate_limit.h"
#include "seccomp_layer.h"
#include "shim.h"
#include "sig_guard.h"
#include "syscall_ops.h"
#include "large_bss.h"

extern char **environ;

static struct rate_limit limiter LARGE_BSS;
static bool limiter_ready; /* event_init() ran: the limiter may be set up */
static uint8_t limiter_seed[16];
/*
 * The limiter is static, hence zero: only its parameters need setting, and
 * that is done by the first event, so that a process which logs nothing
 * never touches its pages. 0: not set, 1: being set, 2: set, 3: refused
 * its parameters (none then). A child made by a raw clone(2) while another
 * thread was setting it up (no atfork handler runs) goes without one.
 */
static atomic_int limiter_state;
/* The program's path (exe_path): 0 not read, 1 being read, 2 in shim.exe. */
static atomic_int exe_state;

void event_init(void)
{
	const void *random = (const void *)getauxval(AT_RANDOM);
	if (random)
		memcpy(limiter_seed, random, sizeof(limiter_seed));
	limiter_ready = true;
}

/*
 * The limiter, set up on first use. False when there is none, or while
 * another thread (or the code a signal handler interrupted) is setting it
 * up: that event goes out unlimited, and counted as logged.
 */
static bool limiter_get(void)
{
	int expected = 0;

	if (!limiter_ready)
		return false;
	if (atomic_load_explicit(&limiter_state, memory_order_acquire) == 2)
		return true;
	if (!atomic_compare_exchange_strong(&limiter_state, &expected, 1))
		return false;
	bool ok = rate_limit_init_zeroed(&limiter, RATE_LIMIT_DEFAULT_WINDOW_NS,
					 RATE_LIMIT_DEFAULT_BURST, limiter_seed) == 0;
	atomic_store_explicit(&limiter_state, ok ? 2 : 3, memory_order_release);
	return ok;
}

/* Set once the table has been written to: until then a fork child has nothing to reset. */
static atomic_bool limiter_used;

void event_after_fork_child(void)
{
	/* A set-up cut short by the fork (another thread's) is done again here. */
	if (atomic_load(&limiter_state) == 1)
		atomic_store(&limiter_state, 0);
	if (atomic_load(&exe_state) == 1)
		atomic_store(&exe_state, 0);
	/* Resetting touches (and so copies) all 320 KiB: only when there is something. */
	if (limiter_ready && atomic_load(&limiter_used))
		rate_limit_reset_after_fork(&limiter);
}

/* Reads an environment variable without locks (getenv is not signal-safe). */
static const char *env_lookup(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/*
 * One write(2) per line. A reader that went away must not kill the function
 * with SIGPIPE, nor a log file past the program's RLIMIT_FSIZE with SIGXFSZ:
 * on a pipe, a socket or a file the signal is guarded around the write
 * (sig_guard.h). A terminal raises none: no system call but the write.
 */
static void write_line(const char *buf, size_t len, uint64_t sig_blocked);

void event_write_line(const char *buf, size_t len)
{
	write_line(buf, len, 0);
}

static void write_line(const char *buf, size_t len, uint64_t sig_blocked)
{
	int fd = atomic_load_explicit(&shim.log_fd, memory_order_relaxed);
	struct sig_guard g;
	int sig = shim.log_signal;
	int saved = errno;

	if (fd < 0) {
		atomic_fetch_add(&shim.dropped, 1);
		return;
	}
	if (sig)
		sig_guard_begin_blocked(&g, sig, sig_blocked);
	int r = log_line_write(fd, buf, len, shim.log_shared);
	/* EPIPE, EBADF, full disk, file size limit, non-blocking pipe: counted. */
	if (r < 0)
		atomic_fetch_add(&shim.dropped, 1);
	if (sig)
		sig_guard_end(&g, r == -EPIPE || r == -EFBIG);
	errno = saved;
}

/* The invocation this thread works for (lambda_ctx.c), when there is one. */
static void request_id_field(struct json_line *jl)
{
	char id[LAMBDA_CTX_REQUEST_ID_MAX];
	size_t len = lambda_ctx_request_id(id, sizeof(id));
	if (len)
		json_line_str(jl, "requestId", id, len);
}

/*
 * The program's path (readlink of /proc/self/exe), read when an event first
 * needs it: most processes under the shim never write one, and in a new
 * process that readlink costs more than the rest of the shim's bookkeeping
 * at start. A thread that finds another reading it (or a signal handler
 * that interrupted the reading) reads its own copy into buf.
 */
static const char *exe_path(char *buf, size_t size)
{
	int s = atomic_load_explicit(&exe_state, memory_order_acquire);
	int saved = errno;
	char *out = buf;

	if (s == 2)
		return shim.exe;
	if (s == 0 && atomic_compare_exchange_strong(&exe_state, &s, 1)) {
		out = shim.exe;
		size = sizeof(shim.exe);
	}
	long n = shim_syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	if (out == shim.exe)
		atomic_store_explicit(&exe_state, 2, memory_order_release);
	errno = saved;
	return out;
}

/* function, version, requestId, traceId, pid, tid, exe, seq — the tail every line ends with. */
static void tail(struct json_line *jl, int pid)
{
	const char *trace = env_lookup("_X_AMZN_TRACE_ID");
	json_line_reserve(jl, 0);
	if (shim.function[0])
		json_line_strz(jl, "function", shim.function);
	if (shim.version[0])
		json_line_strz(jl, "version", shim.version);
	request_id_field(jl);
	if (trace)
		json_line_str_capped(jl, "traceId", trace, strlen(trace), 256);
	json_line_i64(jl, "pid", pid ? pid : (int64_t)shim_syscall(SYS_getpid));
	json_line_i64(jl, "tid", (int64_t)shim_syscall(SYS_gettid));
	char own[513];
	const char *exe = exe_path(own, sizeof(own));
	if (exe[0])
		json_line_str_capped(jl, "exe", exe, strlen(exe), 512);
	/* Lines lost so far (a full or closed log): the next line that gets through says so. */
	uint64_t lost = atomic_load_explicit(&shim.dropped, memory_order_relaxed);
	if (lost)
		json_line_u64(jl, "eventsDropped", lost);
	json_line_u64(jl, "seq", atomic_fetch_add(&shim.seq, 1) + 1);
}

static void finish(struct json_line *jl, uint64_t sig_blocked)
{
	size_t len;
	if (json_line_finish(jl, &len) == 0)
		write_line(jl->buf, len, sig_blocked);
	else
		atomic_fetch_add(&shim.dropped, 1);
}

static const char *action_name(enum event_action a)
{
	switch (a) {
	case EVENT_ACTION_BLOCKED:
		return "blocked";
	case EVENT_ACTION_LOGGED:
		return "logged";
	case EVENT_ACTION_LEARNED:
		return "learned";
	default:
		return NULL;
	}
}

static void emit_summary(const struct rate_limit_summary *s, uint64_t sig_blocked)
{
	struct json_line jl;
	event_head(&jl, "suppressed", NULL);
	json_line_strz(&jl, "category", s->category);
	json_line_strz(&jl, "op", s->op);
	json_line_reserve(&jl, 320);
	json_line_str(&jl, "target", s->target, s->target_copy_len);
	json_line_u64(&jl, "suppressed", s->suppressed);
	json_line_u64(&jl, "windowSeconds", limiter.window_ns / 1000000000ull);
	tail(&jl, 0);
	finish(&jl, sig_blocked);
}

void event_tip_file(struct json_line *jl, const struct shim_event *ev)
{
	json_line_arr_begin(jl, "files");
	json_line_obj_begin(jl, NULL);
	json_line_str_literal(jl, "path", ev->target, ev->target_len);
	json_line_strz(jl, "allow", ev->access ? ev->access : "r");
	json_line_obj_end(jl);
	json_line_arr_end(jl);
}

void event_emit(const struct shim_event *ev)
{
	const char *category = policy_category_to_string(ev->category);
	struct rate_limit_summary summary;
	struct json_line jl;

	/*
	 * Learn events are not limited: each distinct behaviour is logged once
	 * for the whole tree already (record.c), and one held back would be
	 * missing from every profile learned from the log.
	 */
	if (strcmp(ev->type, "learn") != 0 && limiter_get()) {
		atomic_store_explicit(&limiter_used, true, memory_order_relaxed);
		uint64_t variant = rate_limit_variant(ev->type, ev->access, ev->proto, ev->detail,
						      (int)ev->action, ev->argv);
		int r = rate_limit_check(&limiter, category, ev->op, ev->target, ev->target_len,
					 variant, shim_now_mono(), &summary);
		if (r & RATE_LIMIT_SUMMARY)
			emit_summary(&summary, ev->sig_blocked);
		if (r & RATE_LIMIT_SUPPRESS)
			return;
	}

	event_head(&jl, ev->type, NULL);
	json_line_strz(&jl, "category", category);
	json_line_strz(&jl, "op", ev->op);
	/* The verdict first: a long target or argv can only crowd out what follows it. */
	json_line_strz(&jl, "mode", policy_mode_to_string(shim.action[ev->category]));
	if (action_name(ev->action))
		json_line_strz(&jl, "action", action_name(ev->action));
	if (ev->rule)
		json_line_str_capped(&jl, "rule", ev->rule, strlen(ev->rule), 300);
	/* Keep room for the fields after a long target. */
	json_line_reserve(&jl, 900);
	json_line_str(&jl, "target", ev->target, ev->target_len);
	if (ev->access)
		json_line_strz(&jl, "access", ev->access);
	if (ev->proto)
		json_line_strz(&jl, "proto", ev->proto);
	if (ev->argv)
		event_argv(&jl, ev->argv, ev->action == EVENT_ACTION_LEARNED, 900);
	if (ev->detail)
		json_line_strz(&jl, "detail", ev->detail);
	/* A file rule names an absolute path: a name the shim could not place has no tip. */
	bool placed = ev->tip != event_tip_file || (ev->target_len && ev->target[0] == '/');
	if (ev->tip && placed) {
		json_line_obj_begin(&jl, "tip");
		ev->tip(&jl, ev);
		json_line_obj_end(&jl);
	}
	tail(&jl, ev->pid);
	finish(&jl, ev->sig_blocked);
}

void event_error(const char *what, const char *detail, int error)
{
	struct json_line jl;
	event_head(&jl, "error", NULL);
	json_line_strz(&jl, "message", what);
	if (detail)
		json_line_str_capped(&jl, "detail", detail, strlen(detail), 2048);
	if (error)
		json_line_i64(&jl, "errno", error);
	if (shim.profile_path[0])
		json_line_strz(&jl, "profile", shim.profile_path);
	tail(&jl, 0);
	finish(&jl, 0);
}

/* The symbolic names the start event may need (strerrorname_np is glibc 2.32+). */
static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case EBUSY:
		return "EBUSY";
	case EFAULT:
		return "EFAULT";
	case ENOMEM:
		return "ENOMEM";
	case E2BIG:
		return "E2BIG";
	default:
		return NULL;
	}
}

static void layer_json(struct json_line *jl, const char *name, const struct layer_state *s)
{
	json_line_obj_begin(jl, name);
	json_line_strz(jl, "status", s->status == LAYER_ACTIVE ? "active" : "unavailable");
	if (s->error)
		json_line_i64(jl, "errno", s->error);
	if (s->error && errno_name(s->error))
		json_line_strz(jl, "error", errno_name(s->error));
	if (s->reason)
		json_line_strz(jl, "reason", s->reason);
	json_line_obj_end(jl);
}

void event_start(void)
{
	struct json_line jl;
	/* Anything less than the profile asks for is a WARN: Lambda's level filter keeps it. */
	bool degraded = !shim.have_profile || shim.weakened_by_env || landlock_state.turned_off ||
			(shim.action[POLICY_CAT_SYSCALL] != POLICY_MODE_RECORD &&
			 seccomp_state.status != LAYER_ACTIVE);
	event_head(&jl, "start", degraded ? "WARN" : NULL);
	json_line_strz(&jl, "fnguardVersion", FNGUARD_VERSION);
	json_line_strz(&jl, "mode", policy_mode_to_string(shim.mode));
	if (shim.mode_from_env)
		json_line_strz(&jl, "modeFrom", "FNGUARD_MODE");
	json_line_obj_begin(&jl, "actions");
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
		json_line_strz(&jl, policy_category_to_string((enum policy_category)c),
			       policy_mode_to_string(shim.action[c]));
	json_line_obj_end(&jl);
	if (shim.have_profile) {
		json_line_obj_begin(&jl, "profile");
		json_line_strz(&jl, "path", shim.profile_path);
		json_line_strz(&jl, "name", shim.profile_name);
		json_line_strz(&jl, "hash", shim.profile_hash);
		json_line_obj_end(&jl);
	} else {
		json_line_null(&jl, "profile");
		json_line_strz(&jl, "message",
			       shim.profile_path[0]
				       ? "the profile could not be loaded (see the error event): "
					 "recording everything, blocking nothing"
				       : "no profile given (FNGUARD_PROFILE unset): "
					 "recording everything, blocking nothing");
	}
	json_line_obj_begin(&jl, "layers");
	json_line_obj_begin(&jl, "libc");
	json_line_strz(&jl, "status", "active");
	json_line_obj_end(&jl);
	layer_json(&jl, "seccomp", &seccomp_state);
	layer_json(&jl, "userNotification", &notify_state);
	/* What static programs get under the filter (handover.h). */
	if (seccomp_state.status == LAYER_ACTIVE && launcher_state.status != LAYER_NOT_TRIED)
		layer_json(&jl, "launcher", &launcher_state);
	landlock_layer_json(&jl, "landlock");
	json_line_obj_end(&jl);
	json_line_bool(&jl, "coldStart", true);
	json_line_u64(&jl, "initMicros", shim.init_ns / 1000);
	tail(&jl, 0);
	finish(&jl, 0);
}

void event_flush_suppressed(void)
{
	struct rate_limit_summary s;
	size_t cursor = 0;
	int r;
	if (atomic_load_explicit(&limiter_state, memory_order_acquire) != 2)
		return;
	while ((r = rate_limit_drain_next(&limiter, &cursor, shim_now_mono(), RATE_LIMIT_DRAIN_ALL,
					  &s)) != 0) {
		if (r == 1)
			emit_summary(&s, 0);
	}
}
