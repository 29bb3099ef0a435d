// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_log.h"
#include "profile.h"
#include "util.h"

/* How deep "message" wrappers may nest (a wrapper of a wrapper of an event). */
#define MAX_WRAP 3
/* How many '{' of one line are tried as the start of its JSON. */
#define MAX_STARTS 8
/*
 * The shortest cut file name learned from (below it, everything): the shim
 * cuts a name only when it fills the 4 KB line (escaped, at worst six
 * bytes a character).
 */
#define CUT_TARGET_MIN 256

/* The ellipsis a cut value ends with (U+2026). */
static const char ellipsis[] = "\xe2\x80\xa6";

static inline void cjson_deletep(cJSON **j)
{
	cJSON_Delete(*j);
}
#define _cleanup_cjson_ _cleanup_(cjson_deletep)

struct parse_ctx {
	learn_log_fn fn;
	void *userdata;
	struct learn_log_stats *stats;
};

static const char *str_member(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

static bool ends_with_ellipsis(const char *s)
{
	size_t n = strlen(s);
	return n >= 3 && memcmp(s + n - 3, ellipsis, 3) == 0;
}

static int emit(struct parse_ctx *c, const struct learn_obs *obs, const struct learn_log_event *ev)
{
	if (!c->fn)
		return 0; /* only counting */
	int r = c->fn(obs, ev, c->userdata);
	if (r == -EINVAL) {
		c->stats->unusable++;
		return 0;
	}
	if (r == 0 && obs->phase == LEARNER_PHASE_INVOKE)
		c->stats->invoke++;
	return r;
}

/* ---- targets ---------------------------------------------------------------- */

static bool parse_port(const char *s, size_t n, int *ret)
{
	int v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return false;
	*ret = v;
	return true;
}

int learn_log_parse_net_target(const char *target, struct learn_obs *o, char *buf, size_t size)
{
	size_t len = strlen(target);
	o->port = NET_PORT_ANY;
	if (len == 0 || len >= size)
		return -EINVAL;
	if (target[0] == '/' || target[0] == '@') {
		o->kind = LEARN_OBS_UNIX;
		memcpy(buf, target, len + 1);
		o->name = buf;
		return 0;
	}
	/* "name:port (ip)": the name is what the rule says; the address was the resolver's. */
	const char *paren = strstr(target, " (");
	if (paren && target[len - 1] == ')')
		len = (size_t)(paren - target);
	if (target[0] == '[') {
		const char *close = memchr(target, ']', len);
		struct in6_addr a6;
		size_t alen = close ? (size_t)(close - target - 1) : 0;
		if (!close || alen == 0 || alen >= size)
			return -EINVAL;
		memcpy(buf, target + 1, alen);
		buf[alen] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -EINVAL;
		size_t rest = len - (size_t)(close + 1 - target);
		if (rest && (close[1] != ':' || !parse_port(close + 2, rest - 1, &o->port)))
			return -EINVAL;
		o->kind = LEARN_OBS_IP;
		o->family = AF_INET6;
		memcpy(o->addr, &a6, 16);
		return 0;
	}
	/* An IPv6 address without brackets has no port. */
	const char *colon = memrchr(target, ':', len);
	if (colon && memchr(target, ':', (size_t)(colon - target)))
		colon = NULL;
	size_t hlen = colon ? (size_t)(colon - target) : len;
	if (colon && !parse_port(colon + 1, len - hlen - 1, &o->port))
		return -EINVAL;
	if (hlen == 0)
		return -EINVAL;
	memcpy(buf, target, hlen);
	buf[hlen] = '\0';
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		o->kind = LEARN_OBS_IP;
		o->family = AF_INET;
		memcpy(o->addr, &a4, 4);
	} else if (!colon && inet_pton(AF_INET6, buf, &a6) == 1) {
		o->kind = LEARN_OBS_IP;
		o->family = AF_INET6;
		memcpy(o->addr, &a6, 16);
	} else {
		o->kind = LEARN_OBS_HOST;
		o->name = buf;
	}
	return 0;
}

static enum net_proto proto_of(const char *s)
{
	if (s && strcmp(s, "tcp") == 0)
		return NET_PROTO_TCP;
	if (s && strcmp(s, "udp") == 0)
		return NET_PROTO_UDP;
	return NET_PROTO_ANY;
}

