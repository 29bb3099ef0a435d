// SPDX-License-Identifier: MIT
/*
 * The seccomp layer in the shim: probe what the kernel allows, compile the
 * profile's filter, install it on every thread (TSYNC) with a SIGSYS
 * handler that logs each trapped call and makes it fail with EPERM.
 *
 * Only the first process of a tree installs: a filter is inherited across
 * fork and exec, so descendants are covered already (FNGUARD_SECCOMP carries
 * the profile hash of the installed filter to them; a child with another
 * profile hash stacks its own, which can only narrow).
 *
 * Where the kernel refuses (managed Lambda reportedly refuses seccomp and
 * PR_SET_NO_NEW_PRIVS), the shim goes on with the libc layer and the start
 * event says why; "require": ["seccomp"] turns that into a refusal to start.
 */
#include <errno.h>
#include <link.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "child_env.h"
#include "event.h"
#include "event_head.h"
#include "handover.h"
#include "raw_syscall.h"
#include "real.h"
#include "seccomp_filter.h"
#include "seccomp_layer.h"
#include "syscall_table.h"
#include "shim.h"
#include "sig_guard.h"
#include "syscall_ops.h"
#include "large_bss.h"

#define EXPORT __attribute__((visibility("default")))

#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC 1
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp trap */
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif

struct layer_state seccomp_state = {.status = LAYER_NOT_TRIED};
struct layer_state notify_state = {.status = LAYER_NOT_TRIED};

/* Names of the native syscalls, filled before the filter goes in (the handler reads them). */
#define MAX_NR 512
/* One page exactly: a process touches one page filling it, not two. */
static const char *syscall_names[MAX_NR] LARGE_BSS __attribute__((aligned(4096)));
/*
 * With a bundle the names stay in it ('\n'-separated, by number): the
 * handler finds one through an index of line starts it builds at the first
 * trap, so a process that never traps copies and touches nothing for them.
 */
static bool names_in_bundle;
#define NO_NAME UINT16_MAX
static uint16_t name_start[MAX_NR] LARGE_BSS;
static atomic_int name_index; /* 0: not built, 1: being built, 2: built */
static atomic_bool handler_installed;
static bool go_runtime;
/* The filter in force was made from another profile (seccomp_layer_profile_changed). */
static bool other_profile;
/*
 * policy_check_syscall()'s verdict per number, found at a number's first
 * trap (it walks the profile's lists): what the event's rule and tip say.
 */
enum {
	VERDICT_UNSEEN,
	VERDICT_LISTED,
	VERDICT_UNLISTED,
	VERDICT_DANGEROUS,
	VERDICT_NAMELESS
};
static _Atomic uint8_t verdicts[MAX_NR] LARGE_BSS;
/* A call the handler itself makes may trap too: then it only fails, unlogged. */
static __thread int in_handler __attribute__((tls_model("initial-exec")));

static void note(struct layer_state *s, enum layer_status status, int error, const char *reason)
{
	s->status = status;
	s->error = error;
	s->reason = reason;
}

/* The '\n' ending the line that starts at s[at], or NULL. */
static const char *line_end(const char *s, size_t len, size_t at)
{
	return at < len ? memchr(s + at, '\n', len - at) : NULL;
}

static void name_index_build(const char *s, size_t len)
{
	size_t at = 0;
	for (int nr = 0; nr < MAX_NR; nr++) {
		const char *nl = line_end(s, len, at);
		name_start[nr] = nl && at < NO_NAME ? (uint16_t)at : NO_NAME;
		at = nl ? (size_t)(nl - s) + 1 : len;
	}
}

void seccomp_layer_after_fork_child(void)
{
	if (atomic_load(&name_index) == 1)
		atomic_store(&name_index, 0);
}

