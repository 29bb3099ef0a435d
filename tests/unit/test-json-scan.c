// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "json_scan.h"

static int scan(const char *text, struct json_scan *s)
{
	return json_scan(text, strlen(text), s);
}

static void expect_error(const char *text, size_t offset, const char *msg_part)
{
	struct json_scan s;
	int r = scan(text, &s);
	cr_assert_lt(r, 0, "accepted: %s", text);
	cr_assert_eq(s.error_offset, offset, "%s: offset %zu, expected %zu (%s)", text,
		     s.error_offset, offset, s.error);
	cr_assert(strstr(s.error, msg_part), "%s: message '%s' lacks '%s'", text, s.error,
		  msg_part);
	json_scan_done(&s);
}

Test(json_scan, preorder_positions)
{
	const char *text = "{\"a\": [1, {\"b\": true}], \"c\": \"x\"}";
	struct json_scan s;
	cr_assert_eq(scan(text, &s), 0);
	/* root, a-array, 1, {b}, true, "x" */
	cr_assert_eq(s.n_values, 6);
	cr_assert_eq(s.values[0].offset, 0);
	cr_assert_eq(s.values[0].key_offset, UINT32_MAX);
	cr_assert_eq(s.values[1].offset, 6);
	cr_assert_eq(s.values[1].key_offset, 1);
	cr_assert_eq(s.values[2].offset, 7);
	cr_assert_eq(s.values[3].offset, 10);
	cr_assert_eq(s.values[4].offset, 16);
	cr_assert_eq(s.values[4].key_offset, 11);
	cr_assert_eq(s.values[5].offset, 29);
	cr_assert_eq(s.values[5].length, 3);
	cr_assert_eq(s.values[0].length, strlen(text));
	json_scan_done(&s);
}

Test(json_scan, strictness)
{
	expect_error("{\"a\": 01}", 6, "leading zero");
	expect_error("{\"a\": +1}", 6, "unexpected");
	expect_error("{\"a\": 1.}", 6, "invalid number");
	expect_error("{\"a\": .5}", 6, "unexpected");
	expect_error("{\"a\": \"x\ny\"}", 6, "not closed before the end of the line");
	expect_error("{\"a\": \"x\ty\"}", 8, "control character");
	expect_error("{\"a\": \"\\u0000\"}", 7, "\\u0000");
	expect_error("{\"a\": \"\\ud800\"}", 7, "surrogate");
	expect_error("{\"a\": \"\\udc00\"}", 7, "surrogate");
	expect_error("{\"a\": \"\\x41\"}", 7, "invalid escape");
	expect_error("{\"a\": 1,}", 7, "trailing comma");
	expect_error("[1,]", 2, "trailing comma");
	expect_error("{\"a\": 1} x", 9, "trailing characters");
	expect_error("{\"a\": 1}{}", 8, "trailing characters");
	expect_error("{a: 1}", 1, "member name");
	expect_error("{\"a\" 1}", 5, "':'");
	expect_error("{\"a\": tru}", 6, "unexpected");
	expect_error("{\"a\": \"abc", 6, "unterminated");
	expect_error("", 0, "end of input");
	expect_error("\xef\xbb\xbf{}", 0, "byte order mark");
	expect_error("{\"a\": \"\xff\"}", 7, "UTF-8");
	expect_error("{\"a\": \"\xc0\xaf\"}", 7, "UTF-8");
	expect_error("{\"a\": \"\xed\xa0\x80\"}", 7, "UTF-8");
	expect_error("// c\n{}", 0, "unexpected");
}

Test(json_scan, accepts_valid)
{
	const char *ok[] = {
		"{}",
		"[]",
		"0",
		"-0",
		"1e5",
		"-1.5E-3",
		"\"\\ud83d\\ude00\"",
		"\"é😀\"",
		" {\"a\" : [ null , false , true ] } \n",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct json_scan s;
		cr_assert_eq(scan(ok[i], &s), 0, "rejected %s: %s", ok[i], s.error);
		json_scan_done(&s);
	}
}

Test(json_scan, depth_limit)
{
	char deep[64], deeper[64];
	memset(deep, '[', JSON_SCAN_MAX_DEPTH);
	memset(deep + JSON_SCAN_MAX_DEPTH, ']', JSON_SCAN_MAX_DEPTH);
	deep[2 * JSON_SCAN_MAX_DEPTH] = '\0';
	memset(deeper, '[', JSON_SCAN_MAX_DEPTH + 1);
	memset(deeper + JSON_SCAN_MAX_DEPTH + 1, ']', JSON_SCAN_MAX_DEPTH + 1);
	deeper[2 * JSON_SCAN_MAX_DEPTH + 2] = '\0';
	struct json_scan s;
	cr_assert_eq(scan(deep, &s), 0);
	json_scan_done(&s);
	cr_assert_eq(scan(deeper, &s), -E2BIG);
	cr_assert_eq(s.error_offset, JSON_SCAN_MAX_DEPTH);
	json_scan_done(&s);
}

Test(json_scan, line_col)
{
	const char *text = "{\n  \"a\": \"é\",\n\t\"b\": 1\n}";
	unsigned line, col;
	json_offset_to_line_col(text, strlen(text), 0, &line, &col);
	cr_assert(line == 1 && col == 1);
	json_offset_to_line_col(text, strlen(text), (size_t)(strstr(text, "\"a\"") - text), &line,
				&col);
	cr_assert(line == 2 && col == 3, "%u:%u", line, col);
	/* "é" is two bytes but one column */
	json_offset_to_line_col(text, strlen(text), (size_t)(strstr(text, ",") - text), &line,
				&col);
	cr_assert(line == 2 && col == 11, "%u:%u", line, col);
	json_offset_to_line_col(text, strlen(text), (size_t)(strstr(text, "1") - text), &line,
				&col);
	cr_assert(line == 3 && col == 7, "%u:%u", line, col);
}
