// SPDX-License-Identifier: MIT
/*
 * fnguard attach — the waiting half of the shim's handover under its own
 * seccomp filter (lib/handover.h). The shim runs it in place of a static
 * program the profile allows, in the process that exec'd the program; it
 * hands everything exec would have kept (arguments, environment, working
 * directory, umask, signal mask, ignored signals, open descriptors) to the
 * first process's launcher, which starts `fnguard exec` with them, and then
 * stands in for the program: it relays SIGINT, SIGTERM and SIGHUP (what
 * fnguard exec forwards) and exits as fnguard exec exited.
 *
 * Not meant to be run by hand; it needs FNGUARD_LAUNCHER. When the launcher
 * cannot be reached or refuses, nothing runs: an `error` event and exit 126
 * (the shim had judged the program allowed, so running it unsupervised here
 * would be a silent downgrade).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "handover.h"
#include "log_id.h"
#include "log_line.h"
#include "supervisor/sv.h"

extern char **environ;

#define ATTACH_REFUSED 126

static int conn = -1;

static void attach_usage(FILE *out)
{
	fprintf(out, "Usage: fnguard attach [--argv0 NAME] -- PROGRAM [ARGS...]\n\n"
		     "Used by the preload library: runs PROGRAM under `fnguard exec` started by\n"
		     "the first process's launcher (FNGUARD_LAUNCHER), and waits for it.\n");
}

static bool keep_fd(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	return flags >= 0 && !(flags & FD_CLOEXEC);
}

/* The descriptors exec would have kept: from /proc, else by asking poll(). */
static int open_fds(int *fds, size_t max, size_t *ret_n)
{
	size_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int self = dirfd(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			char *end;
			long fd = strtol(e->d_name, &end, 10);
			if (e->d_name[0] == '.' || *end || fd == self || !keep_fd((int)fd))
				continue;
			if (n == max) {
				closedir(d);
				return -EMFILE;
			}
			fds[n++] = (int)fd;
		}
		closedir(d);
		*ret_n = n;
		return 0;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 1 << 20)
		return -EMFILE;
	for (long fd = 0; fd < (long)rl.rlim_cur; fd++) {
		if (!keep_fd((int)fd))
			continue;
		if (n == max)
			return -EMFILE;
		fds[n++] = (int)fd;
	}
	*ret_n = n;
	return 0;
}

static uint64_t signal_bits(bool blocked)
{
	uint64_t bits = 0;
	sigset_t mask;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	for (int sig = 1; sig < 65 && sig < NSIG; sig++) {
		struct sigaction sa;
		bool on = blocked ? sigismember(&mask, sig) == 1
				  : sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
		if (on)
			bits |= 1ull << (sig - 1);
	}
	return bits;
}

static int append(char *buf, size_t *used, const char *s)
{
	size_t len = strlen(s) + 1;
	if (*used + len > HANDOVER_STRINGS_MAX)
		return -E2BIG;
	memcpy(buf + *used, s, len);
	*used += len;
	return 0;
}