/* Syscall nr's name from the bundle into buf, or NULL. Async-signal-safe, allocates nothing. */
static const char *name_from_bundle(int nr, char *buf, size_t size)
{
	const char *s = shim.bundle_view.names;
	size_t len = shim.bundle_view.names_len, at = 0;
	int expected = 0;

	if (atomic_load(&name_index) != 2 &&
	    atomic_compare_exchange_strong(&name_index, &expected, 1)) {
		name_index_build(s, len);
		atomic_store(&name_index, 2);
	}
	if (atomic_load(&name_index) == 2) {
		if (name_start[nr] == NO_NAME)
			return NULL;
		at = name_start[nr];
	} else {
		/* Another thread is building the index: walk to the line. */
		for (int k = 0; k < nr; k++) {
			const char *nl = line_end(s, len, at);
			if (!nl)
				return NULL;
			at = (size_t)(nl - s) + 1;
		}
	}
	const char *nl = line_end(s, len, at);
	size_t n = nl ? (size_t)(nl - s) - at : 0;
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, s + at, n);
	buf[n] = '\0';
	return buf;
}

static uint8_t verdict_of(int nr, const char *name)
{
	uint8_t c = atomic_load_explicit(&verdicts[nr], memory_order_relaxed);
	struct policy_verdict v;

	if (c != VERDICT_UNSEEN)
		return c;
	if (policy_check_syscall(shim.policy, name, &v) < 0)
		c = VERDICT_NAMELESS;
	else
		c = v.by_deny ? VERDICT_DANGEROUS : v.allowed ? VERDICT_LISTED : VERDICT_UNLISTED;
	atomic_store_explicit(&verdicts[nr], c, memory_order_relaxed);
	return c;
}

static void tip_syscalls(struct json_line *jl, const struct shim_event *ev)
{
	const struct seccomp_refusal *r = ev->tip_data;
	event_tip_syscalls(jl, r->need, r->also);
}

/*
 * Why the filter refused the call, from the profile this process read: the
 * installed filter was compiled from it (or handed down with its hash), so
 * the two agree. A filter inherited from another profile, or a number
 * without a name, gets no more than that it was refused.
 */
static void explain(int nr, const char *name, const unsigned long *args,
		    struct seccomp_refusal *ret)
{
	*ret = (struct seccomp_refusal){.rule = "refused by the seccomp filter", .by_deny = true};
	if (other_profile) {
		ret->rule = "refused by the seccomp filter of the first process, made from the "
			    "profile as it was then";
		return;
	}
	if (!shim.policy || nr < 0 || nr >= MAX_NR)
		return;
	uint8_t c = verdict_of(nr, name);
	if (c == VERDICT_NAMELESS)
		return;
	struct policy_verdict v = {
		.allowed = c == VERDICT_LISTED, .by_deny = c == VERDICT_DANGEROUS, .rule = -1};
	struct seccomp_data d = {.nr = nr};
	for (int i = 0; i < 6; i++)
		d.args[i] = args[i];
	/* What seccomp_layer_start() compiles, or a bundle holds, for enforce: */
	static const struct seccomp_options enforce = {
		.mode = POLICY_MODE_ENFORCE, .after_install_lockdown = true, .log_fd = -1};
	seccomp_filter_refusal(shim.policy, name, &v, &d, &enforce, ret);
}

/*
 * The trap: runs on the thread that made the call, in signal context. It
 * formats "name(arg0, ...)" by hand (no snprintf), writes the event through
 * the allocation-free writer and sets the call's return value to -EPERM.
 */
static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;
	int saved = errno;
	char target[256];
	size_t n = 0;
	unsigned long args[6];
	int nr = info->si_syscall;
	char fallback[64];
	const char *name;

	(void)sig;
	if (info->si_code != SYS_SECCOMP) {
		errno = saved;
		return;
	}
	/* Nested (SA_NODEFER), unless left by a vfork child that died in here (shim.h). */
	if (in_handler && !(shim_busy_child && shim_busy_left_behind())) {
#if defined(__x86_64__)
		uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
		uc->uc_mcontext.regs[0] = (unsigned long)-EPERM;
#endif
		return;
	}
	in_handler++;
	/*
	 * The guard is held for the whole handler; in a vfork child, which
	 * shares this thread's memory with its waiting parent, with the
	 * child's id beside it, so that a child that dies in here leaves
	 * nothing the parent takes for its own.
	 */
	int me = (int)raw_syscall(SYS_getpid);
	int outer_child = shim_busy_child;
	shim_busy++;
	if (me != child_env_image_pid())
		shim_busy_child = me;
	name = nr < 0 || nr >= MAX_NR ? NULL
	       : names_in_bundle      ? name_from_bundle(nr, fallback, sizeof(fallback))
				      : syscall_names[nr];
