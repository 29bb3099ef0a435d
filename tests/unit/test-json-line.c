/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_line.h"

#define ELLIPSIS "\xe2\x80\xa6"
#define FFFD	 "\xef\xbf\xbd"

/*
 * Reference UTF-8 validator, written differently from the library's (decode
 * first, then check the code point range) so the two can disagree.
 * Returns the sequence length at s, or 0 if s[0] is an invalid byte.
 */
static size_t ref_utf8_len(const unsigned char *s, size_t n)
{
	static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min_cp[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* What a JSON reader must decode the value to, uncut: FFFD or HEX mode. */
static size_t ref_decoded(const unsigned char *s, size_t n, bool hex, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t len = ref_utf8_len(s + i, n - i);

		if (len == 0) {
			if (hex)
				o += (size_t)sprintf((char *)out + o, "\\x%02x", s[i]);
			else
				o += (size_t)sprintf((char *)out + o, "%s", FFFD);
			i++;
			continue;
		}
		if (hex && s[i] == '\\')
			out[o++] = '\\';
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
	}
	return o;
}

static void put_utf8(unsigned char *out, size_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (unsigned char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (unsigned char)(0xc0 | cp >> 6);
		out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		cr_assert(cp < 0xd800 || cp > 0xdfff, "surrogate escape emitted");
		out[(*o)++] = (unsigned char)(0xe0 | cp >> 12);
		out[(*o)++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3f));
	}
}

/*
 * Exact decoding of the string member `key` of the outermost object, with
 * embedded NULs (cJSON stops at them). Relies on '"' inside values always
 * being escaped, so ,"key":" and {"key":" only occur as member starts.
 */
static size_t decode_member(const char *line, size_t line_len, const char *key, unsigned char *out)
{
	char pattern[64];
	const char *p = NULL, *end = line + line_len;
	size_t o = 0;

	for (const char *lead = ",{"; *lead && !p; lead++) {
		snprintf(pattern, sizeof(pattern), "%c\"%s\":\"", *lead, key);
		p = memmem(line, line_len, pattern, strlen(pattern));
	}
	cr_assert_not_null(p, "member %s missing in %.*s", key, (int)line_len, line);
	for (p += strlen(pattern); p < end && *p != '"'; p++) {
		if (*p != '\\') {
			out[o++] = (unsigned char)*p;
			continue;
		}
		switch (*++p) {
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			char hex[5] = {p[1], p[2], p[3], p[4], 0};

			put_utf8(out, &o, (uint32_t)strtoul(hex, NULL, 16));
			p += 4;
			break;
		}
		default:
			out[o++] = (unsigned char)*p;
		}
	}
	cr_assert(p < end, "unterminated string");
	return o;
}

/*
 * Checks everything a line must be and returns it parsed: one line ending in
 * '\n', at most JSON_LINE_MAX bytes, valid UTF-8, no raw control or
 * invisible-formatting characters, valid JSON (cJSON). Caller frees.
 */
static cJSON *check_line(const struct json_line *jl, size_t len)
{
	static char copy[JSON_LINE_MAX + 1];
	const unsigned char *s = (const unsigned char *)jl->buf;
	cJSON *root;

	cr_assert_leq(len, JSON_LINE_MAX);
	cr_assert_geq(len, 3);
	cr_assert_eq(s[len - 1], '\n');
	for (size_t i = 0; i < len - 1;) {
		size_t n = ref_utf8_len(s + i, len - 1 - i);

		cr_assert_neq(n, 0, "invalid UTF-8 at %zu in %.*s", i, (int)len, jl->buf);
		cr_assert_geq(s[i], 0x20, "raw control byte at %zu", i);
		cr_assert_neq(s[i], 0x7f);
		if (n == 2)
			cr_assert(!(s[i] == 0xc2 && s[i + 1] < 0xa0), "raw C1 control");
		if (n == 3 && s[i] == 0xe2 && s[i + 1] == 0x80)
			cr_assert(s[i + 2] < 0xa8 || s[i + 2] > 0xae, "raw U+2028-U+202E");
		if (n == 3 && s[i] == 0xe2 && s[i + 1] == 0x81)
			cr_assert(s[i + 2] < 0xa6 || s[i + 2] > 0xa9, "raw U+2066-U+2069");
		i += n;
	}
	memcpy(copy, jl->buf, len - 1);
	copy[len - 1] = '\0';
	root = cJSON_ParseWithLengthOpts(copy, len, NULL, true);
	cr_assert_not_null(root, "not JSON: %s", copy);
	cr_assert(cJSON_IsObject(root));
	return root;
}

