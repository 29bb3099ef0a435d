// SPDX-License-Identifier: MIT
/*
 * no-seccomp-launcher CMD...: runs CMD under a filter that refuses seccomp(2)
 * and prctl(PR_SET_NO_NEW_PRIVS) with EPERM, as managed Lambda is reported
 * to: the shim's degraded start. Needs CAP_SYS_ADMIN (root) to install a
 * filter without no_new_privs, as a platform would. LAUNCH_OPENAT2_ERRNO=N
 * makes the filter refuse openat2(2) with errno N as well (ENOSYS: kernels
 * before 5.6 and filters that say so; EPERM: a platform's default action).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

int main(int argc, char **argv)
{
	const char *openat2_errno = getenv("LAUNCH_OPENAT2_ERRNO");
	uint32_t openat2_action = openat2_errno ? SECCOMP_RET_ERRNO | (uint32_t)atoi(openat2_errno)
						: SECCOMP_RET_ALLOW;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, openat2_action),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_NO_NEW_PRIVS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	if (argc < 2)
		return 2;
	if (raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "no-seccomp-launcher: %s\n", strerror(errno));
		return 2;
	}
	/* The launcher itself runs without the shim; the program it starts does not. */
	const char *preload = getenv("LAUNCH_PRELOAD");
	if (preload)
		setenv("LD_PRELOAD", preload, 1);
	execv(argv[1], argv + 1);
	fprintf(stderr, "no-seccomp-launcher: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
