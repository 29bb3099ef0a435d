// SPDX-License-Identifier: MIT
/*
 * The seccomp compiler, judged on its output: every row is (arch, syscall,
 * args) -> the action the compiled BPF returns, run through bpf_sim. No
 * filter is loaded; no root needed.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "bpf_sim.h"
#include "policy.h"
#include "seccomp_filter.h"
#include "syscall_table.h"
#include "util.h"

#define ALLOW	     SECCOMP_RET_ALLOW
#define LOG	     SECCOMP_RET_LOG
#define TRAP	     SECCOMP_RET_TRAP
#define EPERM_RET    (SECCOMP_RET_ERRNO | EPERM)
#define ENOSYS_RET   (SECCOMP_RET_ERRNO | ENOSYS)
#define KILL_PROCESS SECCOMP_RET_KILL_PROCESS

/* Lists sendto but not connect, ptrace under unsafe. */
static const char profile_main[] =
	"{\"fnguard\": 1, \"name\": \"main\", \"syscalls\": [\"read\", \"write\", \"openat\", "
	"\"getpid\", \"@signal\", \"socket\", \"prctl\", \"clone\", \"clone3\", \"openat2\", "
	"\"sendto\", \"sendmsg\", \"sendmmsg\"], \"unsafe\": [\"ptrace\"]}";
static const char profile_empty[] = "{\"fnguard\": 1, \"name\": \"empty\"}";
/* profile_main that can run programs. */
static const char profile_exec[] =
	"{\"fnguard\": 1, \"name\": \"exec\", \"syscalls\": [\"read\", \"write\", \"getpid\", "
	"\"@signal\", \"execve\"]}";
static const char profile_connect[] =
	"{\"fnguard\": 1, \"syscalls\": [\"socket\", \"connect\", \"sendto\", \"sendmsg\"]}";
static const char profile_unsafe_all[] =
	"{\"fnguard\": 1, \"syscalls\": [\"clone\"], \"unsafe\": [\"@dangerous\"]}";
static const char profile_lambda[] =
	"{\"fnguard\": 1, \"syscalls\": [\"@lambda-runtime\"], \"unsafe\": []}";

static const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64};

/* A mode with errno_only, and the action an unlisted call gets there. */
struct mode_case {
	enum policy_mode mode;
	bool errno_only;
	uint32_t unlisted;
	uint32_t hard; /* the dangerous set, narrowed arguments */
	const char *label;
};

static const struct mode_case modes[] = {
	/* Enforce: hard denials trap so the shim logs each attempt (its handler returns EPERM). */
	{POLICY_MODE_ENFORCE, false, TRAP, TRAP, "enforce"},
	{POLICY_MODE_ENFORCE, true, EPERM_RET, EPERM_RET, "enforce errno-only"},
	{POLICY_MODE_ALERT, false, LOG, EPERM_RET, "alert"},
	{POLICY_MODE_RECORD, false, ALLOW, LOG, "record"},
};

static struct policy *load(const char *json)
{
	struct policy_load_opts opts = {0};
	struct diag_list diags = {0};
	struct policy *pol = NULL;
	int r = policy_load_buffer("test.json", json, strlen(json), &opts, &pol, &diags);
	for (size_t i = 0; i < diags.n; i++)
		cr_log_error("%s", diags.lines[i]);
	diag_list_clear(&diags);
	cr_assert_eq(r, 0, "profile does not load: %s", json);
	return pol;
}

struct build_opts {
	enum policy_mode mode;
	bool errno_only;
	uint32_t arch;
	bool lockdown;
	int log_fd;
	bool no_sigsys_protection;
};

static struct seccomp_filter *build_with(const char *json, struct build_opts b)
{
	struct policy *pol = load(json);
	struct seccomp_options o;
	struct seccomp_filter *f = NULL;
	struct diag_list diags = {0};

	seccomp_options_init(&o, pol);
	o.mode = b.mode;
	o.errno_only = b.errno_only;
	o.arch = b.arch;
	o.after_install_lockdown = b.lockdown;
	o.log_fd = b.log_fd ? b.log_fd : -1;
	o.protect_sigsys = !b.no_sigsys_protection;
	int r = seccomp_filter_build(pol, &o, &f, &diags);
	for (size_t i = 0; i < diags.n; i++)
		cr_log_error("%s", diags.lines[i]);
	diag_list_clear(&diags);
	policy_free(pol);
	cr_assert_eq(r, 0, "build failed: %s", strerror(-r));
	return f;
}

static struct seccomp_filter *build(const char *json, const struct mode_case *m, uint32_t arch)
{
	return build_with(
		json,
		(struct build_opts){.mode = m->mode, .errno_only = m->errno_only, .arch = arch});
}

static uint32_t run_nr(const struct seccomp_filter *f, uint32_t arch_field, int nr,
		       const uint64_t *args)
{
	struct seccomp_data data = {.nr = nr, .arch = arch_field};
	size_t len;
	const struct sock_filter *prog = seccomp_filter_program(f, &len);
	uint32_t action = 0xdeadbeef;

	if (args)
		memcpy(data.args, args, sizeof(data.args));
	cr_assert_eq(bpf_sim_run(prog, len, &data, &action), 0);
	return action;
}

