/* SPDX-License-Identifier: MIT */
/*
 * event_head — what every fnguard line is made of, whoever writes it: the
 * shim (lib/event.c), the supervisor (tools/supervisor/sv_event.c) and
 * fnguard record's system call listener (tools/record-syscalls.c).
 * Async-signal-safe, allocation-free.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_line.h"

/*
 * Starts jl with timestamp (now, RFC 3339 with milliseconds), level (NULL:
 * ERROR for an error, INFO for learn and start, WARN otherwise), logger and
 * type.
 */
void event_head(struct json_line *jl, const char *type, const char *level);

/*
 * Writes "name(0x1,0x0,...)", a system call as violations show it, into
 * buf (size bytes; the arguments that do not fit are left out) and returns
 * its length. Not NUL-terminated.
 */
size_t event_call_text(char *buf, size_t size, const char *name, const uint64_t args[6]);

/*
 * Adds "argv": a learn event's arguments whole (up to 1024) while the
 * line has room, a violation's cut at 256 bytes (up to 64). A list that
 * does not fit ends with a "…" element and makes the line "truncated"
 * (learn then takes nothing from it). reserve is what the caller holds
 * back for the fields after (json_line_reserve()); it is held again after.
 */
void event_argv(struct json_line *jl, char *const argv[], bool learn, size_t reserve);

/*
 * A syscall event's tip members: "syscalls": [need] or [need, also]
 * (seccomp_filter_refusal's names; also may be NULL).
 */
void event_tip_syscalls(struct json_line *jl, const char *need, const char *also);
