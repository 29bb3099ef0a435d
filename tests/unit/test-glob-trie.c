// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glob_trie.h"
#include "glob_trie_internal.h"
#include "util.h"

/* ---- helpers ---- */

#define MAX_VALUES 1024

struct seen {
	unsigned count[MAX_VALUES];
	unsigned total;
	uint32_t stop_at; /* visitor returns 7 at this value; UINT32_MAX: never */
};

static int collect(uint32_t value, void *userdata)
{
	struct seen *s = userdata;

	cr_assert_lt(value, MAX_VALUES);
	s->count[value]++;
	s->total++;
	return value == s->stop_at ? 7 : 0;
}

/* The subject goes in a heap block of its exact size, no NUL: ASan sees overreads. */
static int match(const struct glob_trie *t, const char *subject, struct seen *s)
{
	size_t len = strlen(subject);
	char *copy = malloc(len ? len : 1);
	int r;

	cr_assert(copy);
	memcpy(copy, subject, len);
	memset(s, 0, sizeof(*s));
	s->stop_at = UINT32_MAX;
	r = glob_trie_match(t, copy, len, collect, s);
	free(copy);
	return r;
}

/* uncached: frozen without a path trie's cache of recent directories (as exec rules are). */
static struct glob_trie *build_as(enum glob_trie_flavor flavor, const char *const *patterns,
				  size_t n, bool uncached)
{
	struct glob_trie *t = NULL;

	cr_assert_eq(glob_trie_new(flavor, &t), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(glob_trie_add(t, patterns[i], (uint32_t)i), 0, "adding %s",
			     patterns[i]);
	cr_assert_eq(uncached ? glob_trie_freeze_uncached(t) : glob_trie_freeze(t), 0);
	return t;
}

static struct glob_trie *build(enum glob_trie_flavor flavor, const char *const *patterns, size_t n)
{
	return build_as(flavor, patterns, n, false);
}

/* Values that matched, as a string of indices like "0,3,", for messages. */
static const char *seen_str(const struct seen *s, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < MAX_VALUES && len + 8 < size; i++)
		if (s->count[i])
			len += (size_t)snprintf(buf + len, size - len, "%u,", i);
	return buf;
}

struct match_case {
	const char *subject;
	const char *expect; /* the pattern indices that match, "0,3," */
};

static void check_cases_as(enum glob_trie_flavor flavor, const char *const *patterns, size_t np,
			   const struct match_case *cases, size_t nc, bool uncached);

/* Each case with the trie frozen both ways. */
static void check_cases(enum glob_trie_flavor flavor, const char *const *patterns, size_t np,
			const struct match_case *cases, size_t nc)
{
	for (int uncached = 0; uncached < 2; uncached++)
		check_cases_as(flavor, patterns, np, cases, nc, uncached);
}

static void check_cases_as(enum glob_trie_flavor flavor, const char *const *patterns, size_t np,
			   const struct match_case *cases, size_t nc, bool uncached)
{
	struct glob_trie *t = build_as(flavor, patterns, np, uncached);
	struct seen s;
	char buf[256];

	for (size_t i = 0; i < nc; i++) {
		int r = match(t, cases[i].subject, &s);

		cr_assert_eq(r, 0, "%s: %d", cases[i].subject, r);
		cr_expect_str_eq(seen_str(&s, buf, sizeof(buf)), cases[i].expect, "subject %s%s",
				 cases[i].subject, uncached ? " (uncached)" : "");
		for (size_t v = 0; v < np; v++) {
			bool one = glob_match_one(flavor, patterns[v], cases[i].subject,
						  strlen(cases[i].subject));

			cr_expect_eq(one, s.count[v] == 1, "glob_match_one(%s, %s)", patterns[v],
				     cases[i].subject);
		}
	}
	glob_trie_free(t);
}

/* ---- validation ---- */

struct validate_case {
	enum glob_trie_flavor flavor;
	const char *pattern;
	const char *msg; /* NULL: valid */
	size_t offset;
};

static const struct validate_case validate_cases[] = {
	{GLOB_TRIE_PATH, "/", NULL, 0},
	{GLOB_TRIE_PATH, "/**", NULL, 0},
	{GLOB_TRIE_PATH, "/tmp/*.png", NULL, 0},
	{GLOB_TRIE_PATH, "/a/**/b/**/c/**/d/**", NULL, 0},
	{GLOB_TRIE_PATH, "/a/?b*/...", NULL, 0},
	{GLOB_TRIE_PATH, "/caf\xc3\xa9/x y", NULL, 0},
	{GLOB_TRIE_PATH, "", "empty pattern", 0},
	{GLOB_TRIE_PATH, "tmp/x", "path must be absolute", 0},
	{GLOB_TRIE_PATH, "*.png", "path must be absolute", 0},
	{GLOB_TRIE_PATH, "/a//b", "empty path segment", 3},
	{GLOB_TRIE_PATH, "//", "empty path segment", 1},
	{GLOB_TRIE_PATH, "/a/", "path must not end with '/'", 2},
	{GLOB_TRIE_PATH, "/a/./b", "'.' segment is not allowed", 3},
	{GLOB_TRIE_PATH, "/a/..", "'..' segment is not allowed", 3},
	{GLOB_TRIE_PATH, "/a/**b", "'**' must be a whole path segment", 3},
	{GLOB_TRIE_PATH, "/a/b**", "'**' must be a whole path segment", 4},
	{GLOB_TRIE_PATH, "/a/***", "'**' must be a whole path segment", 3},
	{GLOB_TRIE_PATH, "/**/**", "consecutive '**' segments", 4},
	{GLOB_TRIE_PATH, "/**/a/**/b/**/c/**/d/**", "more than 4 '**' segments", 21},
	{GLOB_TRIE_PATH, "/a/[ab]", "character classes/braces/escapes are not supported", 3},
	{GLOB_TRIE_PATH, "/a/{b,c}", "character classes/braces/escapes are not supported", 3},
	{GLOB_TRIE_PATH, "/a/b\\*", "character classes/braces/escapes are not supported", 4},
	{GLOB_TRIE_PATH, "/a/b]", "character classes/braces/escapes are not supported", 4},
	{GLOB_TRIE_PATH, "/a\nb", "control character in pattern", 2},
	{GLOB_TRIE_PATH, "/a\x7f", "control character in pattern", 2},
	{GLOB_TRIE_HOST, "example.com", NULL, 0},
	{GLOB_TRIE_HOST, "Example.COM.", NULL, 0},
	{GLOB_TRIE_HOST, "*.amazonaws.com", NULL, 0},
	{GLOB_TRIE_HOST, "dynamodb.*.amazonaws.com", NULL, 0},
	{GLOB_TRIE_HOST, "s3-*.amazonaws.com", NULL, 0},
	{GLOB_TRIE_HOST, "*", NULL, 0},
	{GLOB_TRIE_HOST, "my_host-1", NULL, 0},
	{GLOB_TRIE_HOST, "", "empty host name", 0},
	{GLOB_TRIE_HOST, ".", "empty label", 0},
	{GLOB_TRIE_HOST, ".example.com", "empty label", 0},
	{GLOB_TRIE_HOST, "a..com", "empty label", 2},
	{GLOB_TRIE_HOST, "a.com..", "empty label", 6},
	{GLOB_TRIE_HOST, "**.com", "'**' is not supported in host names", 0},
	{GLOB_TRIE_HOST, "a?.com", "'?' is not supported in host names", 1},
	{GLOB_TRIE_HOST, "a b.com", "invalid character in host name", 1},
	{GLOB_TRIE_HOST, "a/b", "invalid character in host name", 1},
	{GLOB_TRIE_HOST, "[::1]", "invalid character in host name", 0},
};

