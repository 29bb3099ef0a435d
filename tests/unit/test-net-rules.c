/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "cidr_trie.h"
#include "glob_trie.h"
#include "net_rules.h"

/* ---- helpers ---- */

static struct net_cidr cidr(const char *text)
{
	struct net_cidr c;
	const char *msg = NULL;
	int r = net_cidr_parse(text, &c, &msg);

	cr_assert_eq(r, 0, "net_cidr_parse(%s): %d %s", text, r, msg ? msg : "");
	return c;
}

static struct net_rule cidr_rule(const char *text)
{
	return (struct net_rule){.kind = NET_RULE_CIDR, .cidr = cidr(text)};
}

static struct net_rule host_rule(const char *pattern)
{
	return (struct net_rule){.kind = NET_RULE_HOST, .pattern = pattern};
}

static struct net_rule unix_rule(const char *pattern)
{
	return (struct net_rule){.kind = NET_RULE_UNIX, .pattern = pattern};
}

static struct net_rules *build(const struct net_rule *rules, size_t n)
{
	struct net_rules *nr = NULL;
	int r = net_rules_build(rules, n, &nr);

	cr_assert_eq(r, 0, "net_rules_build: %d", r);
	cr_assert_not_null(nr);
	return nr;
}

static int build_err(const struct net_rule *rules, size_t n)
{
	struct net_rules *nr = NULL;
	int r = net_rules_build(rules, n, &nr);

	if (r == 0)
		net_rules_free(nr);
	return r;
}

static int m4(const struct net_rules *nr, const char *ip, int port, enum net_proto proto,
	      enum net_dir dir)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, ip, &a), 1, "%s", ip);
	return net_rules_match_ip(nr, AF_INET, &a, port, proto, dir);
}

static int m6(const struct net_rules *nr, const char *ip, int port, enum net_proto proto,
	      enum net_dir dir)
{
	struct in6_addr a;

	cr_assert_eq(inet_pton(AF_INET6, ip, &a), 1, "%s", ip);
	return net_rules_match_ip(nr, AF_INET6, &a, port, proto, dir);
}

static int mhost(const struct net_rules *nr, const char *name, int port)
{
	return net_rules_match_host(nr, name, strlen(name), port, NET_PROTO_TCP, NET_DIR_OUT);
}

static int munix(const struct net_rules *nr, const char *path, enum net_dir dir)
{
	return net_rules_match_unix(nr, path, strlen(path), dir);
}

/* ---- net_cidr_parse ---- */

struct cidr_ok_case {
	const char *text;
	int family;
	const char *addr; /* in the stored family */
	unsigned prefix_len;
};

Test(net_cidr_parse, valid)
{
	static const struct cidr_ok_case cases[] = {
		{"10.0.0.0/8", AF_INET, "10.0.0.0", 8},
		{"0.0.0.0/0", AF_INET, "0.0.0.0", 0},
		{"1.2.3.4", AF_INET, "1.2.3.4", 32},
		{"1.2.3.4/32", AF_INET, "1.2.3.4", 32},
		{"255.255.255.255", AF_INET, "255.255.255.255", 32},
		{"192.168.0.0/16", AF_INET, "192.168.0.0", 16},
		{"10.1.2.128/25", AF_INET, "10.1.2.128", 25},
		{"0.0.0.0", AF_INET, "0.0.0.0", 32},
		{"2001:db8::/32", AF_INET6, "2001:db8::", 32},
		{"::/0", AF_INET6, "::", 0},
		{"::1", AF_INET6, "::1", 128},
		{"fe80::/10", AF_INET6, "fe80::", 10},
		{"2001:db8::1/128", AF_INET6, "2001:db8::1", 128},
		{"::ffff:10.0.0.0/104", AF_INET, "10.0.0.0", 8},
		{"::ffff:1.2.3.4", AF_INET, "1.2.3.4", 32},
		{"::ffff:0:0/96", AF_INET, "0.0.0.0", 0},
		{"::ffff:c0a8:0/112", AF_INET, "192.168.0.0", 16},
		{"::fffe:0:0/96", AF_INET6, "::fffe:0:0", 96},
		{"::1.2.3.4", AF_INET6, "::1.2.3.4", 128},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_cidr c = cidr(cases[i].text);
		uint8_t want[16] = {0};

		cr_assert_eq(inet_pton(cases[i].family, cases[i].addr, want), 1);
		cr_expect_eq(c.family, cases[i].family, "%s", cases[i].text);
		cr_expect_eq(c.prefix_len, cases[i].prefix_len, "%s", cases[i].text);
		cr_expect_arr_eq(c.addr, want, 16, "%s", cases[i].text);
	}
}

struct cidr_err_case {
	const char *text;
	const char *msg;
};

