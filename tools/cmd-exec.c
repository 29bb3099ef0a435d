// SPDX-License-Identifier: MIT
/*
 * fnguard exec — run a program under the seccomp user-notification
 * supervisor (tools/supervisor/, docs/supervisor.md): the way static
 * binaries (Go, Rust), which LD_PRELOAD never enters, get the same policy,
 * events and modes as the shim gives dynamic programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bundle.h"
#include "cjson_lazy.h"
#include "cli.h"
#include "learn-cli.h"
#include "log_id.h"
#include "log_line.h"
#include "seccomp_filter.h"
#include "supervisor/sv.h"

#define LOG_FD_FLOOR 1000

static void exec_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard exec [--profile P] [--mode M] [-o OUT.json] [--log DEST] -- PROGRAM [ARG...]\n\n"
		"Runs PROGRAM (and everything it starts) under a seccomp supervisor: its\n"
		"file, network and exec system calls are judged against the profile by\n"
		"this process, which performs the allowed ones itself, and events are\n"
		"written as JSON lines (default: this process's stdout). For static\n"
		"binaries (Go, Rust), which the preload library cannot enter.\n\n"
		"Options:\n"
		"  -p, --profile P   the profile (default: $FNGUARD_PROFILE; none = record)\n"
		"  -m, --mode M      record, alert or enforce (overrides the profile's mode)\n"
		"  -o, --output OUT  record mode: write the learned profile to OUT (it\n"
		"                    extends P, without what P already allows)\n"
		"  -l, --log DEST    stdout, stderr or fd:N\n"
		"  -a, --argv0 NAME  run PROGRAM with NAME as its argv[0]\n"
		"  -e, --env-fd N    the program's environment (NUL-separated) from descriptor N,\n"
		"                    apart from fnguard's own (used by the shim's launcher)\n"
		"  -h, --help        show this help\n\n"
		"Examples:\n"
		"  fnguard exec --profile fnguard.json -- ./bootstrap\n"
		"  fnguard exec --profile base.json --mode record -o learned.json -- ./server\n"
		"  fnguard exec --profile learned.json --mode alert -- ./server --port 8080\n\n"
		"Exit status: PROGRAM's (128+N if killed by signal N); 126/127 if it cannot\n"
		"be run, 2 on a usage or profile error.\n");
}

/* PROGRAM as execvp would find it. */
static int find_program(const char *name, char *buf, size_t size)
{
	if (strchr(name, '/')) {
		snprintf(buf, size, "%s", name);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		struct stat st;
		int n = snprintf(buf, size, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "",
				 name);
		if (n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			return 0;
		if (!*end)
			break;
		p = end;
	}
	return -ENOENT;
}

/*
 * Where events go, as the shim decides it (lib/init.c): a log inherited
 * from a process under fnguard (FNGUARD_LOG_FD, checked by FNGUARD_LOG_ID)
 * makes this supervisor a descendant that writes there and no `start`;
 * otherwise --log / FNGUARD_LOG / stdout, and this is the first process.
 */
/*
 * A close-on-exec copy of the log, out of the program's way: at
 * LOG_FD_FLOOR, or lower when the descriptor limit is below it (as the
 * shim does), or anywhere free rather than no log at all.
 */
static int dup_log(int fd)
{
	struct rlimit rl;
	int floor = LOG_FD_FLOOR;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur <= (rlim_t)LOG_FD_FLOOR)
		floor = (int)rl.rlim_cur * 3 / 4;
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, floor);
	return copy >= 0 ? copy : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static int setup_log(const char *dest)
{
	const char *inherited = getenv("FNGUARD_LOG_FD");
	const char *id = getenv("FNGUARD_LOG_ID");
	char *end;
	int fd = -1;

	if (!dest && inherited && id) {
		int n = log_id_inherited(inherited, id);
		sv.root = false;
		if (n >= 0)
			sv.log_fd = dup_log(n);
		const char *shared = getenv("FNGUARD_LOG_SHARED");
		sv.log_shared =
			(shared && strcmp(shared, "1") == 0) || log_line_shares_output(sv.log_fd);
		return 0;
	}
	sv.root = true;
	if (!dest)
		dest = getenv("FNGUARD_LOG");
	if (!dest || !*dest || strcmp(dest, "stdout") == 0)
		fd = STDOUT_FILENO;
	else if (strcmp(dest, "stderr") == 0)
		fd = STDERR_FILENO;
	else if (strncmp(dest, "fd:", 3) == 0) {
		long n = strtol(dest + 3, &end, 10);
		if (dest[3] && !*end && n >= 0 && n < 1 << 20)
			fd = (int)n;
	}
	if (fd < 0) {
		fprintf(stderr, "fnguard exec: --log: '%s' is not stdout, stderr or fd:N\n", dest);
		return -EINVAL;
	}
	/* A descriptor of our own, closed in the program (it has its stdout already). */
	sv.log_fd = dup_log(fd);
	if (sv.log_fd < 0) {
		fprintf(stderr, "fnguard exec: log descriptor %d: %s\n", fd, strerror(errno));
		return -errno;
	}
	sv.log_shared = log_line_shares_output(sv.log_fd);
	return 0;
}

