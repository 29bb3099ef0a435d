/* SPDX-License-Identifier: MIT */
/*
 * net_rules — the network part of a profile, compiled for matching.
 *
 * Three rule kinds: a host name pattern (glob_trie HOST flavour), an IPv4 or
 * IPv6 CIDR block (a binary radix trie per family), or a unix socket path
 * pattern (glob_trie PATH flavour; a pattern starting with '@' names abstract
 * sockets and is matched with glob_match_one). Each rule may restrict ports
 * (list of ranges; none = any port) and protocol, and may allow inbound use.
 *
 * A rule with inbound=false matches only outbound queries (connect, sendto);
 * inbound=true matches both directions (bind, listen, accept as well).
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as IPv4, both in
 * rules and in queries.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum net_proto {
	NET_PROTO_ANY = 0,
	NET_PROTO_TCP = 1,
	NET_PROTO_UDP = 2,
};

enum net_dir {
	NET_DIR_OUT = 0,
	NET_DIR_IN = 1,
};

enum net_rule_kind {
	NET_RULE_HOST,
	NET_RULE_CIDR,
	NET_RULE_UNIX,
};

/* A query port meaning "any port will do" (e.g. getaddrinfo without service). */
#define NET_PORT_ANY (-1)

struct net_port_range {
	uint16_t lo, hi; /* inclusive */
};

struct net_cidr {
	int family;	  /* AF_INET or AF_INET6; mapped IPv6 is stored as AF_INET */
	uint8_t addr[16]; /* network byte order; first 4 bytes for AF_INET */
	uint8_t prefix_len;
};

/* One rule as the profile states it. Borrowed by net_rules_build (copied). */
struct net_rule {
	enum net_rule_kind kind;
	const char *pattern;  /* HOST and UNIX: the glob; CIDR: unused (may be NULL) */
	struct net_cidr cidr; /* CIDR only */
	const struct net_port_range *ports;
	size_t n_ports; /* 0 = any port */
	enum net_proto proto;
	bool inbound;
};

struct net_rules;

/*
 * Parses "10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104" or a bare
 * address (full-length prefix). Strict: dotted-quad IPv4 only (no "127.1",
 * no hex or octal parts), host bits beyond the prefix must be zero.
 * Returns 0 or -EINVAL with *ret_msg set to a static message.
 */
int net_cidr_parse(const char *text, struct net_cidr *ret, const char **ret_msg);

/*
 * Parses a port spec: "443" or "1024-65535" (lo <= hi, 0..65535, decimal digits
 * only). Returns 0 or -EINVAL with *ret_msg set to a static message.
 */
int net_port_range_parse(const char *text, struct net_port_range *ret, const char **ret_msg);

/*
 * Compiles rules[0..n). The index of a rule in that array is what the match
 * functions return. Returns 0, -EINVAL (a pattern that does not validate), or
 * -ENOMEM. Caller frees with net_rules_free().
 */
int net_rules_build(const struct net_rule *rules, size_t n, struct net_rules **ret);

/*
 * What net_rules_build checks of each rule, without building anything:
 * 0, -EINVAL or -ENOMEM. (A build can still fail: -E2BIG, -ENOMEM.)
 */
int net_rules_validate(const struct net_rule *rules, size_t n);

void net_rules_free(struct net_rules *rules);

/*
 * Each returns the index of the first matching rule (lowest index), or
 * -ENOENT when none matches. port is 0..65535 or NET_PORT_ANY; proto is TCP,
 * UDP or ANY (a query with ANY matches rules of any protocol).
 * No allocation, async-signal-safe, thread-safe.
 */
int net_rules_match_host(const struct net_rules *rules, const char *name, size_t len, int port,
			 enum net_proto proto, enum net_dir dir);

/* addr: struct in_addr (AF_INET) or struct in6_addr (AF_INET6). */
int net_rules_match_ip(const struct net_rules *rules, int family, const void *addr, int port,
		       enum net_proto proto, enum net_dir dir);

/* path: a filesystem path (absolute, normalised) or "@name" for an abstract socket. */
int net_rules_match_unix(const struct net_rules *rules, const char *path, size_t len,
			 enum net_dir dir);

/*
 * Dispatches on sa->sa_family: AF_INET, AF_INET6 (mapped → IPv4), AF_UNIX
 * (path, or abstract name as "@name"; relative unix paths are not resolved
 * here and return -EINVAL). Other families return -EAFNOSUPPORT.
 */
int net_rules_match_sockaddr(const struct net_rules *rules, const struct sockaddr *sa,
			     socklen_t len, enum net_proto proto, enum net_dir dir);
