// SPDX-License-Identifier: MIT
/*
 * The host and address matcher: every spelling of a destination is judged
 * alike, and alike to a reference that checks the rules one by one.
 *
 * Input: text lines. Rules: "h PATTERN", "a ADDRESS" (an address written
 * under "host"), "c CIDR", "u PATH-OR-@NAME", each followed by options
 * "p=PORT[,LO-HI...]", "tcp"/"udp"/"any", "in". Queries: "q TARGET [PORT]
 * [tcp|udp] [in]", where TARGET is an address in any spelling inet_aton or
 * inet_pton takes, a unix path or @name, or a host name.
 *
 * Checked for every query, in both directions, with and without the port:
 *  - an IPv4 address gives one verdict as struct in_addr, as ::ffff:a.b.c.d,
 *    as sockaddr_in (exact and oversized) and as a mapped sockaddr_in6 (full
 *    size and the 24-byte RFC 2133 size, any flow label and scope id); an
 *    IPv6 one as in6_addr and as sockaddr_in6 of either size;
 *  - a host name gives one verdict in upper, lower and mixed case and with
 *    or without a trailing dot;
 *  - a unix path gives the verdict of its normal form, with or without a
 *    terminating NUL in sun_path;
 *  - that verdict (allowed, rule) is the reference's: the lowest rule of the
 *    kind that contains the address (bit by bit) or matches the name
 *    (glob_match_one) and whose ports, protocol and direction fit;
 *  - a second profile spelling the same rules differently (IPv4 as mapped
 *    IPv6 and back, IPv6 fully expanded, host patterns in upper case with
 *    the trailing dot toggled, /var/task paths as ${LAMBDA_TASK_ROOT})
 *    loads and gives the same verdicts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "fuzz_util.h"
#include "glob_trie.h"
#include "net_rules.h"
#include "path_norm.h"
#include "policy.h"

#define MAX_RULES   24
#define MAX_PORTS   8
#define MAX_QUERIES 12
#define MAX_TEXT    300

enum kind {
	K_HOST,
	K_ADDR,
	K_CIDR,
	K_UNIX,
};

struct rule {
	enum kind kind;
	char text[MAX_TEXT + 1];
	struct net_cidr cidr; /* K_ADDR, K_CIDR */
	char ports_text[MAX_PORTS][16];
	struct net_port_range ports[MAX_PORTS];
	size_t n_ports;
	enum net_proto proto;
	bool inbound;
};

struct world {
	struct rule rules[MAX_RULES];
	size_t n_rules;
	struct policy *pol, *alt;
	char *text; /* the profile pol was loaded from */
};

static bool token_is(const char *t, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(t, word, n) == 0;
}

static void parse_rule(struct world *w, char kind, struct fuzz_text *t)
{
	struct rule *r = &w->rules[w->n_rules];
	const char *tok;
	size_t n;

	if (w->n_rules == MAX_RULES || !fuzz_next_token(t, &tok, &n) || n > MAX_TEXT)
		return;
	memset(r, 0, sizeof(*r));
	memcpy(r->text, tok, n);
	r->kind = kind == 'h' ? K_HOST : kind == 'a' ? K_ADDR : kind == 'c' ? K_CIDR : K_UNIX;
	/* NUL bytes or invalid UTF-8 cannot be written in a profile. */
	if (strlen(r->text) != n || !fuzz_utf8_valid(r->text, n))
		return;
	/* The reader takes an address under "host" as one. */
	struct in6_addr probe;
	if (r->kind == K_HOST &&
	    (inet_pton(AF_INET, r->text, &probe) == 1 || inet_pton(AF_INET6, r->text, &probe) == 1))
		r->kind = K_ADDR;
	if ((r->kind == K_ADDR || r->kind == K_CIDR) && net_cidr_parse(r->text, &r->cidr, NULL) < 0)
		return;
	if (r->kind == K_ADDR && r->cidr.prefix_len != (r->cidr.family == AF_INET ? 32 : 128))
		return;
	while (fuzz_next_token(t, &tok, &n)) {
		if (token_is(tok, n, "tcp"))
			r->proto = NET_PROTO_TCP;
		else if (token_is(tok, n, "udp"))
			r->proto = NET_PROTO_UDP;
		else if (token_is(tok, n, "in"))
			r->inbound = true;
		else if (n > 2 && tok[0] == 'p' && tok[1] == '=' && r->kind != K_UNIX) {
			struct fuzz_text list = {tok + 2, tok + n};
			while (list.p < list.end && r->n_ports < MAX_PORTS) {
				const char *comma =
					memchr(list.p, ',', (size_t)(list.end - list.p));
				size_t k = comma ? (size_t)(comma - list.p)
						 : (size_t)(list.end - list.p);
				char *pt = r->ports_text[r->n_ports];
				if (k > 0 && k < sizeof(r->ports_text[0])) {
					memcpy(pt, list.p, k);
					pt[k] = '\0';
					if (net_port_range_parse(pt, &r->ports[r->n_ports], NULL) ==
					    0)
						r->n_ports++;
				}
				list.p += k + 1;
			}
		}
	}
	if (r->kind == K_UNIX)
		r->proto = NET_PROTO_ANY;
	w->n_rules++;
}