static bool line_truncated(cJSON *root)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "truncated"));
}

/* Builds {"v":<value>} and checks the exact line and the decoded value. */
static void check_escape(const char *value, size_t len, const char *expect_line,
			 const char *expect_decoded, size_t expect_decoded_len)
{
	struct json_line jl;
	unsigned char decoded[256];
	size_t line_len, n;
	cJSON *root;

	json_line_begin(&jl, JSON_LINE_INVALID_FFFD);
	cr_assert_eq(json_line_str(&jl, "v", value, len), 0);
	json_line_finish(&jl, &line_len);
	root = check_line(&jl, line_len);
	cr_assert_eq(line_len, strlen(expect_line));
	cr_assert_arr_eq(jl.buf, expect_line, line_len, "got %.*s want %s", (int)line_len, jl.buf,
			 expect_line);
	n = decode_member(jl.buf, line_len, "v", decoded);
	cr_assert_eq(n, expect_decoded_len);
	cr_assert_arr_eq(decoded, expect_decoded, n);
	cr_assert(!line_truncated(root));
	cJSON_Delete(root);
}

#define CHECK_ESCAPE(value, line, decoded) \
	check_escape(value, sizeof(value) - 1, line, decoded, sizeof(decoded) - 1)

Test(json_line, every_field_kind)
{
	static const char expect[] =
		"{\"type\":\"violation\",\"pid\":18446744073709551615,\"min\":-9223372036854775808,"
		"\"max\":9223372036854775807,\"zero\":0,\"yes\":true,\"no\":false,\"requestId\":null,"
		"\"tip\":{\"files\":[{\"path\":\"/etc/shadow\",\"allow\":\"r\"}]},"
		"\"arr\":[\"a\",1,-1,true,null,[],{}],\"frag\":{\"a\":[1]},\"nul\":\"a\\u0000b\"}\n";
	struct json_line jl;
	size_t len;
	cJSON *root;

	json_line_begin(&jl, 0);
	cr_assert_eq(json_line_strz(&jl, "type", "violation"), 0);
	cr_assert_eq(json_line_u64(&jl, "pid", UINT64_MAX), 0);
	cr_assert_eq(json_line_i64(&jl, "min", INT64_MIN), 0);
	cr_assert_eq(json_line_i64(&jl, "max", INT64_MAX), 0);
	cr_assert_eq(json_line_u64(&jl, "zero", 0), 0);
	cr_assert_eq(json_line_bool(&jl, "yes", true), 0);
	cr_assert_eq(json_line_bool(&jl, "no", false), 0);
	cr_assert_eq(json_line_strz(&jl, "requestId", NULL), 0);
	cr_assert_eq(json_line_obj_begin(&jl, "tip"), 0);
	cr_assert_eq(json_line_arr_begin(&jl, "files"), 0);
	cr_assert_eq(json_line_obj_begin(&jl, NULL), 0);
	cr_assert_eq(json_line_strz(&jl, "path", "/etc/shadow"), 0);
	cr_assert_eq(json_line_strz(&jl, "allow", "r"), 0);
	cr_assert_eq(json_line_obj_end(&jl), 0);
	cr_assert_eq(json_line_arr_end(&jl), 0);
	cr_assert_eq(json_line_obj_end(&jl), 0);
	cr_assert_eq(json_line_arr_begin(&jl, "arr"), 0);
	cr_assert_eq(json_line_strz(&jl, NULL, "a"), 0);
	cr_assert_eq(json_line_u64(&jl, NULL, 1), 0);
	cr_assert_eq(json_line_i64(&jl, NULL, -1), 0);
	cr_assert_eq(json_line_bool(&jl, NULL, true), 0);
	cr_assert_eq(json_line_null(&jl, NULL), 0);
	cr_assert_eq(json_line_arr_begin(&jl, NULL), 0);
	cr_assert_eq(json_line_arr_end(&jl), 0);
	cr_assert_eq(json_line_obj_begin(&jl, NULL), 0);
	cr_assert_eq(json_line_obj_end(&jl), 0);
	cr_assert_eq(json_line_arr_end(&jl), 0);
	cr_assert_eq(json_line_raw(&jl, "frag", "{\"a\":[1]}", 9), 0);
	cr_assert_eq(json_line_str(&jl, "nul", "a\0b", 3), 0);
	cr_assert_eq(json_line_finish(&jl, &len), 0);
	root = check_line(&jl, len);
	cr_assert_eq(len, sizeof(expect) - 1);
	cr_assert_arr_eq(jl.buf, expect, len, "got %.*s", (int)len, jl.buf);
	cr_assert_str_eq(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(
				cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tip"), "files"), 0),
			"path")
			->valuestring,
		"/etc/shadow");
	cJSON_Delete(root);

	/* finish is idempotent and closes the line for good */
	cr_assert_eq(json_line_finish(&jl, &len), 0);
	cr_assert_eq(len, sizeof(expect) - 1);
	cr_assert_eq(json_line_u64(&jl, "late", 1), -EINVAL);
	cr_assert_eq(json_line_obj_begin(&jl, "late"), -EINVAL);
	cr_assert_eq(json_line_obj_end(&jl), -EINVAL);
	cr_assert_eq(jl.len, sizeof(expect) - 1);
}

