// SPDX-License-Identifier: MIT
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "syscall_table.h"
#include "util.h"

/*
 * Groups are sets a profile author allows; the filter is default-deny, so a
 * group that only names calls nobody should make would be noise. Each group
 * lists the legacy x86_64 name and its *at/2/pwait successor side by side,
 * because aarch64 (Graviton Lambda) only has the successor and glibc picks
 * whichever the architecture offers.
 *
 * Nothing here may name a member of @dangerous; the unit test enforces it.
 * Calls that are allowed only with argument checks (seccomp, personality,
 * rt_sigaction on SIGSYS, socket families, clone3/openat2 ENOSYS) are the
 * seccomp compiler's business, not this table's.
 */

static const char *const group_aio[] = {
	"io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_setup", "io_submit", NULL,
};

static const char *const group_basic_io[] = {
	"close",    "close_range", "dup",     "dup2",	"dup3",	   "fcntl",    "lseek",
	"pipe",	    "pipe2",	   "pread64", "preadv", "preadv2", "pwrite64", "pwritev",
	"pwritev2", "read",	   "readv",   "write",	"writev",  NULL,
};

static const char *const group_chown[] = {
	"chown", "fchown", "fchownat", "lchown", NULL,
};

static const char *const group_credentials[] = {
	"capget",    "getegid",	  "geteuid", "getgid", "getgroups",
	"getresgid", "getresuid", "getuid",  NULL,
};

/*
 * Kernel attack surface and ways out of the process or the sandbox: async
 * rings seccomp cannot see into, other processes' memory, kernel code and
 * state, namespaces and mounts, file handles that skip path checks.
 */
static const char *const group_dangerous[] = {
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
	NULL,
};

/*
 * sendfile and copy_file_range are here, not in @network-io: Python's
 * shutil.copyfile and libuv's fs.copyFile move file data with them.
 */
static const char *const group_file_system[] = {
	"access",
	"chdir",
	"chmod",
	"copy_file_range",
	"creat",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fallocate",
	"fchdir",
	"fchmod",
	"fchmodat",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstatfs",
	"ftruncate",
	"futimesat",
	"getcwd",
	"getdents",
	"getdents64",
	"getxattr",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"lgetxattr",
	"link",
	"linkat",
	"listxattr",
	"llistxattr",
	"lremovexattr",
	"lsetxattr",
	"lstat",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"newfstatat",
	"open",
	"openat",
	"openat2",
	"readahead",
	"readlink",
	"readlinkat",
	"removexattr",
	"rename",
	"renameat",
	"renameat2",
	"rmdir",
	"sendfile",
	"setxattr",
	"stat",
	"statfs",
	"statx",
	"symlink",
	"symlinkat",
	"truncate",
	"umask",
	"unlink",
	"unlinkat",
	"utime",
	"utimensat",
	"utimes",
	NULL,
};

static const char *const group_io_event[] = {
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
	"epoll_wait",	"eventfd",	 "eventfd2",  "poll",	     "ppoll",
	"pselect6",	"select",	 NULL,
};

/*
 * memfd_create lives here rather than in @memory: with execveat it runs a
 * binary that never touched the file system, so it must be asked for.
 */
static const char *const group_ipc[] = {
	"memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedsend", "mq_unlink",	 "msgctl",    "msgget",	 "msgrcv",
	"msgsnd",	"semctl",	 "semget",    "semop",	 "semtimedop",
	"shmat",	"shmctl",	 "shmdt",     "shmget",	 "splice",
	"tee",		"vmsplice",	 NULL,
};

/*
 * Grounded, not remembered: the union of the system calls made by the
 * workloads below, minus @dangerous, then widened to whole groups so that
 * aarch64 successors and neighbouring calls of the same kind come along.
 * Reproduce with (x86_64, Debian 12, glibc 2.36):
 *   PY=$(python3 -c 'import sys; print(sys.executable)')   # not the pyenv shim
 *   strace -f -qq -o py.trace   -e trace=all "$PY" py_work.py
 *   strace -f -qq -o node.trace -e trace=all node node_work.js
 *   strace -f -qq -o sh.trace   -e trace=all /bin/sh -c \
 *     'printf "b\na\nc\n" | sort | tr a-z A-Z | head -n 2 > out.txt; cat out.txt | wc -l; ls .'
 *   strace -f -qq -o java.trace -e trace=all java -version
 *   sed -nE 's|^[0-9]+ +(<\.\.\. )?([a-z_0-9]+)[( ].*|\2|p' *.trace | sort -u
 * py_work.py imports json/urllib/subprocess/socket, serves HTTP on loopback
 * from a thread and fetches from it, resolves localhost, writes, copies,
 * renames, lists and deletes files, and runs /bin/echo. node_work.js does the
 * same with fs, child_process, http and dns.lookup('localhost'). The 89 names
 * seen are listed in tests/unit/test-syscall-table.c, which checks that this
 * group still covers them; docs/syscall-groups.md has the scripts.
 */