static bool inbound_op(const char *op)
{
	static const char *const ops[] = {"bind", "listen", "accept", "accept4", NULL};
	for (size_t i = 0; op && ops[i]; i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

/*
 * A string array as a NULL-terminated argv. *ret_cut: an element was cut
 * (truncated, it ends with "…") or is a tip's "**" (the rest was too long to
 * spell out). Caller frees.
 */
static char **argv_of(const cJSON *arr, bool truncated, bool *ret_cut)
{
	int n = cJSON_GetArraySize(arr);
	char **argv = calloc((size_t)n + 2, sizeof(char *));
	size_t k = 0;
	*ret_cut = false;
	if (!argv)
		return NULL;
	for (const cJSON *c = arr->child; c; c = c->next) {
		if (!cJSON_IsString(c))
			continue;
		if ((truncated && ends_with_ellipsis(c->valuestring)) ||
		    strcmp(c->valuestring, "**") == 0)
			*ret_cut = true;
		argv[k++] = c->valuestring;
	}
	return argv;
}

/* ---- learn events ------------------------------------------------------------ */

static int learn_from_fields(struct parse_ctx *c, const cJSON *ev, const char *category,
			     struct learn_obs *o, struct learn_log_event *info)
{
	const char *target = str_member(ev, "target");
	/* "…" ends a cut field only in a line the shim marked cut: a real name may end so. */
	bool truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "truncated"));
	char buf[4200];

	if (!target) {
		c->stats->unusable++;
		return 0;
	}
	if (strcmp(category, "file") == 0) {
		const char *access = str_member(ev, "access");
		uint8_t rights = POLICY_RIGHT_READ;
		size_t off;
		const char *msg;
		if (access && rights_parse(access, &rights, &off, &msg) < 0) {
			c->stats->unusable++;
			return 0;
		}
		o->kind = LEARN_OBS_FILE;
		o->rights = rights;
		o->name = target;
		if (truncated && ends_with_ellipsis(target)) {
			/*
			 * Too long for the line: everything below what is left of
			 * it. The shim cuts only what fills the line: a short
			 * prefix ("/…", a forged line's) would be a wide pattern.
			 */
			size_t n = strlen(target) - 3;
			if (n < CUT_TARGET_MIN || n + 5 > sizeof(buf)) {
				c->stats->unusable++;
				return 0;
			}
			snprintf(buf, sizeof(buf), "%.*s*/**", (int)n, target);
			o->name = buf;
			o->pattern = true;
			c->stats->truncated++;
		}
		return emit(c, o, info);
	}
	if (strcmp(category, "network") == 0) {
		if ((truncated && ends_with_ellipsis(target)) ||
		    learn_log_parse_net_target(target, o, buf, sizeof(buf)) < 0) {
			c->stats->unusable++;
			return 0;
		}
		o->proto = proto_of(str_member(ev, "proto"));
		o->inbound = inbound_op(info->op);
		return emit(c, o, info);
	}
	if (strcmp(category, "exec") == 0) {
		const cJSON *argv = cJSON_GetObjectItemCaseSensitive(ev, "argv");
		bool cut = false;
		/* No list: a rule without one would run the program with any arguments. */
		if ((truncated && ends_with_ellipsis(target)) || !cJSON_IsArray(argv)) {
			c->stats->unusable++;
			return 0;
		}
		o->kind = LEARN_OBS_EXEC;
		o->name = target;
		_cleanup_free_ char **args =
			cJSON_IsArray(argv) ? argv_of(argv, truncated, &cut) : NULL;
		if (cJSON_IsArray(argv) && !args)
			return -ENOMEM;
		/*
		 * A cut argument list says nothing of what followed the cut: "the
		 * rest is anything" would allow any command after "sh -c".
		 * Not learned; counted.
		 */
		if (cut) {
			c->stats->unusable++;
			return 0;
		}
		o->argv = args;
		return emit(c, o, info);
	}
	if (strcmp(category, "syscall") == 0 && info->op) {
		o->kind = LEARN_OBS_SYSCALL;
		o->name = info->op;
		return emit(c, o, info);
	}
	c->stats->unusable++;
	return 0;
}

/* Observations from a violation's "tip": the fragment that allows it. */
static int learn_from_tip(struct parse_ctx *c, const cJSON *tip, const cJSON *ev,
			  struct learn_obs base, struct learn_log_event *info)
{
	const cJSON *rule;
	int r = 0;

