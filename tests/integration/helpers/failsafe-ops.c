// SPDX-License-Identifier: MIT
/*
 * failsafe-ops CMD [ARG] ...: runs the commands in order and reports each on
 * stderr as "CMD ARG: ok" or "CMD ARG: ERRNO_NAME", so that a test can tell
 * what the function saw while fnguard's own log was broken.
 *
 *   open-r PATH      open(2) read-only through libc (judged by the shim)
 *   close-log        close(2) the log fd (FNGUARD_LOG_FD) through libc
 *   raw-close-log    close it with the syscall instruction, behind the shim
 *   dup2-log PATH    open PATH for writing and dup2(2) it onto the log fd's number
 *   print TEXT       TEXT and a newline on stdout
 *   wait             "wait: ready" on stderr, then read one line from stdin
 *   cancel-stat PATH stat(2) PATH in a thread with a cancel pending: stat is no
 *                    cancellation point, so "cancel-stat PATH: returned"
 *   block-sigpipe    blocks SIGPIPE (the program's own choice)
 *   raise-sigpipe    raises SIGPIPE (blocked: it stays pending)
 *   sigpipe-pending  "sigpipe-pending: yes" or "no"
 *   trap             msgget(2) with the syscall instruction: a call the seccomp
 *                    filter traps (its handler writes the event), "trap: EPERM"
 *   exec PROGRAM ARG...  runs the rest of the command line as a program (execv)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

static void report(const char *cmd, const char *arg, int r)
{
	fprintf(stderr, "%s%s%s: %s\n", cmd, arg ? " " : "", arg ? arg : "",
		r < 0 ? strerrorname_np(errno) : "ok");
}

static int log_fd(void)
{
	const char *v = getenv("FNGUARD_LOG_FD");
	return v ? atoi(v) : -1;
}

static void *cancel_stat(void *path)
{
	struct stat st;
	pthread_cancel(pthread_self());
	stat(path, &st);
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stderr, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *cmd = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
		int r;
		if (!strcmp(cmd, "open-r") && arg) {
			r = open(arg, O_RDONLY);
			if (r >= 0)
				close(r);
			report(cmd, arg, r);
			i++;
		} else if (!strcmp(cmd, "close-log")) {
			report(cmd, NULL, close(log_fd()));
		} else if (!strcmp(cmd, "raw-close-log")) {
			report(cmd, NULL, (int)raw_syscall(SYS_close, log_fd()));
		} else if (!strcmp(cmd, "dup2-log") && arg) {
			int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			r = fd < 0 ? -1 : dup2(fd, log_fd());
			if (fd >= 0)
				close(fd);
			report(cmd, arg, r);
			i++;
		} else if (!strcmp(cmd, "print") && arg) {
			printf("%s\n", arg);
			fflush(stdout);
			i++;
		} else if (!strcmp(cmd, "cancel-stat") && arg) {
			pthread_t t;
			void *rv;
			pthread_create(&t, NULL, cancel_stat, (void *)arg);
			pthread_join(t, &rv);
			fprintf(stderr, "cancel-stat %s: %s\n", arg,
				rv == PTHREAD_CANCELED ? "cancelled" : "returned");
			i++;
		} else if (!strcmp(cmd, "block-sigpipe") || !strcmp(cmd, "raise-sigpipe")) {
			sigset_t set;
			sigemptyset(&set);
			sigaddset(&set, SIGPIPE);
			r = cmd[0] == 'b' ? sigprocmask(SIG_BLOCK, &set, NULL) : raise(SIGPIPE);
			report(cmd, NULL, r);
		} else if (!strcmp(cmd, "sigpipe-pending")) {
			sigset_t set;
			sigpending(&set);
			fprintf(stderr, "sigpipe-pending: %s\n",
				sigismember(&set, SIGPIPE) ? "yes" : "no");
		} else if (!strcmp(cmd, "trap")) {
			report(cmd, NULL, (int)raw_syscall(SYS_msgget, 0 /* IPC_PRIVATE */, 0));
		} else if (!strcmp(cmd, "exec") && arg) {
			execv(arg, argv + i + 1);
			report(cmd, arg, -1);
			return 127;
		} else if (!strcmp(cmd, "wait")) {
			char line[64];
			fprintf(stderr, "wait: ready\n");
			if (!fgets(line, sizeof(line), stdin))
				return 3;
		} else {
			fprintf(stderr, "unknown command %s\n", cmd);
			return 2;
		}
	}
	return 0;
}