static const char *const group_lambda_runtime[] = {
	"@basic-io",
	"@credentials",
	"@file-system",
	"@io-event",
	"@memory",
	"@network-io",
	"@process",
	"@resources",
	"@signal",
	"@sync",
	"@system-info",
	"@threads",
	"@time",
	/* Terminal probes (isatty) and FIONBIO/FIOCLEX on sockets. */
	"ioctl",
	NULL,
};

static const char *const group_memory[] = {
	"brk",	      "madvise",   "mincore",	    "mlock",   "mlock2",     "mlockall",
	"mmap",	      "mprotect",  "mremap",	    "munlock", "munlockall", "munmap",
	"pkey_alloc", "pkey_free", "pkey_mprotect", NULL,
};

static const char *const group_network_io[] = {
	"accept",      "accept4",    "bind",	   "connect",  "getpeername",
	"getsockname", "getsockopt", "listen",	   "recvfrom", "recvmmsg",
	"recvmsg",     "sendmmsg",   "sendmsg",	   "sendto",   "setsockopt",
	"shutdown",    "socket",     "socketpair", NULL,
};

/* execveat is left out: with a memfd it is fileless execution. */
static const char *const group_process[] = {
	"arch_prctl", "clone",	 "clone3", "execve",  "exit",	"exit_group", "fork",
	"getpgid",    "getpgrp", "getpid", "getppid", "getsid", "gettid",     "pidfd_open",
	"prctl",      "setpgid", "setsid", "vfork",   "wait4",	"waitid",     NULL,
};

static const char *const group_resources[] = {
	"get_mempolicy",
	"getpriority",
	"getrlimit",
	"getrusage",
	"ioprio_get",
	"ioprio_set",
	"mbind",
	"prlimit64",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"set_mempolicy",
	"setpriority",
	"setrlimit",
	NULL,
};

static const char *const group_setuid[] = {
	"capset",    "setfsgid",  "setfsuid", "setgid", "setgroups", "setregid",
	"setresgid", "setresuid", "setreuid", "setuid", NULL,
};

static const char *const group_signal[] = {
	"kill",
	"pause",
	"pidfd_send_signal",
	"restart_syscall",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_tgsigqueueinfo",
	"sigaltstack",
	"signalfd",
	"signalfd4",
	"tgkill",
	"tkill",
	NULL,
};

static const char *const group_sync[] = {
	"fdatasync", "fsync", "msync", "sync", "sync_file_range", "syncfs", NULL,
};

static const char *const group_system_info[] = {
	"getcpu", "getrandom", "sysinfo", "uname", NULL,
};

static const char *const group_threads[] = {
	"futex", "membarrier", "rseq", "sched_yield", "set_robust_list", "set_tid_address", NULL,
};

/* time/gettimeofday/clock_gettime normally go through the vDSO but fall back here. */
static const char *const group_time[] = {
	"alarm",
	"clock_getres",
	"clock_gettime",
	"clock_nanosleep",
	"getitimer",
	"gettimeofday",
	"nanosleep",
	"setitimer",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_settime",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_settime",
	"times",
	NULL,
};

