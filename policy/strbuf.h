/* SPDX-License-Identifier: MIT */
/*
 * strbuf — a growable, NUL-terminated text buffer for the writers (profile
 * JSON, OCI seccomp JSON). Appends never fail from the caller's point of
 * view: on ENOMEM the buffer stops growing and remembers it (oom), and the
 * writer checks once at the end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* owned; NULL until the first append */
	size_t len, cap;
	bool oom;
};

void strbuf_put_mem(struct strbuf *o, const char *s, size_t n);
void strbuf_put(struct strbuf *o, const char *s);
/* Formatted append of at most 255 bytes (longer sets oom: only for short fields). */
__attribute__((format(printf, 2, 3))) void strbuf_putf(struct strbuf *o, const char *fmt, ...);