#if defined(__x86_64__)
	greg_t *g = uc->uc_mcontext.gregs;
	args[0] = (unsigned long)g[REG_RDI];
	args[1] = (unsigned long)g[REG_RSI];
	args[2] = (unsigned long)g[REG_RDX];
	args[3] = (unsigned long)g[REG_R10];
	args[4] = (unsigned long)g[REG_R8];
	args[5] = (unsigned long)g[REG_R9];
#elif defined(__aarch64__)
	for (int i = 0; i < 6; i++)
		args[i] = (unsigned long)uc->uc_mcontext.regs[i];
#else
	memset(args, 0, sizeof(args));
#endif
	bool nameless = !name;
	if (nameless) {
		memcpy(fallback, "syscall_", 8);
		size_t k = 8;
		char digits[12];
		size_t d = 0;
		unsigned v = (unsigned)nr;
		do
			digits[d++] = (char)('0' + v % 10);
		while ((v /= 10) && d < sizeof(digits));
		while (d)
			fallback[k++] = digits[--d];
		fallback[k] = '\0';
		name = fallback;
	}
	n = event_call_text(target, sizeof(target), name, args);
	struct seccomp_refusal why;
	explain(nameless ? -1 : nr, name, args, &why);

	struct shim_event ev = {
		.type = "violation",
		.category = POLICY_CAT_SYSCALL,
		.op = name,
		.target = target,
		.target_len = n,
		.rule = why.rule,
		.action = EVENT_ACTION_BLOCKED,
		.detail = "trapped by the seccomp filter",
		.tip = why.need ? tip_syscalls : NULL,
		.tip_data = &why,
		.pid = me,
	};
	atomic_fetch_add(&shim.violations, 1);
	atomic_fetch_add(&shim.blocked, 1);
	uint64_t blocked = 0;
	if (!sigismember(&uc->uc_sigmask, SIGPIPE))
		blocked |= sig_guard_bit(SIGPIPE);
	if (!sigismember(&uc->uc_sigmask, SIGXFSZ))
		blocked |= sig_guard_bit(SIGXFSZ);
	ev.sig_blocked = blocked;
	event_emit(&ev);
	shim_busy_child = outer_child;
	shim_busy--;
#if defined(__x86_64__)
	g[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long)-EPERM;
#endif
	in_handler--;
	errno = saved;
}

static uint32_t native_arch(void)
{
#if defined(__aarch64__)
	return AUDIT_ARCH_AARCH64;
#else
	return AUDIT_ARCH_X86_64;
#endif
}

static void fill_names(uint32_t arch)
{
	for (int nr = 0; nr < MAX_NR; nr++)
		syscall_names[nr] = seccomp_filter_syscall_name(arch, nr);
}

/* The queries that cost nothing and change nothing. */
static void probe_notify(void)
{
	struct {
		unsigned short a, b, c;
	} sizes;
	/* Made here, not in libc: fnguard record does not learn the shim's own calls. */
	if (raw_syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0)
		note(&notify_state, LAYER_ACTIVE, 0, "available to fnguard exec");
	else
		note(&notify_state, LAYER_UNAVAILABLE, errno, "SECCOMP_GET_NOTIF_SIZES refused");
}

/* Names first (the handler cannot look them up), then the handler. */
static int install_handler(bool bundle_names)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO | SA_NODEFER};
	/* The event writer's guards, set by the kernel on entry (sig_guard.h). */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGPIPE);
	sigaddset(&sa.sa_mask, SIGXFSZ);
	if (bundle_names)
		names_in_bundle = true;
	else
		fill_names(native_arch());
	if (REAL(sigaction)(SIGSYS, &sa, NULL) < 0)
		return -1;
	atomic_store(&handler_installed, true);
	return 0;
}

