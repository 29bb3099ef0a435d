/* SPDX-License-Identifier: MIT */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "event_head.h"

Test(event_head, fields_in_order_and_levels)
{
	static const struct {
		const char *type, *level, *want;
	} cases[] = {
		{"error", NULL, "ERROR"},     {"learn", NULL, "INFO"},
		{"start", NULL, "INFO"},      {"violation", NULL, "WARN"},
		{"suppressed", NULL, "WARN"}, {"start", "WARN", "WARN"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_line jl;
		size_t len;
		event_head(&jl, cases[i].type, cases[i].level);
		json_line_finish(&jl, &len);
		char *text = strndup(jl.buf, len);
		cr_assert(strncmp(text, "{\"timestamp\":\"", 14) == 0, "%s", text);
		cJSON *o = cJSON_Parse(text);
		cr_assert_not_null(o, "%s", text);
		cr_assert_str_eq(cJSON_GetObjectItem(o, "level")->valuestring, cases[i].want);
		cr_assert_str_eq(cJSON_GetObjectItem(o, "logger")->valuestring, "fnguard");
		cr_assert_str_eq(cJSON_GetObjectItem(o, "type")->valuestring, cases[i].type);
		/* 2026-11-24T03:35:09.123Z */
		cr_assert_eq(strlen(cJSON_GetObjectItem(o, "timestamp")->valuestring), 24);
		cJSON_Delete(o);
		free(text);
	}
}

Test(event_head, call_text)
{
	const uint64_t args[6] = {0, 1, 0xffffffffffffffffull, 0x7ffc1234, 16, 0xabc};
	char buf[300];
	size_t n = event_call_text(buf, sizeof(buf), "openat", args);
	const char *want = "openat(0x0,0x1,0xffffffffffffffff,0x7ffc1234,0x10,0xabc)";
	cr_assert_eq(n, strlen(want));
	cr_assert(memcmp(buf, want, n) == 0, "%.*s", (int)n, buf);
}

Test(event_head, call_text_never_overflows)
{
	const uint64_t args[6] = {UINT64_MAX, UINT64_MAX, UINT64_MAX,
				  UINT64_MAX, UINT64_MAX, UINT64_MAX};
	char name[64];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (size_t size = 0; size < 200; size++) {
		char buf[256];
		memset(buf, '#', sizeof(buf));
		size_t n = event_call_text(buf, size, name, args);
		cr_assert_leq(n, size, "size %zu", size);
		for (size_t i = size; i < sizeof(buf); i++)
			cr_assert_eq(buf[i], '#', "size %zu: byte %zu written", size, i);
		if (size >= 2) {
			cr_assert_eq(buf[n - 1], ')', "size %zu", size);
			/* Whole arguments only: what stands before ')' ends a number or is '('. */
			cr_assert(buf[n - 2] == 'f' || buf[n - 2] == '(', "size %zu", size);
		}
	}
}

/* The argv array of a finished line, parsed; its owner is *root. */
static cJSON *argv_of_line(struct json_line *jl, cJSON **root, bool *truncated)
{
	size_t len;
	json_line_finish(jl, &len);
	cr_assert_leq(len, JSON_LINE_MAX);
	*root = cJSON_ParseWithLength(jl->buf, len);
	cr_assert_not_null(*root, "%.*s", (int)len, jl->buf);
	*truncated = cJSON_IsTrue(cJSON_GetObjectItem(*root, "truncated"));
	return cJSON_GetObjectItem(*root, "argv");
}

static void one_event(struct json_line *jl, char *const argv[], bool learn)
{
	event_head(jl, "learn", NULL);
	json_line_reserve(jl, 900);
	json_line_strz(jl, "target", "/bin/sh");
	event_argv(jl, argv, learn, 900);
	/* What follows argv, kept by the reserve. */
	json_line_reserve(jl, 0);
	json_line_u64(jl, "pid", 1);
	json_line_u64(jl, "seq", 2);
}

Test(event_head, argv_whole_when_it_fits)
{
	char *argv[] = {"sh", "-c", "echo hello", NULL};
	struct json_line jl;
	cJSON *root;
	bool cut;
	one_event(&jl, argv, true);
	cJSON *a = argv_of_line(&jl, &root, &cut);
	cr_assert_not(cut);
	cr_assert_eq(cJSON_GetArraySize(a), 3);
	cr_assert_str_eq(cJSON_GetArrayItem(a, 2)->valuestring, "echo hello");
	cJSON_Delete(root);
}

/* Many short arguments, one long one, many of any kind for a violation: never a short list
 * that looks whole. */
Test(event_head, argv_left_short_always_ends_in_ellipsis)
{
	static char *many[1101];
	static char longarg[5000];
	char *one_long[] = {"python3", "-c", longarg, "x", NULL};
	memset(longarg, 'a', sizeof(longarg) - 1);
	for (int i = 0; i < 1100; i++)
		many[i] = (char *)"y";
	for (int learn = 0; learn < 2; learn++) {
		for (int which = 0; which < 2; which++) {
			struct json_line jl;
			cJSON *root;
			bool cut;
			one_event(&jl, which ? one_long : many, learn);
			cJSON *a = argv_of_line(&jl, &root, &cut);
			int n = cJSON_GetArraySize(a);
			const char *last = cJSON_GetArrayItem(a, n - 1)->valuestring;
			size_t ll = strlen(last);
			cr_assert(cut, "learn=%d which=%d", learn, which);
			cr_assert(ll >= 3 && strcmp(last + ll - 3, "\xe2\x80\xa6") == 0,
				  "learn=%d which=%d: last of %d is '%s'", learn, which, n, last);
			cr_assert_not_null(cJSON_GetObjectItem(root, "seq"));
			cJSON_Delete(root);
		}
	}
}
