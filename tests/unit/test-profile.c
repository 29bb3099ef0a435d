// SPDX-License-Identifier: MIT
/* Profile reader and writer: field values, strictness, and the round trip. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static const char full[] =
	"{\n"
	"  \"fnguard\": 1,\n"
	"  \"name\": \"orders-api\",\n"
	"  \"extends\": [\"lambda-base\", \"python\"],\n"
	"  \"mode\": \"enforce\",\n"
	"  \"actions\": { \"network\": \"alert\" },\n"
	"  \"on_error\": \"open\",\n"
	"  \"files\": [\n"
	"    { \"path\": \"/var/task/**\", \"allow\": \"r\" },\n"
	"    { \"path\": \"/tmp/**\", \"allow\": \"rwcd\", \"seen\": 12, \"phase\": \"invoke\" },\n"
	"    { \"path\": \"/etc/shadow\", \"deny\": \"rwcd\" },\n"
	"    { \"path\": \"${LAMBDA_TASK_ROOT}/data/*.csv\", \"allow\": \"rw\" }\n"
	"  ],\n"
	"  \"network\": [\n"
	"    { \"host\": \"dynamodb.*.amazonaws.com\", \"ports\": [443] },\n"
	"    { \"cidr\": \"10.0.0.0/8\", \"ports\": [\"5432\", \"6000-6010\"], \"proto\": \"tcp\" },\n"
	"    { \"unix\": \"/tmp/*.sock\" },\n"
	"    { \"host\": \"127.0.0.1\", \"ports\": [9001], \"inbound\": true }\n"
	"  ],\n"
	"  \"exec\": [\n"
	"    { \"path\": \"/usr/bin/convert\", \"argv\": [\"convert\", \"*\", \"/tmp/*.png\"] },\n"
	"    { \"path\": \"/bin/true\" }\n"
	"  ],\n"
	"  \"syscalls\": [\"@lambda-runtime\", \"@network-io\", \"sendfile\"],\n"
	"  \"unsafe\": [\"ptrace\"],\n"
	"  \"require\": [\"seccomp\"]\n"
	"}\n";

static const char *var_lookup(const char *name, void *userdata)
{
	(void)userdata;
	return strcmp(name, "LAMBDA_TASK_ROOT") == 0 ? "/srv/fn/" : NULL;
}

static struct profile *read_ok(const char *text)
{
	struct diag_list d = {0};
	struct policy_load_opts opts = {.getvar = var_lookup};
	struct profile *p = NULL;
	int r = profile_read_json("t.json", text, strlen(text), &opts, &p, &d);
	cr_assert_eq(r, 0, "read failed: %s", d.n ? d.lines[0] : "(no diagnostic)");
	cr_assert_eq(d.n, 0);
	diag_list_clear(&d);
	return p;
}

Test(profile, reads_every_field)
{
	struct profile *p = read_ok(full);
	cr_assert_eq(p->format, 1);
	cr_assert_str_eq(p->name, "orders-api");
	cr_assert_eq(p->extends.n, 2);
	cr_assert_str_eq(p->extends.items[1], "python");
	cr_assert_eq(p->extends_at[1].line, 4);
	cr_assert_eq(p->mode, POLICY_MODE_ENFORCE);
	cr_assert_eq(p->actions[POLICY_CAT_NETWORK], POLICY_MODE_ALERT);
	cr_assert_eq(p->actions[POLICY_CAT_FILE], -1);
	cr_assert_eq(p->on_error, POLICY_ON_ERROR_OPEN);
	cr_assert_eq(p->n_files, 4);
	cr_assert_eq(p->files[1].allow, POLICY_RIGHTS_ALL);
	cr_assert_eq(p->files[1].meta.seen, 12);
	cr_assert_eq(p->files[1].meta.phase, PHASE_INVOKE);
	cr_assert_eq(p->files[2].deny, POLICY_RIGHTS_ALL);
	cr_assert_eq(p->files[2].allow, 0);
	cr_assert_eq(p->files[2].origin.line, 11);
	cr_assert_eq(p->files[2].origin.col, 5);
	cr_assert_str_eq(p->files[3].path, "${LAMBDA_TASK_ROOT}/data/*.csv");
	cr_assert_str_eq(p->files[3].glob, "/srv/fn/data/*.csv");
	cr_assert_eq(p->n_net, 4);
	cr_assert_eq(p->net[0].rule.kind, NET_RULE_HOST);
	cr_assert_eq(p->net[1].rule.kind, NET_RULE_CIDR);
	cr_assert_eq(p->net[1].rule.n_ports, 2);
	cr_assert_eq(p->net[1].ports[1].lo, 6000);
	cr_assert_eq(p->net[1].ports[1].hi, 6010);
	cr_assert_eq(p->net[1].rule.proto, NET_PROTO_TCP);
	cr_assert_eq(p->net[2].rule.kind, NET_RULE_UNIX);
	cr_assert_eq(p->net[3].rule.kind, NET_RULE_CIDR, "an address under host is a /32");
	cr_assert(p->net[3].written_as_host);
	cr_assert(p->net[3].rule.inbound);
	cr_assert_eq(p->n_exec, 2);
	cr_assert_eq(p->exec[0].argc, 3);
	cr_assert_null(p->exec[1].argv);
	cr_assert_eq(p->syscalls.n, 3);
	cr_assert_eq(p->unsafe.n, 1);
	cr_assert_eq(p->require.n, 1);
	profile_free(p);
}

Test(profile, round_trip_is_identity)
{
	struct profile *p = read_ok(full);
	char *once = NULL, *twice = NULL;
	cr_assert_eq(profile_write_json(p, true, &once), 0);
	struct profile *q = read_ok(once);
	cr_assert_eq(profile_write_json(q, true, &twice), 0);
	cr_assert_str_eq(once, twice);
	/* Same content: counts and a few values survive. */
	cr_assert_eq(q->n_files, p->n_files);
	cr_assert_eq(q->n_net, p->n_net);
	cr_assert_eq(q->n_exec, p->n_exec);
	cr_assert(q->net[0].written_as_host || q->net[0].rule.kind == NET_RULE_HOST);
	cr_assert(strstr(once, "\"seen\": 12"));
	cr_assert(strstr(once, "\"6000-6010\""));
	cr_assert(strstr(once, "\"${LAMBDA_TASK_ROOT}/data/*.csv\""), "variables are kept");
	cr_assert(strstr(once, "\"host\": \"127.0.0.1\""));
	free(once);
	free(twice);
	profile_free(p);
	profile_free(q);
}

