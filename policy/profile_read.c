// SPDX-License-Identifier: MIT
/*
 * Profile reader: JSON text → struct profile, strictly.
 *
 * json_scan validates the text first (strict RFC 8259, positions of every
 * value); cJSON then builds the tree, and a pre-order walk pairs each cJSON
 * node with its scanned position so that every diagnostic names
 * file:line:col and the JSON path. The reader keeps going after an error to
 * report everything it can, but returns no profile unless there were none.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "glob_trie.h"
#include "json_scan.h"
#include "profile.h"
#include "syscall_table.h"
#include "util.h"

static void cjson_deletep(cJSON **p)
{
	if (*p)
		cJSON_Delete(*p);
}
#define _cleanup_cjson_ _cleanup_(cjson_deletep)

struct node_pos {
	const cJSON *node;
	size_t index;
};

struct reader {
	uint32_t *line_starts; /* offset of each line's first byte */
	size_t n_lines;
	/* The last position computed: rules come in text order, so columns on a
	 * long (minified) line are counted on from here, not from the line's start. */
	size_t lc_offset;
	unsigned lc_line, lc_col;
	const char *file;
	const char *text;
	size_t len;
	struct json_scan scan;
	struct node_pos *pos; /* sorted by node pointer */
	size_t n_pos;
	struct diag_list *diags;
	unsigned errors;
	struct profile *p;
	const char *source; /* interned file name */
	const struct policy_load_opts *opts;
};

/* ---- positions ---------------------------------------------------------- */

static int index_lines(struct reader *r)
{
	size_t n = 1;
	for (size_t i = 0; i < r->len; i++)
		n += r->text[i] == '\n';
	r->line_starts = malloc(n * sizeof(*r->line_starts));
	if (!r->line_starts)
		return -ENOMEM;
	r->line_starts[0] = 0;
	r->n_lines = 1;
	for (size_t i = 0; i < r->len; i++)
		if (r->text[i] == '\n')
			r->line_starts[r->n_lines++] = (uint32_t)(i + 1);
	return 0;
}

/* Line and column (code points) of an offset: a binary search, then a short count. */
static void line_col(struct reader *r, size_t offset, unsigned *ret_line, unsigned *ret_col)
{
	size_t lo = 0, hi = r->n_lines;
	if (offset > r->len)
		offset = r->len;
	if (r->lc_line && offset >= r->lc_offset &&
	    (r->lc_line == r->n_lines || offset < r->line_starts[r->lc_line])) {
		unsigned col = r->lc_col;
		for (size_t i = r->lc_offset; i < offset; i++)
			col += ((unsigned char)r->text[i] & 0xc0) != 0x80;
		r->lc_offset = offset;
		r->lc_col = col;
		*ret_line = r->lc_line;
		*ret_col = col;
		return;
	}
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (r->line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	unsigned col = 1;
	for (size_t i = r->line_starts[lo]; i < offset; i++)
		col += ((unsigned char)r->text[i] & 0xc0) != 0x80;
	r->lc_offset = offset;
	r->lc_line = (unsigned)lo + 1;
	r->lc_col = col;
	*ret_line = (unsigned)lo + 1;
	*ret_col = col;
}

static int collect_nodes(const cJSON *node, struct node_pos *out, size_t *n, size_t max)
{
	if (*n >= max)
		return -EINVAL;
	out[*n].node = node;
	out[*n].index = *n;
	(*n)++;
	for (const cJSON *c = node->child; c; c = c->next) {
		int r = collect_nodes(c, out, n, max);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_node_pos(const void *a, const void *b)
{
	const struct node_pos *x = a, *y = b;
	return (x->node > y->node) - (x->node < y->node);
}

static const struct json_scan_value *node_value(const struct reader *r, const cJSON *node)
{
	struct node_pos key = {.node = node};
	const struct node_pos *hit = bsearch(&key, r->pos, r->n_pos, sizeof(key), cmp_node_pos);
	return hit ? &r->scan.values[hit->index] : NULL;
}

/*
 * Offset of a node's value (at_key: of its member name); in_string >= 0 points
 * at that byte of a string value's text instead.
 */
static size_t node_offset(const struct reader *r, const cJSON *node, bool at_key, long in_string)
{
	const struct json_scan_value *v = node ? node_value(r, node) : NULL;
	if (!v)
		return 0;
	if (at_key && v->key_offset != UINT32_MAX)
		return v->key_offset;
	/* Point inside a string only where no escape sequence shifts the offsets. */
	if (in_string >= 0 && cJSON_IsString(node)) {
		const char *raw = r->text + v->offset + 1;
		if (!memchr(raw, '\\', v->length > 1 ? v->length - 1 : 0))
			return v->offset + 1 + (size_t)in_string;
	}
	return v->offset;
}

__attribute__((format(printf, 6, 7))) static void error_at(struct reader *r, const cJSON *node,
							   bool at_key, long in_string,
							   const char *jpath, const char *fmt, ...)
{
	char msg[768];
	unsigned line = 0, col = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (node) {
		size_t off = node_offset(r, node, at_key, in_string);
		line_col(r, off, &line, &col);
	}
	diag_add(r->diags, r->file, line, col, jpath, "%s", msg);
	r->errors++;
}

/* ---- small helpers ------------------------------------------------------- */

/*
 * "parent.key" or "parent[index]", built for every value whether or not it
 * has an error, so plain copies rather than snprintf (this is on the shim's
 * start-up path). Cut at the buffer's end.
 */
static void path_join(char *buf, size_t size, const char *parent, const char *key, long index)
{
	size_t n = 0;
	char digits[24];
	size_t nd = 0;

	for (; *parent && n + 1 < size && n < 400; parent++)
		buf[n++] = *parent;
	if (index >= 0) {
		unsigned long v = (unsigned long)index;
		do
			digits[nd++] = (char)('0' + v % 10);
		while ((v /= 10) && nd < sizeof(digits));
		if (n + nd + 3 <= size) {
			buf[n++] = '[';
			while (nd)
				buf[n++] = digits[--nd];
			buf[n++] = ']';
		}
	} else {
		if (n && n + 1 < size)
			buf[n++] = '.';
		for (; key && *key && n + 1 < size; key++)
			buf[n++] = *key;
	}
	buf[n] = '\0';
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];
	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* The closest word within distance 2, or NULL. */
static const char *suggest(const char *word, const char *const *choices)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; choices[i]; i++) {
		size_t d = edit_distance(word, choices[i]);
		if (d < best_d) {
			best_d = d;
			best = choices[i];
		}
	}
	return best;
}

static void join_choices(char *buf, size_t size, const char *const *choices)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; choices[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", choices[i]);
}

/*
 * Checks an object's member names against the allowed list: unknown,
 * case-mismatched and duplicate keys are errors. Returns false if any.
 */
static bool check_keys(struct reader *r, const cJSON *obj, const char *jpath,
		       const char *const *allowed)
{
	bool ok = true;
	for (const cJSON *c = obj->child; c; c = c->next) {
		char sub[512];
		bool known = false;
		path_join(sub, sizeof(sub), jpath, c->string, -1);
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(c->string, allowed[i]) == 0)
				known = true;
		if (!known) {
			const char *ci = NULL;
			for (size_t i = 0; allowed[i]; i++)
				if (strcasecmp(c->string, allowed[i]) == 0)
					ci = allowed[i];
			const char *near = ci ? ci : suggest(c->string, allowed);
			char list[256];
			join_choices(list, sizeof(list), allowed);
			if (ci)
				error_at(
					r, c, true, -1, sub,
					"unknown key '%s' (keys are case-sensitive: did you mean '%s'?)",
					c->string, ci);
			else if (near)
				error_at(r, c, true, -1, sub,
					 "unknown key '%s' (did you mean '%s'?)", c->string, near);
			else
				error_at(r, c, true, -1, sub,
					 "unknown key '%s' (expected one of: %s)", c->string, list);
			ok = false;
			continue;
		}
		for (const cJSON *d = obj->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0) {
				error_at(r, c, true, -1, sub, "duplicate key '%s'", c->string);
				ok = false;
				break;
			}
		}
	}
	return ok;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	for (const cJSON *c = obj->child; c; c = c->next)
		if (strcmp(c->string, key) == 0)
			return c;
	return NULL;
}