	info->from_tip = true;
	cJSON_ArrayForEach (rule, cJSON_GetObjectItemCaseSensitive(tip, "files")) {
		struct learn_obs o = base;
		const char *path = str_member(rule, "path"), *allow = str_member(rule, "allow");
		uint8_t rights;
		size_t off;
		const char *msg;
		if (!path || !allow || rights_parse(allow, &rights, &off, &msg) < 0) {
			c->stats->unusable++;
			continue;
		}
		o.kind = LEARN_OBS_FILE;
		o.name = path;
		o.rights = rights;
		if ((r = emit(c, &o, info)) < 0)
			return r;
	}
	cJSON_ArrayForEach (rule, cJSON_GetObjectItemCaseSensitive(tip, "network")) {
		struct learn_obs o = base;
		const char *host = str_member(rule, "host"), *cidr = str_member(rule, "cidr");
		const char *unixp = str_member(rule, "unix");
		const cJSON *ports = cJSON_GetObjectItemCaseSensitive(rule, "ports");
		const cJSON *port = cJSON_IsArray(ports) ? ports->child : NULL;
		struct in6_addr a;
		o.port = NET_PORT_ANY;
		if (port && cJSON_IsNumber(port) && port->valuedouble >= 0 &&
		    port->valuedouble <= 65535)
			o.port = (int)port->valuedouble;
		/* The tip leaves tcp out (it allows any protocol); the event says which it was. */
		o.proto = proto_of(str_member(rule, "proto"));
		if (o.proto == NET_PROTO_ANY)
			o.proto = proto_of(str_member(ev, "proto"));
		o.inbound = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rule, "inbound"));
		if (host) {
			o.kind = LEARN_OBS_HOST;
			o.name = host;
		} else if (cidr && inet_pton(AF_INET, cidr, &a) == 1) {
			o.kind = LEARN_OBS_IP;
			o.family = AF_INET;
			memcpy(o.addr, &a, 4);
		} else if (cidr && inet_pton(AF_INET6, cidr, &a) == 1) {
			o.kind = LEARN_OBS_IP;
			o.family = AF_INET6;
			memcpy(o.addr, &a, 16);
		} else if (unixp) {
			o.kind = LEARN_OBS_UNIX;
			o.name = unixp;
		} else {
			c->stats->unusable++;
			continue;
		}
		if ((r = emit(c, &o, info)) < 0)
			return r;
	}
	cJSON_ArrayForEach (rule, cJSON_GetObjectItemCaseSensitive(tip, "exec")) {
		struct learn_obs o = base;
		const cJSON *argv = cJSON_GetObjectItemCaseSensitive(rule, "argv");
		bool cut = false;
		o.kind = LEARN_OBS_EXEC;
		o.name = str_member(rule, "path");
		/* The shim's exec tips always name the arguments: none would allow any. */
		if (!o.name || !cJSON_IsArray(argv)) {
			c->stats->unusable++;
			continue;
		}
		_cleanup_free_ char **args =
			cJSON_IsArray(argv) ? argv_of(argv, false, &cut) : NULL;
		if (cJSON_IsArray(argv) && !args)
			return -ENOMEM;
		/* "**": the rest was too long for the tip, which says nothing of it. */
		if (cut) {
			c->stats->unusable++;
			continue;
		}
		o.argv = args;
		if ((r = emit(c, &o, info)) < 0)
			return r;
	}
	const cJSON *name;
	cJSON_ArrayForEach (name, cJSON_GetObjectItemCaseSensitive(tip, "syscalls")) {
		struct learn_obs o = base;
		if (!cJSON_IsString(name))
			continue;
		o.kind = LEARN_OBS_SYSCALL;
		o.name = name->valuestring;
		if ((r = emit(c, &o, info)) < 0)
			return r;
	}
	return 0;
}

/*
 * The name becomes the learned profile's name: only what Lambda allows in
 * one (letters, digits, '-', '_'; 64 at most), so that any bytes a log
 * line carries there cannot make a profile that does not read back.
 */
static bool lambda_function_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
	return n > 0 && n <= 64 && s[n] == '\0';
}