/* ---- the profile, in two spellings ---------------------------------------- */

static void cidr_spelling(const struct rule *r, bool alt, struct strbuf *b)
{
	char a[INET6_ADDRSTRLEN];
	const struct net_cidr *c = &r->cidr;

	if (!alt) {
		fuzz_json_str(b, r->text, strlen(r->text));
		return;
	}
	if (c->family == AF_INET) {
		/* Mapped IPv6 for a dotted quad, and a dotted quad for a mapped one. */
		inet_ntop(AF_INET, c->addr, a, sizeof(a));
		if (strchr(r->text, ':'))
			strbuf_putf(b, "\"%s/%u\"", a, c->prefix_len);
		else
			strbuf_putf(b, "\"::ffff:%s/%u\"", a, c->prefix_len + 96u);
		return;
	}
	/* Every group written out with its leading zeros. */
	strbuf_put(b, "\"");
	for (int i = 0; i < 8; i++)
		strbuf_putf(b, "%s%02x%02x", i ? ":" : "", c->addr[2 * i], c->addr[2 * i + 1]);
	strbuf_putf(b, "/%u\"", c->prefix_len);
}

static void host_spelling(const char *p, struct strbuf *b)
{
	char up[MAX_TEXT + 2];
	size_t n = strlen(p);
	for (size_t i = 0; i < n; i++)
		up[i] = p[i] >= 'a' && p[i] <= 'z' ? (char)(p[i] - 32) : p[i];
	if (n > 1 && up[n - 1] == '.')
		n--;
	else
		up[n++] = '.';
	fuzz_json_str(b, up, n);
}

static void unix_spelling(const char *p, bool alt, struct strbuf *b)
{
	if (alt && strncmp(p, "/var/task/", 10) == 0) {
		struct strbuf rest = {0};
		fuzz_json_str(&rest, p + 9, strlen(p + 9));
		FUZZ_CHECK(!rest.oom, "out of memory");
		/* The rest without its opening quote. */
		strbuf_put(b, "\"${LAMBDA_TASK_ROOT}");
		strbuf_put_mem(b, rest.buf + 1, rest.len - 1);
		free(rest.buf);
		return;
	}
	fuzz_json_str(b, p, strlen(p));
}

