// SPDX-License-Identifier: MIT
/*
 * The event writer: whatever the bytes, every line written is one valid
 * JSON line.
 *
 * The first input byte picks one of two drivers:
 *
 *  - json_line: the rest is a program of builder calls (strings of any
 *    bytes with or without a cap, numbers, raw fragments, nested
 *    containers, reserves, misuse such as a key inside an array, calls
 *    after finish). A model built alongside predicts every return code but
 *    the ones space decides, and the finished line must parse to exactly
 *    the model: members added whole are there with their values (invalid
 *    UTF-8 as U+FFFD, or as \xNN in hex mode), cut strings are a prefix of
 *    their value ending in "…" and within their cap, dropped members are
 *    absent, and "truncated":true ends the line exactly when something was
 *    cut or dropped.
 *  - event_emit: the rest fills a violation/learn event (target, op, argv,
 *    rule, detail, request id, function name ... any bytes) and the
 *    process state the tail reads; events go through the real rate
 *    limiter, with a clock the input moves, and are flushed at times.
 *    The error and start events get the same bytes in their fields.
 *    Every line written to the log fd (events and `suppressed` summaries)
 *    must be valid, and an event's target and op must read back as given
 *    (or cut, ending in "…").
 *
 * Valid line: at most JSON_LINE_MAX bytes, one '\n' at the end and no other
 * control character, valid UTF-8 without raw C1 controls, U+2028/U+2029 or
 * bidi controls, accepted by the strict scanner (policy/json_scan) and by
 * cJSON.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "event.h"
#include "fuzz_util.h"
#include "json_line.h"
#include "json_scan.h"
#include "lambda_ctx.h"
#include "landlock_layer.h"
#include "seccomp_layer.h"
#include "shim.h"
#include "syscall_ops.h"

/*
 * ---- stand-ins for what event.c takes from the rest of the shim ----
 * (lib/init.c, seccomp_layer.c, landlock_layer.c, lambda_ctx.c,
 * syscall_ops.c, which interpose libc and cannot be linked into a fuzzer)
 */

struct shim_state shim;
atomic_bool shim_ready;
__thread int shim_busy;
struct layer_state seccomp_state = {.status = LAYER_ACTIVE};
struct layer_state notify_state = {.status = LAYER_UNAVAILABLE, .error = ENOSYS, .reason = "no"};
struct layer_state launcher_state;
struct landlock_state landlock_state;

static uint64_t fake_clock = 1;
static char request_id[LAMBDA_CTX_REQUEST_ID_MAX + 8];

uint64_t shim_now_mono(void)
{
	return fake_clock;
}

long shim_syscall(long nr, ...)
{
	/* event.c asks only for getpid and gettid, which take no arguments. */
	return syscall(nr);
}

void landlock_layer_json(struct json_line *jl, const char *name)
{
	json_line_obj_begin(jl, name);
	json_line_strz(jl, "status", "unavailable");
	json_line_obj_end(jl);
}

size_t lambda_ctx_request_id(char *buf, size_t size)
{
	size_t n = strnlen(request_id, size - 1);
	memcpy(buf, request_id, n);
	buf[n] = '\0';
	return n;
}

/* ---- input ---- */

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned take_u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned take_u16(struct input *in)
{
	unsigned lo = take_u8(in);
	return lo | take_u8(in) << 8;
}

static uint64_t take_u64(struct input *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | take_u8(in);
	return v;
}

/* Up to max bytes, the count from the input. */
static const char *take_bytes(struct input *in, size_t max, size_t *ret_len)
{
	size_t n = take_u16(in) % (max + 1);
	if (n > in->n)
		n = in->n;
	const char *s = (const char *)in->p;
	in->p += n;
	in->n -= n;
	*ret_len = n;
	return s;
}

/* A NUL-terminated copy of up to max input bytes (cut at an inner NUL). */
static char *take_string(struct input *in, size_t max)
{
	size_t n;
	const char *s = take_bytes(in, max, &n);
	char *c = strndup(s, n);
	FUZZ_CHECK(c, "out of memory");
	return c;
}

