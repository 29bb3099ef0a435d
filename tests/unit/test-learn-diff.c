// SPDX-License-Identifier: MIT
/* Comparing what profiles allow: pattern containment, profile diffs, drift, completeness. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_diff.h"
#include "profile.h"

struct pair {
	const char *q, *p;
	bool want;
};

Test(diff, glob_covers)
{
	static const struct pair cases[] = {
		{"/tmp/**", "/tmp/tmp*", true},
		{"/tmp/**", "/tmp", true},
		{"/tmp/**", "/tmp/a/b/c", true},
		{"/tmp/**", "/tmp/**", true},
		{"/tmp/*", "/tmp/**", false},
		{"/tmp/*", "/tmp/a/b", false},
		{"/tmp/*", "/tmp/tmp*", true},
		{"/tmp/tmp*", "/tmp/*", false},
		{"/tmp/*.png", "/tmp/a*.png", true},
		{"/tmp/a*.png", "/tmp/*.png", false},
		{"/tmp/?", "/tmp/x", true},
		{"/tmp/?", "/tmp/\xc3\xa9", true},
		{"/tmp/?", "/tmp/xy", false},
		{"/tmp/?", "/tmp/*", false},
		{"/tmp/*", "/tmp/?", true},
		{"/a/**/z", "/a/b/c/z", true},
		{"/a/**/z", "/a/z", true},
		{"/a/**/z", "/a/b/**/z", true},
		{"/a/**/z", "/a/b/y", false},
		{"/**", "/anything/at/all", true},
		{"/", "/", true},
		{"/x", "/y", false},
		{"/var/task/**", "/var/taskforce/x", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(learn_glob_covers(cases[i].q, cases[i].p), cases[i].want,
			     "%s covers %s: want %d", cases[i].q, cases[i].p, cases[i].want);
}

