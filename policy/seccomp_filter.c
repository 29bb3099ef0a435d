// SPDX-License-Identifier: MIT
/*
 * The seccomp compiler. A profile becomes a plan first (struct filter_rule:
 * syscall number, action, up to two argument tests), then the plan is fed
 * to libseccomp for the BPF and the PFC text, and seccomp_oci.c writes the
 * same plan as OCI JSON, so all three outputs say the same thing.
 *
 * Two libseccomp properties shape the plan:
 *  - an unconditional rule on a call swallows every conditional rule on it,
 *    and a rule that overlaps an existing one with another action is
 *    refused (-EEXIST). So each call is decided in exactly one place, and
 *    where a call is allowed except for some argument values, the allowed
 *    values are spelled out as masked prefixes that never overlap the
 *    denied ones (add_outside()): no verdict depends on rule order.
 *  - a rule whose action is the default is refused (-EACCES); it would
 *    change nothing, so add_rule() drops it.
 *
 * Integer arguments are compared with SCMP_CMP_MASKED_EQ under masks inside
 * the low 32 bits: the kernel reads these arguments as int, and a plain
 * 64-bit compare would let 0x100000002 through as "not 2" while the kernel
 * acts on 2. The one pointer test (NULL) compares all 64 bits, because there
 * the kernel uses all 64.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bpf_sim.h"
#include "large_bss.h"
#include "seccomp_filter.h"
#include "seccomp_filter_internal.h"
#include "syscall_table.h"
#include "util.h"

/* A sorted set of syscall numbers. */
struct nr_set {
	int *v;
	size_t n, cap;
};

struct plan {
	struct seccomp_filter *f;
	uint32_t def;	     /* unlisted calls */
	uint32_t hard;	     /* the dangerous set and narrowed arguments */
	bool protect_sigsys; /* trap rt_sigaction(SIGSYS, act) */
	struct nr_set listed, unsafe, claimed;
};

/* Calls every process needs to end and to come back from a signal handler. */
static const char *const essential_syscalls[] = {
	"exit",
	"exit_group",
	"rt_sigreturn",
	"restart_syscall",
};

/* Arguments behind pointers: ENOSYS makes glibc fall back to clone (plan_openat2 too). */
static const char *const enosys_syscalls[] = {
	"clone3",
};

/*
 * CLONE_NEW* flags clone(2) reads from its low 32 bits. CLONE_NEWTIME
 * (0x80) is left out: in clone(2) that bit is part of the exit signal.
 */
#define CLONE_NAMESPACE_FLAGS                                                          \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	 CLONE_NEWPID | CLONE_NEWNET)

/* Socket families the libc layer can judge (DESIGN.md: others are dangerous). */
static const uint32_t socket_families[] = {AF_UNIX, AF_INET, AF_INET6};

#define PERSONALITY_QUERY 0xffffffffu

/* ---- numbers and sets --------------------------------------------------- */

uint32_t seccomp_filter_arch_from_name(const char *name)
{
	if (!name)
		return 0;
	if (strcmp(name, "x86_64") == 0)
		return AUDIT_ARCH_X86_64;
	if (strcmp(name, "aarch64") == 0)
		return AUDIT_ARCH_AARCH64;
	return 0;
}

const char *seccomp_filter_arch_name(uint32_t arch)
{
	switch (arch) {
	case AUDIT_ARCH_X86_64:
		return "x86_64";
	case AUDIT_ARCH_AARCH64:
		return "aarch64";
	default:
		return NULL;
	}
}

static int arch_resolve(uint32_t arch, uint32_t *ret)
{
	if (arch == 0)
		arch = seccomp_arch_native();
	if (!seccomp_filter_arch_name(arch))
		return -EINVAL;
	*ret = arch; /* libseccomp's SCMP_ARCH_* tokens are the AUDIT_ARCH_* values */
	return 0;
}

int seccomp_filter_syscall_number(uint32_t arch, const char *name)
{
	int r = arch_resolve(arch, &arch);
	if (r < 0)
		return r;
	if (!name || !name[0])
		return -ENOENT;
	r = seccomp_syscall_resolve_name_arch(arch, name);
	return r >= 0 ? r : -ENOENT;
}

/* Names resolved once per (arch, number) and kept for the life of the process. */
#define NAME_CACHE_NRS 1024
static _Atomic(char *) name_cache[2][NAME_CACHE_NRS] LARGE_BSS;

const char *seccomp_filter_syscall_name(uint32_t arch, int nr)
{
	if (arch_resolve(arch, &arch) < 0 || nr < 0 || nr >= NAME_CACHE_NRS)
		return NULL;
	_Atomic(char *) *slot = &name_cache[arch == AUDIT_ARCH_AARCH64][nr];
	char *name = atomic_load(slot);
	if (name)
		return name;
	name = seccomp_syscall_resolve_num_arch(arch, nr);
	if (!name)
		return NULL;
	char *first = NULL;
	if (!atomic_compare_exchange_strong(slot, &first, name)) {
		free(name); /* another thread interned it first */
		return first;
	}
	return name;
}