Test(glob_validate, table)
{
	for (size_t i = 0; i < ELEMENTSOF(validate_cases); i++) {
		const struct validate_case *c = &validate_cases[i];
		const char *msg = "untouched";
		size_t off = 12345;
		int r = glob_validate(c->flavor, c->pattern, &msg, &off);

		if (!c->msg) {
			cr_expect_eq(r, 0, "%s: %s at %zu", c->pattern, msg, off);
			cr_expect_str_eq(msg, "untouched");
			continue;
		}
		cr_expect_eq(r, -EINVAL, "%s accepted", c->pattern);
		cr_expect_str_eq(msg, c->msg, "%s", c->pattern);
		cr_expect_eq(off, c->offset, "%s: offset %zu", c->pattern, off);
	}
	cr_expect_eq(glob_validate(GLOB_TRIE_PATH, "/a//b", NULL, NULL), -EINVAL);
}

Test(glob_validate, lengths)
{
	char p[GLOB_MAX_LEN + 2];
	const char *msg;
	size_t off;

	memset(p, 'a', sizeof(p));
	p[0] = '/';
	p[GLOB_MAX_LEN] = '\0';
	cr_expect_eq(glob_validate(GLOB_TRIE_PATH, p, NULL, NULL), 0);
	p[GLOB_MAX_LEN] = 'a';
	p[GLOB_MAX_LEN + 1] = '\0';
	cr_expect_eq(glob_validate(GLOB_TRIE_PATH, p, &msg, &off), -EINVAL);
	cr_expect_str_eq(msg, "pattern longer than 4096 bytes");
	cr_expect_eq(off, GLOB_MAX_LEN);

	/* 63-byte labels are fine, 64 are not; 253 bytes total plus a dot. */
	memset(p, 'a', 63);
	p[63] = '\0';
	cr_expect_eq(glob_validate(GLOB_TRIE_HOST, p, NULL, NULL), 0);
	p[63] = 'a';
	p[64] = '\0';
	cr_expect_eq(glob_validate(GLOB_TRIE_HOST, p, &msg, &off), -EINVAL);
	cr_expect_str_eq(msg, "label longer than 63 bytes");
	cr_expect_eq(off, 63);

	memset(p, 'a', 253);
	for (size_t i = 50; i < 253; i += 50)
		p[i] = '.';
	p[253] = '.';
	p[254] = '\0';
	cr_expect_eq(glob_validate(GLOB_TRIE_HOST, p, NULL, NULL), 0);
	p[253] = 'a';
	cr_expect_eq(glob_validate(GLOB_TRIE_HOST, p, &msg, &off), -EINVAL);
	cr_expect_str_eq(msg, "host name longer than 253 bytes");
	cr_expect_eq(off, 253);
}

/* ---- PATH matching ---- */

Test(glob_trie_path, semantics)
{
	static const char *const patterns[] = {
		/* 0 */ "/etc/passwd",
		/* 1 */ "/tmp/*",
		/* 2 */ "/tmp/**",
		/* 3 */ "/var/task/**/*.py",
		/* 4 */ "/**",
		/* 5 */ "/",
		/* 6 */ "/home/?/x",
		/* 7 */ "/a/**/b/**/c",
		/* 8 */ "/tmp/*.png",
		/* 9 */ "/etc/passwd",
		/* 10 */ "/*/passwd",
		/* 11 */ "/**/node_modules/**",
		/* 12 */ "/x/*a*b*",
	};
	static const struct match_case cases[] = {
		{"/", "4,5,"},
		{"/etc/passwd", "0,4,9,10,"},
		{"/etc/passwd2", "4,"},
		{"/etc", "4,"},
		{"/tmp", "2,4,"},
		{"/tmp/a", "1,2,4,"},
		{"/tmp/a.png", "1,2,4,8,"},
		{"/tmp/a/b.png", "2,4,"},
		{"/tmp/passwd", "1,2,4,10,"},
		{"/var/task/app.py", "3,4,"},
		{"/var/task/lib/x/app.py", "3,4,"},
		{"/var/task/app.pyc", "4,"},
		{"/home/\xc3\xa9/x", "4,6,"},
		{"/home/ab/x", "4,"},
		{"/a/b/c", "4,7,"},
		{"/a/x/b/y/z/c", "4,7,"},
		{"/a/b/b/c/c", "4,7,"},
		{"/a/c/b", "4,"},
		{"/node_modules", "4,11,"},
		{"/p/node_modules/q/r", "4,11,"},
		{"/x/ab", "4,12,"},
		{"/x/zazzbz", "4,12,"},
		{"/x/ba", "4,"},
		{"/ETC/passwd", "4,10,"},
	};

	check_cases(GLOB_TRIE_PATH, patterns, ELEMENTSOF(patterns), cases, ELEMENTSOF(cases));
}

