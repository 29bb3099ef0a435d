// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* Profile text quoted in a diagnostic must not move the cursor or start a new line. */
static void escape_controls(char *dst, size_t size, const char *src)
{
	size_t w = 0;
	for (; *src && w + 5 < size; src++) {
		unsigned char u = (unsigned char)*src;
		if (u < 0x20 || u == 0x7f)
			w += (size_t)snprintf(dst + w, size - w, "\\x%02x", u);
		else
			dst[w++] = (char)u;
	}
	dst[w] = '\0';
}

void diag_add(struct diag_list *list, const char *file, unsigned line, unsigned col,
	      const char *json_path, const char *fmt, ...)
{
	char msg[1024];
	char *out = NULL;
	va_list ap;
	int r;

	if (!list)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char safe_msg[sizeof(msg) * 4], safe_path[2048];
	escape_controls(safe_msg, sizeof(safe_msg), msg);
	escape_controls(safe_path, sizeof(safe_path), json_path ? json_path : "");
	json_path = safe_path;

	if (!file)
		file = "<input>";
	if (line > 0 && json_path && *json_path)
		r = asprintf(&out, "%s:%u:%u: %s: %s", file, line, col, json_path, safe_msg);
	else if (line > 0)
		r = asprintf(&out, "%s:%u:%u: %s", file, line, col, safe_msg);
	else if (json_path && *json_path)
		r = asprintf(&out, "%s: %s: %s", file, json_path, safe_msg);
	else
		r = asprintf(&out, "%s: %s", file, safe_msg);
	if (r < 0) {
		list->oom = 1;
		return;
	}
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		char **lines = realloc(list->lines, cap * sizeof(*lines));
		if (!lines) {
			free(out);
			list->oom = 1;
			return;
		}
		list->lines = lines;
		list->cap = cap;
	}
	list->lines[list->n++] = out;
}

void diag_list_clear(struct diag_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->lines[i]);
	free(list->lines);
	list->lines = NULL;
	list->n = list->cap = 0;
	list->oom = 0;
}