Test(json_line, empty_line)
{
	struct json_line jl;
	size_t len;

	json_line_begin(&jl, 0);
	json_line_finish(&jl, &len);
	cr_assert_eq(len, 3);
	cr_assert_arr_eq(jl.buf, "{}\n", 3);
}

/* A tip's names: pattern characters as '?' (review, 2026-11-23). */
Test(json_line, literal_names_never_carry_wildcards)
{
	struct json_line jl;
	size_t len;
	static const char name[] = "/srv/*/[a]{b}\\c\x01\xc3\xa9";

	json_line_begin(&jl, 0);
	cr_assert_eq(json_line_str_literal(&jl, "path", name, sizeof(name) - 1), 0);
	json_line_finish(&jl, &len);
	static const char want[] = "{\"path\":\"/srv/?/?a??b??c?\xc3\xa9\"}\n";
	cr_assert_eq(len, sizeof(want) - 1, "%.*s", (int)len, jl.buf);
	cr_assert_arr_eq(jl.buf, want, len);
}

Test(json_line, misuse_is_rejected_and_line_stays_valid)
{
	struct json_line jl;
	size_t len;
	cJSON *root;

	json_line_begin(&jl, 0);
	cr_assert_eq(json_line_u64(&jl, NULL, 1), -EINVAL); /* no key in an object */
	cr_assert_eq(json_line_obj_end(&jl), -EINVAL);	    /* outermost is not closable */
	cr_assert_eq(json_line_arr_end(&jl), -EINVAL);
	cr_assert_eq(json_line_arr_begin(&jl, "a"), 0);
	cr_assert_eq(json_line_u64(&jl, "k", 1), -EINVAL); /* key in an array */
	cr_assert_eq(json_line_obj_end(&jl), -EINVAL);	   /* wrong kind */
	cr_assert_eq(json_line_obj_begin(&jl, "k"), -EINVAL);
	cr_assert_eq(json_line_u64(&jl, NULL, 2), -ENOSPC); /* inside the dropped object */
	cr_assert_eq(json_line_obj_end(&jl), 0);	    /* pairs with the dropped one */
	cr_assert_eq(json_line_u64(&jl, NULL, 3), 0);
	/* left open on purpose: finish closes it */
	json_line_finish(&jl, &len);
	root = check_line(&jl, len);
	cr_assert_arr_eq(jl.buf, "{\"a\":[3],\"truncated\":true}\n", len, "got %.*s", (int)len,
			 jl.buf);
	cJSON_Delete(root);
}

Test(json_line, nesting_limit)
{
	struct json_line jl;
	size_t len;
	cJSON *root;
	int i;

	json_line_begin(&jl, 0);
	for (i = 1; i < JSON_LINE_DEPTH_MAX; i++)
		cr_assert_eq(json_line_obj_begin(&jl, "o"), 0);
	cr_assert_eq(json_line_obj_begin(&jl, "too_deep"), -EINVAL);
	cr_assert_eq(json_line_u64(&jl, "x", 1), -ENOSPC);
	cr_assert_eq(json_line_obj_end(&jl), 0);
	cr_assert_eq(json_line_u64(&jl, "y", 2), 0);
	json_line_finish(&jl, &len);
	root = check_line(&jl, len);
	cr_assert(line_truncated(root));
	cr_assert_null(memmem(jl.buf, len, "too_deep", 8));
	cJSON_Delete(root);
}