/* Sends the request: the log is the descriptor FNGUARD_LOG_FD names, if passed. */
static int send_request(const char *program, char **argv, int argc, const int *fds, size_t n,
			int cwd)
{
	static unsigned char msg[sizeof(struct handover_request) +
				 HANDOVER_FDS_MAX * sizeof(int32_t) + HANDOVER_STRINGS_MAX];
	struct handover_request h = {.magic = HANDOVER_MAGIC, .argc = (uint32_t)argc, .log_fd = -1};
	int32_t *targets = (int32_t *)(msg + sizeof(h));
	char *strings = (char *)(targets + n);
	size_t used = 0;
	int r = 0;

	const char *log = getenv("FNGUARD_LOG_FD");
	char *end = NULL;
	long log_fd = log && *log ? strtol(log, &end, 10) : -1;
	if (end && *end)
		log_fd = -1;
	for (size_t i = 0; i < n; i++) {
		targets[i] = fds[i];
		if (log_fd == fds[i])
			h.log_fd = fds[i];
	}
	h.nfds = (uint32_t)n;
	mode_t mask = umask(0);
	umask(mask);
	h.umask = (uint32_t)mask;
	h.blocked = signal_bits(true);
	h.ignored = signal_bits(false);
	r = append(strings, &used, program);
	for (int i = 0; r == 0 && i < argc; i++)
		r = append(strings, &used, argv[i]);
	/* What the shim's handover renamed (lib/exec_ops.c) goes back under its name. */
	static const char renamed[] = "FNGUARD_EXEC_ENV_";
	for (char **e = environ; r == 0 && e && *e; e++, h.envc++)
		r = append(strings, &used,
			   strncmp(*e, renamed, sizeof(renamed) - 1) == 0 ? *e + sizeof(renamed) - 1
									  : *e);
	if (r < 0 || h.envc > HANDOVER_ARGS_MAX || (size_t)argc > HANDOVER_ARGS_MAX)
		return -E2BIG;
	h.strings_len = (uint32_t)used;
	memcpy(msg, &h, sizeof(h));

	union {
		char buf[CMSG_SPACE(sizeof(int) * (HANDOVER_FDS_MAX + 1))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = {.iov_base = msg, .iov_len = (size_t)(strings + used - (char *)msg)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (n + 1))};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (n + 1));
	memcpy(CMSG_DATA(cm), &cwd, sizeof(int));
	if (n)
		memcpy(CMSG_DATA(cm) + sizeof(int), fds, sizeof(int) * n);
	ssize_t sent;
	do
		sent = sendmsg(conn, &mh, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	return sent == (ssize_t)iov.iov_len ? 0 : sent < 0 ? -errno : -EIO;
}

static int connect_launcher(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	if (len == 0 || len + 1 >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path + 1, name, len);
	conn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (conn < 0)
		return -errno;
	/* A launcher that is stopped or swamped does not hang the caller: 10 s. */
	struct timeval limit = {.tv_sec = 10};
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	return connect(conn, (struct sockaddr *)&sa, sl) < 0 ? -errno : 0;
}

/* A reply, or -errno; 0 bytes (the other end is gone) is -EPIPE. */
static int read_reply(struct handover_reply *r)
{
	for (;;) {
		ssize_t n = recv(conn, r, sizeof(*r), 0);
		if (n == (ssize_t)sizeof(*r))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n == 0 ? -EPIPE : -EPROTO;
	}
}

static void relay(int sig)
{
	int saved = errno;
	int32_t s = sig;
	send(conn, &s, sizeof(s), MSG_NOSIGNAL | MSG_DONTWAIT);
	errno = saved;
}

/*
 * The tree's log, only as inherited (FNGUARD_LOG_FD, checked against
 * FNGUARD_LOG_ID), duplicated after the listing of descriptors: never
 * stdout, which is the program's.
 */
static void inherited_log(void)
{
	const char *shared = getenv("FNGUARD_LOG_SHARED");
	int n = log_id_inherited(getenv("FNGUARD_LOG_FD"), getenv("FNGUARD_LOG_ID"));
	sv.log_fd = n >= 0 ? fcntl(n, F_DUPFD_CLOEXEC, 3) : -1;
	if (sv.log_fd < 0)
		return;
	sv.log_shared = (shared && strcmp(shared, "1") == 0) || log_line_shares_output(sv.log_fd);
}

/*
 * attach runs under the shim's filter without the shim: a call the profile
 * does not list would kill it without a word. Say which, and do not run.
 */
static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	char detail[64];
	(void)sig;
	(void)context;
	snprintf(detail, sizeof(detail), "system call %d", info->si_syscall);
	sv_event_error("fnguard attach: the profile's filter refused a system call it needs "
		       "(add it to \"syscalls\"): not run",
		       detail, EPERM);
	_exit(ATTACH_REFUSED);
}