static bool from_bundle_names(void)
{
	return shim.bundle && shim.bundle_view.names;
}

/*
 * Go's runtime (a cgo program, which LD_PRELOAD does reach) installs its own
 * SIGSYS handler, fails hard when that is refused, and dies on a trap it did
 * not expect. Its build-id note ("Go", type 4) in the program's PT_NOTE
 * segments (its name "Go" padded to 4) tells it apart: such a process gets
 * an errno-only filter, and its runtime keeps SIGSYS.
 */
static int find_go_note(struct dl_phdr_info *info, size_t size, void *data)
{
	bool *found = data;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *n = (const void *)p;
			size_t name_len = (n->n_namesz + 3) & ~3u,
			       desc_len = (n->n_descsz + 3) & ~3u;
			if ((size_t)(end - p) < sizeof(*n) + name_len + desc_len)
				break;
			/* Go writes the name "Go" with namesz 4 (padded), the ELF way is 3. */
			if ((n->n_namesz == 3 || n->n_namesz == 4) && n->n_type == 4 &&
			    memcmp(p + sizeof(*n), "Go", 3) == 0) {
				*found = true;
				return 1;
			}
			p += sizeof(*n) + name_len + desc_len;
		}
	}
	return 1; /* the first object is the program itself: no further */
}

bool seccomp_layer_profile_changed(void)
{
	return other_profile;
}

bool seccomp_layer_lets_shim_call(atomic_int *memo, const char *name)
{
	int u = atomic_load_explicit(memo, memory_order_relaxed);
	if (u == 0) {
		struct policy_verdict v;
		/* Before the shim has started, its filter is not known yet: asked again. */
		if (!atomic_load_explicit(&shim_ready, memory_order_acquire))
			return false;
		bool ok = seccomp_state.status != LAYER_ACTIVE ||
			  shim.action[POLICY_CAT_SYSCALL] == POLICY_MODE_RECORD ||
			  (shim.policy && !other_profile &&
			   policy_check_syscall(shim.policy, name, &v) == 0 && v.allowed);
		u = ok ? 1 : -1;
		atomic_store_explicit(memo, u, memory_order_relaxed);
	}
	return u > 0;
}

bool seccomp_layer_go_runtime(void)
{
	return go_runtime;
}

/*
 * A descendant whose first process installed its filter (never the first
 * process). *same: for the profile this process read; else the profile
 * changed since (a JSON file edited while the function runs, read again
 * where what the first process read was not handed down): its filter
 * stays all the same, and refuses another (after_install_lockdown).
 */
