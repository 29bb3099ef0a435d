// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>

#include "syscall_table.h"
#include "util.h"

/*
 * What the strace workloads in docs/syscall-groups.md made on x86_64
 * (python3 real binary, node, /bin/sh pipeline, java -version). If a
 * re-measurement finds more, add the names here and to the groups.
 */
static const char *const observed_lambda_syscalls[] = {
	"accept4",
	"access",
	"arch_prctl",
	"bind",
	"brk",
	"capget",
	"clock_getres",
	"clock_nanosleep",
	"clone",
	"clone3",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"dup2",
	"epoll_create1",
	"epoll_ctl",
	"epoll_pwait",
	"eventfd2",
	"execve",
	"exit",
	"exit_group",
	"fadvise64",
	"fchdir",
	"fchmod",
	"fcntl",
	"flock",
	"fstat",
	"ftruncate",
	"futex",
	"getcwd",
	"getdents64",
	"getegid",
	"geteuid",
	"getgid",
	"getpeername",
	"getpid",
	"getppid",
	"getrandom",
	"getrusage",
	"getsockname",
	"getsockopt",
	"gettid",
	"getuid",
	"ioctl",
	"listen",
	"lseek",
	"madvise",
	"mkdir",
	"mmap",
	"mprotect",
	"munmap",
	"newfstatat",
	"openat",
	"pipe2",
	"pkey_alloc",
	"poll",
	"prctl",
	"pread64",
	"prlimit64",
	"read",
	"readlink",
	"recvfrom",
	"rename",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"sched_getaffinity",
	"sched_yield",
	"sendfile",
	"sendto",
	"set_robust_list",
	"set_tid_address",
	"setsockopt",
	"shutdown",
	"socket",
	"socketpair",
	"statfs",
	"statx",
	"sysinfo",
	"uname",
	"unlink",
	"unlinkat",
	"vfork",
	"wait4",
	"write",
	"writev",
};

/* The fixed deny set, spelled out independently of the table. */
static const char *const expected_dangerous[] = {
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"pidfd_getfd",
	"kcmp",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"open_by_handle_at",
	"name_to_handle_at",
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"mount",
	"umount2",
	"mount_setattr",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"pivot_root",
	"swapon",
	"swapoff",
	"reboot",
	"acct",
	"quotactl",
	"setns",
	"unshare",
	"iopl",
	"ioperm",
	"lookup_dcookie",
	"add_key",
	"request_key",
	"keyctl",
	"syslog",
	"vhangup",
	"nfsservctl",
	"chroot",
};

/* Handled by argument rules in the seccomp compiler, never listed in @dangerous. */
static const char *const argument_ruled[] = {"seccomp", "personality", "rt_sigaction"};

/*
 * x86_64-only names and the call glibc uses instead on aarch64. A group
 * that lists the former must list the latter too, or the same profile
 * breaks on Graviton. An empty successor means aarch64 needs nothing.
 */
static const struct {
	const char *legacy;
	const char *successor;
} aarch64_successors[] = {
	{"access", "faccessat"},
	{"alarm", "setitimer"},
	{"arch_prctl", ""},
	{"chmod", "fchmodat"},
	{"chown", "fchownat"},
	{"creat", "openat"},
	{"dup2", "dup3"},
	{"epoll_create", "epoll_create1"},
	{"epoll_wait", "epoll_pwait"},
	{"eventfd", "eventfd2"},
	{"fork", "clone"},
	{"futimesat", "utimensat"},
	{"getdents", "getdents64"},
	{"getpgrp", "getpgid"},
	{"inotify_init", "inotify_init1"},
	{"ioperm", ""},
	{"iopl", ""},
	{"lchown", "fchownat"},
	{"link", "linkat"},
	{"lstat", "newfstatat"},
	{"mkdir", "mkdirat"},
	{"mknod", "mknodat"},
	{"open", "openat"},
	{"pause", "rt_sigsuspend"},
	{"pipe", "pipe2"},
	{"poll", "ppoll"},
	{"readlink", "readlinkat"},
	{"rename", "renameat"},
	{"rmdir", "unlinkat"},
	{"select", "pselect6"},
	{"signalfd", "signalfd4"},
	{"stat", "newfstatat"},
	{"symlink", "symlinkat"},
	{"time", "clock_gettime"},
	{"unlink", "unlinkat"},
	{"utime", "utimensat"},
	{"utimes", "utimensat"},
	{"vfork", "clone"},
};