static int nr_of(const struct seccomp_filter *f, const char *name)
{
	int nr = seccomp_filter_syscall_number(seccomp_filter_arch(f), name);
	cr_assert_geq(nr, 0, "%s does not exist on %s", name,
		      seccomp_filter_arch_name(seccomp_filter_arch(f)));
	return nr;
}

/* The action for name(args...) with the filter's own arch in seccomp_data. */
#define JUDGE(f, name, ...) \
	run_nr((f), seccomp_filter_arch(f), nr_of((f), (name)), (const uint64_t[6]){__VA_ARGS__})

#define EXPECT_ACTION(f, label, want, name, ...)                                                \
	do {                                                                                    \
		uint32_t got_ = JUDGE(f, name, __VA_ARGS__);                                    \
		cr_expect_eq(got_, (uint32_t)(want),                                            \
			     "%s %s: %s(" #__VA_ARGS__ ") -> %#x, want %#x",                    \
			     seccomp_filter_arch_name(seccomp_filter_arch(f)), (label), (name), \
			     got_, (uint32_t)(want));                                           \
	} while (0)

Test(seccomp_filter, listed_allowed_unlisted_default_action)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			EXPECT_ACTION(f, modes[m].label, ALLOW, "read", 0);
			EXPECT_ACTION(f, modes[m].label, ALLOW, "getpid", 0);
			EXPECT_ACTION(f, modes[m].label, ALLOW, "openat", 0);
			EXPECT_ACTION(f, modes[m].label, ALLOW, "kill", 0);
			EXPECT_ACTION(f, modes[m].label, modes[m].unlisted, "uname", 0);
			EXPECT_ACTION(f, modes[m].label, modes[m].unlisted, "mkdirat", 0);
			EXPECT_ACTION(f, modes[m].label, modes[m].unlisted, "execve", 0);
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, essentials_allowed_when_not_listed)
{
	static const char *const essentials[] = {"exit", "exit_group", "rt_sigreturn",
						 "restart_syscall"};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(profile_empty, &modes[m], arches[a]);
			for (size_t i = 0; i < ELEMENTSOF(essentials); i++)
				EXPECT_ACTION(f, modes[m].label, ALLOW, essentials[i], 0);
			EXPECT_ACTION(f, modes[m].label, modes[m].unlisted, "read", 0);
			EXPECT_ACTION(f, modes[m].label, modes[m].unlisted, "write", 1);
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, foreign_architecture_killed)
{
	static const uint32_t foreign[] = {AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386,
					   AUDIT_ARCH_ARM, 0};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			int read_nr = nr_of(f, "read");
			for (size_t i = 0; i < ELEMENTSOF(foreign); i++) {
				uint32_t want = foreign[i] == arches[a] ? ALLOW : KILL_PROCESS;
				cr_expect_eq(run_nr(f, foreign[i], read_nr, NULL), want,
					     "%s filter, %s, arch field %#x",
					     seccomp_filter_arch_name(arches[a]), modes[m].label,
					     foreign[i]);
			}
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, x32_rejected)
{
	for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
		struct seccomp_filter *f = build(profile_main, &modes[m], AUDIT_ARCH_X86_64);
		int read_nr = nr_of(f, "read");
		cr_expect_eq(run_nr(f, AUDIT_ARCH_X86_64, 0x40000000 | read_nr, NULL), KILL_PROCESS,
			     "%s: x32 read", modes[m].label);
		cr_expect_eq(run_nr(f, AUDIT_ARCH_X86_64, 0x40000000 | 0x200, NULL), KILL_PROCESS,
			     "%s: x32-only number", modes[m].label);
		cr_expect_eq(run_nr(f, AUDIT_ARCH_X86_64, 0x7fffffff, NULL), KILL_PROCESS);
		/* Just below the x32 bit is an ordinary (unknown) number. */
		cr_expect_eq(run_nr(f, AUDIT_ARCH_X86_64, 0x3fffffff, NULL), modes[m].unlisted);
		seccomp_filter_free(f);
	}
}

/* Lists openat2 but not openat. */
static const char profile_openat2_only[] =
	"{\"fnguard\": 1, \"syscalls\": [\"read\", \"openat2\"]}";

Test(seccomp_filter, enosys_for_pointer_arguments)
{
	static const char *const profiles[] = {profile_main, profile_empty, profile_openat2_only};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			for (size_t p = 0; p < ELEMENTSOF(profiles); p++) {
				struct seccomp_filter *f = build(profiles[p], &modes[m], arches[a]);
				EXPECT_ACTION(f, modes[m].label, ENOSYS_RET, "clone3", 0x1000, 88);
				/*
				 * openat2 follows openat, on whose flags the filter puts no
				 * condition: allowed where openat is, else ENOSYS (libc and
				 * the shim fall back to openat), listed or not.
				 */
				EXPECT_ACTION(f, modes[m].label,
					      profiles[p] == profile_main ? ALLOW : ENOSYS_RET,
					      "openat2", 3, 0x1000);
				/* faccessat2 has nothing behind pointers that faccessat lacks. */
				EXPECT_ACTION(f, modes[m].label, modes[m].unlisted, "faccessat2",
					      0);
				seccomp_filter_free(f);
			}
		}
	}
}