Test(diff, glob_intersects)
{
	static const struct pair cases[] = {
		{"/etc/**", "/etc/shadow", true},
		{"/etc/sha*", "/etc/*dow", true},
		{"/etc/a*", "/etc/b*", false},
		{"/etc/*/x", "/etc/**", true},
		{"/a/**/b", "/a/c/**", true},
		{"/tmp/?", "/tmp/xx", false},
		{"/x", "/x", true},
		{"/x", "/y", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(learn_glob_intersects(cases[i].q, cases[i].p), cases[i].want,
			     "%s meets %s: want %d", cases[i].q, cases[i].p, cases[i].want);
}

Test(diff, host_covers)
{
	static const struct pair cases[] = {
		{"*.amazonaws.com", "dynamodb.us-east-1.amazonaws.com", true},
		{"*.amazonaws.com", "amazonaws.com", false},
		{"*.amazonaws.com", "*.s3.amazonaws.com", true},
		{"*.s3.amazonaws.com", "*.amazonaws.com", false},
		{"dynamodb.*.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com", true},
		{"dynamodb.*.amazonaws.com", "dynamodb.a.b.amazonaws.com", false},
		{"dynamodb.*.amazonaws.com", "sqs.eu-west-1.amazonaws.com", false},
		{"Example.COM.", "example.com", true},
		{"s3-*.amazonaws.com", "s3-us-west-2.amazonaws.com", true},
		{"example.com", "*.example.com", false},
		{"*", "localhost", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(learn_host_covers(cases[i].q, cases[i].p), cases[i].want,
			     "%s covers %s: want %d", cases[i].q, cases[i].p, cases[i].want);
}

static struct profile *model(const char *text)
{
	struct profile *p = NULL;
	struct diag_list d = {0};
	struct policy_load_opts o = {.no_extends = true};
	int r = profile_read_json("t", text, strlen(text), &o, &p, &d);
	cr_assert_eq(r, 0, "%s", d.n ? d.lines[0] : "");
	return p;
}

Test(diff, rule_covers)
{
	struct profile *q = model(
		"{\"fnguard\": 1, \"network\": [{\"cidr\": \"10.0.0.0/8\", \"ports\": [\"1000-2000\", "
		"443]}, {\"host\": \"*.x.com\", \"proto\": \"tcp\"}],"
		" \"exec\": [{\"path\": \"/bin/*\", \"argv\": [\"*\", \"-v\", \"**\"]}, {\"path\": "
		"\"/usr/bin/convert\", \"argv\": [\"convert\", \"/tmp/*.png\"]}]}");
	struct profile *p = model(
		"{\"fnguard\": 1, \"network\": [{\"cidr\": \"10.1.0.0/16\", \"ports\": [\"1500-1600\", "
		"443]}, {\"cidr\": \"10.1.0.0/16\", \"ports\": [\"1500-2001\"]}, {\"cidr\": "
		"\"11.0.0.1\", \"ports\": [443]}, {\"host\": \"a.x.com\", \"proto\": \"tcp\", "
		"\"inbound\": true}, {\"host\": \"a.x.com\", \"proto\": \"tcp\"}, {\"host\": "
		"\"a.x.com\"}],"
		" \"exec\": [{\"path\": \"/bin/ls\", \"argv\": [\"ls\", \"-v\"]}, {\"path\": "
		"\"/bin/ls\", \"argv\": [\"ls\", \"-l\"]}, {\"path\": \"/usr/bin/convert\", \"argv\": "
		"[\"convert\", \"/tmp/a*.png\"]}, {\"path\": \"/usr/bin/convert\", \"argv\": "
		"[\"convert\", \"*\"]}, {\"path\": \"/bin/ls\"}]}");
	cr_assert(learn_net_rule_covers(&q->net[0], &p->net[0]));
	cr_assert(!learn_net_rule_covers(&q->net[0], &p->net[1]));
	cr_assert(!learn_net_rule_covers(&q->net[0], &p->net[2]));
	cr_assert(!learn_net_rule_covers(&q->net[1], &p->net[3])); /* inbound */
	cr_assert(learn_net_rule_covers(&q->net[1], &p->net[4]));
	cr_assert(!learn_net_rule_covers(&q->net[1], &p->net[5])); /* any protocol */
	cr_assert(learn_exec_rule_covers(&q->exec[0], &p->exec[0]));
	cr_assert(!learn_exec_rule_covers(&q->exec[0], &p->exec[1]));
	cr_assert(learn_exec_rule_covers(&q->exec[1], &p->exec[2]));
	cr_assert(!learn_exec_rule_covers(&q->exec[1], &p->exec[3]));
	cr_assert(!learn_exec_rule_covers(&q->exec[0], &p->exec[4]));
	profile_free(q);
	profile_free(p);
}

static struct policy *load(const char *text)
{
	struct policy *p = NULL;
	struct diag_list d = {0};
	struct policy_load_opts o = {.no_extends = true};
	int r = policy_load_buffer("t", text, strlen(text), &o, &p, &d);
	cr_assert_eq(r, 0, "%s", d.n ? d.lines[0] : "");
	diag_list_clear(&d);
	return p;
}

static char *fragment(const struct profile *p)
{
	char *t = NULL;
	cr_assert_eq(profile_write_json(p, false, &t), 0);
	return t;
}

#define assert_has(text, s)   cr_assert(strstr(text, s), "missing %s in\n%s", s, text)
#define assert_lacks(text, s) cr_assert(!strstr(text, s), "unexpected %s in\n%s", s, text)

static const char *old_doc =
	"{\"fnguard\": 1, \"mode\": \"enforce\", \"files\": [{\"path\": \"/etc/**\", \"allow\": "
	"\"r\"}, {\"path\": \"/etc/shadow\", \"deny\": \"rwcd\"}, {\"path\": \"/tmp/**\", "
	"\"allow\": \"rwcd\"}, {\"path\": \"/var/task/**\", \"allow\": \"r\"}],"
	" \"network\": [{\"host\": \"api.example.com\", \"ports\": [443]}],"
	" \"exec\": [{\"path\": \"/bin/echo\"}], \"syscalls\": [\"sendfile\"]}";

Test(diff, same_profiles)
{
	struct policy *a = load(old_doc), *b = load(old_doc);
	struct learn_diff *d = NULL;
	cr_assert_eq(learn_diff_profiles(a, b, &d), 0);
	char *x0 = fragment(d->only_a), *y0 = fragment(d->only_b);
	cr_assert(learn_diff_same(d), "%s\n%s\n%zu", x0, y0, d->n_settings);
	free(x0);
	free(y0);
	learn_diff_free(d);
	/* Written differently, allowing the same: still the same. */
	struct policy *c = load(
		"{\"fnguard\": 1, \"files\": [{\"path\": \"/etc/**\", \"allow\": \"r\"}, {\"path\": "
		"\"/etc/shadow\", \"deny\": \"rwcd\"}, {\"path\": \"/tmp/**\", \"allow\": \"rw\"},"
		" {\"path\": \"/tmp/**\", \"allow\": \"cd\"}, {\"path\": \"/var/task/**\", \"allow\": "
		"\"r\"}, {\"path\": \"/var/task/x\", \"allow\": \"r\"}],"
		" \"network\": [{\"host\": \"api.example.com\", \"ports\": [443], \"seen\": 4}],"
		" \"exec\": [{\"path\": \"/bin/echo\"}, {\"path\": \"/bin/echo\", \"argv\": [\"a\"]}],"
		" \"syscalls\": [\"sendfile\"]}");
	cr_assert_eq(learn_diff_profiles(a, c, &d), 0);
	char *x = fragment(d->only_a), *y = fragment(d->only_b);
	cr_assert(learn_diff_same(d), "%s\n%s", x, y);
	free(x);
	free(y);
	learn_diff_free(d);
	policy_free(a);
	policy_free(b);
	policy_free(c);
}

Test(diff, differences_both_ways)
{
	struct policy *a = load(old_doc);
	struct policy *b = load(
		"{\"fnguard\": 1, \"mode\": \"alert\", \"files\": [{\"path\": \"/etc/**\", \"allow\": "
		"\"r\"}, {\"path\": \"/tmp/**\", \"allow\": \"rw\"}, {\"path\": \"/var/task/**\", "
		"\"allow\": \"rw\"}],"
		" \"network\": [{\"host\": \"api.example.com\", \"ports\": [443, 80]}, {\"host\": "
		"\"new.example.com\"}],"
		" \"exec\": [], \"syscalls\": [\"sendfile\", \"fsync\"], \"require\": [\"seccomp\"]}");
	struct learn_diff *d = NULL;
	cr_assert_eq(learn_diff_profiles(a, b, &d), 0);
	cr_assert(!learn_diff_same(d));
	char *only_a = fragment(d->only_a), *only_b = fragment(d->only_b);
	/* Old allows: create and delete in /tmp, echo. */
	assert_has(only_a, "{ \"path\": \"/tmp/**\", \"allow\": \"cd\" }");
	assert_has(only_a, "\"/bin/echo\"");
	assert_lacks(only_a, "/etc");
	/* New allows: /etc/** r where old denies shadow, writes to the task root, port 80... */
	assert_has(only_b, "{ \"path\": \"/etc/**\", \"allow\": \"r\" }");
	assert_has(only_b, "{ \"path\": \"/var/task/**\", \"allow\": \"w\" }");
	assert_has(only_b, "\"new.example.com\"");
	assert_has(only_b, "\"ports\": [443, 80]");
	assert_has(only_b, "\"syscalls\": [\"fsync\"]");
	cr_assert_geq(d->n_settings, 2);
	bool mode = false, req = false;
	for (size_t i = 0; i < d->n_settings; i++) {
		if (strcmp(d->settings[i].what, "actions.file") == 0) {
			cr_assert_str_eq(d->settings[i].a, "enforce");
			cr_assert_str_eq(d->settings[i].b, "alert");
			mode = true;
		}
		req |= strcmp(d->settings[i].what, "require.seccomp") == 0;
	}
	cr_assert(mode && req);

	char *text = NULL;
	cr_assert_eq(learn_diff_to_json(d, "old.json", "new\"x.json", &text), 0);
	cJSON *j = cJSON_Parse(text);
	cr_assert_not_null(j, "%s", text);
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "same")));
	cr_assert_str_eq(cJSON_GetObjectItem(j, "new")->valuestring, "new\"x.json");
	cr_assert(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "onlyNew"), "network")));
	cr_assert(cJSON_IsArray(cJSON_GetObjectItem(j, "settings")));
	cJSON_Delete(j);
	free(text);
	free(only_a);
	free(only_b);
	learn_diff_free(d);
	policy_free(a);
	policy_free(b);
}

