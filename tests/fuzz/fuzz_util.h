/* SPDX-License-Identifier: MIT */
/*
 * What the libFuzzer targets share: a failure that libFuzzer records (a
 * message, then abort), a line splitter for the text inputs the targets
 * take, a deterministic random source derived from the input (so a saved
 * crash replays the same variants), a UTF-8 checker and JSON string quoting
 * for building profiles from fuzzed text.
 *
 * Header-only: each target is one translation unit.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Prints what broke and aborts: libFuzzer saves the input as a crash. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FUZZ_CHECK(cond, ...)                   \
	do {                                    \
		if (!(cond))                    \
			fuzz_fail(__VA_ARGS__); \
	} while (0)

/* ---- lines and tokens -------------------------------------------------- */

struct fuzz_text {
	const char *p, *end;
};

/* Next '\n'-separated line (without it); false at the end. */
static inline bool fuzz_next_line(struct fuzz_text *t, const char **ret, size_t *ret_len)
{
	if (t->p >= t->end)
		return false;
	const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
	size_t n = nl ? (size_t)(nl - t->p) : (size_t)(t->end - t->p);
	*ret = t->p;
	*ret_len = n;
	t->p += n + (nl ? 1 : 0);
	return true;
}

/* Next ' '-separated token of a line; false when none is left. */
static inline bool fuzz_next_token(struct fuzz_text *t, const char **ret, size_t *ret_len)
{
	while (t->p < t->end && *t->p == ' ')
		t->p++;
	if (t->p >= t->end)
		return false;
	const char *sp = memchr(t->p, ' ', (size_t)(t->end - t->p));
	size_t n = sp ? (size_t)(sp - t->p) : (size_t)(t->end - t->p);
	*ret = t->p;
	*ret_len = n;
	t->p += n;
	return true;
}

/* ---- deterministic randomness ------------------------------------------- */

/* splitmix64: the same input always gives the same choices. */
struct fuzz_rng {
	uint64_t s;
};

static inline void fuzz_rng_seed(struct fuzz_rng *r, const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	r->s = h;
}

static inline uint64_t fuzz_rng_next(struct fuzz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned fuzz_rng_below(struct fuzz_rng *r, unsigned n)
{
	return n ? (unsigned)(fuzz_rng_next(r) % n) : 0;
}

/* ---- UTF-8 ------------------------------------------------------------- */

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode 3-7: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if none starts there.
 * Written from the table, independently of lib/json_line.c's decoder.
 */
static inline size_t fuzz_utf8_seq(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	static const struct {
		unsigned char lead_lo, lead_hi, c1_lo, c1_hi;
		size_t len;
	} forms[] = {
		{0x00, 0x7f, 0, 0, 1},	     {0xc2, 0xdf, 0x80, 0xbf, 2},
		{0xe0, 0xe0, 0xa0, 0xbf, 3}, {0xe1, 0xec, 0x80, 0xbf, 3},
		{0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3},
		{0xf0, 0xf0, 0x90, 0xbf, 4}, {0xf1, 0xf3, 0x80, 0xbf, 4},
		{0xf4, 0xf4, 0x80, 0x8f, 4},
	};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (s[0] < forms[f].lead_lo || s[0] > forms[f].lead_hi)
			continue;
		size_t len = forms[f].len;
		if (n < len)
			return 0;
		if (len > 1 && (s[1] < forms[f].c1_lo || s[1] > forms[f].c1_hi))
			return 0;
		for (size_t i = 2; i < len; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		uint32_t cp = len == 1 ? s[0] : (uint32_t)(s[0] & (0x7f >> len));
		for (size_t i = 1; i < len; i++)
			cp = cp << 6 | (s[i] & 0x3f);
		if (ret_cp)
			*ret_cp = cp;
		return len;
	}
	return 0;
}

static inline bool fuzz_utf8_valid(const void *text, size_t n)
{
	const unsigned char *s = text;
	while (n > 0) {
		size_t k = fuzz_utf8_seq(s, n, NULL);
		if (!k)
			return false;
		s += k;
		n -= k;
	}
	return true;
}

/* ---- building JSON ------------------------------------------------------- */

/* Appends s as a JSON string. The caller makes sure it is valid UTF-8. */
static inline void fuzz_json_str(struct strbuf *b, const char *s, size_t n)
{
	strbuf_put_mem(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			strbuf_put_mem(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_putf(b, "\\u%04x", c);
		} else {
			strbuf_put_mem(b, s + i, 1);
		}
	}
	strbuf_put_mem(b, "\"", 1);
}
