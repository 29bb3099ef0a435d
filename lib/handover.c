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
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_ops.h"
#include "handover.h"
#include "log_id.h"
#include "path_norm.h"
#include "real.h"
#include "shim.h"
#include "syscall_ops.h"

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

__attribute__((noreturn)) static void refuse(int c, int error, const char *reason)
{
	send_reply(c, HANDOVER_REFUSED, error, reason);
	_exit(0);
}

static void set_disposition(int sig, void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	real.sigaction(sig, &sa, NULL);
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
				 HANDOVER_FDS_MAX * sizeof(int32_t) + HANDOVER_STRINGS_MAX];

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

/*
 * Events must not be lost through the launcher: where the tree has a log,
 * the request carries it (FNGUARD_LOG_FD names it in the program).
 */
static const char *check_log(const struct request *rq)
{
	const char *id = getenv("FNGUARD_LOG_ID");
	if (!id)
		return NULL;
	for (size_t i = 0; rq->head.log_fd >= 0 && i < rq->head.nfds; i++)
		if (rq->targets[i] == rq->head.log_fd)
			return same_file(rq->fds[i + 1], id)
				       ? NULL
				       : "the request's log is not the tree's event log";
	return "the request does not carry the tree's event log";
}

/* ---- judging it again ------------------------------------------------------------ */

/* The program as judged: fnguard exec gets this absolute name, not a PATH search. */
static char program[PATH_MAX];

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
	bool enforce = shim.action[POLICY_CAT_EXEC] == POLICY_MODE_ENFORCE;
	if (policy_check_exec(shim.policy, name, len, rq->argv, &v) < 0 || (enforce && !v.allowed))
		return "the profile does not allow this program";
	if (!realpath(name, real_name))
		return "the program cannot be resolved";
	if (policy_check_exec(shim.policy, real_name, strlen(real_name), rq->argv, &v) < 0 ||
	    (enforce && !v.allowed))
		return "the profile does not allow where this program's links lead";
	if (!exec_ops_static_program(real_name))
		return "not a static program (a dynamic one runs under the shim itself)";
	return NULL;
}

/* ---- the program's environment and arguments --------------------------------------- */

/*
 * Dropped from the request's environment: fnguard's own (the first
 * process's apply), and what would steer the dynamic loader or libc of
 * fnguard exec itself, which runs outside the shim's filter: the variables
 * ld.so ignores for a setuid program, and GLIBC_TUNABLES. The static
 * program does without them as a setuid program would.
 */
static bool dropped(const char *e)
{
	static const char *const names[] = {
		"FNGUARD_",	"LD_",		"GLIBC_TUNABLES=", "GCONV_PATH=",
		"GETCONF_DIR=", "HOSTALIASES=", "LOCALDOMAIN=",	   "LOCPATH=",
		"MALLOC_",	"NIS_PATH=",	"NLSPATH=",	   "RESOLV_HOST_CONF=",
		"RES_OPTIONS=", "TMPDIR=",	"TZDIR=",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static char *env_out[2 * HANDOVER_ARGS_MAX + 8];
static char *argv_out[HANDOVER_ARGS_MAX + 8];
static char log_fd_var[32];
static char preload_var[PATH_MAX * 2];

static void build_env(const struct request *rq)
{
	size_t k = 0;
	for (size_t i = 0; rq->envp[i]; i++)
		if (!dropped(rq->envp[i]))
			env_out[k++] = rq->envp[i];
	/* The first process's own, as they were when it forked the launcher. */
	for (char **e = environ; e && *e && k < 2 * (size_t)HANDOVER_ARGS_MAX; e++) {
		if (strncmp(*e, "FNGUARD_", 8) != 0 || strncmp(*e, "FNGUARD_LOG_FD=", 15) == 0 ||
		    strncmp(*e, "FNGUARD_EXEC_PRELOAD=", 21) == 0)
			continue;
		env_out[k++] = *e;
	}
	if (rq->head.log_fd >= 0) {
		snprintf(log_fd_var, sizeof(log_fd_var), "FNGUARD_LOG_FD=%d", rq->head.log_fd);
		env_out[k++] = log_fd_var;
	}
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strlen(preload) + 22 < sizeof(preload_var)) {
		snprintf(preload_var, sizeof(preload_var), "FNGUARD_EXEC_PRELOAD=%s", preload);
		env_out[k++] = preload_var;
	}
	env_out[k] = NULL;
}

static void build_argv(const struct request *rq, const char *cli, const char *profile)
{
	size_t n = 0;
	argv_out[n++] = (char *)cli;
	argv_out[n++] = (char *)"exec";
	argv_out[n++] = (char *)"--profile";
	argv_out[n++] = (char *)profile;
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
	int hi = report + 1, err;
	int moved[HANDOVER_FDS_MAX + 1];

	memset(moved, 0xff, sizeof(moved)); /* -1 each */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (size_t i = 0; i < rq->head.nfds; i++)
		if (rq->targets[i] >= hi)
			hi = rq->targets[i] + 1;
	for (size_t i = 0; i < rq->n_fds; i++)
		if (rq->fds[i] >= hi)
			hi = rq->fds[i] + 1;
	/* Everything of ours above every number the program gets, then into place. */
	report = fcntl(report, F_DUPFD_CLOEXEC, hi);
	for (size_t i = 0; i < rq->n_fds; i++)
		moved[i] = report >= 0 ? fcntl(rq->fds[i], F_DUPFD_CLOEXEC, hi) : -1;
	err = report < 0 ? errno : 0;
	for (size_t i = 1; !err && i < rq->n_fds; i++) /* n_fds is nfds + 1 (receive()) */
		if (moved[i] < 0 || dup2(moved[i], rq->targets[i - 1]) < 0)
			err = moved[i] < 0 ? EMFILE : errno;
	if (!err && (moved[0] < 0 || fchdir(moved[0]) < 0))
		err = moved[0] < 0 ? EMFILE : errno;
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
	static struct request rq;
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
	why = check_log(&rq);
	if (why)
		refuse(c, EBADF, why);
	why = judge(&rq);
	if (why)
		refuse(c, EACCES, why);
	build_env(&rq);
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

__attribute__((noreturn)) static void launcher(int l, pid_t parent, const char *cli,
					       const char *profile)
{
	uid_t uid = getuid();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(0);
	/* Out of the terminal's way: its signals reach the waiters, which relay them. */
	setpgid(0, 0);
	if (l > 0)
		shim_syscall(SYS_close_range, 0, l - 1, 0);
	shim_syscall(SYS_close_range, l + 1, ~0u, 0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			set_disposition(sig, SIG_DFL);
	set_disposition(SIGCHLD, SIG_IGN); /* managers are reaped by the kernel */
	set_disposition(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;) {
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
	kill(launcher_pid, SIGKILL);
	waitpid(launcher_pid, NULL, 0);
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
	static char profile[PATH_MAX];
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
	if (!realpath(shim.profile_path, profile))
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
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		launcher(l, parent, cli, profile);
	int err = errno;
	shim_syscall(SYS_close, l);
	if (pid < 0)
		return unavailable(err, "fork failed");
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