/* Sorted by name (strcmp): syscall_group_find() bisects it. */
static const struct syscall_group groups[] = {
	{"@aio", "Linux native asynchronous I/O (io_uring is in @dangerous)", group_aio},
	{"@basic-io", "Read, write, seek and close file descriptors, duplicate them, make pipes",
	 group_basic_io},
	{"@chown", "Change the owner and group of files", group_chown},
	{"@credentials", "Query user and group IDs and capabilities (not change them)",
	 group_credentials},
	{"@dangerous",
	 "Always denied unless named under \"unsafe\": io_uring, ptrace, other processes' memory, bpf, perf, kernel modules, kexec, mounts, namespaces, keyrings and other kernel attack surface",
	 group_dangerous},
	{"@file-system",
	 "Open, stat, create, rename, link, remove, copy and watch files and directories; permissions and extended attributes",
	 group_file_system},
	{"@io-event", "Wait for events on file descriptors: poll, select, epoll, eventfd",
	 group_io_event},
	{"@ipc",
	 "System V and POSIX message queues, semaphores and shared memory, memfd, pipe splicing",
	 group_ipc},
	{"@lambda-runtime",
	 "What the Python, Node.js, Java and shell runtimes of a Lambda function use (measured with strace)",
	 group_lambda_runtime},
	{"@memory", "Map, protect, advise and lock memory of the calling process", group_memory},
	{"@network-io", "Create, connect, accept and use sockets; socket options and addresses",
	 group_network_io},
	{"@process", "Create, run, wait for and identify processes; process groups and sessions",
	 group_process},
	{"@resources",
	 "Query and adjust resource limits, usage, priorities, CPU affinity and memory placement",
	 group_resources},
	{"@setuid", "Change user and group IDs and capabilities", group_setuid},
	{"@signal", "Send, handle, block and wait for signals", group_signal},
	{"@sync", "Flush file data and metadata to storage", group_sync},
	{"@system-info", "Read kernel, host and CPU information and random bytes",
	 group_system_info},
	{"@threads", "Thread bookkeeping: futexes, robust lists, rseq, yielding, memory barriers",
	 group_threads},
	{"@time", "Read clocks, sleep, and arm timers and interval alarms", group_time},
};

/* Deep enough for the table; a bound rather than trust, should a cycle slip in. */
#define GROUP_NESTING_MAX 8

const struct syscall_group *syscall_groups(size_t *ret_n)
{
	if (ret_n)
		*ret_n = ELEMENTSOF(groups);
	return groups;
}

static int group_compare(const void *key, const void *element)
{
	const struct syscall_group *group = element;

	return strcmp(key, group->name);
}

const struct syscall_group *syscall_group_find(const char *name)
{
	if (!name || name[0] != '@')
		return NULL;
	return bsearch(name, groups, ELEMENTSOF(groups), sizeof(groups[0]), group_compare);
}

bool syscall_name_known(const char *name)
{
	/*
	 * libseccomp resolves names through a perfect hash, so two lookups
	 * are cheap. Negative numbers are libseccomp's placeholders for calls
	 * an architecture lacks (or multiplexes, like socketcall on i386).
	 */
	if (!name || !name[0] || name[0] == '@')
		return false;
	if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) >= 0)
		return true;
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, name) >= 0;
}

static int group_expand(const struct syscall_group *group, unsigned depth,
			int (*fn)(const char *name, void *userdata), void *userdata)
{
	if (depth >= GROUP_NESTING_MAX)
		return -ELOOP;

	for (const char *const *m = group->members; *m; m++) {
		int r;

		if ((*m)[0] == '@') {
			const struct syscall_group *nested = syscall_group_find(*m);

			if (!nested)
				return -ENOENT;
			r = group_expand(nested, depth + 1, fn, userdata);
		} else {
			r = fn(*m, userdata);
		}
		if (r != 0)
			return r;
	}
	return 0;
}

int syscall_group_expand(const char *group, int (*fn)(const char *name, void *userdata),
			 void *userdata)
{
	const struct syscall_group *g;

	if (!fn)
		return -EINVAL;
	g = syscall_group_find(group);
	if (!g)
		return -ENOENT;
	return group_expand(g, 0, fn, userdata);
}

const char *const *syscall_dangerous_set(void)
{
	return group_dangerous;
}

static const uint32_t refused_ioctls[] = {TIOCSTI, TIOCLINUX};
static const char *const refused_ioctl_names[] = {"TIOCSTI", "TIOCLINUX"};

const char *syscall_refused_ioctl(uint32_t request)
{
	for (size_t i = 0; i < ELEMENTSOF(refused_ioctls); i++)
		if (request == refused_ioctls[i])
			return refused_ioctl_names[i];
	return NULL;
}

const uint32_t *syscall_refused_ioctls(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(refused_ioctls);
	return refused_ioctls;
}
