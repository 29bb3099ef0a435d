// SPDX-License-Identifier: MIT
/*
 * The notify filter: a small program of its own, stacked on the profile's
 * filter (policy/seccomp_filter.c, errno-only). The kernel runs both and
 * takes the most severe answer (KILL > TRAP > ERRNO > USER_NOTIF > LOG >
 * ALLOW), so:
 *  - a call the profile's filter denies fails with its errno and is never
 *    notified;
 *  - a path- or address-bearing call it lets run (ALLOW, or LOG in alert
 *    mode) is notified, and the supervisor judges its arguments;
 *  - everything else runs as the profile's filter says.
 * Keeping it separate leaves the profile's filter exactly what `fnguard
 * compile --errno-only` prints. The program is a binary search on the call
 * number (about 20 instructions on the longest path), so the calls that are
 * not notified (read, write, futex) pay very little for it.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sv.h"

#if defined(__x86_64__)
#define SV_NATIVE_ARCH AUDIT_ARCH_X86_64
#define SV_X32_BIT     0x40000000u
#elif defined(__aarch64__)
#define SV_NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "fnguard exec supports x86_64 and aarch64"
#endif

/* Low and high halves of a 64-bit argument in struct seccomp_data (little-endian). */
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (size_t)(i)))
#define ARG_HI(i) (ARG_LO(i) + 4)

struct prog {
	struct sock_filter *v;
	size_t n, cap;
	bool failed;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->failed)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 128;
		struct sock_filter *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			p->failed = true;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct sock_filter){.code = code, .jt = jt, .jf = jf, .k = k};
}

static void emit_ret(struct prog *p, uint32_t action)
{
	emit(p, BPF_RET | BPF_K, action, 0, 0);
}

static void append(struct prog *dst, const struct prog *src)
{
	if (src->failed)
		dst->failed = true;
	for (size_t i = 0; i < src->n; i++)
		emit(dst, src->v[i].code, src->v[i].k, src->v[i].jt, src->v[i].jf);
}

struct entry {
	int nr;
	enum sv_route route;
};

/*
 * sendto is notified when it names a destination (a 64-bit pointer, both
 * halves tested) or asks for MSG_FASTOPEN; a plain send() on a connected
 * socket stays a fast, unnotified call.
 */
static void emit_sendto(struct prog *p)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(4), 0, 0);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4);
	emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_HI(4), 0, 0);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
	emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(3), 0, 0);
	emit(p, BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 0, 1);
	emit_ret(p, SECCOMP_RET_USER_NOTIF);
	emit_ret(p, SECCOMP_RET_ALLOW);
}

static void emit_body(struct prog *p, enum sv_route route)
{
	switch (route) {
	case SV_ROUTE_NOTIFY:
		emit_ret(p, SECCOMP_RET_USER_NOTIF);
		break;
	case SV_ROUTE_NOTIFY_DEST:
		emit_sendto(p);
		break;
	case SV_ROUTE_EPERM:
		emit_ret(p, SECCOMP_RET_ERRNO | EPERM);
		break;
	case SV_ROUTE_ENOSYS:
		emit_ret(p, SECCOMP_RET_ERRNO | ENOSYS);
		break;
	default:
		emit_ret(p, SECCOMP_RET_ALLOW);
		break;
	}
}

/* A binary search over e[0..n) (sorted by number); the accumulator holds the number. */
static void emit_tree(struct prog *p, const struct entry *e, size_t n)
{
	if (n <= 4) {
		for (size_t i = 0; i < n; i++) {
			struct prog body = {0};
			emit_body(&body, e[i].route);
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)e[i].nr, 0, (uint8_t)body.n);
			append(p, &body);
			free(body.v);
		}
		emit_ret(p, SECCOMP_RET_ALLOW);
		return;
	}
	size_t mid = n / 2;
	struct prog right = {0};
	emit_tree(&right, e + mid, n - mid);
	/* "ja" takes a 32-bit offset: no subtree is too far to skip. */
	emit(p, BPF_JMP | BPF_JGE | BPF_K, (uint32_t)e[mid].nr, 1, 0);
	emit(p, BPF_JMP | BPF_JA, (uint32_t)right.n, 0, 0);
	append(p, &right);
	free(right.v);
	emit_tree(p, e, mid);
}

uint32_t sv_native_arch(void)
{
	return SV_NATIVE_ARCH;
}

int sv_filter_build(struct sock_filter **ret_prog, size_t *ret_len)
{
	struct entry entries[SV_MAX_NR];
	size_t n = 0;
	struct prog p = {0};

	for (int nr = 0; nr < SV_MAX_NR; nr++) {
		enum sv_route route = sv_table_route(nr);
		if (route != SV_ROUTE_ALLOW &&
		    !(route == SV_ROUTE_ENOSYS && nr >= SV_FIRST_UNKNOWN))
			entries[n++] = (struct entry){nr, route};
	}

	emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SV_NATIVE_ARCH, 1, 0);
	emit_ret(&p, SECCOMP_RET_KILL_PROCESS);
	emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef SV_X32_BIT
	/* x32 numbers would otherwise reach calls by another number: as in the profile's filter. */
	emit(&p, BPF_JMP | BPF_JSET | BPF_K, SV_X32_BIT, 0, 1);
	emit_ret(&p, SECCOMP_RET_KILL_PROCESS);
#endif
	emit(&p, BPF_JMP | BPF_JGE | BPF_K, SV_FIRST_UNKNOWN, 0, 1);
	emit_ret(&p, SECCOMP_RET_ERRNO | ENOSYS);
	emit_tree(&p, entries, n);
	if (p.failed || p.n > BPF_MAXINSNS) {
		free(p.v);
		return -ENOMEM;
	}
	*ret_prog = p.v;
	*ret_len = p.n;
	return 0;
}
