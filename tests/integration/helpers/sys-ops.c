// SPDX-License-Identifier: MIT
/*
 * sys-ops OP: one attempt to step around the libc layer or to tamper with
 * fnguard, for the seccomp layer's tests. Prints "result=OK" or
 * "result=ERR errno=NAME" on stderr; some attempts kill the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* A syscall instruction of this program's own: no libc function in between. */
static long inline_syscall2(long nr, long a, long b)
{
#if defined(__x86_64__)
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
#else
	return syscall(nr, a, b) < 0 ? -errno : 0;
#endif
}

/* sigset() is deprecated, and the point: programs still call it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static sighandler_t old_sigset(int sig, sighandler_t handler)
{
	return sigset(sig, handler);
}
#pragma GCC diagnostic pop

static void on_sigsys(int sig)
{
	(void)sig;
}

/* The kernel's struct sigaction with our handler, for the raw rt_sigaction attempts. */
static const struct {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
} sigsys_act = {.handler = (void *)on_sigsys};

static void *late_thread(void *arg)
{
	(void)arg;
	usleep(100000);
	long r = raw_syscall(SYS_msgget, IPC_PRIVATE, 0600);
	fprintf(stderr, "thread result=%s errno=%s\n", r < 0 ? "ERR" : "OK",
		r < 0 ? strerrorname_np(errno) : "0");
	return NULL;
}

/* A thread started before main (and before the shim's filter, if constructors run first). */
static pthread_t early;
__attribute__((constructor)) static void start_early(void)
{
	if (getenv("SYS_OPS_EARLY_THREAD"))
		pthread_create(&early, NULL, late_thread, NULL);
}

int main(int argc, char **argv)
{
	long r;
	if (argc < 2)
		return 2;
	const char *op = argv[1];
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {.len = 1, .filter = allow};
	unsigned char params[120] = {0};

	if (!strcmp(op, "raw-unlisted"))
		r = raw_syscall(SYS_msgget, IPC_PRIVATE, 0600);
	else if (!strcmp(op, "inline-unlisted")) {
		r = inline_syscall2(SYS_msgget, IPC_PRIVATE, 0600);
		if (r < 0) {
			errno = (int)-r;
			r = -1;
		}
	} else if (!strcmp(op, "io_uring"))
		r = raw_syscall(SYS_io_uring_setup, 8, params);
	else if (!strcmp(op, "two-unlisted")) {
		/* Two traps in one process, numbers far apart: two events, each named. */
		r = raw_syscall(SYS_msgget, IPC_PRIVATE, 0600);
		if (r < 0)
			r = raw_syscall(SYS_io_uring_setup, 8, params);
	} else if (!strcmp(op, "ptrace"))
		r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (!strcmp(op, "netlink"))
		r = socket(AF_NETLINK, SOCK_RAW, 0);
	else if (!strcmp(op, "vsock"))
		r = socket(AF_VSOCK, SOCK_STREAM, 0);
	else if (!strcmp(op, "second-filter"))
		r = raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	else if (!strcmp(op, "prctl-seccomp"))
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	else if (!strcmp(op, "signal-sigsys"))
		r = signal(SIGSYS, on_sigsys) == SIG_ERR ? -1 : 0;
	else if (!strcmp(op, "sigset-sigsys"))
		r = old_sigset(SIGSYS, on_sigsys) == SIG_ERR ? -1 : 0;
	else if (!strcmp(op, "sysv-signal-sigsys"))
		r = sysv_signal(SIGSYS, on_sigsys) == SIG_ERR ? -1 : 0;
	else if (!strcmp(op, "raw-sigaction-sigsys")) {
		r = raw_syscall(SYS_rt_sigaction, SIGSYS, &sigsys_act, NULL, 8);
		/* Then a trapped call: it must still not run (only the log is lost). */
		if (r == 0)
			r = raw_syscall(SYS_msgget, IPC_PRIVATE, 0600);
	} else if (!strcmp(op, "syscall-sigaction-hi")) {
		/* Through libc's syscall(), the signal with high bits set (the kernel reads an int). */
		r = syscall(SYS_rt_sigaction, (long)SIGSYS | (1L << 32), &sigsys_act, NULL, 8);
	} else if (!strcmp(op, "personality"))
		r = personality(READ_IMPLIES_EXEC);
	else if (!strcmp(op, "clone3"))
		r = raw_syscall(SYS_clone3, params, 88);
	else if (!strcmp(op, "openat2"))
		r = raw_syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", params, 24);
	else if (!strcmp(op, "x32"))
		r = raw_syscall(SYS_getpid | 0x40000000);
	else if (!strcmp(op, "int80")) {
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	} else if (!strcmp(op, "listed"))
		r = raw_syscall(SYS_getpid);
	else if (!strcmp(op, "early-thread")) {
		r = 0;
		if (early)
			pthread_join(early, NULL);
	} else {
		fprintf(stderr, "sys-ops: unknown op %s\n", op);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "result=ERR errno=%s\n", strerrorname_np(errno));
		return 1;
	}
	fprintf(stderr, "result=OK\n");
	return 0;
}