Test(seccomp_filter, dangerous_set_denied_unless_unsafe)
{
	const char *const *set = syscall_dangerous_set();
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			struct seccomp_filter *all =
				build(profile_unsafe_all, &modes[m], arches[a]);
			size_t checked = 0;
			for (size_t i = 0; set[i]; i++) {
				if (seccomp_filter_syscall_number(arches[a], set[i]) < 0)
					continue; /* iopl, ioperm: x86 only */
				uint32_t want =
					strcmp(set[i], "ptrace") == 0 ? ALLOW : modes[m].hard;
				EXPECT_ACTION(f, modes[m].label, want, set[i], 0);
				EXPECT_ACTION(all, modes[m].label, ALLOW, set[i], 0);
				checked++;
			}
			cr_expect_geq(checked, 40);
			seccomp_filter_free(f);
			seccomp_filter_free(all);
		}
	}
}

Test(seccomp_filter, personality_query_only)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			const char *l = modes[m].label;
			EXPECT_ACTION(f, l, ALLOW, "personality", 0xffffffff);
			EXPECT_ACTION(f, l, ALLOW, "personality", 0x1ffffffffull);
			EXPECT_ACTION(f, l, modes[m].unlisted, "personality", 8);
			EXPECT_ACTION(f, l, modes[m].unlisted, "personality", 0);
			EXPECT_ACTION(f, l, modes[m].unlisted, "personality",
				      0xffffffff00000008ull);
			EXPECT_ACTION(f, l, modes[m].unlisted, "personality", 0x0400000);
			seccomp_filter_free(f);
		}
	}
}

/* Pushing input into a terminal: refused whether ioctl is listed or not, on 32 bits. */
Test(seccomp_filter, terminal_input_refused_listed_or_not)
{
	static const char with_ioctl[] =
		"{\"fnguard\": 1, \"syscalls\": [\"read\", \"ioctl\"], \"unsafe\": [\"@dangerous\"]}";
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(with_ioctl, &modes[m], arches[a]);
			struct seccomp_filter *u = build(profile_main, &modes[m], arches[a]);
			const char *l = modes[m].label;
			uint32_t hard = modes[m].hard;
			EXPECT_ACTION(f, l, ALLOW, "ioctl", 1, TCGETS);
			EXPECT_ACTION(f, l, ALLOW, "ioctl", 1, TIOCGWINSZ);
			EXPECT_ACTION(f, l, ALLOW, "ioctl", 1, TIOCSTI + 1);
			EXPECT_ACTION(f, l, ALLOW, "ioctl", 1, FIONBIO);
			EXPECT_ACTION(f, l, ALLOW, "ioctl", TIOCSTI, TCGETS);
			EXPECT_ACTION(f, l, hard, "ioctl", 1, TIOCSTI);
			EXPECT_ACTION(f, l, hard, "ioctl", 0, 0xffffffff00000000ull | TIOCSTI);
			EXPECT_ACTION(f, l, hard, "ioctl", 1, TIOCLINUX);
			EXPECT_ACTION(u, l, hard, "ioctl", 1, TIOCSTI);
			EXPECT_ACTION(u, l, hard, "ioctl", 1, TIOCLINUX);
			EXPECT_ACTION(u, l, modes[m].unlisted, "ioctl", 1, TCGETS);
			seccomp_filter_free(f);
			seccomp_filter_free(u);
		}
	}
}

/* The kernel reads these arguments as 32-bit ints: so must the filter. */
Test(seccomp_filter, integer_arguments_compared_on_low_32_bits)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		struct seccomp_filter *f =
			build_with(profile_main, (struct build_opts){.mode = POLICY_MODE_ENFORCE,
								     .arch = arches[a],
								     .lockdown = true});
		EXPECT_ACTION(f, "enforce", ALLOW, "socket", 0x100000002ull, SOCK_STREAM);
		EXPECT_ACTION(f, "enforce", ALLOW, "socket", 0xffffffff0000000aull, SOCK_DGRAM);
		EXPECT_ACTION(f, "enforce", TRAP, "socket", 0x100000010ull, SOCK_RAW);
		EXPECT_ACTION(f, "enforce", TRAP, "socket", 0x8000000000000011ull, SOCK_RAW);
		EXPECT_ACTION(f, "enforce", TRAP, "prctl", 0x100000000ull | PR_SET_SECCOMP);
		EXPECT_ACTION(f, "enforce", ALLOW, "prctl", 0x100000000ull | PR_SET_NAME);
		EXPECT_ACTION(f, "enforce", TRAP, "rt_sigaction", 0x100000000ull | SIGSYS, 0x7000);
		EXPECT_ACTION(f, "enforce", ALLOW, "rt_sigaction", 0x100000000ull | SIGINT, 0x7000);
		EXPECT_ACTION(f, "enforce", TRAP, "clone",
			      0x100000000ull | CLONE_NEWUSER | SIGCHLD);
		EXPECT_ACTION(f, "enforce", ALLOW, "clone", 0xffffffff00000000ull | SIGCHLD);
		seccomp_filter_free(f);
	}
}