static size_t nr_set_position(const struct nr_set *s, int nr)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid] < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool nr_set_has(const struct nr_set *s, int nr)
{
	size_t i = nr_set_position(s, nr);
	return i < s->n && s->v[i] == nr;
}

/* Returns 1 if added, 0 if already there, -ENOMEM. */
static int nr_set_add(struct nr_set *s, int nr)
{
	size_t i = nr_set_position(s, nr);
	if (i < s->n && s->v[i] == nr)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		int *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
	s->v[i] = nr;
	s->n++;
	return 1;
}

struct expansion {
	uint32_t arch;
	struct nr_set *set;
};

static int expand_name(const char *name, void *userdata)
{
	struct expansion *e = userdata;
	int nr = seccomp_syscall_resolve_name_arch(e->arch, name);

	/* A call this architecture lacks ("open" on aarch64) is simply not there. */
	if (nr < 0)
		return 0;
	return nr_set_add(e->set, nr) < 0 ? -ENOMEM : 0;
}

static int expand_list(uint32_t arch, const char *const *items, size_t n, struct nr_set *set)
{
	struct expansion e = {.arch = arch, .set = set};
	for (size_t i = 0; i < n; i++) {
		int r = items[i][0] == '@' ? syscall_group_expand(items[i], expand_name, &e)
					   : expand_name(items[i], &e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the plan ------------------------------------------------------------ */

static struct filter_cond arg32(unsigned arg, uint32_t mask, uint32_t value)
{
	return (struct filter_cond){
		.arg = (uint8_t)arg, .kind = COND_MASKED32, .mask = mask, .value = value & mask};
}

static struct filter_cond arg_null(unsigned arg)
{
	return (struct filter_cond){.arg = (uint8_t)arg, .kind = COND_EQ64, .value = 0};
}

static int add_rule(struct plan *p, int nr, uint32_t action, unsigned n_conds,
		    const struct filter_cond *conds)
{
	struct seccomp_filter *f = p->f;

	if (action == p->def)
		return 0;
	if (f->n_rules == f->cap_rules) {
		size_t cap = f->cap_rules ? f->cap_rules * 2 : 128;
		struct filter_rule *rules = realloc(f->rules, cap * sizeof(*rules));
		if (!rules)
			return -ENOMEM;
		f->rules = rules;
		f->cap_rules = cap;
	}
	struct filter_rule *rule = &f->rules[f->n_rules++];
	*rule = (struct filter_rule){.nr = nr, .action = action, .n_conds = n_conds};
	for (unsigned i = 0; i < n_conds; i++)
		rule->conds[i] = conds[i];
	return 0;
}

/*
 * Marks the call as decided by the caller, so that the generic pass and
 * later special cases leave it alone. Returns its number, -ENOENT when the
 * architecture lacks it or it was decided already, or -ENOMEM.
 */
static int claim(struct plan *p, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(p->f->arch, name);
	if (nr < 0)
		return -ENOENT;
	int r = nr_set_add(&p->claimed, nr);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : nr;
}

static bool listed(const struct plan *p, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(p->f->arch, name);
	return nr >= 0 && nr_set_has(&p->listed, nr);
}

static bool value_has_prefix(const uint32_t *values, size_t n, uint32_t mask, uint32_t prefix)
{
	for (size_t i = 0; i < n; i++)
		if ((values[i] & mask) == prefix)
			return true;
	return false;
}

/*
 * Gives action to every 32-bit value of argument arg that is not in
 * values[], with extra (may be NULL) as a second condition on each rule.
 * The complement is cut into masked prefixes: walking the bits from the
 * top, a prefix no listed value starts with becomes one rule. At most 32
 * rules per value, none overlapping a value in the list.
 */
static int add_outside(struct plan *p, int nr, uint32_t action, unsigned arg,
		       const uint32_t *values, size_t n, uint32_t prefix, unsigned fixed_bits)
{
	uint32_t mask = fixed_bits ? ~0u << (32 - fixed_bits) : 0;

	if (!value_has_prefix(values, n, mask, prefix)) {
		struct filter_cond c = arg32(arg, mask, prefix);
		return add_rule(p, nr, action, fixed_bits ? 1 : 0, &c);
	}
	if (fixed_bits == 32)
		return 0;
	uint32_t bit = 1u << (31 - fixed_bits);
	int r = add_outside(p, nr, action, arg, values, n, prefix, fixed_bits + 1);
	if (r < 0)
		return r;
	return add_outside(p, nr, action, arg, values, n, prefix | bit, fixed_bits + 1);
}

/*
 * Gives action to every value of arg with any bit of mask set: one rule
 * per bit, "this bit set, the mask's higher bits clear", so that no two
 * rules match the same value.
 */
static int add_any_bit(struct plan *p, int nr, uint32_t action, unsigned arg, uint32_t mask)
{
	uint32_t higher = 0;
	for (int i = 31; i >= 0; i--) {
		uint32_t bit = 1u << i;
		if (!(mask & bit))
			continue;
		struct filter_cond c = arg32(arg, higher | bit, bit);
		int r = add_rule(p, nr, action, 1, &c);
		if (r < 0)
			return r;
		higher |= bit;
	}
	return 0;
}

static int plan_dangerous(struct plan *p)
{
	for (const char *const *name = syscall_dangerous_set(); *name; name++) {
		int nr = claim(p, *name);
		if (nr == -ENOMEM)
			return nr;
		if (nr < 0)
			continue;
		uint32_t action = nr_set_has(&p->unsafe, nr) ? SCMP_ACT_ALLOW : p->hard;
		int r = add_rule(p, nr, action, 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Decides each of names[] with one unconditional action. */
static int plan_fixed(struct plan *p, const char *const *names, size_t n, uint32_t action)
{
	for (size_t i = 0; i < n; i++) {
		int nr = claim(p, names[i]);
		if (nr == -ENOMEM)
			return nr;
		if (nr < 0)
			continue;
		int r = add_rule(p, nr, action, 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * openat2(2) is openat(2) with its flags behind a pointer. The filter puts
 * no condition on openat's flags, so where openat is allowed openat2 hides
 * nothing from it and is allowed too: the shim opens with
 * RESOLVE_NO_SYMLINKS where links can be planted (file_ops.c), one call
 * instead of a readlink per component. Elsewhere ENOSYS, so that callers
 * fall back to openat and meet its rule.
 */
static int plan_openat2(struct plan *p)
{
	int nr = claim(p, "openat2");
	if (nr == -ENOMEM)
		return nr;
	if (nr < 0)
		return 0;
	return add_rule(p, nr, listed(p, "openat") ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(ENOSYS), 0,
			NULL);
}

/*
 * socket(AF_INET, SOCK_PACKET) is the kernel's old spelling of an AF_PACKET
 * socket (__sock_create turns one into the other): its type (the low four
 * bits of the argument, the rest being SOCK_NONBLOCK and SOCK_CLOEXEC) is
 * refused like the packet family; every other type is allowed. The allowed
 * types are cut into masked prefixes of those four bits, none overlapping
 * the refused one: 0xxx, 11xx, 100x, 1011.
 */
static int add_inet_socket(struct plan *p, int nr, struct filter_cond inet)
{
	const uint32_t type_bits = 0xf, packet = SOCK_PACKET;

	for (unsigned fixed = 1; fixed <= 4; fixed++) {
		uint32_t mask = (type_bits << (4 - fixed)) & type_bits;
		uint32_t bit = 1u << (4 - fixed);
		/* Equal to SOCK_PACKET above this bit, different at it. */
		struct filter_cond c[2] = {inet, arg32(1, mask, (packet & mask) ^ bit)};
		int r = add_rule(p, nr, SCMP_ACT_ALLOW, 2, c);
		if (r < 0)
			return r;
	}
	struct filter_cond c[2] = {inet, arg32(1, type_bits, packet)};
	return add_rule(p, nr, p->hard, 2, c);
}

/*
 * socket(2): the families the libc layer judges are allowed when socket is
 * listed; every other family (netlink, packet, vsock, alg, ...) is denied
 * like the dangerous set, listed or not.
 */
static int plan_socket(struct plan *p)
{
	int nr = claim(p, "socket");
	if (nr < 0)
		return nr == -ENOMEM ? nr : 0;
	if (nr_set_has(&p->listed, nr)) {
		for (size_t i = 0; i < ELEMENTSOF(socket_families); i++) {
			struct filter_cond c = arg32(0, 0xffffffffu, socket_families[i]);
			int r = socket_families[i] == AF_INET
					? add_inet_socket(p, nr, c)
					: add_rule(p, nr, SCMP_ACT_ALLOW, 1, &c);
			if (r < 0)
				return r;
		}
	}
	return add_outside(p, nr, p->hard, 0, socket_families, ELEMENTSOF(socket_families), 0, 0);
}

/*
 * clone(2) creating namespaces is unshare(2) by another name: denied like
 * it unless "unshare" is under "unsafe". clone3 gets ENOSYS so that glibc
 * comes here, where the flags are an integer.
 */
static int plan_clone(struct plan *p)
{
	int nr = claim(p, "clone");
	if (nr < 0)
		return nr == -ENOMEM ? nr : 0;
	bool is_listed = nr_set_has(&p->listed, nr);
	int unshare_nr = seccomp_syscall_resolve_name_arch(p->f->arch, "unshare");

	if (unshare_nr >= 0 && nr_set_has(&p->unsafe, unshare_nr))
		return is_listed ? add_rule(p, nr, SCMP_ACT_ALLOW, 0, NULL) : 0;
	int r = add_any_bit(p, nr, p->hard, 0, CLONE_NAMESPACE_FLAGS);
	if (r < 0)
		return r;
	if (!is_listed)
		return 0;
	struct filter_cond c = arg32(0, CLONE_NAMESPACE_FLAGS, 0);
	return add_rule(p, nr, SCMP_ACT_ALLOW, 1, &c);
}

/*
 * ioctl(2): pushing input into a terminal (syscall_refused_ioctl()) is
 * denied like the dangerous set, listed or not; every other request is
 * allowed when ioctl is listed.
 */
static int plan_ioctl(struct plan *p)
{
	size_t n;
	const uint32_t *refused = syscall_refused_ioctls(&n);
	int nr = claim(p, "ioctl");
	if (nr < 0)
		return nr == -ENOMEM ? nr : 0;
	for (size_t i = 0; i < n; i++) {
		struct filter_cond c = arg32(1, 0xffffffffu, refused[i]);
		int r = add_rule(p, nr, p->hard, 1, &c);
		if (r < 0)
			return r;
	}
	if (!nr_set_has(&p->listed, nr))
		return 0;
	return add_outside(p, nr, SCMP_ACT_ALLOW, 1, refused, n, 0, 0);
}

/* personality(2): only the query, listed or not; setting it is unlisted. */
static int plan_personality(struct plan *p)
{
	int nr = claim(p, "personality");
	if (nr < 0)
		return nr == -ENOMEM ? nr : 0;
	struct filter_cond c = arg32(0, 0xffffffffu, PERSONALITY_QUERY);
	return add_rule(p, nr, SCMP_ACT_ALLOW, 1, &c);
}

/*
 * When calls trap, the SIGSYS handler is what turns a trap into an errno
 * and an event: installing another one must fail. A query
 * (act == NULL) stays allowed, since runtimes read every signal's
 * disposition at start (Node.js aborts if that fails). Installing a
 * SIGSYS handler falls to the default action, TRAP, and the handler
 * refuses it.
 */
static int plan_sigaction(struct plan *p)
{
	static const uint32_t sigsys[] = {SIGSYS};

	/*
	 * Only where no new program image runs under the filter. Signal
	 * handlers do not survive exec, so every program a filtered process
	 * runs must install its own SIGSYS handler under the inherited filter,
	 * and a trapped rt_sigaction(SIGSYS) would kill it on its first trap.
	 * So the shim's filter protects the handler when the profile lists
	 * neither execve nor execveat (nothing can be exec'd), and otherwise
	 * relies on its libc refusal of sigaction()/signal() on SIGSYS: a raw
	 * rt_sigaction can then only silence the log (a trapped call never
	 * runs).
	 */
	bool no_exec = !listed(p, "execve") && !listed(p, "execveat");
	if (!(p->protect_sigsys || no_exec) || p->def != SCMP_ACT_TRAP)
		return 0;
	int nr = claim(p, "rt_sigaction");
	if (nr < 0)
		return nr == -ENOMEM ? nr : 0;
	if (!nr_set_has(&p->listed, nr))
		return 0;
	struct filter_cond query[] = {arg32(0, 0xffffffffu, SIGSYS), arg_null(1)};
	int r = add_rule(p, nr, SCMP_ACT_ALLOW, 2, query);
	if (r < 0)
		return r;
	return add_outside(p, nr, SCMP_ACT_ALLOW, 0, sigsys, 1, 0, 0);
}

/* After install: no second filter (it could make the event writer's write fail). */
static int plan_lockdown(struct plan *p)
{
	static const uint32_t set_seccomp[] = {PR_SET_SECCOMP};

	int nr = claim(p, "prctl");
	if (nr == -ENOMEM)
		return nr;
	if (nr >= 0) {
		struct filter_cond c = arg32(0, 0xffffffffu, PR_SET_SECCOMP);
		int r = add_rule(p, nr, p->hard, 1, &c);
		if (r < 0)
			return r;
		if (nr_set_has(&p->listed, nr)) {
			r = add_outside(p, nr, SCMP_ACT_ALLOW, 0, set_seccomp, 1, 0, 0);
			if (r < 0)
				return r;
		} else {
			/*
			 * The shim's own question in every exec'd child, asked
			 * before its SIGSYS handler exists (a trap would kill
			 * it): whether a filter is there already.
			 */
			struct filter_cond get = arg32(0, 0xffffffffu, PR_GET_SECCOMP);
			r = add_rule(p, nr, SCMP_ACT_ALLOW, 1, &get);
			if (r < 0)
				return r;
		}
	}
	static const char *const seccomp_call[] = {"seccomp"};
	return plan_fixed(p, seccomp_call, 1, p->hard);
}

/*
 * sendto with a destination, and any send with MSG_FASTOPEN, connect
 * somewhere seccomp cannot see. Without "connect" in the list they fall
 * to the default action like connect would. sendmsg's msg_name is behind
 * a pointer: only its MSG_FASTOPEN is visible here.
 */
static int plan_send(struct plan *p)
{
	static const struct {
		const char *name;
		unsigned flags_arg;
	} sends[] = {{"sendto", 3}, {"sendmsg", 2}, {"sendmmsg", 3}};

	if (listed(p, "connect"))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(sends); i++) {
		int nr = claim(p, sends[i].name);
		if (nr == -ENOMEM)
			return nr;
		if (nr < 0 || !nr_set_has(&p->listed, nr))
			continue;
		struct filter_cond c[] = {arg32(sends[i].flags_arg, MSG_FASTOPEN, 0), arg_null(4)};
		int r = add_rule(p, nr, SCMP_ACT_ALLOW,
				 strcmp(sends[i].name, "sendto") == 0 ? 2 : 1, c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The SIGSYS logger writes its event even when "write" is not listed. */
static int plan_log_fd(struct plan *p, int fd)
{
	if (fd < 0 || listed(p, "write"))
		return 0;
	int nr = claim(p, "write");
	if (nr < 0)
		return nr == -ENOMEM ? nr : 0;
	struct filter_cond c = arg32(0, 0xffffffffu, (uint32_t)fd);
	return add_rule(p, nr, SCMP_ACT_ALLOW, 1, &c);
}

static int plan_listed(struct plan *p)
{
	for (size_t i = 0; i < p->listed.n; i++) {
		int nr = p->listed.v[i];
		if (nr_set_has(&p->claimed, nr))
			continue;
		int r = add_rule(p, nr, SCMP_ACT_ALLOW, 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make_plan(struct plan *p, const struct policy *policy, const struct seccomp_options *o)
{
	const char *const *items;
	size_t n;
	int r;

	n = policy_syscall_list(policy, false, &items);
	r = expand_list(p->f->arch, items, n, &p->listed);
	if (r < 0)
		return r;
	n = policy_syscall_list(policy, true, &items);
	r = expand_list(p->f->arch, items, n, &p->unsafe);
	if (r < 0)
		return r;

	/* Order matters only through claim(): the first to claim a call decides it. */
	r = plan_dangerous(p);
	if (r >= 0)
		r = plan_fixed(p, enosys_syscalls, ELEMENTSOF(enosys_syscalls),
			       SCMP_ACT_ERRNO(ENOSYS));
	if (r >= 0)
		r = plan_openat2(p);
	if (r >= 0)
		r = plan_fixed(p, essential_syscalls, ELEMENTSOF(essential_syscalls),
			       SCMP_ACT_ALLOW);
	if (r >= 0)
		r = plan_socket(p);
	if (r >= 0)
		r = plan_clone(p);
	if (r >= 0)
		r = plan_personality(p);
	if (r >= 0)
		r = plan_ioctl(p);
	if (r >= 0)
		r = plan_sigaction(p);
	if (r >= 0 && o->after_install_lockdown)
		r = plan_lockdown(p);
	if (r >= 0)
		r = plan_send(p);
	if (r >= 0)
		r = plan_log_fd(p, o->log_fd);
	if (r >= 0)
		r = plan_listed(p);
	return r < 0 ? r : 0;
}

/* ---- libseccomp ---------------------------------------------------------- */

void seccomp_options_init(struct seccomp_options *o, const struct policy *policy)
{
	*o = (struct seccomp_options){
		.mode = policy ? policy_action(policy, POLICY_CAT_SYSCALL) : POLICY_MODE_ENFORCE,
		.log_fd = -1,
	};
}

static void filter_diag(struct diag_list *diags, const struct policy *policy, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void filter_diag(struct diag_list *diags, const struct policy *policy, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!diags)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *name = policy ? policy_name(policy) : "";
	diag_add(diags, name[0] ? name : NULL, 0, 0, "syscalls", "%s", msg);
}

static const char *rule_name(uint32_t arch, int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	snprintf(buf, size, "%s", name ? name : "?");
	free(name);
	return buf;
}

/*
 * libseccomp takes syscall numbers in the build host's numbering (or its
 * placeholder for a call the host lacks) and translates them by name for
 * each architecture in the filter. The plan is in the target's numbering.
 */
static int host_number(uint32_t arch, int nr)
{
	if (arch == seccomp_arch_native())
		return nr;
	char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	if (!name)
		return -ENOENT;
	int host = seccomp_syscall_resolve_name(name);
	free(name);
	return host == __NR_SCMP_ERROR ? -ENOENT : host;
}

static int ctx_build(struct seccomp_filter *f, const struct policy *policy, struct diag_list *diags)
{
	uint32_t native = seccomp_arch_native();
	int r;

	/*
	 * libseccomp checks actions against the kernel it runs on. The
	 * program is for the target, so a build host whose kernel (or
	 * sandbox) hides LOG and KILL_PROCESS must not change the output.
	 */
	if (seccomp_api_get() < 3)
		seccomp_api_set(3);
	f->ctx = seccomp_init(f->default_action);
	if (!f->ctx) {
		filter_diag(diags, policy, "libseccomp: cannot create a filter context");
		return -ENOMEM;
	}
	r = seccomp_attr_set(f->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r >= 0)
		r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r >= 0 && f->arch != native) {
		r = seccomp_arch_add(f->ctx, f->arch);
		if (r >= 0)
			r = seccomp_arch_remove(f->ctx, native);
	}
	if (r < 0) {
		filter_diag(diags, policy, "libseccomp: cannot set up a %s filter: %s",
			    seccomp_filter_arch_name(f->arch), strerror(-r));
		return r;
	}
	for (size_t i = 0; i < f->n_rules; i++) {
		const struct filter_rule *rule = &f->rules[i];
		struct scmp_arg_cmp cmp[RULE_MAX_CONDS];

		for (unsigned c = 0; c < rule->n_conds; c++) {
			const struct filter_cond *fc = &rule->conds[c];
			if (fc->kind == COND_MASKED32)
				cmp[c] = SCMP_CMP64(fc->arg, SCMP_CMP_MASKED_EQ, fc->mask,
						    fc->value);
			else
				cmp[c] = SCMP_CMP64(fc->arg, SCMP_CMP_EQ, fc->value);
		}
		int nr = host_number(f->arch, rule->nr);
		r = nr == -ENOENT ? nr
				  : seccomp_rule_add_exact_array(f->ctx, rule->action, nr,
								 rule->n_conds, cmp);
		if (r < 0) {
			char name[64];
			filter_diag(diags, policy, "libseccomp refused a rule for %s: %s",
				    rule_name(f->arch, rule->nr, name, sizeof(name)), strerror(-r));
			return r;
		}
	}
	return 0;
}

/*
 * libseccomp 2.5 exports only to a file descriptor. The program goes
 * through a pipe: at most BPF_MAXINSNS instructions (32 KiB) fit its
 * buffer, and a pipe is no file, so a caller's RLIMIT_FSIZE (a function
 * run under `ulimit -f`) neither refuses the write nor raises SIGXFSZ.
 * Non-blocking: what does not fit (a pipe of one page, once the user's
 * pipes hold more than pipe-user-pages-soft) fails instead of waiting for
 * a reader, and goes through a unix socket pair (no file either; its send
 * buffer is no pipe page), then a memfd as the readable text (PFC) does.
 */
static int export_pipe(const scmp_filter_ctx ctx, int *ret_read_fd, size_t *ret_size);
static int export_socket(const scmp_filter_ctx ctx, int *ret_read_fd, size_t *ret_size);

static int export_fd(const scmp_filter_ctx ctx, bool bpf, int *ret_read_fd, size_t *ret_size)
{
	if (bpf) {
		int r = export_pipe(ctx, ret_read_fd, ret_size);
		if (r == -EAGAIN)
			r = export_socket(ctx, ret_read_fd, ret_size);
		if (r != -EAGAIN)
			return r;
	}
	int fd = memfd_create("fnguard-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * A memfd is a file: under RLIMIT_FSIZE a write past the limit raises
	 * SIGXFSZ, which kills. Blocked for the export, the write fails with
	 * EFBIG instead, and the signal it left is taken back unless one was
	 * already pending; it is how the cut is known (libseccomp's text goes
	 * through stdio and comes back 0 with the text cut at the limit).
	 */
	sigset_t xfsz, old, pending;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, &old);
	bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGXFSZ);
	int r = bpf ? seccomp_export_bpf(ctx, fd) : seccomp_export_pfc(ctx, fd);
	if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGXFSZ)) {
		sigtimedwait(&xfsz, NULL, &(struct timespec){0});
		r = -EFBIG;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	off_t size = r == 0 ? lseek(fd, 0, SEEK_END) : 0;
	if (r == 0 && (size < 0 || lseek(fd, 0, SEEK_SET) < 0))
		r = -errno;
	/*
	 * A single write that crosses the limit is cut short without a signal,
	 * and libseccomp takes a short write of the binary program for done:
	 * text or program, what reaches the limit was cut (review).
	 */
	struct rlimit fsz;
	if (r == 0 && getrlimit(RLIMIT_FSIZE, &fsz) == 0 && fsz.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)size >= fsz.rlim_cur)
		r = -EFBIG;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_read_fd = fd;
	*ret_size = (size_t)size;
	return 0;
}

/* The program written to wr if it fits, read from rd; -EAGAIN when not. */
static int export_queued(const scmp_filter_ctx ctx, int rd, int wr, bool fits, int *ret_read_fd,
			 size_t *ret_size)
{
	int queued = 0;
	int r = fits ? seccomp_export_bpf(ctx, wr) : -EAGAIN;

	if (r == 0 && ioctl(rd, FIONREAD, &queued) < 0)
		r = -errno;
	close(wr);
	if (r < 0) {
		close(rd);
		return -EAGAIN; /* the next way is tried */
	}
	*ret_read_fd = rd;
	*ret_size = (size_t)queued;
	return 0;
}

/*
 * -EAGAIN when the pipe could not hold the largest program whole: libseccomp
 * makes one write and takes a short one for done, so only a pipe that holds
 * any program whole (twice BPF_MAXINSNS) is used.
 */
static int export_pipe(const scmp_filter_ctx ctx, int *ret_read_fd, size_t *ret_size)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	bool fits = fcntl(p[1], F_GETPIPE_SZ) >=
		    (int)((size_t)2 * BPF_MAXINSNS * sizeof(struct sock_filter));
	return export_queued(ctx, p[0], p[1], fits, ret_read_fd, ret_size);
}

/*
 * -EAGAIN when the socket could not take the largest program whole: its
 * send buffer counts each write's overhead and a stream write is cut at half
 * of it, so four times BPF_MAXINSNS are wanted (the default is ~208 KiB).
 */
static int export_socket(const scmp_filter_ctx ctx, int *ret_read_fd, size_t *ret_size)
{
	int s[2], sndbuf = 0;
	socklen_t len = sizeof(sndbuf);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, s) < 0)
		return -EAGAIN;
	bool fits = getsockopt(s[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0 &&
		    sndbuf >= (int)((size_t)4 * BPF_MAXINSNS * sizeof(struct sock_filter));
	return export_queued(ctx, s[0], s[1], fits, ret_read_fd, ret_size);
}

static int ctx_export(const scmp_filter_ctx ctx, bool bpf, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, size = 0;

	int r = export_fd(ctx, bpf, &fd, &size);
	if (r < 0)
		return r;
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = steal_ptr(buf);
	*ret_len = len;
	return 0;
}

static int ctx_program(struct seccomp_filter *f, const struct policy *policy,
		       struct diag_list *diags)
{
	char *buf = NULL;
	size_t len = 0;
	int r = ctx_export(f->ctx, true, &buf, &len);

	if (r < 0) {
		filter_diag(diags, policy, "libseccomp: cannot export the filter: %s",
			    strerror(-r));
		return r;
	}
	f->prog = (struct sock_filter *)buf;
	f->prog_len = len / sizeof(struct sock_filter);
	if (len % sizeof(struct sock_filter) != 0) {
		filter_diag(diags, policy, "libseccomp exported %zu bytes, not whole instructions",
			    len);
		return -EIO;
	}
	if (f->prog_len > BPF_MAXINSNS) {
		filter_diag(diags, policy,
			    "the %s filter has %zu instructions; the kernel accepts at most %d",
			    seccomp_filter_arch_name(f->arch), f->prog_len, BPF_MAXINSNS);
		return -E2BIG;
	}
	/* What the kernel would refuse must fail here, not at install time. */
	if (bpf_sim_validate(f->prog, f->prog_len) < 0) {
		filter_diag(diags, policy, "libseccomp produced a program the kernel would refuse");
		return -EINVAL;
	}
	return 0;
}

static uint32_t default_action(const struct seccomp_options *o)
{
	switch (o->mode) {
	case POLICY_MODE_ENFORCE:
		return o->errno_only ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_TRAP;
	case POLICY_MODE_ALERT:
		return SCMP_ACT_LOG;
	default:
		return SCMP_ACT_ALLOW;
	}
}

int seccomp_filter_build(const struct policy *policy, const struct seccomp_options *o,
			 struct seccomp_filter **ret, struct diag_list *diags)
{
	struct seccomp_options defaults;
	struct plan p = {0};
	int r;

	if (!policy || !ret)
		return -EINVAL;
	if (!o) {
		seccomp_options_init(&defaults, policy);
		o = &defaults;
	}
	if (o->mode != POLICY_MODE_RECORD && o->mode != POLICY_MODE_ALERT &&
	    o->mode != POLICY_MODE_ENFORCE)
		return -EINVAL;

	struct seccomp_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = arch_resolve(o->arch, &f->arch);
	if (r < 0) {
		filter_diag(diags, policy,
			    "architecture 0x%08x is not supported (x86_64 and aarch64 are)",
			    o->arch);
		goto out;
	}
	f->default_action = default_action(o);
	p.f = f;
	p.def = f->default_action;
	p.protect_sigsys = o->protect_sigsys;
	/*
	 * Recording must not break the function: what would be denied is only
	 * logged. In enforce mode the hard denials trap, so that the shim's
	 * handler logs each attempt (io_uring, ptrace, a netlink socket ...)
	 * before it fails with EPERM. Alert mode and errno-only filters fail
	 * them without an event (alert mode installs no SIGSYS handler: its
	 * unlisted calls go to the kernel's audit log).
	 */
	if (o->mode == POLICY_MODE_RECORD)
		p.hard = SCMP_ACT_LOG;
	else if (o->mode == POLICY_MODE_ENFORCE && !o->errno_only)
		p.hard = SCMP_ACT_TRAP;
	else
		p.hard = SCMP_ACT_ERRNO(EPERM);

	r = make_plan(&p, policy, o);
	if (r >= 0)
		r = ctx_build(f, policy, diags);
	if (r >= 0)
		r = ctx_program(f, policy, diags);
out:
	free(p.listed.v);
	free(p.unsafe.v);
	free(p.claimed.v);
	if (r < 0) {
		seccomp_filter_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

void seccomp_filter_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f->prog);
	free(f->rules);
	free(f);
}

const struct sock_filter *seccomp_filter_program(const struct seccomp_filter *f, size_t *ret_len)
{
	*ret_len = f->prog_len;
	return f->prog;
}

uint32_t seccomp_filter_arch(const struct seccomp_filter *f)
{
	return f->arch;
}

bool seccomp_filter_uses_trap(const struct seccomp_filter *f)
{
	if (f->default_action == SCMP_ACT_TRAP)
		return true;
	for (size_t i = 0; i < f->n_rules; i++)
		if (f->rules[i].action == SCMP_ACT_TRAP)
			return true;
	return false;
}

int seccomp_filter_pfc(const struct seccomp_filter *f, char **ret_text)
{
	size_t len;
	return ctx_export(f->ctx, false, ret_text, &len);
}

bool seccomp_filter_sends_to_address(const char *name, const struct seccomp_data *d)
{
	if (strcmp(name, "sendto") == 0)
		return d->args[4] != 0 || ((uint32_t)d->args[3] & MSG_FASTOPEN);
	if (strcmp(name, "sendmsg") == 0)
		return (uint32_t)d->args[2] & MSG_FASTOPEN;
	if (strcmp(name, "sendmmsg") == 0)
		return (uint32_t)d->args[3] & MSG_FASTOPEN;
	return false;
}

/* Whether the profile allows name (a dangerous one: under "unsafe"). */
static bool allows(const struct policy *policy, const char *name)
{
	struct policy_verdict v;
	return policy_check_syscall(policy, name, &v) == 0 && v.allowed;
}

static bool socket_refused(const struct seccomp_data *d)
{
	uint32_t family = (uint32_t)d->args[0];
	if (family == AF_INET)
		return ((uint32_t)d->args[1] & 0xf) == SOCK_PACKET;
	for (size_t i = 0; i < ELEMENTSOF(socket_families); i++)
		if (family == socket_families[i])
			return false;
	return true;
}

/* The order is make_plan()'s: the first plan to claim a call decides it. */
void seccomp_filter_refusal(const struct policy *policy, const char *name,
			    const struct policy_verdict *v, const struct seccomp_data *d,
			    const struct seccomp_options *o, struct seccomp_refusal *ret)
{
	static const char generic[] = "refused for these arguments by the profile's filter "
				      "(docs/seccomp.md)",
			  as_connect[] = "a send to an address counts as connect, which "
					 "\"syscalls\" does not list",
			  unlisted_send[] = "not in the profile's syscalls (and a send to an "
					    "address needs connect too)";
	uint32_t a0 = (uint32_t)d->args[0];
	const char *deny = NULL;
	/* make_plan()'s p->def == SCMP_ACT_TRAP. */
	bool traps = o->mode == POLICY_MODE_ENFORCE && !o->errno_only;

	*ret = (struct seccomp_refusal){.rule = "not in the profile's syscalls", .need = name};
	if (v->by_deny)
		deny = "in the dangerous set: allowed only under \"unsafe\"";
	else if (strcmp(name, "socket") == 0 && socket_refused(d))
		deny = "a socket family the libc layer cannot judge (only AF_UNIX, AF_INET and "
		       "AF_INET6 sockets are allowed)";
	else if (strcmp(name, "clone") == 0 && (a0 & CLONE_NAMESPACE_FLAGS) &&
		 !allows(policy, "unshare"))
		deny = "a clone into new namespaces is unshare: allowed only with \"unshare\" "
		       "under \"unsafe\"";
	else if (strcmp(name, "ioctl") == 0 && syscall_refused_ioctl((uint32_t)d->args[1]))
		deny = SYSCALL_REFUSED_IOCTL_RULE;
	else if (strcmp(name, "personality") == 0 && a0 != PERSONALITY_QUERY)
		deny = "setting the personality: only the query (0xffffffff) is allowed";
	else if (o->after_install_lockdown &&
		 (strcmp(name, "seccomp") == 0 ||
		  (strcmp(name, "prctl") == 0 && a0 == PR_SET_SECCOMP)))
		deny = "a second seccomp filter after fnguard's (it could silence the log)";
	else if (strcmp(name, "rt_sigaction") == 0 && a0 == SIGSYS && d->args[1] && traps &&
		 (o->protect_sigsys || (!allows(policy, "execve") && !allows(policy, "execveat"))))
		/* plan_sigaction(): only listing a way to exec would lift it. */
		deny = "fnguard's SIGSYS handler cannot be replaced (in a filter no program "
		       "is exec'd under)";
	else if (seccomp_filter_sends_to_address(name, d) && !allows(policy, "connect") &&
		 v->allowed)
		*ret = (struct seccomp_refusal){.rule = as_connect, .need = "connect"};
	else if (seccomp_filter_sends_to_address(name, d) && !allows(policy, "connect"))
		*ret = (struct seccomp_refusal){
			.rule = unlisted_send, .need = name, .also = "connect"};
	else if (v->allowed)
		deny = generic;
	if (deny)
		*ret = (struct seccomp_refusal){.rule = deny, .by_deny = true};
}