Test(glob_trie_path, bad_subjects)
{
	static const char *const patterns[] = {"/**", "/tmp/**"};
	static const char *const bad[] = {
		"",	     "tmp/x",	 "x",	     "//",
		"/tmp//x",   "/tmp/",	 "/tmp/./x", "/tmp/../etc/passwd",
		"/tmp/x/..", "/tmp/x/.", "/./",
	};
	struct glob_trie *t = build(GLOB_TRIE_PATH, patterns, ELEMENTSOF(patterns));
	char long_path[GLOB_MAX_LEN + 2];
	struct seen s;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		cr_expect_eq(match(t, bad[i], &s), -EINVAL, "'%s' accepted", bad[i]);
		cr_expect_eq(s.total, 0, "'%s' reported a match", bad[i]);
	}
	/* A miss early on must still look at the rest of the subject's form. */
	static const char *const miss_first[] = {"/var/task"};
	struct glob_trie *t2 = build(GLOB_TRIE_PATH, miss_first, 1);
	cr_expect_eq(match(t2, "/nothing/here//x", &s), -EINVAL);
	cr_expect_eq(match(t2, "/nothing/here/x", &s), 0);
	glob_trie_free(t2);

	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[GLOB_MAX_LEN] = '\0';
	cr_expect_eq(match(t, long_path, &s), 0);
	cr_expect_eq(s.total, 1);
	long_path[GLOB_MAX_LEN] = 'a';
	long_path[GLOB_MAX_LEN + 1] = '\0';
	cr_expect_eq(match(t, long_path, &s), -EINVAL);
	glob_trie_free(t);
}

Test(glob_trie_path, subject_not_nul_terminated)
{
	static const char *const patterns[] = {"/tmp/ab"};
	struct glob_trie *t = build(GLOB_TRIE_PATH, patterns, 1);
	struct seen s = {.stop_at = UINT32_MAX};

	cr_expect_eq(glob_trie_match(t, "/tmp/abc", 7, collect, &s), 0);
	cr_expect_eq(s.count[0], 1);
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "/tmp/ab", "/tmp/abc", 7));
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, "/tmp/ab", "/tmp/abc", 8));
	glob_trie_free(t);
}

/*
 * Literal segments are compared eight bytes at a time and by their first 16
 * bytes in the hash table: every length around those boundaries, at the end
 * of the subject and in the middle, against near misses.
 */
Test(glob_trie_path, literal_lengths)
{
	static const char *const shapes[][2] = {
		{"/", ""}, {"/", "/y"}, {"/x/", ""}, {"/x/", "/yyyyyyyyyyyy"}};
	char name[48], pattern[80], subject[80];
	struct seen s;

	for (size_t n = 1; n < 40; n++) {
		for (size_t i = 0; i < n; i++)
			name[i] = (char)('a' + (i * 7 + n) % 26);
		name[n] = '\0';
		for (size_t shape = 0; shape < ELEMENTSOF(shapes); shape++) {
			struct glob_trie *t = NULL;

			snprintf(pattern, sizeof(pattern), "%s%s%s", shapes[shape][0], name,
				 shapes[shape][1]);
			cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
			cr_assert_eq(glob_trie_add(t, pattern, 1), 0);
			cr_assert_eq(glob_trie_freeze(t), 0);
			cr_expect_eq(match(t, pattern, &s), 0);
			cr_expect_eq(s.total, 1, "%s", pattern);

			/* One byte changed at each position, one byte more, one less. */
			for (size_t at = 0; at <= n + 1; at++) {
				char other[48];

				memcpy(other, name, n + 1);
				if (at < n) {
					other[at] = 'A';
				} else if (at == n) {
					other[n] = 'z';
					other[n + 1] = '\0';
				} else if (n > 1) {
					other[n - 1] = '\0';
				} else {
					continue;
				}
				snprintf(subject, sizeof(subject), "%s%s%s", shapes[shape][0],
					 other, shapes[shape][1]);
				cr_expect_eq(match(t, subject, &s), 0);
				cr_expect_eq(s.total, 0, "%s matched %s", subject, pattern);
			}
			glob_trie_free(t);
		}
	}
}

/* ---- HOST matching ---- */

Test(glob_trie_host, semantics)
{
	static const char *const patterns[] = {
		/* 0 */ "example.com",
		/* 1 */ "*.amazonaws.com",
		/* 2 */ "dynamodb.*.amazonaws.com",
		/* 3 */ "s3-*.amazonaws.com",
		/* 4 */ "*",
		/* 5 */ "Api.Example.COM.",
		/* 6 */ "*.*.example.com",
		/* 7 */ "*x*.org",
	};
	static const struct match_case cases[] = {
		{"example.com", "0,"},
		{"EXAMPLE.com.", "0,"},
		{"api.example.com", "5,"},
		{"a.api.example.com", "6,"},
		{"amazonaws.com", ""},
		{"a.amazonaws.com", "1,"},
		{"dynamodb.us-east-1.amazonaws.com", "1,2,"},
		{"DynamoDB.eu-west-1.AmazonAWS.com.", "1,2,"},
		{"dynamodb.amazonaws.com", "1,"},
		{"x.dynamodb.us-east-1.amazonaws.com", "1,"},
		{"s3-eu.amazonaws.com", "1,3,"},
		{"s3.amazonaws.com", "1,"},
		{"localhost", "4,"},
		{"x.org", "7,"},
		{"boxes.org", "7,"},
		{"a.x.org", ""},
		{"com", "4,"},
	};

	check_cases(GLOB_TRIE_HOST, patterns, ELEMENTSOF(patterns), cases, ELEMENTSOF(cases));
}