Test(profile, writer_is_sorted_and_stable)
{
	const char *a = "{\"fnguard\":1,\"files\":[{\"path\":\"/b\",\"allow\":\"r\"},"
			"{\"path\":\"/a\",\"allow\":\"w\"}],\"syscalls\":[\"write\",\"read\"]}";
	const char *b = "{\"syscalls\":[\"read\",\"write\"],\"files\":[{\"allow\":\"w\",\"path\":"
			"\"/a\"},{\"path\":\"/b\",\"allow\":\"r\"}],\"fnguard\":1}";
	struct profile *p = read_ok(a), *q = read_ok(b);
	char *x, *y;
	cr_assert_eq(profile_write_json(p, true, &x), 0);
	cr_assert_eq(profile_write_json(q, true, &y), 0);
	cr_assert_str_eq(x, y);
	cr_assert_lt(strstr(x, "\"/a\""), strstr(x, "\"/b\""));
	free(x);
	free(y);
	profile_free(p);
	profile_free(q);
}

Test(profile, escapes_strings_on_output)
{
	struct profile *p =
		read_ok("{\"fnguard\":1,\"name\":\"a\\\"b\\\\c\","
			"\"files\":[{\"path\":\"/t/\\u00e9 \\\"q\\\"\",\"allow\":\"r\"}]}");
	char *x;
	cr_assert_eq(profile_write_json(p, true, &x), 0);
	struct profile *q = read_ok(x);
	cr_assert_str_eq(q->name, "a\"b\\c");
	cr_assert_str_eq(q->files[0].path, "/t/\xc3\xa9 \"q\"");
	free(x);
	profile_free(p);
	profile_free(q);
}

static void expect_diag(const char *text, const char *expected)
{
	struct diag_list d = {0};
	struct profile *p = NULL;
	int r = profile_read_json("t.json", text, strlen(text), NULL, &p, &d);
	cr_assert_lt(r, 0, "accepted: %s", text);
	cr_assert_null(p);
	cr_assert_geq(d.n, 1);
	bool found = false;
	for (size_t i = 0; i < d.n; i++)
		found |= strcmp(d.lines[i], expected) == 0;
	cr_assert(found, "for %s\nexpected: %s\n     got: %s", text, expected, d.lines[0]);
	diag_list_clear(&d);
}

Test(profile, all_or_nothing_with_positions)
{
	expect_diag("{\"fnguard\": 1,\n \"files\": [{\"path\": \"/x\", \"allow\": \"rx\"}]}",
		    "t.json:2:38: files[0].allow: unknown right 'x' (expected any of r,w,c,d)");
	expect_diag("{\"fnguard\": 1, \"Files\": []}",
		    "t.json:1:16: Files: unknown key 'Files' (keys are case-sensitive: did you "
		    "mean 'files'?)");
	expect_diag("{\"fnguard\": 1, \"mode\": \"enforce\", \"mode\": \"alert\"}",
		    "t.json:1:35: mode: duplicate key 'mode'");
	expect_diag("{\"fnguard\": 2}", "t.json:1:13: fnguard: profile format version 2 is "
					"newer than this fnguard (which reads version 1)");
	expect_diag("{}", "t.json:1:1: missing key 'fnguard' (the format version: \"fnguard\": 1)");
	expect_diag("{\"fnguard\": 1, \"syscalls\": [\"opne\"]}",
		    "t.json:1:29: syscalls[0]: unknown syscall 'opne'");
	expect_diag("{\"fnguard\": 1, \"network\": [{\"host\": \"a.com\", \"ports\": [70000]}]}",
		    "t.json:1:56: network[0].ports[0]: number out of range (0 to 65535)");
	expect_diag("{\"fnguard\": 1, \"network\": [{\"cidr\": \"10.0.0.1/8\"}]}",
		    "t.json:1:37: network[0].cidr: bad CIDR '10.0.0.1/8': host bits set beyond /8");
}

Test(profile, rights_parse)
{
	uint8_t m;
	size_t bad;
	const char *msg;
	cr_assert_eq(rights_parse("dcwr", &m, &bad, &msg), 0);
	cr_assert_eq(m, POLICY_RIGHTS_ALL);
	cr_assert_eq(rights_parse("rr", &m, &bad, &msg), -EINVAL);
	cr_assert_eq(bad, 1);
	cr_assert_eq(rights_parse("R", &m, &bad, &msg), -EINVAL);
	cr_assert_eq(rights_parse("", &m, &bad, &msg), -EINVAL);
	char buf[5];
	rights_to_string(POLICY_RIGHT_DELETE | POLICY_RIGHT_READ, buf);
	cr_assert_str_eq(buf, "rd");
}
