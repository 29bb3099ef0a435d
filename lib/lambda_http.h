/* SPDX-License-Identifier: MIT */
/*
 * lambda_http — a parser for the HTTP/1.1 responses a Lambda runtime reads
 * from the Runtime API, just enough to find each response's status and
 * Lambda-Runtime-Aws-Request-Id header.
 *
 * The event is the body of the same response and is attacker-controlled,
 * so only header blocks are looked at: bodies are skipped by their
 * Content-Length or chunk sizes (keep-alive connections carry one response
 * after another). Bytes may arrive split anywhere. A stream the parser does
 * not understand is "lost" until a piece of input starts with "HTTP/" again;
 * such a piece may be the attacker's body, so from then on the connection is
 * "tainted": its framing is followed but no header block is reported, until
 * lambda_http_reset (a new connection).
 *
 * Pure: no allocation, no system calls, no locks; the caller serialises the
 * calls on one struct. Async-signal-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line looked at; longer ones are skipped whole (never a header we need). */
#define LAMBDA_HTTP_LINE_MAX 192
/* Longest request id kept (NUL room included); longer ones are cut. */
#define LAMBDA_HTTP_ID_MAX 64

enum lambda_http_state {
	LAMBDA_HTTP_STATUS,	 /* expecting a status line */
	LAMBDA_HTTP_HEADERS,	 /* inside a header block */
	LAMBDA_HTTP_BODY,	 /* skipping `remaining` body bytes */
	LAMBDA_HTTP_CHUNK_SIZE,	 /* a chunk-size line */
	LAMBDA_HTTP_CHUNK_DATA,	 /* skipping `remaining` chunk bytes */
	LAMBDA_HTTP_CHUNK_END,	 /* the CRLF after a chunk */
	LAMBDA_HTTP_TRAILERS,	 /* after the last chunk, until the empty line */
	LAMBDA_HTTP_UNTIL_CLOSE, /* a body delimited by the end of the connection */
	LAMBDA_HTTP_LOST,	 /* not understood: wait for input that starts "HTTP/" */
};

/* One connection's parse. Fields are private to lambda_http.c. */
struct lambda_http {
	enum lambda_http_state state;
	uint64_t remaining;
	uint64_t length;
	int status;
	bool have_length;
	bool chunked;
	bool bad;
	bool line_long;
	bool tainted; /* lost once since the last reset: nothing is reported */
	size_t line_len;
	size_t id_len;
	char line[LAMBDA_HTTP_LINE_MAX];
	char id[LAMBDA_HTTP_ID_MAX];
};

/*
 * Called at the end of every final (non-1xx) response's header block of an
 * untainted connection, with its status and its Lambda-Runtime-Aws-Request-Id
 * value (id_len 0 when it has none). id is borrowed until the callback
 * returns.
 */
typedef void (*lambda_http_headers_fn)(void *userdata, int status, const char *id, size_t id_len);

/* Starts a connection over: the next input is a status line. */
void lambda_http_reset(struct lambda_http *h);

/* Input was missed (the caller could not feed it): lost until "HTTP/" starts a piece. */
void lambda_http_lose(struct lambda_http *h);

/* Whether the parse ever lost its place since the last reset (nothing it says is believed). */
bool lambda_http_tainted(const struct lambda_http *h);

/* Feeds the n bytes at buf, in stream order; calls fn as header blocks end. */
void lambda_http_feed(struct lambda_http *h, const void *buf, size_t n, lambda_http_headers_fn fn,
		      void *userdata);
