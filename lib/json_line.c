/* SPDX-License-Identifier: MIT */
/*
 * json_line — see json_line.h. Everything here must stay async-signal-safe:
 * memcpy/strlen and arithmetic only.
 */
#include "json_line.h"

#include <errno.h>
#include <string.h>

#define TRUNCATED_MEMBER ",\"truncated\":true"
#define TRUNCATED_LEN	 (sizeof(TRUNCATED_MEMBER) - 1)
#define ELLIPSIS	 "\xe2\x80\xa6"
#define ELLIPSIS_LEN	 (sizeof(ELLIPSIS) - 1)
/* Longest escape of one input unit: \uXXXX. */
#define ESCAPED_UNIT_MAX 6

_Static_assert(JSON_LINE_DEPTH_MAX <= 32, "container bits must fit in uint32_t");
_Static_assert(TRUNCATED_LEN + 2 > ESCAPED_UNIT_MAX, "tail room must absorb an escaped unit");

static const char hex_digits[] = "0123456789abcdef";

static uint32_t top_bit(const struct json_line *jl)
{
	return UINT32_C(1) << (jl->depth - 1);
}

/* Bytes always held back: a closer per open container, the marker, '\n'. */
static size_t tail_room(const struct json_line *jl)
{
	return jl->depth + TRUNCATED_LEN + 1;
}

static size_t free_space(const struct json_line *jl)
{
	size_t used = jl->len + tail_room(jl) + jl->reserve;

	return used < JSON_LINE_MAX ? JSON_LINE_MAX - used : 0;
}

/* 0 if a member may be added here, else the error to return. */
static int check_usable(const struct json_line *jl, const char *key)
{
	bool in_array;

	if (jl->finished)
		return -EINVAL;
	if (jl->skip_depth)
		return -ENOSPC;
	in_array = jl->array_mask & top_bit(jl);
	if (in_array != (key == NULL))
		return -EINVAL;
	return 0;
}

static size_t prefix_len(const struct json_line *jl, const char *key)
{
	size_t n = (jl->member_mask & top_bit(jl)) ? 1 : 0;

	if (key)
		n += strlen(key) + 3;
	return n;
}

/* Writes the separating comma and "key":, marks the container non-empty. */
static void put_prefix(struct json_line *jl, const char *key)
{
	if (jl->member_mask & top_bit(jl))
		jl->buf[jl->len++] = ',';
	jl->member_mask |= top_bit(jl);
	if (key) {
		size_t n = strlen(key);

		jl->buf[jl->len++] = '"';
		memcpy(jl->buf + jl->len, key, n);
		jl->len += n;
		jl->buf[jl->len++] = '"';
		jl->buf[jl->len++] = ':';
	}
}

static int add_whole(struct json_line *jl, const char *key, const char *value, size_t n)
{
	int r = check_usable(jl, key);

	if (r < 0)
		return r;
	if (prefix_len(jl, key) + n > free_space(jl)) {
		jl->truncated = true;
		return -ENOSPC;
	}
	put_prefix(jl, key);
	memcpy(jl->buf + jl->len, value, n);
	jl->len += n;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode table 3-7: no
 * overlongs, no surrogates, nothing above U+10FFFF), its code point in
 * *ret_cp; 0 if the first byte does not start one.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;
	uint32_t cp;

	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*ret_cp = cp;
	return need;
}

