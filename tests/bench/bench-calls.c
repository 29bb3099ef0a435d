// SPDX-License-Identifier: MIT
/*
 * bench-calls OP TARGET [N]: the cost of one call, N times in a loop, printed
 * as "<cpu ns per call> <wall ns per call>". Run it bare and under the shim,
 * side by side (tools/bench.sh): the difference is what fnguard adds to an
 * allowed call. CPU time is the process's own plus that of the children it
 * reaped (execve), so that work moved into a child is not lost.
 *
 *   open-close PATH     open(PATH, O_RDONLY) + close
 *   stat PATH           stat(PATH)
 *   access PATH         access(PATH, R_OK)
 *   connect HOST:PORT   connect() of one UDP socket to an IPv4 address, again
 *                       and again (no packet is sent, no listener needed); a
 *                       HOST that is no address is resolved once first, with
 *                       getaddrinfo, as a program does before it connects
 *   getaddrinfo NAME    getaddrinfo(NAME, "443") + freeaddrinfo
 *   execve PATH         fork, execve(PATH) in the child, waitpid
 *   getpid -            the getpid system call made with the instruction itself
 *                       (raw_syscall.h; libc's syscall() is the shim's): the shim
 *                       never sees it; only the seccomp filter does
 *   personality -       the personality(0xffffffff) system call, raw: the query, which
 *                       the filter allows by its argument (not cacheable)
 *   trap same|distinct  afs_syscall, raw: a system call no profile lists, which the
 *                       kernel does not implement (ENOSYS bare); under the filter it
 *                       traps, and the shim's handler logs it and returns EPERM.
 *                       "same": the same arguments every time (after a burst the
 *                       rate limiter counts instead of writing); "distinct": the
 *                       call number as first argument, so every call writes its
 *                       JSON line
 *
 * A warm-up of N/10 calls runs first, untimed. Exit status 1 when a call
 * fails (the benchmark measured something else than an allowed call).
 *
 * --allow-all-filter installs a one-instruction seccomp filter that allows
 * everything before the loop: what any filter costs on this kernel (the
 * syscall slow path), the floor under fnguard's filter.
 *
 * --trap-floor installs a filter that traps afs_syscall (and allows the rest)
 * with a SIGSYS handler that only makes the call return EPERM: what the
 * kernel's trap and signal round trip cost on this machine, the floor under
 * fnguard's handler (which also writes the call's JSON line).
 *
 * --landlock-floor restricts the process with a Landlock domain that handles
 * every file right the kernel knows and grants them all beneath "/": what
 * any Landlock domain costs a file operation on this kernel (its walk from
 * the file to the root), the floor under fnguard's Landlock layer.
 */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <ucontext.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "raw_syscall.h"

extern char **environ;

enum op {
	OP_OPEN_CLOSE,
	OP_STAT,
	OP_ACCESS,
	OP_CONNECT,
	OP_GETADDRINFO,
	OP_EXECVE,
	OP_GETPID,
	OP_PERSONALITY,
	OP_TRAP,
	OP_COUNT,
};

static const char *const op_names[OP_COUNT] = {
	[OP_OPEN_CLOSE] = "open-close",
	[OP_STAT] = "stat",
	[OP_ACCESS] = "access",
	[OP_CONNECT] = "connect",
	[OP_GETADDRINFO] = "getaddrinfo",
	[OP_EXECVE] = "execve",
	[OP_GETPID] = "getpid",
	[OP_PERSONALITY] = "personality",
	[OP_TRAP] = "trap",
};

struct bench {
	enum op op;
	const char *name;
	const char *target;
	int udp_fd;
	struct sockaddr_in addr;
	bool distinct; /* trap: a new first argument each call */
};

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double children_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

static double cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID) + children_cpu_ns();
}

static int fail(const struct bench *b, const char *what, int err)
{
	fprintf(stderr, "bench-calls: %s %s: %s: %s\n", b->name, b->target, what, strerror(err));
	return -1;
}