static int handle_event(struct parse_ctx *c, const cJSON *ev)
{
	const char *type = str_member(ev, "type");
	const char *category = str_member(ev, "category");
	const char *request = str_member(ev, "requestId");
	const char *function = str_member(ev, "function");
	struct learn_obs o = {.port = NET_PORT_ANY};
	struct learn_log_event info = {.type = type, .op = str_member(ev, "op")};

	c->stats->events++;
	if (function && !c->stats->function[0] && lambda_function_name(function))
		snprintf(c->stats->function, sizeof(c->stats->function), "%s", function);
	if (!type)
		return 0;
	if (strcmp(type, "suppressed") == 0) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(ev, "suppressed");
		/* Any number can stand there (1e300): saturate, a cast would overflow. */
		if (cJSON_IsNumber(n) && n->valuedouble > 0) {
			size_t add = n->valuedouble < 1e18 ? (size_t)n->valuedouble : SIZE_MAX;
			c->stats->suppressed = add < SIZE_MAX - c->stats->suppressed
						       ? c->stats->suppressed + add
						       : SIZE_MAX;
		}
		return 0;
	}
	bool violation = strcmp(type, "violation") == 0;
	if (!violation && strcmp(type, "learn") != 0)
		return 0;
	if (violation)
		c->stats->violations++;
	else
		c->stats->learn++;
	if (!category)
		return 0;
	o.phase = request && *request ? LEARNER_PHASE_INVOKE : LEARNER_PHASE_INIT;
	bool truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "truncated"));
	if (truncated)
		c->stats->truncated++;
	const cJSON *tip = cJSON_GetObjectItemCaseSensitive(ev, "tip");
	if (violation && cJSON_IsObject(tip))
		return learn_from_tip(c, tip, ev, o, &info);
	/* A cut line may have lost its tip: no reason to read it as an explicit deny. */
	if (violation && truncated)
		return 0;
	/*
	 * No tip: an explicit deny decided. For a system call, no list entry
	 * allows it (the dangerous set, a netlink socket...: learning socket
	 * from one would grant AF_INET unseen), except in events written
	 * before they had tips, whose rule was always "not in the profile's
	 * syscalls".
	 */
	const char *rule = str_member(ev, "rule");
	bool untipped_unlisted = strcmp(category, "syscall") == 0 && rule &&
				 strcmp(rule, "not in the profile's syscalls") == 0;
	if (violation && !untipped_unlisted) {
		c->stats->denied++;
		info.explicit_deny = true;
	}
	return learn_from_fields(c, ev, category, &o, &info);
}

/* ---- forms --------------------------------------------------------------------- */

static int parse_text_line(struct parse_ctx *c, const char *line, size_t len, int depth);

static bool is_fnguard_event(const cJSON *obj)
{
	const char *logger = str_member(obj, "logger");
	return logger && strcmp(logger, "fnguard") == 0 && str_member(obj, "type");
}

/* An object that is an event, or wraps one in "message"/"@message". */
static int handle_object(struct parse_ctx *c, const cJSON *obj, int depth)
{
	if (!cJSON_IsObject(obj))
		return 0;
	if (is_fnguard_event(obj))
		return handle_event(c, obj);
	if (depth >= MAX_WRAP)
		return 0;
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(obj, "message");
	if (!msg)
		msg = cJSON_GetObjectItemCaseSensitive(obj, "@message");
	if (cJSON_IsString(msg))
		return parse_text_line(c, msg->valuestring, strlen(msg->valuestring), depth + 1);
	/* Lambda's JSON log format keeps a JSON message as an object. */
	if (cJSON_IsObject(msg))
		return handle_object(c, msg, depth + 1);
	return 0;
}

