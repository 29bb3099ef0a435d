// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

struct scanner {
	const char *text;
	size_t len;
	size_t pos;
	unsigned depth;
	struct json_scan *out;
	size_t cap;
};

static int fail(struct scanner *s, size_t at, const char *msg, int err)
{
	s->out->error = msg;
	s->out->error_offset = at;
	return err;
}

static void skip_ws(struct scanner *s)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		s->pos++;
	}
}

static int push_value(struct scanner *s, size_t offset, size_t key_offset, size_t *ret_index)
{
	if (s->out->n_values == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct json_scan_value *v = realloc(s->out->values, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->out->values = v;
		s->cap = cap;
	}
	struct json_scan_value *v = &s->out->values[s->out->n_values];
	v->offset = (uint32_t)offset;
	v->key_offset = key_offset == SIZE_MAX ? UINT32_MAX : (uint32_t)key_offset;
	v->length = 0;
	*ret_index = s->out->n_values++;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_u16_escape(struct scanner *s, unsigned *ret)
{
	/* s->pos is at the 'u' */
	if (s->pos + 4 >= s->len)
		return fail(s, s->pos, "truncated \\u escape", -EINVAL);
	unsigned v = 0;
	for (size_t i = 1; i <= 4; i++) {
		int h = hex_value(s->text[s->pos + i]);
		if (h < 0)
			return fail(s, s->pos + i, "bad hex digit in \\u escape", -EINVAL);
		v = v << 4 | (unsigned)h;
	}
	s->pos += 5;
	*ret = v;
	return 0;
}

/* Length of a valid UTF-8 sequence at p, or 0 if invalid. */
size_t json_utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int scan_string(struct scanner *s)
{
	/* s->pos is at the opening quote */
	size_t open = s->pos++;
	while (s->pos < s->len) {
		unsigned char c = (unsigned char)s->text[s->pos];
		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c == '\n' || c == '\r')
			return fail(s, open,
				    "string not closed before the end of the line "
				    "(write a line break in a string as \\n)",
				    -EINVAL);
		if (c < 0x20)
			return fail(s, s->pos, "control character in string (escape it)", -EINVAL);
		if (c == '\\') {
			if (s->pos + 1 >= s->len)
				break;
			char e = s->text[s->pos + 1];
			if (strchr("\"\\/bfnrt", e) && e) {
				s->pos += 2;
				continue;
			}
			if (e != 'u')
				return fail(s, s->pos, "invalid escape in string", -EINVAL);
			size_t at = s->pos;
			s->pos++;
			unsigned v;
			int r = read_u16_escape(s, &v);
			if (r < 0)
				return r;
			if (v == 0)
				return fail(s, at, "\\u0000 is not allowed in strings", -EINVAL);
			if (v >= 0xdc00 && v <= 0xdfff)
				return fail(s, at, "lone low surrogate in \\u escape", -EINVAL);
			if (v >= 0xd800 && v <= 0xdbff) {
				unsigned lo;
				if (s->pos + 1 >= s->len || s->text[s->pos] != '\\' ||
				    s->text[s->pos + 1] != 'u')
					return fail(s, at, "lone high surrogate in \\u escape",
						    -EINVAL);
				s->pos++;
				r = read_u16_escape(s, &lo);
				if (r < 0)
					return r;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(s, at, "lone high surrogate in \\u escape",
						    -EINVAL);
			}
			continue;
		}
		size_t n =
			json_utf8_seq_len((const unsigned char *)s->text + s->pos, s->len - s->pos);
		if (n == 0)
			return fail(s, s->pos, "invalid UTF-8 in string", -EINVAL);
		s->pos += n;
	}
	return fail(s, open, "unterminated string", -EINVAL);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int scan_number(struct scanner *s)
{
	size_t start = s->pos;
	if (s->text[s->pos] == '-')
		s->pos++;
	if (s->pos >= s->len || !is_digit(s->text[s->pos]))
		return fail(s, start, "invalid number", -EINVAL);
	if (s->text[s->pos] == '0') {
		s->pos++;
		if (s->pos < s->len && is_digit(s->text[s->pos]))
			return fail(s, start, "leading zero in number", -EINVAL);
	} else {
		while (s->pos < s->len && is_digit(s->text[s->pos]))
			s->pos++;
	}
	if (s->pos < s->len && s->text[s->pos] == '.') {
		s->pos++;
		if (s->pos >= s->len || !is_digit(s->text[s->pos]))
			return fail(s, start, "invalid number", -EINVAL);
		while (s->pos < s->len && is_digit(s->text[s->pos]))
			s->pos++;
	}
	if (s->pos < s->len && (s->text[s->pos] == 'e' || s->text[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->len && (s->text[s->pos] == '+' || s->text[s->pos] == '-'))
			s->pos++;
		if (s->pos >= s->len || !is_digit(s->text[s->pos]))
			return fail(s, start, "invalid number", -EINVAL);
		while (s->pos < s->len && is_digit(s->text[s->pos]))
			s->pos++;
	}
	return 0;
}

static int scan_literal(struct scanner *s, const char *word)
{
	size_t n = strlen(word);
	if (s->len - s->pos < n || memcmp(s->text + s->pos, word, n) != 0)
		return fail(s, s->pos, "unexpected character", -EINVAL);
	s->pos += n;
	return 0;
}

static int scan_value(struct scanner *s, size_t key_offset);

static int scan_container(struct scanner *s, bool object)
{
	char close = object ? '}' : ']';
	if (++s->depth > JSON_SCAN_MAX_DEPTH)
		return fail(s, s->pos, "nested too deeply", -E2BIG);
	s->pos++;
	skip_ws(s);
	if (s->pos < s->len && s->text[s->pos] == close) {
		s->pos++;
		s->depth--;
		return 0;
	}
	for (;;) {
		size_t key_offset = SIZE_MAX;
		int r;
		skip_ws(s);
		if (object) {
			if (s->pos >= s->len || s->text[s->pos] != '"')
				return fail(s, s->pos, "expected a member name in quotes", -EINVAL);
			key_offset = s->pos;
			r = scan_string(s);
			if (r < 0)
				return r;
			skip_ws(s);
			if (s->pos >= s->len || s->text[s->pos] != ':')
				return fail(s, s->pos, "expected ':' after member name", -EINVAL);
			s->pos++;
		}
		r = scan_value(s, key_offset);
		if (r < 0)
			return r;
		skip_ws(s);
		if (s->pos < s->len && s->text[s->pos] == ',') {
			size_t comma = s->pos++;
			skip_ws(s);
			if (s->pos < s->len && s->text[s->pos] == close)
				return fail(s, comma, "trailing comma", -EINVAL);
			continue;
		}
		if (s->pos < s->len && s->text[s->pos] == close) {
			s->pos++;
			s->depth--;
			return 0;
		}
		return fail(s, s->pos, object ? "expected ',' or '}'" : "expected ',' or ']'",
			    -EINVAL);
	}
}

static int scan_value(struct scanner *s, size_t key_offset)
{
	size_t index;
	int r;
	skip_ws(s);
	if (s->pos >= s->len)
		return fail(s, s->pos, "unexpected end of input", -EINVAL);
	size_t start = s->pos;
	r = push_value(s, start, key_offset, &index);
	if (r < 0)
		return r;
	char c = s->text[s->pos];
	if (c == '{' || c == '[')
		r = scan_container(s, c == '{');
	else if (c == '"')
		r = scan_string(s);
	else if (c == '-' || is_digit(c))
		r = scan_number(s);
	else if (c == 't')
		r = scan_literal(s, "true");
	else if (c == 'f')
		r = scan_literal(s, "false");
	else if (c == 'n')
		r = scan_literal(s, "null");
	else
		r = fail(s, s->pos, "unexpected character", -EINVAL);
	if (r < 0)
		return r;
	s->out->values[index].length = (uint32_t)(s->pos - start);
	return 0;
}

int json_scan(const char *text, size_t len, struct json_scan *scan)
{
	struct scanner s = {.text = text, .len = len, .out = scan};
	int r;

	memset(scan, 0, sizeof(*scan));
	if (len >= UINT32_MAX)
		return fail(&s, 0, "input too large", -E2BIG);
	/* A UTF-8 byte order mark is not JSON; say so rather than "unexpected character". */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return fail(&s, 0, "byte order mark is not allowed", -EINVAL);
	r = scan_value(&s, SIZE_MAX);
	if (r < 0)
		return r;
	skip_ws(&s);
	if (s.pos != len)
		return fail(&s, s.pos, "trailing characters after the document", -EINVAL);
	return 0;
}

void json_scan_done(struct json_scan *scan)
{
	free(scan->values);
	scan->values = NULL;
	scan->n_values = 0;
}

void json_offset_to_line_col(const char *text, size_t len, size_t offset, unsigned *ret_line,
			     unsigned *ret_col)
{
	unsigned line = 1, col = 1;
	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			line++;
			col = 1;
		} else if ((c & 0xc0) != 0x80) {
			col++;
		}
	}
	*ret_line = line;
	*ret_col = col;
}
