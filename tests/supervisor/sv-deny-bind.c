// SPDX-License-Identifier: MIT
/*
 * sv-deny-bind — runs a command under a seccomp filter that makes bind(2)
 * fail with EADDRINUSE (no port to be had) and allows everything else: how
 * the request id test sees `fnguard exec` when its Runtime API relay cannot
 * listen.
 *
 * Usage: sv-deny-bind COMMAND [ARG...]
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bind, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EADDRINUSE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};

	if (argc < 2) {
		fprintf(stderr, "usage: sv-deny-bind COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		perror("sv-deny-bind: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("sv-deny-bind: exec");
	return 127;
}