static int run_execve(const struct bench *b)
{
	char *argv[] = {(char *)b->target, NULL};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return fail(b, "fork", errno);
	if (pid == 0) {
		execve(b->target, argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail(b, "waitpid", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(b, "the child failed", WIFEXITED(status) ? EACCES : EINTR);
	return 0;
}

static int run_getaddrinfo(const struct bench *b)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	int r = getaddrinfo(b->target, "443", &hints, &res);

	if (r != 0) {
		fprintf(stderr, "bench-calls: getaddrinfo %s: %s\n", b->target, gai_strerror(r));
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

static int run_trap(const struct bench *b)
{
#ifdef SYS_afs_syscall
	static unsigned long n;
	long r = raw_syscall(SYS_afs_syscall, b->distinct ? ++n : 0UL);

	/* Bare: the kernel has no such call. Under the filter: trapped, refused. */
	if (r != -1 || (errno != ENOSYS && errno != EPERM))
		return fail(b, "afs_syscall", r == -1 ? errno : EINVAL);
	return 0;
#else
	return fail(b, "afs_syscall", ENOSYS);
#endif
}

/* One call of the benchmark's operation; 0 or -1 (reported). */
static int run_once(const struct bench *b)
{
	struct stat st;
	int fd;

	switch (b->op) {
	case OP_OPEN_CLOSE:
		fd = open(b->target, O_RDONLY);
		if (fd < 0)
			return fail(b, "open", errno);
		close(fd);
		return 0;
	case OP_STAT:
		return stat(b->target, &st) < 0 ? fail(b, "stat", errno) : 0;
	case OP_ACCESS:
		return access(b->target, R_OK) < 0 ? fail(b, "access", errno) : 0;
	case OP_CONNECT:
		if (connect(b->udp_fd, (const struct sockaddr *)&b->addr, sizeof(b->addr)) < 0)
			return fail(b, "connect", errno);
		return 0;
	case OP_GETADDRINFO:
		return run_getaddrinfo(b);
	case OP_EXECVE:
		return run_execve(b);
	case OP_GETPID:
		raw_syscall(SYS_getpid);
		return 0;
	case OP_PERSONALITY:
		return raw_syscall(SYS_personality, 0xffffffffUL) < 0
			       ? fail(b, "personality", errno)
			       : 0;
	case OP_TRAP:
		return run_trap(b);
	case OP_COUNT:
		break;
	}
	return -1;
}

/* The first IPv4 address getaddrinfo gives name, into b->addr (its port kept). */
static int resolve_ipv4(struct bench *b, const char *name)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
	int err = getaddrinfo(name, NULL, &hints, &res);

	if (err) {
		fprintf(stderr, "bench-calls: connect: '%s': %s\n", name, gai_strerror(err));
		return -1;
	}
	b->addr.sin_addr = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static int setup(struct bench *b)
{
	char ip[64];
	const char *colon;
	int i;

	for (i = 0; i < OP_COUNT; i++)
		if (!strcmp(b->name, op_names[i]))
			break;
	if (i == OP_COUNT) {
		fprintf(stderr, "bench-calls: unknown operation '%s'\n", b->name);
		return -1;
	}
	b->op = (enum op)i;
	if (b->op == OP_TRAP) {
		b->distinct = !strcmp(b->target, "distinct");
		if (!b->distinct && strcmp(b->target, "same") != 0) {
			fprintf(stderr, "bench-calls: trap wants same or distinct\n");
			return -1;
		}
		return 0;
	}
	if (b->op != OP_CONNECT)
		return 0;
	colon = strrchr(b->target, ':');
	if (!colon || (size_t)(colon - b->target) >= sizeof(ip)) {
		fprintf(stderr, "bench-calls: connect wants HOST:PORT, not '%s'\n", b->target);
		return -1;
	}
	memcpy(ip, b->target, (size_t)(colon - b->target));
	ip[colon - b->target] = '\0';
	b->addr.sin_family = AF_INET;
	b->addr.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, ip, &b->addr.sin_addr) != 1 && resolve_ipv4(b, ip) < 0)
		return -1;
	b->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->udp_fd < 0)
		return fail(b, "socket", errno);
	return 0;
}

static int allow_all_filter(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "bench-calls: seccomp: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

#ifdef SYS_afs_syscall
static void trap_returns_eperm(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = -EPERM;
}

static int trap_floor(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_afs_syscall, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};
	struct sigaction sa = {.sa_sigaction = trap_returns_eperm, .sa_flags = SA_SIGINFO};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "bench-calls: trap floor: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}
#else
static int trap_floor(void)
{
	fprintf(stderr, "bench-calls: trap floor: no afs_syscall on this architecture\n");
	return -1;
}
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule	    445
#define SYS_landlock_restrict_self  446
#endif

/* The uapi structures, as the kernel reads them (linux/landlock.h may be older). */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

static int landlock_floor(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */);
	/* File rights: 13 at ABI 1, refer at 2, truncate at 3, ioctl_dev at 5 (4 adds network). */
	int rights = abi >= 5 ? 16 : abi >= 3 ? 15 : abi == 2 ? 14 : 13;
	struct ll_ruleset_attr attr = {.handled_access_fs = (1ull << rights) - 1};
	struct ll_path_beneath rule = {.allowed_access = attr.handled_access_fs};
	int ruleset = -1;

	if (abi < 1 ||
	    (ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0)) < 0 ||
	    (rule.parent_fd = open("/", O_PATH | O_CLOEXEC)) < 0 ||
	    syscall(SYS_landlock_add_rule, ruleset, 1 /* PATH_BENEATH */, &rule, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		fprintf(stderr, "bench-calls: landlock: %s\n", strerror(errno));
		return -1;
	}
	close(rule.parent_fd);
	close(ruleset);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = {.udp_fd = -1};
	double cpu0, wall0, cpu, wall;
	long n, i;

	if (argc > 1 && !strcmp(argv[1], "--allow-all-filter")) {
		if (allow_all_filter() < 0)
			return 1;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "--landlock-floor")) {
		if (landlock_floor() < 0)
			return 1;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "--trap-floor")) {
		if (trap_floor() < 0)
			return 1;
		argv++;
		argc--;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr,
			"usage: bench-calls [--allow-all-filter | --landlock-floor | --trap-floor] OP TARGET "
			"[N]\n");
		return 2;
	}
	b.name = argv[1];
	b.target = argv[2];
	n = argc > 3 ? atol(argv[3]) : 200000;
	if (n <= 0 || setup(&b) < 0)
		return 2;
	for (i = 0; i < n / 10 + 1; i++)
		if (run_once(&b) < 0)
			return 1;
	cpu0 = cpu_ns();
	wall0 = clock_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		if (run_once(&b) < 0)
			return 1;
	wall = clock_ns(CLOCK_MONOTONIC) - wall0;
	cpu = cpu_ns() - cpu0;
	printf("%.2f %.2f\n", cpu / (double)n, wall / (double)n);
	return 0;
}