/* The rules as a profile, in the first or the second spelling. Caller frees. */
static char *profile_text(const struct world *w, bool alt)
{
	static const char *const protos[] = {"any", "tcp", "udp"};
	struct strbuf b = {0};

	strbuf_put(&b, "{\"fnguard\": 1, \"network\": [");
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *ru = &w->rules[i];
		strbuf_put(&b, i ? ", {" : "{");
		switch (ru->kind) {
		case K_HOST:
			strbuf_put(&b, "\"host\": ");
			if (alt)
				host_spelling(ru->text, &b);
			else
				fuzz_json_str(&b, ru->text, strlen(ru->text));
			break;
		case K_ADDR:
			strbuf_put(&b, alt ? "\"cidr\": " : "\"host\": ");
			cidr_spelling(ru, alt, &b);
			break;
		case K_CIDR:
			strbuf_put(&b, "\"cidr\": ");
			cidr_spelling(ru, alt, &b);
			break;
		case K_UNIX:
			strbuf_put(&b, "\"unix\": ");
			unix_spelling(ru->text, alt, &b);
			break;
		}
		for (size_t k = 0; k < ru->n_ports; k++)
			strbuf_putf(&b, "%s\"%s\"", k ? ", " : ", \"ports\": [", ru->ports_text[k]);
		if (ru->n_ports)
			strbuf_put(&b, "]");
		if (ru->kind != K_UNIX)
			strbuf_putf(&b, ", \"proto\": \"%s\"", protos[ru->proto]);
		if (ru->inbound)
			strbuf_put(&b, ", \"inbound\": true");
		strbuf_put(&b, "}");
	}
	strbuf_put(&b, "]}");
	FUZZ_CHECK(!b.oom, "out of memory");
	return b.buf;
}

/* Loads both spellings, unless the rules are those of the last input. */
static int load(struct world *w)
{
	struct policy_load_opts opts = {.no_extends = true};
	struct diag_list diags = {0};
	char *text = profile_text(w, false), *alt;
	int r;

	if (w->pol && w->text && strcmp(text, w->text) == 0) {
		free(text);
		return 0;
	}
	policy_free(w->pol);
	policy_free(w->alt);
	free(w->text);
	w->pol = w->alt = NULL;
	w->text = NULL;
	r = policy_load_buffer("net.json", text, strlen(text), &opts, &w->pol, &diags);
	diag_list_clear(&diags);
	if (r < 0) {
		free(text);
		return r;
	}
	alt = profile_text(w, true);
	r = policy_load_buffer("net.json", alt, strlen(alt), &opts, &w->alt, &diags);
	if (r < 0)
		fuzz_fail("the same rules spelled differently do not load: %s\n%s",
			  diags.n ? diags.lines[0] : "", alt);
	diag_list_clear(&diags);
	free(alt);
	w->text = text;
	return 0;
}

/* ---- the reference ---------------------------------------------------------- */

static bool limits_fit(const struct rule *r, int port, enum net_proto proto, enum net_dir dir)
{
	if (dir == NET_DIR_IN && !r->inbound)
		return false;
	if (proto != NET_PROTO_ANY && r->proto != NET_PROTO_ANY && proto != r->proto)
		return false;
	if (port == NET_PORT_ANY || r->n_ports == 0)
		return true;
	for (size_t i = 0; i < r->n_ports; i++)
		if (r->ports[i].lo <= port && port <= r->ports[i].hi)
			return true;
	return false;
}

static bool prefix_contains(const struct net_cidr *c, int family, const uint8_t *addr)
{
	if (c->family != family)
		return false;
	for (unsigned bit = 0; bit < c->prefix_len; bit++) {
		unsigned mask = 0x80u >> (bit % 8);
		if ((c->addr[bit / 8] & mask) != (addr[bit / 8] & mask))
			return false;
	}
	return true;
}

struct query {
	int port;
	enum net_proto proto;
	enum net_dir dir;
};

/* Lowest matching rule for an address (IPv4 as 4 bytes), or -1. */
static int ref_ip(const struct world *w, int family, const uint8_t *addr, const struct query *q)
{
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		if ((r->kind == K_ADDR || r->kind == K_CIDR) &&
		    prefix_contains(&r->cidr, family, addr) &&
		    limits_fit(r, q->port, q->proto, q->dir))
			return (int)i;
	}
	return -1;
}