/* ---- what a reader must get back ---- */

/*
 * The decoded value of an escaped string: valid UTF-8 as it is, each
 * invalid byte as U+FFFD, or as the text \xNN with literal backslashes
 * doubled in hex mode. Cut at the first NUL, as cJSON's strings are.
 */
static char *expected_value(const void *value, size_t len, bool hex)
{
	const unsigned char *s = value;
	char *out = malloc(len * 4 + 1);
	size_t w = 0;

	FUZZ_CHECK(out, "out of memory");
	for (size_t i = 0; i < len;) {
		size_t k = fuzz_utf8_seq(s + i, len - i, NULL);
		if (k == 0) {
			w += (size_t)(hex ? sprintf(out + w, "\\x%02x", s[i])
					  : sprintf(out + w, "\xef\xbf\xbd"));
			i++;
			continue;
		}
		if (hex && s[i] == '\\')
			out[w++] = '\\';
		memcpy(out + w, s + i, k);
		w += k;
		i += k;
	}
	out[w] = '\0';
	return out;
}

/* A parsed string against the value it was made from. */
static void check_string(const char *got, const char *want, bool cut, const char *what)
{
	size_t g = strlen(got), n = strlen(want);

	if (!cut) {
		FUZZ_CHECK(strcmp(got, want) == 0, "%s reads back as '%s', not '%s'", what, got,
			   want);
		return;
	}
	if (g >= 3 && memcmp(got + g - 3, "\xe2\x80\xa6", 3) == 0) {
		g -= 3;
		FUZZ_CHECK(g <= n && memcmp(got, want, g) == 0,
			   "%s was cut to '%s', not a prefix of '%s'", what, got, want);
		return;
	}
	/* A NUL (\u0000) before the cut ends cJSON's copy before the "…". */
	FUZZ_CHECK(strcmp(got, want) == 0, "cut %s reads back as '%s' without '…'", what, got);
}

/*
 * json_scan() with "\u0000" allowed: valid JSON that the profile scanner
 * refuses on purpose (a profile has no use for NUL), and that an event
 * writes for a NUL byte in a target.
 */
static int strict_scan(const char *text, size_t len, struct json_scan *scan)
{
	static char copy[JSON_LINE_MAX];
	memcpy(copy, text, len);
	for (size_t i = 0; i + 1 < len; i++) {
		if (copy[i] != '\\')
			continue;
		if (copy[i + 1] == 'u' && i + 5 < len && memcmp(copy + i + 2, "0000", 4) == 0)
			copy[i + 5] = '1';
		i++; /* the escaped character */
	}
	return json_scan(copy, len, scan);
}

/* Everything a log line must be, whoever wrote it. Returns the parsed line. */
static cJSON *check_line(const char *line, size_t len)
{
	struct json_scan scan = {0};

	FUZZ_CHECK(len >= 3 && len <= JSON_LINE_MAX, "line of %zu bytes", len);
	FUZZ_CHECK(line[len - 1] == '\n', "line does not end in a newline");
	for (size_t i = 0; i + 1 < len;) {
		uint32_t cp;
		size_t k = fuzz_utf8_seq((const unsigned char *)line + i, len - 1 - i, &cp);
		FUZZ_CHECK(k, "invalid UTF-8 at byte %zu: %.*s", i, (int)len, line);
		FUZZ_CHECK(cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) &&
				   !(cp >= 0x2028 && cp <= 0x202e) &&
				   !(cp >= 0x2066 && cp <= 0x2069),
			   "raw U+%04X at byte %zu: %.*s", cp, i, (int)len, line);
		i += k;
	}
	int r = strict_scan(line, len - 1, &scan);
	FUZZ_CHECK(r == 0, "strict JSON scanner: %s at %zu: %.*s", scan.error ? scan.error : "?",
		   scan.error_offset, (int)len, line);
	json_scan_done(&scan);
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, false);
	FUZZ_CHECK(j && cJSON_IsObject(j), "cJSON cannot read: %.*s", (int)len, line);
	FUZZ_CHECK(end == line + len - 1 || end == line + len, "cJSON stopped early: %.*s",
		   (int)len, line);
	return j;
}

