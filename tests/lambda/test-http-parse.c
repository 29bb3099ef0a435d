/* SPDX-License-Identifier: MIT */
/*
 * lambda_http: the Runtime API response parser on its own. Each response's
 * status and request id come out once, at the end of its header block,
 * however the bytes are split; bodies (Content-Length, chunked, forged
 * headers inside) are skipped; once it loses its place it reports nothing
 * more until the connection is reset. Also a randomised run of 100,000 responses
 * (run it under -fsanitize=address,undefined to check the memory side).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lambda_http.h"

struct seen {
	int n;
	int status[64];
	char id[64][LAMBDA_HTTP_ID_MAX];
};

static void record(void *userdata, int status, const char *id, size_t id_len)
{
	struct seen *s = userdata;
	if (s->n >= 64)
		return;
	s->status[s->n] = status;
	memcpy(s->id[s->n], id, id_len);
	s->id[s->n][id_len] = '\0';
	s->n++;
}

/* Feeds text in pieces of `piece` bytes (0: all at once). */
static void feed(struct lambda_http *h, struct seen *s, const char *text, size_t len, size_t piece)
{
	size_t off = 0;
	while (off < len) {
		size_t n = piece && piece < len - off ? piece : len - off;
		lambda_http_feed(h, text + off, n, record, s);
		off += n;
	}
}

/* An event whose body spells out a header, then the answer to a POST, on one connection. */
static const char forged_body[] =
	"{\"a\":\"\r\nLambda-Runtime-Aws-Request-Id: forged\r\n\r\n\", \"b\": 1}";

static size_t two_responses(char *out, size_t size)
{
	return (size_t)snprintf(
		out, size,
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n"
		"Lambda-Runtime-Deadline-Ms: 1542409706888\r\nContent-Length: %zu\r\n"
		"\r\n%s"
		"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}",
		strlen(forged_body), forged_body);
}

Test(lambda_http, content_length_and_keep_alive_any_split)
{
	char text[512];
	size_t len = two_responses(text, sizeof(text));
	for (size_t piece = 0; piece < 40; piece++) {
		struct lambda_http h;
		struct seen s = {0};
		lambda_http_reset(&h);
		feed(&h, &s, text, len, piece);
		cr_assert_eq(s.n, 2, "piece %zu: %d responses", piece, s.n);
		cr_assert_eq(s.status[0], 200);
		cr_assert_str_eq(s.id[0], "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
		cr_assert_eq(s.status[1], 202);
		cr_assert_str_eq(s.id[1], "");
	}
}

Test(lambda_http, chunked_body_with_extensions_and_trailers)
{
	static const char text[] =
		"HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id:   id-1  \r\n"
		"Transfer-Encoding: gzip, Chunked\r\n\r\n"
		"5;name=value\r\nHTTP/\r\n1a\r\n\r\nLambda-Runtime-Aws-Req\r\n\r\n0\r\nX-T: 1\r\n\r\n"
		"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: id-2\r\nContent-Length: 0\r\n\r\n";
	struct lambda_http h;
	struct seen s = {0};
	lambda_http_reset(&h);
	feed(&h, &s, text, strlen(text), 3);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.id[0], "id-1", "trimmed, name case-insensitive");
	cr_assert_str_eq(s.id[1], "id-2");
}

Test(lambda_http, interim_responses_are_not_reported)
{
	static const char text[] = "HTTP/1.1 100 Continue\r\n\r\n"
				   "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: x\r\n"
				   "Content-Length: 2\r\n\r\n{}";
	struct lambda_http h;
	struct seen s = {0};
	lambda_http_reset(&h);
	feed(&h, &s, text, strlen(text), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.status[0], 200);
}

Test(lambda_http, a_long_header_is_skipped_not_taken_for_the_end)
{
	char text[1024];
	int n = snprintf(text, sizeof(text),
			 "HTTP/1.1 200 OK\r\nX-Long: %0400d\r\nLambda-Runtime-Aws-Request-Id: y\r\n"
			 "Content-Length: 0\r\n\r\n",
			 7);
	for (size_t piece = 0; piece < 3; piece++) {
		struct lambda_http h;
		struct seen s = {0};
		lambda_http_reset(&h);
		feed(&h, &s, text, (size_t)n, piece ? piece * 500 : 0);
		cr_assert_eq(s.n, 1);
		cr_assert_str_eq(s.id[0], "y");
	}
}

Test(lambda_http, a_long_id_is_cut_a_too_long_line_ignored)
{
	char text[512];
	char id[201];
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	for (int i = 0; i < 2; i++) {
		/* 100 characters: cut to fit; 200: the line is longer than any real header. */
		size_t id_len = i ? 200 : 100;
		int n = snprintf(text, sizeof(text),
				 "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: %.*s\r\n\r\n",
				 (int)id_len, id);
		struct lambda_http h;
		struct seen s = {0};
		lambda_http_reset(&h);
		feed(&h, &s, text, (size_t)n, 0);
		cr_assert_eq(s.n, 1);
		cr_assert_eq(strlen(s.id[0]), i ? 0 : LAMBDA_HTTP_ID_MAX - 1);
	}
}

