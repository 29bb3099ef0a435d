/* SPDX-License-Identifier: MIT */
/*
 * glob_pattern — the one-pattern side of glob_trie.h: syntax checks, the
 * segment matcher and subject checks that the trie and glob_match_one()
 * share, so that both give the same answers by construction. Internal to
 * the policy library; other modules use glob_trie.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "glob_trie.h"

#define GLOB_HOST_MAX_LEN  253
#define GLOB_LABEL_MAX_LEN 63

/*
 * Bytes of the character at s (len > 0 bytes available): a well-formed
 * UTF-8 sequence (no overlong form, surrogate or code point above
 * U+10FFFF), else 1 (a stray continuation byte, an invalid or cut-short
 * sequence's first byte). What '?' matches and '*' gives back, here and in
 * exec argv patterns; the learner writes one '?' per byte it cannot keep.
 */
size_t glob_char_len(const char *s, size_t len);

/*
 * Matches one segment (or DNS label) against one segment glob: '*' is any
 * run, '?' one UTF-8 code point; fold compares ASCII letters without case.
 * No allocation, async-signal-safe, O(plen * slen) at worst.
 */
bool glob_seg_match(const char *p, size_t plen, const char *s, size_t slen, bool fold);

/*
 * Checks a HOST subject and writes it into buf (GLOB_HOST_MAX_LEN bytes)
 * lowercased and without its trailing dot; *ret_len gets its length.
 * Returns 0 or -EINVAL for anything that is not a DNS name. No allocation.
 */
int glob_host_prepare(const char *s, size_t len, char *buf, size_t *ret_len);

/* Start of the DNS label that ends (exclusive) at end. */
static inline size_t glob_label_start(const char *s, size_t end)
{
	while (end > 0 && s[end - 1] != '.')
		end--;
	return end;
}

/* End of the '/'-separated segment starting at i (len if it is the last). */
static inline size_t glob_seg_end(const char *s, size_t len, size_t i)
{
	const char *slash = memchr(s + i, '/', len - i);

	return slash ? (size_t)(slash - s) : len;
}

static inline bool glob_is_double_star(const char *s, size_t n)
{
	return n == 2 && s[0] == '*' && s[1] == '*';
}

static inline char glob_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}
