/* SPDX-License-Identifier: MIT */
/*
 * seccomp_layer — the kernel layer of the shim: probe, compile, install with
 * TSYNC, trap and log. See seccomp_layer.c for the rules.
 */
#pragma once

#include <stdatomic.h>

#include <stdbool.h>

enum layer_status {
	LAYER_NOT_TRIED = 0,
	LAYER_ACTIVE,
	LAYER_UNAVAILABLE,
};

/* What the start event reports for a layer. */
struct layer_state {
	enum layer_status status;
	int error;	    /* errno when unavailable, 0 if none */
	const char *reason; /* static English */
	/* Unavailable through fnguard's own failure (the filter not compiled), not the kernel's. */
	bool ours;
};

extern struct layer_state seccomp_state;

/*
 * A descendant's inherited filter was made from another profile than the one
 * it read (the file changed since the first process read it).
 */
bool seccomp_layer_profile_changed(void);

/*
 * Whether the filter in force lets the shim make system call name itself
 * without it being taken for the program's (trapped or logged): no filter,
 * record mode, or name allowed by this process's profile. Asked once (it
 * walks the profile's lists) and kept in *memo (0: not asked yet); false
 * before the shim has started, and asked again after.
 */
bool seccomp_layer_lets_shim_call(atomic_int *memo, const char *name);

extern struct layer_state notify_state;

/*
 * Installs the profile's filter (root process of a tree) or notes that it
 * is inherited. Never fails the process: the outcome is in seccomp_state,
 * and the caller decides what "require": ["seccomp"] makes of it. Returns 0.
 */
int seccomp_layer_start(void);

/* In a fork child: an index of syscall names another thread was building is built again. */
void seccomp_layer_after_fork_child(void);

/* True when the program is Go (cgo): its runtime keeps SIGSYS, the filter is errno-only. */
bool seccomp_layer_go_runtime(void);

/* True once fnguard's SIGSYS handler is in place (then it is protected). */
bool seccomp_layer_guards_sigsys(void);

/*
 * The SIGSYS handler's own nesting mark cleared: it was left by a jump out
 * of the handler, or by a vfork child that died in it (shim.h).
 */
void seccomp_layer_forget_handler(void);

/*
 * Logs an attempt (by op) to replace or ignore fnguard's SIGSYS handler.
 * Returns false (and logs nothing) when no handler is guarded.
 */
bool seccomp_layer_refuse_sigsys(const char *op);

/*
 * For a call that will be made where a trap cannot be handled (a
 * posix_spawn child, which resets SIGSYS before its exec): true, with a
 * violation event saying detail, when the filter is installed in enforce
 * mode and the profile's "syscalls" leave name out; the caller then
 * refuses what would make the call. False otherwise (logs nothing).
 */
bool seccomp_layer_refuses_ahead(const char *name, const char *detail);

/*
 * The libc layer's part of the filter's ioctl rule, so that it holds where
 * no filter is installed (seccomp refused, a profile without "syscalls"):
 * request (syscall_refused_ioctl()'s name for it) is judged under any
 * profile. Returns true, with a violation event, when the call must fail
 * with EPERM: in enforce, and in alert where fnguard's filter is installed
 * (it refuses the call there, as it does the dangerous set). Alert without
 * the filter logs it and returns false; record mode returns false.
 */
bool seccomp_layer_refuses_ioctl(const char *request);
