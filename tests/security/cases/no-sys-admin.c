// SPDX-License-Identifier: MIT
/*
 * no-sys-admin CMD...: runs CMD without CAP_SYS_ADMIN, with LD_PRELOAD set to
 * $SEC_LAUNCH_PRELOAD. Started by tests/integration's no-seccomp-launcher,
 * it completes the managed-Lambda environment: the platform refuses
 * no_new_privs and seccomp(2), and the function has no CAP_SYS_ADMIN, so it
 * can install neither a seccomp filter nor a Landlock ruleset (both need one
 * or the other). Running as root keeps every other capability: the worst
 * case for what the kernel alone would stop.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	const unsigned idx = CAP_SYS_ADMIN / 32, bit = 1u << (CAP_SYS_ADMIN % 32);

	if (argc < 2)
		return 2;
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0 ||
	    syscall(SYS_capget, &head, data) < 0) {
		fprintf(stderr, "no-sys-admin: %s\n", strerror(errno));
		return 2;
	}
	data[idx].effective &= ~bit;
	data[idx].permitted &= ~bit;
	data[idx].inheritable &= ~bit;
	if (syscall(SYS_capset, &head, data) < 0) {
		fprintf(stderr, "no-sys-admin: capset: %s\n", strerror(errno));
		return 2;
	}
	const char *preload = getenv("SEC_LAUNCH_PRELOAD");
	if (preload)
		setenv("LD_PRELOAD", preload, 1);
	unsetenv("SEC_LAUNCH_PRELOAD");
	execv(argv[1], argv + 1);
	fprintf(stderr, "no-sys-admin: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