/*
 * The shim's filters leave rt_sigaction(SIGSYS) alone where programs can be
 * exec'd (each must set its handler under the filter), and protect it where
 * the profile lists neither execve nor execveat.
 */
Test(seccomp_filter, sigaction_on_sigsys_left_to_listing_by_default)
{
	static const char execveat_only[] =
		"{\"fnguard\": 1, \"syscalls\": [\"@signal\", \"execveat\"]}";
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		struct build_opts o = {.mode = POLICY_MODE_ENFORCE,
				       .arch = arches[a],
				       .lockdown = true,
				       .no_sigsys_protection = true};
		struct seccomp_filter *f = build_with(profile_exec, o);
		EXPECT_ACTION(f, "enforce", ALLOW, "rt_sigaction", SIGSYS, 0x7000, 0, 8);
		seccomp_filter_free(f);
		f = build_with(execveat_only, o);
		EXPECT_ACTION(f, "enforce", ALLOW, "rt_sigaction", SIGSYS, 0x7000, 0, 8);
		seccomp_filter_free(f);
		f = build_with(profile_main, o);
		EXPECT_ACTION(f, "enforce", TRAP, "rt_sigaction", SIGSYS, 0x7000, 0, 8);
		EXPECT_ACTION(f, "enforce", ALLOW, "rt_sigaction", SIGSYS, 0, 0x7000, 8);
		EXPECT_ACTION(f, "enforce", ALLOW, "rt_sigaction", SIGINT, 0x7000, 0, 8);
		seccomp_filter_free(f);
		/* errno-only filters never trap: nothing to protect (Go keeps its handler). */
		o.errno_only = true;
		f = build_with(profile_main, o);
		EXPECT_ACTION(f, "enforce", ALLOW, "rt_sigaction", SIGSYS, 0x7000, 0, 8);
		seccomp_filter_free(f);
	}
}

Test(seccomp_filter, sigaction_on_sigsys_protected_when_trapping)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			const char *l = modes[m].label;
			bool traps = modes[m].unlisted == TRAP;
			cr_expect_eq(seccomp_filter_uses_trap(f), traps, "%s", l);
			/* Installing a SIGSYS handler traps; the shim's handler refuses it. */
			EXPECT_ACTION(f, l, traps ? TRAP : ALLOW, "rt_sigaction", SIGSYS, 0x7000, 0,
				      8);
			EXPECT_ACTION(f, l, traps ? TRAP : ALLOW, "rt_sigaction", SIGSYS,
				      0x100000000ull, 0, 8);
			/* Queries stay allowed (Node.js aborts when one fails). */
			EXPECT_ACTION(f, l, ALLOW, "rt_sigaction", SIGSYS, 0, 0x7000, 8);
			EXPECT_ACTION(f, l, ALLOW, "rt_sigaction", SIGINT, 0x7000, 0, 8);
			for (uint64_t sig = 0; sig < 256; sig++)
				if (sig != SIGSYS)
					EXPECT_ACTION(f, l, ALLOW, "rt_sigaction", sig, 0x7000);
			seccomp_filter_free(f);

			/* Not listed: the default, whatever the signal. */
			f = build(profile_empty, &modes[m], arches[a]);
			EXPECT_ACTION(f, l, modes[m].unlisted, "rt_sigaction", SIGINT, 0x7000);
			EXPECT_ACTION(f, l, modes[m].unlisted, "rt_sigaction", SIGSYS, 0);
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, lockdown_denies_second_filter)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			const char *l = modes[m].label;
			struct build_opts b = {.mode = modes[m].mode,
					       .errno_only = modes[m].errno_only,
					       .arch = arches[a],
					       .lockdown = true};
			struct seccomp_filter *f = build_with(profile_main, b);
			EXPECT_ACTION(f, l, modes[m].hard, "prctl", PR_SET_SECCOMP, 2);
			EXPECT_ACTION(f, l, ALLOW, "prctl", PR_SET_NAME, 0x7000);
			EXPECT_ACTION(f, l, ALLOW, "prctl", PR_SET_NO_NEW_PRIVS, 1);
			EXPECT_ACTION(f, l, modes[m].hard, "seccomp", SECCOMP_SET_MODE_FILTER, 0);
			seccomp_filter_free(f);

			f = build_with(profile_empty, b);
			EXPECT_ACTION(f, l, modes[m].hard, "prctl", PR_SET_SECCOMP, 2);
			EXPECT_ACTION(f, l, modes[m].unlisted, "prctl", PR_SET_NAME, 0x7000);
			seccomp_filter_free(f);

			b.lockdown = false;
			f = build_with(profile_main, b);
			EXPECT_ACTION(f, l, ALLOW, "prctl", PR_SET_SECCOMP, 2);
			EXPECT_ACTION(f, l, modes[m].unlisted, "seccomp", SECCOMP_SET_MODE_FILTER,
				      0);
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, socket_families)
{
	static const uint64_t allowed[] = {AF_UNIX, AF_INET, AF_INET6};
	static const uint64_t denied[] = {AF_UNSPEC, AF_NETLINK,   AF_PACKET, AF_VSOCK,
					  AF_ALG,    AF_BLUETOOTH, AF_XDP,    45,
					  255,	     0x7fffffff,   0xffffffff};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			const char *l = modes[m].label;
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			struct seccomp_filter *none = build(profile_empty, &modes[m], arches[a]);
			for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
				EXPECT_ACTION(f, l, ALLOW, "socket", allowed[i], SOCK_STREAM, 0);
				EXPECT_ACTION(none, l, modes[m].unlisted, "socket", allowed[i]);
			}
			for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
				EXPECT_ACTION(f, l, modes[m].hard, "socket", denied[i], SOCK_RAW,
					      0);
				EXPECT_ACTION(none, l, modes[m].hard, "socket", denied[i]);
			}
			seccomp_filter_free(f);
			seccomp_filter_free(none);
		}
	}
}