static int ref_host(const struct world *w, const char *name, size_t len, const struct query *q)
{
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		if (r->kind == K_HOST && glob_match_one(GLOB_TRIE_HOST, r->text, name, len) &&
		    limits_fit(r, q->port, q->proto, q->dir))
			return (int)i;
	}
	return -1;
}

/* name: a normalised path or "@abstract". */
static int ref_unix(const struct world *w, const char *name, size_t len, enum net_dir dir)
{
	char glob[MAX_TEXT + 16];
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		if (r->kind != K_UNIX || (r->text[0] == '@') != (name[0] == '@') ||
		    !limits_fit(r, NET_PORT_ANY, NET_PROTO_ANY, dir))
			continue;
		if (strncmp(r->text, "${LAMBDA_TASK_ROOT}", 19) == 0)
			snprintf(glob, sizeof(glob), "/var/task%s", r->text + 19);
		else if (strncmp(r->text, "${LAMBDA_RUNTIME_DIR}", 21) == 0)
			snprintf(glob, sizeof(glob), "/var/runtime%s", r->text + 21);
		else
			snprintf(glob, sizeof(glob), "%s", r->text);
		if (glob_match_one(GLOB_TRIE_PATH, glob, name, len))
			return (int)i;
	}
	return -1;
}

/* ---- checks ------------------------------------------------------------------ */

/* target: len bytes, not NUL-terminated. */
static void expect(const char *what, const char *target, size_t len, int r,
		   const struct policy_verdict *v, int want)
{
	FUZZ_CHECK(r == 0, "%s of '%.*s' failed: %d", what, (int)len, target, r);
	if (v->allowed != (want >= 0) || (want >= 0 && v->rule != want))
		fuzz_fail("%s of '%.*s': allowed=%d rule=%d, rule by rule: %s rule %d", what,
			  (int)len, target, v->allowed, v->rule,
			  want >= 0 ? "allowed by" : "denied, no", want);
}

static void check_ip(const struct policy *pol, const char *target, int family, const uint8_t *bytes,
		     int want, const struct query *q, struct fuzz_rng *rng)
{
	struct policy_verdict v;
	struct sockaddr_storage ss;
	uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff};
	uint16_t port = q->port == NET_PORT_ANY ? 0 : (uint16_t)q->port;
	int r;

	if (family == AF_INET) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
		memcpy(mapped + 12, bytes, 4);
		expect("in_addr", target, strlen(target),
		       policy_check_ip(pol, AF_INET, bytes, q->port, q->proto, q->dir, &v), &v,
		       want);
		expect("mapped in6_addr", target, strlen(target),
		       policy_check_ip(pol, AF_INET6, mapped, q->port, q->proto, q->dir, &v), &v,
		       want);
		if (q->port == NET_PORT_ANY)
			return; /* a socket address always has a port */
		memcpy(&sin.sin_addr, bytes, 4);
		expect("sockaddr_in", target, strlen(target),
		       policy_check_sockaddr(pol, (struct sockaddr *)&sin, sizeof(sin), q->proto,
					     q->dir, &v),
		       &v, want);
		memset(&ss, 0xa5, sizeof(ss));
		memcpy(&ss, &sin, sizeof(sin));
		expect("oversized sockaddr_in", target, strlen(target),
		       policy_check_sockaddr(pol, (struct sockaddr *)&ss, sizeof(ss), q->proto,
					     q->dir, &v),
		       &v, want);
		bytes = mapped;
	} else if (q->port == NET_PORT_ANY) {
		expect("in6_addr", target, strlen(target),
		       policy_check_ip(pol, AF_INET6, bytes, q->port, q->proto, q->dir, &v), &v,
		       want);
		return;
	} else {
		expect("in6_addr", target, strlen(target),
		       policy_check_ip(pol, AF_INET6, bytes, q->port, q->proto, q->dir, &v), &v,
		       want);
	}
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
				    .sin6_port = htons(port),
				    .sin6_flowinfo = (uint32_t)fuzz_rng_next(rng),
				    .sin6_scope_id = (uint32_t)fuzz_rng_next(rng)};
	memcpy(&sin6.sin6_addr, bytes, 16);
	r = policy_check_sockaddr(pol, (struct sockaddr *)&sin6, sizeof(sin6), q->proto, q->dir,
				  &v);
	expect("sockaddr_in6", target, strlen(target), r, &v, want);
	/* The RFC 2133 size: no sin6_scope_id, and whatever lies beyond is not read. */
	memset(&ss, 0x5a, sizeof(ss));
	memcpy(&ss, &sin6, 24);
	r = policy_check_sockaddr(pol, (struct sockaddr *)&ss, 24, q->proto, q->dir, &v);
	expect("24-byte sockaddr_in6", target, strlen(target), r, &v, want);
}

