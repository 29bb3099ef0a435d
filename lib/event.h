/* SPDX-License-Identifier: MIT */
/*
 * event — composing the shim's JSON lines (DESIGN.md "Events") and writing
 * each with one write(2) to the log fd. Allocation-free; everything but the
 * start event is async-signal-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "json_line.h"
#include "policy.h"

enum event_action {
	EVENT_ACTION_NONE = 0,
	EVENT_ACTION_BLOCKED, /* enforce: the call failed */
	EVENT_ACTION_LOGGED,  /* alert: the call ran */
	EVENT_ACTION_LEARNED, /* record: the call ran and was learned */
};

struct shim_event;
/* Writes the "tip" object's members (the profile fragment that would allow it). */
typedef void (*event_tip_fn)(struct json_line *jl, const struct shim_event *ev);

struct shim_event {
	const char *type; /* "violation", "learn", "coverage" */
	enum policy_category category;
	const char *op;	    /* the libc function or syscall */
	const char *target; /* path, host:port, program ... (any bytes) */
	size_t target_len;
	const char *access; /* file rights wanted ("rw"), or NULL */
	const char *proto;  /* network: "tcp" or "udp", or NULL */
	const char *rule;   /* the deciding rule, or NULL */
	const char *detail; /* extra English, or NULL */
	enum event_action action;
	event_tip_fn tip;     /* NULL: no tip */
	const void *tip_data; /* for tip */
	char *const *argv;    /* exec: the argument vector, or NULL */
	/* SIGSYS handler only: the signals its sa_mask blocked that the interrupted
	 * code had not (sig_guard.h); 0 everywhere else. */
	uint64_t sig_blocked;
	/* The process id when the caller has it already (the SIGSYS handler); 0: asked. */
	int pid;
};

/*
 * Writes a violation/learn/coverage event, through the rate limiter (a
 * burst per (category, op, target), then counted, with a `suppressed`
 * summary later). Returns nothing: failures are counted, never raised.
 */
void event_emit(const struct shim_event *ev);

/* The cold-start record: version, mode, profile, layers. Root process only. */
void event_start(void);

/* An `error` event: what went wrong (static text) and a detail (any bytes or NULL). */
void event_error(const char *what, const char *detail, int error);

/* Writes every pending `suppressed` summary (exit, SIGTERM). */
void event_flush_suppressed(void);

/*
 * Writes one finished line to the log fd: one write(2), SIGPIPE blocked and
 * consumed around it, failures counted in shim.dropped. Async-signal-safe.
 */
void event_write_line(const char *buf, size_t len);

/* Prepares the rate limiter (called from shim init and in a fork child). */
void event_init(void);
void event_after_fork_child(void);

/* The tip writers for file targets (uses ev->target and ev->access). */
void event_tip_file(struct json_line *jl, const struct shim_event *ev);
