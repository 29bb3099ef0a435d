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
