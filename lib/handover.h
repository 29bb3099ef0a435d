/* SPDX-License-Identifier: MIT */
/*
 * handover — static programs reach `fnguard exec` through a launcher when the
 * shim's own seccomp filter is in place.
 *
 * The shim's filter refuses seccomp(2) (so that the function cannot stack a
 * filter that silences the event writer) and filters are inherited: once the
 * first process has installed it, no process of the tree can start a
 * supervisor. So the first process forks a launcher just before: a copy of
 * itself without the filter (inside its Landlock domain), listening on an
 * abstract unix socket named in FNGUARD_LAUNCHER. A process that execs an
 * allowed static program execs `fnguard attach` instead (tools/cmd-attach.c),
 * which sends the launcher the program, its arguments, environment, working
 * directory, signal state and descriptors, and waits for it. The wire format
 * is below; both ends are built from this header.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp_layer.h"

#define HANDOVER_ENV	     "FNGUARD_LAUNCHER"
#define HANDOVER_MAGIC	     0x31484746u /* "FGH1" */
#define HANDOVER_STRINGS_MAX ((size_t)128 * 1024)
#define HANDOVER_FDS_MAX     252 /* SCM_MAX_FD (253), less the working directory */
#define HANDOVER_ARGS_MAX    4096
#define HANDOVER_NAME_MAX    64

/*
 * The request: this head, then int32_t targets[nfds] (the descriptor
 * numbers the program gets), then the program's path, its argc arguments
 * and its envc environment entries, each NUL-terminated (strings_len bytes
 * in all). SCM_RIGHTS carries the working directory, then the nfds
 * descriptors in the order of targets.
 */
struct handover_request {
	uint32_t magic;
	uint32_t argc;
	uint32_t envc;
	uint32_t nfds;
	int32_t log_fd; /* the number FNGUARD_LOG_FD names in the program, or -1 */
	uint32_t umask;
	uint64_t blocked; /* bit n-1: signal n */
	uint64_t ignored;
	uint32_t strings_len;
	uint32_t reserved;
};

enum handover_reply_kind {
	HANDOVER_STARTED = 1, /* value: pid of fnguard exec */
	HANDOVER_REFUSED,     /* value: errno; reason says why */
	HANDOVER_EXITED,      /* value: fnguard exec's wait status */
};

struct handover_reply {
	uint32_t kind;
	int32_t value;
	char reason[248];
};

/* The signals a waiter relays: the ones fnguard exec forwards to its program. */
#define HANDOVER_RELAYED(sig) ((sig) == SIGINT || (sig) == SIGTERM || (sig) == SIGHUP)

/*
 * The first process, before its seccomp filter goes in: forks the launcher
 * when a handover may be needed (a profile with exec rules, the fnguard CLI
 * found) and exports its name. Errors leave no launcher; launcher_state says
 * why (the start event lists it next to the seccomp layer).
 */
void handover_launcher_start(void);

/* The filter did not go in after all: no launcher is needed (handover as before). */
void handover_launcher_stop(void);

extern struct layer_state launcher_state;