static const char *type_name(const cJSON *node)
{
	if (cJSON_IsString(node))
		return "a string";
	if (cJSON_IsNumber(node))
		return "a number";
	if (cJSON_IsBool(node))
		return "a boolean";
	if (cJSON_IsNull(node))
		return "null";
	if (cJSON_IsArray(node))
		return "an array";
	if (cJSON_IsObject(node))
		return "an object";
	return "an unknown value";
}

static bool expect_string(struct reader *r, const cJSON *node, const char *jpath)
{
	if (cJSON_IsString(node))
		return true;
	error_at(r, node, false, -1, jpath, "expected a string, got %s", type_name(node));
	return false;
}

static bool expect_array(struct reader *r, const cJSON *node, const char *jpath)
{
	if (cJSON_IsArray(node))
		return true;
	error_at(r, node, false, -1, jpath, "expected an array, got %s", type_name(node));
	return false;
}

static bool expect_object(struct reader *r, const cJSON *node, const char *jpath)
{
	if (cJSON_IsObject(node))
		return true;
	error_at(r, node, false, -1, jpath, "expected an object, got %s", type_name(node));
	return false;
}

/*
 * Reads a non-negative integer from the number's source text (cJSON's double
 * would round): digits only, at most max.
 */
static bool read_uint(struct reader *r, const cJSON *node, const char *jpath, uint64_t max,
		      uint64_t *ret)
{
	if (!cJSON_IsNumber(node)) {
		error_at(r, node, false, -1, jpath, "expected a number, got %s", type_name(node));
		return false;
	}
	const struct json_scan_value *v = node_value(r, node);
	if (!v)
		return false;
	const char *s = r->text + v->offset;
	uint64_t value = 0;
	for (size_t i = 0; i < v->length; i++) {
		if ((s[i] == 'e' || s[i] == 'E') && i > 0 && s[0] != '-') {
			error_at(
				r, node, false, -1, jpath,
				"write the number in plain digits, without an exponent (0 to %llu)",
				(unsigned long long)max);
			return false;
		}
		if (s[i] < '0' || s[i] > '9') {
			error_at(r, node, false, -1, jpath,
				 "expected a whole number from 0 to %llu", (unsigned long long)max);
			return false;
		}
		if (value > (max - (uint64_t)(s[i] - '0')) / 10) {
			error_at(r, node, false, -1, jpath, "number out of range (0 to %llu)",
				 (unsigned long long)max);
			return false;
		}
		value = value * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = value;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool profile_name_ok(const char *name)
{
	size_t chars = 0, len = strlen(name);
	for (size_t i = 0; i < len; chars++) {
		size_t n = json_utf8_seq_len((const unsigned char *)name + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return chars >= 1 && chars <= 128 && !has_control(name);
}

/* ---- variables ----------------------------------------------------------- */

static const char *const known_vars[] = {"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", NULL};
static const char *const var_defaults[] = {"/var/task", "/var/runtime", NULL};
static const char *const pinned_vars[] = {POLICY_VAR_PIN_PREFIX "LAMBDA_TASK_ROOT",
					  POLICY_VAR_PIN_PREFIX "LAMBDA_RUNTIME_DIR", NULL};

const char *policy_var_name(size_t i)
{
	return i < sizeof(known_vars) / sizeof(known_vars[0]) ? known_vars[i] : NULL;
}

const char *policy_var_pin_name(size_t i)
{
	return i < sizeof(pinned_vars) / sizeof(pinned_vars[0]) ? pinned_vars[i] : NULL;
}

int profile_expand_vars(const char *text, const struct policy_load_opts *opts, char **ret,
			char *msg, size_t msg_size, long *ret_at)
{
	*ret_at = -1;
	if (strncmp(text, "${", 2) != 0) {
		*ret = strdup(text);
		return *ret ? 0 : -ENOMEM;
	}
	const char *end = strchr(text, '}');
	if (!end) {
		snprintf(msg, msg_size, "unterminated '${' in path");
		return -EINVAL;
	}
	size_t nlen = (size_t)(end - text - 2);
	for (size_t i = 0; known_vars[i]; i++) {
		if (strlen(known_vars[i]) != nlen || strncmp(text + 2, known_vars[i], nlen) != 0)
			continue;
		const char *value = NULL;
		/* A value pinned by the process tree's first process wins (policy.h). */
		if (opts && opts->getvar) {
			value = opts->getvar(pinned_vars[i], opts->userdata);
			if (!value)
				value = opts->getvar(known_vars[i], opts->userdata);
		}
		if (!value || !*value)
			value = var_defaults[i];
		if (value[0] != '/') {
			snprintf(msg, msg_size, "${%s} is '%s', which is not an absolute path",
				 known_vars[i], value);
			return -EINVAL;
		}
		size_t vlen = strlen(value);
		while (vlen > 1 && value[vlen - 1] == '/')
			vlen--;
		if (end[1] != '\0' && end[1] != '/') {
			snprintf(msg, msg_size, "'${%s}' must be followed by '/'", known_vars[i]);
			return -EINVAL;
		}
		/* Not asprintf: every process under the shim expands these before main. */
		size_t rest = strlen(end + 1);
		char *out = malloc(vlen + rest + 1);
		if (!out)
			return -ENOMEM;
		memcpy(out, value, vlen);
		memcpy(out + vlen, end + 1, rest + 1);
		*ret = out;
		return 0;
	}
	char list[128];
	join_choices(list, sizeof(list), known_vars);
	snprintf(msg, msg_size, "unknown variable '${%.*s}' (known: %s)", (int)nlen, text + 2,
		 list);
	*ret_at = 2;
	return -EINVAL;
}

/*
 * Expands a leading ${VAR} in a path pattern. Returns a malloc'd string,
 * or NULL after reporting an error (or on ENOMEM, reported too).
 */
static char *expand_vars(struct reader *r, const cJSON *node, const char *jpath, const char *text)
{
	char msg[256];
	char *out = NULL;
	long at;
	int e = profile_expand_vars(text, r->opts, &out, msg, sizeof(msg), &at);
	if (e == -ENOMEM)
		error_at(r, node, false, -1, jpath, "out of memory");
	else if (e < 0)
		error_at(r, node, false, at, jpath, "%s", msg);
	return e < 0 ? NULL : out;
}

/* Validates a path glob (after expansion); reports at the right column. */
static bool check_glob(struct reader *r, const cJSON *node, const char *jpath, const char *written,
		       const char *glob, enum glob_trie_flavor flavor)
{
	const char *msg = NULL;
	size_t off = 0;
	if (glob_validate(flavor, glob, &msg, &off) == 0)
		return true;
	/*
	 * Offsets are in the expanded text: map back only when nothing was
	 * expanded. An empty or relative path is wrong as a whole: the value.
	 */
	long at = strcmp(written, glob) == 0 && glob[0] &&
				  (flavor == GLOB_TRIE_HOST || glob[0] == '/')
			  ? (long)off
			  : -1;
	error_at(r, node, false, at, jpath, "bad %s pattern '%s': %s",
		 flavor == GLOB_TRIE_HOST ? "host" : "path", written, msg ? msg : "invalid");
	return false;
}

/* ---- rule metadata ------------------------------------------------------- */

static bool read_meta(struct reader *r, const cJSON *obj, const char *jpath, struct rule_meta *meta)
{
	bool ok = true;
	char sub[512];
	const cJSON *seen = member(obj, "seen");
	const cJSON *phase = member(obj, "phase");
	if (seen) {
		uint64_t v;
		path_join(sub, sizeof(sub), jpath, "seen", -1);
		if (read_uint(r, seen, sub, 1ull << 53, &v))
			meta->seen = v;
		else
			ok = false;
	}
	if (phase) {
		path_join(sub, sizeof(sub), jpath, "phase", -1);
		if (!expect_string(r, phase, sub))
			return false;
		if (strcmp(phase->valuestring, "init") == 0)
			meta->phase = PHASE_INIT;
		else if (strcmp(phase->valuestring, "invoke") == 0)
			meta->phase = PHASE_INVOKE;
		else {
			error_at(r, phase, false, -1, sub,
				 "unknown phase '%s' (expected init or invoke)",
				 phase->valuestring);
			ok = false;
		}
	}
	return ok;
}

static int set_origin(struct reader *r, const cJSON *node, struct rule_origin *o)
{
	unsigned line, col;
	line_col(r, node_offset(r, node, false, -1), &line, &col);
	o->file = r->source;
	o->line = line;
	o->col = col;
	return 0;
}

static int grow_array(void **items, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *m = realloc(*items, ncap * elem);
	if (!m)
		return -ENOMEM;
	memset((char *)m + *cap * elem, 0, (ncap - *cap) * elem);
	*items = m;
	*cap = ncap;
	return 0;
}

/* ---- files --------------------------------------------------------------- */

static const char *const file_keys[] = {"path", "allow", "deny", "seen", "phase", NULL};

static bool read_rights(struct reader *r, const cJSON *node, const char *jpath, uint8_t *ret)
{
	const char *msg;
	size_t bad;
	if (!expect_string(r, node, jpath))
		return false;
	if (rights_parse(node->valuestring, ret, &bad, &msg) == 0)
		return true;
	if (!node->valuestring[0])
		error_at(r, node, false, -1, jpath, "%s", msg);
	else if (strcmp(msg, "duplicate right") == 0)
		error_at(r, node, false, (long)bad, jpath, "duplicate right '%c'",
			 node->valuestring[bad]);
	else
		error_at(r, node, false, (long)bad, jpath,
			 "unknown right '%c' (expected any of r,w,c,d)", node->valuestring[bad]);
	return false;
}

static int read_file_rule(struct reader *r, const cJSON *obj, const char *jpath)
{
	char sub[512];
	struct file_rule rule = {0};
	bool ok;

	if (!expect_object(r, obj, jpath))
		return 0;
	ok = check_keys(r, obj, jpath, file_keys);
	const cJSON *path = member(obj, "path");
	const cJSON *allow = member(obj, "allow");
	const cJSON *deny = member(obj, "deny");
	if (!path) {
		error_at(r, obj, false, -1, jpath, "missing key 'path'");
		ok = false;
	} else {
		path_join(sub, sizeof(sub), jpath, "path", -1);
		if (expect_string(r, path, sub)) {
			rule.glob = expand_vars(r, path, sub, path->valuestring);
			if (!rule.glob ||
			    !check_glob(r, path, sub, path->valuestring, rule.glob, GLOB_TRIE_PATH))
				ok = false;
		} else {
			ok = false;
		}
	}
	if (allow && deny) {
		error_at(r, deny, true, -1, jpath,
			 "a rule has either 'allow' or 'deny', not both (write two rules)");
		ok = false;
	} else if (!allow && !deny) {
		error_at(r, obj, false, -1, jpath, "missing key 'allow' or 'deny'");
		ok = false;
	} else {
		const cJSON *rights = allow ? allow : deny;
		path_join(sub, sizeof(sub), jpath, allow ? "allow" : "deny", -1);
		if (!read_rights(r, rights, sub, allow ? &rule.allow : &rule.deny))
			ok = false;
	}
	if (!read_meta(r, obj, jpath, &rule.meta))
		ok = false;
	if (!ok) {
		free(rule.glob);
		return 0;
	}
	rule.path = strdup(path->valuestring);
	if (!rule.path ||
	    grow_array((void **)&r->p->files, &r->p->cap_files, r->p->n_files, sizeof(rule)) < 0) {
		free(rule.path);
		free(rule.glob);
		return -ENOMEM;
	}
	set_origin(r, obj, &rule.origin);
	r->p->files[r->p->n_files++] = rule;
	return 0;
}

/* ---- network ------------------------------------------------------------- */

static const char *const net_keys[] = {"host",	  "cidr", "unix",  "ports", "proto",
				       "inbound", "seen", "phase", NULL};

static bool read_ports(struct reader *r, const cJSON *node, const char *jpath,
		       struct net_rule_def *def)
{
	char sub[512];
	bool ok = true;
	size_t n = 0;

	if (!expect_array(r, node, jpath))
		return false;
	int count = cJSON_GetArraySize(node);
	if (count == 0) {
		error_at(r, node, false, -1, jpath,
			 "empty ports list (leave 'ports' out to allow any port)");
		return false;
	}
	if (count > 1024) {
		error_at(r, node, false, -1, jpath, "too many port entries (%d; the limit is 1024)",
			 count);
		return false;
	}
	def->ports = calloc((size_t)count, sizeof(*def->ports));
	if (!def->ports) {
		error_at(r, node, false, -1, jpath, "out of memory");
		return false;
	}
	long i = 0;
	for (const cJSON *c = node->child; c; c = c->next, i++) {
		path_join(sub, sizeof(sub), jpath, NULL, i);
		if (cJSON_IsNumber(c)) {
			uint64_t v;
			if (!read_uint(r, c, sub, 65535, &v)) {
				ok = false;
				continue;
			}
			def->ports[n].lo = def->ports[n].hi = (uint16_t)v;
			n++;
		} else if (cJSON_IsString(c)) {
			const char *msg = NULL;
			if (net_port_range_parse(c->valuestring, &def->ports[n], &msg) < 0) {
				error_at(r, c, false, -1, sub, "bad port '%s': %s", c->valuestring,
					 msg ? msg : "invalid");
				ok = false;
				continue;
			}
			n++;
		} else {
			error_at(r, c, false, -1, sub,
				 "expected a port number or a \"lo-hi\" range, got %s",
				 type_name(c));
			ok = false;
		}
	}
	def->rule.n_ports = n;
	def->rule.ports = def->ports;
	return ok;
}

/* A name whose last label is all digits would be read as an address by the resolver. */
static bool numeric_last_label(const char *name)
{
	size_t len = strlen(name);
	if (len && name[len - 1] == '.')
		len--;
	size_t start = len;
	while (start > 0 && name[start - 1] != '.')
		start--;
	if (start == len)
		return false;
	for (size_t i = start; i < len; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

static bool read_net_target(struct reader *r, const cJSON *obj, const char *jpath,
			    struct net_rule_def *def)
{
	char sub[512];
	const cJSON *host = member(obj, "host");
	const cJSON *cidr = member(obj, "cidr");
	const cJSON *unixp = member(obj, "unix");
	int kinds = !!host + !!cidr + !!unixp;

	if (kinds != 1) {
		error_at(r, obj, false, -1, jpath,
			 kinds ? "a network rule has exactly one of 'host', 'cidr', 'unix'"
			       : "missing key 'host', 'cidr' or 'unix'");
		return false;
	}
	if (host) {
		struct in6_addr probe;
		path_join(sub, sizeof(sub), jpath, "host", -1);
		if (!expect_string(r, host, sub))
			return false;
		const char *h = host->valuestring;
		if (inet_pton(AF_INET, h, &probe) == 1 || inet_pton(AF_INET6, h, &probe) == 1) {
			const char *msg = NULL;
			if (net_cidr_parse(h, &def->rule.cidr, &msg) < 0) {
				error_at(r, host, false, -1, sub, "bad address '%s': %s", h,
					 msg ? msg : "invalid");
				return false;
			}
			def->rule.kind = NET_RULE_CIDR;
			def->written_as_host = true;
		} else {
			if (!check_glob(r, host, sub, h, h, GLOB_TRIE_HOST))
				return false;
			if (numeric_last_label(h)) {
				error_at(r, host, false, -1, sub,
					 "'%s' is not a host name (write addresses as \"cidr\")",
					 h);
				return false;
			}
			def->rule.kind = NET_RULE_HOST;
			def->glob = strdup(h);
			if (!def->glob)
				return false;
		}
		def->text = strdup(h);
		return def->text != NULL;
	}
	if (cidr) {
		const char *msg = NULL;
		path_join(sub, sizeof(sub), jpath, "cidr", -1);
		if (!expect_string(r, cidr, sub))
			return false;
		if (net_cidr_parse(cidr->valuestring, &def->rule.cidr, &msg) < 0) {
			if (!strpbrk(cidr->valuestring, ".:"))
				msg = "not an IPv4 or IPv6 address (a name goes under \"host\")";
			error_at(r, cidr, false, -1, sub, "bad CIDR '%s': %s", cidr->valuestring,
				 msg ? msg : "invalid");
			return false;
		}
		def->rule.kind = NET_RULE_CIDR;
		def->text = strdup(cidr->valuestring);
		return def->text != NULL;
	}
	path_join(sub, sizeof(sub), jpath, "unix", -1);
	if (!expect_string(r, unixp, sub))
		return false;
	const char *u = unixp->valuestring;
	def->rule.kind = NET_RULE_UNIX;
	if (u[0] == '@') {
		if (!u[1] || has_control(u)) {
			error_at(r, unixp, false, -1, sub, "bad abstract socket name '%s'", u);
			return false;
		}
		/* Checked as if rooted, like net_rules does: '@x' as '/x', '@/x' as '/x'. */
		const char *msg = NULL;
		size_t off = 0;
		_cleanup_free_ char *rooted = NULL;
		bool slash = u[1] == '/';
		if (asprintf(&rooted, "%s%s", slash ? "" : "/", u + 1) < 0)
			return false;
		if (glob_validate(GLOB_TRIE_PATH, rooted, &msg, &off) < 0) {
			error_at(r, unixp, false, (long)(off + slash), sub,
				 "bad abstract socket pattern '%s': %s", u, msg ? msg : "invalid");
			return false;
		}
		def->glob = strdup(u);
	} else {
		def->glob = expand_vars(r, unixp, sub, u);
		if (!def->glob)
			return false;
		if (!check_glob(r, unixp, sub, u, def->glob, GLOB_TRIE_PATH))
			return false;
	}
	def->text = strdup(u);
	return def->glob && def->text;
}

static int read_net_rule(struct reader *r, const cJSON *obj, const char *jpath)
{
	char sub[512];
	struct net_rule_def def = {0};
	bool ok;

	if (!expect_object(r, obj, jpath))
		return 0;
	ok = check_keys(r, obj, jpath, net_keys);
	if (!read_net_target(r, obj, jpath, &def))
		ok = false;
	const cJSON *ports = member(obj, "ports");
	const cJSON *proto = member(obj, "proto");
	const cJSON *inbound = member(obj, "inbound");
	bool is_unix = member(obj, "unix") != NULL;
	if (ports) {
		path_join(sub, sizeof(sub), jpath, "ports", -1);
		if (is_unix) {
			error_at(r, ports, true, -1, sub, "'ports' does not apply to unix sockets");
			ok = false;
		} else if (!read_ports(r, ports, sub, &def)) {
			ok = false;
		}
	}
	def.rule.proto = NET_PROTO_ANY;
	if (proto) {
		path_join(sub, sizeof(sub), jpath, "proto", -1);
		if (is_unix) {
			error_at(r, proto, true, -1, sub, "'proto' does not apply to unix sockets");
			ok = false;
		} else if (expect_string(r, proto, sub)) {
			const char *v = proto->valuestring;
			if (strcmp(v, "tcp") == 0)
				def.rule.proto = NET_PROTO_TCP;
			else if (strcmp(v, "udp") == 0)
				def.rule.proto = NET_PROTO_UDP;
			else if (strcmp(v, "any") != 0) {
				error_at(r, proto, false, -1, sub,
					 "unknown proto '%s' (expected tcp, udp or any)", v);
				ok = false;
			}
		} else {
			ok = false;
		}
	}
	if (inbound) {
		path_join(sub, sizeof(sub), jpath, "inbound", -1);
		if (cJSON_IsBool(inbound))
			def.rule.inbound = cJSON_IsTrue(inbound);
		else {
			error_at(r, inbound, false, -1, sub, "expected true or false, got %s",
				 type_name(inbound));
			ok = false;
		}
	}
	if (!read_meta(r, obj, jpath, &def.meta))
		ok = false;
	if (!ok || grow_array((void **)&r->p->net, &r->p->cap_net, r->p->n_net, sizeof(def)) < 0) {
		free(def.text);
		free(def.glob);
		free(def.ports);
		return ok ? -ENOMEM : 0;
	}
	def.rule.pattern = def.glob;
	def.rule.ports = def.ports;
	set_origin(r, obj, &def.origin);
	r->p->net[r->p->n_net++] = def;
	return 0;
}

/* ---- exec ---------------------------------------------------------------- */

static const char *const exec_keys[] = {"path", "argv", "seen", "phase", NULL};

static bool read_argv(struct reader *r, const cJSON *node, const char *jpath,
		      struct exec_rule *rule)
{
	char sub[512];
	bool ok = true;
	if (!expect_array(r, node, jpath))
		return false;
	int count = cJSON_GetArraySize(node);
	if ((unsigned)count > PROFILE_MAX_ARGV) {
		error_at(r, node, false, -1, jpath, "too many argv patterns (%d; the limit is %u)",
			 count, PROFILE_MAX_ARGV);
		return false;
	}
	rule->argv = calloc((size_t)count + 1, sizeof(char *));
	if (!rule->argv)
		return false;
	long i = 0;
	for (const cJSON *c = node->child; c; c = c->next, i++) {
		path_join(sub, sizeof(sub), jpath, NULL, i);
		if (!expect_string(r, c, sub)) {
			ok = false;
			continue;
		}
		if (strcmp(c->valuestring, "**") == 0 && c->next) {
			error_at(r, c, false, -1, sub,
				 "'**' in argv matches the rest, so it must be the last element");
			ok = false;
			continue;
		}
		rule->argv[rule->argc] = strdup(c->valuestring);
		if (!rule->argv[rule->argc])
			return false;
		rule->argc++;
	}
	return ok;
}

static int read_exec_rule(struct reader *r, const cJSON *obj, const char *jpath)
{
	char sub[512];
	struct exec_rule rule = {0};
	bool ok;

	if (!expect_object(r, obj, jpath))
		return 0;
	ok = check_keys(r, obj, jpath, exec_keys);
	const cJSON *path = member(obj, "path");
	const cJSON *argv = member(obj, "argv");
	if (!path) {
		error_at(r, obj, false, -1, jpath, "missing key 'path'");
		ok = false;
	} else {
		path_join(sub, sizeof(sub), jpath, "path", -1);
		if (expect_string(r, path, sub)) {
			rule.glob = expand_vars(r, path, sub, path->valuestring);
			if (!rule.glob ||
			    !check_glob(r, path, sub, path->valuestring, rule.glob, GLOB_TRIE_PATH))
				ok = false;
		} else {
			ok = false;
		}
	}
	if (argv) {
		path_join(sub, sizeof(sub), jpath, "argv", -1);
		if (!read_argv(r, argv, sub, &rule))
			ok = false;
	}
	if (!read_meta(r, obj, jpath, &rule.meta))
		ok = false;
	if (ok)
		rule.path = strdup(path->valuestring);
	if (!ok || !rule.path ||
	    grow_array((void **)&r->p->exec, &r->p->cap_exec, r->p->n_exec, sizeof(rule)) < 0) {
		free(rule.path);
		free(rule.glob);
		for (size_t i = 0; i < rule.argc; i++)
			free(rule.argv[i]);
		free(rule.argv);
		return ok ? -ENOMEM : 0;
	}
	set_origin(r, obj, &rule.origin);
	r->p->exec[r->p->n_exec++] = rule;
	return 0;
}

/* ---- lists of names ------------------------------------------------------ */

static const char *group_suggestion(const char *name)
{
	size_t n;
	const struct syscall_group *groups = syscall_groups(&n);
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(name, groups[i].name);
		if (d < best_d) {
			best_d = d;
			best = groups[i].name;
		}
	}
	return best;
}

static bool in_dangerous_set(const char *name)
{
	const char *const *set = syscall_dangerous_set();
	for (size_t i = 0; set[i]; i++)
		if (strcmp(set[i], name) == 0)
			return true;
	return false;
}

enum list_kind {
	LIST_SYSCALLS,
	LIST_UNSAFE,
	LIST_REQUIRE,
	LIST_EXTENDS,
};

static const char *const require_choices[] = {"seccomp", "landlock", NULL};

static bool check_list_item(struct reader *r, const cJSON *c, const char *sub, enum list_kind kind)
{
	const char *s = c->valuestring;
	switch (kind) {
	case LIST_SYSCALLS:
	case LIST_UNSAFE:
		if (s[0] == '@') {
			if (kind == LIST_SYSCALLS && strcmp(s, "@dangerous") == 0) {
				error_at(r, c, false, -1, sub,
					 "'@dangerous' is only allowed under \"unsafe\"");
				return false;
			}
			if (syscall_group_find(s))
				return true;
			const char *near = group_suggestion(s);
			if (near)
				error_at(r, c, false, -1, sub,
					 "unknown syscall group '%s' (did you mean '%s'?)", s,
					 near);
			else
				error_at(r, c, false, -1, sub,
					 "unknown syscall group '%s' (see docs/syscall-groups.md)",
					 s);
			return false;
		}
		if (!syscall_name_known(s)) {
			error_at(r, c, false, -1, sub, "unknown syscall '%s'", s);
			return false;
		}
		if (kind == LIST_UNSAFE && !in_dangerous_set(s)) {
			error_at(r, c, false, -1, sub,
				 "'%s' is not in the dangerous set; list it under \"syscalls\"", s);
			return false;
		}
		if (kind == LIST_SYSCALLS && in_dangerous_set(s)) {
			error_at(
				r, c, false, -1, sub,
				"'%s' is in the dangerous set: it is only allowed under \"unsafe\"",
				s);
			return false;
		}
		return true;
	case LIST_REQUIRE:
		for (size_t i = 0; require_choices[i]; i++)
			if (strcmp(s, require_choices[i]) == 0)
				return true;
		error_at(r, c, false, -1, sub, "unknown layer '%s' (expected seccomp or landlock)",
			 s);
		return false;
	case LIST_EXTENDS:
		if (!*s || has_control(s)) {
			error_at(r, c, false, -1, sub, "bad profile name in extends");
			return false;
		}
		return true;
	}
	return false;
}

static int read_string_list(struct reader *r, const cJSON *node, const char *jpath,
			    enum list_kind kind, struct string_list *out)
{
	char sub[512];
	if (!expect_array(r, node, jpath))
		return 0;
	long i = 0;
	for (const cJSON *c = node->child; c; c = c->next, i++) {
		path_join(sub, sizeof(sub), jpath, NULL, i);
		if (!expect_string(r, c, sub) || !check_list_item(r, c, sub, kind))
			continue;
		if (kind == LIST_UNSAFE && c->valuestring[0] == '@' &&
		    strcmp(c->valuestring, "@dangerous") != 0) {
			error_at(r, c, false, -1, sub,
				 "only '@dangerous' or its members may be "
				 "listed under \"unsafe\"");
			continue;
		}
		if (string_list_contains(out, c->valuestring)) {
			error_at(r, c, false, -1, sub, "'%s' is listed twice", c->valuestring);
			continue;
		}
		if (string_list_add(out, c->valuestring) < 0)
			return -ENOMEM;
		if (kind == LIST_EXTENDS) {
			struct rule_origin *at =
				realloc(r->p->extends_at, out->n * sizeof(*r->p->extends_at));
			if (!at)
				return -ENOMEM;
			r->p->extends_at = at;
			set_origin(r, c, &at[out->n - 1]);
		}
	}
	return 0;
}

/* ---- root ---------------------------------------------------------------- */

static const char *const root_keys[] = {"fnguard",  "name",    "extends", "mode", "actions",
					"on_error", "files",   "network", "exec", "syscalls",
					"unsafe",   "require", NULL};
static const char *const action_keys[] = {"file", "network", "exec", "syscall", NULL};
static const char *const mode_choices[] = {"record", "alert", "enforce", NULL};

static bool read_mode(struct reader *r, const cJSON *node, const char *jpath, int *ret)
{
	enum policy_mode m;
	if (!expect_string(r, node, jpath))
		return false;
	if (policy_mode_from_string(node->valuestring, &m) == 0) {
		*ret = (int)m;
		return true;
	}
	const char *near = suggest(node->valuestring, mode_choices);
	if (near)
		error_at(r, node, false, -1, jpath,
			 "unknown mode '%s' (did you mean '%s'? expected record, alert or enforce)",
			 node->valuestring, near);
	else
		error_at(r, node, false, -1, jpath,
			 "unknown mode '%s' (expected record, alert or enforce)",
			 node->valuestring);
	return false;
}

typedef int (*rule_reader_fn)(struct reader *r, const cJSON *obj, const char *jpath);

static int read_rules(struct reader *r, const cJSON *root, const char *key, rule_reader_fn fn)
{
	char sub[512];
	const cJSON *arr = member(root, key);
	if (!arr || !expect_array(r, arr, key))
		return 0;
	int count = cJSON_GetArraySize(arr);
	if ((unsigned)count > PROFILE_MAX_RULES) {
		error_at(r, arr, false, -1, key, "too many rules (%d; the limit is %u)", count,
			 PROFILE_MAX_RULES);
		return 0;
	}
	long i = 0;
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		path_join(sub, sizeof(sub), key, NULL, i);
		int ret = fn(r, c, sub);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int read_root(struct reader *r, const cJSON *root)
{
	struct profile *p = r->p;
	int ret;

	if (!cJSON_IsObject(root)) {
		error_at(r, root, false, -1, NULL, "a profile is a JSON object, not %s",
			 type_name(root));
		return 0;
	}
	check_keys(r, root, "", root_keys);

	const cJSON *version = member(root, "fnguard");
	if (!version) {
		error_at(r, root, false, -1, NULL,
			 "missing key 'fnguard' (the format version: \"fnguard\": 1)");
	} else {
		uint64_t v;
		const struct json_scan_value *sv = node_value(r, version);
		if (cJSON_IsNumber(version) && sv &&
		    strspn(r->text + sv->offset, "0123456789") != sv->length)
			error_at(r, version, false, -1, "fnguard",
				 "the format version is a whole number (\"fnguard\": 1)");
		else if (read_uint(r, version, "fnguard", 1u << 30, &v)) {
			if (v > PROFILE_FORMAT_VERSION)
				error_at(r, version, false, -1, "fnguard",
					 "profile format version %llu is newer than this fnguard "
					 "(which reads version %d)",
					 (unsigned long long)v, PROFILE_FORMAT_VERSION);
			else if (v < 1)
				error_at(r, version, false, -1, "fnguard",
					 "profile format version must be 1");
			else
				p->format = (unsigned)v;
		}
	}

	const cJSON *name = member(root, "name");
	if (name && expect_string(r, name, "name")) {
		if (!profile_name_ok(name->valuestring))
			error_at(r, name, false, -1, "name", "%s", PROFILE_NAME_RULE);
		else if (!(p->name = strdup(name->valuestring)))
			return -ENOMEM;
	}

	const cJSON *mode = member(root, "mode");
	if (mode)
		read_mode(r, mode, "mode", &p->mode);

	const cJSON *actions = member(root, "actions");
	if (actions && expect_object(r, actions, "actions")) {
		check_keys(r, actions, "actions", action_keys);
		for (size_t i = 0; action_keys[i]; i++) {
			char sub[512];
			const cJSON *a = member(actions, action_keys[i]);
			path_join(sub, sizeof(sub), "actions", action_keys[i], -1);
			if (a)
				read_mode(r, a, sub, &p->actions[i]);
		}
	}

	const cJSON *on_error = member(root, "on_error");
	if (on_error && expect_string(r, on_error, "on_error")) {
		if (strcmp(on_error->valuestring, "closed") == 0)
			p->on_error = POLICY_ON_ERROR_CLOSED;
		else if (strcmp(on_error->valuestring, "open") == 0)
			p->on_error = POLICY_ON_ERROR_OPEN;
		else
			error_at(r, on_error, false, -1, "on_error",
				 "unknown on_error '%s' (expected closed or open)",
				 on_error->valuestring);
	}

	struct {
		const char *key;
		enum list_kind kind;
		struct string_list *out;
	} lists[] = {
		{"extends", LIST_EXTENDS, &p->extends},
		{"syscalls", LIST_SYSCALLS, &p->syscalls},
		{"unsafe", LIST_UNSAFE, &p->unsafe},
		{"require", LIST_REQUIRE, &p->require},
	};
	for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
		const cJSON *node = member(root, lists[i].key);
		if (node) {
			ret = read_string_list(r, node, lists[i].key, lists[i].kind, lists[i].out);
			if (ret < 0)
				return ret;
		}
	}

	ret = read_rules(r, root, "files", read_file_rule);
	if (ret >= 0)
		ret = read_rules(r, root, "network", read_net_rule);
	if (ret >= 0)
		ret = read_rules(r, root, "exec", read_exec_rule);
	return ret;
}

int profile_read_json(const char *file, const char *text, size_t len,
		      const struct policy_load_opts *opts, struct profile **ret,
		      struct diag_list *diags)
{
	struct reader r = {.file = file ? file : "<input>",
			   .text = text,
			   .len = len,
			   .diags = diags,
			   .opts = opts};
	_cleanup_cjson_ cJSON *root = NULL;
	int err;

	if (len > PROFILE_MAX_BYTES) {
		diag_add(diags, r.file, 0, 0, NULL, "profile is %zu bytes; the limit is %u", len,
			 PROFILE_MAX_BYTES);
		return -EFBIG;
	}
	err = json_scan(text, len, &r.scan);
	if (err < 0) {
		unsigned line, col;
		if (err == -ENOMEM)
			return err;
		json_offset_to_line_col(text, len, r.scan.error_offset, &line, &col);
		diag_add(diags, r.file, line, col, NULL, "syntax error: %s", r.scan.error);
		json_scan_done(&r.scan);
		return -EINVAL;
	}
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		/* The scanner accepted it, so this is cJSON running out of memory. */
		json_scan_done(&r.scan);
		return -ENOMEM;
	}
	r.pos = calloc(r.scan.n_values, sizeof(*r.pos));
	if (!r.pos || index_lines(&r) < 0) {
		free(r.pos);
		free(r.line_starts);
		json_scan_done(&r.scan);
		return -ENOMEM;
	}
	if (collect_nodes(root, r.pos, &r.n_pos, r.scan.n_values) < 0 ||
	    r.n_pos != r.scan.n_values) {
		/* cJSON and the scanner disagree on the document: refuse, never guess. */
		diag_add(diags, r.file, 0, 0, NULL, "internal error: JSON structure mismatch");
		free(r.pos);
		free(r.line_starts);
		json_scan_done(&r.scan);
		return -EINVAL;
	}
	qsort(r.pos, r.n_pos, sizeof(*r.pos), cmp_node_pos);

	r.p = profile_new();
	if (!r.p) {
		free(r.pos);
		free(r.line_starts);
		json_scan_done(&r.scan);
		return -ENOMEM;
	}
	r.source = profile_intern_source(r.p, r.file);
	err = r.source ? read_root(&r, root) : -ENOMEM;
	free(r.pos);
	free(r.line_starts);
	json_scan_done(&r.scan);
	if (err == 0 && (r.errors || (diags && diags->oom)))
		err = -EINVAL;
	if (err < 0) {
		profile_free(r.p);
		return err;
	}
	*ret = r.p;
	return 0;
}