/* Code points that are valid but must not appear raw in a log line. */
static bool needs_u_escape(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static size_t put_u_escape(char *out, uint32_t cp)
{
	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex_digits[(cp >> 12) & 0xf];
	out[3] = hex_digits[(cp >> 8) & 0xf];
	out[4] = hex_digits[(cp >> 4) & 0xf];
	out[5] = hex_digits[cp & 0xf];
	return 6;
}

static size_t put_short(char *out, char c)
{
	out[0] = '\\';
	out[1] = c;
	return 2;
}

/*
 * Escapes the unit (one character or one invalid byte) at s into out
 * (ESCAPED_UNIT_MAX bytes). Returns the bytes written; *ret_take is the input
 * bytes consumed.
 */
static size_t escape_unit(const unsigned char *s, size_t n, unsigned flags, char *out,
			  size_t *ret_take)
{
	uint32_t cp;
	size_t seq = utf8_decode(s, n, &cp);

	if (seq == 0) {
		*ret_take = 1;
		if (!(flags & JSON_LINE_INVALID_HEX))
			return put_u_escape(out, 0xfffd);
		memcpy(out, "\\\\x", 3);
		out[3] = hex_digits[s[0] >> 4];
		out[4] = hex_digits[s[0] & 0xf];
		return 5;
	}
	*ret_take = seq;
	switch (cp) {
	case '"':
		return put_short(out, '"');
	case '\\':
		if (flags & JSON_LINE_INVALID_HEX) {
			memcpy(out, "\\\\\\\\", 4);
			return 4;
		}
		return put_short(out, '\\');
	case '\b':
		return put_short(out, 'b');
	case '\f':
		return put_short(out, 'f');
	case '\n':
		return put_short(out, 'n');
	case '\r':
		return put_short(out, 'r');
	case '\t':
		return put_short(out, 't');
	}
	if (needs_u_escape(cp))
		return put_u_escape(out, cp);
	memcpy(out, s, seq);
	return seq;
}

/* A byte json_line_str_literal() writes '?': one a pattern cannot say. */
static bool literal_odd(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '*' || c == '[' || c == ']' || c == '{' || c == '}' ||
	       c == '\\';
}

/* escape_unit, or for a literal name '?' in place of a byte literal_odd() names. */
static size_t put_unit(const unsigned char *s, size_t n, unsigned flags, bool literal, char *out,
		       size_t *ret_take)
{
	if (literal && literal_odd(*s)) {
		*out = '?';
		*ret_take = 1;
		return 1;
	}
	return escape_unit(s, n, flags, out, ret_take);
}

/* Whether the escaped form of s fits in max bytes; stops early. */
static bool escaped_fits(const unsigned char *s, size_t n, unsigned flags, bool literal, size_t max)
{
	char unit[ESCAPED_UNIT_MAX];
	size_t used = 0, take;

	while (n > 0) {
		used += put_unit(s, n, flags, literal, unit, &take);
		if (used > max)
			return false;
		s += take;
		n -= take;
	}
	return true;
}

/*
 * Appends the escaped value, at most budget bytes. Returns 0 if whole,
 * -ENOBUFS if cut and ended with "…", -ENOSPC (nothing written) if it had to
 * be cut but not even "…" fits. A unit is escaped in place before it is known
 * to fit: the tail room (more than ESCAPED_UNIT_MAX bytes) absorbs it.
 */
static int put_escaped(struct json_line *jl, const unsigned char *s, size_t n, size_t budget,
		       bool literal)
{
	char *out = jl->buf + jl->len;
	size_t used = 0, take, ulen;

	while (n > 0) {
		/* Fast path: printable ASCII needing no escape, far from the budget. */
		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' &&
		    !(literal && literal_odd(*s)) && used + 1 + ELLIPSIS_LEN <= budget) {
			out[used++] = (char)*s++;
			n--;
			continue;
		}
		ulen = put_unit(s, n, jl->flags, literal, out + used, &take);
		/*
		 * Past this point only "…" would still fit after the unit; go on
		 * only if everything left fits without it.
		 */
		if (used + ulen + ELLIPSIS_LEN > budget &&
		    !escaped_fits(s, n, jl->flags, literal, budget - used)) {
			if (budget < ELLIPSIS_LEN)
				return -ENOSPC;
			memcpy(out + used, ELLIPSIS, ELLIPSIS_LEN);
			jl->len += used + ELLIPSIS_LEN;
			return -ENOBUFS;
		}
		used += ulen;
		s += take;
		n -= take;
	}
	jl->len += used;
	return 0;
}

void json_line_begin(struct json_line *jl, unsigned flags)
{
	jl->flags = flags;
	jl->reserve = 0;
	jl->depth = 1;
	jl->skip_depth = 0;
	jl->array_mask = 0;
	jl->member_mask = 0;
	jl->truncated = false;
	jl->finished = false;
	jl->buf[0] = '{';
	jl->len = 1;
}

void json_line_reserve(struct json_line *jl, size_t bytes)
{
	size_t avail;

	jl->reserve = 0;
	avail = free_space(jl);
	jl->reserve = bytes < avail ? bytes : avail;
}

static int put_str(struct json_line *jl, const char *key, const void *value, size_t len,
		   size_t max_bytes, bool literal)
{
	size_t pre, avail, budget, mark;
	uint32_t saved_members;
	int r;

	r = check_usable(jl, key);
	if (r < 0)
		return r;
	pre = prefix_len(jl, key);
	avail = free_space(jl);
	if (avail < pre + 2) {
		jl->truncated = true;
		return -ENOSPC;
	}
	budget = avail - pre - 2;
	if (max_bytes < ELLIPSIS_LEN)
		max_bytes = ELLIPSIS_LEN;
	if (budget > max_bytes)
		budget = max_bytes;

	mark = jl->len;
	saved_members = jl->member_mask;
	put_prefix(jl, key);
	jl->buf[jl->len++] = '"';
	r = put_escaped(jl, value, len, budget, literal);
	if (r == -ENOSPC) {
		jl->len = mark;
		jl->member_mask = saved_members;
		jl->truncated = true;
		return r;
	}
	jl->buf[jl->len++] = '"';
	if (r < 0)
		jl->truncated = true;
	return r;
}