static bool inherited(bool *same)
{
	const char *mark = secure_getenv("FNGUARD_SECCOMP");
	if (shim.root || !mark || prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		return false;
	*same = strcmp(mark, shim.profile_hash) == 0;
	return true;
}

int seccomp_layer_start(void)
{
	struct seccomp_options o;
	struct seccomp_filter *f = NULL;
	bool from_bundle = false;
	int r;

	bool same = true;
	dl_iterate_phdr(find_go_note, &go_runtime);
	if (shim.policy && inherited(&same)) {
		other_profile = !same;
		/*
		 * The filter came with the exec: its traps need this image's
		 * handler (handlers do not survive exec), and its lockdown would
		 * trap a probe, so none is made.
		 */
		if (go_runtime) {
			/* An inherited filter traps: Go's handler takes it and the program ends. */
			note(&seccomp_state, LAYER_ACTIVE, 0,
			     "inherited; a Go runtime handles SIGSYS itself: a denied call ends "
			     "the program, without an event");
			note(&notify_state, LAYER_NOT_TRIED, 0,
			     "not probed under an inherited filter");
			return 0;
		}
		/*
		 * Made from this profile for alert mode (or errno-only), the
		 * filter traps nothing: no handler, and SIGSYS stays the
		 * program's, as in the first process. (A mode changed behind
		 * the shim's back leaves traps without a handler: they kill.)
		 */
		if (same && (shim.action[POLICY_CAT_SYSCALL] != POLICY_MODE_ENFORCE ||
			     secure_getenv("FNGUARD_SECCOMP_ERRNO"))) {
			note(&seccomp_state, LAYER_ACTIVE, 0,
			     "inherited from the first process; calls not listed are not trapped "
			     "(alert mode logs them to the kernel's audit log, errno-only refuses "
			     "them)");
			note(&notify_state, LAYER_NOT_TRIED, 0,
			     "not probed under an inherited filter");
			return 0;
		}
		if (install_handler(from_bundle_names()) == 0)
			note(&seccomp_state, LAYER_ACTIVE, 0,
			     same ? "inherited from the first process"
				  : "inherited from the first process, made from the profile as it "
				    "was then (it has changed since)");
		else
			note(&seccomp_state, LAYER_ACTIVE, errno,
			     "inherited, but the SIGSYS handler could not be set: traps kill");
		note(&notify_state, LAYER_NOT_TRIED, 0, "not probed under an inherited filter");
		return 0;
	}
	probe_notify();
	if (!shim.policy) {
		note(&seccomp_state, LAYER_UNAVAILABLE, 0, "no profile");
		return 0;
	}
	if (policy_rule_count(shim.policy, POLICY_CAT_SYSCALL) == 0) {
		/* A profile that says nothing about syscalls does not get "deny them all". */
		note(&seccomp_state, LAYER_UNAVAILABLE, 0, "the profile lists no syscalls");
		return 0;
	}
	if (shim.action[POLICY_CAT_SYSCALL] == POLICY_MODE_RECORD) {
		note(&seccomp_state, LAYER_UNAVAILABLE, 0, "record mode: nothing is filtered");
		return 0;
	}
	if (secure_getenv("FNGUARD_NO_SECCOMP")) {
		note(&seccomp_state, LAYER_UNAVAILABLE, 0, "turned off by FNGUARD_NO_SECCOMP");
		return 0;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		note(&seccomp_state, LAYER_UNAVAILABLE, errno, "PR_SET_NO_NEW_PRIVS refused");
		return 0;
	}
	seccomp_options_init(&o, shim.policy);
	o.after_install_lockdown = true;
	o.log_fd = atomic_load(&shim.log_fd);
	o.errno_only = secure_getenv("FNGUARD_SECCOMP_ERRNO") != NULL || go_runtime;

	/* A bundle carries the program precompiled: no libseccomp at start. */
	size_t len = 0;
	bool uses_trap = false;
	const struct sock_filter *prog = NULL;
	/* Compiled without write, it would drop every event: a rule for the log is added here. */
	bool stale = false;
	if (shim.bundle && !(o.mode == POLICY_MODE_ENFORCE && o.log_fd >= 0 &&
			     !bundle_lists_write(&shim.bundle_view))) {
		prog = bundle_program(&shim.bundle_view, o.mode, o.errno_only, native_arch(), &len,
				      &uses_trap);
		stale = !prog && bundle_programs_stale(&shim.bundle_view);
	}
	if (prog) {
		from_bundle = true;
	} else {
		r = seccomp_filter_build(shim.policy, &o, &f, NULL);
		if (r < 0) {
			note(&seccomp_state, LAYER_UNAVAILABLE, -r,
			     "the filter could not be compiled");
			seccomp_state.ours = true;
			return 0;
		}
		prog = seccomp_filter_program(f, &len);
		uses_trap = seccomp_filter_uses_trap(f);
	}
	struct sock_fprog fprog = {.len = (unsigned short)len,
				   .filter = (struct sock_filter *)prog};
	if (uses_trap && install_handler(from_bundle) < 0) {
		note(&seccomp_state, LAYER_UNAVAILABLE, errno,
		     "the SIGSYS handler could not be set");
		seccomp_filter_free(f);
		return 0;
	}
	/* The last moment a process of this tree can start a supervisor. */
	handover_launcher_start();
	long ret = shim_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
				&fprog);
	int err = errno;
	seccomp_filter_free(f);
	if (ret != 0) {
		handover_launcher_stop();
		/* ret > 0: the id of a thread that could not be synchronised. */
		note(&seccomp_state, LAYER_UNAVAILABLE, ret > 0 ? EBUSY : err,
		     ret > 0 ? "a thread could not be synchronised (TSYNC)"
			     : "seccomp(SECCOMP_SET_MODE_FILTER) refused");
		return 0;
	}
	setenv("FNGUARD_SECCOMP", shim.profile_hash, 1);
	if (go_runtime)
		note(&seccomp_state, LAYER_ACTIVE, 0,
		     "installed on every thread; a Go runtime was found (it handles SIGSYS "
		     "itself): denials return EPERM, without an event");
	else if (stale)
		note(&seccomp_state, LAYER_ACTIVE, 0,
		     o.mode == POLICY_MODE_ALERT
			     ? "compiled at start (the bundle's programs predate this fnguard's fixed "
			       "filter rules: compile the bundle again to start faster), installed "
			       "on every thread; alert: calls not listed run, logged to the "
			       "kernel's audit log only"
		     : o.errno_only
			     ? "compiled at start (the bundle's programs predate this fnguard's fixed "
			       "filter rules: compile the bundle again to start faster), installed "
			       "on every thread; denials return EPERM"
			     : "compiled at start (the bundle's programs predate this fnguard's fixed "
			       "filter rules: compile the bundle again to start faster), installed "
			       "on every thread; denials trap, are logged and return EPERM");
	else if (o.mode == POLICY_MODE_ALERT)
		note(&seccomp_state, LAYER_ACTIVE, 0,
		     from_bundle ? "precompiled, installed on every thread; alert: calls not "
				   "listed run, logged to the kernel's audit log only"
				 : "compiled at start, installed on every thread; alert: calls not "
				   "listed run, logged to the kernel's audit log only");
	else if (from_bundle)
		note(&seccomp_state, LAYER_ACTIVE, 0,
		     o.errno_only ? "precompiled, installed on every thread; denials return EPERM"
				  : "precompiled, installed on every thread; denials trap, are "
				    "logged and return EPERM");
	else
		note(&seccomp_state, LAYER_ACTIVE, 0,
		     o.errno_only
			     ? "compiled at start, installed on every thread; denials return "
			       "EPERM"
			     : "compiled at start, installed on every thread; denials trap, are "
			       "logged and return EPERM");
	return 0;
}