static void probe_kernel(void)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	sv.openat2 = fd >= 0;
	if (fd >= 0)
		close(fd);
	char v = '0';
	fd = open("/proc/sys/fs/protected_symlinks", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &v, 1) != 1)
			v = '1';
		close(fd);
	}
	sv.protected_symlinks = v != '0';
	atomic_store(&sv.addfd_send, true);
}

/* Can this process get a listener at all? (The child's install is the real test.) */
static int probe_notify(void)
{
	struct seccomp_notif_sizes sizes;
	if (getenv("FNGUARD_NO_USER_NOTIF")) {
		sv.notify_layer =
			(struct sv_layer){false, 0, "turned off by FNGUARD_NO_USER_NOTIF"};
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
		sv.notify_layer =
			(struct sv_layer){false, errno, "SECCOMP_GET_NOTIF_SIZES refused"};
		return -1;
	}
	return 0;
}

/* A compiled profile (fnguard compile --format bundle) carries its filters. */
static void *bundle_bytes;
static struct bundle_view bundle;

static const char *exec_getvar(const char *name, void *userdata)
{
	(void)userdata;
	return getenv(name);
}

static int load_profile(const char *profile, const char *mode)
{
	struct diag_list diags = {0};
	struct policy_load_opts opts = {.search_path = cli_search_path(), .getvar = exec_getvar};
	enum policy_mode m = POLICY_MODE_RECORD;
	bool forced = mode != NULL;

	if (mode && policy_mode_from_string(mode, &m) < 0) {
		fprintf(stderr, "fnguard exec: unknown mode '%s' (record, alert or enforce)\n",
			mode);
		return -EINVAL;
	}
	if (!profile) {
		if (forced && m != POLICY_MODE_RECORD) {
			fprintf(stderr, "fnguard exec: %s mode needs a profile (--profile)\n",
				mode);
			return -EINVAL;
		}
		sv.mode = POLICY_MODE_RECORD;
		for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
			sv.action[c] = POLICY_MODE_RECORD;
		return 0;
	}
	if (!realpath(profile, sv.profile_path)) {
		fprintf(stderr, "fnguard exec: %s: %s\n", profile, strerror(errno));
		return -errno;
	}
	int r = bundle_load_policy(sv.profile_path, &opts, &sv.policy, &bundle_bytes, &bundle,
				   &diags);
	/*
	 * A JSON profile needs cJSON, loaded on first use: without it the
	 * diagnostics say nothing true, and main() says why (tools/fnguard.c).
	 */
	if (!cjson_lazy_error()[0]) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
		if (r < 0 && diags.n == 0)
			fprintf(stderr, "fnguard: %s: %s\n", sv.profile_path, strerror(-r));
	}
	diag_list_clear(&diags);
	if (r < 0)
		return r;
	if (forced)
		policy_set_mode(sv.policy, m);
	sv.have_profile = true;
	sv.mode = policy_mode(sv.policy);
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
		sv.action[c] = policy_action(sv.policy, (enum policy_category)c);
	snprintf(sv.profile_name, sizeof(sv.profile_name), "%s", policy_name(sv.policy));
	policy_hash(sv.policy, sv.profile_hash);
	return 0;
}