Test(glob_trie_host, label_lengths)
{
	char label[64], pattern[160], subject[160];
	struct seen s;

	for (size_t n = 1; n <= 63; n++) {
		struct glob_trie *t = NULL;

		for (size_t i = 0; i < n; i++)
			label[i] = (char)('a' + (i * 5 + n) % 26);
		label[n] = '\0';
		snprintf(pattern, sizeof(pattern), "%s.%s.com", label, label);
		cr_assert_eq(glob_trie_new(GLOB_TRIE_HOST, &t), 0);
		cr_assert_eq(glob_trie_add(t, pattern, 1), 0);
		cr_assert_eq(glob_trie_freeze(t), 0);
		for (size_t i = 0; i < strlen(pattern); i++)
			subject[i] = (char)(i % 2 ? pattern[i] : (pattern[i] & ~0x20));
		subject[strlen(pattern)] = '\0';
		for (size_t i = 0; subject[i]; i++)
			if (subject[i] == ('.' & ~0x20))
				subject[i] = '.';
		cr_expect_eq(match(t, subject, &s), 0);
		cr_expect_eq(s.total, 1, "%s against %s", subject, pattern);
		/* One byte longer: a 64-byte label is not a DNS name at all. */
		snprintf(subject, sizeof(subject), "%s.%sx.com", label, label);
		cr_expect_eq(match(t, subject, &s), n < 63 ? 0 : -EINVAL);
		cr_expect_eq(s.total, 0, "%s", subject);
		label[n - 1] = label[n - 1] == 'q' ? 'r' : 'q';
		snprintf(subject, sizeof(subject), "%s.%s.com", label, label);
		cr_expect_eq(match(t, subject, &s), 0);
		cr_expect_eq(s.total, 0, "%s", subject);
		glob_trie_free(t);
	}
}

Test(glob_trie_host, bad_subjects)
{
	static const char *const patterns[] = {"*.com", "*"};
	static const char *const bad[] = {
		"", ".", "a..com", ".a.com", "a.com..", "::1", "a b.com", "a*.com", "a/b.com",
	};
	struct glob_trie *t = build(GLOB_TRIE_HOST, patterns, ELEMENTSOF(patterns));
	char name[300];
	struct seen s;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		cr_expect_eq(match(t, bad[i], &s), -EINVAL, "'%s' accepted", bad[i]);
		cr_expect_not(glob_match_one(GLOB_TRIE_HOST, "*", bad[i], strlen(bad[i])));
	}
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	cr_expect_eq(match(t, name, &s), -EINVAL);
	strcpy(name + 63, ".com");
	cr_expect_eq(match(t, name, &s), 0);
	cr_expect_eq(s.count[0], 1);

	memset(name, 'a', 254);
	for (size_t i = 50; i < 254; i += 50)
		name[i] = '.';
	name[253] = '.';
	name[254] = '\0';
	cr_expect_eq(match(t, name, &s), 0);
	name[253] = 'a';
	cr_expect_eq(match(t, name, &s), -EINVAL);
	glob_trie_free(t);
}

/* ---- API contract ---- */

Test(glob_trie, lifecycle)
{
	struct glob_trie *t = NULL;
	struct seen s = {.stop_at = UINT32_MAX};

	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	cr_expect_eq(glob_trie_add(t, "relative/x", 1), -EINVAL);
	cr_expect_eq(glob_trie_add(t, "/a//b", 1), -EINVAL);
	cr_expect_eq(glob_trie_size(t), 0);
	cr_expect_eq(glob_trie_match(t, "/a", 2, collect, &s), -EBUSY);
	cr_expect_eq(glob_trie_add(t, "/a/*", 1), 0);
	cr_expect_eq(glob_trie_add(t, "/a/*", 2), 0);
	cr_expect_eq(glob_trie_add(t, "/a/b", 3), 0);
	cr_expect_eq(glob_trie_size(t), 3);
	cr_expect_eq(glob_trie_freeze(t), 0);
	cr_expect_eq(glob_trie_freeze(t), 0);
	cr_expect_eq(glob_trie_add(t, "/c", 4), -EBUSY);
	cr_expect_eq(glob_trie_size(t), 3);

	cr_expect_eq(match(t, "/a/b", &s), 0);
	cr_expect(s.count[1] == 1 && s.count[2] == 1 && s.count[3] == 1 && s.total == 3);

	/* The visitor's non-zero value stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	cr_expect_eq(glob_trie_match(t, "/a/b", 4, collect, &s), 7);
	cr_expect_lt(s.total, 3);
	glob_trie_free(t);

	cr_expect_eq(glob_trie_new((enum glob_trie_flavor)7, &t), -EINVAL);
	glob_trie_free(NULL);
}

Test(glob_trie, empty)
{
	struct glob_trie *t = NULL;
	struct seen s;

	cr_assert_eq(glob_trie_new(GLOB_TRIE_HOST, &t), 0);
	cr_assert_eq(glob_trie_freeze(t), 0);
	cr_expect_eq(match(t, "example.com", &s), 0);
	cr_expect_eq(s.total, 0);
	cr_expect_eq(match(t, "a..b", &s), -EINVAL);
	glob_trie_free(t);
}

/* ---- bounds on the work and on the active set ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Test(glob_trie, many_double_stars_stay_polynomial)
{
	static const char *const patterns[] = {"/**/a/**/a/**/a/**/b", "/**/a/**/a/**/a/**/a"};
	struct glob_trie *t = build(GLOB_TRIE_PATH, patterns, ELEMENTSOF(patterns));
	static char subject[GLOB_MAX_LEN + 1];
	struct seen s;
	double start;
	size_t len;

	for (len = 0; len + 2 <= GLOB_MAX_LEN; len += 2)
		memcpy(subject + len, "/a", 2);
	subject[len] = '\0';

	start = now_ms();
	cr_expect_eq(match(t, subject, &s), 0);
	cr_expect(s.count[0] == 0 && s.count[1] == 1);
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, patterns[0], subject, len));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, patterns[1], subject, len));

	/* Within one segment: "*a*a*a*a*b" against 4000 a's. */
	char seg_pattern[] = "/*a*a*a*a*b";
	memset(subject + 1, 'a', GLOB_MAX_LEN - 1);
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, seg_pattern, subject, len));
	cr_expect_lt(now_ms() - start, 500.0, "took %.1f ms", now_ms() - start);
	glob_trie_free(t);
}

