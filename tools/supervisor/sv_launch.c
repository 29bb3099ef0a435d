// SPDX-License-Identifier: MIT
/*
 * The target's first process. It is created with CLONE_FILES: until it
 * execs, it shares the supervisor's descriptor table, so the listener it
 * gets from seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) is already in the
 * supervisor's table. And with CLONE_VM, on a stack of its own: a copy of
 * the supervisor's memory (fork) cost the run ~190 us of CPU time, the
 * copy of the page tables and then a fault for every page either side
 * wrote before the exec. Sharing the memory, errno and the allocator's
 * locks included, the child makes its calls with the instruction itself
 * (raw_syscall_nr: no errno) and touches nothing of the supervisor's but
 * what was ready before the clone; a failed exec's errno goes back in the
 * shared page, and the supervisor says it. Sending it over a socket would need sendmsg, which
 * the new filter holds for a supervisor that does not have the listener
 * yet. After installing the filters the child only reports, reads the
 * go-ahead and execs; exec gives it a table of its own, where the listener
 * (O_CLOEXEC) is closed.
 *
 * The report is written to a shared page before the write() that rings
 * the bell: with the profile's "syscalls" merged into the notify filter
 * (sv_sys.c), that write, the read of the go-ahead and the exec may be
 * notified (record mode notifies every call not listed), and nobody
 * serves them until the supervisor has the listener. So the supervisor
 * looks at the page whenever the bell is late, and its workers answer the
 * child's calls with CONTINUE until the exec (sv_loop.c).
 *
 * Normally one filter is installed: the notify filter, with the profile's
 * merged into it. The profile's own filter is installed on its own where
 * no listener can be had (user notification unavailable: the plain
 * errno-only filter), or on top when it could not be merged (it usually
 * denies seccomp(2) itself, so it goes second).
 * The notify filter is installed with WAIT_KILLABLE_RECV where the kernel
 * has it (5.19): once the supervisor has received a call, only a fatal
 * signal interrupts it, so a call the supervisor has performed is never
 * restarted and performed twice (Go preempts threads with SIGURG).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "sv.h"

struct report {
	atomic_int done; /* the fields below are written */
	int main_err;
	int notify_err;
	int listener;
	int killable;
	atomic_int exec_err; /* the child's execve failed with this errno */
};

/* The kernel's struct sigaction, for SIG_DFL and SIG_IGN (no restorer needed). */
struct k_sigaction {
	unsigned long handler, flags, restorer, mask;
};

#define CHILD_STACK ((size_t)64 * 1024)
/* The child's code: in the supervisor's memory, no sanitizer's bookkeeping. */
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined")))