/* ---- driver 1: json_line against a model ---- */

#define CUT_FLAG (1 << 14) /* a model string that may come out cut; valuedouble: its cap */

struct frame {
	cJSON *node; /* NULL: a dropped container */
	bool array;
};

struct model {
	struct frame stack[256];
	size_t depth; /* frames, the outermost object included */
	size_t skip;  /* dropped containers still open */
	bool truncated, finished, hex;
};

static const char *const keys[] = {"a", "target", "key_with_underscores", "k"};
static const char *const fragments[] = {"0",
					"-1.5e3",
					"\"x\\u0041\"",
					"[]",
					"{}",
					"[1,{\"a\":[null,true]}]",
					"{\"b\":\"\\ud83d\\ude00\"}"};

/* The return code the model predicts for an addition, or 1 if space decides. */
static int predict_add(const struct model *m, bool with_key)
{
	if (m->finished)
		return -EINVAL;
	if (m->skip)
		return -ENOSPC;
	if (m->stack[m->depth - 1].array == with_key)
		return -EINVAL;
	return 1;
}

static void model_add(struct model *m, const char *key, cJSON *item)
{
	cJSON *top = m->stack[m->depth - 1].node;
	if (key)
		cJSON_AddItemToObject(top, key, item);
	else
		cJSON_AddItemToArray(top, item);
}

/* Strings of a raw fragment have no cap. */
static cJSON *uncapped(cJSON *item)
{
	if (cJSON_IsString(item))
		item->valuedouble = 1e30;
	for (cJSON *c = item->child; c; c = c->next)
		uncapped(c);
	return item;
}

static void expect_rc(int got, int want, const char *op)
{
	if (want == 1)
		FUZZ_CHECK(got == 0 || got == -ENOSPC, "%s: unexpected %d", op, got);
	else
		FUZZ_CHECK(got == want, "%s returned %d, the model says %d", op, got, want);
}