Test(net_cidr_parse, errors)
{
	static const struct cidr_err_case cases[] = {
		{"", "empty address"},
		{"/8", "empty address"},
		{"127.1", "IPv4 address must have four dot-separated parts"},
		{"1.2.3.4.5", "IPv4 address must have four dot-separated parts"},
		{"2130706433", "IPv4 address must have four dot-separated parts"},
		{"1.2.3.", "IPv4 address has an empty part"},
		{".1.2.3", "IPv4 address has an empty part"},
		{"1..2.3", "IPv4 address has an empty part"},
		{"0x7f.0.0.1", "IPv4 address part must be decimal digits"},
		{"1.2.3.4 ", "IPv4 address part must be decimal digits"},
		{" 1.2.3.4", "IPv4 address part must be decimal digits"},
		{"+1.2.3.4", "IPv4 address part must be decimal digits"},
		{"1.2.3.-4", "IPv4 address part must be decimal digits"},
		{"example.com", "IPv4 address part must be decimal digits"},
		{"010.0.0.1", "IPv4 address part has a leading zero"},
		{"1.2.3.00", "IPv4 address part has a leading zero"},
		{"256.0.0.0", "IPv4 address part exceeds 255"},
		{"1.2.3.99999999999999999999", "IPv4 address part exceeds 255"},
		{"2001:db8::g", "not a valid IPv6 address"},
		{"fe80::1%eth0", "not a valid IPv6 address"},
		{":::", "not a valid IPv6 address"},
		{"1:2:3:4:5:6:7:8:9", "not a valid IPv6 address"},
		{"[::1]", "not a valid IPv6 address"},
		{"::ffff:010.0.0.1", "not a valid IPv6 address"},
		{"0000:0000:0000:0000:0000:0000:0000:0000:0000/64", "not a valid IPv6 address"},
		{"10.0.0.0/", "missing prefix length after '/'"},
		{"::/", "missing prefix length after '/'"},
		{"10.0.0.0/+8", "prefix length must be decimal digits"},
		{"10.0.0.0/-1", "prefix length must be decimal digits"},
		{"10.0.0.0/ 8", "prefix length must be decimal digits"},
		{"10.0.0.0/8 ", "prefix length must be decimal digits"},
		{"10.0.0.0/8/8", "prefix length must be decimal digits"},
		{"10.0.0.0/0x8", "prefix length must be decimal digits"},
		{"10.0.0.0/08", "prefix length has a leading zero"},
		{"::/00", "prefix length has a leading zero"},
		{"10.0.0.0/33", "prefix length exceeds 32 for IPv4"},
		{"10.0.0.0/99999999999999999999", "prefix length exceeds 32 for IPv4"},
		{"::/129", "prefix length exceeds 128 for IPv6"},
		{"10.0.0.1/8", "host bits set beyond /8"},
		{"1.2.3.4/0", "host bits set beyond /0"},
		{"10.1.2.3/31", "host bits set beyond /31"},
		{"2001:db8::1/32", "host bits set beyond /32"},
		{"::1/127", "host bits set beyond /127"},
		{"::ffff:10.0.0.1/104", "host bits set beyond /104"},
		{"::ffff:0:0/95", "host bits set beyond /95"},
		{"::ffff:0:0/80", "host bits set beyond /80"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_cidr c, untouched;
		const char *msg = NULL;

		memset(&c, 0xa5, sizeof(c));
		untouched = c;
		cr_expect_eq(net_cidr_parse(cases[i].text, &c, &msg), -EINVAL, "%s", cases[i].text);
		cr_expect_str_eq(msg ? msg : "(null)", cases[i].msg, "%s", cases[i].text);
		cr_expect_eq(memcmp(&c, &untouched, sizeof(c)), 0, "%s: output written",
			     cases[i].text);
	}
}

Test(net_cidr_parse, null_arguments)
{
	struct net_cidr c;
	const char *msg = NULL;

	cr_expect_eq(net_cidr_parse(NULL, &c, &msg), -EINVAL);
	cr_expect_str_eq(msg, "empty address");
	cr_expect_eq(net_cidr_parse("1.2.3.4/33", &c, NULL), -EINVAL);
	cr_expect_eq(net_cidr_parse("1.2.3.4/32", &c, NULL), 0);
}

/* ---- net_port_range_parse ---- */

Test(net_port_range_parse, valid)
{
	static const struct {
		const char *text;
		uint16_t lo, hi;
	} cases[] = {
		{"0", 0, 0},
		{"443", 443, 443},
		{"65535", 65535, 65535},
		{"1024-65535", 1024, 65535},
		{"80-80", 80, 80},
		{"0-65535", 0, 65535},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_port_range p;
		const char *msg = NULL;

		cr_assert_eq(net_port_range_parse(cases[i].text, &p, &msg), 0, "%s: %s",
			     cases[i].text, msg);
		cr_expect_eq(p.lo, cases[i].lo, "%s", cases[i].text);
		cr_expect_eq(p.hi, cases[i].hi, "%s", cases[i].text);
	}
}

Test(net_port_range_parse, errors)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"", "empty port"},
		{"-", "empty port"},
		{"80-", "empty port"},
		{"-80", "empty port"},
		{"65536", "port exceeds 65535"},
		{"1-65536", "port exceeds 65535"},
		{"99999999999999999999", "port exceeds 65535"},
		{"0443", "port has a leading zero"},
		{"80-081", "port has a leading zero"},
		{"80 ", "port must be decimal digits"},
		{" 80", "port must be decimal digits"},
		{"80 - 90", "port must be decimal digits"},
		{"+80", "port must be decimal digits"},
		{"0x50", "port must be decimal digits"},
		{"1-2-3", "port must be decimal digits"},
		{"http", "port must be decimal digits"},
		{"80-79", "port range is reversed (low > high)"},
		{"65535-0", "port range is reversed (low > high)"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_port_range p = {.lo = 7, .hi = 9};
		const char *msg = NULL;

		cr_expect_eq(net_port_range_parse(cases[i].text, &p, &msg), -EINVAL, "%s",
			     cases[i].text);
		cr_expect_str_eq(msg ? msg : "(null)", cases[i].msg, "%s", cases[i].text);
		cr_expect(p.lo == 7 && p.hi == 9, "%s: output written", cases[i].text);
	}
	cr_expect_eq(net_port_range_parse(NULL, &(struct net_port_range){0}, NULL), -EINVAL);
}

/* ---- net_rules_build ---- */

Test(net_rules_build, rejects_bad_rules)
{
	static const struct net_port_range reversed = {.lo = 90, .hi = 80};
	struct net_rule r;

	cr_expect_eq(build_err(&(struct net_rule){.kind = NET_RULE_HOST}, 1), -EINVAL);
	cr_expect_eq(build_err(&(struct net_rule){.kind = NET_RULE_UNIX}, 1), -EINVAL);
	cr_expect_eq(build_err(&(struct net_rule){.kind = (enum net_rule_kind)7}, 1), -EINVAL);
	cr_expect_eq(build_err((struct net_rule[]){host_rule("")}, 1), -EINVAL);
	cr_expect_eq(build_err((struct net_rule[]){unix_rule("tmp/x.sock")}, 1), -EINVAL);
	cr_expect_eq(build_err((struct net_rule[]){unix_rule("")}, 1), -EINVAL);

	r = cidr_rule("10.0.0.0/8");
	r.proto = (enum net_proto)3;
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	r = cidr_rule("10.0.0.0/8");
	r.ports = &reversed;
	r.n_ports = 1;
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	r = cidr_rule("10.0.0.0/8");
	r.n_ports = 1;
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	r = cidr_rule("10.0.0.0/8");
	r.cidr.prefix_len = 33;
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	r = cidr_rule("::/0");
	r.cidr.prefix_len = 129;
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	r = cidr_rule("10.0.0.0/8");
	r.cidr.addr[3] = 1; /* host bit that the parser would have refused */
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	r = cidr_rule("10.0.0.0/8");
	r.cidr.family = AF_UNIX;
	cr_expect_eq(build_err(&r, 1), -EINVAL);

	/* One bad rule among good ones fails the whole set. */
	struct net_rule mixed[] = {cidr_rule("10.0.0.0/8"), host_rule("ok.example.com"),
				   unix_rule("relative")};
	cr_expect_eq(build_err(mixed, 3), -EINVAL);
	cr_expect_eq(build_err(mixed, 2), 0);

	cr_expect_eq(build_err(NULL, 1), -EINVAL);
	cr_expect_eq(net_rules_build(mixed, 1, NULL), -EINVAL);
}

