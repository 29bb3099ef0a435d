// SPDX-License-Identifier: MIT
/*
 * landlock-launcher CMD...: runs CMD under a filter that makes
 * landlock_create_ruleset(2) fail with ENOSYS, as on a kernel without
 * Landlock (Linux < 5.13, or managed Lambda): the shim's start without the
 * Landlock layer. LAUNCH_ERRNO=N picks another errno; LAUNCH_PRELOAD is
 * put into LD_PRELOAD for CMD only. Needs CAP_SYS_ADMIN (root) to install a
 * filter without no_new_privs, as a platform would.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

int main(int argc, char **argv)
{
	const char *e = getenv("LAUNCH_ERRNO");
	unsigned err = e ? (unsigned)atoi(e) : ENOSYS;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_landlock_create_ruleset, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	if (argc < 2)
		return 2;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "landlock-launcher: %s\n", strerror(errno));
		return 2;
	}
	const char *preload = getenv("LAUNCH_PRELOAD");
	if (preload)
		setenv("LD_PRELOAD", preload, 1);
	execv(argv[1], argv + 1);
	fprintf(stderr, "landlock-launcher: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