/*
 * What the child installs, and what the start event says about it. The
 * profile's program (docs/seccomp.md) is merged into the notify filter
 * (tools/supervisor/sv_sys.c): enforce takes the program that traps what
 * it refuses, alert and record the one that LOGs what is not listed, and
 * both become notifications the supervisor logs. Without a listener the
 * plain errno-only program is installed instead: Go dies on SIGSYS.
 */
struct exec_filters {
	struct seccomp_filter *compiled;     /* the profile's program, when compiled here */
	struct sock_filter *notify, *merged; /* owned */
	struct sock_filter *errno_only;	     /* owned */
	const struct sock_filter *sys;	     /* the profile's program (borrowed) */
	size_t sys_len;
	struct sock_fprog notify_prog, main_prog;
	struct sv_filters f;
	bool merged_ok; /* the syscall layer rides on the notify filter */
	bool too_big;	/* it could not: installed on its own, errno-only */
	bool stale;	/* the bundle's program predates the fixed rules: compiled here */
};

static void exec_filters_free(struct exec_filters *x)
{
	seccomp_filter_free(x->compiled);
	free(x->notify);
	free(x->merged);
	free(x->errno_only);
	x->compiled = NULL;
	x->notify = x->merged = x->errno_only = NULL;
}

/*
 * The profile's program for the syscall layer into x->sys. Returns 1 with
 * it, 0 when there is no syscall layer (sv.seccomp_layer says why), or
 * -errno.
 */
