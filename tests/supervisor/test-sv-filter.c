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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- the profile's program merged in (sv_sys.c) ------------------------------------ */

TestSuite(sv_sys, .init = setup, .fini = teardown);

/* What the kernel answers when it runs both filters: the most severe, the newer on a tie. */
static uint32_t kernel_pick(uint32_t newer, uint32_t older)
{
	int32_t a = (int32_t)(newer & SECCOMP_RET_ACTION_FULL);
	int32_t b = (int32_t)(older & SECCOMP_RET_ACTION_FULL);
	return b < a ? older : newer;
}

static uint32_t sim(const struct sock_filter *p, size_t len, const struct seccomp_data *d)
{
	uint32_t action = 0;
	cr_assert_eq(bpf_sim_run(p, len, d, &action), 0);
	return action;
}

/* The calls whose answer depends on arguments, with arguments that matter. */
static size_t sample_data(struct seccomp_data *out, size_t cap)
{
	static const struct {
		const char *name;
		uint64_t args[6];
	} special[] = {
		{"socket", {AF_INET, SOCK_STREAM}},
		{"socket", {AF_NETLINK, SOCK_RAW}},
		{"socket", {0x100000010ull}},
		{"clone", {0x10000000 /* CLONE_NEWUSER */}},
		{"clone", {0x00011200}},
		{"personality", {0xffffffffu}},
		{"personality", {0}},
		{"prctl", {22 /* PR_SET_SECCOMP */, 2}},
		{"prctl", {15 /* PR_SET_NAME */}},
		{"sendto", {3, 0, 1, 0, 0x7ffc0000, 16}},
		{"sendto", {3, 0, 1, MSG_FASTOPEN, 0, 0}},
		{"sendto", {3, 0, 1, 0, 0, 0}},
		{"sendmsg", {3, 0, MSG_FASTOPEN}},
		{"rt_sigaction", {SIGSYS, 0x1000}},
		{"rt_sigaction", {SIGSYS, 0}},
	};
	size_t n = 0;
	uint32_t native = sv_native_arch();
	for (int nr = 0; nr < SV_MAX_NR + 50 && n < cap; nr++)
		out[n++] = (struct seccomp_data){.nr = nr, .arch = native};
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]) && n < cap; i++) {
		int nr = seccomp_filter_syscall_number(0, special[i].name);
		if (nr < 0)
			continue;
		out[n] = (struct seccomp_data){.nr = nr, .arch = native};
		memcpy(out[n].args, special[i].args, sizeof(out[n].args));
		n++;
	}
	if (n < cap)
		out[n++] = (struct seccomp_data){.nr = 0, .arch = AUDIT_ARCH_I386};
#ifdef __x86_64__
	if (n < cap)
		out[n++] = (struct seccomp_data){.nr = 0x40000000 | 257, .arch = native};
#endif
	return n;
}

static struct policy *test_policy(void)
{
	static const char doc[] =
		"{\"fnguard\": 1, \"syscalls\": [\"@lambda-runtime\"], \"unsafe\": [\"ptrace\"]}";
	struct policy *pol = NULL;
	cr_assert_eq(policy_load_buffer("test", doc, sizeof(doc) - 1, NULL, &pol, NULL), 0);
	return pol;
}

/* sv_sys_init's options: what it is told the programs were compiled with. */
static const struct seccomp_options opts = {.mode = POLICY_MODE_ENFORCE, .log_fd = -1};

static struct seccomp_filter *compile(const struct policy *pol, enum policy_mode mode,
				      bool errno_only)
{
	struct seccomp_options o;
	struct seccomp_filter *f = NULL;
	seccomp_options_init(&o, pol);
	o.mode = mode;
	o.errno_only = errno_only;
	cr_assert_eq(seccomp_filter_build(pol, &o, &f, NULL), 0);
	return f;
}

/*
 * The merged program answers what the kernel would answer running both
 * filters, except that the profile's TRAP and LOG become notifications.
 */
static void check_merge(enum policy_mode mode)
{
	static struct seccomp_data data[SV_MAX_NR + 100];
	struct policy *pol = test_policy();
	struct seccomp_filter *f = compile(pol, mode, false);
	size_t plen, mlen, notified = 0;
	const struct sock_filter *p = seccomp_filter_program(f, &plen);
	struct sock_filter *merged = NULL;

	cr_assert_eq(sv_sys_init(p, plen, pol, &opts), 0);
	cr_assert_eq(sv_sys_merge(prog, prog_len, &merged, &mlen), 0);
	cr_assert_eq(mlen, plen + prog_len);
	size_t n = sample_data(data, sizeof(data) / sizeof(data[0]));
	for (size_t i = 0; i < n; i++) {
		uint32_t pa = sim(p, plen, &data[i]), na = sim(prog, prog_len, &data[i]);
		uint32_t got = sim(merged, mlen, &data[i]);
		uint32_t act = pa & SECCOMP_RET_ACTION_FULL;
		if (act == SECCOMP_RET_TRAP || act == SECCOMP_RET_LOG) {
			cr_assert_eq(got, SECCOMP_RET_USER_NOTIF, "nr %d args0 %llx", data[i].nr,
				     (unsigned long long)data[i].args[0]);
			notified++;
		} else {
			cr_assert_eq(got, kernel_pick(pa, na),
				     "nr %d arch %x: %x (profile %x, notify %x)", data[i].nr,
				     data[i].arch, got, pa, na);
		}
	}
	cr_assert_gt(notified, 100u, "the calls the profile does not list are notified");
	free(merged);
	seccomp_filter_free(f);
}

Test(sv_sys, enforce_refusals_become_notifications)
{
	check_merge(POLICY_MODE_ENFORCE);
}

Test(sv_sys, alert_logs_become_notifications)
{
	check_merge(POLICY_MODE_ALERT);
}

/* Without a listener, the enforce program with TRAP made EPERM is the errno-only program. */
Test(sv_sys, errno_only_fallback_matches_the_compiler)
{
	static struct seccomp_data data[SV_MAX_NR + 100];
	struct policy *pol = test_policy();
	struct seccomp_filter *trap = compile(pol, POLICY_MODE_ENFORCE, false);
	struct seccomp_filter *eo = compile(pol, POLICY_MODE_ENFORCE, true);
	size_t tlen, elen, olen;
	const struct sock_filter *t = seccomp_filter_program(trap, &tlen);
	const struct sock_filter *e = seccomp_filter_program(eo, &elen);
	struct sock_filter *ours = NULL;

	cr_assert_eq(sv_sys_init(t, tlen, pol, &opts), 0);
	cr_assert_eq(sv_sys_errno_only(&ours, &olen), 0);
	size_t n = sample_data(data, sizeof(data) / sizeof(data[0]));
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(sim(ours, olen, &data[i]), sim(e, elen, &data[i]), "nr %d",
			     data[i].nr);
	free(ours);
	seccomp_filter_free(trap);
	seccomp_filter_free(eo);
}

Test(sv_sys, too_large_to_merge)
{
	struct sock_filter big[BPF_MAXINSNS];
	struct sock_filter *merged = NULL;
	size_t len;
	struct policy *pol = test_policy();
	for (size_t i = 0; i < BPF_MAXINSNS; i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	cr_assert_eq(sv_sys_init(big, BPF_MAXINSNS, pol, &opts), 0);
	cr_assert_eq(sv_sys_merge(prog, prog_len, &merged, &len), -E2BIG);
}