static void run_op(struct json_line *jl, struct model *m, struct input *in)
{
	unsigned op = take_u8(in), sel = take_u8(in);
	bool top_array = m->stack[m->depth - 1].array;
	/* Mostly the right form; sometimes the wrong one, which must be refused. */
	bool with_key = (sel & 0xc0) == 0xc0 ? top_array : !top_array;
	const char *key = with_key ? keys[sel % 4] : NULL;
	int want = predict_add(m, with_key), r;

	switch (op % 14) {
	case 0:
	case 1:
	case 2: {
		size_t len, cap = op % 14 == 1 ? take_u16(in) % 1200 : SIZE_MAX;
		const char *v = take_bytes(in, 6000, &len);
		r = op % 14 == 1 ? json_line_str_capped(jl, key, v, len, cap)
				 : json_line_str(jl, key, v, len);
		if (want == 1)
			FUZZ_CHECK(r == 0 || r == -ENOSPC || r == -ENOBUFS, "str: %d", r);
		else
			expect_rc(r, want, "str");
		if (r == 0 || r == -ENOBUFS) {
			char *e = expected_value(v, len, m->hex);
			cJSON *item = cJSON_CreateString(e);
			free(e);
			item->type |= r == -ENOBUFS ? CUT_FLAG : 0;
			item->valuedouble = (double)(cap < 3 ? 3 : cap);
			model_add(m, key, item);
		}
		break;
	}
	case 3: {
		uint64_t v = take_u64(in);
		r = json_line_u64(jl, key, v);
		expect_rc(r, want, "u64");
		if (r == 0)
			model_add(m, key, cJSON_CreateNumber((double)v));
		break;
	}
	case 4: {
		int64_t v = (int64_t)take_u64(in);
		r = json_line_i64(jl, key, v);
		expect_rc(r, want, "i64");
		if (r == 0)
			model_add(m, key, cJSON_CreateNumber((double)v));
		break;
	}
	case 5:
		r = json_line_bool(jl, key, sel & 1);
		expect_rc(r, want, "bool");
		if (r == 0)
			model_add(m, key, cJSON_CreateBool(sel & 1));
		break;
	case 6:
		r = sel & 1 ? json_line_null(jl, key) : json_line_strz(jl, key, NULL);
		expect_rc(r, want, "null");
		if (r == 0)
			model_add(m, key, cJSON_CreateNull());
		break;
	case 7: {
		const char *f = fragments[sel % (sizeof(fragments) / sizeof(fragments[0]))];
		r = json_line_raw(jl, key, f, strlen(f));
		expect_rc(r, want, "raw");
		if (r == 0)
			model_add(m, key, uncapped(cJSON_Parse(f)));
		break;
	}
	case 8:
	case 9: {
		bool array = op % 14 == 9;
		r = array ? json_line_arr_begin(jl, key) : json_line_obj_begin(jl, key);
		if (m->finished) {
			expect_rc(r, -EINVAL, "begin after finish");
			break;
		}
		if (want == 1 && m->depth >= JSON_LINE_DEPTH_MAX)
			want = -EINVAL;
		expect_rc(r, want, "begin");
		FUZZ_CHECK(m->depth < sizeof(m->stack) / sizeof(m->stack[0]), "model too deep");
		if (r == 0) {
			cJSON *c = array ? cJSON_CreateArray() : cJSON_CreateObject();
			model_add(m, key, c);
			m->stack[m->depth++] = (struct frame){c, array};
		} else {
			m->truncated = true;
			m->skip++;
			m->stack[m->depth++] = (struct frame){NULL, array};
		}
		break;
	}
	case 10:
	case 11: {
		bool array = op % 14 == 11;
		r = array ? json_line_arr_end(jl) : json_line_obj_end(jl);
		const struct frame *top = &m->stack[m->depth - 1];
		if (m->finished)
			want = -EINVAL;
		else if (m->skip)
			want = 0; /* a dropped container closes whatever it was */
		else
			want = m->depth > 1 && top->array == array ? 0 : -EINVAL;
		expect_rc(r, want, "end");
		if (r == 0) {
			if (m->skip)
				m->skip--;
			m->depth--;
		}
		break;
	}
	case 12:
		json_line_reserve(jl, take_u16(in) % 5000);
		return;
	case 13: {
		size_t len1, len2;
		FUZZ_CHECK(json_line_finish(jl, &len1) == 0, "finish failed");
		FUZZ_CHECK(json_line_finish(jl, &len2) == 0 && len1 == len2,
			   "a second finish changed the line");
		m->finished = true;
		return;
	}
	}
	if (r == -ENOSPC || r == -ENOBUFS)
		m->truncated = true;
}

/* Walks the model and the parsed line together, in document order. */
static void compare(const cJSON *want, const cJSON *got, const struct json_scan *scan, size_t *idx)
{
	size_t me = (*idx)++;
	FUZZ_CHECK(me < scan->n_values, "more values than the scanner saw");
	if (want->type & CUT_FLAG) {
		FUZZ_CHECK(cJSON_IsString(got), "a string came out as another type");
		check_string(got->valuestring, want->valuestring, true, "cut string");
		FUZZ_CHECK((double)(scan->values[me].length - 2) <= want->valuedouble,
			   "cut string takes %u bytes, over its cap %.0f",
			   scan->values[me].length - 2, want->valuedouble);
		return;
	}
	FUZZ_CHECK((want->type & 0xff) == (got->type & 0xff), "type %d where the model has %d",
		   got->type & 0xff, want->type & 0xff);
	if (cJSON_IsString(want)) {
		check_string(got->valuestring, want->valuestring, false, "string");
		FUZZ_CHECK((double)(scan->values[me].length - 2) <= want->valuedouble,
			   "string over its cap");
	} else if (cJSON_IsNumber(want)) {
		FUZZ_CHECK(want->valuedouble == got->valuedouble, "number %.17g, not %.17g",
			   got->valuedouble, want->valuedouble);
	}
	const cJSON *w = want->child, *g = got->child;
	for (; w && g; w = w->next, g = g->next) {
		if (w->string)
			FUZZ_CHECK(g->string && strcmp(w->string, g->string) == 0,
				   "member '%s' where the model has '%s'",
				   g->string ? g->string : "", w->string);
		compare(w, g, scan, idx);
	}
	FUZZ_CHECK(!w && !g, "%s member", w ? "missing" : "extra");
}

