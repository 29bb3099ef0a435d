/* SPDX-License-Identifier: MIT */
/*
 * json_line — a fixed-buffer builder for one JSON object written as one line.
 *
 * Used by the event writer, which may run in a SIGSYS handler: no allocation,
 * no stdio, no locale, no locks, only memory operations on the caller's own
 * struct json_line (typically on the stack: it is ~4.1 KiB, mind small
 * sigaltstacks). Reentrant: two builders never share state.
 *
 * The line always stays valid JSON, valid UTF-8, one line, and at most
 * JSON_LINE_MAX bytes including its '\n':
 *
 *  - Room for closing every open container, for a final ,"truncated":true and
 *    for the '\n' is held back from the start, so json_line_finish() always
 *    succeeds.
 *  - Numbers, booleans, null, raw fragments and container openings are added
 *    whole or not at all. A container that could not be opened swallows
 *    everything added to it until its matching *_end().
 *  - A string value that does not fit is cut at a character boundary (never
 *    inside a UTF-8 sequence or an escape) and ends with U+2026 "…". A string
 *    whose key, quotes and "…" would not fit is dropped.
 *  - Whenever something was cut or dropped, json_line_finish() adds
 *    "truncated":true as the last member of the outermost object. Callers must
 *    not add a member of that name themselves.
 *
 * So that the fields added after a long value (pid, tid, seq, ...) are not
 * lost, the caller has two tools: a cap on one string's escaped size
 * (json_line_str_capped()) and a reserve, bytes that no field may use until
 * the caller releases them:
 *
 *	json_line_reserve(&jl, 512);		keep room for the tail
 *	json_line_strz(&jl, "target", path);	cut to leave 512 bytes free
 *	json_line_reserve(&jl, 0);		give it back
 *	json_line_u64(&jl, "pid", pid);
 *
 * Escaping of string values (keys are trusted ASCII literals and copied as
 * they are): '"' and '\' get a backslash; \b \f \n \r \t their short forms;
 * the other C0 controls, DEL and the C1 controls (U+0080-U+009F) become
 * \u00XX; U+2028/U+2029 (line separators to JavaScript) and the bidi
 * embedding/override/isolate marks U+202A-U+202E, U+2066-U+2069 (which make a
 * path look like another one in a viewer) become \uXXXX. These escapes are
 * lossless: a JSON reader gets the original characters back. Valid UTF-8
 * passes through unchanged.
 *
 * Invalid UTF-8 (stray continuation bytes, C0/C1/F5-FF lead bytes, overlong
 * forms, UTF-8-encoded surrogates, code points above U+10FFFF, sequences cut
 * short) is handled one invalid byte at a time, in one of two modes chosen at
 * json_line_begin():
 *
 *  - JSON_LINE_INVALID_FFFD (default): each invalid byte becomes \ufffd. The
 *    line reads naturally, but a reader cannot recover the raw bytes (nor tell
 *    them apart from a genuine U+FFFD).
 *  - JSON_LINE_INVALID_HEX: each invalid byte becomes the four characters
 *    \xNN (written "\\xNN" in JSON) and, so that the encoding stays
 *    reversible, every literal backslash in a value decodes as two
 *    backslashes. A reader gets the exact bytes back by undoing "\\" and
 *    "\xNN" after JSON decoding; "…" at the end of a cut value is ambiguous
 *    only with a value that really ends in U+2026 (see "truncated").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Largest line, '\n' included: one byte under PIPE_BUF, for the newline put
 * in front where the log shares the function's output (log_line.h).
 */
#define JSON_LINE_MAX 4095
/* Deepest nesting, the outermost object included. */
#define JSON_LINE_DEPTH_MAX 8

enum json_line_flags {
	JSON_LINE_INVALID_FFFD = 0,
	JSON_LINE_INVALID_HEX = 1 << 0,
};

/* Fields are private to json_line.c, except buf and len after finish. */
struct json_line {
	char buf[JSON_LINE_MAX];
	size_t len;
	size_t reserve;
	unsigned flags;
	unsigned depth;
	unsigned skip_depth;
	uint32_t array_mask;
	uint32_t member_mask;
	bool truncated;
	bool finished;
};