static bool list_contains(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static size_t members_count(const char *const *members)
{
	size_t n = 0;

	while (members[n])
		n++;
	return n;
}

/* Collects an expansion into a fixed array; big enough for any group. */
struct name_set {
	const char *names[1024];
	size_t n;
	size_t calls;
};

static int collect(const char *name, void *userdata)
{
	struct name_set *set = userdata;

	set->calls++;
	if (set->n >= ELEMENTSOF(set->names))
		return -ENOSPC;
	set->names[set->n++] = name;
	return 0;
}

static void expand_into(const char *group, struct name_set *set)
{
	memset(set, 0, sizeof(*set));
	cr_assert_eq(syscall_group_expand(group, collect, set), 0, "expanding %s", group);
}

Test(syscall_table, sorted_and_unique_names)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	cr_assert_gt(n, 8);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(strcmp(g[i - 1].name, g[i].name), 0, "%s must sort before %s",
			     g[i - 1].name, g[i].name);
}

Test(syscall_table, names_help_and_members_well_formed)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(g[i].name[0], '@', "%s", g[i].name);
		cr_assert_gt(strlen(g[i].name), 1);
		for (const char *c = g[i].name + 1; *c; c++)
			cr_assert((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-',
				  "bad character in group name %s", g[i].name);
		cr_assert_not_null(g[i].help, "%s", g[i].name);
		cr_assert_gt(strlen(g[i].help), 10, "help of %s is too short", g[i].name);
		cr_assert_null(strchr(g[i].help, '\n'), "help of %s must be one line", g[i].name);
		cr_assert_not_null(g[i].members, "%s", g[i].name);
		cr_assert_gt(members_count(g[i].members), 0, "%s has no members", g[i].name);
		for (const char *const *m = g[i].members; *m; m++) {
			const char *c = (*m)[0] == '@' ? *m + 1 : *m;

			cr_assert_gt(strlen(c), 0, "empty member in %s", g[i].name);
			for (; *c; c++)
				cr_assert((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
						  *c == '_' || ((*m)[0] == '@' && *c == '-'),
					  "bad character in %s member %s", g[i].name, *m);
		}
	}
}

Test(syscall_table, no_duplicate_member_within_group)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++)
		for (const char *const *a = g[i].members; *a; a++)
			for (const char *const *b = a + 1; *b; b++)
				cr_assert_str_neq(*a, *b, "%s lists %s twice", g[i].name, *a);
}

Test(syscall_table, nested_groups_exist)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++)
		for (const char *const *m = g[i].members; *m; m++)
			if ((*m)[0] == '@')
				cr_assert_not_null(syscall_group_find(*m), "%s names unknown %s",
						   g[i].name, *m);
}

enum visit {
	UNSEEN,
	ON_PATH,
	DONE,
};

static bool has_cycle_from(const struct syscall_group *table, size_t n, size_t at,
			   enum visit *state)
{
	if (state[at] == ON_PATH)
		return true;
	if (state[at] == DONE)
		return false;
	state[at] = ON_PATH;
	for (const char *const *m = table[at].members; *m; m++) {
		const struct syscall_group *nested;

		if ((*m)[0] != '@')
			continue;
		nested = syscall_group_find(*m);
		cr_assert_not_null(nested);
		if (has_cycle_from(table, n, (size_t)(nested - table), state))
			return true;
	}
	state[at] = DONE;
	return false;
}

Test(syscall_table, no_cycles)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);
	enum visit state[64] = {UNSEEN};

	cr_assert_leq(n, ELEMENTSOF(state));
	for (size_t i = 0; i < n; i++)
		cr_assert_not(has_cycle_from(g, n, i, state), "cycle through %s", g[i].name);
}

Test(syscall_table, every_name_resolves_on_both_arches)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++)
		for (const char *const *m = g[i].members; *m; m++) {
			int x86, arm;

			if ((*m)[0] == '@')
				continue;
			x86 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, *m);
			arm = seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, *m);
			cr_assert_neq(x86, __NR_SCMP_ERROR, "%s: %s unknown on x86_64", g[i].name,
				      *m);
			cr_assert_neq(arm, __NR_SCMP_ERROR, "%s: %s unknown on aarch64", g[i].name,
				      *m);
			/* A pseudo number on aarch64 is fine only for a real x86_64 call. */
			cr_assert(x86 >= 0 || arm >= 0, "%s: %s is a real call nowhere", g[i].name,
				  *m);
			if (arm < 0)
				cr_assert_geq(x86, 0, "%s: %s", g[i].name, *m);
			cr_assert(syscall_name_known(*m), "%s: %s", g[i].name, *m);
		}
}

