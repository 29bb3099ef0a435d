// SPDX-License-Identifier: MIT
/*
 * The launcher (see handover.h): forked by the first process before its
 * seccomp filter, it serves `fnguard attach` requests until the first
 * process ends (PR_SET_PDEATHSIG). Each connection gets a manager, a fork of
 * the launcher, which
 *  - judges the request again: the socket is reachable with raw system calls
 *    as well, so the program must be allowed by the profile (its path and
 *    where its links lead, as the exec wrapper judges it) and static (a
 *    dynamic program runs under the shim, not through here);
 *  - puts the descriptors at their numbers, enters the working directory,
 *    sets the umask, the signal mask and the ignored signals, and execs
 *    `fnguard exec --profile PROFILE --argv0 ARGV0 -- PROGRAM ARGS` with the
 *    request's environment minus LD_PRELOAD and every FNGUARD_* variable,
 *    plus the first process's FNGUARD_* variables (the request cannot
 *    choose the mode or turn the supervisor off) and FNGUARD_EXEC_PRELOAD;
 *  - answers STARTED, relays the signals the waiter forwards, and answers
 *    EXITED with fnguard exec's wait status. A waiter that goes away
 *    (killed) takes the program with it: SIGKILL to fnguard exec, whose
 *    program dies with it (its PR_SET_PDEATHSIG).
 * Only a peer with the launcher's uid is served.
 *
 * The launcher and the managers never return to the program: they run on in
 * the constructor's stack with shim_busy set, so nothing they call is judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.h"
#include "exec_ops.h"
#include "sig_guard.h"
#include "handover.h"
#include "log_id.h"
#include "path_norm.h"
#include "real.h"
#include "shim.h"
#include "syscall_ops.h"
#include "large_bss.h"

extern char **environ;

struct layer_state launcher_state = {LAYER_NOT_TRIED, 0, "not started: not the first process"};

static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	size_t n = strlen(name);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void send_reply(int c, enum handover_reply_kind kind, int value, const char *reason)
{
	struct handover_reply r = {.kind = kind, .value = value};
	if (reason)
		snprintf(r.reason, sizeof(r.reason), "%s", reason);
	shim_syscall(SYS_sendto, c, &r, sizeof(r), MSG_NOSIGNAL, NULL, 0);
}

/* Answers REFUSED and says so in the tree's log: probing the launcher leaves a trace. */
__attribute__((noreturn)) static void refuse(int c, int error, const char *reason)
{
	event_error("fnguard launcher: a request was refused", reason, error);
	send_reply(c, HANDOVER_REFUSED, error, reason);
	_exit(0);
}

static void set_disposition(int sig, void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	REAL(sigaction)(sig, &sa, NULL);
}

/* ---- the request ---------------------------------------------------------------- */

struct request {
	struct handover_request head;
	const int32_t *targets;
	int fds[HANDOVER_FDS_MAX + 1]; /* [0]: working directory */
	size_t n_fds;
	const char *path;
	char *argv[HANDOVER_ARGS_MAX + 1];
	char *envp[HANDOVER_ARGS_MAX + 1];
};

static unsigned char request_buf[sizeof(struct handover_request) +
				 HANDOVER_FDS_MAX * sizeof(int32_t) +
				 HANDOVER_STRINGS_MAX] LARGE_BSS;

static void close_fds(struct request *rq)
{
	for (size_t i = 0; i < rq->n_fds; i++)
		shim_syscall(SYS_close, rq->fds[i]);
	rq->n_fds = 0;
}

/* Splits n NUL-terminated strings starting at *p (before end) into out. */
static bool split(char **p, const char *end, size_t n, char **out)
{
	for (size_t i = 0; i < n; i++) {
		char *nul = memchr(*p, '\0', (size_t)(end - *p));
		if (!nul)
			return false;
		out[i] = *p;
		*p = nul + 1;
	}
	out[n] = NULL;
	return true;
}

