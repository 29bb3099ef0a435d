// SPDX-License-Identifier: MIT
/*
 * Shim start-up: configuration from the environment, the log destination,
 * the profile, and the start event. Runs once per process, from the
 * constructor or from the first interposed call, whichever comes first.
 *
 * Fail-safe rules (docs/security.md):
 *  - uid != euid (or gid != egid): the shim stays inert (secure_getenv).
 *  - no profile: record mode, said in the start event; asking for enforce
 *    without a profile is an error like an unloadable profile.
 *  - a profile that does not load: in enforce mode the process exits 126
 *    before main with an `error` event (fail closed) unless
 *    FNGUARD_ON_ERROR=open; in alert/record mode the error is logged and the
 *    process goes on recording.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "child_env.h"
#include "cjson_lazy.h"
#include "cwd.h"
#include "descendant_vars.h"
#include "event.h"
#include "fd_guard.h"
#include "exec_ops.h"
#include "large_bss.h"
#include "landlock_layer.h"
#include "log_id.h"
#include "log_line.h"
#include "profile_share.h"
#include "raw_syscall.h"
#include "real.h"
#include "record.h"
#include "seccomp_layer.h"
#include "shim.h"
#include "thread_scratch.h"

struct shim_state shim = {.log_fd = -1};
atomic_bool shim_ready;
__thread int shim_busy __attribute__((tls_model("initial-exec")));
__thread int shim_busy_child __attribute__((tls_model("initial-exec")));

bool shim_busy_left_behind(void)
{
	/* The child itself, nesting inside its judgement: entered, as it should be. */
	if ((int)raw_syscall(SYS_getpid) == shim_busy_child)
		return false;
	shim_busy = 0;
	shim_busy_child = 0;
	seccomp_layer_forget_handler();
	return true;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

uint64_t shim_now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Copies src, cut to size (no snprintf: its pages are not touched before
 * main). An empty string into an empty buffer writes nothing: the page stays
 * shared.
 */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;
	if (n == 0 && dst[0] == '\0')
		return;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void copy_env(char *dst, size_t size, const char *name)
{
	copy_str(dst, size, secure_getenv(name));
}

/*
 * The function's name or version in events: what the first process found
 * in the Lambda variable, pinned for its descendants in a managed one (put
 * back in every child's environment), so that a program cannot label its
 * children's events as another function's by setting the Lambda variable.
 */
static void event_label(char *dst, size_t size, const char *pin, const char *lambda)
{
	const char *v = shim.root ? NULL : secure_getenv(pin);
	copy_str(dst, size, v ? v : secure_getenv(lambda));
	if (shim.root)
		setenv(pin, dst, 1);
}

/*
 * The first process fixes the destination (a high, inheritable duplicate of
 * its stdout, stderr or fd:N) and exports it; descendants find it by number
 * and check it is still the same file, so a child whose own stdout is a
 * pipe its parent reads never writes events there.
 */
static bool log_inherited(void)
{
	return secure_getenv("FNGUARD_LOG_FD") && secure_getenv("FNGUARD_LOG_ID");
}

/*
 * The signal a write to it can raise, which the event writer guards
 * against: SIGPIPE from a pipe or a socket whose reader went away, SIGXFSZ
 * from a file past the program's RLIMIT_FSIZE. 0 for anything else.
 */
static int log_write_signal(const struct stat *st)
{
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
		return SIGPIPE;
	return S_ISREG(st->st_mode) ? SIGXFSZ : 0;
}