static void check_name(const struct world *w, const struct policy *pol, const char *name,
		       size_t len, const struct query *q, struct fuzz_rng *rng)
{
	char spelled[GLOB_MAX_LEN + 2];
	struct policy_verdict v, first;
	int want = ref_host(w, name, len, q);
	int r = policy_check_host(pol, name, len, q->port, q->proto, q->dir, &first);

	if (r < 0) {
		/* Refused outright (not a host name): then no rule may say it matches. */
		FUZZ_CHECK(r == -EINVAL, "host '%.*s': error %d", (int)len, name, r);
		FUZZ_CHECK(want < 0, "host '%.*s' is refused but rule %d matches it", (int)len,
			   name, want);
		return;
	}
	expect("host", name, len, r, &first, want);
	if (len > GLOB_MAX_LEN)
		return;
	for (int k = 0; k < 4; k++) {
		size_t n = len;
		for (size_t i = 0; i < len; i++) {
			char c = name[i];
			bool up = k == 0 || (k == 2 && (fuzz_rng_next(rng) & 1));
			if (k != 3 && c >= 'a' && c <= 'z' && up)
				c = (char)(c - 32);
			else if (k != 3 && c >= 'A' && c <= 'Z' && !up)
				c = (char)(c + 32);
			spelled[i] = c;
		}
		if (k == 3) {
			if (n > 1 && spelled[n - 1] == '.')
				n--;
			else if (n && spelled[n - 1] != '.')
				spelled[n++] = '.';
			else
				continue;
		}
		r = policy_check_host(pol, spelled, n, q->port, q->proto, q->dir, &v);
		if (r < 0) {
			FUZZ_CHECK(!first.allowed, "'%.*s' is refused, '%.*s' allowed", (int)n,
				   spelled, (int)len, name);
			continue;
		}
		if (v.allowed != first.allowed || v.rule != first.rule)
			fuzz_fail("host '%.*s' judged unlike '%.*s' (allowed %d/%d, rule %d/%d)",
				  (int)n, spelled, (int)len, name, v.allowed, first.allowed, v.rule,
				  first.rule);
	}
}

static void check_unix(const struct world *w, const struct policy *pol, const char *target,
		       size_t len, enum net_dir dir)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char norm[sizeof(sun.sun_path) + 1];
	struct policy_verdict v;
	size_t nlen;
	int want, r;

	if (len >= sizeof(sun.sun_path) || memchr(target, '\0', len))
		return;
	if (target[0] == '@') {
		memcpy(sun.sun_path + 1, target + 1, len - 1);
		want = ref_unix(w, target, len, dir);
		r = policy_check_sockaddr(pol, (struct sockaddr *)&sun, (socklen_t)(off + len),
					  NET_PROTO_ANY, dir, &v);
		expect("abstract sockaddr_un", target, len, r, &v, want);
		return;
	}
	memcpy(sun.sun_path, target, len);
	if (path_normalize(NULL, sun.sun_path, norm, sizeof(norm), &nlen) < 0)
		return;
	want = ref_unix(w, norm, nlen, dir);
	/* With the NUL, without it (the kernel takes both), and the whole struct. */
	const socklen_t lens[] = {(socklen_t)(off + len + 1), (socklen_t)(off + len), sizeof(sun)};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		r = policy_check_sockaddr(pol, (struct sockaddr *)&sun, lens[i], NET_PROTO_ANY, dir,
					  &v);
		expect("sockaddr_un", target, len, r, &v, want);
	}
}