/*
 * Starts a line: resets *jl and writes '{'. flags is a JSON_LINE_INVALID_*
 * mode. Always succeeds.
 */
void json_line_begin(struct json_line *jl, unsigned flags);

/*
 * Holds back bytes for fields still to come: until the next call, no field
 * may use the last `bytes` bytes of free space (clamped to what is free).
 * json_line_reserve(jl, 0) releases the reserve.
 */
void json_line_reserve(struct json_line *jl, size_t bytes);

/*
 * Adds "key":"value" with the len bytes at value escaped. key must be NULL
 * inside an array and non-NULL in an object. Returns 0 if added whole,
 * -ENOBUFS if the value was cut (ends with "…"), -ENOSPC if the member was
 * dropped, -EINVAL on misuse (key/container mismatch, after finish).
 */
int json_line_str(struct json_line *jl, const char *key, const void *value, size_t len);

/*
 * Like json_line_str(), but the escaped value (between the quotes, "…"
 * included) takes at most max_bytes bytes; caps below 3 count as 3 so that a
 * cut value can still carry its "…".
 */
int json_line_str_capped(struct json_line *jl, const char *key, const void *value, size_t len,
			 size_t max_bytes);

/*
 * Like json_line_str() for a NUL-terminated value; a NULL value is written
 * as JSON null.
 */
int json_line_strz(struct json_line *jl, const char *key, const char *value);

/*
 * Like json_line_str() for a name a profile rule will take literally (a
 * violation's tip): bytes a pattern cannot say ('*', '[', ']', '{', '}',
 * '\\', control characters) are written '?', which matches them, so that a
 * name someone chose ("*") never becomes a wildcard in a rule pasted from a
 * tip or learned from a log.
 */
int json_line_str_literal(struct json_line *jl, const char *key, const char *value, size_t len);

/* Adds "key":<unsigned decimal>. Returns as json_line_str(), never -ENOBUFS. */
int json_line_u64(struct json_line *jl, const char *key, uint64_t value);

/* Adds "key":<signed decimal>. Returns as json_line_u64(). */
int json_line_i64(struct json_line *jl, const char *key, int64_t value);

/* Adds "key":true or "key":false. Returns as json_line_u64(). */
int json_line_bool(struct json_line *jl, const char *key, bool value);

/* Adds "key":null. Returns as json_line_u64(). */
int json_line_null(struct json_line *jl, const char *key);

/*
 * Adds "key":<fragment>, the len bytes at fragment copied verbatim. The
 * fragment is trusted: it must be one complete JSON value on one line (e.g.
 * an object built earlier by another json_line, without its '\n'). Whole or
 * dropped; returns as json_line_u64().
 */
int json_line_raw(struct json_line *jl, const char *key, const char *fragment, size_t len);

/*
 * Opens a nested object: "key":{ (key NULL inside an array). Returns 0,
 * -ENOSPC if it did not fit (then everything added until the matching
 * json_line_obj_end() is dropped too), -EINVAL on misuse or nesting deeper
 * than JSON_LINE_DEPTH_MAX (also dropped, so that the *_end() calls still
 * pair up).
 */
int json_line_obj_begin(struct json_line *jl, const char *key);

/* Opens a nested array: "key":[. Returns as json_line_obj_begin(). */
int json_line_arr_begin(struct json_line *jl, const char *key);

/*
 * Closes the innermost container, which must be an object opened by
 * json_line_obj_begin() (or dropped). Returns 0, or -EINVAL when it does not
 * match (an array, or nothing open but the outermost object).
 */
int json_line_obj_end(struct json_line *jl);

/* Closes the innermost container, an array. Returns as json_line_obj_end(). */
int json_line_arr_end(struct json_line *jl);

/*
 * Says the line leaves something out that no call cut (a list ended
 * early on purpose): json_line_finish() adds "truncated":true.
 */
void json_line_mark_cut(struct json_line *jl);

/*
 * Closes any containers still open, adds "truncated":true if anything was
 * cut or dropped, then "}\n". The line is jl->buf, *ret_len bytes (at most
 * JSON_LINE_MAX), not NUL-terminated. Calling it again returns the same line;
 * later additions return -EINVAL. Always returns 0.
 */
int json_line_finish(struct json_line *jl, size_t *ret_len);