static int syscall_program(struct exec_filters *x)
{
	enum policy_mode mode = sv.action[POLICY_CAT_SYSCALL];
	const struct policy *pol = sv.policy;
	bool listed = pol && policy_rule_count(pol, POLICY_CAT_SYSCALL) > 0;
	struct diag_list diags = {0};

	if (!pol) {
		sv.seccomp_layer = (struct sv_layer){false, 0, "no profile"};
		return 0;
	}
	if (!listed) {
		/*
		 * As the shim: a profile that says nothing about syscalls does
		 * not deny them all, and record mode does not start a list from
		 * one run (a Go runtime makes some calls only now and then:
		 * epoll_pwait from its monitor thread, tgkill to preempt).
		 */
		sv.seccomp_layer = (struct sv_layer){
			false, 0,
			mode == POLICY_MODE_RECORD
				? "record mode and a profile that lists no syscalls: none are "
				  "learned (list some to learn the others)"
				: "the profile lists no syscalls"};
		return 0;
	}
	/* Enforce refuses (TRAP); alert and record are told what is not listed (LOG). */
	enum policy_mode build =
		mode == POLICY_MODE_ENFORCE ? POLICY_MODE_ENFORCE : POLICY_MODE_ALERT;
	struct seccomp_options o;
	seccomp_options_init(&o, pol);
	o.mode = build;
	if (bundle_bytes) {
		bool trap;
		struct seccomp_options bundled = o;
		bundled.after_install_lockdown = true; /* bundle_build()'s */
		x->sys =
			bundle_program(&bundle, build, false, sv_native_arch(), &x->sys_len, &trap);
		if (x->sys) {
			sv_sys_names(&bundle); /* else sv_sys_init asks libseccomp */
			return sv_sys_init(x->sys, x->sys_len, pol, &bundled) < 0 ? -EINVAL : 1;
		}
		x->stale = bundle_programs_stale(&bundle);
	}
	int r = seccomp_filter_build(pol, &o, &x->compiled, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard exec: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	if (r < 0) {
		sv.seccomp_layer = (struct sv_layer){false, -r, "the filter could not be compiled"};
		return 0;
	}
	x->sys = seccomp_filter_program(x->compiled, &x->sys_len);
	r = sv_sys_init(x->sys, x->sys_len, pol, &o);
	return r < 0 ? r : 1;
}

/* Fills x->f. Returns 0 or -errno. */
static int build_filters(struct exec_filters *x)
{
	enum policy_mode mode = sv.action[POLICY_CAT_SYSCALL];
	size_t notify_len = 0;
	int r = syscall_program(x);
	if (r < 0)
		return r;
	bool have_sys = r > 0;
	if (have_sys && mode == POLICY_MODE_ENFORCE) {
		size_t len;
		r = sv_sys_errno_only(&x->errno_only, &len);
		if (r < 0)
			return r;
		x->main_prog =
			(struct sock_fprog){.len = (unsigned short)len, .filter = x->errno_only};
	} else if (have_sys && mode == POLICY_MODE_ALERT) {
		x->main_prog = (struct sock_fprog){.len = (unsigned short)x->sys_len,
						   .filter = (struct sock_filter *)x->sys};
	}
	/* Record mode without a supervisor filters nothing, as before. */
	if (x->main_prog.filter)
		x->f.main = &x->main_prog;

	if (probe_notify() < 0 || sv_filter_build(&x->notify, &notify_len) < 0)
		return 0;
	x->notify_prog =
		(struct sock_fprog){.len = (unsigned short)notify_len, .filter = x->notify};
	x->f.notify = &x->notify_prog;
	if (!have_sys)
		return 0;
	size_t len;
	r = sv_sys_merge(x->notify, notify_len, &x->merged, &len);
	if (r == -E2BIG) {
		/* Two filters then, and the profile's refuses without a word. */
		x->too_big = true;
		x->f.main_with_notify = x->f.main != NULL;
		return 0;
	}
	if (r < 0)
		return r;
	x->notify_prog = (struct sock_fprog){.len = (unsigned short)len, .filter = x->merged};
	x->merged_ok = true;
	return 0;
}

static void note_child(const struct sv_child *c, const struct exec_filters *x)
{
	static const char *const merged_reason[] = {
		[POLICY_MODE_RECORD] = "installed; calls the profile does not list are learned by "
				       "the supervisor (the dangerous set is refused)",
		[POLICY_MODE_ALERT] =
			"installed; calls the profile does not list are logged by the "
			"supervisor and run (the dangerous set is refused)",
		[POLICY_MODE_ENFORCE] =
			"installed; calls the profile does not list fail with EPERM "
			"and are logged by the supervisor",
	};
	bool notify_ok = c->notify_err == 0 && c->listener >= 0;

	if (x->merged_ok && notify_ok && x->stale)
		sv.seccomp_layer = (struct sv_layer){
			true, 0,
			"compiled at start: the bundle's programs predate this fnguard's fixed "
			"filter rules (compile the bundle again to start faster); installed, "
			"calls the profile does not list are the supervisor's"};
	else if (x->merged_ok && notify_ok)
		sv.seccomp_layer =
			(struct sv_layer){true, 0, merged_reason[sv.action[POLICY_CAT_SYSCALL]]};
	else if (x->f.main && c->main_err == 0)
		sv.seccomp_layer = (struct sv_layer){
			true, 0,
			x->too_big ? "installed on its own, too large to merge with the notify "
				     "filter: denials return EPERM without an event"
				   : "installed without a supervisor: denials return EPERM without "
				     "an event (errno-only)"};
	else if (x->f.main && c->main_err > 0)
		sv.seccomp_layer = (struct sv_layer){false, c->main_err,
						     "seccomp(SECCOMP_SET_MODE_FILTER) refused"};
	else if (x->sys)
		sv.seccomp_layer = (struct sv_layer){
			false, 0, "record mode without a supervisor: nothing is filtered"};
	if (!x->f.notify)
		return;
	if (notify_ok)
		sv.notify_layer = (struct sv_layer){
			true, 0,
			c->killable ? "supervising file, network and exec calls"
				    : "supervising file, network and exec calls; without "
				      "WAIT_KILLABLE_RECV (kernel < 5.19) a signal can make a "
				      "performed call run twice"};
	else
		sv.notify_layer = (struct sv_layer){
			false, c->notify_err,
			"seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) refused: only the syscall "
			"filter applies, file, network and exec calls are not judged"};
}

/* Whether a file, network or exec call the profile does not allow is refused. */
static bool enforcing_calls(void)
{
	return sv.action[POLICY_CAT_FILE] == POLICY_MODE_ENFORCE ||
	       sv.action[POLICY_CAT_NETWORK] == POLICY_MODE_ENFORCE ||
	       sv.action[POLICY_CAT_EXEC] == POLICY_MODE_ENFORCE;
}

/*
 * Variables the shim's handover renamed so that they would not steer this
 * process's own loader, libc or name resolution (lib/exec_ops.c,
 * FNGUARD_EXEC_ENV_<entry>): the program gets them back under their names.
 * LD_PRELOAD and FNGUARD_* are never taken this way.
 */
static int restore_renamed(void)
{
	static const char prefix[] = "FNGUARD_EXEC_ENV_";
	const size_t plen = sizeof(prefix) - 1;
	char name[256];
	bool any = false;

	for (char **e = environ; e && *e && !any; e++)
		any = strncmp(*e, prefix, plen) == 0;
	if (!any)
		return 0;
	/* The program's own copy: what is given back must not steer this process. */
	int r = sv_env_detach(prefix);
	if (r < 0)
		return r;
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, prefix, plen) != 0)
			continue;
		const char *entry = *e + plen, *eq = strchr(entry, '=');
		if (!eq || (size_t)(eq - entry) >= sizeof(name) ||
		    strncmp(entry, "LD_PRELOAD=", 11) == 0 || strncmp(entry, "FNGUARD_", 8) == 0)
			continue;
		memcpy(name, entry, (size_t)(eq - entry));
		name[eq - entry] = '\0';
		r = sv_env_set(name, eq + 1);
		if (r < 0)
			return r;
	}
	/* Gone from this process's environment too (one pass: never loops). */
	for (;;) {
		char **e = environ;
		while (e && *e && (strncmp(*e, prefix, plen) != 0 || !strchr(*e, '=')))
			e++;
		if (!e || !*e)
			break;
		size_t nl = (size_t)(strchr(*e, '=') - *e);
		if (nl >= sizeof(name))
			break;
		memcpy(name, *e, nl);
		name[nl] = '\0';
		if (unsetenv(name) < 0 || getenv(name))
			break;
	}
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	static const struct option options[] = {
		{"profile", required_argument, NULL, 'p'}, {"mode", required_argument, NULL, 'm'},
		{"output", required_argument, NULL, 'o'},  {"log", required_argument, NULL, 'l'},
		{"argv0", required_argument, NULL, 'a'},   {"env-fd", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},	   {0},
	};
	const char *profile = getenv("FNGUARD_PROFILE"), *mode = NULL, *out = NULL, *log = NULL;
	long env_fd = -1;
	char *end;
	const char *argv0 = NULL;
	char program[PATH_MAX], out_abs[PATH_MAX];
	int c;

	optind = 1;
	/*
	 * Not dumpable: started by the shim's launcher it runs outside the
	 * function's seccomp filter, and the function must not reach into it
	 * (ptrace, /proc/PID/mem).
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/*
	 * One malloc arena: each worker's first allocation would otherwise map
	 * and trim an arena of its own (64 MiB of address space and its first
	 * pages, ~15 us a thread); the workers allocate little, and rarely at
	 * the same time.
	 */
	mallopt(M_ARENA_MAX, 1);
	while ((c = getopt_long(argc, argv, "+p:m:o:l:a:e:h", options, NULL)) != -1) {
		switch (c) {
		case 'e':
			env_fd = strtol(optarg, &end, 10);
			if (!*optarg || *end || env_fd < 0 || env_fd > INT_MAX) {
				fprintf(stderr,
					"fnguard exec: --env-fd: '%s' is not a descriptor\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			argv0 = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'h':
			exec_usage(stdout);
			return EXIT_OK;
		default:
			exec_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fnguard exec: no program given\n");
		exec_usage(stderr);
		return EXIT_USAGE;
	}
	if (profile && !*profile)
		profile = NULL;
	if (!mode) {
		const char *env = getenv("FNGUARD_MODE");
		mode = env && *env ? env : NULL;
	}
	sv.start_ns = sv_now_mono();
	sv.self = getpid();
	sv.listener = -1;
	sv.log_fd = -1;
	if (load_profile(profile, mode) < 0)
		return EXIT_USAGE;
	/* Record mode writes JSON at the end: cJSON is loaded now, or the run does not start. */
	if (sv.mode == POLICY_MODE_RECORD && cjson_lazy_load() < 0) {
		fprintf(stderr, "fnguard exec: record mode needs libcjson.so.1: %s\n",
			cjson_lazy_error());
		return EXIT_USAGE;
	}
	if (out) {
		if (sv.mode != POLICY_MODE_RECORD) {
			fprintf(stderr, "fnguard exec: -o is for record mode (--mode record)\n");
			return EXIT_USAGE;
		}
		/* The file must be creatable now, not only at the end of the run. */
		int fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || !realpath(out, out_abs)) {
			fprintf(stderr, "fnguard exec: %s: %s\n", out, strerror(errno));
			return EXIT_USAGE;
		}
		close(fd);
	}
	if (setup_log(log) < 0)
		return EXIT_USAGE;
	if (find_program(argv[optind], program, sizeof(program)) < 0) {
		fprintf(stderr, "fnguard exec: %s: command not found\n", argv[optind]);
		return 127;
	}
	/*
	 * Started by the shim's handover (lib/exec_ops.c) without LD_PRELOAD:
	 * the program's own children get it back.
	 */
	if (env_fd >= 0) {
		/* The program's environment, apart from ours (the shim's launcher). */
		int r = sv_env_load((int)env_fd);
		close((int)env_fd);
		if (r < 0) {
			fprintf(stderr, "fnguard exec: --env-fd: %s\n", strerror(-r));
			return EXIT_USAGE;
		}
	}
	const char *preload = getenv("FNGUARD_EXEC_PRELOAD");
	if (preload) {
		sv_env_set("LD_PRELOAD", preload);
		unsetenv("FNGUARD_EXEC_PRELOAD");
	}
	if (restore_renamed() < 0) {
		fprintf(stderr, "fnguard exec: cannot give the program its environment back\n");
		return EXIT_USAGE;
	}
	if (argv0)
		argv[optind] = (char *)argv0;
	sv_event_labels();
	if (sv_event_init() < 0 || sv_table_init() < 0) {
		fprintf(stderr, "fnguard exec: cannot set up the supervisor\n");
		return EXIT_USAGE;
	}
	probe_kernel();
	sv.arch = sv_native_arch();

	struct exec_filters filters = {0};
	if (sv_dns_init(sv.policy) < 0 || build_filters(&filters) < 0) {
		fprintf(stderr, "fnguard exec: cannot set up the supervisor's filter\n");
		exec_filters_free(&filters);
		return EXIT_USAGE;
	}

	struct sv_child child;
	signal(SIGPIPE, SIG_IGN);
	int r = sv_launch_child(program, argv + optind, &filters.f, &child);
	if (r < 0)
		exec_filters_free(&filters);
	if (r == -ECHILD) {
		/* Its filters refused what the child does before exec (write, read). */
		fprintf(stderr,
			"fnguard exec: %s could not start under the profile's filter "
			"(does \"syscalls\" list write, read and execve?)\n",
			program);
		return 126;
	}
	if (r < 0) {
		fprintf(stderr, "fnguard exec: cannot start %s: %s\n", program, strerror(-r));
		return 126;
	}
	note_child(&child, &filters);
	bool notify_wanted = filters.f.notify != NULL;
	exec_filters_free(&filters);
	sv.child = child.pid;
	sv.listener = child.listener;
	atomic_store(&sv.initial_exec, true);
	if (filters.merged_ok && sv.listener >= 0)
		sv_sys_activate();

	/*
	 * The listener refused for want of a descriptor or of memory: the
	 * program's descriptors and limits are the function's to use up, so
	 * this is not a platform that refuses supervision, and an enforced
	 * category is not left unjudged.
	 */
	bool starved = child.notify_err == EMFILE || child.notify_err == ENFILE ||
		       child.notify_err == ENOMEM;
	if (notify_wanted && !sv.notify_layer.active && starved && enforcing_calls()) {
		sv_event_error("the supervisor's listener could not be installed: refusing to run "
			       "the program unsupervised",
			       NULL, child.notify_err);
		sv_launch_release(&child, false);
		sv_launch_wait(&child);
		return 126;
	}
	if (sv.policy && policy_requires(sv.policy, "seccomp") && !sv.seccomp_layer.active) {
		sv_event_error("the profile requires the seccomp layer, which is unavailable",
			       sv.seccomp_layer.reason, sv.seccomp_layer.error);
		sv_launch_release(&child, false);
		sv_launch_wait(&child);
		return 126;
	}
	if (sv.root)
		sv_event_start(program);
	else if (!sv.notify_layer.active)
		sv_event_emit(NULL, &(struct sv_event){
					    .type = "coverage",
					    .category = POLICY_CAT_EXEC,
					    .op = "fnguard exec",
					    .target = program,
					    .target_len = strlen(program),
					    .detail = sv.notify_layer.reason,
				    });
	if (sv.listener >= 0 && (r = sv_loop_start()) < 0) {
		sv_event_error("the supervisor could not start its workers", NULL, -r);
		sv_launch_release(&child, false);
		sv_launch_wait(&child);
		return 126;
	}
	sv_launch_release(&child, true);
	int status = sv_launch_wait(&child);

	sv_event_flush();
	const char *record_out = getenv("FNGUARD_RECORD_OUT");
	if (!out && record_out && *record_out && sv.mode == POLICY_MODE_RECORD) {
		/* Under `fnguard record`: merged with what the other processes learned. */
		int n = sv_record_merge(record_out);
		if (n < 0)
			sv_event_error("could not write the recorded profile", record_out, -n);
	}
	if (out) {
		/* Generalised as fnguard record and fnguard learn do (a Go MkdirTemp name). */
		struct learn_cli cli;
		learn_cli_init(&cli, "exec");
		pthread_mutex_lock(&sv.learn_lock);
		int g = sv.learner ? learn_cli_generalize(&cli, sv.learner, sv.policy, NULL, NULL)
				   : 0;
		pthread_mutex_unlock(&sv.learn_lock);
		if (g < 0)
			fprintf(stderr,
				"fnguard exec: the recorded rules could not be generalised: %s\n",
				strerror(-g));
		int n = sv_record_write(out_abs, sv.have_profile ? sv.profile_path : NULL);
		if (n < 0) {
			fprintf(stderr, "fnguard exec: cannot write %s: %s\n", out, strerror(-n));
			return EXIT_USAGE;
		}
		fprintf(stderr, "fnguard exec: recorded %d rules into %s\n", n, out);
	}
	return status;
}