static void run_query(const struct world *w, const struct policy *pol, const char *target,
		      size_t len, const struct query *q, struct fuzz_rng *rng)
{
	char buf[GLOB_MAX_LEN + 1];
	struct in_addr a4;
	struct in6_addr a6;

	if (target[0] == '/' || target[0] == '@') {
		check_unix(w, pol, target, len, q->dir);
		return;
	}
	if (len < sizeof(buf) && !memchr(target, '\0', len)) {
		memcpy(buf, target, len);
		buf[len] = '\0';
		/* What the shim gives an address in: inet_aton's spellings, and IPv6. */
		if (inet_aton(buf, &a4)) {
			check_ip(pol, buf, AF_INET, (uint8_t *)&a4,
				 ref_ip(w, AF_INET, (uint8_t *)&a4, q), q, rng);
			return;
		}
		if (inet_pton(AF_INET6, buf, &a6) == 1) {
			static const uint8_t v4_prefix[12] = {[10] = 0xff, [11] = 0xff};
			bool mapped = memcmp(&a6, v4_prefix, 12) == 0;
			int want = mapped ? ref_ip(w, AF_INET, a6.s6_addr + 12, q)
					  : ref_ip(w, AF_INET6, a6.s6_addr, q);
			if (mapped)
				check_ip(pol, buf, AF_INET, a6.s6_addr + 12, want, q, rng);
			else
				check_ip(pol, buf, AF_INET6, a6.s6_addr, want, q, rng);
			return;
		}
	}
	check_name(w, pol, target, len, q, rng);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	struct fuzz_text t = {(const char *)data, (const char *)data + size}, lt;
	struct fuzz_rng rng;
	const char *line, *tok;
	size_t len, n, queries = 0;

	w.n_rules = 0;
	while (fuzz_next_line(&t, &line, &len)) {
		if (len >= 3 && strchr("hacu", line[0]) && line[1] == ' ') {
			lt = (struct fuzz_text){line + 2, line + len};
			parse_rule(&w, line[0], &lt);
		}
	}
	if (load(&w) < 0)
		return 0;
	fuzz_rng_seed(&rng, data, size);

	t = (struct fuzz_text){(const char *)data, (const char *)data + size};
	while (fuzz_next_line(&t, &line, &len) && queries < MAX_QUERIES) {
		if (len < 3 || line[0] != 'q' || line[1] != ' ')
			continue;
		lt = (struct fuzz_text){line + 2, line + len};
		const char *target;
		size_t tlen;
		struct query q = {.port = NET_PORT_ANY};
		if (!fuzz_next_token(&lt, &target, &tlen))
			continue;
		queries++;
		while (fuzz_next_token(&lt, &tok, &n)) {
			if (token_is(tok, n, "tcp"))
				q.proto = NET_PROTO_TCP;
			else if (token_is(tok, n, "udp"))
				q.proto = NET_PROTO_UDP;
			else if (token_is(tok, n, "in"))
				q.dir = NET_DIR_IN;
			else if (n <= 5 && tok[0] >= '0' && tok[0] <= '9') {
				int port = 0;
				for (size_t i = 0; i < n && tok[i] >= '0' && tok[i] <= '9'; i++)
					port = port * 10 + (tok[i] - '0');
				if (port <= 65535)
					q.port = port;
			}
		}
		for (int d = 0; d < 2; d++) {
			struct query qq = q;
			qq.dir = d ? NET_DIR_IN : q.dir;
			for (int p = 0; p < 2; p++) {
				if (p)
					qq.port = NET_PORT_ANY;
				run_query(&w, w.pol, target, tlen, &qq, &rng);
				run_query(&w, w.alt, target, tlen, &qq, &rng);
			}
		}
	}
	return 0;
}