/* Returns NULL, or why the request is malformed (its descriptors are closed then). */
static const char *receive(int c, struct request *rq)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (HANDOVER_FDS_MAX + 1))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = request_buf, .iov_len = sizeof(request_buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t n;

	do
		n = shim_syscall(SYS_recvmsg, c, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	rq->n_fds = 0;
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm;
	     cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && rq->n_fds < HANDOVER_FDS_MAX + 1; i++)
			memcpy(&rq->fds[rq->n_fds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (n < (ssize_t)sizeof(rq->head))
		return "the request is malformed (too short)";
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return "the request is too large";
	memcpy(&rq->head, request_buf, sizeof(rq->head));
	const struct handover_request *h = &rq->head;
	size_t want = sizeof(*h) + (size_t)h->nfds * sizeof(int32_t) + h->strings_len;
	if (h->magic != HANDOVER_MAGIC || h->nfds > HANDOVER_FDS_MAX ||
	    h->strings_len > HANDOVER_STRINGS_MAX || want != (size_t)n ||
	    rq->n_fds != (size_t)h->nfds + 1 || h->argc > HANDOVER_ARGS_MAX ||
	    h->envc > HANDOVER_ARGS_MAX)
		return "the request is malformed";
	rq->targets = (const int32_t *)(request_buf + sizeof(*h));
	for (size_t i = 0; i < h->nfds; i++) {
		if (rq->targets[i] < 0 || rq->targets[i] >= 1 << 20)
			return "the request is malformed (descriptor number)";
		for (size_t k = 0; k < i; k++)
			if (rq->targets[k] == rq->targets[i])
				return "the request is malformed (descriptor named twice)";
	}
	char *p = (char *)request_buf + sizeof(*h) + (size_t)h->nfds * sizeof(int32_t);
	const char *end = (const char *)request_buf + n;
	char *path[2];
	if (!split(&p, end, 1, path) || !split(&p, end, h->argc, rq->argv) ||
	    !split(&p, end, h->envc, rq->envp) || p != end)
		return "the request is malformed (strings)";
	rq->path = path[0];
	return NULL;
}

/* ---- judging it again ------------------------------------------------------------ */

/* The program as judged: fnguard exec gets this absolute name, not a PATH search. */
static char program[PATH_MAX] LARGE_BSS;

/*
 * A program the profile does not allow, asked for by a raw request (the
 * exec wrappers never send one): logged like the exec wrappers' violations.
 * Returns true when it is refused (enforce).
 */
static bool not_allowed(const char *name, size_t len, char *const argv[])
{
	bool enforce = shim.action[POLICY_CAT_EXEC] == POLICY_MODE_ENFORCE;
	struct shim_event ev = {
		.type = "violation",
		.category = POLICY_CAT_EXEC,
		.op = "launcher",
		.target = name,
		.target_len = len,
		.rule = "no rule allows it",
		.detail =
			"asked of the launcher directly (the exec wrappers would have refused it)",
		.action = enforce ? EVENT_ACTION_BLOCKED : EVENT_ACTION_LOGGED,
		.argv = argv,
	};
	event_emit(&ev);
	return enforce;
}

/* As the exec wrapper: the path as named, and where its links lead, both allowed. */
static const char *judge(const struct request *rq)
{
	char cwd[PATH_MAX], real_name[PATH_MAX];
	char *name = program;
	struct policy_verdict v;
	size_t len;

	if (!getcwd(cwd, sizeof(cwd)) ||
	    path_normalize(cwd, rq->path, name, sizeof(program), &len) < 0)
		return "the program cannot be named";
	if (policy_check_exec(shim.policy, name, len, rq->argv, &v) < 0 ||
	    (!v.allowed && not_allowed(name, len, rq->argv)))
		return "the profile does not allow this program";
	if (!real_realpath(name, real_name))
		return "the program cannot be resolved";
	len = strlen(real_name);
	if (policy_check_exec(shim.policy, real_name, len, rq->argv, &v) < 0 ||
	    (!v.allowed && not_allowed(real_name, len, rq->argv)))
		return "the profile does not allow where this program's links lead";
	if (!exec_ops_static_program(real_name))
		return "not a static program (a dynamic one runs under the shim itself)";
	return NULL;
}

/* ---- the program's descriptors ---------------------------------------------------- */

/*
 * Where each descriptor goes: the request's, except that the number the
 * request gives its log gets the launcher's own copy of the tree's log (a
 * request cannot swap in another file or a read-only one), and the log
 * goes to a number of its own when the request names none.
 */
/* The request's, the log's and the program's environment (build_envs()). */
#define PAIRS_MAX (HANDOVER_FDS_MAX + 2)
static int src_fd[PAIRS_MAX], dst_fd[PAIRS_MAX];
static size_t n_pairs;
static int log_target;

static bool is_target(int fd)
{
	for (size_t i = 0; i < n_pairs; i++)
		if (dst_fd[i] == fd)
			return true;
	return false;
}

static void plan_fds(const struct request *rq)
{
	int log = atomic_load(&shim.log_fd);
	bool log_placed = false;
	n_pairs = 0;
	for (size_t i = 0; i < rq->head.nfds; i++) {
		bool is_log = rq->targets[i] == rq->head.log_fd;
		src_fd[n_pairs] = is_log ? log : rq->fds[i + 1];
		dst_fd[n_pairs++] = rq->targets[i];
		log_placed |= is_log;
	}
	log_target = rq->head.log_fd;
	if (!log_placed) {
		log_target = log;
		while (is_target(log_target))
			log_target++;
		src_fd[n_pairs] = log;
		dst_fd[n_pairs++] = log_target;
	}
}

/* fd, or a duplicate of it at a number no descriptor goes to (the original closed). */
static int off_targets(int fd)
{
	int from = 0;
	while (fd >= 0 && is_target(fd)) {
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, from);
		if (dup < 0 || !is_target(dup)) {
			if (dup >= 0)
				shim_syscall(SYS_close, fd);
			return dup;
		}
		shim_syscall(SYS_close, dup);
		from = dup + 1;
	}
	return fd;
}

/*
 * Puts every source at its number, as a permutation: a pair goes when no
 * pending pair still reads from its number; a cycle is broken by one
 * duplicate at a free number. Needs no more than one descriptor beyond
 * those already open (the limit may be Lambda's 1024 with the log above
 * 3/4 of it). Returns 0 or an errno.
 */
static int place_fds(void)
{
	bool done[PAIRS_MAX] = {false};
	size_t left = n_pairs;
	while (left) {
		bool progress = false;
		for (size_t i = 0; i < n_pairs; i++) {
			if (done[i])
				continue;
			bool busy = false;
			for (size_t k = 0; k < n_pairs && !busy; k++)
				busy = !done[k] && k != i && src_fd[k] == dst_fd[i];
			if (busy)
				continue;
			/* dup2 onto itself keeps close-on-exec: clear it instead. */
			int r = src_fd[i] == dst_fd[i] ? fcntl(dst_fd[i], F_SETFD, 0)
						       : dup2(src_fd[i], dst_fd[i]);
			if (r < 0)
				return errno;
			done[i] = true;
			left--;
			progress = true;
		}
		if (progress || !left)
			continue;
		/* Every pending number is still read from: a cycle. */
		for (size_t i = 0; i < n_pairs; i++) {
			if (done[i])
				continue;
			int old = src_fd[i], moved = fcntl(old, F_DUPFD_CLOEXEC, 0);
			int from = 0;
			while (moved >= 0 && is_target(moved)) {
				shim_syscall(SYS_close, moved);
				from = moved + 1;
				moved = fcntl(old, F_DUPFD_CLOEXEC, from);
			}
			if (moved < 0)
				return errno;
			for (size_t k = 0; k < n_pairs; k++)
				if (!done[k] && src_fd[k] == old)
					src_fd[k] = moved;
			break;
		}
	}
	return 0;
}

/* ---- the program's environment and arguments --------------------------------------- */

/*
 * Two environments. fnguard exec runs with the first process's, as it was
 * when it forked the launcher (minus LD_PRELOAD: the shim would judge the
 * supervisor's own work): nothing a request carries (LD_*, GLIBC_TUNABLES,
 * the resolver's HOSTALIASES or RES_OPTIONS ...) steers the loader, libc
 * or name resolution of a process that runs outside the shim's filter,
 * except the trace id its events carry. The program gets the request's
 * (--env-fd, a memfd), with every FNGUARD_* and LD_PRELOAD the first
 * process's: a request cannot choose the mode, another profile, or turn the
 * supervisor off.
 */
static char *env_out[HANDOVER_ARGS_MAX + 8] LARGE_BSS;
static char *argv_out[HANDOVER_ARGS_MAX + 16] LARGE_BSS;
static char log_fd_var[32];
static char env_fd_arg[16];
static int env_memfd = -1;

static bool has_prefix(const char *e, const char *prefix)
{
	return strncmp(e, prefix, strlen(prefix)) == 0;
}

static bool ours(const char *e)
{
	return has_prefix(e, "FNGUARD_LOG_FD=") || has_prefix(e, "FNGUARD_EXEC_PRELOAD=") ||
	       has_prefix(e, "LD_PRELOAD=");
}

static int put(const char *e)
{
	size_t len = strlen(e) + 1;
	return shim_syscall(SYS_write, env_memfd, e, len) == (long)len ? 0 : -EIO;
}

/* Returns NULL, or why the environments could not be built. */
static const char *build_envs(const struct request *rq)
{
	const char *trace = NULL;
	size_t k = 0;
	int r = 0;

	snprintf(log_fd_var, sizeof(log_fd_var), "FNGUARD_LOG_FD=%d", log_target);
	env_memfd = (int)shim_syscall(SYS_memfd_create, "fnguard-env", MFD_CLOEXEC);
	if (env_memfd < 0)
		return "memfd_create failed";
	for (size_t i = 0; r == 0 && rq->envp[i]; i++) {
		if (has_prefix(rq->envp[i], "_X_AMZN_TRACE_ID="))
			trace = rq->envp[i];
		if (!has_prefix(rq->envp[i], "FNGUARD_") && !has_prefix(rq->envp[i], "LD_PRELOAD="))
			r = put(rq->envp[i]);
	}
	for (char **e = environ; e && *e; e++) {
		/* The program gets the first process's FNGUARD_* (but the log's) and LD_PRELOAD. */
		bool fnguard = has_prefix(*e, "FNGUARD_") && !ours(*e);
		if (r == 0 && (fnguard || has_prefix(*e, "LD_PRELOAD=")))
			r = put(*e);
		if (!ours(*e) && !(trace && has_prefix(*e, "_X_AMZN_TRACE_ID=")) &&
		    k < HANDOVER_ARGS_MAX)
			env_out[k++] = *e;
	}
	r = r ? r : put(log_fd_var);
	if (r < 0)
		return "the program's environment could not be written";
	env_out[k++] = log_fd_var;
	if (trace)
		env_out[k++] = (char *)trace;
	env_out[k] = NULL;
	/* fnguard exec reads it from its start, where the program's descriptors are not. */
	int at = env_memfd;
	while (is_target(at) || at < 3)
		at++;
	src_fd[n_pairs] = env_memfd;
	dst_fd[n_pairs++] = at;
	snprintf(env_fd_arg, sizeof(env_fd_arg), "%d", at);
	return NULL;
}

static void build_argv(const struct request *rq, const char *cli, const char *profile)
{
	size_t n = 0;
	argv_out[n++] = (char *)cli;
	argv_out[n++] = (char *)"exec";
	argv_out[n++] = (char *)"--profile";
	argv_out[n++] = (char *)profile;
	argv_out[n++] = (char *)"--env-fd";
	argv_out[n++] = env_fd_arg;
	argv_out[n++] = (char *)"--argv0";
	argv_out[n++] = rq->argv[0] ? rq->argv[0] : (char *)rq->path;
	argv_out[n++] = (char *)"--";
	argv_out[n++] = program;
	for (size_t i = 1; i < rq->head.argc; i++)
		argv_out[n++] = rq->argv[i];
	argv_out[n] = NULL;
}

/* ---- the program's process ------------------------------------------------------- */

/* In the fork child: descriptors, directory, signals as asked, then fnguard exec. */
__attribute__((noreturn)) static void start_child(const struct request *rq, int report)
{
	int err = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (fchdir(rq->fds[0]) < 0)
		err = errno;
	/* Ours out of the way; the log's original and every received one close at exec. */
	report = off_targets(report);
	fcntl(atomic_load(&shim.log_fd), F_SETFD, FD_CLOEXEC);
	if (!err)
		err = report < 0 ? errno : place_fds();
	if (!err) {
		umask((mode_t)rq->head.umask & 0777);
		sigset_t mask;
		sigemptyset(&mask);
		for (int sig = 1; sig < 65 && sig < NSIG; sig++) {
			if (sig == SIGKILL || sig == SIGSTOP)
				continue;
			set_disposition(sig, rq->head.ignored >> (sig - 1) & 1 ? SIG_IGN : SIG_DFL);
			if (rq->head.blocked >> (sig - 1) & 1)
				sigaddset(&mask, sig);
		}
		sigprocmask(SIG_SETMASK, &mask, NULL);
		execve(argv_out[0], argv_out, env_out);
		err = errno;
	}
	if (report >= 0)
		shim_syscall(SYS_write, report, &err, sizeof(err));
	_exit(127);
}

/* Waits for fnguard exec, relaying the waiter's signals; answers its status. */
__attribute__((noreturn)) static void serve(int c, pid_t pid)
{
	int pidfd = (int)shim_syscall(SYS_pidfd_open, pid, 0);
	int status;
	for (;;) {
		struct pollfd pf[2] = {{.fd = c, .events = POLLIN},
				       {.fd = pidfd, .events = POLLIN}};
		int n = poll(pf, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 50);
		if (n < 0 && errno != EINTR)
			break;
		if (pidfd < 0 || pf[1].revents) {
			pid_t w = waitpid(pid, &status, pidfd >= 0 ? 0 : WNOHANG);
			if (w == pid) {
				send_reply(c, HANDOVER_EXITED, status, NULL);
				_exit(0);
			}
			if (w < 0 && errno != EINTR)
				break;
		}
		if (n > 0 && pf[0].revents) {
			int32_t sig;
			ssize_t got = shim_syscall(SYS_recvfrom, c, &sig, sizeof(sig), 0, NULL, 0);
			if (got == (ssize_t)sizeof(sig) && HANDOVER_RELAYED(sig))
				kill(pid, sig);
			else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN))
				break; /* the waiter is gone */
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	_exit(0);
}

__attribute__((noreturn)) static void manage(int c, const char *cli, const char *profile)
{
	static struct request rq LARGE_BSS;
	int report[2];
	const char *why;

	/* A peer that connects and sends nothing does not keep a manager forever. */
	struct timeval limit = {.tv_sec = 10};
	set_disposition(SIGCHLD, SIG_DFL);
	shim_syscall(SYS_setsockopt, c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
	why = receive(c, &rq);
	if (why) {
		close_fds(&rq);
		refuse(c, EINVAL, why);
	}
	if (fchdir(rq.fds[0]) < 0)
		refuse(c, errno, "the working directory cannot be entered");
	if (atomic_load(&shim.log_fd) < 0)
		refuse(c, EBADF, "the tree has no event log: nothing would be logged");
	why = judge(&rq);
	if (why)
		refuse(c, EACCES, why);
	plan_fds(&rq);
	/* The environments' memfd is the launcher's file, not the program's (sig_guard.h). */
	struct sig_guard g;
	sig_guard_begin(&g, SIGXFSZ);
	why = build_envs(&rq);
	sig_guard_end(&g, true);
	if (why)
		refuse(c, EIO, why);
	build_argv(&rq, cli, profile);
	if (pipe2(report, O_CLOEXEC) < 0)
		refuse(c, errno, "pipe2");
	pid_t pid = fork();
	if (pid < 0)
		refuse(c, errno, "fork");
	if (pid == 0)
		start_child(&rq, report[1]);
	shim_syscall(SYS_close, report[1]);
	/* The program holds them now: a pipe's reader must see its writer go. */
	close_fds(&rq);
	int err = 0;
	ssize_t got;
	do
		got = shim_syscall(SYS_read, report[0], &err, sizeof(err));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(err)) {
		waitpid(pid, NULL, 0);
		refuse(c, err, "fnguard exec could not be started");
	}
	shim_syscall(SYS_close, report[0]);
	send_reply(c, HANDOVER_STARTED, pid, NULL);
	serve(c, pid);
}

/* ---- the launcher ------------------------------------------------------------------ */

/* Closes every descriptor but l and the tree's log. */
static void keep_only(int l)
{
	int keep[2] = {l, atomic_load(&shim.log_fd)};
	if (keep[1] >= 0 && keep[1] < keep[0]) {
		keep[1] = keep[0];
		keep[0] = atomic_load(&shim.log_fd);
	}
	unsigned first = 0;
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 0 || (i == 1 && keep[1] == keep[0]))
			continue;
		if ((unsigned)keep[i] > first)
			shim_syscall(SYS_close_range, first, (unsigned)keep[i] - 1, 0);
		first = (unsigned)keep[i] + 1;
	}
	shim_syscall(SYS_close_range, first, ~0u, 0);
}

