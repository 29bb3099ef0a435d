/* SPDX-License-Identifier: MIT */
#include "net_rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cidr_trie.h"
#include "glob_trie.h"
#include "path_norm.h"
#include "util.h"

/* What a rule asks of a query besides its address or name. */
struct rule_limits {
	uint32_t ports_off;
	uint32_t n_ports;
	enum net_proto proto;
	bool inbound;
};

struct abstract_rule {
	char *pattern; /* with its leading '@' */
	uint32_t index;
};

struct net_rules {
	size_t n_rules;
	struct rule_limits *limits; /* one per rule, by index */
	struct net_port_range *ports;
	struct glob_trie *hosts; /* NULL when there is no host rule */
	uint32_t first_host;
	struct glob_trie *unix_paths; /* NULL when there is no unix path rule */
	uint32_t first_unix_path;
	struct abstract_rule *abstract; /* ascending index */
	size_t n_abstract;
	struct cidr_trie *cidr4, *cidr6; /* NULL when the family has no rule */
};

/* One match in progress; lives on the caller's stack so matching never allocates. */
struct net_query {
	const struct net_rules *rules;
	int port;
	enum net_proto proto;
	enum net_dir dir;
	uint32_t floor; /* lowest index of the kind searched: nothing can beat it */
	uint32_t best;
	bool found;
};

/* ---- parsing ---- */