Test(net_rules_build, empty_set_matches_nothing)
{
	struct net_rules *nr = build(NULL, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "/tmp/x"};

	cr_expect_eq(m4(nr, "1.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m6(nr, "::1", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(mhost(nr, "example.com", 443), -ENOENT);
	cr_expect_eq(munix(nr, "/tmp/x", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(munix(nr, "@x", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(net_rules_match_sockaddr(nr, (struct sockaddr *)&sun, sizeof(sun),
					      NET_PROTO_ANY, NET_DIR_OUT),
		     -ENOENT);
	net_rules_free(nr);

	/* A NULL set behaves as an empty one: it never allows anything. */
	cr_expect_eq(m4(NULL, "1.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(mhost(NULL, "example.com", 443), -ENOENT);
	cr_expect_eq(munix(NULL, "@x", NET_DIR_OUT), -ENOENT);
	net_rules_free(NULL);
}

Test(net_rules_build, copies_its_input)
{
	struct net_port_range ports[] = {{443, 443}};
	char pattern[] = "api.example.com";
	char unix_pattern[] = "@sock";
	struct net_rule rules[] = {host_rule(pattern), cidr_rule("10.0.0.0/8"),
				   unix_rule(unix_pattern)};
	struct net_rules *nr;

	rules[0].ports = ports;
	rules[0].n_ports = 1;
	rules[1].ports = ports;
	rules[1].n_ports = 1;
	nr = build(rules, 3);
	memset(pattern, 'x', sizeof(pattern) - 1);
	memset(unix_pattern + 1, 'y', sizeof(unix_pattern) - 2);
	ports[0] = (struct net_port_range){1, 1};
	memset(rules, 0, sizeof(rules));

	cr_expect_eq(mhost(nr, "api.example.com", 443), 0);
	cr_expect_eq(mhost(nr, "api.example.com", 1), -ENOENT);
	cr_expect_eq(m4(nr, "10.9.9.9", 443, NET_PROTO_TCP, NET_DIR_OUT), 1);
	cr_expect_eq(munix(nr, "@sock", NET_DIR_OUT), 2);
	net_rules_free(nr);
}

/* ---- CIDR matching ---- */

Test(net_rules_ip, ipv4)
{
	struct net_rule rules[] = {
		cidr_rule("10.1.2.3"),	     cidr_rule("10.0.0.0/8"),	 cidr_rule("10.1.0.0/16"),
		cidr_rule("192.168.1.0/24"), cidr_rule("172.16.0.0/12"),
	};
	struct net_rules *nr = build(rules, 5);

	cr_expect_eq(m4(nr, "10.1.2.3", 80, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.1.2.4", 80, NET_PROTO_TCP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "10.255.255.255", 80, NET_PROTO_TCP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "11.0.0.0", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "9.255.255.255", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "192.168.1.255", 80, NET_PROTO_TCP, NET_DIR_OUT), 3);
	cr_expect_eq(m4(nr, "192.168.2.0", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "172.31.255.255", 80, NET_PROTO_TCP, NET_DIR_OUT), 4);
	cr_expect_eq(m4(nr, "172.32.0.0", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "172.15.255.255", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	/* IPv4 rules say nothing about native IPv6 addresses. */
	cr_expect_eq(m6(nr, "::a01:203", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m6(nr, "a01:203::", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	net_rules_free(nr);
}

Test(net_rules_ip, ipv4_default_route_and_host)
{
	struct net_rule rules[] = {cidr_rule("255.255.255.255"), cidr_rule("0.0.0.0/0")};
	struct net_rules *nr = build(rules, 2);

	cr_expect_eq(m4(nr, "0.0.0.0", 1, NET_PROTO_UDP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "128.0.0.1", 1, NET_PROTO_UDP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "255.255.255.254", 1, NET_PROTO_UDP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "255.255.255.255", 1, NET_PROTO_UDP, NET_DIR_OUT), 0);
	cr_expect_eq(m6(nr, "::ffff:8.8.8.8", 1, NET_PROTO_UDP, NET_DIR_OUT), 1);
	cr_expect_eq(m6(nr, "2001:db8::1", 1, NET_PROTO_UDP, NET_DIR_OUT), -ENOENT);
	net_rules_free(nr);
}

Test(net_rules_ip, ipv6)
{
	struct net_rule rules[] = {
		cidr_rule("2001:db8::/32"),
		cidr_rule("2001:db8:1::/48"),
		cidr_rule("2001:db8:1::1"),
		cidr_rule("fd00::/8"),
		cidr_rule("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
		cidr_rule("::/0"),
		cidr_rule("2001:db8:0:0:8000::/65"),
	};
	struct net_rules *nr = build(rules, 7);

	cr_expect_eq(m6(nr, "2001:db8:1::1", 443, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m6(nr, "2001:db9::", 443, NET_PROTO_TCP, NET_DIR_OUT), 5);
	cr_expect_eq(m6(nr, "fdff::1", 443, NET_PROTO_TCP, NET_DIR_OUT), 3);
	cr_expect_eq(m6(nr, "fe00::1", 443, NET_PROTO_TCP, NET_DIR_OUT), 5);
	cr_expect_eq(
		m6(nr, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 443, NET_PROTO_TCP, NET_DIR_OUT),
		4);
	cr_expect_eq(m6(nr, "::", 443, NET_PROTO_TCP, NET_DIR_OUT), 5);
	/* ::/0 is IPv6 only: mapped and plain IPv4 destinations are judged by IPv4 rules. */
	cr_expect_eq(m6(nr, "::ffff:1.2.3.4", 443, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "1.2.3.4", 443, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	net_rules_free(nr);

	/* Without the /0 and /32 catch-alls, bit 64 decides. */
	nr = build(&rules[6], 1);
	cr_expect_eq(m6(nr, "2001:db8::8000:0:0:1", 1, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m6(nr, "2001:db8::7fff:0:0:1", 1, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m6(nr, "2001:db8:0:1:8000::", 1, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	net_rules_free(nr);
}

Test(net_rules_ip, mapped_addresses)
{
	struct net_rule rules[] = {
		cidr_rule("::ffff:10.0.0.0/104"), /* stored as 10.0.0.0/8 */
		cidr_rule("192.168.0.0/16"),
		{.kind = NET_RULE_CIDR}, /* hand-built mapped rule, set below */
	};
	struct net_rules *nr;

	rules[2].cidr.family = AF_INET6;
	rules[2].cidr.prefix_len = 120;
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:172.16.0.0", rules[2].cidr.addr), 1);
	nr = build(rules, 3);

	cr_expect_eq(m4(nr, "10.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m6(nr, "::ffff:10.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m6(nr, "::ffff:192.168.9.9", 80, NET_PROTO_TCP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "172.16.0.200", 80, NET_PROTO_TCP, NET_DIR_OUT), 2);
	cr_expect_eq(m6(nr, "::ffff:172.16.0.200", 80, NET_PROTO_TCP, NET_DIR_OUT), 2);
	cr_expect_eq(m4(nr, "172.16.1.0", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	/* Not mapped: IPv4-compatible and NAT64-looking addresses stay IPv6. */
	cr_expect_eq(m6(nr, "::10.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m6(nr, "::fffe:10.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m6(nr, "64:ff9b::10.2.3.4", 80, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	net_rules_free(nr);
}

Test(net_rules_ip, bad_queries)
{
	struct net_rule rule = cidr_rule("0.0.0.0/0");
	struct net_rules *nr = build(&rule, 1);
	struct in_addr a = {0};

	cr_expect_eq(net_rules_match_ip(nr, AF_INET, &a, 65536, NET_PROTO_TCP, NET_DIR_OUT),
		     -EINVAL);
	cr_expect_eq(net_rules_match_ip(nr, AF_INET, &a, -2, NET_PROTO_TCP, NET_DIR_OUT), -EINVAL);
	cr_expect_eq(net_rules_match_ip(nr, AF_INET, &a, 1, (enum net_proto)9, NET_DIR_OUT),
		     -EINVAL);
	cr_expect_eq(net_rules_match_ip(nr, AF_INET, &a, 1, NET_PROTO_TCP, (enum net_dir)2),
		     -EINVAL);
	cr_expect_eq(net_rules_match_ip(nr, AF_INET, NULL, 1, NET_PROTO_TCP, NET_DIR_OUT), -EINVAL);
	cr_expect_eq(net_rules_match_ip(nr, AF_UNIX, &a, 1, NET_PROTO_TCP, NET_DIR_OUT),
		     -EAFNOSUPPORT);
	cr_expect_eq(net_rules_match_ip(nr, AF_INET, &a, 0, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(net_rules_match_ip(nr, AF_INET, &a, 65535, NET_PROTO_TCP, NET_DIR_OUT), 0);
	net_rules_free(nr);
}

/* ---- ports, protocol, direction ---- */

Test(net_rules_limits, ports)
{
	static const struct net_port_range web[] = {{80, 80}, {443, 443}, {8000, 8999}};
	struct net_rule rules[] = {cidr_rule("10.0.0.0/8"), cidr_rule("10.0.0.0/8")};
	struct net_rules *nr;

	rules[0].ports = web;
	rules[0].n_ports = 3;
	rules[1].ports = &(struct net_port_range){0, 0};
	rules[1].n_ports = 1;
	nr = build(rules, 2);

	cr_expect_eq(m4(nr, "10.0.0.1", 80, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 443, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 8000, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 8999, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 9000, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "10.0.0.1", 7999, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "10.0.0.1", 81, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "10.0.0.1", 0, NET_PROTO_TCP, NET_DIR_OUT), 1);
	/* "Any port will do" is satisfied by a rule that allows some port. */
	cr_expect_eq(m4(nr, "10.0.0.1", NET_PORT_ANY, NET_PROTO_TCP, NET_DIR_OUT), 0);
	net_rules_free(nr);

	/* No port list means every port. */
	rules[0].n_ports = 0;
	nr = build(rules, 1);
	cr_expect_eq(m4(nr, "10.0.0.1", 0, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 65535, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", NET_PORT_ANY, NET_PROTO_TCP, NET_DIR_OUT), 0);
	net_rules_free(nr);
}

Test(net_rules_limits, proto)
{
	struct net_rule rules[] = {cidr_rule("10.0.0.0/8"), cidr_rule("10.0.0.0/8"),
				   cidr_rule("10.0.0.0/8")};
	struct net_rules *nr;

	rules[0].proto = NET_PROTO_TCP;
	rules[1].proto = NET_PROTO_UDP;
	nr = build(rules, 2);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_UDP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_ANY, NET_DIR_OUT), 0);
	net_rules_free(nr);

	nr = build(&rules[1], 1);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_ANY, NET_DIR_OUT), 0);
	net_rules_free(nr);

	nr = build(&rules[2], 1); /* proto ANY takes every query */
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_UDP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.0.0.1", 53, NET_PROTO_ANY, NET_DIR_OUT), 0);
	net_rules_free(nr);
}

Test(net_rules_limits, inbound)
{
	struct net_rule rules[] = {cidr_rule("0.0.0.0/0"), cidr_rule("0.0.0.0/0"),
				   host_rule("localhost"), unix_rule("/run/*.sock"),
				   unix_rule("@srv")};
	struct net_rules *nr;

	rules[1].inbound = true;
	nr = build(rules, 5);
	cr_expect_eq(m4(nr, "127.0.0.1", 8080, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "127.0.0.1", 8080, NET_PROTO_TCP, NET_DIR_IN), 1);
	cr_expect_eq(net_rules_match_host(nr, "localhost", 9, 80, NET_PROTO_TCP, NET_DIR_OUT), 2);
	cr_expect_eq(net_rules_match_host(nr, "localhost", 9, 80, NET_PROTO_TCP, NET_DIR_IN),
		     -ENOENT);
	cr_expect_eq(munix(nr, "/run/a.sock", NET_DIR_OUT), 3);
	cr_expect_eq(munix(nr, "/run/a.sock", NET_DIR_IN), -ENOENT);
	cr_expect_eq(munix(nr, "@srv", NET_DIR_OUT), 4);
	cr_expect_eq(munix(nr, "@srv", NET_DIR_IN), -ENOENT);
	net_rules_free(nr);

	rules[3].inbound = true;
	rules[4].inbound = true;
	nr = build(&rules[3], 2);
	cr_expect_eq(munix(nr, "/run/a.sock", NET_DIR_IN), 0);
	cr_expect_eq(munix(nr, "@srv", NET_DIR_IN), 1);
	cr_expect_eq(munix(nr, "@srv", NET_DIR_OUT), 1);
	net_rules_free(nr);
}

Test(net_rules_limits, lowest_index_among_all_containing_prefixes)
{
	static const struct net_port_range p80 = {80, 80}, p443 = {443, 443};
	struct net_rule rules[] = {cidr_rule("10.1.2.0/24"), cidr_rule("10.0.0.0/8"),
				   cidr_rule("10.1.0.0/16"), cidr_rule("10.1.2.3"),
				   cidr_rule("10.1.2.0/24")};
	struct net_rules *nr;

	rules[0].ports = &p443;
	rules[0].n_ports = 1;
	rules[1].ports = &p80;
	rules[1].n_ports = 1;
	rules[2].proto = NET_PROTO_UDP;
	rules[3].inbound = true;
	nr = build(rules, 5);

	cr_expect_eq(m4(nr, "10.1.2.3", 443, NET_PROTO_TCP, NET_DIR_OUT), 0);
	cr_expect_eq(m4(nr, "10.1.2.3", 80, NET_PROTO_TCP, NET_DIR_OUT), 1);
	cr_expect_eq(m4(nr, "10.1.2.3", 53, NET_PROTO_UDP, NET_DIR_OUT), 2);
	cr_expect_eq(m4(nr, "10.1.2.3", 53, NET_PROTO_TCP, NET_DIR_OUT), 3);
	cr_expect_eq(m4(nr, "10.1.2.3", 443, NET_PROTO_TCP, NET_DIR_IN), 3);
	cr_expect_eq(m4(nr, "10.1.2.4", 53, NET_PROTO_TCP, NET_DIR_OUT), 4);
	cr_expect_eq(m4(nr, "10.1.2.4", 53, NET_PROTO_TCP, NET_DIR_IN), -ENOENT);
	cr_expect_eq(m4(nr, "10.1.3.4", 53, NET_PROTO_TCP, NET_DIR_OUT), -ENOENT);
	cr_expect_eq(m4(nr, "10.1.3.4", 53, NET_PROTO_ANY, NET_DIR_OUT), 2);
	cr_expect_eq(m4(nr, "10.9.3.4", NET_PORT_ANY, NET_PROTO_ANY, NET_DIR_OUT), 1);
	net_rules_free(nr);
}

/* ---- host names ---- */

Test(net_rules_host, patterns)
{
	struct net_rule rules[] = {
		host_rule("api.example.com"),	       host_rule("*.example.com"),
		host_rule("dynamodb.*.amazonaws.com"), host_rule("s3-*.amazonaws.com"),
		host_rule("*.amazonaws.com"),
	};
	struct net_rules *nr = build(rules, 5);

	cr_expect_eq(mhost(nr, "api.example.com", 443), 0);
	cr_expect_eq(mhost(nr, "API.Example.COM", 443), 0);
	cr_expect_eq(mhost(nr, "api.example.com.", 443), 0);
	cr_expect_eq(mhost(nr, "a.example.com", 443), 1);
	cr_expect_eq(mhost(nr, "a.b.c.example.com", 443), 1);
	cr_expect_eq(mhost(nr, "example.com", 443), -ENOENT);
	cr_expect_eq(mhost(nr, "badexample.com", 443), -ENOENT);
	cr_expect_eq(mhost(nr, "example.com.evil.net", 443), -ENOENT);
	cr_expect_eq(mhost(nr, "dynamodb.us-east-1.amazonaws.com", 443), 2);
	cr_expect_eq(mhost(nr, "s3-eu-west-1.amazonaws.com", 443), 3);
	cr_expect_eq(mhost(nr, "dynamodb.a.b.amazonaws.com", 443), 4);
	cr_expect_eq(mhost(nr, "amazonaws.com", 443), -ENOENT);
	cr_expect_eq(
		net_rules_match_host(nr, "api.example.comX", 15, 443, NET_PROTO_TCP, NET_DIR_OUT),
		0);
	cr_expect_eq(net_rules_match_host(nr, NULL, 0, 443, NET_PROTO_TCP, NET_DIR_OUT), -EINVAL);

	/* A subject glob_trie refuses is an error, never a match. */
	static char long_name[GLOB_MAX_LEN + 16];
	memset(long_name, 'a', sizeof(long_name) - 1);
	memcpy(long_name + sizeof(long_name) - 13, ".example.com", 12);
	cr_expect_eq(mhost(nr, long_name, 443), -EINVAL);
	net_rules_free(nr);
}

Test(net_rules_host, lowest_index_with_limits)
{
	static const struct net_port_range p443 = {443, 443};
	struct net_rule rules[] = {host_rule("*.example.com"), host_rule("db.example.com"),
				   host_rule("*.example.com"), host_rule("DB.EXAMPLE.COM")};
	struct net_rules *nr;

	rules[0].ports = &p443;
	rules[0].n_ports = 1;
	rules[1].proto = NET_PROTO_UDP;
	rules[2].inbound = true;
	nr = build(rules, 4);

	cr_expect_eq(mhost(nr, "db.example.com", 443), 0);
	cr_expect_eq(mhost(nr, "db.example.com", 5432), 2);
	cr_expect_eq(net_rules_match_host(nr, "db.example.com", 14, 53, NET_PROTO_UDP, NET_DIR_OUT),
		     1);
	cr_expect_eq(net_rules_match_host(nr, "x.example.com", 13, 53, NET_PROTO_UDP, NET_DIR_IN),
		     2);
	net_rules_free(nr);

	rules[2].inbound = false;
	nr = build(rules, 4);
	cr_expect_eq(net_rules_match_host(nr, "db.example.com", 14, 53, NET_PROTO_TCP, NET_DIR_IN),
		     -ENOENT);
	rules[3].inbound = true;
	net_rules_free(nr);
	nr = build(rules, 4);
	cr_expect_eq(net_rules_match_host(nr, "db.example.com", 14, 53, NET_PROTO_TCP, NET_DIR_IN),
		     3);
	net_rules_free(nr);
}

/* ---- unix sockets ---- */

Test(net_rules_unix, paths_and_abstract_names)
{
	struct net_rule rules[] = {
		unix_rule("/tmp/*.sock"),	 unix_rule("/run/**"), unix_rule("@dbus-*"),
		unix_rule("@/tmp/.X11-unix/X*"), unix_rule("@exact"),
	};
	struct net_rules *nr = build(rules, 5);

	cr_expect_eq(munix(nr, "/tmp/a.sock", NET_DIR_OUT), 0);
	cr_expect_eq(munix(nr, "/tmp/x/a.sock", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(munix(nr, "/tmp/a.socket", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(munix(nr, "/run/docker.sock", NET_DIR_OUT), 1);
	cr_expect_eq(munix(nr, "/run/user/1000/bus", NET_DIR_OUT), 1);
	cr_expect_eq(munix(nr, "@dbus-abc", NET_DIR_OUT), 2);
	cr_expect_eq(munix(nr, "@/tmp/.X11-unix/X0", NET_DIR_OUT), 3);
	cr_expect_eq(munix(nr, "@exact", NET_DIR_OUT), 4);
	cr_expect_eq(munix(nr, "@exactly", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(munix(nr, "@", NET_DIR_OUT), -ENOENT);
	/* The two name spaces never meet. */
	cr_expect_eq(munix(nr, "@/tmp/a.sock", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(munix(nr, "/exact", NET_DIR_OUT), -ENOENT);
	cr_expect_eq(munix(nr, "/tmp/.X11-unix/X0", NET_DIR_OUT), -ENOENT);
	/* Only the first len bytes are the subject. */
	cr_expect_eq(net_rules_match_unix(nr, "@exactly", 6, NET_DIR_OUT), 4);
	cr_expect_eq(net_rules_match_unix(nr, "/tmp/a.sockXX", 11, NET_DIR_OUT), 0);
	cr_expect_eq(munix(nr, "tmp/a.sock", NET_DIR_OUT), -EINVAL);
	cr_expect_eq(munix(nr, "", NET_DIR_OUT), -EINVAL);
	cr_expect_eq(net_rules_match_unix(nr, NULL, 3, NET_DIR_OUT), -EINVAL);

	static char long_path[GLOB_MAX_LEN + 16] = "/run/";
	memset(long_path + 5, 'a', sizeof(long_path) - 6);
	cr_expect_eq(munix(nr, long_path, NET_DIR_OUT), -EINVAL);
	net_rules_free(nr);
}

Test(net_rules_unix, lowest_index)
{
	struct net_rule rules[] = {unix_rule("/run/**"), unix_rule("/run/a.sock"), unix_rule("@x*"),
				   unix_rule("@xy")};
	struct net_rules *nr;

	rules[0].inbound = false;
	rules[1].inbound = true;
	rules[3].inbound = true;
	nr = build(rules, 4);
	cr_expect_eq(munix(nr, "/run/a.sock", NET_DIR_OUT), 0);
	cr_expect_eq(munix(nr, "/run/a.sock", NET_DIR_IN), 1);
	cr_expect_eq(munix(nr, "@xy", NET_DIR_OUT), 2);
	cr_expect_eq(munix(nr, "@xy", NET_DIR_IN), 3);
	net_rules_free(nr);
}

/* ---- socket addresses ---- */

static int msa(const struct net_rules *nr, const void *sa, size_t len, enum net_dir dir)
{
	return net_rules_match_sockaddr(nr, sa, (socklen_t)len, NET_PROTO_TCP, dir);
}

Test(net_rules_sockaddr, inet)
{
	static const struct net_port_range p443 = {443, 443};
	struct net_rule rules[] = {cidr_rule("10.0.0.0/8"), cidr_rule("2001:db8::/32")};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(443)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	unsigned char misaligned[sizeof(sin6) + 1];
	struct net_rules *nr;

	rules[0].ports = &p443;
	rules[0].n_ports = 1;
	nr = build(rules, 2);

	inet_pton(AF_INET, "10.1.1.1", &sin.sin_addr);
	cr_expect_eq(msa(nr, &sin, sizeof(sin), NET_DIR_OUT), 0);
	cr_expect_eq(msa(nr, &sin, sizeof(sin) - 1, NET_DIR_OUT), -EINVAL);
	sin.sin_port = htons(80);
	cr_expect_eq(msa(nr, &sin, sizeof(sin), NET_DIR_OUT), -ENOENT);

	inet_pton(AF_INET6, "::ffff:10.1.1.1", &sin6.sin6_addr);
	cr_expect_eq(msa(nr, &sin6, sizeof(sin6), NET_DIR_OUT), 0);
	sin6.sin6_port = htons(80);
	cr_expect_eq(msa(nr, &sin6, sizeof(sin6), NET_DIR_OUT), -ENOENT);
	inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
	cr_expect_eq(msa(nr, &sin6, sizeof(sin6), NET_DIR_OUT), 1);
	cr_expect_eq(msa(nr, &sin6, 24, NET_DIR_OUT), 1); /* RFC 2133 size */
	cr_expect_eq(msa(nr, &sin6, 23, NET_DIR_OUT), -EINVAL);

	memcpy(misaligned + 1, &sin6, sizeof(sin6));
	cr_expect_eq(msa(nr, misaligned + 1, sizeof(sin6), NET_DIR_OUT), 1);

	struct sockaddr nl = {.sa_family = AF_NETLINK};
	cr_expect_eq(msa(nr, &nl, sizeof(nl), NET_DIR_OUT), -EAFNOSUPPORT);
	cr_expect_eq(msa(nr, &sin, 1, NET_DIR_OUT), -EINVAL);
	cr_expect_eq(msa(nr, NULL, sizeof(sin), NET_DIR_OUT), -EINVAL);
	net_rules_free(nr);
}

Test(net_rules_sockaddr, unix_socket)
{
	const size_t path_off = offsetof(struct sockaddr_un, sun_path);
	struct net_rule rules[] = {unix_rule("/tmp/**"), unix_rule("/etc/*.sock"),
				   unix_rule("@abs*"), unix_rule("/long/*")};
	struct net_rules *nr = build(rules, 4);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t max_name = sizeof(sun.sun_path);

	strcpy(sun.sun_path, "/tmp/app.sock");
	cr_expect_eq(msa(nr, &sun, sizeof(sun), NET_DIR_OUT), 0);
	cr_expect_eq(msa(nr, &sun, path_off + strlen(sun.sun_path) + 1, NET_DIR_OUT), 0);
	/* Without its terminator: the path ends where len says. */
	cr_expect_eq(msa(nr, &sun, path_off + strlen(sun.sun_path), NET_DIR_OUT), 0);
	cr_expect_eq(msa(nr, &sun, path_off + 4, NET_DIR_OUT), 0); /* "/tmp": '**' may be empty */
	cr_expect_eq(msa(nr, &sun, path_off + 3, NET_DIR_OUT), -ENOENT); /* "/tm" */

	/* Judged where it leads, not by its spelling. */
	strcpy(sun.sun_path, "/tmp/../etc/x.sock");
	cr_expect_eq(msa(nr, &sun, sizeof(sun), NET_DIR_OUT), 1);
	strcpy(sun.sun_path, "/etc//x.sock");
	cr_expect_eq(msa(nr, &sun, sizeof(sun), NET_DIR_OUT), 1);

	strcpy(sun.sun_path, "x.sock");
	cr_expect_eq(msa(nr, &sun, sizeof(sun), NET_DIR_OUT), -EINVAL);

	/* A path filling sun_path with no NUL at all. */
	memset(sun.sun_path, 'a', max_name);
	memcpy(sun.sun_path, "/long/", 6);
	cr_expect_eq(msa(nr, &sun, sizeof(sun), NET_DIR_OUT), 3);
	cr_expect_eq(msa(nr, &sun, sizeof(sun) + 1, NET_DIR_OUT), -EINVAL);

	/* Abstract: the name is every byte after the leading NUL, up to len. */
	memset(sun.sun_path, 0, max_name);
	memcpy(sun.sun_path + 1, "abstract", 8);
	cr_expect_eq(msa(nr, &sun, path_off + 9, NET_DIR_OUT), 2);
	cr_expect_eq(msa(nr, &sun, path_off + 4, NET_DIR_OUT), 2);	 /* "@abs" */
	cr_expect_eq(msa(nr, &sun, path_off + 3, NET_DIR_OUT), -ENOENT); /* "@ab" */
	cr_expect_eq(msa(nr, &sun, path_off + 1, NET_DIR_OUT), -ENOENT); /* "@" */
	memcpy(sun.sun_path + 1, "xabs", 4);
	cr_expect_eq(msa(nr, &sun, path_off + 5, NET_DIR_OUT), -ENOENT);
	memset(sun.sun_path + 1, 'b', max_name - 1);
	memcpy(sun.sun_path + 1, "abs", 3);
	cr_expect_eq(msa(nr, &sun, sizeof(sun), NET_DIR_OUT), 2);

	/* Unnamed. */
	cr_expect_eq(msa(nr, &sun, sizeof(sa_family_t), NET_DIR_OUT), -EINVAL);
	net_rules_free(nr);
}

/* ---- cidr_trie on its own ---- */

Test(cidr_trie, build_checks_and_shape)
{
	struct cidr_entry e[3] = {{.addr = {10}, .prefix_len = 8, .value = 5},
				  {.addr = {10, 1}, .prefix_len = 16, .value = 3},
				  {.addr = {11}, .prefix_len = 8, .value = 1}};
	struct cidr_trie *t = NULL;
	uint32_t v = 0;

	cr_expect_eq(cidr_trie_build(64, e, 3, &t), -EINVAL);
	e[0].prefix_len = 6; /* 10 = 0000 1010: bit 6 set beyond /6 */
	cr_expect_eq(cidr_trie_build(32, e, 3, &t), -EINVAL);
	e[0].prefix_len = 33;
	cr_expect_eq(cidr_trie_build(32, e, 3, &t), -EINVAL);
	e[0].prefix_len = 8;

	cr_assert_eq(cidr_trie_build(32, e, 3, &t), 0);
	/* 10/8 and 11/8 share 7 bits: one join node above them. */
	cr_expect_eq(cidr_trie_node_count(t), 4);
	cr_expect_eq(cidr_trie_lowest(t, (const uint8_t[]){10, 1, 0, 0}, NULL, NULL, &v), 0);
	cr_expect_eq(v, 3);
	cr_expect_eq(cidr_trie_lowest(t, (const uint8_t[]){10, 2, 0, 0}, NULL, NULL, &v), 0);
	cr_expect_eq(v, 5);
	cr_expect_eq(cidr_trie_lowest(t, (const uint8_t[]){11, 2, 0, 0}, NULL, NULL, &v), 0);
	cr_expect_eq(v, 1);
	v = 77;
	cr_expect_eq(cidr_trie_lowest(t, (const uint8_t[]){12, 0, 0, 0}, NULL, NULL, &v), -ENOENT);
	cr_expect_eq(v, 77);
	cidr_trie_free(t);

	cr_assert_eq(cidr_trie_build(128, NULL, 0, &t), 0);
	cr_expect_eq(cidr_trie_lowest(t, (const uint8_t[16]){0}, NULL, NULL, &v), -ENOENT);
	cidr_trie_free(t);
}

/* ---- randomised: the trie against a linear scan ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void mask_to(uint8_t *addr, unsigned bytes, unsigned prefix_len)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bits = prefix_len > 8 * i ? prefix_len - 8 * i : 0;

		addr[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
	}
}

/* Independent of the code under test: byte masks, the mapped test spelled out. */
static bool ref_contains(const struct net_cidr *c, int family, const uint8_t *addr)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	uint8_t rule_addr[16], q[16];
	unsigned plen = c->prefix_len;
	int rule_family = c->family;

	memcpy(rule_addr, c->addr, 16);
	if (rule_family == AF_INET6 && plen >= 96 && memcmp(rule_addr, mapped, 12) == 0) {
		memmove(rule_addr, rule_addr + 12, 4);
		rule_family = AF_INET;
		plen -= 96;
	}
	memcpy(q, addr, family == AF_INET ? 4 : 16);
	if (family == AF_INET6 && memcmp(q, mapped, 12) == 0) {
		memmove(q, q + 12, 4);
		family = AF_INET;
	}
	if (family != rule_family)
		return false;
	mask_to(q, family == AF_INET ? 4 : 16, plen);
	return memcmp(q, rule_addr, family == AF_INET ? 4 : 16) == 0;
}

static int ref_match(const struct net_rule *rules, size_t n, int family, const uint8_t *addr,
		     int port, enum net_proto proto, enum net_dir dir)
{
	for (size_t i = 0; i < n; i++) {
		const struct net_rule *r = &rules[i];
		bool port_ok = port == NET_PORT_ANY || r->n_ports == 0;

		for (size_t j = 0; j < r->n_ports; j++)
			port_ok |= r->ports[j].lo <= port && port <= r->ports[j].hi;
		if (!port_ok || (dir == NET_DIR_IN && !r->inbound))
			continue;
		if (proto != NET_PROTO_ANY && r->proto != NET_PROTO_ANY && r->proto != proto)
			continue;
		if (ref_contains(&r->cidr, family, addr))
			return (int)i;
	}
	return -ENOENT;
}

#define N_RULES	  4000
#define N_QUERIES 40000
#define N_BASES	  6

Test(net_rules_random, trie_agrees_with_linear_scan)
{
	static struct net_rule rules[N_RULES];
	static struct net_port_range ports[N_RULES][3];
	uint8_t bases[2][N_BASES][16];
	size_t hits = 0;
	struct net_rules *nr;

	/* Few bases with random low bits give deep, overlapping, shared prefixes. */
	for (int f = 0; f < 2; f++)
		for (int b = 0; b < N_BASES; b++)
			for (int i = 0; i < 16; i++)
				bases[f][b][i] = (uint8_t)rng();

	for (size_t i = 0; i < N_RULES; i++) {
		struct net_rule *r = &rules[i];
		bool v6 = rng() % 2;
		unsigned bytes = v6 ? 16 : 4, width = 8 * bytes;

		*r = (struct net_rule){.kind = NET_RULE_CIDR};
		r->cidr.family = v6 ? AF_INET6 : AF_INET;
		memcpy(r->cidr.addr, bases[v6][rng() % N_BASES], bytes);
		for (unsigned k = rng() % 4; k > 0; k--)
			r->cidr.addr[rng() % bytes] ^= (uint8_t)(1u << (rng() % 8));
		r->cidr.prefix_len = (uint8_t)(rng() % 64 == 0 ? rng() % (width + 1)
							       : width - rng() % (width / 2 + 1));
		mask_to(r->cidr.addr, bytes, r->cidr.prefix_len);
		if (!v6 && rng() % 8 == 0) {
			/* The same block spelled as mapped IPv6 by hand. */
			memmove(r->cidr.addr + 12, r->cidr.addr, 4);
			memset(r->cidr.addr, 0, 10);
			r->cidr.addr[10] = r->cidr.addr[11] = 0xff;
			r->cidr.family = AF_INET6;
			r->cidr.prefix_len += 96;
		}
		r->n_ports = rng() % 4;
		for (size_t j = 0; j < r->n_ports; j++) {
			uint16_t lo = (uint16_t)(rng() % 12);

			ports[i][j] = (struct net_port_range){lo, (uint16_t)(lo + rng() % 3)};
		}
		r->ports = ports[i];
		r->proto = (enum net_proto)(rng() % 3);
		r->inbound = rng() % 2;
	}
	nr = build(rules, N_RULES);

	for (size_t q = 0; q < N_QUERIES; q++) {
		uint8_t addr[16];
		int family, port = rng() % 16 == 0 ? NET_PORT_ANY : (int)(rng() % 16);
		enum net_proto proto = (enum net_proto)(rng() % 3);
		enum net_dir dir = (enum net_dir)(rng() % 2);
		unsigned pick = rng() % 8;

		if (pick == 0) {
			family = rng() % 2 ? AF_INET6 : AF_INET;
			for (int i = 0; i < 16; i++)
				addr[i] = (uint8_t)rng();
		} else {
			bool v6 = rng() % 2;

			family = v6 ? AF_INET6 : AF_INET;
			memcpy(addr, bases[v6][rng() % N_BASES], 16);
			for (unsigned k = rng() % 4; k > 0; k--)
				addr[rng() % (v6 ? 16 : 4)] ^= (uint8_t)(1u << (rng() % 8));
			if (!v6 && pick == 1) {
				memmove(addr + 12, addr, 4);
				memset(addr, 0, 10);
				addr[10] = addr[11] = 0xff;
				family = AF_INET6;
			}
		}

		int want = ref_match(rules, N_RULES, family, addr, port, proto, dir);
		int got = net_rules_match_ip(nr, family, addr, port, proto, dir);

		cr_assert_eq(got, want, "query %zu: family %d port %d proto %d dir %d", q, family,
			     port, proto, dir);
		hits += got >= 0;
	}
	/* The generator must exercise both outcomes, or the comparison proves little. */
	cr_log_info("%zu of %d queries matched", hits, N_QUERIES);
	cr_expect_gt(hits, N_QUERIES / 10);
	cr_expect_lt(hits, N_QUERIES - N_QUERIES / 10);
	net_rules_free(nr);
}
