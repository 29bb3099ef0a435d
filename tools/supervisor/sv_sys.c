// SPDX-License-Identifier: MIT
/*
 * The profile's "syscalls" under the supervisor, with every refusal seen.
 *
 * The shim's filter traps what the profile refuses and its SIGSYS handler
 * logs it; a static Go program cannot have that handler (its runtime dies
 * of a trap it did not expect), and an errno-only filter refuses silently.
 * So the profile's program (policy/seccomp_filter.c, unchanged) is merged
 * into the notify filter, and its refusals become notifications:
 *
 *   profile's answer     merged program      the supervisor
 *   ALLOW                the notify part     (as before)
 *   TRAP (enforce)       USER_NOTIF          EPERM, a violation event
 *   LOG (alert)          USER_NOTIF          a violation event, then what
 *                                            the notify part would do
 *   LOG (record)         USER_NOTIF          learns the name, ditto
 *   ERRNO, KILL          kept                (never notified)
 *
 * Alert and record mode take the alert program: what is not listed is
 * LOG, the dangerous set and the other hard refusals stay ERRNO(EPERM) in
 * every mode, as in the shim's alert filter. One program, one listener:
 * two filters cannot both notify (the kernel gives a notification to the
 * newest filter that asked for it, and only one filter of a chain can
 * have a listener).
 *
 * The merged program runs as the kernel would run both filters and take
 * the most severe answer: ERRNO and KILL from the profile's part win
 * (nothing the notify part says is more severe but its KILL for a foreign
 * architecture, which the profile's part kills too, and on a tie the
 * kernel took the newer filter's, the profile's), ALLOW defers to the
 * notify part, and the profile's TRAP or LOG becomes a
 * notification that the supervisor finishes as the notify part would have
 * (its EPERM, its ENOSYS, its handler, or CONTINUE where it says ALLOW:
 * no pointer is judged there).
 *
 * A notification carries no word of which part raised it. The supervisor
 * runs the profile's program over the notification's seccomp_data (a
 * plain interpreter over a program validated once, some 20 instructions
 * per call): TRAP or LOG means it is the profile's.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_sim.h"
#include "bundle.h"
#include "event_head.h"
#include "seccomp_filter.h"
#include "sv.h"

static struct {
	struct sock_filter *prog;
	size_t len;
	const struct policy *policy;
	struct seccomp_options options; /* what the program was compiled with */
	atomic_bool active;
} sys;

/* How a name stands in the profile (computed on first use). */
enum sys_class {
	CLASS_UNSEEN = 0,
	CLASS_LISTED,	 /* refused for its arguments only (docs/seccomp.md) */
	CLASS_UNLISTED,	 /* not in "syscalls" */
	CLASS_DANGEROUS, /* the dangerous set, not under "unsafe" */
	CLASS_NAMELESS,	 /* a number without a name here */
};

static const char *names[SV_MAX_NR];
static bool names_given; /* from a bundle (sv_sys_names()) */
static _Atomic uint8_t classes[SV_MAX_NR];
/* Record mode: the names already learned, so that the hot calls skip the learner. */
static atomic_bool learned[SV_MAX_NR];
static atomic_bool learned_connect;

int sv_sys_init(const struct sock_filter *prog, size_t len, const struct policy *policy,
		const struct seccomp_options *o)
{
	if (len == 0 || bpf_sim_validate(prog, len) < 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (BPF_CLASS(prog[i].code) == BPF_RET && BPF_RVAL(prog[i].code) != BPF_K)
			return -EINVAL; /* a computed answer cannot be rewritten in place */
	sys.prog = malloc(len * sizeof(*prog));
	if (!sys.prog)
		return -ENOMEM;
	memcpy(sys.prog, prog, len * sizeof(*prog));
	sys.len = len;
	sys.policy = policy;
	sys.options = *o;
	/*
	 * The first lookup of a name allocates: done here, before any worker
	 * runs. A bundle's names cost nothing; libseccomp's lookups by number
	 * (a linear search each, 1024 of them) were a tenth of the start.
	 */
	if (!names_given)
		for (int nr = 0; nr < SV_MAX_NR; nr++)
			names[nr] = seccomp_filter_syscall_name(0, nr);
	return 0;
}

int sv_sys_names(const struct bundle_view *b)
{
	static char *copy;
	int r = copy ? 0 : bundle_syscall_names(b, names, SV_MAX_NR, &copy);
	names_given = r == 0;
	return r;
}

static uint32_t action_of(uint32_t ret)
{
	return ret & SECCOMP_RET_ACTION_FULL;
}

/* True for an answer of the profile's program that becomes a notification. */
static bool notified(uint32_t ret)
{
	return action_of(ret) == SECCOMP_RET_TRAP || action_of(ret) == SECCOMP_RET_LOG;
}

int sv_sys_merge(const struct sock_filter *notify, size_t notify_len, struct sock_filter **ret,
		 size_t *ret_len)
{
	size_t total = sys.len + notify_len;
	if (total > BPF_MAXINSNS)
		return -E2BIG;
	struct sock_filter *out = malloc(total * sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, sys.prog, sys.len * sizeof(*out));
	memcpy(out + sys.len, notify, notify_len * sizeof(*out));
	/* One instruction for one: every jump of the profile's part keeps its target. */
	for (size_t pc = 0; pc < sys.len; pc++) {
		if (BPF_CLASS(out[pc].code) != BPF_RET)
			continue;
		if (action_of(out[pc].k) == SECCOMP_RET_ALLOW)
			out[pc] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
							       (uint32_t)(sys.len - pc - 1), 0, 0);
		else if (notified(out[pc].k))
			out[pc] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							       SECCOMP_RET_USER_NOTIF);
	}
	if (bpf_sim_validate(out, total) < 0) {
		free(out);
		return -EINVAL;
	}
	*ret = out;
	*ret_len = total;
	return 0;
}