/* Undoes CSV quoting of the field that starts at the '"' at q. Caller frees. */
static char *csv_field(const char *q, const char *end)
{
	char *out = malloc((size_t)(end - q) + 1);
	size_t n = 0;
	if (!out)
		return NULL;
	for (const char *p = q + 1; p < end; p++) {
		if (*p == '"') {
			if (p + 1 < end && p[1] == '"') {
				out[n++] = '"';
				p++;
				continue;
			}
			break;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

static bool only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

/* A level word as loggers print it: INFO, [WARN], ... */
static bool level_word(const char *s, size_t n)
{
	static const char *const levels[] = {"TRACE",	"DEBUG", "INFO",  "WARN",
					     "WARNING", "ERROR", "FATAL", "CRITICAL"};
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strlen(levels[i]) == n && memcmp(levels[i], s, n) == 0)
			return true;
	return false;
}

static bool separator(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

static bool stamp_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == ':' || c == '.' || c == '-' || c == '+' || c == 'T' || c == 'Z';
}

/*
 * What may stand before an event on a line: nothing, or a few timestamps,
 * request ids and level words (Lambda's text format, a logger's, an
 * Insights CSV row), separated by blanks or commas. Not free text: a
 * function that logs a request body ("received: {...}") must not have a
 * forged event in it read as fnguard's. The n bytes at line are no C
 * string: every scan stops at n.
 */
/* The analyzer loses that line[0..n) is the caller's initialised input. */
// NOLINTBEGIN(clang-analyzer-core.CallAndMessage)
static bool event_prefix(const char *line, size_t n)
{
	size_t i = 0;
	int tokens = 0;
	while (i < n) {
		if (separator(line[i])) {
			i++;
			continue;
		}
		size_t start = i;
		bool stamp = true;
		for (; i < n && !separator(line[i]); i++)
			stamp = stamp && stamp_char(line[i]);
		if (i == n && i - start == 1 && line[start] == '"')
			break; /* the CSV field's opening quote */
		if (++tokens > 4 || (!stamp && !level_word(line + start, i - start)))
			return false;
	}
	return true;
}
// NOLINTEND(clang-analyzer-core.CallAndMessage)

/* Finds the JSON object in a line (after a prefix event_prefix accepts) and handles it. */
static int parse_text_line(struct parse_ctx *c, const char *line, size_t len, int depth)
{
	const char *end = line + len;
	const char *p = line;

	if (depth == 0)
		c->stats->lines++;
	for (int tries = 0; tries < MAX_STARTS; tries++) {
		p = memchr(p, '{', (size_t)(end - p));
		if (!p || !event_prefix(line, (size_t)(p - line)))
			return 0;
		if (p > line && p[-1] == '"' && p + 2 < end && p[1] == '"' && p[2] == '"') {
			/* A CSV field: {""timestamp"":...} */
			_cleanup_free_ char *field = csv_field(p - 1, end);
			if (!field)
				return -ENOMEM;
			if (depth < MAX_WRAP)
				return parse_text_line(c, field, strlen(field), depth + 1);
			return 0;
		} else {
			const char *stop = NULL;
			_cleanup_cjson_ cJSON *obj =
				cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &stop, false);
			if (obj && stop && only_space(stop, end))
				return handle_object(c, obj, depth);
		}
		p++;
	}
	return 0;
}

int learn_log_parse_line(const char *line, size_t len, learn_log_fn fn, void *userdata,
			 struct learn_log_stats *stats)
{
	struct learn_log_stats dummy = {0};
	struct parse_ctx c = {.fn = fn, .userdata = userdata, .stats = stats ? stats : &dummy};
	return parse_text_line(&c, line, len, 0);
}

/* A whole-document export: {"events": [...]} or [...] of wrappers. -ENOENT if it is not one. */
static int parse_document(struct parse_ctx *c, const char *text, size_t len)
{
	const char *stop = NULL;
	_cleanup_cjson_ cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &stop, false);
	const cJSON *items, *it;
	int r;

	if (!doc || !stop || !only_space(stop, text + len))
		return -ENOENT;
	if (cJSON_IsObject(doc) && !is_fnguard_event(doc) &&
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "events")))
		items = cJSON_GetObjectItemCaseSensitive(doc, "events");
	else if (cJSON_IsArray(doc))
		items = doc;
	else {
		/* One object, perhaps pretty-printed over several lines. */
		c->stats->lines++;
		return handle_object(c, doc, 0);
	}
	cJSON_ArrayForEach (it, items) {
		c->stats->lines++;
		if ((r = handle_object(c, it, 0)) < 0)
			return r;
	}
	return 0;
}

int learn_log_parse(const char *text, size_t len, learn_log_fn fn, void *userdata,
		    struct learn_log_stats *stats)
{
	struct learn_log_stats dummy = {0};
	struct parse_ctx c = {.fn = fn, .userdata = userdata, .stats = stats ? stats : &dummy};
	const char *p = text, *end = text + len;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p < end && (*p == '[' || *p == '{')) {
		int r = parse_document(&c, p, (size_t)(end - p));
		if (r != -ENOENT)
			return r;
	}
	for (p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r = parse_text_line(&c, p, n, 0);
		if (r < 0)
			return r;
		p += n + 1;
	}
	return 0;
}