static ssize_t full_write(int fd, const void *buf, size_t len)
{
	ssize_t n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t full_read(int fd, void *buf, size_t len)
{
	ssize_t n;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

CHILD_CODE static long install(const struct sock_fprog *prog, unsigned long flags)
{
	return raw_syscall_nr(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
}

/* A read or a write (nr) of the child's, again when a signal interrupted it. */
CHILD_CODE static long child_io(long nr, int fd, const void *buf, size_t len)
{
	long n;
	do
		n = raw_syscall_nr(nr, fd, buf, len);
	while (n == -EINTR);
	return n;
}

CHILD_CODE __attribute__((noreturn)) static void child_exit(int status)
{
	for (;;)
		raw_syscall_nr(SYS_exit_group, status);
}

/*
 * The child, between clone and exec, in the supervisor's memory: system
 * calls only (no libc function: errno, locks and the allocator are the
 * supervisor's), no sanitizer's bookkeeping either.
 */
CHILD_CODE static int child_main(void *arg)
{
	const struct launch *l = arg;
	struct report *shared = l->shared;
	const struct sock_fprog *notify = l->f->notify, *main = l->f->main;
	int main_err = -1, notify_err = -1, listener = -1, killable = 0;
	char go = 0;

	/*
	 * Without its supervisor every notified call would fail with ENOSYS:
	 * the program goes with it rather than limp on.
	 */
	if (raw_syscall_nr(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    raw_syscall_nr(SYS_getppid) != l->parent)
		child_exit(127);
	long r = raw_syscall_nr(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (r < 0) {
		main_err = notify_err = (int)-r;
		goto report;
	}
	if (notify) {
		long fd = install(notify, SECCOMP_FILTER_FLAG_NEW_LISTENER |
						  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
		killable = fd >= 0;
		if (fd == -EINVAL)
			fd = install(notify, SECCOMP_FILTER_FLAG_NEW_LISTENER);
		notify_err = fd < 0 ? (int)-fd : 0;
		listener = fd < 0 ? -1 : (int)fd;
	}
	/* Second: the profile's filter usually denies seccomp(2) itself. */
	if (main && (!notify || notify_err != 0 || l->f->main_with_notify)) {
		r = install(main, 0);
		main_err = r < 0 ? (int)-r : 0;
	}
report:
	shared->main_err = main_err;
	shared->notify_err = notify_err;
	shared->listener = listener;
	shared->killable = killable;
	atomic_store_explicit(&shared->done, 1, memory_order_release);
	/*
	 * The bell is a courtesy: when its write is held until the supervisor
	 * serves, the supervisor has the page already and may have closed the
	 * pipe (EPIPE; SIGPIPE is still ignored, as in the supervisor).
	 */
	(void)child_io(SYS_write, l->report_fd, "r", 1);
	if (child_io(SYS_read, l->go_fd, &go, 1) != 1 || !go)
		child_exit(127);
	/* The program starts with the signal state the supervisor was started with. */
	struct k_sigaction dfl = {.handler = (unsigned long)SIG_DFL};
	raw_syscall_nr(SYS_rt_sigaction, SIGPIPE, &dfl, NULL, sizeof(dfl.mask));
	if (l->chld_ignored) {
		struct k_sigaction ign = {.handler = (unsigned long)SIG_IGN};
		raw_syscall_nr(SYS_rt_sigaction, SIGCHLD, &ign, NULL, sizeof(ign.mask));
	}
	/* The kernel's signal set is the first 64 bits of glibc's. */
	raw_syscall_nr(SYS_rt_sigprocmask, SIG_SETMASK, l->mask, NULL, sizeof(dfl.mask));
	r = raw_syscall_nr(SYS_execve, l->path, l->argv, l->envp);
	atomic_store_explicit(&shared->exec_err, (int)-r, memory_order_release);
	child_exit(r == -ENOENT ? 127 : 126);
}

/*
 * Waits for the child's report. The bell's write end stays open in the
 * shared table, so a child that dies first (its filter refused something)
 * is no EOF: its death is watched for too (pidfd, or waitpid before 5.3).
 * The bell may be held for a supervisor that is not serving yet, so the
 * page is looked at every millisecond as well. Returns 0, or -ECHILD when
 * the child died without reporting.
 */
static int wait_report(struct sv_child *c, struct report *rep)
{
	const struct report *shared = c->shared;
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	int status, r = -EIO;

	for (;;) {
		if (atomic_load_explicit(&shared->done, memory_order_acquire)) {
			rep->main_err = shared->main_err;
			rep->notify_err = shared->notify_err;
			rep->listener = shared->listener;
			rep->killable = shared->killable;
			r = 0;
			break;
		}
		struct pollfd pfd[2] = {{c->report_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
		int n = poll(pfd, pidfd >= 0 ? 2 : 1, 1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			char bell;
			if (full_read(c->report_fd, &bell, 1) != 1)
				break;
			continue;
		}
		if (atomic_load_explicit(&shared->done, memory_order_acquire))
			continue;
		if ((n > 0 && (pfd[1].revents & POLLIN)) ||
		    (pidfd < 0 && waitpid(c->pid, &status, WNOHANG | __WNOTHREAD) == c->pid)) {
			r = -ECHILD;
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

int sv_launch_child(const char *path, char **argv, const struct sv_filters *f, struct sv_child *ret)
{
	int report[2], go[2];
	sigset_t block;
	struct report rep;

	*ret = (struct sv_child){.pid = -1, .listener = -1, .report_fd = -1, .go_fd = -1};
	/* Before the clone: the program's environment is the supervisor's at that moment. */
	sv_relay_prepare(f->notify != NULL);
	/* Shared with the child across its fork (MAP_SHARED), not copied. */
	struct report *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	ret->shared = shared;
	if (pipe2(report, O_CLOEXEC) < 0) {
		int r = -errno;
		munmap(shared, sizeof(*shared));
		ret->shared = NULL;
		return r;
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		int r = -errno;
		close(report[0]);
		close(report[1]);
		munmap(shared, sizeof(*shared));
		ret->shared = NULL;
		return r;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &ret->saved_mask);
	/*
	 * A caller that ignores SIGCHLD passes that on through exec: the kernel
	 * would then reap the program by itself and never say so, and the wait
	 * below would never end. The supervisor takes the default; the program
	 * gets the ignored disposition back.
	 */
	struct sigaction chld = {.sa_handler = SIG_DFL}, chld_was;
	sigemptyset(&chld.sa_mask);
	sigaction(SIGCHLD, &chld, &chld_was);
	bool chld_ignored = chld_was.sa_handler == SIG_IGN;

	/* The supervisor's descriptor table and memory, the child's own stack. */
	struct launch *l = &ret->launch;
	*l = (struct launch){
		.path = path,
		.argv = argv,
		.envp = sv_env(),
		.f = f,
		.shared = shared,
		.report_fd = report[1],
		.go_fd = go[0],
		.mask = &ret->saved_mask,
		.parent = getpid(),
		.chld_ignored = chld_ignored,
	};
	ret->stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	int pid = ret->stack == MAP_FAILED ? -1
					   : clone(child_main, (char *)ret->stack + CHILD_STACK,
						   CLONE_VM | CLONE_FILES | SIGCHLD, l);
	if (pid < 0) {
		int r = -errno;
		close(report[0]);
		close(report[1]);
		close(go[0]);
		close(go[1]);
		if (ret->stack != MAP_FAILED)
			munmap(ret->stack, CHILD_STACK);
		ret->stack = NULL;
		munmap(shared, sizeof(*shared));
		ret->shared = NULL;
		return r;
	}

	ret->pid = (pid_t)pid;
	ret->path = path;
	ret->report_fd = report[0];
	ret->go_fd = go[1];
	int r = wait_report(ret, &rep);
	if (r < 0) {
		sv_launch_release(ret, false);
		return r;
	}
	ret->main_err = rep.main_err;
	ret->notify_err = rep.notify_err;
	ret->listener = rep.listener;
	ret->killable = rep.killable;
	/*
	 * report[1] and go[0] stay open: closing them here would close them in
	 * the child too, which still has to read the go-ahead. They are
	 * O_CLOEXEC, so the program never sees them.
	 */
	return 0;
}

int sv_launch_release(struct sv_child *c, bool go)
{
	char byte = go ? 1 : 0;
	int r = full_write(c->go_fd, &byte, 1) == 1 ? 0 : -EIO;
	/* Its read of the go-ahead may be notified, and no worker will answer it. */
	if (!go && c->pid > 0)
		kill(c->pid, SIGKILL);
	close(c->go_fd);
	close(c->report_fd);
	c->go_fd = c->report_fd = -1;
	/* The page and the stack are the child's until its exec: unmapped once it is reaped. */
	return r;
}

int sv_launch_wait(struct sv_child *c)
{
	sigset_t set;
	siginfo_t si;
	int status;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		pid_t w = waitpid(c->pid, &status, WNOHANG);
		if (w == c->pid)
			break;
		if (w < 0 && errno != EINTR)
			return 127;
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD)
			kill(c->pid, si.si_signo);
	}
	const struct report *shared = c->shared;
	int exec_err = shared ? atomic_load_explicit(&shared->exec_err, memory_order_acquire) : 0;
	if (exec_err)
		fprintf(stderr, "fnguard exec: %s: %s%s\n", c->path, strerror(exec_err),
			exec_err == EPERM ? " (is execve in the profile's \"syscalls\"?)" : "");
	if (c->shared)
		munmap(c->shared, sizeof(struct report));
	if (c->stack)
		munmap(c->stack, CHILD_STACK);
	c->shared = c->stack = NULL;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
