/* SPDX-License-Identifier: MIT */
#include "glob_pattern.h"

#include <errno.h>
#include <stdint.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

enum {
	HOST_BAD,
	HOST_KEEP,  /* digit, lowercase letter, '-', '_' */
	HOST_UPPER, /* uppercase letter */
	HOST_DOT,
};

static const unsigned char host_class[256] = {
	['0' ... '9'] = HOST_KEEP, ['a' ... 'z'] = HOST_KEEP,  ['-'] = HOST_KEEP,
	['_'] = HOST_KEEP,	   ['A' ... 'Z'] = HOST_UPPER, ['.'] = HOST_DOT,
};

size_t glob_char_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (u[0] < 0xc2 || u[0] > 0xf4)
		return 1;
	n = u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
	if (u[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (u[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (u[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (u[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (len < n)
		return 1;
	for (size_t k = 1; k < n; k++) {
		if (u[k] < lo || u[k] > hi)
			return 1;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/* Index after the character at i. */
static size_t utf8_next(const char *s, size_t len, size_t i)
{
	return i + glob_char_len(s + i, len - i);
}

/*
 * Backtracking only to the last '*' is enough: a later '*' can absorb
 * whatever an earlier one would have. '*' gives back whole code points so
 * that '?' always starts on one.
 */
bool glob_seg_match(const char *p, size_t plen, const char *s, size_t slen, bool fold)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < slen) {
		if (pi < plen) {
			char pc = p[pi];

			if (pc == '*') {
				star_p = ++pi;
				star_s = si;
				continue;
			}
			if (pc == '?') {
				pi++;
				si = utf8_next(s, slen, si);
				continue;
			}
			if (pc == s[si] ||
			    (fold && glob_ascii_lower(pc) == glob_ascii_lower(s[si]))) {
				pi++;
				si++;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		star_s = utf8_next(s, slen, star_s);
		si = star_s;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

#define FAIL(msg, off)                       \
	do {                                 \
		if (ret_msg)                 \
			*ret_msg = (msg);    \
		if (ret_offset)              \
			*ret_offset = (off); \
		return -EINVAL;              \
	} while (0)

static int validate_path(const char *p, const char **ret_msg, size_t *ret_offset)
{
	size_t len = strnlen(p, GLOB_MAX_LEN + 1), seg_start = 1;
	unsigned dstars = 0;
	bool prev_dstar = false;

	if (len > GLOB_MAX_LEN)
		FAIL("pattern longer than " STRINGIFY(GLOB_MAX_LEN) " bytes", (size_t)GLOB_MAX_LEN);
	if (len == 0)
		FAIL("empty pattern", 0);
	if (p[0] != '/')
		FAIL("path must be absolute", 0);
	if (len == 1)
		return 0;

	/* i == len stands for a final '/' that closes the last segment. */
	for (size_t i = 1; i <= len; i++) {
		char c = i < len ? p[i] : '/';

		if ((unsigned char)c < 0x20 || c == 0x7f)
			FAIL("control character in pattern", i);
		if (memchr("[]{}\\", c, 5))
			FAIL("character classes/braces/escapes are not supported", i);
		if (c == '*' && i + 1 < len && p[i + 1] == '*') {
			if (i != seg_start || (i + 2 < len && p[i + 2] != '/'))
				FAIL("'**' must be a whole path segment", i);
			if (prev_dstar)
				FAIL("consecutive '**' segments", i);
			if (++dstars > GLOB_MAX_DOUBLE_STAR)
				FAIL("more than " STRINGIFY(GLOB_MAX_DOUBLE_STAR) " '**' segments",
				     i);
			i++;
			continue;
		}
		if (c != '/')
			continue;

		size_t n = i - seg_start;
		const char *seg = p + seg_start;

		if (n == 0 && i == len)
			FAIL("path must not end with '/'", len - 1);
		if (n == 0)
			FAIL("empty path segment", i);
		if (n == 1 && seg[0] == '.')
			FAIL("'.' segment is not allowed", seg_start);
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			FAIL("'..' segment is not allowed", seg_start);
		prev_dstar = glob_is_double_star(seg, n);
		seg_start = i + 1;
	}
	return 0;
}

static bool host_char(char c)
{
	unsigned cls = host_class[(unsigned char)c];

	return cls == HOST_KEEP || cls == HOST_UPPER;
}

static int validate_host(const char *p, const char **ret_msg, size_t *ret_offset)
{
	size_t len = strnlen(p, GLOB_MAX_LEN + 1), label_start = 0;

	if (len == 0)
		FAIL("empty host name", 0);
	if (len > 1 && p[len - 1] == '.')
		len--;
	if (len > GLOB_HOST_MAX_LEN)
		FAIL("host name longer than " STRINGIFY(GLOB_HOST_MAX_LEN) " bytes",
		     (size_t)GLOB_HOST_MAX_LEN);

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '.') {
			if (i == label_start)
				FAIL("empty label", i);
			label_start = i + 1;
			continue;
		}
		if (c == '*' && i + 1 < len && p[i + 1] == '*')
			FAIL("'**' is not supported in host names", i);
		if (c == '?')
			FAIL("'?' is not supported in host names", i);
		if (c != '*' && !host_char(c))
			FAIL("invalid character in host name", i);
		if (i - label_start >= GLOB_LABEL_MAX_LEN)
			FAIL("label longer than " STRINGIFY(GLOB_LABEL_MAX_LEN) " bytes", i);
	}
	if (label_start == len)
		FAIL("empty label", len);
	return 0;
}

#undef FAIL

int glob_validate(enum glob_trie_flavor flavor, const char *pattern, const char **ret_msg,
		  size_t *ret_offset)
{
	if (!pattern)
		return -EINVAL;
	switch (flavor) {
	case GLOB_TRIE_PATH:
		return validate_path(pattern, ret_msg, ret_offset);
	case GLOB_TRIE_HOST:
		return validate_host(pattern, ret_msg, ret_offset);
	}
	return -EINVAL;
}

/*
 * Only letters, digits, '-' and '_' in labels of 1 to 63 bytes: a '*' must
 * not get to match ':' or '/' in something that is not a DNS name.
 */
int glob_host_prepare(const char *s, size_t len, char *buf, size_t *ret_len)
{
	size_t label_start = 0;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > GLOB_HOST_MAX_LEN)
		return -EINVAL;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : '.';
		unsigned cls = host_class[c];

		if (cls == HOST_DOT) {
			if (i == label_start || i - label_start > GLOB_LABEL_MAX_LEN)
				return -EINVAL;
			label_start = i + 1;
		} else if (cls == HOST_BAD) {
			return -EINVAL;
		}
		if (i < len)
			buf[i] = (char)(c | (cls == HOST_UPPER ? 0x20 : 0));
	}
	*ret_len = len;
	return 0;
}

/*
 * Segment-level version of glob_seg_match(): '**' plays the part of '*' and
 * every other pattern segment matches exactly one subject segment, so the
 * same last-'**' backtracking is exact. A position past the end (len + 1)
 * means "no segment left"; "" and "/" have no segments.
 */
static bool path_match_one(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	if ((plen > 0 && p[0] == '/') != (slen > 0 && s[0] == '/'))
		return false;
	if (plen > 0 && p[0] == '/')
		pi = si = 1;
	if (pi == plen)
		pi = plen + 1;
	if (si == slen)
		si = slen + 1;

	while (si <= slen) {
		size_t se = glob_seg_end(s, slen, si);

		if (pi <= plen) {
			size_t pe = glob_seg_end(p, plen, pi);

			if (glob_is_double_star(p + pi, pe - pi)) {
				star_p = pi = pe + 1;
				star_s = si;
				continue;
			}
			if (glob_seg_match(p + pi, pe - pi, s + si, se - si, false)) {
				pi = pe + 1;
				si = se + 1;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		star_s = glob_seg_end(s, slen, star_s) + 1;
		si = star_s;
	}
	for (; pi <= plen; pi = glob_seg_end(p, plen, pi) + 1)
		if (!glob_is_double_star(p + pi, glob_seg_end(p, plen, pi) - pi))
			return false;
	return true;
}

static bool host_match_one(const char *pattern, const char *subject, size_t len)
{
	char p[GLOB_HOST_MAX_LEN + 1], s[GLOB_HOST_MAX_LEN];
	size_t plen, slen, pe, se, stop;
	bool subdomains, s_more = true;

	if (glob_validate(GLOB_TRIE_HOST, pattern, NULL, NULL) < 0 ||
	    glob_host_prepare(subject, len, s, &slen) < 0)
		return false;
	plen = strlen(pattern);
	if (pattern[plen - 1] == '.')
		plen--;
	memcpy(p, pattern, plen);

	/* Labels from the right; a leading "*." wants one label or more left. */
	subdomains = plen > 2 && p[0] == '*' && p[1] == '.';
	stop = subdomains ? 2 : 0;
	for (pe = plen, se = slen; pe > stop;) {
		size_t ps = glob_label_start(p, pe), ss;

		if (!s_more)
			return false;
		ss = glob_label_start(s, se);
		if (!glob_seg_match(p + ps, pe - ps, s + ss, se - ss, true))
			return false;
		s_more = ss > 0;
		se = ss > 0 ? ss - 1 : 0;
		pe = ps > stop ? ps - 1 : stop;
	}
	return subdomains ? s_more : !s_more;
}

bool glob_match_one(enum glob_trie_flavor flavor, const char *pattern, const char *subject,
		    size_t len)
{
	size_t plen;

	if (!pattern || !subject || len > GLOB_MAX_LEN)
		return false;
	plen = strnlen(pattern, GLOB_MAX_LEN + 1);
	if (plen > GLOB_MAX_LEN)
		return false;
	switch (flavor) {
	case GLOB_TRIE_PATH:
		return path_match_one(pattern, plen, subject, len);
	case GLOB_TRIE_HOST:
		return host_match_one(pattern, subject, len);
	}
	return false;
}
