/* SPDX-License-Identifier: MIT */
/*
 * seccomp_filter — compiles a profile's "syscalls"/"unsafe" lists into a
 * seccomp BPF program (DESIGN.md, Layers: seccomp). This module and
 * syscall_table.c are the only users of libseccomp; no libseccomp type
 * crosses this header. The filter is only built and exported here, never
 * loaded: the shim installs the program itself (with TSYNC), the CLI writes
 * it out. The actions each mode gives each kind of call are documented in
 * docs/seccomp.md.
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"

struct seccomp_filter;

struct seccomp_options {
	/* record, alert or enforce: picks the default and deny actions. */
	enum policy_mode mode;
	/*
	 * For programs that handle SIGSYS themselves (Go): nothing traps,
	 * enforce-mode denials return EPERM instead.
	 */
	bool errno_only;
	/* AUDIT_ARCH_X86_64 or AUDIT_ARCH_AARCH64; 0 means the native one. */
	uint32_t arch;
	/*
	 * Deny seccomp(2) and prctl(PR_SET_SECCOMP) once the filter is in, so
	 * the function cannot stack a filter that silences the event writer.
	 */
	bool after_install_lockdown;
	/* >= 0: write(log_fd) is always allowed (the SIGSYS logger's). -1: none. */
	int log_fd;
	/*
	 * Trap rt_sigaction(SIGSYS, act) so a handler cannot be replaced. Only
	 * for a filter that no exec'd program inherits: a new program image
	 * must install its own handler under the filter (default false). A
	 * trapping filter whose profile lists neither execve nor execveat
	 * protects the handler whatever this says (nothing can be exec'd).
	 */
	bool protect_sigsys;
};

/*
 * Fills *o with the defaults for policy: the mode its "syscall" category
 * runs in (policy_action(), enforce when policy is NULL), the native
 * architecture, traps on, no lockdown, log_fd -1.
 */
void seccomp_options_init(struct seccomp_options *o, const struct policy *policy);

/* AUDIT_ARCH_* for "x86_64" or "aarch64"; 0 for any other name. */
uint32_t seccomp_filter_arch_from_name(const char *name);

/* "x86_64" or "aarch64" for an AUDIT_ARCH_* value; NULL for any other. Static. */
const char *seccomp_filter_arch_name(uint32_t arch);

/*
 * The number of the system call name on arch (AUDIT_ARCH_*, 0 = native), or
 * -ENOENT when the call does not exist there (libseccomp's placeholders for
 * calls an architecture lacks count as not existing), -EINVAL for an
 * unsupported arch.
 */
int seccomp_filter_syscall_number(uint32_t arch, const char *name);

/*
 * The name of system call nr on arch (0 = native), for messages; NULL for a
 * number the architecture does not have, or one of 1024 and above. The
 * string lives as long as the process. A name's first lookup allocates, so
 * resolve the names a signal handler will need before installing it.
 */
const char *seccomp_filter_syscall_name(uint32_t arch, int nr);

/*
 * True when a call to name with these arguments sends to an address
 * (sendto's destination, MSG_FASTOPEN of any send): the filter judges it as
 * connect when "connect" is not listed (docs/seccomp.md).
 */
struct seccomp_data;
bool seccomp_filter_sends_to_address(const char *name, const struct seccomp_data *d);

/*
 * Why the profile's filter, compiled with options o, refuses (traps, or in
 * alert mode logs) a call: the text for the event's
 * "rule" and, when listing a name in "syscalls" would let the call run,
 * that name (the event's tip; a send to an address may need connect too). v is policy_check_syscall()'s verdict on
 * name (callers keep it per number: that walks the lists); policy is asked
 * about connect or unshare when the call needs them. Allocation-free and
 * async-signal-safe: the shim's SIGSYS handler calls it.
 */
struct seccomp_refusal {
	const char *rule; /* static */
	const char *need; /* the name that would allow it (name, or "connect"), or NULL */
	const char *also; /* a second name needed with it ("connect"), or NULL */
	bool by_deny;	  /* no one name listed in "syscalls" would let it run */
};
struct policy_verdict;
void seccomp_filter_refusal(const struct policy *policy, const char *name,
			    const struct policy_verdict *v, const struct seccomp_data *d,
			    const struct seccomp_options *o, struct seccomp_refusal *ret);

/*
 * Compiles the filter for policy with options o (NULL: seccomp_options_init
 * defaults). Expands names and @groups for o->arch, skipping names that do
 * not exist there. Returns 0, -EINVAL (bad options or unsupported arch),
 * -E2BIG (more instructions than the kernel accepts), -ENOMEM, or another
 * -errno from libseccomp; problems are described in diags (may be NULL).
 * Borrows nothing from policy after it returns. Caller frees with
 * seccomp_filter_free().
 */
int seccomp_filter_build(const struct policy *policy, const struct seccomp_options *o,
			 struct seccomp_filter **ret, struct diag_list *diags);

void seccomp_filter_free(struct seccomp_filter *f);

/*
 * The BPF program, ready for a struct sock_fprog and
 * seccomp(SECCOMP_SET_MODE_FILTER); *ret_len instructions. Borrowed until
 * seccomp_filter_free().
 */
const struct sock_filter *seccomp_filter_program(const struct seccomp_filter *f, size_t *ret_len);

/* The architecture (AUDIT_ARCH_*) the program checks for. */
uint32_t seccomp_filter_arch(const struct seccomp_filter *f);

/*
 * The revision of the rules every filter gets whatever the profile lists
 * (the dangerous set, socket families, ioctl's TIOCSTI ...), bumped when
 * they change: a bundle's programs carry the revision they were compiled
 * with, and older ones are compiled again at start (bundle_program).
 * 1: ioctl TIOCSTI and TIOCLINUX refused (2026-11-24); 0 before.
 */
#define SECCOMP_FILTER_RULES 1u

/*
 * True if some call can end in SECCOMP_RET_TRAP: the installer must then
 * have its SIGSYS handler in place before loading the program.
 */
bool seccomp_filter_uses_trap(const struct seccomp_filter *f);

/*
 * libseccomp's pseudo filter code (PFC): the program in readable form.
 * Caller frees *ret_text. Returns 0, -ENOMEM or -errno from libseccomp.
 */
int seccomp_filter_pfc(const struct seccomp_filter *f, char **ret_text);

/*
 * The same rules as an OCI runtime-spec "linux.seccomp" object (Docker's
 * --security-opt seccomp=FILE format), pretty JSON ending in '\n': the
 * default action, the one architecture, and one "syscalls" entry per
 * action for unconditional rules plus one per conditional rule. Caller
 * frees *ret_text. Returns 0 or -ENOMEM.
 */
int seccomp_filter_oci_json(const struct seccomp_filter *f, char **ret_text);
