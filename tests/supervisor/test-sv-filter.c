// SPDX-License-Identifier: MIT
/*
 * The notify filter of `fnguard exec` (tools/supervisor/sv_filter.c), run
 * in user space with bpf_sim: what each system call gets, and the binary
 * search agreeing with the route table on every number.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "bpf_sim.h"
#include "seccomp_filter.h"
#include "supervisor/sv.h"

static struct sock_filter *prog;
static size_t prog_len;

static void setup(void)
{
	cr_assert_eq(sv_table_init(), 0);
	cr_assert_eq(sv_filter_build(&prog, &prog_len), 0);
}

static void teardown(void)
{
	free(prog);
}

static uint32_t run_full(uint32_t arch, int nr, uint64_t a3, uint64_t a4)
{
	struct seccomp_data d = {.nr = nr, .arch = arch};
	uint32_t action = 0;
	d.args[3] = a3;
	d.args[4] = a4;
	cr_assert_eq(bpf_sim_run(prog, prog_len, &d, &action), 0);
	return action;
}

static uint32_t run_nr(int nr)
{
	return run_full(sv_native_arch(), nr, 0, 0);
}

static int nr_of(const char *name)
{
	int nr = seccomp_filter_syscall_number(0, name);
	cr_assert_geq(nr, 0, "%s", name);
	return nr;
}

TestSuite(sv_filter, .init = setup, .fini = teardown);

Test(sv_filter, valid_and_small)
{
	cr_assert_eq(bpf_sim_validate(prog, prog_len), 0);
	/* A binary search: short enough that unnotified calls pay little. */
	cr_assert_lt(prog_len, 400u);
}

Test(sv_filter, foreign_architecture_and_x32_are_killed)
{
	cr_assert_eq(run_full(AUDIT_ARCH_I386, 5, 0, 0), SECCOMP_RET_KILL_PROCESS);
#ifdef __x86_64__
	cr_assert_eq(run_nr(0x40000000 | nr_of("openat")), SECCOMP_RET_KILL_PROCESS);
	cr_assert_eq(run_nr(0x40000000 | nr_of("read")), SECCOMP_RET_KILL_PROCESS);
#endif
}

Test(sv_filter, hot_calls_are_not_notified)
{
	const char *names[] = {"read",	  "write",	 "close",	   "futex",
			       "mmap",	  "epoll_pwait", "fstat",	   "recvfrom",
			       "recvmsg", "getpid",	 "clock_nanosleep"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(run_nr(nr_of(names[i])), SECCOMP_RET_ALLOW, "%s", names[i]);
}

Test(sv_filter, path_and_address_calls_are_notified)
{
	const char *names[] = {
		"openat",    "newfstatat", "statx",	  "faccessat", "readlinkat",
		"mkdirat",   "mknodat",	   "unlinkat",	  "renameat2", "linkat",
		"symlinkat", "fchmodat",   "fchownat",	  "truncate",  "utimensat",
		"getxattr",  "lsetxattr",  "removexattr", "execve",    "execveat",
		"connect",   "bind",	   "listen",	  "sendmsg",   "sendmmsg",
#ifdef __x86_64__
		"open",	     "creat",	   "stat",	  "lstat",     "access",
		"readlink",  "mkdir",	   "rmdir",	  "unlink",    "rename",
		"link",	     "symlink",	   "chmod",	  "chown",     "lchown",
		"utime",     "utimes",	   "futimesat",	  "mknod",
#endif
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(run_nr(nr_of(names[i])), SECCOMP_RET_USER_NOTIF, "%s", names[i]);
	/* Known to the kernel, maybe not to libseccomp: by their shared numbers. */
	cr_assert_eq(run_nr(439), SECCOMP_RET_USER_NOTIF); /* faccessat2 */
	cr_assert_eq(run_nr(452), SECCOMP_RET_USER_NOTIF); /* fchmodat2 */
}

Test(sv_filter, sendto_only_with_a_destination_or_fastopen)
{
	int nr = nr_of("sendto");
	uint32_t native = sv_native_arch();
	cr_assert_eq(run_full(native, nr, 0, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(run_full(native, nr, MSG_DONTWAIT | MSG_NOSIGNAL, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(run_full(native, nr, 0, 0x7ffc12345678ull), SECCOMP_RET_USER_NOTIF);
	/* A pointer whose low half is zero is still a pointer. */
	cr_assert_eq(run_full(native, nr, 0, 0x100000000ull), SECCOMP_RET_USER_NOTIF);
	cr_assert_eq(run_full(native, nr, MSG_FASTOPEN, 0), SECCOMP_RET_USER_NOTIF);
}

Test(sv_filter, credentials_are_pinned)
{
	const char *names[] = {"setuid",    "setgid",	"setreuid", "setregid",	 "setresuid",
			       "setresgid", "setfsuid", "setfsgid", "setgroups", "capset"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(run_nr(nr_of(names[i])), SECCOMP_RET_ERRNO | EPERM, "%s", names[i]);
}

Test(sv_filter, unjudgeable_and_unknown_calls_get_enosys)
{
	const char *names[] = {"name_to_handle_at", "open_by_handle_at", "openat2",
			       "io_uring_setup",    "io_uring_enter",	 "io_uring_register"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(run_nr(nr_of(names[i])), SECCOMP_RET_ERRNO | ENOSYS, "%s", names[i]);
	for (int nr = SV_FIRST_UNKNOWN; nr < 1100; nr += 37)
		cr_assert_eq(run_nr(nr), SECCOMP_RET_ERRNO | ENOSYS, "%d", nr);
	cr_assert_eq(run_nr(SV_FIRST_UNKNOWN), SECCOMP_RET_ERRNO | ENOSYS);
}

/* The search tree against the table, for every number below the unknown ones. */
Test(sv_filter, tree_agrees_with_the_table)
{
	for (int nr = 0; nr < SV_FIRST_UNKNOWN; nr++) {
		uint32_t want;
		switch (sv_table_route(nr)) {
		case SV_ROUTE_NOTIFY:
			want = SECCOMP_RET_USER_NOTIF;
			break;
		case SV_ROUTE_NOTIFY_DEST:
			want = SECCOMP_RET_ALLOW; /* sendto without a destination */
			break;
		case SV_ROUTE_EPERM:
			want = SECCOMP_RET_ERRNO | EPERM;
			break;
		case SV_ROUTE_ENOSYS:
			want = SECCOMP_RET_ERRNO | ENOSYS;
			break;
		default:
			want = SECCOMP_RET_ALLOW;
			break;
		}
		cr_assert_eq(run_nr(nr), want, "nr %d", nr);
		if (sv_table_route(nr) == SV_ROUTE_NOTIFY)
			cr_assert_not_null(sv_table_lookup(nr), "nr %d has no handler", nr);
	}
}