Test(syscall_table, aarch64_successor_listed_next_to_legacy_name)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++) {
		struct name_set set;

		expand_into(g[i].name, &set);
		for (size_t k = 0; k < set.n; k++) {
			const char *successor = NULL;

			if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, set.names[k]) >= 0)
				continue;
			for (size_t s = 0; s < ELEMENTSOF(aarch64_successors); s++)
				if (strcmp(aarch64_successors[s].legacy, set.names[k]) == 0)
					successor = aarch64_successors[s].successor;
			cr_assert_not_null(successor,
					   "%s: %s has no aarch64 number; add its successor to "
					   "the group and to aarch64_successors",
					   g[i].name, set.names[k]);
			if (successor[0])
				cr_assert(list_contains(set.names, set.n, successor),
					  "%s lists %s but not its aarch64 successor %s", g[i].name,
					  set.names[k], successor);
		}
	}
}

Test(syscall_table, dangerous_is_exactly_the_fixed_set)
{
	const char *const *set = syscall_dangerous_set();
	const struct syscall_group *g = syscall_group_find("@dangerous");
	size_t n;

	cr_assert_not_null(g);
	cr_assert_eq(set, g->members, "syscall_dangerous_set() must be @dangerous' members");
	n = members_count(set);
	cr_assert_eq(n, ELEMENTSOF(expected_dangerous), "@dangerous has %zu members, want %zu", n,
		     ELEMENTSOF(expected_dangerous));
	for (size_t i = 0; i < ELEMENTSOF(expected_dangerous); i++)
		cr_assert(list_contains(set, n, expected_dangerous[i]), "@dangerous lacks %s",
			  expected_dangerous[i]);
	for (size_t i = 0; i < n; i++)
		cr_assert_neq(set[i][0], '@', "@dangerous must list calls, not groups");
	for (size_t i = 0; i < ELEMENTSOF(argument_ruled); i++)
		cr_assert_not(list_contains(set, n, argument_ruled[i]),
			      "%s must not be in @dangerous", argument_ruled[i]);
}

Test(syscall_table, no_other_group_reaches_a_dangerous_call)
{
	const char *const *dangerous = syscall_dangerous_set();
	size_t n_dangerous = members_count(dangerous);
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++) {
		struct name_set set;

		if (strcmp(g[i].name, "@dangerous") == 0)
			continue;
		for (const char *const *m = g[i].members; *m; m++)
			cr_assert_str_neq(*m, "@dangerous", "%s includes @dangerous", g[i].name);
		expand_into(g[i].name, &set);
		for (size_t k = 0; k < set.n; k++)
			cr_assert_not(list_contains(dangerous, n_dangerous, set.names[k]),
				      "%s reaches dangerous %s", g[i].name, set.names[k]);
	}
}

Test(syscall_table, lambda_runtime_covers_the_measured_workloads)
{
	const char *const *dangerous = syscall_dangerous_set();
	size_t n_dangerous = members_count(dangerous);
	struct name_set set;

	expand_into("@lambda-runtime", &set);
	for (size_t i = 0; i < ELEMENTSOF(observed_lambda_syscalls); i++) {
		const char *name = observed_lambda_syscalls[i];

		if (list_contains(dangerous, n_dangerous, name))
			continue;
		cr_assert(list_contains(set.names, set.n, name), "@lambda-runtime lacks %s", name);
	}
}

Test(syscall_table, lambda_runtime_keeps_fileless_exec_out)
{
	struct name_set set;

	expand_into("@lambda-runtime", &set);
	cr_assert_not(list_contains(set.names, set.n, "memfd_create"));
	cr_assert_not(list_contains(set.names, set.n, "execveat"));
	cr_assert_not(list_contains(set.names, set.n, "seccomp"));
	cr_assert_not(list_contains(set.names, set.n, "personality"));
}

Test(syscall_table, find_every_group_by_name)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++) {
		char copy[64];

		/* A copy, so the lookup compares strings and not pointers. */
		cr_assert_lt(strlen(g[i].name), sizeof(copy));
		strcpy(copy, g[i].name);
		cr_assert_eq(syscall_group_find(copy), &g[i], "%s", g[i].name);
	}
}

Test(syscall_table, find_rejects_unknown_names)
{
	static const char *const unknown[] = {
		"",	     "@",     "@@",	   "basic-io", "@Basic-io", "@basic-io ",
		"@basic",    "@file", "@a",	   "@zzz",     "@aio-x",    "@lambda-runtime2",
		"@dangerou", "read",  "@timezone",
	};

	cr_assert_null(syscall_group_find(NULL));
	for (size_t i = 0; i < ELEMENTSOF(unknown); i++)
		cr_assert_null(syscall_group_find(unknown[i]), "'%s'", unknown[i]);
}

