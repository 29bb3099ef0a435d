// SPDX-License-Identifier: MIT
/*
 * The Runtime API's responses, parsed as they reach the runtime (see
 * lambda_http.h). A line state (status, headers, chunk sizes, trailers)
 * collects bytes up to '\n'; a skip state (body, chunk data) counts them.
 */
#include <string.h>

#include "lambda_http.h"

static char ascii_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* When line is "name: value" (name case-insensitive), the value, trimmed. */
static bool header_value(const char *line, size_t len, const char *name, const char **ret_value,
			 size_t *ret_len)
{
	size_t n = strlen(name);
	if (len <= n || line[n] != ':')
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(line[i]) != name[i])
			return false;
	const char *v = line + n + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*ret_value = v;
	*ret_len = (size_t)(end - v);
	return true;
}

/* Digits at s (at least one); their count in *ret_used. */
static bool parse_u64(const char *s, size_t len, unsigned base, uint64_t *ret, size_t *ret_used)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < len; i++) {
		unsigned d;
		char ch = ascii_lower(s[i]);
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (i == 0)
		return false;
	*ret = v;
	*ret_used = i;
	return true;
}

static void end_of_headers(struct lambda_http *h, lambda_http_headers_fn fn, void *userdata)
{
	/* An interim response (100 Continue): the real one follows. */
	if (h->status >= 100 && h->status < 200) {
		h->state = LAMBDA_HTTP_STATUS;
		return;
	}
	if (!h->tainted)
		fn(userdata, h->status, h->id, h->id_len);
	if (h->bad)
		h->state = LAMBDA_HTTP_LOST;
	else if (h->status == 204 || h->status == 304)
		h->state = LAMBDA_HTTP_STATUS;
	else if (h->chunked)
		h->state = LAMBDA_HTTP_CHUNK_SIZE;
	else if (h->have_length) {
		h->remaining = h->length;
		h->state = h->length ? LAMBDA_HTTP_BODY : LAMBDA_HTTP_STATUS;
	} else
		h->state = LAMBDA_HTTP_UNTIL_CLOSE;
}

static void status_line(struct lambda_http *h, const char *line, size_t len)
{
	uint64_t status;
	size_t used;
	if (len == 0)
		return; /* stray CRLF between responses */
	if (len < 12 || memcmp(line, "HTTP/", 5) != 0 || line[8] != ' ' ||
	    !parse_u64(line + 9, 3, 10, &status, &used) || used != 3 || status < 100 ||
	    status > 999) {
		h->state = LAMBDA_HTTP_LOST;
		return;
	}
	h->status = (int)status;
	h->have_length = false;
	h->chunked = false;
	h->bad = false;
	h->id_len = 0;
	h->state = LAMBDA_HTTP_HEADERS;
}

static void header_line(struct lambda_http *h, const char *line, size_t len,
			lambda_http_headers_fn fn, void *userdata)
{
	const char *v;
	size_t vlen, used;

	if (len == 0) {
		end_of_headers(h, fn, userdata);
		return;
	}
	if (header_value(line, len, "lambda-runtime-aws-request-id", &v, &vlen)) {
		if (vlen >= sizeof(h->id))
			vlen = sizeof(h->id) - 1;
		memcpy(h->id, v, vlen);
		h->id_len = vlen;
	} else if (header_value(line, len, "content-length", &v, &vlen)) {
		if (parse_u64(v, vlen, 10, &h->length, &used) && used == vlen)
			h->have_length = true;
		else
			h->bad = true;
	} else if (header_value(line, len, "transfer-encoding", &v, &vlen)) {
		/* "chunked" is always the last coding when present. */
		static const char chunked[] = "chunked";
		size_t n = sizeof(chunked) - 1;
		if (vlen >= n) {
			h->chunked = true;
			for (size_t i = 0; i < n; i++)
				if (ascii_lower(v[vlen - n + i]) != chunked[i])
					h->chunked = false;
		}
		if (!h->chunked)
			h->bad = true; /* a body until close: nothing after it to follow */
	}
}