void seccomp_layer_forget_handler(void)
{
	in_handler = 0;
}

bool seccomp_layer_guards_sigsys(void)
{
	return atomic_load(&handler_installed) && !go_runtime;
}

/* ---- the handler cannot be replaced ------------------------------------------ */

bool seccomp_layer_refuse_sigsys(const char *op)
{
	struct shim_event ev = {
		.type = "violation",
		.category = POLICY_CAT_SYSCALL,
		.op = op,
		.target = "SIGSYS",
		.target_len = 6,
		.rule = "fnguard's SIGSYS handler cannot be replaced",
		.action = EVENT_ACTION_BLOCKED,
	};
	if (!seccomp_layer_guards_sigsys())
		return false;
	atomic_fetch_add(&shim.blocked, 1);
	shim_busy++;
	event_emit(&ev);
	shim_busy--;
	return true;
}

/*
 * Resetting SIGSYS to its default is what a child does before exec (Python's
 * subprocess resets every handler): the reset is answered "done" without
 * touching fnguard's handler (exec replaces it anyway) and without an event.
 * Any other handler, or SIG_IGN (which would make a trap kill), is tampering.
 */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == SIGSYS && act && !shim_busy && seccomp_layer_guards_sigsys()) {
		if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL) {
			if (old)
				REAL(sigaction)(sig, NULL, old);
			return 0;
		}
		seccomp_layer_refuse_sigsys("sigaction");
		errno = EPERM;
		return -1;
	}
	return REAL(sigaction)(sig, act, old);
}

/* libc's other name for sigaction (not declared by its headers). */
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction(sig, act, old);
}

/* Declared by signal.h only for older X/Open levels. */
sighandler_t bsd_signal(int sig, sighandler_t handler);