/* socket(AF_INET, SOCK_PACKET) makes an AF_PACKET socket (the kernel's old spelling). */
Test(seccomp_filter, socket_inet_packet_type)
{
	const uint64_t flags[] = {0, SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			const char *l = modes[m].label;
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			for (size_t k = 0; k < ELEMENTSOF(flags); k++) {
				for (uint64_t type = 0; type < 16; type++)
					EXPECT_ACTION(f, l,
						      type == SOCK_PACKET ? modes[m].hard : ALLOW,
						      "socket", AF_INET, type | flags[k], 0);
				EXPECT_ACTION(f, l, ALLOW, "socket", AF_INET6,
					      SOCK_PACKET | flags[k], 0);
				EXPECT_ACTION(f, l, ALLOW, "socket", AF_UNIX,
					      SOCK_PACKET | flags[k], 0);
			}
			seccomp_filter_free(f);
		}
	}
}

/* Tiny deterministic generator: the same values on every run. */
static uint64_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state;
}

/* add_outside() must cover exactly the complement: checked on many values. */
Test(seccomp_filter, argument_complements_are_exact)
{
	struct seccomp_filter *f = build_with(
		profile_main, (struct build_opts){.mode = POLICY_MODE_ENFORCE, .lockdown = true});
	uint64_t state = 1;
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t v = i < 4096 ? i : next_random(&state);
		uint32_t low = (uint32_t)v;
		bool inet = low == AF_UNIX || low == AF_INET || low == AF_INET6;
		cr_expect_eq(JUDGE(f, "socket", v), inet ? ALLOW : TRAP, "socket(%#llx)",
			     (unsigned long long)v);
		cr_expect_eq(JUDGE(f, "prctl", v), low == PR_SET_SECCOMP ? TRAP : ALLOW,
			     "prctl(%#llx)", (unsigned long long)v);
		cr_expect_eq(JUDGE(f, "rt_sigaction", v, 1), low == SIGSYS ? TRAP : ALLOW,
			     "rt_sigaction(%#llx, act)", (unsigned long long)v);
	}
	seccomp_filter_free(f);
}

Test(seccomp_filter, send_with_hidden_destination_needs_connect)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			const char *l = modes[m].label;
			uint32_t u = modes[m].unlisted;
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			EXPECT_ACTION(f, l, ALLOW, "sendto", 3, 0x7000, 10, 0, 0, 0);
			EXPECT_ACTION(f, l, ALLOW, "sendto", 3, 0x7000, 10, MSG_NOSIGNAL, 0, 0);
			EXPECT_ACTION(f, l, u, "sendto", 3, 0x7000, 10, MSG_FASTOPEN, 0, 0);
			EXPECT_ACTION(f, l, u, "sendto", 3, 0x7000, 10, 0, 0x7100, 16);
			EXPECT_ACTION(f, l, u, "sendto", 3, 0x7000, 10, 0, 0x100000000ull, 16);
			EXPECT_ACTION(f, l, ALLOW, "sendmsg", 3, 0x7000, 0);
			EXPECT_ACTION(f, l, u, "sendmsg", 3, 0x7000, MSG_FASTOPEN);
			EXPECT_ACTION(f, l, ALLOW, "sendmmsg", 3, 0x7000, 2, 0);
			EXPECT_ACTION(f, l, u, "sendmmsg", 3, 0x7000, 2,
				      MSG_FASTOPEN | MSG_NOSIGNAL);
			seccomp_filter_free(f);

			f = build(profile_connect, &modes[m], arches[a]);
			EXPECT_ACTION(f, l, ALLOW, "sendto", 3, 0x7000, 10, MSG_FASTOPEN, 0x7100,
				      16);
			EXPECT_ACTION(f, l, ALLOW, "sendmsg", 3, 0x7000, MSG_FASTOPEN);
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, clone_namespaces_denied_unless_unshare_unsafe)
{
	static const uint64_t ns[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
				      CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			const char *l = modes[m].label;
			struct seccomp_filter *f = build(profile_main, &modes[m], arches[a]);
			struct seccomp_filter *all =
				build(profile_unsafe_all, &modes[m], arches[a]);
			EXPECT_ACTION(f, l, ALLOW, "clone", SIGCHLD);
			EXPECT_ACTION(f, l, ALLOW, "clone", CLONE_VM | CLONE_VFORK | SIGCHLD);
			EXPECT_ACTION(f, l, ALLOW, "clone",
				      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
					      CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
					      CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID);
			for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
				EXPECT_ACTION(f, l, modes[m].hard, "clone", ns[i] | SIGCHLD);
				EXPECT_ACTION(all, l, ALLOW, "clone", ns[i] | SIGCHLD);
			}
			EXPECT_ACTION(f, l, modes[m].hard, "clone",
				      CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS);
			seccomp_filter_free(f);
			seccomp_filter_free(all);
		}
	}
}

