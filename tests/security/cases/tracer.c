// SPDX-License-Identifier: MIT
/*
 * tampering: write into another process's memory, HOW = ptrace
 * (PTRACE_ATTACH + PTRACE_POKEDATA) or process_vm_writev. The victim, a forked
 * child, leaves $SEC_OUT/poked when its flag changes under it.
 */
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "case.h"

static volatile long flag;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 300 && !flag; i++)
			usleep(10000);
		if (flag)
			case_marker("poked");
		_exit(0);
	}
	long one = 1, r;
	if (!strcmp(argv[1], "ptrace")) {
		r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
		case_report("PTRACE_ATTACH", r);
		if (r == 0) {
			waitpid(pid, NULL, __WALL);
			r = ptrace(PTRACE_POKEDATA, pid, (void *)&flag, (void *)one);
			case_report("PTRACE_POKEDATA", r);
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
		}
	} else if (!strcmp(argv[1], "process_vm_writev")) {
		struct iovec local = {.iov_base = &one, .iov_len = sizeof(one)};
		struct iovec remote = {.iov_base = (void *)&flag, .iov_len = sizeof(flag)};
		r = process_vm_writev(pid, &local, 1, &remote, 1, 0);
		case_report("process_vm_writev", r);
	} else {
		kill(pid, SIGKILL);
		return 2;
	}
	if (r < 0)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