int json_line_str_capped(struct json_line *jl, const char *key, const void *value, size_t len,
			 size_t max_bytes)
{
	return put_str(jl, key, value, len, max_bytes, false);
}

int json_line_str(struct json_line *jl, const char *key, const void *value, size_t len)
{
	return json_line_str_capped(jl, key, value, len, SIZE_MAX);
}

int json_line_str_literal(struct json_line *jl, const char *key, const char *value, size_t len)
{
	/* Written '?' as it is escaped: no copy of the name on the stack. */
	return put_str(jl, key, value, len, SIZE_MAX, true);
}

int json_line_strz(struct json_line *jl, const char *key, const char *value)
{
	if (!value)
		return json_line_null(jl, key);
	return json_line_str(jl, key, value, strlen(value));
}

/* Writes the decimal digits of v ending at end; returns where they start. */
static char *format_u64(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

int json_line_u64(struct json_line *jl, const char *key, uint64_t value)
{
	char digits[24], *end = digits + sizeof(digits), *p = format_u64(end, value);

	return add_whole(jl, key, p, (size_t)(end - p));
}

int json_line_i64(struct json_line *jl, const char *key, int64_t value)
{
	char digits[24], *end = digits + sizeof(digits), *p;
	/* Negate in unsigned arithmetic: -INT64_MIN overflows int64_t. */
	uint64_t magnitude = value < 0 ? -(uint64_t)value : (uint64_t)value;

	p = format_u64(end, magnitude);
	if (value < 0)
		*--p = '-';
	return add_whole(jl, key, p, (size_t)(end - p));
}

int json_line_bool(struct json_line *jl, const char *key, bool value)
{
	return value ? add_whole(jl, key, "true", 4) : add_whole(jl, key, "false", 5);
}

int json_line_null(struct json_line *jl, const char *key)
{
	return add_whole(jl, key, "null", 4);
}

int json_line_raw(struct json_line *jl, const char *key, const char *fragment, size_t len)
{
	return add_whole(jl, key, fragment, len);
}

static int open_container(struct json_line *jl, const char *key, bool array)
{
	int r = check_usable(jl, key);

	if (r == -EINVAL && jl->finished)
		return r;
	/* Any failure opens a dropped container, so that *_end() still pairs up. */
	if (r == 0 && jl->depth >= JSON_LINE_DEPTH_MAX)
		r = -EINVAL;
	/* One byte for the opener, one more for its closer in the tail room. */
	if (r == 0 && prefix_len(jl, key) + 2 > free_space(jl))
		r = -ENOSPC;
	if (r < 0) {
		jl->skip_depth++;
		jl->truncated = true;
		return r;
	}
	put_prefix(jl, key);
	jl->buf[jl->len++] = array ? '[' : '{';
	jl->depth++;
	jl->member_mask &= ~top_bit(jl);
	if (array)
		jl->array_mask |= top_bit(jl);
	else
		jl->array_mask &= ~top_bit(jl);
	return 0;
}

static int close_container(struct json_line *jl, bool array)
{
	if (jl->finished)
		return -EINVAL;
	if (jl->skip_depth) {
		jl->skip_depth--;
		return 0;
	}
	if (jl->depth <= 1 || !!(jl->array_mask & top_bit(jl)) != array)
		return -EINVAL;
	jl->buf[jl->len++] = array ? ']' : '}';
	jl->depth--;
	return 0;
}

int json_line_obj_begin(struct json_line *jl, const char *key)
{
	return open_container(jl, key, false);
}

int json_line_arr_begin(struct json_line *jl, const char *key)
{
	return open_container(jl, key, true);
}

int json_line_obj_end(struct json_line *jl)
{
	return close_container(jl, false);
}

int json_line_arr_end(struct json_line *jl)
{
	return close_container(jl, true);
}

void json_line_mark_cut(struct json_line *jl)
{
	jl->truncated = true;
}

int json_line_finish(struct json_line *jl, size_t *ret_len)
{
	if (!jl->finished) {
		jl->skip_depth = 0;
		while (jl->depth > 1)
			close_container(jl, jl->array_mask & top_bit(jl));
		if (jl->truncated) {
			size_t skip_comma = (jl->member_mask & 1) ? 0 : 1;

			memcpy(jl->buf + jl->len, &TRUNCATED_MEMBER[skip_comma],
			       TRUNCATED_LEN - skip_comma);
			jl->len += TRUNCATED_LEN - skip_comma;
		}
		jl->buf[jl->len++] = '}';
		jl->buf[jl->len++] = '\n';
		jl->finished = true;
	}
	*ret_len = jl->len;
	return 0;
}
