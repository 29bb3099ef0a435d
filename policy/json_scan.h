/* SPDX-License-Identifier: MIT */
/*
 * json_scan — a strict RFC 8259 validator that also records where every value
 * starts, so that diagnostics about a parsed document can name a line and a
 * column. cJSON is lenient (it accepts "01", "+1", raw control characters in
 * strings, and silently truncates strings at "\u0000"); this scanner runs
 * first and rejects all of that with a position, so the reader can trust the
 * tree cJSON builds afterwards.
 *
 * Values are numbered in document pre-order (a container before its members,
 * members in order): the same order as a pre-order walk of cJSON's tree.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The deepest nesting of arrays and objects accepted. */
#define JSON_SCAN_MAX_DEPTH 16

struct json_scan_value {
	uint32_t offset;     /* first byte of the value */
	uint32_t key_offset; /* first byte of its member name, or UINT32_MAX */
	uint32_t length;     /* bytes of the value's text (whole container for arrays/objects) */
};

struct json_scan {
	struct json_scan_value *values; /* pre-order; owned, free with json_scan_done() */
	size_t n_values;
	/* Set when the text is rejected: */
	size_t error_offset;
	const char *error; /* static message */
};

/*
 * Validates text[0..len) and records value positions into *scan.
 * Returns 0, -EINVAL (not strict JSON: scan->error and scan->error_offset say
 * why and where), -E2BIG (deeper than JSON_SCAN_MAX_DEPTH or longer than
 * UINT32_MAX; the error fields are set too) or -ENOMEM.
 */
int json_scan(const char *text, size_t len, struct json_scan *scan);

/*
 * Length of the valid UTF-8 sequence at p (at most avail bytes): 1 to 4,
 * or 0 when it is not one (overlong forms, surrogates, above U+10FFFF).
 */
size_t json_utf8_seq_len(const unsigned char *p, size_t avail);

/* Frees what json_scan() allocated; safe on a zeroed struct. */
void json_scan_done(struct json_scan *scan);

/* Converts a byte offset into 1-based line and column (columns count code points). */
void json_offset_to_line_col(const char *text, size_t len, size_t offset, unsigned *ret_line,
			     unsigned *ret_col);