Test(lambda_http, once_lost_nothing_is_reported_until_reset)
{
	static const char junk[] = "GET / HTTP/1.1\r\nLambda-Runtime-Aws-Request-Id: no\r\n\r\n";
	static const char good[] = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: yes\r\n"
				   "Content-Length: 0\r\n\r\n";
	struct lambda_http h;
	struct seen s = {0};
	lambda_http_reset(&h);
	feed(&h, &s, junk, strlen(junk), 0);
	cr_assert_eq(s.n, 0);
	cr_assert(lambda_http_tainted(&h));
	/* A status line in the middle of a piece does not count. */
	char mixed[256];
	int n = snprintf(mixed, sizeof(mixed), "x%s", good);
	feed(&h, &s, mixed, (size_t)n, 0);
	cr_assert_eq(s.n, 0);
	/* One at the start of a piece may be an event's body: followed, never reported. */
	feed(&h, &s, good, strlen(good), 0);
	cr_assert_eq(s.n, 0);
	cr_assert(lambda_http_tainted(&h));
	/* A new connection. */
	lambda_http_reset(&h);
	cr_assert(!lambda_http_tainted(&h));
	feed(&h, &s, good, strlen(good), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.id[0], "yes");
	lambda_http_lose(&h);
	static const char header_only[] = "Lambda-Runtime-Aws-Request-Id: no\r\n\r\n";
	feed(&h, &s, header_only, strlen(header_only), 0);
	cr_assert_eq(s.n, 1);
}

/*
 * An event whose body repeats a whole response: after input was missed
 * (another thread's read, MSG_TRUNC), a later read of the body that starts
 * on one of the copies must not publish its id (review, 2026-11-23).
 */
Test(lambda_http, a_body_read_after_a_loss_forges_nothing)
{
	static const char forged[] = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: forged\r\n"
				     "Content-Length: 0\r\n\r\n";
	char body[1024], text[1400];
	size_t flen = strlen(forged), blen = 0;
	while (blen + flen <= sizeof(body)) {
		memcpy(body + blen, forged, flen);
		blen += flen;
	}
	int head = snprintf(text, sizeof(text),
			    "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: real\r\n"
			    "Content-Length: %zu\r\n\r\n",
			    blen);
	memcpy(text + head, body, blen);
	struct lambda_http h;
	struct seen s = {0};
	lambda_http_reset(&h);
	feed(&h, &s, text, (size_t)head + flen, 0);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.id[0], "real");
	/* The next copy's bytes went by unseen; the read after them starts on a copy. */
	lambda_http_lose(&h);
	feed(&h, &s, text + head + 2 * flen, blen - 2 * flen, flen);
	cr_assert_eq(s.n, 1, "a forged response was reported: %s", s.id[s.n - 1]);
}

Test(lambda_http, bad_framing_stops_the_parse)
{
	static const char texts[][160] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\nHTTP/1.1 200 OK\r\n"
		"Lambda-Runtime-Aws-Request-Id: no\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nHTTP/1.1 200 OK\r\n"
		"Lambda-Runtime-Aws-Request-Id: no\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: no\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct lambda_http h;
		struct seen s = {0};
		lambda_http_reset(&h);
		feed(&h, &s, texts[i], strlen(texts[i]), 0);
		for (int k = 0; k < s.n; k++)
			cr_assert_str_neq(s.id[k], "no", "case %zu", i);
	}
}

static unsigned long long rng = 88172645463325252ull;

static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static size_t random_response(char *out, const char *id, bool chunked)
{
	static const char alphabet[] =
		"ab\r\nHTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: F\r\n\r\n0";
	char body[2048];
	size_t blen = rnd() % sizeof(body);
	size_t n = 0;

	for (size_t i = 0; i < blen; i++)
		body[i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
	if (rnd() % 5 == 0)
		n += (size_t)sprintf(out + n, "HTTP/1.1 100 Continue\r\n\r\n");
	n += (size_t)sprintf(out + n, "HTTP/1.1 %s\r\n", id ? "200 OK" : "202 Accepted");
	if (rnd() % 4 == 0) {
		n += (size_t)sprintf(out + n, "X-Long: ");
		memset(out + n, 'z', 300);
		n += 300;
		n += (size_t)sprintf(out + n, "\r\n");
	}
	if (id)
		n += (size_t)sprintf(out + n, "%s: %s\r\n",
				     rnd() % 2 ? "Lambda-Runtime-Aws-Request-Id"
					       : "LAMBDA-RUNTIME-AWS-REQUEST-ID",
				     id);
	if (!chunked) {
		n += (size_t)sprintf(out + n, "Content-Length: %zu\r\n\r\n", blen);
		memcpy(out + n, body, blen);
		return n + blen;
	}
	n += (size_t)sprintf(out + n, "Transfer-Encoding: chunked\r\n\r\n");
	for (size_t i = 0; i < blen;) {
		size_t c = 1 + rnd() % 300;
		if (c > blen - i)
			c = blen - i;
		n += (size_t)sprintf(out + n, "%zx%s\r\n", c, rnd() % 2 ? ";e=1" : "");
		memcpy(out + n, body + i, c);
		n += c;
		n += (size_t)sprintf(out + n, "\r\n");
		i += c;
	}
	n += (size_t)sprintf(out + n, "0\r\n%s\r\n", rnd() % 2 ? "T: x\r\n" : "");
	return n;
}

Test(lambda_http, randomised_streams)
{
	static char buf[8192];
	struct lambda_http h;
	lambda_http_reset(&h);
	for (int round = 0; round < 100000; round++) {
		char want[32];
		bool has_id = rnd() % 3 != 0;
		struct seen s = {0};
		snprintf(want, sizeof(want), "id-%d", round);
		size_t n = random_response(buf, has_id ? want : NULL, rnd() % 2);
		for (size_t off = 0; off < n;) {
			size_t c = 1 + rnd() % (rnd() % 2 ? 8 : 4096);
			if (c > n - off)
				c = n - off;
			lambda_http_feed(&h, buf + off, c, record, &s);
			off += c;
		}
		cr_assert_eq(s.n, 1, "round %d: %d responses", round, s.n);
		cr_assert_str_eq(s.id[0], has_id ? want : "", "round %d", round);
	}
}