Test(seccomp_filter, log_fd_write_allowed)
{
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		struct seccomp_filter *f =
			build_with(profile_empty, (struct build_opts){.mode = POLICY_MODE_ENFORCE,
								      .arch = arches[a],
								      .log_fd = 7});
		EXPECT_ACTION(f, "enforce", ALLOW, "write", 7, 0x7000, 100);
		EXPECT_ACTION(f, "enforce", ALLOW, "write", 0x100000007ull, 0x7000, 100);
		EXPECT_ACTION(f, "enforce", TRAP, "write", 1, 0x7000, 100);
		EXPECT_ACTION(f, "enforce", TRAP, "write", 8, 0x7000, 100);
		seccomp_filter_free(f);
	}
}

/*
 * Rules whose action equals the default are dropped before libseccomp sees
 * them (it refuses them with -EACCES): errno-only makes every EPERM rule
 * such a rule, record every ALLOW rule.
 */
Test(seccomp_filter, rules_equal_to_default_dropped)
{
	static const char *const profiles[] = {profile_main, profile_unsafe_all, profile_lambda,
					       profile_empty};
	for (size_t p = 0; p < ELEMENTSOF(profiles); p++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build_with(
				profiles[p], (struct build_opts){.mode = modes[m].mode,
								 .errno_only = modes[m].errno_only,
								 .lockdown = true,
								 .log_fd = 3});
			size_t len;
			const struct sock_filter *prog = seccomp_filter_program(f, &len);
			cr_expect_eq(bpf_sim_validate(prog, len), 0);
			cr_expect_leq(len, BPF_MAXINSNS);
			seccomp_filter_free(f);
		}
	}
}

Test(seccomp_filter, lambda_runtime_profile)
{
	static const char *const observed[] = {"read",	      "openat",	  "mmap",    "futex",
					       "epoll_pwait", "connect",  "accept4", "execve",
					       "wait4",	      "getrandom"};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		struct seccomp_filter *f = build(profile_lambda, &modes[0], arches[a]);
		for (size_t i = 0; i < ELEMENTSOF(observed); i++)
			EXPECT_ACTION(f, "enforce", ALLOW, observed[i], 3);
		EXPECT_ACTION(f, "enforce", ALLOW, "socket", AF_INET6, SOCK_STREAM);
		EXPECT_ACTION(f, "enforce", TRAP, "socket", AF_NETLINK, SOCK_RAW);
		EXPECT_ACTION(f, "enforce", ALLOW, "sendto", 3, 0x7000, 10, MSG_FASTOPEN, 0x7100);
		EXPECT_ACTION(f, "enforce", TRAP, "execveat", 3);
		EXPECT_ACTION(f, "enforce", TRAP, "memfd_create", 0x7000, 0);
		EXPECT_ACTION(f, "enforce", TRAP, "io_uring_setup", 8, 0x7000);
		EXPECT_ACTION(f, "enforce", ENOSYS_RET, "clone3", 0x7000, 88);
		seccomp_filter_free(f);
	}
}

