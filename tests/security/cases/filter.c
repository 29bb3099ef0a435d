// SPDX-License-Identifier: MIT
/*
 * tampering: stack a seccomp filter that makes every write to fnguard's log
 * descriptor fail, then open the secret, hoping the violation goes unheard.
 * HOW = seccomp (seccomp(2), an inline system call) or prctl (PR_SET_SECCOMP,
 * through libc).
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *fd_env = getenv("FNGUARD_LOG_FD");
	unsigned log_fd = fd_env ? (unsigned)atoi(fd_env) : 1000;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, log_fd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EBADF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	long r;
	if (!strcmp(argv[1], "seccomp"))
		r = case_raw6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0);
	else if (!strcmp(argv[1], "prctl"))
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	else
		return 2;
	case_report(argv[1], r);
	case_leak_path(case_env("SEC_SECRET"), argv[1]);
	return 0;
}