Test(glob_trie, active_set_bound)
{
	struct glob_trie *t = NULL;
	char p[700], subject[2000];
	struct seen s;

	/* 500 wildcard siblings may all match the same segment: accepted. */
	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	strcpy(p, "/t/*");
	for (uint32_t i = 0; i < 500; i++) {
		size_t len = strlen(p);

		p[len] = 'a';
		p[len + 1] = '\0';
		cr_assert_eq(glob_trie_add(t, p, i), 0);
	}
	cr_assert_eq(glob_trie_freeze(t), 0);
	strcpy(subject, "/t/");
	memset(subject + 3, 'a', 500);
	subject[503] = '\0';
	cr_expect_eq(match(t, subject, &s), 0);
	cr_expect_eq(s.total, 500);
	glob_trie_free(t);

	/* 600 of them could overflow the matcher's fixed set: refused. */
	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	strcpy(p, "/t/*");
	for (uint32_t i = 0; i < 600; i++) {
		size_t len = strlen(p);

		p[len] = 'a';
		p[len + 1] = '\0';
		cr_assert_eq(glob_trie_add(t, p, i), 0);
	}
	cr_expect_eq(glob_trie_freeze(t), -E2BIG);
	glob_trie_free(t);

	/* Literal siblings exclude each other, even with a '**' under each. */
	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	for (uint32_t i = 0; i < 20000; i++) {
		snprintf(p, sizeof(p), "/d%u/**/x", i);
		cr_assert_eq(glob_trie_add(t, p, i % MAX_VALUES), 0);
	}
	cr_expect_eq(glob_trie_freeze(t), 0);
	glob_trie_free(t);

	/* Under a '**', 400 loops can all be active at once, and they are. */
	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	size_t len = 0;
	for (uint32_t i = 0; i < 400; i++) {
		snprintf(p, sizeof(p), "/**/n%u/**", i);
		cr_assert_eq(glob_trie_add(t, p, i), 0);
		len += (size_t)snprintf(subject + len, sizeof(subject) - len, "/n%u", i);
	}
	cr_assert_eq(glob_trie_freeze(t), 0);
	cr_expect_eq(match(t, subject, &s), 0);
	cr_expect_eq(s.total, 400);
	for (uint32_t i = 400; i < 600; i++) {
		snprintf(p, sizeof(p), "/**/n%u/**", i);
		cr_assert_eq(glob_trie_add(t, p, i), -EBUSY);
	}
	glob_trie_free(t);

	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	for (uint32_t i = 0; i < 600; i++) {
		snprintf(p, sizeof(p), "/**/n%u/**", i);
		cr_assert_eq(glob_trie_add(t, p, i), 0);
	}
	cr_expect_eq(glob_trie_freeze(t), -E2BIG);
	glob_trie_free(t);
}

/* ---- randomized comparison with glob_match_one() and a brute-force oracle ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

static void random_string(char *buf, const char *alphabet, size_t min, size_t max)
{
	size_t n = min + rnd((uint32_t)(max - min + 1)), k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[rnd((uint32_t)k)];
	buf[n] = '\0';
}

/* Exhaustive over ASCII subjects, where '?' is one byte. */
static bool oracle_seg(const char *p, size_t pl, const char *s, size_t sl, bool fold)
{
	if (pl == 0)
		return sl == 0;
	if (p[0] == '*')
		return oracle_seg(p + 1, pl - 1, s, sl, fold) ||
		       (sl > 0 && oracle_seg(p, pl, s + 1, sl - 1, fold));
	if (sl == 0)
		return false;
	if (p[0] == '?' || p[0] == s[0] ||
	    (fold && (p[0] | 0x20) == (s[0] | 0x20) && (s[0] | 0x20) >= 'a' &&
	     (s[0] | 0x20) <= 'z'))
		return oracle_seg(p + 1, pl - 1, s + 1, sl - 1, fold);
	return false;
}

struct piece {
	const char *s;
	size_t n;
};

static size_t split(const char *s, char sep, struct piece *out, size_t max)
{
	size_t n = 0;

	cr_assert(*s);
	for (const char *p = s;; p++)
		if (*p == sep || *p == '\0') {
			cr_assert_lt(n, max);
			out[n++] = (struct piece){s, (size_t)(p - s)};
			if (!*p)
				return n;
			s = p + 1;
		}
}

static bool oracle_path(const struct piece *p, size_t np, const struct piece *s, size_t ns)
{
	if (np == 0)
		return ns == 0;
	if (p[0].n == 2 && memcmp(p[0].s, "**", 2) == 0)
		return oracle_path(p + 1, np - 1, s, ns) ||
		       (ns > 0 && oracle_path(p, np, s + 1, ns - 1));
	return ns > 0 && oracle_seg(p[0].s, p[0].n, s[0].s, s[0].n, false) &&
	       oracle_path(p + 1, np - 1, s + 1, ns - 1);
}

/* Both absolute; "/" has no segments. */
static bool oracle_path_match(const char *pattern, const char *subject)
{
	struct piece p[64], s[64];
	size_t np = pattern[1] ? split(pattern + 1, '/', p, 64) : 0;
	size_t ns = subject[1] ? split(subject + 1, '/', s, 64) : 0;

	return oracle_path(p, np, s, ns);
}

static bool oracle_path_subject_ok(const char *s)
{
	struct piece seg[64];
	size_t n;

	if (s[0] != '/')
		return false;
	if (!s[1])
		return true;
	n = split(s + 1, '/', seg, 64);
	for (size_t i = 0; i < n; i++)
		if (seg[i].n == 0 || (seg[i].n == 1 && seg[i].s[0] == '.') ||
		    (seg[i].n == 2 && memcmp(seg[i].s, "..", 2) == 0))
			return false;
	return true;
}

#define ROUNDS	 60
#define PATTERNS 64
#define SUBJECTS 200

Test(glob_trie_random, path)
{
	unsigned compared = 0, matched = 0, invalid = 0;

	rng_state = 0x2545f4914f6cdd1dull;
	for (int round = 0; round < ROUNDS; round++) {
		char patterns[PATTERNS][16];
		struct glob_trie *t = NULL;
		struct seen s;

		cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
		for (uint32_t i = 0; i < PATTERNS; i++) {
			do {
				patterns[i][0] = '/';
				random_string(patterns[i] + 1, "/.ab*?", 0, 9);
			} while (glob_validate(GLOB_TRIE_PATH, patterns[i], NULL, NULL) < 0);
			cr_assert_eq(glob_trie_add(t, patterns[i], i), 0);
		}
		cr_assert_eq(glob_trie_freeze(t), 0);

		for (int k = 0; k < SUBJECTS; k++) {
			char subject[16];
			int r;

			subject[0] = '/';
			random_string(subject + 1, "/.ab", 0, 10);
			r = match(t, subject, &s);
			if (!oracle_path_subject_ok(subject)) {
				cr_expect_eq(r, -EINVAL, "%s", subject);
				invalid++;
				continue;
			}
			cr_assert_eq(r, 0, "%s", subject);
			for (uint32_t i = 0; i < PATTERNS; i++) {
				bool one = glob_match_one(GLOB_TRIE_PATH, patterns[i], subject,
							  strlen(subject));
				bool want = oracle_path_match(patterns[i], subject);

				cr_assert_eq(one, want, "glob_match_one(%s, %s)", patterns[i],
					     subject);
				cr_assert_eq(s.count[i], want ? 1u : 0u, "trie: %s against %s",
					     patterns[i], subject);
				compared++;
				matched += want;
			}
		}
		glob_trie_free(t);
	}
	/* The generator must actually exercise both outcomes. */
	cr_expect_gt(matched, compared / 100);
	cr_expect_gt(invalid, 100);
}

