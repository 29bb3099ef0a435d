/* SPDX-License-Identifier: MIT */
#include "path_norm.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/*
 * The output is built in place in buf. A segment that does not fit is not
 * written but counted in "spilled": a later ".." may still remove it, so the
 * answer depends on the final result only, never on an intermediate length.
 * Once something has spilled every later segment spills too, to keep order.
 */
struct norm_out {
	char *buf;
	size_t size;
	size_t len; /* bytes of buf in use, no NUL; 0 stands for "/" */
	size_t spilled;
};

static void out_push(struct norm_out *o, const char *seg, size_t n)
{
	/* Room for '/', the segment and the final NUL. */
	if (o->spilled > 0 || o->len + 1 + n + 1 > o->size) {
		o->spilled++;
		return;
	}
	o->buf[o->len] = '/';
	memcpy(o->buf + o->len + 1, seg, n);
	o->len += 1 + n;
}

static void out_pop(struct norm_out *o)
{
	if (o->spilled > 0) {
		o->spilled--;
		return;
	}
	while (o->len > 0 && o->buf[o->len - 1] != '/')
		o->len--;
	if (o->len > 0)
		o->len--;
}

static void add_components(struct norm_out *o, const char *p)
{
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			out_pop(o);
		else if (n > 0 && !(n == 1 && p[0] == '.'))
			out_push(o, p, n);
		p = *end ? end + 1 : end;
	}
}

int path_normalize(const char *base, const char *path, char *buf, size_t size, size_t *ret_len)
{
	struct norm_out o = {.buf = buf, .size = size};

	if (!path || !*path)
		return -EINVAL;
	if (path[0] != '/') {
		if (!base || base[0] != '/')
			return -EINVAL;
		add_components(&o, base);
	}
	add_components(&o, path);

	if (o.spilled > 0 || size < 2)
		return -ENAMETOOLONG;
	if (o.len == 0)
		buf[o.len++] = '/';
	buf[o.len] = '\0';
	*ret_len = o.len;
	return 0;
}

_Bool path_is_normal(const char *path, size_t len)
{
	if (len == 0 || path[0] != '/')
		return 0;
	if (len == 1)
		return 1;
	if (path[len - 1] == '/')
		return 0;
	/* From slash to slash (memchr, not byte by byte: paths are judged on every call). */
	for (const char *p = path; p; p = memchr(p + 1, '/', len - (size_t)(p + 1 - path))) {
		/* A segment starts at p + 1: empty, "." or ".." is not normal. */
		const char *s = p + 1;
		size_t rest = len - (size_t)(s - path);
		if (rest == 0 || s[0] == '/')
			return 0;
		if (s[0] == '.' && (rest == 1 || s[1] == '/'))
			return 0;
		if (s[0] == '.' && s[1] == '.' && (rest == 2 || s[2] == '/'))
			return 0;
	}
	return 1;
}
