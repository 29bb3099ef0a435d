// SPDX-License-Identifier: MIT
/*
 * tampering: take SIGSYS away from fnguard's seccomp handler, then run the
 * program outside the profile with an inline execveat system call (which only
 * the filter can see, and traps). HOW = sigaction (libc), raw-sigaction
 * (an inline rt_sigaction),
 * ignore (signal(SIGSYS, SIG_IGN)), block (sigprocmask).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

extern char **environ;
static atomic_int caught;

static void on_sigsys(int sig)
{
	(void)sig;
	atomic_fetch_add(&caught, 1);
}

/* The kernel's struct sigaction on x86_64 and aarch64. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static long raw_sigaction(void)
{
	/* libc's signal return trampoline, borrowed from a handler libc installed. */
	struct sigaction sa = {.sa_handler = on_sigsys};
	struct kernel_sigaction probe, act = {.handler = on_sigsys};
	sigaction(SIGUSR1, &sa, NULL);
	if (case_raw6(SYS_rt_sigaction, SIGUSR1, 0, (long)&probe, 8, 0, 0) == 0 &&
	    (probe.flags & SA_RESTORER)) {
		act.flags = SA_RESTORER;
		act.restorer = probe.restorer;
	}
	return case_raw6(SYS_rt_sigaction, SIGSYS, (long)&act, 0, 8, 0, 0);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *how = argv[1], *prog = case_env("SEC_DENIED_PROG");
	long r;
	if (!strcmp(how, "sigaction")) {
		struct sigaction sa = {.sa_handler = on_sigsys};
		r = sigaction(SIGSYS, &sa, NULL);
	} else if (!strcmp(how, "raw-sigaction")) {
		r = raw_sigaction();
	} else if (!strcmp(how, "ignore")) {
		r = signal(SIGSYS, SIG_IGN) == SIG_ERR ? -1 : 0;
	} else if (!strcmp(how, "block")) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		r = sigprocmask(SIG_BLOCK, &set, NULL);
	} else {
		return 2;
	}
	case_report(how, r);
	char *args[] = {(char *)prog, (char *)"ran", NULL};
	r = case_raw6(SYS_execveat, AT_FDCWD, (long)prog, (long)args, (long)environ, 0, 0);
	case_report("execveat", r);
	fprintf(stderr, "own SIGSYS handler ran %d times\n", atomic_load(&caught));
	return 0;
}