int sv_sys_errno_only(struct sock_filter **ret, size_t *ret_len)
{
	struct sock_filter *out = malloc(sys.len * sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, sys.prog, sys.len * sizeof(*out));
	for (size_t pc = 0; pc < sys.len; pc++)
		if (BPF_CLASS(out[pc].code) == BPF_RET && action_of(out[pc].k) == SECCOMP_RET_TRAP)
			out[pc].k = SECCOMP_RET_ERRNO | EPERM;
	*ret = out;
	*ret_len = sys.len;
	return 0;
}

void sv_sys_activate(void)
{
	atomic_store(&sys.active, true);
}

static uint32_t load_word(const struct seccomp_data *d, uint32_t off)
{
	uint32_t v = 0;
	if (off <= sizeof(*d) - sizeof(v))
		memcpy(&v, (const char *)d + off, sizeof(v));
	return v;
}

static bool jump_taken(uint16_t op, uint32_t a, uint32_t operand)
{
	switch (op) {
	case BPF_JEQ:
		return a == operand;
	case BPF_JGT:
		return a > operand;
	case BPF_JGE:
		return a >= operand;
	default: /* BPF_JSET */
		return a & operand;
	}
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t operand, bool *ret_zero_div)
{
	switch (op) {
	case BPF_ADD:
		return a + operand;
	case BPF_SUB:
		return a - operand;
	case BPF_MUL:
		return a * operand;
	case BPF_DIV:
	case BPF_MOD:
		if (!operand) {
			*ret_zero_div = true;
			return 0;
		}
		return op == BPF_DIV ? a / operand : a % operand;
	case BPF_OR:
		return a | operand;
	case BPF_AND:
		return a & operand;
	case BPF_XOR:
		return a ^ operand;
	case BPF_LSH:
		return operand < 32 ? a << operand : 0;
	case BPF_RSH:
		return operand < 32 ? a >> operand : 0;
	default: /* BPF_NEG */
		return -a;
	}
}

/*
 * Runs the profile's program over d, as the kernel does. The program was
 * validated at sv_sys_init (bpf_sim_validate: the kernel's own checks), so
 * this needs none of them per call: bpf_sim_run validates every time,
 * which costs more than the round trip it would be judging.
 */
static uint32_t run_profile(const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const struct sock_filter *p = sys.prog;

	for (size_t pc = 0; pc < sys.len; pc++) {
		const struct sock_filter *f = &p[pc];
		bool zero_div = false;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS)
				a = load_word(d, f->k);
			else if (BPF_MODE(f->code) == BPF_IMM)
				a = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM)
				a = mem[f->k & (BPF_MEMWORDS - 1)];
			else
				a = sizeof(*d); /* BPF_LEN */
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_IMM)
				x = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM)
				x = mem[f->k & (BPF_MEMWORDS - 1)];
			else
				x = sizeof(*d);
			break;
		case BPF_ST:
			mem[f->k & (BPF_MEMWORDS - 1)] = a;
			break;
		case BPF_STX:
			mem[f->k & (BPF_MEMWORDS - 1)] = x;
			break;
		case BPF_ALU:
			a = alu(BPF_OP(f->code), a, BPF_SRC(f->code) == BPF_X ? x : f->k,
				&zero_div);
			if (zero_div)
				return 0; /* what the kernel returns: SECCOMP_RET_KILL_THREAD */
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA)
				pc += f->k;
			else
				pc += jump_taken(BPF_OP(f->code), a,
						 BPF_SRC(f->code) == BPF_X ? x : f->k)
					      ? f->jt
					      : f->jf;
			break;
		case BPF_RET:
			return f->k;
		default: /* BPF_MISC */
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;
}

static enum sys_class class_of(int nr)
{
	if (nr < 0 || nr >= SV_MAX_NR || !names[nr])
		return CLASS_NAMELESS;
	uint8_t c = atomic_load_explicit(&classes[nr], memory_order_relaxed);
	if (c != CLASS_UNSEEN)
		return (enum sys_class)c;
	/* policy_check_syscall walks the lists: once per number. */
	struct policy_verdict v;
	if (policy_check_syscall(sys.policy, names[nr], &v) < 0)
		c = CLASS_NAMELESS;
	else if (v.by_deny)
		c = CLASS_DANGEROUS;
	else
		c = v.allowed ? CLASS_LISTED : CLASS_UNLISTED;
	atomic_store_explicit(&classes[nr], c, memory_order_relaxed);
	return (enum sys_class)c;
}