Test(json_line, escapes_ascii_classes)
{
	CHECK_ESCAPE("plain /var/task", "{\"v\":\"plain /var/task\"}\n", "plain /var/task");
	CHECK_ESCAPE("a\"b\\c/", "{\"v\":\"a\\\"b\\\\c/\"}\n", "a\"b\\c/");
	CHECK_ESCAPE("\b\f\n\r\t", "{\"v\":\"\\b\\f\\n\\r\\t\"}\n", "\b\f\n\r\t");
	CHECK_ESCAPE("\x7f", "{\"v\":\"\\u007f\"}\n", "\x7f");
	CHECK_ESCAPE("\x1b[31m", "{\"v\":\"\\u001b[31m\"}\n", "\x1b[31m");
}

Test(json_line, escapes_every_control_byte)
{
	for (unsigned c = 0; c < 0x20; c++) {
		char value = (char)c, line[32], decoded[2] = {(char)c, 0};
		const char *shortform = NULL;

		switch (c) {
		case '\b':
			shortform = "\\b";
			break;
		case '\f':
			shortform = "\\f";
			break;
		case '\n':
			shortform = "\\n";
			break;
		case '\r':
			shortform = "\\r";
			break;
		case '\t':
			shortform = "\\t";
			break;
		}
		if (shortform)
			snprintf(line, sizeof(line), "{\"v\":\"%s\"}\n", shortform);
		else
			snprintf(line, sizeof(line), "{\"v\":\"\\u%04x\"}\n", c);
		check_escape(&value, 1, line, decoded, 1);
	}
}

Test(json_line, escapes_invisible_unicode_losslessly)
{
	CHECK_ESCAPE("\xc2\x80\xc2\x9b\xc2\x9f", "{\"v\":\"\\u0080\\u009b\\u009f\"}\n",
		     "\xc2\x80\xc2\x9b\xc2\x9f");
	CHECK_ESCAPE("a\xe2\x80\xa8"
		     "b\xe2\x80\xa9",
		     "{\"v\":\"a\\u2028b\\u2029\"}\n",
		     "a\xe2\x80\xa8"
		     "b\xe2\x80\xa9");
	CHECK_ESCAPE("/tmp/\xe2\x80\xaegpj.sh", "{\"v\":\"/tmp/\\u202egpj.sh\"}\n",
		     "/tmp/\xe2\x80\xaegpj.sh");
	CHECK_ESCAPE("\xe2\x81\xa6\xe2\x81\xa9", "{\"v\":\"\\u2066\\u2069\"}\n",
		     "\xe2\x81\xa6\xe2\x81\xa9");
}

Test(json_line, valid_utf8_passes_through)
{
	/* U+00A0, U+00E9, U+07FF, U+0800, U+2027, U+202F, U+FFFD, U+FFFF, U+10000, U+10FFFF */
	static const char value[] = "\xc2\xa0\xc3\xa9\xdf\xbf\xe0\xa0\x80\xe2\x80\xa7"
				    "\xe2\x80\xaf\xef\xbf\xbd\xef\xbf\xbf\xf0\x90\x80\x80"
				    "\xf4\x8f\xbf\xbf\xe6\x97\xa5\xf0\x9f\x90\x8d";

	CHECK_ESCAPE(value,
		     "{\"v\":\""
		     "\xc2\xa0\xc3\xa9\xdf\xbf\xe0\xa0\x80\xe2\x80\xa7"
		     "\xe2\x80\xaf\xef\xbf\xbd\xef\xbf\xbf\xf0\x90\x80\x80"
		     "\xf4\x8f\xbf\xbf\xe6\x97\xa5\xf0\x9f\x90\x8d"
		     "\"}\n",
		     value);
}