static void install_sigsys(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
}

/* Nothing runs: an error event, or a line on stderr where the tree has no log. */
__attribute__((noreturn)) static void fail(const char *what, const char *detail, int error)
{
	if (sv.log_fd >= 0)
		sv_event_error(what, detail, error);
	else
		fprintf(stderr, "%s: %s: %s\n", what, detail, strerror(error));
	exit(ATTACH_REFUSED);
}

/* Ends as fnguard exec ended. */
__attribute__((noreturn)) static void mirror(int status)
{
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		sigset_t one;
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
		exit(128 + sig);
	}
	exit(ATTACH_REFUSED);
}

int cmd_attach(int argc, char **argv)
{
	static const struct option options[] = {
		{"argv0", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static int fds[HANDOVER_FDS_MAX + 1];
	const char *argv0 = NULL;
	size_t n = 0;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+a:h", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			argv0 = optarg;
			break;
		case 'h':
			attach_usage(stdout);
			return EXIT_OK;
		default:
			attach_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		attach_usage(stderr);
		return EXIT_USAGE;
	}
	/* What exec would have kept, before anything of ours is open. */
	r = open_fds(fds, HANDOVER_FDS_MAX + 1, &n);
	sv.self = getpid();
	inherited_log();
	install_sigsys();
	sv_event_labels();
	const char *program = argv[optind];
	if (r < 0 || n > HANDOVER_FDS_MAX)
		fail("fnguard attach: more open descriptors than one handover carries: not run",
		     program, EMFILE);
	const char *name = getenv(HANDOVER_ENV);
	if (!name)
		fail("fnguard attach: no launcher (FNGUARD_LAUNCHER is unset): not run", program,
		     ENOENT);
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		fail("fnguard attach: the working directory cannot be opened: not run", program,
		     errno);
	r = connect_launcher(name);
	if (r < 0)
		fail("fnguard attach: the launcher cannot be reached: not run", program, -r);
	char **args = argv + optind;
	if (argv0)
		args[0] = (char *)argv0;
	r = send_request(program, args, argc - optind, fds, n, cwd);
	if (r < 0)
		fail("fnguard attach: the request could not be sent: not run", program, -r);
	close(cwd);

	struct handover_reply reply;
	r = read_reply(&reply);
	if (r < 0)
		fail("fnguard attach: the launcher gave no answer: not run", program, -r);
	if (reply.kind == HANDOVER_REFUSED) {
		reply.reason[sizeof(reply.reason) - 1] = '\0';
		char detail[PATH_MAX + sizeof(reply.reason) + 4];
		snprintf(detail, sizeof(detail), "%s: %s", program, reply.reason);
		fail("fnguard attach: the launcher refused: not run", detail, reply.value);
	}
	if (reply.kind != HANDOVER_STARTED)
		fail("fnguard attach: the launcher's answer is malformed: not run", program,
		     EPROTO);

	/* From here on the answer comes when the program ends, however long it runs. */
	struct timeval forever = {0};
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
	/* The program holds them now (a pipe's reader must see it go); sv.log_fd stays. */
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	for (int sig = 1; sig < 32; sig++) {
		struct sigaction sa;
		if (!HANDOVER_RELAYED(sig) || sigaction(sig, NULL, &sa) < 0 ||
		    sa.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = relay;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(sig, &sa, NULL);
	}
	sigset_t relayed;
	sigemptyset(&relayed);
	sigaddset(&relayed, SIGINT);
	sigaddset(&relayed, SIGTERM);
	sigaddset(&relayed, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &relayed, NULL);

	r = read_reply(&reply);
	if (r == 0 && reply.kind == HANDOVER_EXITED)
		mirror(reply.value);
	fail("fnguard attach: the launcher ended without the program's exit status", program,
	     r < 0 ? -r : EPROTO);
}