struct lines {
	char text[4096];
	size_t n;
};

static void add_line(enum policy_category c, const char *line, void *userdata)
{
	struct lines *l = userdata;
	size_t len = strlen(l->text);
	snprintf(l->text + len, sizeof(l->text) - len, "%d %s\n", (int)c, line);
	l->n++;
}

#define EV(fields)                                                                               \
	"{\"timestamp\":\"2026-11-22T02:40:00.123Z\",\"level\":\"INFO\",\"logger\":\"fnguard\"," \
	"\"type\":\"learn\"," fields ",\"pid\":8}\n"

Test(diff, drift)
{
	struct policy *p = load(old_doc);
	const char *log = EV("\"category\":\"file\",\"op\":\"openat\",\"target\":\"/etc/hosts\",\"access\":\"r\"") EV(
		"\"category\":\"file\",\"op\":\"openat\",\"target\":\"/etc/hosts\",\"access\":\"rw\"")
		EV("\"category\":\"file\",\"op\":\"openat\",\"target\":\"/etc/shadow\",\"access\":\"r\"") EV(
			"\"category\":\"network\",\"op\":\"connect\",\"target\":\"api.example.com:443 "
			"(1.2.3.4)\",\"proto\":\"tcp\"") EV("\"category\":\"network\",\"op\":\"connect\",\"target\":\"evil.example:443 "
							    "(6.6.6.6)\",\"proto\":\"tcp\"")
			EV("\"category\":\"exec\",\"op\":\"execve\",\"target\":\"/bin/sh\",\"argv\":[\"sh\","
			   "\"-c\",\"id\"]")
				EV("\"category\":\"exec\",\"op\":\"execve\",\"target\":\"/bin/echo\",\"argv\":[\"e\"]") "unrelated line\n";
	struct learner *d = NULL;
	struct learn_log_stats st = {0};
	cr_assert_eq(learn_drift(p, log, strlen(log), &d, &st), 0);
	cr_assert_eq(st.events, 7);
	struct lines l = {0};
	learn_profile_describe(learner_profile(d), add_line, &l);
	cr_assert_eq(l.n, 4, "%s", l.text);
	assert_has(l.text, "0 allow w /etc/hosts\n");
	assert_has(l.text, "0 allow r /etc/shadow\n");
	assert_has(l.text, "1 host evil.example ports 443 tcp\n");
	assert_has(l.text, "2 exec /bin/sh [sh, -c, id]\n");
	learner_free(d);
	policy_free(p);
}