/* "name(0x1,0x0,...)": the shim's SIGSYS events' target. */
static size_t call_text(const char *name, const struct seccomp_data *d, char *buf, size_t size)
{
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = d->args[i];
	return event_call_text(buf, size, name, args);
}

static void tip_syscalls(struct json_line *jl, const struct sv_event *ev)
{
	const struct seccomp_refusal *r = ev->tip_data;
	event_tip_syscalls(jl, r->need, r->also);
}

/* Judges (and logs or learns) one refusal; true when the call must fail. */
static bool judge_call(struct sv_req *req, const char *name, enum sys_class c, bool as_connect)
{
	const struct seccomp_data *d = &req->n->data;
	bool record = sv.action[POLICY_CAT_SYSCALL] == POLICY_MODE_RECORD;
	struct seccomp_refusal why = {.rule = "not in the profile's syscalls"};
	char target[300];
	size_t len;

	if (c != CLASS_NAMELESS) {
		struct policy_verdict v = {.allowed = c == CLASS_LISTED,
					   .by_deny = c == CLASS_DANGEROUS};
		seccomp_filter_refusal(sys.policy, name, &v, d, &sys.options, &why);
	}
	/* What it takes to allow it: the name, or connect for a send to an address. */
	const char *need = c == CLASS_LISTED && as_connect ? "connect" : name;
	if (record) {
		/* A learn event is about a behaviour (one per name), not about one call. */
		name = need;
		len = (size_t)snprintf(target, sizeof(target), "%s", name);
	} else {
		len = call_text(name, d, target, sizeof(target));
	}
	struct sv_judgement j = {
		.ev =
			{
				.category = POLICY_CAT_SYSCALL,
				.op = name,
				.target = target,
				.target_len = len,
				.limit_key = name,
				.limit_len = strlen(name),
				.detail =
					record ? NULL : "notified by the profile's seccomp filter",
				.rule = why.rule,
				.tip = why.need ? tip_syscalls : NULL,
				.tip_data = &why,
			},
		.verdict = {.allowed = false, .by_deny = why.by_deny, .rule = -1},
		.learn = {.kind = SV_LEARN_SYSCALL, .name = need},
	};
	return sv_judge(req, &j);
}

int64_t sv_sys_serve(struct sv_req *req)
{
	const struct seccomp_data *d = &req->n->data;
	char fallback[24];

	if (!atomic_load_explicit(&sys.active, memory_order_relaxed))
		return SV_SYS_PASS;
	uint32_t ret = run_profile(d);
	if (!notified(ret)) {
		if (action_of(ret) == SECCOMP_RET_ALLOW)
			return SV_SYS_PASS;
		/* Not something the kernel would have notified: answer as it would. */
		return action_of(ret) == SECCOMP_RET_ERRNO ? -(int64_t)(ret & SECCOMP_RET_DATA)
							   : -ENOSYS;
	}
	int nr = d->nr;
	enum sys_class c = class_of(nr);
	const char *name = c == CLASS_NAMELESS ? NULL : names[nr];
	if (!name) {
		snprintf(fallback, sizeof(fallback), "syscall_%d", nr);
		name = fallback;
	}
	bool as_connect = seccomp_filter_sends_to_address(name, d);
	if (sv.action[POLICY_CAT_SYSCALL] != POLICY_MODE_RECORD) {
		if (judge_call(req, name, c, c == CLASS_LISTED && as_connect))
			return -EPERM;
	} else {
		/* Once a name is learned, the call only costs its round trip. */
		bool known = c != CLASS_NAMELESS &&
			     atomic_load_explicit(&learned[nr], memory_order_relaxed);
		if (!known) {
			/* Refused for its arguments only (a personality set): nothing to learn. */
			if (c != CLASS_LISTED || as_connect)
				judge_call(req, name, c, c == CLASS_LISTED && as_connect);
			if (c != CLASS_NAMELESS)
				atomic_store_explicit(&learned[nr], true, memory_order_relaxed);
			if (c == CLASS_LISTED && as_connect)
				atomic_store(&learned_connect, true);
		}
		/* Listing sendto is not enough for a send to an address: connect is needed too. */
		if (as_connect && !atomic_load(&learned_connect)) {
			judge_call(req, name, CLASS_LISTED, true);
			atomic_store(&learned_connect, true);
		}
	}
	if (action_of(ret) == SECCOMP_RET_TRAP)
		return -EPERM; /* what the enforce program refuses never runs */

	switch (sv_table_route(nr)) {
	case SV_ROUTE_EPERM:
		return -EPERM;
	case SV_ROUTE_ENOSYS:
		return -ENOSYS;
	case SV_ROUTE_NOTIFY:
		return SV_SYS_PASS;
	case SV_ROUTE_NOTIFY_DEST:
		if (d->args[4] != 0 || ((uint32_t)d->args[3] & MSG_FASTOPEN))
			return SV_SYS_PASS;
		return sv_reply_continue(req);
	default:
		return sv_reply_continue(req);
	}
}