static void drive_json_line(struct input *in, bool hex)
{
	static struct json_line jl;
	struct model m = {.depth = 1, .hex = hex};
	struct json_scan scan = {0};
	size_t len;

	json_line_begin(&jl, hex ? JSON_LINE_INVALID_HEX : JSON_LINE_INVALID_FFFD);
	m.stack[0] = (struct frame){cJSON_CreateObject(), false};
	for (int ops = 0; in->n && ops < 200; ops++)
		run_op(&jl, &m, in);
	json_line_finish(&jl, &len);

	cJSON *got = check_line(jl.buf, len);
	cJSON *trunc = cJSON_GetObjectItemCaseSensitive(got, "truncated");
	if (m.truncated) {
		FUZZ_CHECK(trunc == cJSON_GetArrayItem(got, cJSON_GetArraySize(got) - 1) &&
				   cJSON_IsTrue(trunc),
			   "something was cut but the line does not end with truncated:true: %.*s",
			   (int)len, jl.buf);
		cJSON_DetachItemViaPointer(got, trunc);
		cJSON_Delete(trunc);
	} else {
		FUZZ_CHECK(!trunc, "truncated without a cut: %.*s", (int)len, jl.buf);
	}
	FUZZ_CHECK(strict_scan(jl.buf, len - 1, &scan) == 0, "scanner");
	size_t idx = 0;
	compare(m.stack[0].node, got, &scan, &idx);
	json_scan_done(&scan);
	cJSON_Delete(got);
	cJSON_Delete(m.stack[0].node);
}

/* ---- driver 2: event_emit ---- */

static int log_fd = -1;

/* Checks everything written to the log since the last call, then empties it. */
static void check_log(const struct shim_event *ev, const char *op)
{
	static char buf[1 << 20];
	off_t end = lseek(log_fd, 0, SEEK_CUR);
	FUZZ_CHECK(end >= 0 && (size_t)end <= sizeof(buf), "log of %lld bytes", (long long)end);
	FUZZ_CHECK(pread(log_fd, buf, (size_t)end, 0) == end, "cannot read the log back");
	for (size_t i = 0; i < (size_t)end;) {
		const char *nl = memchr(buf + i, '\n', (size_t)end - i);
		FUZZ_CHECK(nl, "the log ends without a newline");
		size_t n = (size_t)(nl - (buf + i)) + 1;
		cJSON *j = check_line(buf + i, n);
		const char *type =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "type"));
		FUZZ_CHECK(type, "a line without a type");
		FUZZ_CHECK(
			strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "logger"))
				       ?: "",
			       "fnguard") == 0,
			"a line without logger fnguard");
		if (ev && strcmp(type, ev->type) == 0) {
			bool cut = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "truncated"));
			char *want = expected_value(ev->target, ev->target_len, false);
			const char *got =
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "target"));
			FUZZ_CHECK(got || cut, "an event without its target");
			if (got)
				check_string(got, want, cut, "target");
			free(want);
			want = expected_value(op, strlen(op), false);
			got = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "op"));
			FUZZ_CHECK(got, "an event without its op");
			check_string(got, want, cut, "op");
			free(want);
		}
		cJSON_Delete(j);
		i += n;
	}
	FUZZ_CHECK(ftruncate(log_fd, 0) == 0 && lseek(log_fd, 0, SEEK_SET) == 0, "log reset");
}