static void chunk_size_line(struct lambda_http *h, const char *line, size_t len)
{
	uint64_t size;
	size_t used;
	/* Digits, then nothing, blanks or ";extensions". */
	if (!parse_u64(line, len, 16, &size, &used) ||
	    (used < len && line[used] != ';' && line[used] != ' ' && line[used] != '\t')) {
		h->state = LAMBDA_HTTP_LOST;
		return;
	}
	if (size == 0) {
		h->state = LAMBDA_HTTP_TRAILERS;
		return;
	}
	h->remaining = size;
	h->state = LAMBDA_HTTP_CHUNK_DATA;
}

static void complete_line(struct lambda_http *h, lambda_http_headers_fn fn, void *userdata)
{
	size_t len = h->line_len;
	const char *line = h->line;

	if (len && line[len - 1] == '\r')
		len--;
	if (h->line_long) {
		/* Longer than any line the parser needs: never empty, never understood. */
		if (h->state == LAMBDA_HTTP_STATUS || h->state == LAMBDA_HTTP_CHUNK_SIZE ||
		    h->state == LAMBDA_HTTP_CHUNK_END)
			h->state = LAMBDA_HTTP_LOST;
	} else {
		switch (h->state) {
		case LAMBDA_HTTP_STATUS:
			status_line(h, line, len);
			break;
		case LAMBDA_HTTP_HEADERS:
			header_line(h, line, len, fn, userdata);
			break;
		case LAMBDA_HTTP_CHUNK_SIZE:
			chunk_size_line(h, line, len);
			break;
		case LAMBDA_HTTP_CHUNK_END:
			h->state = len == 0 ? LAMBDA_HTTP_CHUNK_SIZE : LAMBDA_HTTP_LOST;
			break;
		case LAMBDA_HTTP_TRAILERS:
			if (len == 0)
				h->state = LAMBDA_HTTP_STATUS;
			break;
		default:
			break;
		}
	}
	h->line_len = 0;
	h->line_long = false;
}

void lambda_http_reset(struct lambda_http *h)
{
	h->state = LAMBDA_HTTP_STATUS;
	h->line_len = 0;
	h->line_long = false;
	h->id_len = 0;
	h->tainted = false;
}

void lambda_http_lose(struct lambda_http *h)
{
	h->state = LAMBDA_HTTP_LOST;
}

bool lambda_http_tainted(const struct lambda_http *h)
{
	return h->tainted || h->state == LAMBDA_HTTP_LOST;
}

void lambda_http_feed(struct lambda_http *h, const void *buf, size_t n, lambda_http_headers_fn fn,
		      void *userdata)
{
	const char *p = buf;

	if (h->state == LAMBDA_HTTP_LOST) {
		/* What follows may be an event's body that looks like a response. */
		h->tainted = true;
		if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
			return;
		h->state = LAMBDA_HTTP_STATUS;
		h->line_len = 0;
		h->line_long = false;
	}
	while (n > 0) {
		switch (h->state) {
		case LAMBDA_HTTP_BODY:
		case LAMBDA_HTTP_CHUNK_DATA: {
			size_t take = h->remaining < n ? (size_t)h->remaining : n;
			p += take;
			n -= take;
			h->remaining -= take;
			if (!h->remaining)
				h->state = h->state == LAMBDA_HTTP_BODY ? LAMBDA_HTTP_STATUS
									: LAMBDA_HTTP_CHUNK_END;
			break;
		}
		case LAMBDA_HTTP_UNTIL_CLOSE:
		case LAMBDA_HTTP_LOST:
			return;
		default: {
			const char *nl = memchr(p, '\n', n);
			size_t take = nl ? (size_t)(nl - p) : n;
			if (h->line_len + take > sizeof(h->line))
				h->line_long = true;
			else {
				memcpy(h->line + h->line_len, p, take);
				h->line_len += take;
			}
			if (!nl) {
				return;
			}
			p += take + 1;
			n -= take + 1;
			complete_line(h, fn, userdata);
			break;
		}
		}
	}
}