/*
 * Subjects side by side in a few directories, in an order that revisits and
 * evicts them (the matcher keeps the set after a subject's directory): every
 * answer is the oracle's, including a directory that is a prefix of another
 * ("/t/ab" and "/t/abc"), directories longer than the kept bytes, and ill-formed
 * subjects whose directory was seen well-formed.
 */
Test(glob_trie_path, siblings_in_any_order)
{
	static const char *const patterns[] = {
		"/t/ab/**",	"/t/*/x?", "/**/lib/*.so", "/t/abc/*",
		"/t/ab/c/**/z", "/**",	   "/t/a*/lib/x",  "/t/*/*/*",
	};
	static const char *const dirs[] = {
		"/t/ab",
		"/t/abc",
		"/t/ab/c",
		"/t/ab/c/d/e",
		"/t/x/lib",
		"/t/abc/lib",
		"/u",
		"/t/ab/c/abcdefghijklmnopqrstuvwxyz/abcdefghijklmnopqrstuvwxyz/"
		"abcdefghijklmnopqrstuvwxyz/abcdefghijklmnopqrstuvwxyz/abcdefghijklmnopqrstuvwxyz/"
		"abcdefghijklmnopqrstuvwxyz/abcdefghijklmnopqrstuvwxyz/lib",
	};
	static const char *const names[] = {"x1", "z", "a.so", "lib", "xy", "q"};
	struct glob_trie *t = NULL;
	unsigned compared = 0;

	cr_assert_eq(glob_trie_new(GLOB_TRIE_PATH, &t), 0);
	for (uint32_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		cr_assert_eq(glob_trie_add(t, patterns[i], i), 0);
	cr_assert_eq(glob_trie_freeze(t), 0);
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < 3000; k++) {
		const char *d = dirs[rnd(sizeof(dirs) / sizeof(dirs[0]))];
		const char *n = names[rnd(sizeof(names) / sizeof(names[0]))];
		char subject[512];
		struct seen s;
		int form = (int)rnd(12);

		snprintf(subject, sizeof(subject), "%s/%s%s", d, form == 0 ? "." : n,
			 form == 1 ? "/" : "");
		int r = match(t, subject, &s);
		if (form <= 1) {
			cr_assert_eq(r, -EINVAL, "%s", subject);
			continue;
		}
		cr_assert_eq(r, 0, "%s", subject);
		for (uint32_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
			bool want = oracle_path_match(patterns[i], subject);
			cr_assert_eq(s.count[i], want ? 1u : 0u, "%s against %s", patterns[i],
				     subject);
			compared++;
		}
	}
	cr_expect_gt(compared, 10000);
	glob_trie_free(t);
}

Test(glob_match_one, relative_and_argv_forms)
{
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "*.png", "a.png", 5));
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, "*.png", "x/a.png", 7));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "out/*.txt", "out/a.txt", 9));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "**/*.py", "a/b/c.py", 8));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "**/*.py", "c.py", 4));
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, "/*.png", "a.png", 5));
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, "*.png", "/a.png", 6));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "*", "--verbose", 9));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "?", "\xe2\x82\xac", 3));
	cr_expect_not(glob_match_one(GLOB_TRIE_PATH, "??", "\xe2\x82\xac", 3));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "*?", "\xe2\x82\xac", 3));
	cr_expect(glob_match_one(GLOB_TRIE_PATH, "", "", 0));
	cr_expect_not(glob_match_one(GLOB_TRIE_HOST, "a.**", "a.b", 3));
}

static bool oracle_host_match(const char *pattern, const char *subject)
{
	struct piece p[64], s[64];
	char pl[300], sl[300];
	size_t np, ns, plen = strlen(pattern), slen = strlen(subject);
	bool subdomains;

	memcpy(pl, pattern, plen + 1);
	memcpy(sl, subject, slen + 1);
	if (plen > 1 && pl[plen - 1] == '.')
		pl[plen - 1] = '\0';
	if (slen > 1 && sl[slen - 1] == '.')
		sl[slen - 1] = '\0';
	subdomains = pl[0] == '*' && pl[1] == '.';
	np = split(pl + (subdomains ? 2 : 0), '.', p, 64);
	ns = split(sl, '.', s, 64);
	if (subdomains ? ns <= np : ns != np)
		return false;
	for (size_t i = 0; i < np; i++)
		if (!oracle_seg(p[np - 1 - i].s, p[np - 1 - i].n, s[ns - 1 - i].s, s[ns - 1 - i].n,
				true))
			return false;
	return true;
}

static bool oracle_host_subject_ok(const char *s)
{
	struct piece label[64];
	char buf[300];
	size_t len = strlen(s), n;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	n = split(buf, '.', label, 64);
	for (size_t i = 0; i < n; i++)
		if (label[i].n == 0 || strspn(label[i].s, "abAB-") < label[i].n)
			return false;
	return true;
}

