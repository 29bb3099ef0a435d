// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

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

	if (!file)
		file = "<input>";
	if (line > 0 && json_path && *json_path)
		r = asprintf(&out, "%s:%u:%u: %s: %s", file, line, col, json_path, msg);
	else if (line > 0)
		r = asprintf(&out, "%s:%u:%u: %s", file, line, col, msg);
	else if (json_path && *json_path)
		r = asprintf(&out, "%s: %s: %s", file, json_path, msg);
	else
		r = asprintf(&out, "%s: %s", file, msg);
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
