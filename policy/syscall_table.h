/* SPDX-License-Identifier: MIT */
/*
 * syscall_table — named groups of system calls, in the style of systemd's
 * filter sets, and the fixed dangerous set. A data table, sorted by name,
 * each group with help text; members are syscall names or other "@groups".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct syscall_group {
	const char *name;	    /* "@file-system" */
	const char *help;	    /* one line of English */
	const char *const *members; /* NULL-terminated: names or "@group" */
};

/* The table, sorted by name. *ret_n receives the number of groups. */
const struct syscall_group *syscall_groups(size_t *ret_n);

/* Looks a group up by name (with its '@'). NULL if unknown. */
const struct syscall_group *syscall_group_find(const char *name);

/*
 * True if name is a system call that libseccomp resolves on at least one of
 * the architectures fnguard compiles for (x86_64, aarch64).
 */
bool syscall_name_known(const char *name);

/*
 * Calls fn once per system call name in the group, nested groups expanded
 * (a name reached twice is reported twice). Returns 0, -ENOENT for an
 * unknown group, or the first non-zero value fn returned.
 */
int syscall_group_expand(const char *group, int (*fn)(const char *name, void *userdata),
			 void *userdata);

/*
 * The system calls that are always denied unless named under "unsafe"
 * (io_uring, ptrace, process_vm_*, bpf, perf_event_open, ...). This is the
 * members list of the "@dangerous" group.
 */
const char *const *syscall_dangerous_set(void);

/*
 * ioctl requests refused whatever the profile lists: TIOCSTI pushes bytes
 * into a terminal's input, where the shell that started the function reads
 * them as typed once it exits; TIOCLINUX pastes the console's selection
 * there. Compared on 32 bits, as the kernel reads the request. Returns the
 * request's name, or NULL for every other request.
 */
const char *syscall_refused_ioctl(uint32_t request);

/* Why, in the events of both layers that refuse them. */
#define SYSCALL_REFUSED_IOCTL_RULE                                                             \
	"pushing input into a terminal (TIOCSTI; TIOCLINUX, whose selection paste the filter " \
	"cannot tell from its queries): refused whatever the profile lists"

/* The requests syscall_refused_ioctl() names; *ret_n receives how many. */
const uint32_t *syscall_refused_ioctls(size_t *ret_n);
