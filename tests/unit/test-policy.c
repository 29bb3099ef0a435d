// SPDX-License-Identifier: MIT
/* The loaded policy: extends, modes, and every kind of decision. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "policy.h"

static char dir[] = "/tmp/fnguard-test-policy-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(const char *name, struct policy **ret, struct diag_list *d)
{
	char path[256];
	struct policy_load_opts opts = {.search_path = dir};
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return policy_load_file(path, &opts, ret, d);
}

static struct policy *load_ok(const char *name)
{
	struct diag_list d = {0};
	struct policy *p = NULL;
	int r = load(name, &p, &d);
	cr_assert_eq(r, 0, "load %s: %s", name, d.n ? d.lines[0] : strerror(-r));
	diag_list_clear(&d);
	return p;
}

static bool file_ok(const struct policy *p, const char *path, unsigned rights)
{
	struct policy_verdict v;
	cr_assert_eq(policy_check_file(p, path, strlen(path), rights, &v), 0);
	return v.allowed;
}

TestSuite(policy, .init = setup, .fini = teardown);

Test(policy, files_union_and_deny_wins)
{
	write_file("p.json", "{\"fnguard\": 1, \"files\": ["
			     "{\"path\": \"/var/task/**\", \"allow\": \"r\"},"
			     "{\"path\": \"/tmp/**\", \"allow\": \"rw\"},"
			     "{\"path\": \"/tmp/*.log\", \"allow\": \"c\"},"
			     "{\"path\": \"/etc/**\", \"allow\": \"r\"},"
			     "{\"path\": \"/etc/shadow\", \"deny\": \"rwcd\"}]}");
	struct policy *p = load_ok("p.json");
	cr_assert(file_ok(p, "/var/task/app.py", POLICY_RIGHT_READ));
	cr_assert(file_ok(p, "/var/task/a/b/c.py", POLICY_RIGHT_READ));
	cr_assert_not(file_ok(p, "/var/task/app.py", POLICY_RIGHT_WRITE));
	cr_assert(file_ok(p, "/tmp/x.log",
			  POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE),
		  "rights are the union of matching rules");
	cr_assert_not(file_ok(p, "/tmp/x.txt", POLICY_RIGHT_CREATE));
	cr_assert(file_ok(p, "/etc/passwd", POLICY_RIGHT_READ));
	cr_assert_not(file_ok(p, "/etc/shadow", POLICY_RIGHT_READ));
	cr_assert_not(file_ok(p, "/root/.aws/credentials", POLICY_RIGHT_READ));

	struct policy_verdict v;
	cr_assert_eq(policy_check_file(p, "/etc/shadow", 11, POLICY_RIGHT_READ, &v), 0);
	cr_assert(v.by_deny);
	cr_assert_eq(v.rule, 4);
	char buf[128];
	cr_assert_gt(policy_describe_rule(p, POLICY_CAT_FILE, v.rule, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "deny rwcd /etc/shadow");
	const char *file;
	unsigned line, col;
	cr_assert_eq(policy_rule_origin(p, POLICY_CAT_FILE, v.rule, &file, &line, &col), 0);
	cr_assert(strstr(file, "p.json"));
	cr_assert_eq(line, 1);

	cr_assert_eq(
		policy_check_file(p, "/tmp/x.txt", 10, POLICY_RIGHT_CREATE | POLICY_RIGHT_READ, &v),
		0);
	cr_assert_not(v.allowed);
	cr_assert_not(v.by_deny);
	cr_assert_eq(v.missing, POLICY_RIGHT_CREATE);
	cr_assert_eq(v.rule, -1);
	cr_assert_eq(policy_check_file(p, "relative", 8, POLICY_RIGHT_READ, &v), -EINVAL);
	policy_free(p);
}

Test(policy, network)
{
	write_file("n.json",
		   "{\"fnguard\": 1, \"network\": ["
		   "{\"host\": \"*.amazonaws.com\", \"ports\": [443]},"
		   "{\"cidr\": \"10.0.0.0/8\", \"ports\": [\"5432\"], \"proto\": \"tcp\"},"
		   "{\"unix\": \"/tmp/*.sock\"},"
		   "{\"host\": \"127.0.0.1\", \"ports\": [\"8000-8100\"], \"inbound\": true}]}");
	struct policy *p = load_ok("n.json");
	struct policy_verdict v;
	const char *h = "dynamodb.us-east-1.amazonaws.com";
	cr_assert_eq(policy_check_host(p, h, strlen(h), 443, NET_PROTO_TCP, NET_DIR_OUT, &v), 0);
	cr_assert(v.allowed);
	cr_assert_eq(v.rule, 0);
	cr_assert_eq(policy_check_host(p, h, strlen(h), 80, NET_PROTO_TCP, NET_DIR_OUT, &v), 0);
	cr_assert_not(v.allowed);
	cr_assert_eq(policy_check_host(p, "amazonaws.com", 13, 443, NET_PROTO_TCP, NET_DIR_OUT, &v),
		     0);
	cr_assert_not(v.allowed);
	cr_assert_eq(
		policy_check_host(p, h, strlen(h), NET_PORT_ANY, NET_PROTO_ANY, NET_DIR_OUT, &v),
		0);
	cr_assert(v.allowed);

	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(5432)};
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	cr_assert_eq(policy_check_sockaddr(p, (struct sockaddr *)&sin, sizeof(sin), NET_PROTO_TCP,
					   NET_DIR_OUT, &v),
		     0);
	cr_assert(v.allowed);
	cr_assert_eq(policy_check_sockaddr(p, (struct sockaddr *)&sin, sizeof(sin), NET_PROTO_UDP,
					   NET_DIR_OUT, &v),
		     0);
	cr_assert_not(v.allowed, "proto tcp only");
	struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = htons(5432)};
	inet_pton(AF_INET6, "::ffff:10.9.9.9", &mapped.sin6_addr);
	cr_assert_eq(policy_check_sockaddr(p, (struct sockaddr *)&mapped, sizeof(mapped),
					   NET_PROTO_TCP, NET_DIR_OUT, &v),
		     0);
	cr_assert(v.allowed, "IPv4-mapped IPv6 is judged as IPv4");

	struct sockaddr_in lo = {.sin_family = AF_INET, .sin_port = htons(8080)};
	inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);
	cr_assert_eq(policy_check_sockaddr(p, (struct sockaddr *)&lo, sizeof(lo), NET_PROTO_TCP,
					   NET_DIR_IN, &v),
		     0);
	cr_assert(v.allowed);
	cr_assert_eq(v.rule, 3);

	struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "/tmp/db.sock"};
	cr_assert_eq(policy_check_sockaddr(p, (struct sockaddr *)&sun, sizeof(sun), NET_PROTO_ANY,
					   NET_DIR_OUT, &v),
		     0);
	cr_assert(v.allowed);
	strcpy(sun.sun_path, "/run/docker.sock");
	cr_assert_eq(policy_check_sockaddr(p, (struct sockaddr *)&sun, sizeof(sun), NET_PROTO_ANY,
					   NET_DIR_OUT, &v),
		     0);
	cr_assert_not(v.allowed);
	char buf[128];
	cr_assert_gt(policy_describe_rule(p, POLICY_CAT_NETWORK, 1, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "cidr 10.0.0.0/8 ports 5432 tcp");
	policy_free(p);
}

Test(policy, exec_and_syscalls)
{
	write_file("e.json",
		   "{\"fnguard\": 1, \"exec\": ["
		   "{\"path\": \"/usr/bin/convert\", \"argv\": [\"convert\", \"*\", "
		   "\"/tmp/*.png\"]}],"
		   "\"syscalls\": [\"@basic-io\", \"sendfile\"], \"unsafe\": [\"ptrace\"]}");
	struct policy *p = load_ok("e.json");
	struct policy_verdict v;
	char *ok[] = {"convert", "a.jpg", "/tmp/a.png", NULL};
	char *bad[] = {"convert", "a.jpg", "/etc/a.png", NULL};
	cr_assert_eq(policy_check_exec(p, "/usr/bin/convert", 16, ok, &v), 0);
	cr_assert(v.allowed);
	cr_assert_eq(policy_check_exec(p, "/usr/bin/convert", 16, bad, &v), 0);
	cr_assert_not(v.allowed);
	cr_assert_eq(policy_check_exec(p, "/bin/sh", 7, NULL, &v), 0);
	cr_assert_not(v.allowed);

	cr_assert_eq(policy_check_syscall(p, "read", &v), 0);
	cr_assert(v.allowed, "read is in @basic-io");
	cr_assert_eq(v.rule, 0);
	cr_assert_eq(policy_check_syscall(p, "sendfile", &v), 0);
	cr_assert(v.allowed);
	cr_assert_eq(v.rule, 1);
	cr_assert_eq(policy_check_syscall(p, "ptrace", &v), 0);
	cr_assert(v.allowed, "listed under unsafe");
	cr_assert_eq(policy_check_syscall(p, "bpf", &v), 0);
	cr_assert_not(v.allowed);
	cr_assert(v.by_deny);
	cr_assert_eq(policy_check_syscall(p, "mkdir", &v), 0);
	cr_assert_not(v.allowed);
	cr_assert_eq(policy_check_syscall(p, "no_such_call", &v), -ENOENT);
	policy_free(p);
}

Test(policy, extends_union_modes_and_denies)
{
	write_file("base.json", "{\"fnguard\": 1, \"mode\": \"alert\", "
				"\"actions\": {\"exec\": \"enforce\"}, \"files\": ["
				"{\"path\": \"/etc/shadow\", \"deny\": \"r\"},"
				"{\"path\": \"/tmp/**\", \"allow\": \"rwcd\"}]}");
	write_file("mid.json", "{\"fnguard\": 1, \"extends\": [\"base\"], \"files\": ["
			       "{\"path\": \"/etc/**\", \"allow\": \"r\"}]}");
	write_file("top.json", "{\"fnguard\": 1, \"name\": \"top\", \"extends\": [\"mid.json\"],"
			       " \"actions\": {\"network\": \"record\"}}");
	struct policy *p = load_ok("top.json");
	cr_assert_str_eq(policy_name(p), "top");
	cr_assert_eq(policy_mode(p), POLICY_MODE_ALERT, "mode inherited");
	cr_assert_eq(policy_action(p, POLICY_CAT_EXEC), POLICY_MODE_ENFORCE);
	cr_assert_eq(policy_action(p, POLICY_CAT_NETWORK), POLICY_MODE_RECORD);
	cr_assert_eq(policy_action(p, POLICY_CAT_FILE), POLICY_MODE_ALERT);
	cr_assert(file_ok(p, "/etc/hosts", POLICY_RIGHT_READ));
	cr_assert(file_ok(p, "/tmp/a", POLICY_RIGHT_WRITE));
	cr_assert_not(file_ok(p, "/etc/shadow", POLICY_RIGHT_READ), "denies from a base stay");
	cr_assert_eq(policy_rule_count(p, POLICY_CAT_FILE), 3);
	policy_set_mode(p, POLICY_MODE_ENFORCE);
	cr_assert_eq(policy_action(p, POLICY_CAT_FILE), POLICY_MODE_ENFORCE);
	cr_assert_eq(policy_action(p, POLICY_CAT_NETWORK), POLICY_MODE_RECORD);

	char *doc = NULL, *res = NULL;
	cr_assert_eq(policy_to_json(p, false, &doc), 0);
	cr_assert_eq(policy_to_json(p, true, &res), 0);
	cr_assert(strstr(doc, "\"extends\""));
	cr_assert_null(strstr(doc, "/etc/shadow"));
	cr_assert_null(strstr(res, "\"extends\""));
	cr_assert(strstr(res, "/etc/shadow"));
	free(doc);
	free(res);
	policy_free(p);
}

Test(policy, default_mode_is_enforce)
{
	write_file("d.json", "{\"fnguard\": 1}");
	struct policy *p = load_ok("d.json");
	cr_assert_eq(policy_mode(p), POLICY_MODE_ENFORCE);
	cr_assert_eq(policy_on_error(p), POLICY_ON_ERROR_CLOSED);
	cr_assert_not(policy_requires(p, "seccomp"));
	policy_free(p);
}

Test(policy, extends_errors)
{
	struct diag_list d = {0};
	struct policy *p = NULL;
	write_file("a.json", "{\"fnguard\": 1, \"extends\": [\"b\"]}");
	write_file("b.json", "{\"fnguard\": 1,\n \"extends\": [\"a\"]}");
	cr_assert_eq(load("a.json", &p, &d), -ELOOP);
	cr_assert_null(p);
	cr_assert_eq(d.n, 1);
	cr_assert(strstr(d.lines[0], "b.json:2:14: extends[0]: extends cycle"), "%s", d.lines[0]);
	diag_list_clear(&d);

	write_file("m.json", "{\"fnguard\": 1, \"extends\": [\"nope\", \"bad\"]}");
	write_file("bad.json", "{\"fnguard\": 1, \"mode\": \"enforced\"}");
	cr_assert_eq(load("m.json", &p, &d), -EINVAL);
	cr_assert_null(p);
	cr_assert_eq(d.n, 2, "every problem is reported");
	cr_assert(strstr(d.lines[0], "m.json:1:28: extends[0]: cannot find profile 'nope'"), "%s",
		  d.lines[0]);
	cr_assert(strstr(d.lines[1], "bad.json:1:24: mode: unknown mode 'enforced' (did you mean "
				     "'enforce'?"),
		  "%s", d.lines[1]);
	diag_list_clear(&d);

	write_file("self.json", "{\"fnguard\": 1, \"extends\": [\"self.json\"]}");
	cr_assert_eq(load("self.json", &p, &d), -ELOOP);
	diag_list_clear(&d);
}

Test(policy, hash_is_stable_and_content_based)
{
	write_file("h1.json", "{\"fnguard\": 1, \"files\": [{\"path\": \"/a\", \"allow\": \"r\"},"
			      "{\"path\": \"/b\", \"allow\": \"r\"}]}");
	write_file("h2.json", "{\"files\": [{\"allow\": \"r\", \"path\": \"/b\"},"
			      "{\"path\": \"/a\", \"allow\": \"r\"}], \"fnguard\": 1}");
	write_file("h3.json",
		   "{\"fnguard\": 1, \"files\": [{\"path\": \"/a\", \"allow\": \"w\"}]}");
	struct policy *a = load_ok("h1.json"), *b = load_ok("h2.json"), *c = load_ok("h3.json");
	char ha[17], hb[17], hc[17];
	policy_hash(a, ha);
	policy_hash(b, hb);
	policy_hash(c, hc);
	cr_assert_str_eq(ha, hb);
	cr_assert_str_neq(ha, hc);
	cr_assert_eq(strlen(ha), 16);
	policy_free(a);
	policy_free(b);
	policy_free(c);
}

Test(policy, open_rights)
{
	int how;
	cr_assert_eq(policy_open_rights(O_RDONLY, &how), POLICY_RIGHT_READ);
	cr_assert_eq(how, POLICY_OPEN_FOLLOW);
	cr_assert_eq(policy_open_rights(O_RDWR | O_NOFOLLOW, &how),
		     POLICY_RIGHT_READ | POLICY_RIGHT_WRITE);
	cr_assert_eq(how, 0);
	cr_assert_eq(policy_open_rights(O_WRONLY | O_CREAT | O_TRUNC, &how),
		     POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE);
	cr_assert_eq(how, POLICY_OPEN_FOLLOW | POLICY_OPEN_MAYBE_CREATE);
	cr_assert_eq(policy_open_rights(O_WRONLY | O_CREAT | O_EXCL, &how),
		     POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE);
	cr_assert_eq(how, 0, "O_EXCL never follows a final symlink");
	cr_assert_eq(policy_open_rights(O_PATH | O_WRONLY, &how), POLICY_RIGHT_READ);
	cr_assert_eq(policy_open_rights(O_TMPFILE | O_RDWR, &how),
		     POLICY_RIGHT_CREATE | POLICY_RIGHT_WRITE);
}

/* A FIFO where a profile is expected (itself or extended) is refused at once, never waited on. */
Test(policy, fifo_profile_or_extends_is_refused_without_hanging)
{
	char fifo[256];
	struct diag_list d = {0};
	struct policy *p = NULL;
	char *text = NULL;
	size_t len = 0;

	snprintf(fifo, sizeof(fifo), "%s/fifo.json", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	alarm(10); /* a hang fails the test instead of the suite */
	cr_assert_eq(policy_read_file(fifo, &text, &len), -EINVAL);
	write_file("ext.json", "{\"fnguard\": 1, \"extends\": [\"./fifo.json\"]}");
	cr_assert_lt(load("ext.json", &p, &d), 0);
	cr_assert_null(p);
	cr_assert(d.n > 0);
	alarm(0);
	diag_list_clear(&d);
}

/* The topmost create root above a path (links can be planted below it), few roots or many. */
static void check_link_roots(struct policy *p)
{
	static const struct {
		const char *path;
		size_t root;
	} cases[] = {
		{"/tmp/a/b/c", 6}, {"/tmp/a", 6},
		{"/tmp/ab", 0},	   {"/tmp", 0},
		{"/srv/x", 6},	   {"/srv/x/y", 6},
		{"/srv/xy", 0},	   {"/var/app/f.log", 8},
		{"/var", 0},	   {"/var/application", 0},
		{"relative/a", 0}, {"/", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(policy_path_link_root(p, cases[i].path, strlen(cases[i].path)),
			     cases[i].root, "%s", cases[i].path);
	cr_expect_eq(policy_path_may_hold_links(p, "/tmp/a/b", 8), true);
	cr_expect_eq(policy_path_may_hold_links(p, "/usr/bin", 8), false);
}

Test(policy, link_roots_few_and_many)
{
	static const char rules[] = "{\"path\": \"/tmp/a/b/**\", \"allow\": \"rwc\"},"
				    "{\"path\": \"/tmp/a/**\", \"allow\": \"rwc\"},"
				    "{\"path\": \"/tmp/a/**\", \"allow\": \"rwcd\"},"
				    "{\"path\": \"/srv/x\", \"allow\": \"rwc\"},"
				    "{\"path\": \"/var/app/*.log\", \"allow\": \"c\"},"
				    "{\"path\": \"/usr/**\", \"allow\": \"r\"}";
	char text[4096];
	int n = snprintf(text, sizeof(text), "{\"fnguard\": 1, \"files\": [%s]}", rules);
	cr_assert(n > 0 && (size_t)n < sizeof(text));
	write_file("few.json", text);
	struct policy *p = load_ok("few.json");
	check_link_roots(p);
	policy_free(p);

	/* Past the scan's few: looked up by the path's prefixes. */
	n = snprintf(text, sizeof(text), "{\"fnguard\": 1, \"files\": [%s", rules);
	for (int i = 0; i < 40; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      ",{\"path\": \"/data/cache-%d/**\", \"allow\": \"rwc\"}", i);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "]}");
	cr_assert((size_t)n < sizeof(text));
	write_file("many.json", text);
	p = load_ok("many.json");
	check_link_roots(p);
	cr_expect_eq(policy_path_link_root(p, "/data/cache-7/q/r", 17), strlen("/data/cache-7"));
	cr_expect_eq(policy_path_link_root(p, "/data/cache-39", 14), strlen("/data/cache-39"));
	cr_expect_eq(policy_path_link_root(p, "/data/cache-77/q", 16), 0);
	cr_expect_eq(policy_path_link_root(p, "/data", 5), 0);
	policy_free(p);

	/* A create rule on everything: every absolute path is under "/". */
	write_file("all.json",
		   "{\"fnguard\": 1, \"files\": [{\"path\": \"/**\", \"allow\": \"rwc\"}]}");
	p = load_ok("all.json");
	cr_expect_eq(policy_path_link_root(p, "/etc/passwd", 11), 1);
	policy_free(p);
}

/* A path on the way to an allowed rule's root: a wildcard's root is, a file's own name is not. */
Test(policy, path_is_ancestor)
{
	write_file("p.json", "{\"fnguard\": 1, \"files\": ["
			     "{\"path\": \"/var/task/*.js\", \"allow\": \"r\"},"
			     "{\"path\": \"/etc/passwd\", \"allow\": \"r\"},"
			     "{\"path\": \"/opt/x/**\", \"deny\": \"r\"}]}");
	struct policy *p = load_ok("p.json");
	static const struct {
		const char *path;
		bool ancestor;
	} cases[] = {
		{"/", true},
		{"/var", true},
		{"/var/task", true},
		{"/var/ta", false},
		{"/var/task/a", false},
		{"/etc", true},
		{"/etc/passwd", false},
		{"/opt", false},
		{"/opt/x", false},
		{"relative", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(policy_path_is_ancestor(p, cases[i].path, strlen(cases[i].path)),
			     cases[i].ancestor, "%s", cases[i].path);
	policy_free(p);
}

/*
 * Below a wildcard rule's root, the directories its segments match, with a
 * segment left over (refusal sweep, 2026-11-25); "**" walks no further.
 */
Test(policy, path_is_ancestor_through_wildcards)
{
	write_file("w.json", "{\"fnguard\": 1, \"files\": ["
			     "{\"path\": \"/srv/*/allowed/**\", \"allow\": \"r\"},"
			     "{\"path\": \"/home/*/.local/lib/python3*/site-packages\", "
			     "\"allow\": \"r\"},"
			     "{\"path\": \"/data/**/x.json\", \"allow\": \"r\"}]}");
	struct policy *p = load_ok("w.json");
	static const struct {
		const char *path;
		bool ancestor;
	} cases[] = {
		{"/srv", true},
		{"/srv/app", true},
		{"/srv/app/allowed", true},
		{"/srv/app/other", false},
		{"/srv/app/allowed/x/y", false}, /* what the rule names, not on its way */
		{"/srvx/app", false},
		{"/home/u", true},
		{"/home/u/.local", true},
		{"/home/u/.local/lib/python3.12", true},
		{"/home/u/.local/lib/python2.7", false},
		{"/home/u/.local/lib/python3.12/site-packages", false}, /* the rule's own name */
		{"/home/u/.cache", false},
		{"/data", true},
		{"/data/a", false}, /* "**": no walk */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(policy_path_is_ancestor(p, cases[i].path, strlen(cases[i].path)) ||
				     policy_path_is_dir_ancestor(p, cases[i].path,
								 strlen(cases[i].path)),
			     cases[i].ancestor, "%s", cases[i].path);
	/* Below the literal part only the lexical walk says it: the shim wants a directory. */
	cr_expect_not(policy_path_is_ancestor(p, "/srv/app", 8));
	cr_expect(policy_path_is_dir_ancestor(p, "/srv/app", 8));
	cr_expect_not(policy_path_is_dir_ancestor(p, "/srv", 4));
	policy_free(p);
}