Test(seccomp_filter, bad_options)
{
	struct policy *pol = load(profile_main);
	struct seccomp_options o;
	struct seccomp_filter *f = NULL;
	struct diag_list diags = {0};

	seccomp_options_init(&o, pol);
	o.arch = AUDIT_ARCH_I386;
	cr_expect_eq(seccomp_filter_build(pol, &o, &f, &diags), -EINVAL);
	cr_expect_eq(diags.n, 1);
	cr_expect_null(f);
	seccomp_options_init(&o, pol);
	o.mode = (enum policy_mode)7;
	cr_expect_eq(seccomp_filter_build(pol, &o, &f, NULL), -EINVAL);
	cr_expect_null(f);
	cr_expect_eq(seccomp_filter_build(pol, NULL, &f, NULL), 0);
#if defined(__x86_64__)
	cr_expect_eq(seccomp_filter_arch(f), AUDIT_ARCH_X86_64, "native by default");
#elif defined(__aarch64__)
	cr_expect_eq(seccomp_filter_arch(f), AUDIT_ARCH_AARCH64, "native by default");
#endif
	seccomp_filter_free(f);
	diag_list_clear(&diags);
	policy_free(pol);

	cr_expect_eq(seccomp_filter_arch_from_name("x86_64"), AUDIT_ARCH_X86_64);
	cr_expect_eq(seccomp_filter_arch_from_name("aarch64"), AUDIT_ARCH_AARCH64);
	cr_expect_eq(seccomp_filter_arch_from_name("i386"), 0);
	cr_expect_eq(seccomp_filter_syscall_number(AUDIT_ARCH_AARCH64, "open"), -ENOENT);
	cr_expect_eq(seccomp_filter_syscall_number(AUDIT_ARCH_X86_64, "open"), 2);
	cr_expect_eq(seccomp_filter_syscall_number(AUDIT_ARCH_AARCH64, "openat"), 56);
	cr_expect_eq(seccomp_filter_syscall_number(AUDIT_ARCH_I386, "open"), -EINVAL);
	cr_expect_eq(seccomp_filter_syscall_number(AUDIT_ARCH_X86_64, "no_such_call"), -ENOENT);
}

Test(seccomp_filter, syscall_names_interned)
{
	const char *read_x86 = seccomp_filter_syscall_name(AUDIT_ARCH_X86_64, 0);
	cr_assert_not_null(read_x86);
	cr_expect_str_eq(read_x86, "read");
	cr_expect_eq(seccomp_filter_syscall_name(AUDIT_ARCH_X86_64, 0), read_x86, "same string");
	cr_expect_str_eq(seccomp_filter_syscall_name(AUDIT_ARCH_X86_64, 2), "open");
	cr_expect_str_eq(seccomp_filter_syscall_name(AUDIT_ARCH_AARCH64, 63), "read");
	cr_expect_str_eq(seccomp_filter_syscall_name(AUDIT_ARCH_AARCH64, 2), "io_submit");
	cr_expect_null(seccomp_filter_syscall_name(AUDIT_ARCH_X86_64, 1000));
	cr_expect_null(seccomp_filter_syscall_name(AUDIT_ARCH_X86_64, 1024));
	cr_expect_null(seccomp_filter_syscall_name(AUDIT_ARCH_X86_64, -1));
	cr_expect_null(seccomp_filter_syscall_name(AUDIT_ARCH_I386, 0));
}

Test(seccomp_filter, profile_mode_is_the_default)
{
	struct policy *pol = load("{\"fnguard\": 1, \"mode\": \"enforce\", \"actions\": "
				  "{\"syscall\": \"alert\"}, \"syscalls\": [\"read\"]}");
	struct seccomp_filter *f = NULL;
	cr_assert_eq(seccomp_filter_build(pol, NULL, &f, NULL), 0);
	cr_expect_eq(JUDGE(f, "uname", 0), LOG);
	cr_expect_not(seccomp_filter_uses_trap(f));
	seccomp_filter_free(f);
	policy_free(pol);
}

Test(seccomp_filter, pfc_text)
{
	struct seccomp_filter *f = build(profile_main, &modes[0], AUDIT_ARCH_AARCH64);
	char *text = NULL;
	cr_assert_eq(seccomp_filter_pfc(f, &text), 0);
	cr_expect_not_null(strstr(text, "# filter for arch aarch64"));
	cr_expect_not_null(strstr(text, "action TRAP;"));
	cr_expect_not_null(strstr(text, "action KILL_PROCESS;"));
	cr_expect_not_null(strstr(text, "\"clone3\""));
	free(text);
	seccomp_filter_free(f);
}

/* ---- OCI JSON: parsed back and judged independently of the BPF ------------ */

static uint32_t oci_action(const cJSON *action, const cJSON *errno_ret)
{
	const char *s = cJSON_GetStringValue(action);
	cr_assert_not_null(s);
	if (strcmp(s, "SCMP_ACT_ALLOW") == 0)
		return ALLOW;
	if (strcmp(s, "SCMP_ACT_LOG") == 0)
		return LOG;
	if (strcmp(s, "SCMP_ACT_TRAP") == 0)
		return TRAP;
	cr_assert_str_eq(s, "SCMP_ACT_ERRNO");
	return SECCOMP_RET_ERRNO | (errno_ret ? (uint32_t)errno_ret->valuedouble : EPERM);
}