static void setup_log(void)
{
	const char *inherited = secure_getenv("FNGUARD_LOG_FD");
	const char *id = secure_getenv("FNGUARD_LOG_ID");
	const char *dest = secure_getenv("FNGUARD_LOG");
	char *end;
	int fd = -1;

	if (log_inherited()) {
		struct stat st;
		int n = log_id_inherited_stat(inherited, id, &st);
		shim.root = false;
		if (n >= 0) {
			shim.log_signal = log_write_signal(&st);
			atomic_store(&shim.log_fd, n);
			/* The first process's stdout is shared by the whole tree, ours or not. */
			const char *shared = secure_getenv("FNGUARD_LOG_SHARED");
			shim.log_shared =
				(shared && strcmp(shared, "1") == 0) || log_line_shares_output(n);
		}
		/* else: events of this process are counted as dropped, never redirected */
		return;
	}
	shim.root = true;
	if (!dest || !*dest || strcmp(dest, "stdout") == 0)
		fd = STDOUT_FILENO;
	else if (strcmp(dest, "stderr") == 0)
		fd = STDERR_FILENO;
	else if (strncmp(dest, "fd:", 3) == 0) {
		long n = strtol(dest + 3, &end, 10);
		if (dest[3] && !*end && n >= 0 && n < 1 << 20)
			fd = (int)n;
	}
	int moved = fd >= 0 ? fcntl(fd, F_DUPFD, log_id_fd_floor(1000, 3, 4)) : -1;
	/* A destination that cannot be used loses nothing: stdout, and an error event says why. */
	bool fell_back = moved < 0 && fd != STDOUT_FILENO;
	if (fell_back)
		moved = fcntl(STDOUT_FILENO, F_DUPFD, log_id_fd_floor(1000, 3, 4));
	if (moved < 0)
		return;
	struct stat st;
	char num[16], idbuf[64];
	if (fstat(moved, &st) < 0) {
		close(moved);
		return;
	}
	shim.log_signal = log_write_signal(&st);
	atomic_store(&shim.log_fd, moved);
	shim.log_shared = log_line_shares_output(moved);
	snprintf(num, sizeof(num), "%d", moved);
	snprintf(idbuf, sizeof(idbuf), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("FNGUARD_LOG_FD", num, 1);
	setenv("FNGUARD_LOG_ID", idbuf, 1);
	setenv("FNGUARD_LOG_SHARED", shim.log_shared ? "1" : "0", 1);
	if (fell_back)
		event_error("FNGUARD_LOG is not stdout, stderr or fd:N of an open descriptor: "
			    "events go to stdout",
			    dest, fd < 0 ? EINVAL : EBADF);
}

/* The "extends" search path: JSON profiles only (a bundle is resolved already). */
static const char *search_path(void *userdata)
{
	/* Static, not 16 KiB of stack: the frames below it would fault in fresh stack pages. */
	static char search[4 * PATH_MAX] LARGE_BSS;
	(void)userdata;
	if (!search[0])
		policy_default_search_path(secure_getenv("FNGUARD_PROFILE_PATH"), search,
					   sizeof(search));
	return search;
}

static const char *shim_getvar(const char *name, void *userdata)
{
	(void)userdata;
	return secure_getenv(name);
}

/*
 * The values this process read its profile's ${VAR}s with, for its
 * descendants (policy.h): set once, by the first process that has none.
 * Before the environment is captured, so children get them back whatever
 * environment their parent hands them.
 */
static void pin_profile_vars(void)
{
	for (size_t i = 0; policy_var_name(i); i++) {
		const char *pin = policy_var_pin_name(i);
		if (secure_getenv(pin))
			continue;
		const char *v = secure_getenv(policy_var_name(i));
		setenv(pin, v ? v : "", 0);
	}
}

/*
 * A relative FNGUARD_PROFILE names another file once a child runs
 * elsewhere (a cwd of the caller's choosing, holding a weaker profile of
 * that name): made absolute, here and for descendants, before the
 * environment is captured. A name that does not resolve is left as it is
 * (the load reports it).
 */
static void absolute_profile_path(void)
{
	char abs[PATH_MAX];
	if (!shim.profile_path[0] || shim.profile_path[0] == '/' ||
	    !real_realpath(shim.profile_path, abs) || strlen(abs) >= sizeof(shim.profile_path))
		return;
	copy_str(shim.profile_path, sizeof(shim.profile_path), abs);
	setenv("FNGUARD_PROFILE", abs, 1);
}

/*
 * Rewrites the entries of a list variable (split at any of seps) that
 * absolute() makes absolute; a list that would not fit is left alone.
 */
static void absolute_list(const char *var, const char *seps,
			  bool (*absolute)(const char *one, char *abs))
{
	const char *v = secure_getenv(var);
	char out[4 * PATH_MAX], one[PATH_MAX], abs[PATH_MAX];
	size_t n = 0;
	bool changed = false;

	if (!v)
		return;
	while (*v) {
		size_t len = strcspn(v, seps);
		if (len && len < sizeof(one)) {
			memcpy(one, v, len);
			one[len] = '\0';
			const char *use = one;
			if (absolute(one, abs)) {
				use = abs;
				changed = true;
			}
			size_t ul = strlen(use);
			if (n + ul + 2 > sizeof(out))
				return;
			if (n)
				out[n++] = ':';
			memcpy(out + n, use, ul);
			n += ul;
		}
		v += len;
		v += strspn(v, seps);
	}
	out[n] = '\0';
	if (changed)
		setenv(var, out, 1);
}

/*
 * LD_PRELOAD in the first process: ld.so reads a relative entry against
 * each child's own cwd, and a child elsewhere would start without the shim.
 * A bare name is searched for by ld.so, not read against the cwd.
 */
static bool preload_absolute(const char *one, char *abs)
{
	return one[0] != '/' && strchr(one, '/') && real_realpath(one, abs);
}

/*
 * FNGUARD_PROFILE_PATH's relative entries, read against each child's own
 * cwd, would let a child started in a directory of the caller's choosing
 * find another "python.json" for an extends: made absolute against the
 * first process's cwd (whether they exist or not).
 */
static bool search_dir_absolute(const char *one, char *abs)
{
	char cwd[PATH_MAX];
	return one[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	       (size_t)snprintf(abs, PATH_MAX, "%s/%s", cwd, one) < PATH_MAX;
}

/*
 * What a first process sets for its descendants says nothing when a first
 * process finds it (the function's configuration, a stale shell): dropped
 * before anything reads it, and said once.
 */
static void drop_mark(const char *name, char *found, size_t size, size_t *n)
{
	if (!getenv(name))
		return;
	if (*n < size)
		*n += (size_t)snprintf(found + *n, size - *n, "%s%s", *n ? " " : "", name);
	unsetenv(name);
}

static void drop_descendant_marks(void)
{
	static const char *const fixed[] = {FNGUARD_DESCENDANT_MARKS};
	char found[512] = "";
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		drop_mark(fixed[i], found, sizeof(found), &n);
	for (size_t i = 0; policy_var_pin_name(i); i++)
		drop_mark(policy_var_pin_name(i), found, sizeof(found), &n);
	if (n)
		event_error(
			"variables fnguard sets for a tree's descendants were set at its start: "
			"ignored",
			found, EINVAL);
}

/* Fails closed: an error event, then exit 126 before main. */
__attribute__((noreturn)) static void refuse_to_start(const char *what, const char *detail,
						      int error)
{
	event_error(what, detail, error);
	_exit(126);
}

/*
 * Whether a SIGSYS handler will want syscall names (a descendant's are in
 * what it is handed): the syscall rules will be filtered. forced: the mode
 * FNGUARD_MODE sets, or NULL.
 */
static bool syscall_names_wanted(const enum policy_mode *forced)
{
	enum policy_mode m = forced ? *forced : policy_action(shim.policy, POLICY_CAT_SYSCALL);
	return policy_rule_count(shim.policy, POLICY_CAT_SYSCALL) > 0 && m != POLICY_MODE_RECORD &&
	       !secure_getenv("FNGUARD_NO_SECCOMP");
}

/*
 * What a memfd gave is the profile the tree's filter was made from (its
 * FNGUARD_SECCOMP mark), where there is one: anything else at that number
 * (an inode number reused, ages later) is not taken.
 */
static bool share_is_the_filters(const struct policy *pol)
{
	const char *mark = secure_getenv("FNGUARD_SECCOMP");
	char hash[17];

	if (!mark)
		return true;
	policy_hash(pol, hash);
	return strcmp(mark, hash) == 0;
}

/*
 * Handing the profile down makes system calls (memfd_create, fcntl) a
 * descendant's inherited filter may trap before this process has its
 * handler: a first process, or one under no filter yet, does it.
 */
static bool may_share(void)
{
	return shim.root || prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0;
}

/* FNGUARD_ON_ERROR=open: the environment's, or the profile's once loaded (pinned there). */
static bool on_error_open(void)
{
	const char *on_error = secure_getenv("FNGUARD_ON_ERROR");
	return on_error && strcmp(on_error, "open") == 0;
}

static void load_profile(void)
{
	const char *mode_env = secure_getenv("FNGUARD_MODE");
	bool open_on_error = on_error_open();
	enum policy_mode forced;
	bool have_forced = false;

	if (mode_env && *mode_env) {
		if (policy_mode_from_string(mode_env, &forced) < 0) {
			if (!open_on_error)
				refuse_to_start("FNGUARD_MODE is not record, alert or enforce",
						mode_env, EINVAL);
			event_error("FNGUARD_MODE is not record, alert or enforce; recording",
				    mode_env, EINVAL);
			forced = POLICY_MODE_RECORD;
		}
		have_forced = true;
	}
	shim.mode_from_env = have_forced;
	copy_env(shim.profile_path, sizeof(shim.profile_path), "FNGUARD_PROFILE");
	absolute_profile_path();
	if (!shim.profile_path[0]) {
		if (have_forced && forced == POLICY_MODE_ENFORCE && !open_on_error)
			refuse_to_start("enforce mode needs a profile (FNGUARD_PROFILE is unset)",
					NULL, ENOENT);
		shim.mode =
			have_forced && forced != POLICY_MODE_ENFORCE ? forced : POLICY_MODE_RECORD;
		for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
			shim.action[c] = shim.mode;
		return;
	}

	struct diag_list diags = {0};
	/* shim.bundle is kept for the process's life: the file matcher stays in it. */
	struct policy_load_opts opts = {.search_path_fn = search_path,
					.getvar = shim_getvar,
					.matcher_in_place = true,
					.net_when_asked = true};
	/* Opening a FIFO would hang the function before main, in every mode: regular files only. */
	struct stat st;
	int r;
	const void *shared = NULL;
	size_t shared_len = 0;
	if (!shim.root && profile_share_map(&shared, &shared_len) == 0) {
		/* What the process that read the JSON made of it (profile_share.h). */
		struct policy_load_opts sealed = opts;
		sealed.checksum_checked = true;
		sealed.rules_checked = true;
		r = bundle_load_policy_mem(shim.profile_path, shared, shared_len, &sealed,
					   &shim.policy, &shim.bundle_view, &diags);
		if (r == 0 && share_is_the_filters(shim.policy)) {
			shim.bundle = (void *)shared;
			goto loaded;
		}
		policy_free(shim.policy);
		shim.policy = NULL;
		profile_share_unmap(shared, shared_len);
		memset(&shim.bundle_view, 0, sizeof(shim.bundle_view));
		diag_list_clear(&diags);
	}
	if (stat(shim.profile_path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		diag_add(&diags, shim.profile_path, 0, 0, NULL, "cannot read: not a regular file");
		r = -EINVAL;
	} else {
		r = bundle_load_policy(shim.profile_path, &opts, &shim.policy, &shim.bundle,
				       &shim.bundle_view, &diags);
	}
	if (r < 0 && cjson_lazy_error()[0]) {
		/* A JSON profile, and no cJSON to read it with: say so, not "out of memory". */
		diag_list_clear(&diags);
		diag_add(&diags, shim.profile_path, 0, 0, NULL,
			 "a JSON profile needs libcjson.so.1, which could not be loaded (%s): "
			 "install it, or compile the profile into a bundle "
			 "(fnguard compile --format bundle)",
			 cjson_lazy_error());
		r = -ELIBACC;
	}
	if (r < 0) {
		char detail[2048] = "";
		size_t n = 0;
		for (size_t i = 0; i < diags.n && n < sizeof(detail); i++)
			n += (size_t)snprintf(detail + n, sizeof(detail) - n, "%s%s", i ? "; " : "",
					      diags.lines[i]);
		diag_list_clear(&diags);
		/* Without a readable profile its mode is unknown: only FNGUARD_MODE can relax. */
		bool enforce = !have_forced || forced == POLICY_MODE_ENFORCE;
		if (enforce && !open_on_error)
			refuse_to_start("the profile could not be loaded: refusing to start",
					detail, -r);
		/*
		 * A descendant's tree ran under this profile: recording here would
		 * drop its violations (the program can make the load fail: a dup2
		 * over the profile handed down, a library path for cJSON). It goes
		 * on in alert mode with no rule: every call logged, none blocked.
		 */
		if (!shim.root && !(have_forced && forced == POLICY_MODE_RECORD) &&
		    policy_new_empty("(the profile could not be loaded)", POLICY_MODE_ALERT,
				     &shim.policy) == 0) {
			event_error("the profile could not be loaded: every call is logged as a "
				    "violation, none blocked",
				    detail, -r);
			have_forced = false;
			shim.profile_lost = true;
			goto loaded;
		}
		event_error("the profile could not be loaded: recording, blocking nothing", detail,
			    -r);
		shim.policy = NULL;
		shim.mode = POLICY_MODE_RECORD;
		for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
			shim.action[c] = POLICY_MODE_RECORD;
		return;
	}
	/*
	 * A bundle goes down whole: its programs (which a lean bundle lacks)
	 * are what a descendant installs when the filter could not be
	 * inherited (a platform that refuses seccomp refuses every process).
	 */
	if (shim.bundle && may_share())
		profile_share_publish_bundle(shim.bundle, shim.bundle_view.size);
	else if (may_share())
		profile_share_publish(shim.policy,
				      syscall_names_wanted(have_forced ? &forced : NULL));
loaded:
	diag_list_clear(&diags);
	pin_profile_vars();
	if (have_forced) {
		enum policy_mode before[POLICY_CATEGORY_MAX];
		for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
			before[c] = policy_action(shim.policy, (enum policy_category)c);
		policy_set_mode(shim.policy, forced);
		for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
			shim.weakened_by_env |=
				policy_action(shim.policy, (enum policy_category)c) < before[c];
	}
	shim.have_profile = true;
	shim.mode = policy_mode(shim.policy);
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
		shim.action[c] = policy_action(shim.policy, (enum policy_category)c);
	copy_str(shim.profile_name, sizeof(shim.profile_name), policy_name(shim.policy));
	policy_hash(shim.policy, shim.profile_hash);
	if (!open_on_error && policy_on_error(shim.policy) == POLICY_ON_ERROR_OPEN)
		setenv("FNGUARD_ON_ERROR", "open", 0);
}

/*
 * In enforce mode a filter lost to our own failure (out of memory) would turn
 * the profile's syscall denies into allows: refuse. A kernel that refuses
 * seccomp is the documented degraded start, unless the profile requires the
 * layer. Alert and record never stop the function over it. A descendant
 * whose inherited filter was made from another profile than it read (the
 * file changed) refuses in enforce unless FNGUARD_ON_ERROR=open.
 */
static void check_seccomp_layer(void)
{
	bool enforce = shim.action[POLICY_CAT_SYSCALL] == POLICY_MODE_ENFORCE;
	bool required = shim.policy && policy_requires(shim.policy, "seccomp");

	if (seccomp_layer_profile_changed() && !shim.profile_lost) {
		/* Permissions only narrow down a tree: a profile read again may be wider. */
		if (shim.mode == POLICY_MODE_ENFORCE && !on_error_open())
			refuse_to_start("the profile has changed since the first process of this "
					"tree read it: refusing to start",
					shim.profile_path, ESTALE);
		event_error(
			"the profile has changed since the first process of this tree read "
			"it: that process's seccomp filter stays in force, the libc layer judges "
			"with the profile as read now",
			NULL, ESTALE);
	}
	if (!shim.policy || seccomp_state.status == LAYER_ACTIVE)
		return;
	if (enforce && seccomp_state.error == ENOMEM)
		refuse_to_start("out of memory while setting up the seccomp layer",
				seccomp_state.reason, ENOMEM);
	/*
	 * libseccomp out of memory deep inside says EFAULT, as for any failure of
	 * its own: no kernel refused anything, the filter is simply missing.
	 */
	if (enforce && seccomp_state.ours)
		refuse_to_start("the seccomp filter could not be compiled", seccomp_state.reason,
				seccomp_state.error);
	if (required && enforce)
		refuse_to_start("the profile requires the seccomp layer, which is unavailable",
				seccomp_state.reason, seccomp_state.error);
	if (required && shim.root && shim.action[POLICY_CAT_SYSCALL] == POLICY_MODE_ALERT)
		event_error("the profile requires the seccomp layer, which is unavailable: "
			    "alert mode goes on without it",
			    seccomp_state.reason, seccomp_state.error);
}

static void atfork_child(void)
{
	cwd_after_fork_child();
	fd_guard_after_fork_child();
	exec_ops_after_fork_child();
	event_after_fork_child();
	record_after_fork_child();
	seccomp_layer_after_fork_child();
}

void shim_after_clone_child(void)
{
	child_env_after_fork_child();
	atfork_child();
}

static void shim_init(void)
{
	/* Only the first process says how long its start took (the start event). */
	bool first = !log_inherited();
	uint64_t t0 = first ? shim_now_mono() : 0;
	shim_busy++;
	real_resolve();
	shim.start_ns = t0;
	if (getuid() != geteuid() || getgid() != getegid()) {
		/* setuid/setgid: secure_getenv sees nothing, and nothing is done. */
		shim.active = false;
		goto done;
	}
	event_init();
	setup_log();
	if (shim.root) {
		absolute_list("LD_PRELOAD", ": ", preload_absolute);
		absolute_list("FNGUARD_PROFILE_PATH", ":", search_dir_absolute);
	}
	copy_env(shim.record_out, sizeof(shim.record_out), "FNGUARD_RECORD_OUT");
	const char *append = secure_getenv("FNGUARD_RECORD_APPEND");
	shim.record_append = shim.record_out[0] && append && strcmp(append, "1") == 0;
	if (shim.root)
		drop_descendant_marks();
	event_label(shim.function, sizeof(shim.function), "FNGUARD_FUNCTION_NAME",
		    "AWS_LAMBDA_FUNCTION_NAME");
	event_label(shim.version, sizeof(shim.version), "FNGUARD_FUNCTION_VERSION",
		    "AWS_LAMBDA_FUNCTION_VERSION");
	load_profile();
	record_prepare();
	exec_ops_init();
	thread_scratch_init();
	/* The first process looks for the CLI before its filter goes in; descendants inherit it. */
	exec_ops_cli_start(shim.root);
	/* Before the seccomp filter, which does not let the landlock calls through. */
	landlock_layer_start();
	if (landlock_layer_required_but_missing())
		refuse_to_start("the profile requires the Landlock layer, which is unavailable",
				landlock_state.reason, landlock_state.error);
	seccomp_layer_start();
	check_seccomp_layer();
	record_init();
	pthread_atfork(NULL, NULL, atfork_child);
	shim.active = true;
	shim.init_ns = first ? shim_now_mono() - t0 : 0;
	if (shim.root)
		event_start();
done:
	shim_busy--;
	atomic_store_explicit(&shim_ready, true, memory_order_release);
}

void shim_init_once(void)
{
	/*
	 * A call from inside init (the loader, cJSON, our own reads) must not
	 * wait for init: it passes through untouched.
	 */
	if (shim_busy)
		return;
	/* The program's errno, as before the shim's own calls (0 at main, as C says). */
	int saved = errno;
	pthread_once(&init_once, shim_init);
	errno = saved;
}

__attribute__((constructor)) static void shim_constructor(void)
{
	shim_init_once();
}
