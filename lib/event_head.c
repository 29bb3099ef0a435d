// SPDX-License-Identifier: MIT
/* event_head — see event_head.h. */
#include <string.h>
#include <time.h>

#include "clock_fmt.h"
#include "event_head.h"

static const char *level_for(const char *type)
{
	if (strcmp(type, "error") == 0)
		return "ERROR";
	if (strcmp(type, "learn") == 0 || strcmp(type, "start") == 0)
		return "INFO";
	return "WARN";
}

void event_head(struct json_line *jl, const char *type, const char *level)
{
	struct timespec ts;
	char stamp[CLOCK_FMT_RFC3339_LEN + 1];
	size_t len = 0;

	json_line_begin(jl, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (clock_fmt_rfc3339(&ts, stamp, sizeof(stamp), &len) == 0)
		json_line_str(jl, "timestamp", stamp, len);
	json_line_strz(jl, "level", level ? level : level_for(type));
	json_line_strz(jl, "logger", "fnguard");
	json_line_strz(jl, "type", type);
}

/* "0x" and v in hex at buf (18 bytes at most); returns the length. */
static size_t put_hex(char *buf, uint64_t v)
{
	char tmp[16];
	size_t n = 0, len = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	buf[len++] = '0';
	buf[len++] = 'x';
	while (n)
		buf[len++] = tmp[--n];
	return len;
}

size_t event_call_text(char *buf, size_t size, const char *name, const uint64_t args[6])
{
	size_t n = strlen(name);
	if (size < 2)
		return 0;
	if (n > size - 2)
		n = size - 2;
	memcpy(buf, name, n);
	buf[n++] = '(';
	/* Each argument takes at most 19 bytes with its comma; one more for ')'. */
	for (int i = 0; i < 6 && n + 20 <= size; i++) {
		if (i)
			buf[n++] = ',';
		n += put_hex(buf + n, args[i]);
	}
	buf[n++] = ')';
	return n;
}

void event_argv(struct json_line *jl, char *const argv[], bool learn, size_t reserve)
{
	size_t cap = learn ? JSON_LINE_MAX : 256, most = learn ? 1024 : 64, i;

	json_line_arr_begin(jl, "argv");
	/* Room for a last ,"…" whatever happens to the arguments. */
	json_line_reserve(jl, reserve + 8);
	for (i = 0; argv[i] && i < most; i++)
		if (json_line_str_capped(jl, NULL, argv[i], strlen(argv[i]), cap) < 0)
			break; /* cut ("…") or left out: the list stops here */
	json_line_reserve(jl, reserve);
	if (argv[i]) {
		json_line_strz(jl, NULL, "\xe2\x80\xa6"); /* U+2026 */
		json_line_mark_cut(jl);
	}
	json_line_arr_end(jl);
}

void event_tip_syscalls(struct json_line *jl, const char *need, const char *also)
{
	json_line_arr_begin(jl, "syscalls");
	json_line_strz(jl, NULL, need);
	if (also)
		json_line_strz(jl, NULL, also);
	json_line_arr_end(jl);
}
