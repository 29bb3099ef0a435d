/* SPDX-License-Identifier: MIT */
/*
 * event_head — what every fnguard line is made of, whoever writes it: the
 * shim (lib/event.c), the supervisor (tools/supervisor/sv_event.c) and
 * fnguard record's system call listener (tools/record-syscalls.c).
 * Async-signal-safe, allocation-free.
 */
#pragma once

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
