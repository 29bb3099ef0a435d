/* SPDX-License-Identifier: MIT */
/*
 * diag — a list of diagnostics about a profile, each already formatted as
 * "file:line:col: json.path: message" (the CLI prints them as they are).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct diag_list {
	char **lines; /* owned */
	size_t n;
	size_t cap;
	int oom; /* set when a diagnostic could not be stored */
};

/*
 * Appends one diagnostic. file may be NULL ("<input>"), line 0 means no
 * position, json_path may be NULL or "" for the document root.
 * Never fails from the caller's point of view: on ENOMEM the list keeps
 * what it has and sets oom (the load fails anyway).
 */
__attribute__((format(printf, 6, 7))) void diag_add(struct diag_list *list, const char *file,
						    unsigned line, unsigned col,
						    const char *json_path, const char *fmt, ...);

void diag_list_clear(struct diag_list *list);