#define HOST_BITS_MSG(n) [n] = "host bits set beyond /" #n
#define HOST_BITS_MSG10(t)                                                                  \
	HOST_BITS_MSG(t##0), HOST_BITS_MSG(t##1), HOST_BITS_MSG(t##2), HOST_BITS_MSG(t##3), \
		HOST_BITS_MSG(t##4), HOST_BITS_MSG(t##5), HOST_BITS_MSG(t##6),              \
		HOST_BITS_MSG(t##7), HOST_BITS_MSG(t##8), HOST_BITS_MSG(t##9)

/*
 * The message names the prefix, and ret_msg must stay static: one string per
 * length, in place (not pointers: no relocation to apply at every load).
 */
static const char host_bits_msgs[130][32] = {
	HOST_BITS_MSG10(),   HOST_BITS_MSG10(1), HOST_BITS_MSG10(2),  HOST_BITS_MSG10(3),
	HOST_BITS_MSG10(4),  HOST_BITS_MSG10(5), HOST_BITS_MSG10(6),  HOST_BITS_MSG10(7),
	HOST_BITS_MSG10(8),  HOST_BITS_MSG10(9), HOST_BITS_MSG10(10), HOST_BITS_MSG10(11),
	HOST_BITS_MSG10(12),
};

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads a decimal number spanning exactly text[0..len): digits only, no sign,
 * no leading zero (so "010" cannot be mistaken for octal), at most max.
 */
static int parse_decimal(const char *text, size_t len, unsigned max, unsigned *ret,
			 const char **ret_msg, const char *msg_empty, const char *msg_digits,
			 const char *msg_zero, const char *msg_max)
{
	unsigned v = 0;

	if (len == 0) {
		*ret_msg = msg_empty;
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(text[i])) {
			*ret_msg = msg_digits;
			return -EINVAL;
		}
	}
	if (len > 1 && text[0] == '0') {
		*ret_msg = msg_zero;
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		v = v * 10 + (unsigned)(text[i] - '0');
		if (v > max) {
			*ret_msg = msg_max;
			return -EINVAL;
		}
	}
	*ret = v;
	return 0;
}

/* Dotted quad only: inet_aton would also take "127.1", "0x7f.0.0.1" and "2130706433". */
static int parse_ipv4(const char *text, size_t len, uint8_t ret[4], const char **ret_msg)
{
	uint8_t out[4];
	size_t start = 0;

	for (unsigned part = 0; part < 4; part++) {
		size_t end = start;
		unsigned v;
		int r;

		while (end < len && text[end] != '.')
			end++;
		if ((part < 3) != (end < len)) {
			*ret_msg = "IPv4 address must have four dot-separated parts";
			return -EINVAL;
		}
		r = parse_decimal(text + start, end - start, 255, &v, ret_msg,
				  "IPv4 address has an empty part",
				  "IPv4 address part must be decimal digits",
				  "IPv4 address part has a leading zero",
				  "IPv4 address part exceeds 255");
		if (r < 0)
			return r;
		out[part] = (uint8_t)v;
		start = end + 1;
	}
	memcpy(ret, out, sizeof(out));
	return 0;
}

static bool host_bits_clear(const uint8_t *addr, unsigned addr_bytes, unsigned prefix_len)
{
	for (unsigned i = prefix_len / 8; i < addr_bytes; i++) {
		unsigned keep = i == prefix_len / 8 ? prefix_len % 8 : 0;
		uint8_t host_mask = (uint8_t)(0xffu >> keep);

		if (addr[i] & host_mask)
			return false;
	}
	return true;
}

/*
 * IPv4-mapped addresses are kept as IPv4 so that one rule set judges both
 * spellings of the same destination. Prefixes shorter than /96 cannot be
 * mapped ones: they reach beyond ::ffff:0:0/96 into native IPv6 space.
 */
static void cidr_unmap(struct net_cidr *c)
{
	if (c->family != AF_INET6 || c->prefix_len < 96 ||
	    memcmp(c->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) != 0)
		return;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = AF_INET;
	c->prefix_len -= 96;
}

int net_cidr_parse(const char *text, struct net_cidr *ret, const char **ret_msg)
{
	const char *msg_sink, *slash;
	struct net_cidr c = {0};
	size_t addr_len;
	unsigned max_len, prefix_len;
	int r;

	if (!ret_msg)
		ret_msg = &msg_sink;
	if (!text || !*text) {
		*ret_msg = "empty address";
		return -EINVAL;
	}

	slash = strchr(text, '/');
	addr_len = slash ? (size_t)(slash - text) : strlen(text);
	if (addr_len == 0) {
		*ret_msg = "empty address";
		return -EINVAL;
	}

	if (memchr(text, ':', addr_len)) {
		char buf[INET6_ADDRSTRLEN];

		if (addr_len >= sizeof(buf)) {
			*ret_msg = "not a valid IPv6 address";
			return -EINVAL;
		}
		memcpy(buf, text, addr_len);
		buf[addr_len] = '\0';
		if (inet_pton(AF_INET6, buf, c.addr) != 1) {
			*ret_msg = "not a valid IPv6 address";
			return -EINVAL;
		}
		c.family = AF_INET6;
		max_len = 128;
	} else {
		r = parse_ipv4(text, addr_len, c.addr, ret_msg);
		if (r < 0)
			return r;
		c.family = AF_INET;
		max_len = 32;
	}

	prefix_len = max_len;
	if (slash) {
		r = parse_decimal(slash + 1, strlen(slash + 1), max_len, &prefix_len, ret_msg,
				  "missing prefix length after '/'",
				  "prefix length must be decimal digits",
				  "prefix length has a leading zero",
				  max_len == 32 ? "prefix length exceeds 32 for IPv4"
						: "prefix length exceeds 128 for IPv6");
		if (r < 0)
			return r;
	}

	if (!host_bits_clear(c.addr, max_len / 8, prefix_len)) {
		*ret_msg = host_bits_msgs[prefix_len];
		return -EINVAL;
	}

	c.prefix_len = (uint8_t)prefix_len;
	cidr_unmap(&c);
	*ret = c;
	return 0;
}

int net_port_range_parse(const char *text, struct net_port_range *ret, const char **ret_msg)
{
	static const char msg_empty[] = "empty port";
	static const char msg_digits[] = "port must be decimal digits";
	static const char msg_zero[] = "port has a leading zero";
	static const char msg_max[] = "port exceeds 65535";
	const char *msg_sink, *dash;
	unsigned lo, hi;
	int r;

	if (!ret_msg)
		ret_msg = &msg_sink;
	if (!text) {
		*ret_msg = msg_empty;
		return -EINVAL;
	}

	dash = strchr(text, '-');
	r = parse_decimal(text, dash ? (size_t)(dash - text) : strlen(text), 65535, &lo, ret_msg,
			  msg_empty, msg_digits, msg_zero, msg_max);
	if (r < 0)
		return r;
	hi = lo;
	if (dash) {
		r = parse_decimal(dash + 1, strlen(dash + 1), 65535, &hi, ret_msg, msg_empty,
				  msg_digits, msg_zero, msg_max);
		if (r < 0)
			return r;
		if (lo > hi) {
			*ret_msg = "port range is reversed (low > high)";
			return -EINVAL;
		}
	}

	*ret = (struct net_port_range){.lo = (uint16_t)lo, .hi = (uint16_t)hi};
	return 0;
}

/* ---- building ---- */

void net_rules_free(struct net_rules *rules)
{
	if (!rules)
		return;
	free(rules->limits);
	free(rules->ports);
	glob_trie_free(rules->hosts);
	glob_trie_free(rules->unix_paths);
	for (size_t i = 0; i < rules->n_abstract; i++)
		free(rules->abstract[i].pattern);
	free(rules->abstract);
	cidr_trie_free(rules->cidr4);
	cidr_trie_free(rules->cidr6);
	free(rules);
}

static void net_rules_freep(struct net_rules **p)
{
	net_rules_free(*p);
}

static int limits_check(const struct net_rule *rule)
{
	if (rule->proto != NET_PROTO_ANY && rule->proto != NET_PROTO_TCP &&
	    rule->proto != NET_PROTO_UDP)
		return -EINVAL;
	if (rule->n_ports > 0 && !rule->ports)
		return -EINVAL;
	for (size_t i = 0; i < rule->n_ports; i++)
		if (rule->ports[i].lo > rule->ports[i].hi)
			return -EINVAL;
	return 0;
}

/*
 * glob_validate() knows absolute paths; an abstract name is checked as if it
 * were rooted, so that '*', '?' and '**' obey the same rules in both spellings.
 */
static int abstract_pattern_validate(const char *pattern)
{
	_cleanup_free_ char *rooted = NULL;
	const char *name = pattern + 1;

	if (name[0] == '/')
		return glob_validate(GLOB_TRIE_PATH, name, NULL, NULL);
	if (asprintf(&rooted, "/%s", name) < 0)
		return -ENOMEM;
	return glob_validate(GLOB_TRIE_PATH, rooted, NULL, NULL);
}

static int glob_add(struct glob_trie **trie, uint32_t *first, enum glob_trie_flavor flavor,
		    const char *pattern, uint32_t index)
{
	int r;

	if (!*trie) {
		r = glob_trie_new(flavor, trie);
		if (r < 0)
			return r;
		*first = index;
	}
	return glob_trie_add(*trie, pattern, index);
}

static int unix_rule_add(struct net_rules *r, const char *pattern, uint32_t index)
{
	struct abstract_rule *a;
	int ret;

	if (pattern[0] != '@')
		return glob_add(&r->unix_paths, &r->first_unix_path, GLOB_TRIE_PATH, pattern,
				index);

	ret = abstract_pattern_validate(pattern);
	if (ret < 0)
		return ret;
	a = &r->abstract[r->n_abstract];
	a->pattern = strdup(pattern);
	if (!a->pattern)
		return -ENOMEM;
	a->index = index;
	r->n_abstract++;
	return 0;
}

/* Hand-built rules may still spell IPv4 as mapped IPv6: unmap them as the parser does. */
static int cidr_entry_make(const struct net_cidr *cidr, uint32_t index, struct cidr_entry *ret,
			   int *ret_family)
{
	struct net_cidr c = *cidr;

	if (c.family == AF_INET6 && c.prefix_len <= 128)
		cidr_unmap(&c);
	else if (c.family != AF_INET || c.prefix_len > 32)
		return -EINVAL;

	*ret = (struct cidr_entry){.prefix_len = c.prefix_len, .value = index};
	memcpy(ret->addr, c.addr, sizeof(ret->addr));
	*ret_family = c.family;
	return 0;
}

static int tries_finish(struct net_rules *r, const struct cidr_entry *v4, size_t n_v4,
			const struct cidr_entry *v6, size_t n_v6)
{
	int ret;

	if (r->hosts) {
		ret = glob_trie_freeze(r->hosts);
		if (ret < 0)
			return ret;
	}
	if (r->unix_paths) {
		ret = glob_trie_freeze(r->unix_paths);
		if (ret < 0)
			return ret;
	}
	if (n_v4 > 0) {
		ret = cidr_trie_build(32, v4, n_v4, &r->cidr4);
		if (ret < 0)
			return ret;
	}
	if (n_v6 > 0) {
		ret = cidr_trie_build(128, v6, n_v6, &r->cidr6);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int net_rules_validate(const struct net_rule *rules, size_t n)
{
	if (n > 0 && !rules)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct net_rule *rule = &rules[i];
		struct cidr_entry entry;
		int family, err = limits_check(rule);

		if (err < 0)
			return err;
		switch (rule->kind) {
		case NET_RULE_HOST:
			err = rule->pattern
				      ? glob_validate(GLOB_TRIE_HOST, rule->pattern, NULL, NULL)
				      : -EINVAL;
			break;
		case NET_RULE_UNIX:
			err = !rule->pattern ? -EINVAL
			      : rule->pattern[0] == '@'
				      ? abstract_pattern_validate(rule->pattern)
				      : glob_validate(GLOB_TRIE_PATH, rule->pattern, NULL, NULL);
			break;
		case NET_RULE_CIDR:
			err = cidr_entry_make(&rule->cidr, (uint32_t)i, &entry, &family);
			break;
		default:
			err = -EINVAL;
		}
		if (err < 0)
			return err == -ENOMEM ? err : -EINVAL;
	}
	return 0;
}

int net_rules_build(const struct net_rule *rules, size_t n, struct net_rules **ret)
{
	_cleanup_(net_rules_freep) struct net_rules *r = NULL;
	_cleanup_free_ struct cidr_entry *v4 = NULL, *v6 = NULL;
	size_t n_v4 = 0, n_v6 = 0, n_ports = 0, n_abstract = 0;
	int err;

	if (!ret || (n > 0 && !rules) || n > INT_MAX)
		return -EINVAL;

	for (size_t i = 0; i < n; i++) {
		err = limits_check(&rules[i]);
		if (err < 0)
			return err;
		if (rules[i].n_ports > UINT32_MAX - n_ports)
			return -ENOMEM;
		n_ports += rules[i].n_ports;
		if (rules[i].kind == NET_RULE_UNIX && rules[i].pattern &&
		    rules[i].pattern[0] == '@')
			n_abstract++;
	}

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->n_rules = n;
	r->limits = calloc(n ? n : 1, sizeof(*r->limits));
	r->ports = calloc(n_ports ? n_ports : 1, sizeof(*r->ports));
	r->abstract = calloc(n_abstract ? n_abstract : 1, sizeof(*r->abstract));
	v4 = calloc(n ? n : 1, sizeof(*v4));
	v6 = calloc(n ? n : 1, sizeof(*v6));
	if (!r->limits || !r->ports || !r->abstract || !v4 || !v6)
		return -ENOMEM;

	n_ports = 0;
	for (size_t i = 0; i < n; i++) {
		const struct net_rule *rule = &rules[i];
		struct cidr_entry entry;
		int family;

		r->limits[i] = (struct rule_limits){
			.ports_off = (uint32_t)n_ports,
			.n_ports = (uint32_t)rule->n_ports,
			.proto = rule->proto,
			.inbound = rule->inbound,
		};
		if (rule->n_ports > 0)
			memcpy(r->ports + n_ports, rule->ports, rule->n_ports * sizeof(*r->ports));
		n_ports += rule->n_ports;

		switch (rule->kind) {
		case NET_RULE_HOST:
			err = rule->pattern ? glob_add(&r->hosts, &r->first_host, GLOB_TRIE_HOST,
						       rule->pattern, (uint32_t)i)
					    : -EINVAL;
			break;
		case NET_RULE_UNIX:
			err = rule->pattern ? unix_rule_add(r, rule->pattern, (uint32_t)i)
					    : -EINVAL;
			break;
		case NET_RULE_CIDR:
			err = cidr_entry_make(&rule->cidr, (uint32_t)i, &entry, &family);
			if (err == 0 && family == AF_INET6)
				v6[n_v6++] = entry;
			else if (err == 0)
				v4[n_v4++] = entry;
			break;
		default:
			err = -EINVAL;
		}
		if (err < 0)
			return err;
	}

	err = tries_finish(r, v4, n_v4, v6, n_v6);
	if (err < 0)
		return err;

	*ret = steal_ptr(r);
	return 0;
}

/* ---- matching ---- */

static int query_init(struct net_query *q, const struct net_rules *rules, int port,
		      enum net_proto proto, enum net_dir dir)
{
	if (port != NET_PORT_ANY && (port < 0 || port > 65535))
		return -EINVAL;
	if (proto != NET_PROTO_ANY && proto != NET_PROTO_TCP && proto != NET_PROTO_UDP)
		return -EINVAL;
	if (dir != NET_DIR_OUT && dir != NET_DIR_IN)
		return -EINVAL;
	*q = (struct net_query){
		.rules = rules,
		.port = port,
		.proto = proto,
		.dir = dir,
	};
	return 0;
}

static int query_result(const struct net_query *q)
{
	return q->found ? (int)q->best : -ENOENT;
}

static bool limits_accept(uint32_t index, void *userdata)
{
	const struct net_query *q = userdata;
	const struct rule_limits *l = &q->rules->limits[index];
	const struct net_port_range *ports = q->rules->ports + l->ports_off;

	if (q->dir == NET_DIR_IN && !l->inbound)
		return false;
	if (q->proto != NET_PROTO_ANY && l->proto != NET_PROTO_ANY && q->proto != l->proto)
		return false;
	if (q->port == NET_PORT_ANY || l->n_ports == 0)
		return true;
	for (uint32_t i = 0; i < l->n_ports; i++)
		if (ports[i].lo <= q->port && q->port <= ports[i].hi)
			return true;
	return false;
}

/* glob_trie reports matches in no particular order: keep the lowest acceptable one. */
static int glob_visit(uint32_t value, void *userdata)
{
	struct net_query *q = userdata;

	if (q->found && value >= q->best)
		return 0;
	if (!limits_accept(value, q))
		return 0;
	q->best = value;
	q->found = true;
	return value == q->floor;
}

static int glob_search(struct net_query *q, const struct glob_trie *trie, uint32_t floor,
		       const char *subject, size_t len)
{
	int r;

	if (!trie)
		return 0;
	q->floor = floor;
	r = glob_trie_match(trie, subject, len, glob_visit, q);
	return r < 0 ? r : 0;
}

int net_rules_match_host(const struct net_rules *rules, const char *name, size_t len, int port,
			 enum net_proto proto, enum net_dir dir)
{
	struct net_query q;
	int r;

	if (!name)
		return -EINVAL;
	r = query_init(&q, rules, port, proto, dir);
	if (r < 0)
		return r;
	if (!rules)
		return -ENOENT;
	r = glob_search(&q, rules->hosts, rules->first_host, name, len);
	return r < 0 ? r : query_result(&q);
}

int net_rules_match_ip(const struct net_rules *rules, int family, const void *addr, int port,
		       enum net_proto proto, enum net_dir dir)
{
	const struct cidr_trie *trie;
	const uint8_t *bytes = addr;
	struct net_query q;
	int r;

	if (!addr)
		return -EINVAL;
	if (family == AF_INET) {
		trie = rules ? rules->cidr4 : NULL;
	} else if (family == AF_INET6) {
		if (memcmp(bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
			bytes += sizeof(v4_mapped_prefix);
			trie = rules ? rules->cidr4 : NULL;
		} else {
			trie = rules ? rules->cidr6 : NULL;
		}
	} else {
		return -EAFNOSUPPORT;
	}

	r = query_init(&q, rules, port, proto, dir);
	if (r < 0)
		return r;
	if (trie && cidr_trie_lowest(trie, bytes, limits_accept, &q, &q.best) == 0)
		q.found = true;
	return query_result(&q);
}

int net_rules_match_unix(const struct net_rules *rules, const char *path, size_t len,
			 enum net_dir dir)
{
	struct net_query q;
	int r;

	if (!path || len == 0)
		return -EINVAL;
	/* Ports and protocol mean nothing to a unix socket: only direction counts. */
	r = query_init(&q, rules, NET_PORT_ANY, NET_PROTO_ANY, dir);
	if (r < 0)
		return r;
	if (path[0] == '/') {
		if (!rules)
			return -ENOENT;
		r = glob_search(&q, rules->unix_paths, rules->first_unix_path, path, len);
		return r < 0 ? r : query_result(&q);
	}
	if (path[0] != '@')
		return -EINVAL;

	/* Abstract rules are few in practice; they are kept sorted, so the first hit wins. */
	for (size_t i = 0; rules && i < rules->n_abstract; i++) {
		const struct abstract_rule *a = &rules->abstract[i];

		if (limits_accept(a->index, &q) &&
		    glob_match_one(GLOB_TRIE_PATH, a->pattern, path, len))
			return (int)a->index;
	}
	return -ENOENT;
}

static int match_sockaddr_un(const struct net_rules *rules, const struct sockaddr *sa,
			     socklen_t len, enum net_dir dir)
{
	const size_t path_off = offsetof(struct sockaddr_un, sun_path);
	const char *sun_path = (const char *)sa + path_off;
	/* sun_path may fill its array without a terminator; leave room for '@' or NUL. */
	char buf[sizeof(((struct sockaddr_un *)NULL)->sun_path) + 1];
	char norm[sizeof(buf)];
	size_t n, norm_len;
	int r;

	/* len == sizeof(sa_family_t) is an unnamed socket: there is nothing to judge. */
	if (len <= path_off || len > sizeof(struct sockaddr_un))
		return -EINVAL;
	n = len - path_off;

	if (sun_path[0] == '\0') {
		buf[0] = '@';
		memcpy(buf + 1, sun_path + 1, n - 1);
		return net_rules_match_unix(rules, buf, n, dir);
	}

	n = strnlen(sun_path, n);
	if (sun_path[0] != '/')
		return -EINVAL;
	memcpy(buf, sun_path, n);
	buf[n] = '\0';
	/* "/tmp/../run/x.sock" must be judged where it leads, not by its spelling. */
	r = path_normalize(NULL, buf, norm, sizeof(norm), &norm_len);
	if (r < 0)
		return r;
	return net_rules_match_unix(rules, norm, norm_len, dir);
}

int net_rules_match_sockaddr(const struct net_rules *rules, const struct sockaddr *sa,
			     socklen_t len, enum net_proto proto, enum net_dir dir)
{
	sa_family_t family;

	if (!sa || len < sizeof(sa_family_t))
		return -EINVAL;
	/* sa comes from the application and may be misaligned: copy, never cast. */
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));

	switch (family) {
	case AF_INET: {
		struct sockaddr_in sin;

		if (len < sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		return net_rules_match_ip(rules, AF_INET, &sin.sin_addr, ntohs(sin.sin_port), proto,
					  dir);
	}
	case AF_INET6: {
		/* The kernel accepts the RFC 2133 size, without sin6_scope_id. */
		const size_t min_len = offsetof(struct sockaddr_in6, sin6_scope_id);
		struct sockaddr_in6 sin6 = {0};

		if (len < min_len)
			return -EINVAL;
		memcpy(&sin6, sa, min_len);
		return net_rules_match_ip(rules, AF_INET6, &sin6.sin6_addr, ntohs(sin6.sin6_port),
					  proto, dir);
	}
	case AF_UNIX:
		return match_sockaddr_un(rules, sa, len, dir);
	default:
		return -EAFNOSUPPORT;
	}
}