Test(json_line, invalid_utf8_one_fffd_per_byte)
{
	static const struct {
		const char *what, *value;
		size_t replaced; /* leading bytes that must each become U+FFFD */
		const char *rest;
	} cases[] = {
		{"stray continuation", "\x80", 1, ""},
		{"stray continuations", "\xbf\x80\xbf", 3, ""},
		{"C0 lead (overlong /)", "\xc0\xaf", 2, ""},
		{"C1 lead (overlong)", "\xc1\xbf", 2, ""},
		{"overlong 3-byte", "\xe0\x80\xaf", 3, ""},
		{"overlong 3-byte max", "\xe0\x9f\xbf", 3, ""},
		{"overlong 4-byte", "\xf0\x80\x80\xaf", 4, ""},
		{"overlong 4-byte max", "\xf0\x8f\xbf\xbf", 4, ""},
		{"surrogate D800", "\xed\xa0\x80", 3, ""},
		{"surrogate DFFF", "\xed\xbf\xbf", 3, ""},
		{"surrogate pair as CESU-8", "\xed\xa0\xbd\xed\xb8\x80", 6, ""},
		{"above U+10FFFF", "\xf4\x90\x80\x80", 4, ""},
		{"F5 lead", "\xf5\x80\x80\x80", 4, ""},
		{"FF and FE", "\xff\xfe", 2, ""},
		{"F8 5-byte form", "\xf8\x88\x80\x80\x80", 5, ""},
		{"truncated 2-byte at end", "ok\xc3", 0, NULL},
		{"truncated 3-byte then ASCII",
		 "\xe2\x82"
		 "A",
		 2, "A"},
		{"truncated 4-byte at end", "\xf0\x9f\x90", 3, ""},
		{"lead then lead", "\xc3\xc3\xa9", 1, "\xc3\xa9"},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char expect_line[128] = "{\"v\":\"", expect[64] = "";
		const char *value = cases[c].value, *rest = cases[c].rest;
		size_t replaced = cases[c].replaced;

		if (!rest) { /* "ok" + one invalid byte */
			value += 2;
			replaced = 1;
			rest = "";
			strcat(expect_line, "ok");
			strcat(expect, "ok");
		}
		for (size_t i = 0; i < replaced; i++) {
			strcat(expect_line, "\\ufffd");
			strcat(expect, FFFD);
		}
		strcat(expect_line, rest);
		strcat(expect_line, "\"}\n");
		strcat(expect, rest);
		cr_assert_eq(strlen(value), replaced + strlen(rest), "%s", cases[c].what);
		check_escape(cases[c].value, strlen(cases[c].value), expect_line, expect,
			     strlen(expect));
	}
}

Test(json_line, hex_mode_is_reversible)
{
	static const char value[] = "a\\x41\xff\"\xc3\xa9\xed\xa0\x80\n";
	static const char expect[] = "{\"v\":\"a\\\\\\\\x41\\\\xff\\\"\xc3\xa9\\\\xed\\\\xa0"
				     "\\\\x80\\n\"}\n";
	struct json_line jl;
	unsigned char decoded[128], ref[128];
	size_t len, n;
	cJSON *root;

	json_line_begin(&jl, JSON_LINE_INVALID_HEX);
	cr_assert_eq(json_line_str(&jl, "v", value, sizeof(value) - 1), 0);
	json_line_finish(&jl, &len);
	root = check_line(&jl, len);
	cr_assert_arr_eq(jl.buf, expect, len, "got %.*s", (int)len, jl.buf);
	n = decode_member(jl.buf, len, "v", decoded);
	cr_assert_eq(n, ref_decoded((const unsigned char *)value, sizeof(value) - 1, true, ref));
	cr_assert_arr_eq(decoded, ref, n);
	cr_assert_str_eq(cJSON_GetObjectItem(root, "v")->valuestring,
			 "a\\\\x41\\xff\"\xc3\xa9\\xed\\xa0\\x80\n");
	cJSON_Delete(root);
}

/* Undoes HEX mode on a decoded value: "\\" -> '\', "\xNN" -> byte NN. */
static size_t unhex(const unsigned char *s, size_t n, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		cr_assert_lt(i + 1, n, "lone backslash");
		if (s[i + 1] == '\\') {
			out[o++] = '\\';
			i++;
			continue;
		}
		cr_assert_eq(s[i + 1], 'x');
		cr_assert_lt(i + 3, n);
		char hex[3] = {(char)s[i + 2], (char)s[i + 3], 0};
		out[o++] = (unsigned char)strtoul(hex, NULL, 16);
		i += 3;
	}
	return o;
}

