// SPDX-License-Identifier: MIT
/*
 * Which system calls go to the supervisor, by number on the native
 * architecture: the path- and address-bearing calls the handler modules
 * serve, the credential changes that are refused (the supervisor acts with
 * its own credentials, so the target must keep them), and what is refused
 * with ENOSYS because the supervisor cannot judge it.
 */
#include <errno.h>
#include <string.h>

#include "seccomp_filter.h"
#include "sv.h"

/* Numbers of calls libseccomp 2.5 may not know yet (shared numbering, >= 424). */
static const struct {
	const char *name;
	int nr;
} late_numbers[] = {
	{"faccessat2", 439},
	{"fchmodat2", 452},
};

/*
 * Changing credentials would make the supervisor, which opens and connects
 * with its own, act with more rights than the target has.
 */
static const char *const pinned[] = {
	"setuid",    "setgid",	 "setreuid", "setregid",  "setresuid",
	"setresgid", "setfsuid", "setfsgid", "setgroups", "capset",
};

/*
 * Ways to a file that go around the calls served here, refused whatever the
 * profile's filter says (it is absent in record mode and for a profile
 * without "syscalls", and "unsafe" can allow io_uring): io_uring (its
 * requests open files and connect sockets inside the kernel), openat2
 * (libc falls back to openat, as under the profile's filter), open and
 * name_to_handle_at (file handles skip path checks), uselib (a library
 * loaded by path, x86 only).
 */
static const char *const unserved[] = {
	"io_uring_setup",    "io_uring_enter", "io_uring_register", "openat2", "open_by_handle_at",
	"name_to_handle_at", "uselib",
};

static const struct sv_call *by_nr[SV_MAX_NR];
static uint8_t routes[SV_MAX_NR];

static int number_of(const char *name)
{
	int nr = seccomp_filter_syscall_number(0, name);
	if (nr >= 0)
		return nr;
	for (size_t i = 0; i < sizeof(late_numbers) / sizeof(late_numbers[0]); i++)
		if (strcmp(late_numbers[i].name, name) == 0)
			return late_numbers[i].nr;
	return -ENOENT;
}

static void add_calls(const struct sv_call *calls)
{
	for (const struct sv_call *c = calls; c->name; c++) {
		int nr = number_of(c->name);
		if (nr < 0 || nr >= SV_MAX_NR)
			continue; /* the architecture lacks it ("open" on aarch64) */
		by_nr[nr] = c;
		routes[nr] =
			strcmp(c->name, "sendto") == 0 ? SV_ROUTE_NOTIFY_DEST : SV_ROUTE_NOTIFY;
	}
}

static void add_names(const char *const *names, size_t n, enum sv_route route)
{
	for (size_t i = 0; i < n; i++) {
		int nr = number_of(names[i]);
		if (nr >= 0 && nr < SV_MAX_NR)
			routes[nr] = (uint8_t)route;
	}
}

int sv_table_init(void)
{
	memset(routes, 0, sizeof(routes));
	memset(by_nr, 0, sizeof(by_nr));
	for (int nr = SV_FIRST_UNKNOWN; nr < SV_MAX_NR; nr++)
		routes[nr] = SV_ROUTE_ENOSYS;
	add_names(pinned, sizeof(pinned) / sizeof(pinned[0]), SV_ROUTE_EPERM);
	add_names(unserved, sizeof(unserved) / sizeof(unserved[0]), SV_ROUTE_ENOSYS);
	add_calls(sv_file_calls);
	add_calls(sv_attr_calls);
	add_calls(sv_net_calls);
	add_calls(sv_exec_calls);
	return by_nr[number_of("execve")] ? 0 : -ENOSYS;
}

const struct sv_call *sv_table_lookup(int nr)
{
	return nr >= 0 && nr < SV_MAX_NR ? by_nr[nr] : NULL;
}

enum sv_route sv_table_route(int nr)
{
	return nr >= 0 && nr < SV_MAX_NR ? (enum sv_route)routes[nr] : SV_ROUTE_ENOSYS;
}
