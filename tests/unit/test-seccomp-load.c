// SPDX-License-Identifier: MIT
/*
 * The compiled filter in the real kernel: a forked child installs it with
 * seccomp(2) (no_new_privs, no root needed) and makes calls whose outcome
 * the unit tests only simulate. Skipped where seccomp is unavailable.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy.h"
#include "seccomp_filter.h"

#define EXIT_NO_SECCOMP 77

static const char profile_lambda[] =
	"{\"fnguard\": 1, \"syscalls\": [\"@lambda-runtime\"], \"unsafe\": []}";

/* Fails the child with the expression and errno on stderr. */
#define CHILD_CHECK(cond)                                                                      \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			dprintf(2, "child: %s:%d: %s failed (errno %d)\n", __FILE__, __LINE__, \
				#cond, errno);                                                 \
			_exit(1);                                                              \
		}                                                                              \
	} while (0)

static struct seccomp_filter *build(const char *json, enum policy_mode mode, bool errno_only)
{
	struct policy_load_opts opts = {0};
	struct policy *pol = NULL;
	struct seccomp_options o;
	struct seccomp_filter *f = NULL;

	cr_assert_eq(policy_load_buffer("t.json", json, strlen(json), &opts, &pol, NULL), 0);
	seccomp_options_init(&o, pol);
	o.mode = mode;
	o.errno_only = errno_only;
	o.after_install_lockdown = true;
	cr_assert_eq(seccomp_filter_build(pol, &o, &f, NULL), 0);
	policy_free(pol);
	return f;
}

static void install_or_exit(const struct seccomp_filter *f)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog probe = {.len = 1, .filter = &allow};
	size_t len;
	const struct sock_filter *prog = seccomp_filter_program(f, &len);
	struct sock_fprog fprog = {.len = (unsigned short)len,
				   .filter = (struct sock_filter *)prog};

	/* Tell "no seccomp here" apart from "the kernel refuses our program". */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &probe) < 0)
		_exit(EXIT_NO_SECCOMP);
	CHILD_CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0);
}

/* Runs body in a child under f; returns the wait status. */
static int run_under(const struct seccomp_filter *f, void (*body)(void))
{
	int status;
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		install_or_exit(f);
		body();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_SECCOMP)
		cr_skip_test("seccomp(2) is not available here");
	return status;
}

static void expect_exit_ok(int status)
{
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child: exited %d, signal %d (see its stderr)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void expect_killed_by_sigsys(int status)
{
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		  "child: exited %d, signal %d, expected SIGSYS",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void *thread_main(void *arg)
{
	return arg;
}

static void errno_only_body(void)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res;
	pthread_t t;
	void *out = NULL;
	int fd;

	CHILD_CHECK(getpid() > 0);
	/* unlisted: EPERM, no signal */
	CHILD_CHECK(syscall(SYS_sysfs, 3) < 0 && errno == EPERM);
	/* the libc-judged families only */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(fd >= 0);
	close(fd);
	CHILD_CHECK(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0) < 0 && errno == EPERM);
	CHILD_CHECK(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0) < 0 && errno == EPERM);
	/* glibc's getaddrinfo opens netlink for AI_ADDRCONFIG and copes with EPERM */
	CHILD_CHECK(getaddrinfo("localhost", "80", &hints, &res) == 0);
	freeaddrinfo(res);
	/* clone3 says ENOSYS, glibc falls back to clone */
	CHILD_CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
	CHILD_CHECK(pthread_create(&t, NULL, thread_main, (void *)1) == 0);
	CHILD_CHECK(pthread_join(t, &out) == 0 && out == (void *)1);
	/* namespaces, the dangerous set, personality, a second filter */
	CHILD_CHECK(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) < 0 && errno == EPERM);
	CHILD_CHECK(unshare(CLONE_NEWNS) < 0 && errno == EPERM);
	CHILD_CHECK(syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == EPERM);
	CHILD_CHECK(syscall(SYS_personality, 0xffffffffUL) >= 0);
	CHILD_CHECK(syscall(SYS_personality, 0x0040000UL) < 0 && errno == EPERM);
	CHILD_CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) < 0 && errno == EPERM);
	CHILD_CHECK(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &(uint32_t){0}) < 0 &&
		    errno == EPERM);
	/* 32-bit compare: the kernel sees AF_INET */
	fd = (int)syscall(SYS_socket, 0x100000002UL, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(fd >= 0);
	close(fd);
}

Test(seccomp_load, errno_only_filter_in_the_kernel)
{
	struct seccomp_filter *f = build(profile_lambda, POLICY_MODE_ENFORCE, true);
	expect_exit_ok(run_under(f, errno_only_body));
	seccomp_filter_free(f);
}

static void unlisted_body(void)
{
	syscall(SYS_sysfs, 3);
	_exit(3); /* not reached: the trap has no handler */
}

static void sigaction_query_body(void)
{
	struct sigaction old;
	CHILD_CHECK(sigaction(SIGSYS, NULL, &old) == 0);
	CHILD_CHECK(sigaction(SIGINT, NULL, &old) == 0);
}

/*
 * The shim's filters let a program set its SIGSYS disposition (an exec'd
 * program must install its handler), but ignoring SIGSYS buys nothing: the
 * kernel delivers a seccomp trap with the default action anyway.
 */
static void sigaction_install_body(void)
{
	struct sigaction act = {.sa_handler = SIG_IGN};
	CHILD_CHECK(sigaction(SIGSYS, &act, NULL) == 0);
	syscall(SYS_sysfs, 3);
	_exit(3);
}

static void x32_body(void)
{
	syscall(0x40000000 | SYS_getpid);
	_exit(3);
}

Test(seccomp_load, trapping_filter_in_the_kernel)
{
	struct seccomp_filter *f = build(profile_lambda, POLICY_MODE_ENFORCE, false);
	expect_killed_by_sigsys(run_under(f, unlisted_body));
	expect_exit_ok(run_under(f, sigaction_query_body));
	expect_killed_by_sigsys(run_under(f, sigaction_install_body));
	expect_killed_by_sigsys(run_under(f, x32_body));
	seccomp_filter_free(f);
}

static void record_body(void)
{
	/* logged, not denied: the kernel itself answers */
	CHILD_CHECK(syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == EBADF);
	CHILD_CHECK(syscall(SYS_sysfs, 3) > 0);
	CHILD_CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
}

static void alert_body(void)
{
	CHILD_CHECK(syscall(SYS_sysfs, 3) > 0);
	CHILD_CHECK(syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == EPERM);
}

Test(seccomp_load, record_and_alert_filters_in_the_kernel)
{
	struct seccomp_filter *f = build(profile_lambda, POLICY_MODE_RECORD, false);
	expect_exit_ok(run_under(f, record_body));
	seccomp_filter_free(f);
	f = build(profile_lambda, POLICY_MODE_ALERT, false);
	expect_exit_ok(run_under(f, alert_body));
	seccomp_filter_free(f);
}