static void fill_path(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (i % 16 == 0) ? '/' : (char)('a' + i % 26);
}

/* A long target before the tail fields: the reserve keeps the tail whole. */
Test(json_line, long_path_is_cut_and_tail_kept)
{
	static char path[10000];
	unsigned char decoded[JSON_LINE_MAX];
	struct json_line jl;
	size_t len, n;
	cJSON *root;

	fill_path(path, sizeof(path));
	json_line_begin(&jl, 0);
	json_line_strz(&jl, "type", "violation");
	json_line_reserve(&jl, 128);
	cr_assert_eq(json_line_str(&jl, "target", path, sizeof(path)), -ENOBUFS);
	json_line_reserve(&jl, 0);
	cr_assert_eq(json_line_u64(&jl, "pid", 8), 0);
	cr_assert_eq(json_line_u64(&jl, "tid", 9), 0);
	cr_assert_eq(json_line_u64(&jl, "seq", 17), 0);
	cr_assert_eq(json_line_strz(&jl, "requestId", "c6af9ac6-7b61-11e6-9a41-93e812345678"), 0);
	json_line_finish(&jl, &len);
	root = check_line(&jl, len);
	cr_assert(line_truncated(root));
	cr_assert_eq(cJSON_GetObjectItem(root, "seq")->valuedouble, 17);
	cr_assert_str_eq(cJSON_GetObjectItem(root, "requestId")->valuestring,
			 "c6af9ac6-7b61-11e6-9a41-93e812345678");
	n = decode_member(jl.buf, len, "target", decoded);
	cr_assert_gt(n, 3500, "cut far too early: %zu", n);
	cr_assert_arr_eq(decoded + n - 3, ELLIPSIS, 3);
	cr_assert_arr_eq(decoded, path, n - 3);
	/* the reserve was used by the tail and not much more: the line is full */
	cr_assert_gt(len, JSON_LINE_MAX - 128);
	cJSON_Delete(root);
}

/* Without a reserve, later fields are dropped but the line stays valid. */
Test(json_line, long_path_without_reserve_drops_tail)
{
	static char path[10000];
	struct json_line jl;
	size_t len;
	cJSON *root;

	fill_path(path, sizeof(path));
	json_line_begin(&jl, 0);
	cr_assert_eq(json_line_str(&jl, "target", path, sizeof(path)), -ENOBUFS);
	cr_assert_eq(json_line_u64(&jl, "pid", 8), -ENOSPC);
	cr_assert_eq(json_line_strz(&jl, "exe", "/bin/sh"), -ENOSPC);
	cr_assert_eq(json_line_obj_begin(&jl, "tip"), -ENOSPC);
	cr_assert_eq(json_line_strz(&jl, "path", "x"), -ENOSPC);
	cr_assert_eq(json_line_obj_end(&jl), 0);
	json_line_finish(&jl, &len);
	root = check_line(&jl, len);
	cr_assert(line_truncated(root));
	cr_assert_null(cJSON_GetObjectItem(root, "pid"));
	cr_assert_null(cJSON_GetObjectItem(root, "tip"));
	/* the line is filled to the last byte */
	cr_assert_geq(len, JSON_LINE_MAX - 2);
	cJSON_Delete(root);
}

/* '"' and control bytes expand up to 6x; no escape may be split. */
Test(json_line, worst_case_expansion)
{
	static unsigned char value[10000], ref[60000];
	unsigned char decoded[JSON_LINE_MAX];
	struct json_line jl;
	size_t len, n, ref_len;
	cJSON *root;

	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = "\"\x01\\\x1f\x7f\n\xff"[i % 7];
	for (size_t cap = 1; cap < 40; cap++) {
		json_line_begin(&jl, 0);
		json_line_reserve(&jl, 64);
		cr_assert_eq(json_line_str_capped(&jl, "small", value, sizeof(value), cap),
			     -ENOBUFS);
		cr_assert_eq(json_line_str(&jl, "target", value, sizeof(value)), -ENOBUFS);
		json_line_reserve(&jl, 0);
		cr_assert_eq(json_line_u64(&jl, "seq", 1), 0);
		json_line_finish(&jl, &len);
		root = check_line(&jl, len);
		ref_len = ref_decoded(value, sizeof(value), false, ref);
		n = decode_member(jl.buf, len, "target", decoded);
		cr_assert_arr_eq(decoded + n - 3, ELLIPSIS, 3);
		cr_assert_lt(n - 3, ref_len);
		cr_assert_arr_eq(decoded, ref, n - 3);
		n = decode_member(jl.buf, len, "small", decoded);
		cr_assert_arr_eq(decoded + n - 3, ELLIPSIS, 3);
		cr_assert_arr_eq(decoded, ref, n - 3);
		cJSON_Delete(root);
		/* the escaped "small" value (between its quotes) respects the cap */
		const char *start = (const char *)memmem(jl.buf, len, "\"small\":\"", 9) + 9;
		const char *end = memmem(start, len - (size_t)(start - jl.buf), "\",\"target", 9);
		cr_assert_leq((size_t)(end - start), cap < 3 ? 3 : cap);
	}
}