/*
 * signal() and its relatives (each with its own semantics, kept: the real
 * one is called): SIG_DFL for SIGSYS is answered as done, anything else
 * refused. Returns true when the call must not go on (*ret is its answer).
 */
static bool sigsys_handler_call(const char *op, int sig, sighandler_t handler, sighandler_t *ret)
{
	if (sig != SIGSYS || shim_busy || !seccomp_layer_guards_sigsys())
		return false;
	if (handler == SIG_DFL) {
		*ret = SIG_DFL;
		return true;
	}
	seccomp_layer_refuse_sigsys(op);
	errno = EPERM;
	*ret = SIG_ERR;
	return true;
}

#define SIGNAL_WRAP(sym)                                           \
	EXPORT sighandler_t sym(int sig, sighandler_t handler)     \
	{                                                          \
		sighandler_t ret;                                  \
		if (sigsys_handler_call(#sym, sig, handler, &ret)) \
			return ret;                                \
		if (!REAL(sym)) {                                  \
			errno = ENOSYS;                            \
			return SIG_ERR;                            \
		}                                                  \
		return REAL(sym)(sig, handler);                    \
	}

SIGNAL_WRAP(signal)
SIGNAL_WRAP(sysv_signal)
SIGNAL_WRAP(bsd_signal)
SIGNAL_WRAP(sigset)

/* glibc's internal name of sysv_signal. */
EXPORT extern __typeof(sysv_signal) __sysv_signal __attribute__((alias("sysv_signal")));

static void syscall_tip(struct json_line *jl, const struct shim_event *ev)
{
	json_line_arr_begin(jl, "syscalls");
	json_line_str(jl, NULL, ev->target, ev->target_len);
	json_line_arr_end(jl);
}

bool seccomp_layer_refuses_ahead(const char *name, const char *detail)
{
	struct policy_verdict v;

	/* The filter in force is another profile's (other_profile): it is not judged here. */
	if (seccomp_state.status != LAYER_ACTIVE || !shim.policy || other_profile ||
	    shim.action[POLICY_CAT_SYSCALL] != POLICY_MODE_ENFORCE ||
	    policy_rule_count(shim.policy, POLICY_CAT_SYSCALL) == 0 ||
	    policy_check_syscall(shim.policy, name, &v) < 0 || v.allowed)
		return false;
	struct shim_event ev = {
		.type = "violation",
		.category = POLICY_CAT_SYSCALL,
		.op = name,
		.target = name,
		.target_len = strlen(name),
		.rule = v.by_deny ? "in the dangerous set: allowed only under \"unsafe\""
				  : "not in the profile's syscalls",
		.action = EVENT_ACTION_BLOCKED,
		.detail = detail,
		.tip = v.by_deny ? NULL : syscall_tip,
	};
	atomic_fetch_add(&shim.violations, 1);
	atomic_fetch_add(&shim.blocked, 1);
	event_emit(&ev);
	return true;
}

bool seccomp_layer_refuses_ioctl(const char *request)
{
	/* Whatever the profile lists, "syscalls" or none: no profile can allow it. */
	if (!shim.active || !shim.policy || shim.action[POLICY_CAT_SYSCALL] == POLICY_MODE_RECORD)
		return false;
	/* Alert's filter refuses what no profile can allow (EPERM, unlogged): so said. */
	bool block = shim.action[POLICY_CAT_SYSCALL] == POLICY_MODE_ENFORCE ||
		     (seccomp_state.status == LAYER_ACTIVE && !other_profile);
	struct shim_event ev = {
		.type = "violation",
		.category = POLICY_CAT_SYSCALL,
		.op = "ioctl",
		.target = request,
		.target_len = strlen(request),
		.rule = SYSCALL_REFUSED_IOCTL_RULE,
		.action = block ? EVENT_ACTION_BLOCKED : EVENT_ACTION_LOGGED,
	};
	atomic_fetch_add(&shim.violations, 1);
	if (block)
		atomic_fetch_add(&shim.blocked, 1);
	shim_busy++;
	event_emit(&ev);
	shim_busy--;
	return block;
}