Test(syscall_table, syscall_name_known_accepts_real_calls)
{
	/* open/stat/arch_prctl are x86_64 only, renameat real on both. */
	static const char *const known[] = {
		"read",	  "openat",	    "open",    "stat",	      "arch_prctl", "renameat",
		"clone3", "io_uring_setup", "seccomp", "personality", "iopl",
	};

	for (size_t i = 0; i < ELEMENTSOF(known); i++)
		cr_assert(syscall_name_known(known[i]), "%s", known[i]);
}

Test(syscall_table, syscall_name_known_rejects_the_rest)
{
	/* socketcall/_llseek/stat64 exist only on 32-bit arches: pseudo on both. */
	static const char *const bogus[] = {
		"",  "opne",	   "READ",    "read ",	" read", "@basic-io", "@dangerous", "42",
		"0", "socketcall", "_llseek", "stat64", "ipc",	 "read\n",    "umount",
	};

	cr_assert_not(syscall_name_known(NULL));
	for (size_t i = 0; i < ELEMENTSOF(bogus); i++)
		cr_assert_not(syscall_name_known(bogus[i]), "'%s'", bogus[i]);
}

/* Counts leaves straight from the table, independent of syscall_group_expand. */
static size_t leaf_count(const char *group)
{
	const struct syscall_group *g = syscall_group_find(group);
	size_t n = 0;

	cr_assert_not_null(g, "%s", group);
	for (const char *const *m = g->members; *m; m++)
		n += (*m)[0] == '@' ? leaf_count(*m) : 1;
	return n;
}

Test(syscall_table, expand_reports_every_leaf_in_order)
{
	size_t n = 0;
	const struct syscall_group *g = syscall_groups(&n);

	for (size_t i = 0; i < n; i++) {
		struct name_set set;

		expand_into(g[i].name, &set);
		cr_assert_eq(set.n, leaf_count(g[i].name), "%s", g[i].name);
		for (size_t k = 0; k < set.n; k++)
			cr_assert_neq(set.names[k][0], '@', "%s expanded to %s", g[i].name,
				      set.names[k]);
	}

	/* A flat group comes out in table order. */
	{
		const struct syscall_group *basic = syscall_group_find("@basic-io");
		struct name_set set;

		expand_into("@basic-io", &set);
		cr_assert_eq(set.n, members_count(basic->members));
		for (size_t k = 0; k < set.n; k++)
			cr_assert_eq(set.names[k], basic->members[k]);
	}
}

Test(syscall_table, expand_lambda_runtime_includes_nested_leaves)
{
	struct name_set set;

	expand_into("@lambda-runtime", &set);
	/* One from each of a few nested groups, and the group's own ioctl. */
	cr_assert(list_contains(set.names, set.n, "read"));
	cr_assert(list_contains(set.names, set.n, "openat"));
	cr_assert(list_contains(set.names, set.n, "connect"));
	cr_assert(list_contains(set.names, set.n, "futex"));
	cr_assert(list_contains(set.names, set.n, "clock_gettime"));
	cr_assert(list_contains(set.names, set.n, "ioctl"));
	cr_assert_not(list_contains(set.names, set.n, "shmget"), "@ipc is not in @lambda-runtime");
	cr_assert_not(list_contains(set.names, set.n, "setuid"));
}

static int stop_after_three(const char *name, void *userdata)
{
	size_t *calls = userdata;

	(void)name;
	return ++*calls == 3 ? 42 : 0;
}

Test(syscall_table, expand_stops_at_first_nonzero_return)
{
	size_t calls = 0;

	cr_assert_eq(syscall_group_expand("@lambda-runtime", stop_after_three, &calls), 42);
	cr_assert_eq(calls, 3);
	calls = 0;
	cr_assert_eq(syscall_group_expand("@dangerous", stop_after_three, &calls), 42);
	cr_assert_eq(calls, 3);
}

Test(syscall_table, expand_rejects_unknown_group_and_missing_callback)
{
	size_t calls = 0;

	cr_assert_eq(syscall_group_expand("@nope", stop_after_three, &calls), -ENOENT);
	cr_assert_eq(syscall_group_expand("read", stop_after_three, &calls), -ENOENT);
	cr_assert_eq(syscall_group_expand("", stop_after_three, &calls), -ENOENT);
	cr_assert_eq(syscall_group_expand(NULL, stop_after_three, &calls), -ENOENT);
	cr_assert_eq(calls, 0);
	cr_assert_eq(syscall_group_expand("@basic-io", NULL, NULL), -EINVAL);
}

Test(syscall_table, groups_accepts_null_count)
{
	size_t n = 0;

	cr_assert_eq(syscall_groups(NULL), syscall_groups(&n));
	cr_assert_gt(n, 0);
}