/*
 * Serves until the first process ends (its pidfd; PR_SET_PDEATHSIG would
 * follow the thread that forked, and the launcher is not its child).
 */
__attribute__((noreturn)) static void launcher(int l, pid_t parent, const char *cli,
					       const char *profile)
{
	uid_t uid = getuid();
	/* Out of the terminal's way: its signals reach the waiters, which relay them. */
	setpgid(0, 0);
	keep_only(l);
	int watch = (int)shim_syscall(SYS_pidfd_open, parent, 0); /* close-on-exec */
	if (watch < 0 && errno == ESRCH)
		_exit(0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			set_disposition(sig, SIG_DFL);
	set_disposition(SIGCHLD, SIG_IGN); /* managers are reaped by the kernel */
	set_disposition(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;) {
		struct pollfd pf[2] = {{.fd = l, .events = POLLIN},
				       {.fd = watch, .events = POLLIN}};
		int n = poll(pf, watch >= 0 ? 2 : 1, watch >= 0 ? -1 : 1000);
		if ((watch >= 0 && n > 0 && pf[1].revents) ||
		    (watch < 0 && shim_syscall(SYS_kill, parent, 0) < 0 && errno == ESRCH))
			_exit(0);
		if (n <= 0 || !pf[0].revents)
			continue;
		int c = (int)shim_syscall(SYS_accept4, l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
				usleep(10000);
			continue;
		}
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (shim_syscall(SYS_getsockopt, c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    cred.uid != uid) {
			shim_syscall(SYS_close, c);
			continue;
		}
		pid_t m = fork();
		if (m == 0) {
			shim_syscall(SYS_close, l);
			if (watch >= 0)
				shim_syscall(SYS_close, watch);
			manage(c, cli, profile);
		}
		shim_syscall(SYS_close, c);
	}
}

static pid_t launcher_pid;

void handover_launcher_stop(void)
{
	if (launcher_state.status != LAYER_ACTIVE)
		return;
	kill(launcher_pid, SIGKILL); /* not our child: init reaps it */
	unsetenv(HANDOVER_ENV);
	launcher_state = (struct layer_state){LAYER_UNAVAILABLE, 0,
					      "stopped: the seccomp filter was not installed"};
}

static void unavailable(int error, const char *reason)
{
	launcher_state = (struct layer_state){LAYER_UNAVAILABLE, error, reason};
}

void handover_launcher_start(void)
{
	static char profile[PATH_MAX] LARGE_BSS;
	char name[HANDOVER_NAME_MAX];
	struct sockaddr_un sa;
	uint64_t nonce = 0;

	const char *cli = exec_ops_cli();
	if (!shim.root)
		return;
	if (!shim.policy || policy_rule_count(shim.policy, POLICY_CAT_EXEC) == 0)
		return unavailable(0, "not needed: the profile allows no programs");
	if (!cli[0])
		return unavailable(0,
				   "fnguard exec was not found (set FNGUARD_CLI): static programs "
				   "run under the syscall filter only");
	if (!real_realpath(shim.profile_path, profile))
		return unavailable(errno, "the profile's path cannot be resolved");
	if (getrandom(&nonce, sizeof(nonce), GRND_NONBLOCK) != (ssize_t)sizeof(nonce))
		nonce = shim_now_mono();
	snprintf(name, sizeof(name), "fnguard-launch-%d-%016llx", (int)getpid(),
		 (unsigned long long)nonce);
	int l = (int)shim_syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l < 0 || shim_syscall(SYS_bind, l, &sa, abstract_addr(&sa, name)) < 0 ||
	    shim_syscall(SYS_listen, l, 64) < 0) {
		int err = errno;
		if (l >= 0)
			shim_syscall(SYS_close, l);
		return unavailable(err, "its socket could not be set up");
	}
	/*
	 * Forked twice: the launcher is no child of the program's (which may
	 * wait for all its children) and no descendant either (Yama's ptrace
	 * scope 1 keeps the function out of it). Not dumpable from birth: the
	 * function cannot open its /proc/PID/mem or ptrace it (it runs outside
	 * the filter).
	 */
	pid_t parent = getpid();
	int pidpipe[2];
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (pipe2(pidpipe, O_CLOEXEC) < 0) {
		int err = errno;
		shim_syscall(SYS_close, l);
		return unavailable(err, "pipe2 failed");
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	pid_t mid = fork();
	if (mid == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			shim_syscall(SYS_close, pidpipe[0]);
			shim_syscall(SYS_close, pidpipe[1]);
			launcher(l, parent, cli, profile);
		}
		shim_syscall(SYS_write, pidpipe[1], &pid, sizeof(pid));
		_exit(pid < 0);
	}
	int err = errno, status = 0;
	if (dumpable > 0)
		prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
	shim_syscall(SYS_close, l);
	shim_syscall(SYS_close, pidpipe[1]);
	pid_t pid = -1;
	if (mid > 0 && (waitpid(mid, &status, 0) != mid || status != 0 ||
			shim_syscall(SYS_read, pidpipe[0], &pid, sizeof(pid)) != sizeof(pid)))
		pid = -1;
	shim_syscall(SYS_close, pidpipe[0]);
	if (mid < 0 || pid <= 0)
		return unavailable(mid < 0 ? err : ECHILD, "fork failed");
	if (setenv(HANDOVER_ENV, name, 1) < 0) {
		kill(pid, SIGKILL);
		return unavailable(ENOMEM, "its name could not be exported");
	}
	launcher_pid = pid;
	launcher_state = (struct layer_state){
		LAYER_ACTIVE, 0,
		"forked before the filter: static programs the profile allows run under fnguard "
		"exec"};
}