Test(glob_trie_random, host)
{
	unsigned compared = 0, matched = 0, invalid = 0;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < ROUNDS; round++) {
		char patterns[PATTERNS][16];
		struct glob_trie *t = NULL;
		struct seen s;

		cr_assert_eq(glob_trie_new(GLOB_TRIE_HOST, &t), 0);
		for (uint32_t i = 0; i < PATTERNS; i++) {
			do
				random_string(patterns[i], ".abA*-?", 1, 10);
			while (glob_validate(GLOB_TRIE_HOST, patterns[i], NULL, NULL) < 0);
			cr_assert_eq(glob_trie_add(t, patterns[i], i), 0);
		}
		cr_assert_eq(glob_trie_freeze(t), 0);

		for (int k = 0; k < SUBJECTS; k++) {
			char subject[16];
			int r;

			random_string(subject, ".abAB-", 1, 10);
			r = match(t, subject, &s);
			if (!oracle_host_subject_ok(subject)) {
				cr_expect_eq(r, -EINVAL, "%s", subject);
				invalid++;
				continue;
			}
			cr_assert_eq(r, 0, "%s", subject);
			for (uint32_t i = 0; i < PATTERNS; i++) {
				bool one = glob_match_one(GLOB_TRIE_HOST, patterns[i], subject,
							  strlen(subject));
				bool want = oracle_host_match(patterns[i], subject);

				cr_assert_eq(one, want, "glob_match_one(%s, %s)", patterns[i],
					     subject);
				cr_assert_eq(s.count[i], want ? 1u : 0u, "trie: %s against %s",
					     patterns[i], subject);
				compared++;
				matched += want;
			}
		}
		glob_trie_free(t);
	}
	cr_expect_gt(matched, compared / 200);
	cr_expect_gt(invalid, 100);
}

/* ---- images: out of a trie and back (what a bundle carries) ---- */

/* A copy of t's image in a heap block of its exact size. */
static void *image_copy(const struct glob_trie *t, size_t *ret_len)
{
	const void *img;
	void *copy;

	cr_assert_eq(glob_trie_image(t, &img, ret_len), 0);
	copy = malloc(*ret_len);
	cr_assert(copy);
	memcpy(copy, img, *ret_len);
	return copy;
}

/* Random tries of both flavours answer the same after the round trip. */
Test(glob_trie_image, round_trip_answers_the_same)
{
	static const char *const alphabet[] = {"/.ab*?", ".abA*-?"};
	static const char *const subjects[] = {"/.ab", ".abAB-"};
	unsigned compared = 0, matched = 0;

	rng_state = 0x1234567887654321ull;
	for (int round = 0; round < 40; round++) {
		enum glob_trie_flavor fl = round % 2 ? GLOB_TRIE_HOST : GLOB_TRIE_PATH;
		char patterns[PATTERNS][16];
		struct glob_trie *t = NULL, *back = NULL;
		struct seen a, b;
		size_t len;

		cr_assert_eq(glob_trie_new(fl, &t), 0);
		for (uint32_t i = 0; i < PATTERNS; i++) {
			do {
				size_t at = fl == GLOB_TRIE_PATH;
				patterns[i][0] = '/';
				random_string(patterns[i] + at, alphabet[fl], 1, 9);
			} while (glob_validate(fl, patterns[i], NULL, NULL) < 0);
			cr_assert_eq(glob_trie_add(t, patterns[i], i), 0);
		}
		cr_assert_eq(glob_trie_image(t, &(const void *){NULL}, &len), -EBUSY);
		cr_assert_eq(glob_trie_freeze(t), 0);
		void *img = image_copy(t, &len);
		struct glob_trie *lent = NULL;
		cr_assert_eq(glob_trie_load(fl, img, len, PATTERNS, true, &lent), 0);
		cr_assert_eq(glob_trie_load(fl, img, len, PATTERNS, false, &back), 0);
		cr_assert_eq(glob_trie_size(back), PATTERNS);
		for (int k = 0; k < SUBJECTS; k++) {
			char subject[16];
			size_t at = fl == GLOB_TRIE_PATH;

			subject[0] = '/';
			random_string(subject + at, subjects[fl], 1, 10);
			struct seen c;
			int ra = match(t, subject, &a), rb = match(back, subject, &b);
			int rc = match(lent, subject, &c);
			cr_assert(ra == rb && ra == rc, "%s", subject);
			for (uint32_t i = 0; i < PATTERNS; i++) {
				cr_assert_eq(a.count[i], b.count[i], "%s against %s", patterns[i],
					     subject);
				cr_assert_eq(a.count[i], c.count[i], "in place: %s against %s",
					     patterns[i], subject);
				compared++;
				matched += a.count[i];
			}
		}
		glob_trie_free(t);
		glob_trie_free(lent);
		/* The copy does not depend on the caller's bytes. */
		static const char *const again[] = {"/ab/a", "/a/b/ab", "a.b", "ab.a.b"};
		unsigned before[4];
		for (int k = 0; k < 4; k++) {
			match(back, again[k], &b);
			before[k] = b.total;
		}
		memset(img, 0xa5, len);
		free(img);
		for (int k = 0; k < 4; k++) {
			match(back, again[k], &b);
			cr_assert_eq(b.total, before[k], "%s", again[k]);
		}
		glob_trie_free(back);
	}
	cr_expect_gt(matched, compared / 200, "the subjects must match something");
}

static const char *const image_patterns[] = {
	"/var/task/**", "/tmp/*.json", "/**/lib/python3*.zip", "/etc/hosts", "/opt/*/bin/?",
};
#define N_IMAGE_PATTERNS (sizeof(image_patterns) / sizeof(image_patterns[0]))

static void *sample_image(size_t *ret_len)
{
	struct glob_trie *t = build(GLOB_TRIE_PATH, image_patterns, N_IMAGE_PATTERNS);
	void *img = image_copy(t, ret_len);

	glob_trie_free(t);
	return img;
}

/* Loaded both ways, copied and in place: the same verdict. */
static int load_sample(const void *img, size_t len)
{
	struct glob_trie *t = NULL, *u = NULL;
	int r = glob_trie_load(GLOB_TRIE_PATH, img, len, N_IMAGE_PATTERNS, false, &t);
	int q = glob_trie_load(GLOB_TRIE_PATH, img, len, N_IMAGE_PATTERNS, true, &u);

	cr_assert_eq(r, q, "copied: %d, in place: %d", r, q);
	cr_assert(r == 0 ? t != NULL && u != NULL : t == NULL && u == NULL);
	glob_trie_free(t);
	glob_trie_free(u);
	return r;
}