static bool oci_args_match(const cJSON *args, const uint64_t *v)
{
	const cJSON *arg;
	cJSON_ArrayForEach (arg, args) {
		unsigned index = (unsigned)cJSON_GetObjectItem(arg, "index")->valuedouble;
		uint64_t value = (uint64_t)cJSON_GetObjectItem(arg, "value")->valuedouble;
		uint64_t two = (uint64_t)cJSON_GetObjectItem(arg, "valueTwo")->valuedouble;
		const char *op = cJSON_GetStringValue(cJSON_GetObjectItem(arg, "op"));
		cr_assert_lt(index, 6);
		if (strcmp(op, "SCMP_CMP_MASKED_EQ") == 0) {
			cr_assert_leq(value, 0xffffffffull, "masks stay in the low 32 bits");
			if ((v[index] & value) != two)
				return false;
		} else {
			cr_assert_str_eq(op, "SCMP_CMP_EQ");
			if (v[index] != value)
				return false;
		}
	}
	return true;
}

/* What a runtime loading this JSON decides; two matching entries would be a bug. */
static uint32_t oci_judge(const cJSON *root, const char *name, const uint64_t *v)
{
	const cJSON *entry;
	uint32_t result = 0;
	int matches = 0;
	cJSON_ArrayForEach (entry, cJSON_GetObjectItem(root, "syscalls")) {
		const cJSON *n;
		bool named = false;
		cJSON_ArrayForEach (n, cJSON_GetObjectItem(entry, "names")) {
			named |= strcmp(n->valuestring, name) == 0;
		}
		if (!named || !oci_args_match(cJSON_GetObjectItem(entry, "args"), v))
			continue;
		matches++;
		result = oci_action(cJSON_GetObjectItem(entry, "action"),
				    cJSON_GetObjectItem(entry, "errnoRet"));
	}
	cr_assert_leq(matches, 1, "%s matches %d entries", name, matches);
	if (matches)
		return result;
	return oci_action(cJSON_GetObjectItem(root, "defaultAction"),
			  cJSON_GetObjectItem(root, "defaultErrnoRet"));
}

Test(seccomp_filter, oci_json_agrees_with_bpf)
{
	static const uint64_t samples[][6] = {
		{0},
		{AF_INET, SOCK_STREAM},
		{AF_NETLINK, SOCK_RAW},
		{0x100000002ull},
		{SIGSYS, 0x7000},
		{SIGSYS, 0},
		{PR_SET_SECCOMP, 2},
		{0xffffffff},
		{CLONE_NEWUSER | SIGCHLD},
		{3, 0x7000, 10, MSG_FASTOPEN},
		{3, 0x7000, 10, 0, 0x7100},
		{7, 0x7000, 10},
	};
	for (size_t a = 0; a < ELEMENTSOF(arches); a++) {
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			struct seccomp_filter *f = build_with(
				profile_main, (struct build_opts){.mode = modes[m].mode,
								  .errno_only = modes[m].errno_only,
								  .arch = arches[a],
								  .lockdown = true,
								  .log_fd = 7});
			char *text = NULL;
			cr_assert_eq(seccomp_filter_oci_json(f, &text), 0);
			cJSON *root = cJSON_Parse(text);
			cr_assert_not_null(root, "not JSON:\n%s", text);
			const cJSON *archs = cJSON_GetObjectItem(root, "architectures");
			cr_expect_eq(cJSON_GetArraySize(archs), 1);
			cr_expect_str_eq(cJSON_GetArrayItem(archs, 0)->valuestring,
					 arches[a] == AUDIT_ARCH_X86_64 ? "SCMP_ARCH_X86_64"
									: "SCMP_ARCH_AARCH64");
			/* Every name the JSON mentions, and some it leaves to the default. */
			const char *names[600];
			size_t n_names = 0, compared = 0;
			static const char *const unlisted[] = {"uname", "mkdirat", "execve"};
			for (size_t i = 0; i < ELEMENTSOF(unlisted); i++)
				names[n_names++] = unlisted[i];
			const cJSON *e, *n;
			cJSON_ArrayForEach (e, cJSON_GetObjectItem(root, "syscalls")) {
				cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(e, "names")),
					     0);
				cJSON_ArrayForEach (n, cJSON_GetObjectItem(e, "names")) {
					cr_assert_lt(n_names, ELEMENTSOF(names));
					names[n_names++] = n->valuestring;
				}
			}
			for (size_t i = 0; i < n_names; i++) {
				int nr = seccomp_filter_syscall_number(arches[a], names[i]);
				cr_assert_geq(nr, 0, "%s is not a %s call", names[i],
					      seccomp_filter_arch_name(arches[a]));
				for (size_t k = 0; k < ELEMENTSOF(samples); k++) {
					uint32_t want = run_nr(f, arches[a], nr, samples[k]);
					cr_expect_eq(oci_judge(root, names[i], samples[k]), want,
						     "%s %s: %s sample %zu",
						     seccomp_filter_arch_name(arches[a]),
						     modes[m].label, names[i], k);
					compared++;
				}
			}
			cr_expect_gt(compared, 12 * 20);
			cJSON_Delete(root);
			free(text);
			seccomp_filter_free(f);
		}
	}
}