/* A value that fits exactly is not cut, one byte more is. */
Test(json_line, cap_boundary_is_exact)
{
	struct json_line jl;
	size_t len;

	json_line_begin(&jl, 0);
	cr_assert_eq(json_line_str_capped(&jl, "a", "abcdef", 6, 6), 0);
	cr_assert_eq(json_line_str_capped(&jl, "b", "abcdefg", 7, 6), -ENOBUFS);
	cr_assert_eq(json_line_str_capped(&jl, "c", "\"\"\"", 3, 6), 0);
	cr_assert_eq(json_line_str_capped(&jl, "d", "\x01\x01", 2, 11), -ENOBUFS);
	cr_assert_eq(json_line_str_capped(&jl, "e", "", 0, 0), 0);
	json_line_finish(&jl, &len);
	cJSON_Delete(check_line(&jl, len));
	static const char expect[] = "{\"a\":\"abcdef\",\"b\":\"abc" ELLIPSIS
				     "\",\"c\":\"\\\"\\\"\\\"\",\"d\":\"\\u0001" ELLIPSIS
				     "\",\"e\":\"\",\"truncated\":true}\n";
	cr_assert_arr_eq(jl.buf, expect, len, "got %.*s", (int)len, jl.buf);
}

/* Fill the line byte by byte to hit every possible end-of-buffer position. */
Test(json_line, every_fill_level)
{
	static char pad[JSON_LINE_MAX];
	static const char tricky[] = "\xf0\x9f\x90\x8d\x01\"\xe2\x80\xa8\xff";

	memset(pad, 'p', sizeof(pad));
	for (size_t fill = 0; fill < JSON_LINE_MAX; fill++) {
		struct json_line jl;
		size_t len;
		cJSON *root;

		json_line_begin(&jl, fill & 1 ? JSON_LINE_INVALID_HEX : 0);
		json_line_str(&jl, "p", pad, fill);
		for (int i = 0; i < 4; i++) {
			json_line_obj_begin(&jl, "o");
			json_line_str(&jl, "t", tricky, sizeof(tricky) - 1);
			json_line_u64(&jl, "n", UINT64_MAX);
		}
		json_line_str(&jl, "t", tricky, sizeof(tricky) - 1);
		json_line_finish(&jl, &len);
		root = check_line(&jl, len);
		cJSON_Delete(root);
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t random_value(unsigned char *buf, size_t max)
{
	size_t n = (rng() % 8 == 0) ? rng() % max : rng() % 300;
	unsigned style = (unsigned)(rng() % 4);

	for (size_t i = 0; i < n;) {
		uint64_t r = rng();

		if (style == 0 || (style == 3 && r % 3 == 0)) {
			buf[i++] = (unsigned char)(r >> 8);
		} else if (style == 1) {
			buf[i++] = "\"\\\x00\x01\x1f\x7f\n\t/a"[(r >> 8) % 10];
		} else {
			/* mostly well-formed UTF-8 around the interesting boundaries */
			static const uint32_t edges[] = {0x7f,	 0x80,	 0x9f,	  0x7ff,    0x800,
							 0xd7ff, 0xe000, 0x2028,  0x202e,   0x2066,
							 0xfffd, 0xffff, 0x10000, 0x10ffff, 0x41};
			uint32_t cp = edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
			unsigned char enc[4];
			size_t el = 0;

			if (cp < 0x80) {
				enc[el++] = (unsigned char)cp;
			} else if (cp < 0x800) {
				enc[el++] = (unsigned char)(0xc0 | cp >> 6);
				enc[el++] = (unsigned char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				enc[el++] = (unsigned char)(0xe0 | cp >> 12);
				enc[el++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
				enc[el++] = (unsigned char)(0x80 | (cp & 0x3f));
			} else {
				enc[el++] = (unsigned char)(0xf0 | cp >> 18);
				enc[el++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
				enc[el++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
				enc[el++] = (unsigned char)(0x80 | (cp & 0x3f));
			}
			if ((r >> 40) % 16 == 0)
				el = 1 + (r >> 48) % el; /* cut the sequence short */
			for (size_t k = 0; k < el && i < n; k++)
				buf[i++] = enc[k];
		}
	}
	return n;
}

/* Decoded value must be the reference, or a prefix of it plus "…". */
static void check_value(const struct json_line *jl, size_t len, const char *key,
			const unsigned char *value, size_t n, bool hex)
{
	static unsigned char ref[6 * 6000], decoded[JSON_LINE_MAX], raw[JSON_LINE_MAX];
	size_t ref_len = ref_decoded(value, n, hex, ref);
	size_t got = decode_member(jl->buf, len, key, decoded);

	if (got == ref_len && memcmp(decoded, ref, got) == 0) {
		if (hex) {
			cr_assert_eq(unhex(decoded, got, raw), n);
			cr_assert_arr_eq(raw, value, n);
		}
		return;
	}
	cr_assert_geq(got, 3, "value differs: %.*s", (int)len, jl->buf);
	cr_assert_arr_eq(decoded + got - 3, ELLIPSIS, 3);
	cr_assert_lt(got - 3, ref_len);
	cr_assert_arr_eq(decoded, ref, got - 3, "not a prefix: %.*s", (int)len, jl->buf);
}

Test(json_line, random_values_100k)
{
	static unsigned char target[6000], rule[6000];

	for (int iter = 0; iter < 100000; iter++) {
		bool hex = iter % 3 == 0;
		size_t target_len = random_value(target, sizeof(target));
		size_t rule_len = random_value(rule, sizeof(rule));
		size_t len;
		struct json_line jl;
		cJSON *root;
		int r;

		json_line_begin(&jl, hex ? JSON_LINE_INVALID_HEX : 0);
		json_line_strz(&jl, "type", "violation");
		json_line_reserve(&jl, 100);
		r = json_line_str(&jl, "target", target, target_len);
		cr_assert(r == 0 || r == -ENOBUFS);
		r = json_line_str_capped(&jl, "rule", rule, rule_len, 1 + rng() % 1000);
		cr_assert(r == 0 || r == -ENOBUFS || r == -ENOSPC);
		json_line_reserve(&jl, 0);
		cr_assert_eq(json_line_u64(&jl, "pid", rng()), 0);
		cr_assert_eq(json_line_u64(&jl, "seq", (uint64_t)iter), 0);
		json_line_finish(&jl, &len);

		root = check_line(&jl, len);
		cr_assert_eq(cJSON_GetObjectItem(root, "seq")->valuedouble, iter);
		check_value(&jl, len, "target", target, target_len, hex);
		if (cJSON_GetObjectItem(root, "rule"))
			check_value(&jl, len, "rule", rule, rule_len, hex);
		else
			cr_assert(line_truncated(root));
		cJSON_Delete(root);
	}
}

Test(json_line, mark_cut_says_truncated)
{
	struct json_line jl;
	size_t len;

	json_line_begin(&jl, 0);
	json_line_arr_begin(&jl, "argv");
	json_line_strz(&jl, NULL, "a");
	json_line_arr_end(&jl);
	json_line_finish(&jl, &len);
	cr_assert(memmem(jl.buf, len, "truncated", 9) == NULL);

	json_line_begin(&jl, 0);
	json_line_arr_begin(&jl, "argv");
	json_line_strz(&jl, NULL, "a");
	json_line_arr_end(&jl);
	json_line_mark_cut(&jl);
	json_line_finish(&jl, &len);
	cr_assert_eq(len, strlen("{\"argv\":[\"a\"],\"truncated\":true}\n"));
	cr_assert(memcmp(jl.buf, "{\"argv\":[\"a\"],\"truncated\":true}\n", len) == 0, "%.*s",
		  (int)len, jl.buf);
}