/* What the loader is asked for must be what the image is. */
Test(glob_trie_image, refuses_another_shape)
{
	size_t len;
	void *img = sample_image(&len);
	struct glob_trie *t = NULL;

	cr_assert_eq(load_sample(img, len), 0);
	cr_assert_eq(glob_trie_load(GLOB_TRIE_HOST, img, len, N_IMAGE_PATTERNS, false, &t),
		     -EINVAL);
	cr_assert_eq(glob_trie_load(GLOB_TRIE_PATH, img, len, N_IMAGE_PATTERNS - 1, false, &t),
		     -EINVAL);
	cr_assert_eq(glob_trie_load(GLOB_TRIE_PATH, img, len, N_IMAGE_PATTERNS + 1, false, &t),
		     -EINVAL);
	cr_assert_null(t);
	for (size_t cut = 0; cut < len; cut++) {
		/* Exactly cut bytes on the heap: ASan sees any read past them. */
		void *part = malloc(cut ? cut : 1);
		memcpy(part, img, cut);
		cr_assert_eq(load_sample(part, cut), -EINVAL, "%zu of %zu bytes", cut, len);
		free(part);
	}
	free(img);
}

/* Damage the matcher would follow out of bounds, or forever, one kind at a time. */
Test(glob_trie_image, refuses_what_the_matcher_cannot_follow)
{
	size_t len;
	void *img = sample_image(&len);
	struct gt_image h;

	memcpy(&h, img, sizeof(h));
	char *base = img;
	struct gt_slot *slots = (struct gt_slot *)(base + h.slot_off);
	struct gt_node *nodes = (struct gt_node *)(base + h.node_off);
	struct gt_wild *wilds = (struct gt_wild *)(base + h.wild_off);
	uint32_t *values = (uint32_t *)(base + h.value_off);
	uint32_t used = 0;

	for (uint32_t i = 0; i < h.slot_count; i++)
		used += slots[i].child != 0;
	cr_assert(used > 0 && h.wild_count > 0 && h.value_count > 0);

#define DAMAGE(field, bad)                                                             \
	do {                                                                           \
		__typeof__(field) saved = (field);                                     \
		(field) = (bad);                                                       \
		cr_assert_eq(load_sample(img, len), -EINVAL, "%s = %s", #field, #bad); \
		(field) = saved;                                                       \
		cr_assert_eq(load_sample(img, len), 0);                                \
	} while (0)

	struct gt_image *hp = img;
	DAMAGE(hp->magic, 0);
	DAMAGE(hp->version, GT_VERSION + 1);
	DAMAGE(hp->total_size, (uint32_t)len + 8);
	DAMAGE(hp->slot_count, h.slot_count * 3);
	DAMAGE(hp->slot_count, 0);
	DAMAGE(hp->slot_count, 1); /* a one-slot table: the probe's shift would be 64 */
	DAMAGE(hp->node_count, 0);
	DAMAGE(hp->node_count, h.node_count + 1000);
	DAMAGE(hp->pool_size, h.pool_size + 4096);
	DAMAGE(hp->slot_off, h.slot_off + 4);
	DAMAGE(hp->wild_off, (uint32_t)len);
	DAMAGE(hp->value_count, UINT32_MAX);
	DAMAGE(hp->root_state, h.node_count);
	DAMAGE(hp->max_active, MAX_ACTIVE + 1);
	for (uint32_t i = 0; i < h.slot_count; i++) {
		if (!slots[i].child)
			continue;
		DAMAGE(slots[i].parent, h.node_count);
		DAMAGE(slots[i].child, h.node_count | STATE_LIT);
		DAMAGE(slots[i].str_off, h.pool_size);
		DAMAGE(slots[i].len, h.pool_size + 1);
	}
	for (uint32_t i = 0; i < h.node_count; i++) {
		if (nodes[i].wild_count)
			DAMAGE(nodes[i].wild_first, h.wild_count);
		DAMAGE(nodes[i].value_count, h.value_count + 1);
		DAMAGE(nodes[i].star, h.node_count | STATE_STAR);
	}
	DAMAGE(wilds[0].child, h.node_count);
	DAMAGE(wilds[0].str_len, h.pool_size + 1);
	DAMAGE(values[0], (uint32_t)N_IMAGE_PATTERNS);
#undef DAMAGE

	/* A table with no empty slot: the probe for a missing segment would never end. */
	struct gt_slot *full = malloc(h.slot_count * sizeof(*full));
	memcpy(full, slots, h.slot_count * sizeof(*full));
	struct gt_slot any = {0};
	for (uint32_t i = 0; i < h.slot_count; i++)
		if (slots[i].child)
			any = slots[i];
	for (uint32_t i = 0; i < h.slot_count; i++)
		if (!slots[i].child)
			slots[i] = any;
	cr_assert_eq(load_sample(img, len), -EINVAL);
	memcpy(slots, full, h.slot_count * sizeof(*full));
	cr_assert_eq(load_sample(img, len), 0);
	free(full);
	free(img);
}

/* Any byte, any flip: refused, or a trie every subject can be matched against. */
Test(glob_trie_image, damaged_bytes_never_crash_the_matcher)
{
	static const char *const subjects[] = {
		"/var/task/app.py", "/tmp/a.json", "/usr/lib/python3.11.zip", "/etc/hosts",
		"/opt/x/bin/y",	    "/",	   "/a/b/c/d/e/f/g/h/i/j",
	};
	static const unsigned char flips[] = {0x01, 0x80, 0xff};
	size_t len, refused = 0, tries = 0;
	char *img = sample_image(&len);

	for (size_t i = 0; i < len; i++)
		for (size_t k = 0; k < sizeof(flips); k++) {
			struct glob_trie *t = NULL;
			struct seen s;

			img[i] ^= (char)flips[k];
			/* In place: the matcher reads the very bytes that were checked. */
			int r = glob_trie_load(GLOB_TRIE_PATH, img, len, N_IMAGE_PATTERNS, true,
					       &t);
			cr_assert(r == 0 || r == -EINVAL, "byte %zu ^ %#x: %d", i, flips[k], r);
			tries++;
			if (r < 0) {
				img[i] ^= (char)flips[k];
				refused++;
				continue;
			}
			for (size_t j = 0; j < sizeof(subjects) / sizeof(subjects[0]); j++) {
				r = match(t, subjects[j], &s);
				cr_assert(r == 0 || r == -E2BIG, "%s: %d", subjects[j], r);
				for (size_t v = N_IMAGE_PATTERNS; v < MAX_VALUES; v++)
					cr_assert_eq(s.count[v], 0, "value %zu reported", v);
			}
			glob_trie_free(t);
			img[i] ^= (char)flips[k];
		}
	/* Padding and the head copies of segments are free to change; the rest is checked. */
	cr_assert_gt(refused, tries / 5, "%zu of %zu refused", refused, tries);
	free(img);
}