static void drive_event(struct input *in)
{
	static const char *const types[] = {"violation", "learn", "coverage"};
	static const char *const accesses[] = {NULL, "r", "rw", "wc", "rwcd"};
	static const char *const protos[] = {NULL, "tcp", "udp"};
	unsigned flags = take_u8(in);
	struct shim_event ev = {0};
	ev.type = types[take_u8(in) % 3];
	ev.category = (enum policy_category)(take_u8(in) % POLICY_CATEGORY_MAX);
	ev.access = accesses[take_u8(in) % 5];
	ev.proto = protos[take_u8(in) % 3];
	ev.action = (enum event_action)(take_u8(in) % 4);
	char *op = take_string(in, 64), *rule = NULL, *detail = NULL, *argv[72] = {0};
	char *function = take_string(in, sizeof(shim.function) - 1);
	char *exe = take_string(in, 300), *trace = take_string(in, 400);
	char *id = take_string(in, sizeof(request_id) - 1);

	snprintf(shim.function, sizeof(shim.function), "%s", function);
	snprintf(shim.exe, sizeof(shim.exe), "%s", exe);
	snprintf(request_id, sizeof(request_id), "%s", id);
	if (*trace)
		setenv("_X_AMZN_TRACE_ID", trace, 1);
	else
		unsetenv("_X_AMZN_TRACE_ID");
	shim.action[ev.category] = (enum policy_mode)((flags & 3) % 3);
	ev.op = op;
	if (flags & 0x08)
		ev.rule = rule = take_string(in, 800);
	if (flags & 0x10)
		ev.detail = detail = take_string(in, 800);
	if (flags & 0x20)
		ev.tip = event_tip_file;
	if (flags & 0x40) {
		size_t n = take_u8(in) % 71;
		for (size_t i = 0; i < n; i++)
			argv[i] = take_string(in, 400);
		ev.argv = argv;
	}
	/* The target last: the rest of the input, NUL bytes and all. */
	ev.target = (const char *)in->p;
	ev.target_len = in->n;
	fake_clock += (uint64_t)(flags & 0x80 ? 61 : 1) * 1000000000ull;

	event_emit(&ev);
	check_log(&ev, op);
	if (flags & 0x04) {
		/* The other writers, with the same strings in other places. */
		unsigned more = take_u8(in);
		if (more & 1)
			event_error("fuzz", more & 2 ? detail : op, -(int)more);
		snprintf(shim.profile_path, sizeof(shim.profile_path), "%s", exe);
		snprintf(shim.profile_name, sizeof(shim.profile_name), "%s", function);
		snprintf(shim.profile_hash, sizeof(shim.profile_hash), "%s", id);
		shim.have_profile = more & 4;
		shim.mode = (enum policy_mode)((more >> 3) % 3);
		seccomp_state.status = more & 0x20 ? LAYER_ACTIVE : LAYER_UNAVAILABLE;
		seccomp_state.error = more & 0x40 ? EPERM : 0;
		seccomp_state.reason = more & 0x80 ? "refused" : NULL;
		unsigned launcher = take_u8(in);
		launcher_state.status = (enum layer_status)(launcher % 3);
		launcher_state.error = launcher & 4 ? ENOMEM : 0;
		launcher_state.reason = launcher & 8 ? "not started" : NULL;
		if (more & 2)
			event_start();
		check_log(NULL, NULL);
	}
	if ((flags & 0x87) == 0x87) {
		event_flush_suppressed();
		check_log(NULL, NULL);
	}
	free(op);
	free(rule);
	free(detail);
	free(function);
	free(exe);
	free(trace);
	free(id);
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_fd = memfd_create("fnguard-fuzz-log", MFD_CLOEXEC);
	FUZZ_CHECK(log_fd >= 0, "memfd_create failed");
	atomic_store(&shim.log_fd, log_fd);
	snprintf(shim.version, sizeof(shim.version), "$LATEST");
	event_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	unsigned mode = take_u8(&in);

	if (mode & 1)
		drive_event(&in);
	else
		drive_json_line(&in, mode & 2);
	return 0;
}