/*
 * One peer, two ports: the learner keeps one observation with both; the base
 * allows one port, the learned profile the other. Covered (it said "a bug:
 * please report it").
 */
Test(diff, completeness_check_ports_split_between_base_and_learned)
{
	struct learner *raw = NULL;
	const uint8_t lo[4] = {127, 0, 0, 1};
	cr_assert_eq(learner_new(&raw), 0);
	cr_assert_eq(learner_add_ip(raw, AF_INET, lo, 9001, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_ip(raw, AF_INET, lo, 18080, NET_PROTO_TCP, false), 0);
	struct policy *learned = load("{\"fnguard\": 1, \"network\": [{\"cidr\": \"127.0.0.1\", "
				      "\"ports\": [18080], \"proto\": \"tcp\"}]}");
	struct policy *base = load("{\"fnguard\": 1, \"network\": [{\"cidr\": \"127.0.0.1\", "
				   "\"ports\": [9001], \"proto\": \"tcp\"}]}");
	struct lines l = {0};
	cr_assert_eq(learn_count_uncovered(raw, learned, base, add_line, &l), 0, "%s", l.text);
	cr_assert_eq(learn_count_uncovered(raw, learned, NULL, add_line, &l), 1);
	policy_free(learned);
	policy_free(base);
	learner_free(raw);
}

Test(diff, completeness_check)
{
	struct learner *raw = NULL;
	cr_assert_eq(learner_new(&raw), 0);
	cr_assert_eq(learner_add_file(raw, "/tmp/tmpa8Zk2q9x/x", POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_file(raw, "/srv/y", POLICY_RIGHT_READ | POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_host(raw, "a.example", 443, NET_PROTO_TCP, false), 0);
	struct policy *learned =
		load("{\"fnguard\": 1, \"files\": [{\"path\": \"/tmp/tmp*/x\", "
		     "\"allow\": \"w\"}, {\"path\": \"/srv/y\", \"allow\": \"w\"}]}");
	struct policy *base = load("{\"fnguard\": 1, \"files\": [{\"path\": \"/srv/**\", "
				   "\"allow\": \"r\"}], \"network\": [{\"host\": \"*.example\"}]}");
	struct lines l = {0};
	cr_assert_eq(learn_count_uncovered(raw, learned, base, add_line, &l), 0, "%s", l.text);
	cr_assert_eq(learn_count_uncovered(raw, learned, NULL, add_line, &l), 2);
	assert_has(l.text, "/srv/y");
	assert_has(l.text, "host a.example");
	policy_free(learned);
	policy_free(base);
	learner_free(raw);
}
