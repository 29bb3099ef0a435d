// SPDX-License-Identifier: MIT
/*
 * The profile -> Landlock plan mapping (policy/landlock_rules.c): anchors,
 * rights, what is handled in which mode, ports, and the superset property
 * checked against the libc layer's own matcher (policy_check_file).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "landlock_rules.h"
#include "profile.h"

static const char *test_getvar(const char *name, void *userdata)
{
	(void)userdata;
	if (strcmp(name, "LAMBDA_TASK_ROOT") == 0)
		return "/srv/task";
	return NULL;
}

static const struct policy_load_opts load_opts = {.getvar = test_getvar};

static const struct landlock_plan_opts all_enforce = {
	.file = POLICY_MODE_ENFORCE,
	.network = POLICY_MODE_ENFORCE,
	.exec = POLICY_MODE_ENFORCE,
};

static struct landlock_plan *plan_of(const char *json, const struct landlock_plan_opts *o)
{
	struct profile *p = NULL;
	struct landlock_plan *plan = NULL;
	cr_assert_eq(profile_read_json("t.json", json, strlen(json), &load_opts, &p, NULL), 0, "%s",
		     json);
	cr_assert_eq(landlock_plan_build(p, o, &plan), 0);
	profile_free(p);
	return plan;
}

static const struct landlock_path_rule *find(const struct landlock_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n_paths; i++)
		if (strcmp(plan->paths[i].path, path) == 0)
			return &plan->paths[i];
	return NULL;
}

static bool has_note(const struct landlock_plan *plan, const char *word)
{
	for (size_t i = 0; i < plan->n_notes; i++)
		if (strstr(plan->notes[i], word))
			return true;
	return false;
}

Test(landlock_rules, abi_access)
{
	cr_assert_eq(landlock_abi_fs_access(0), 0);
	cr_assert_eq(landlock_abi_fs_access(-1), 0);
	cr_assert_eq(landlock_abi_fs_access(1), (1ull << 13) - 1);
	cr_assert_eq(landlock_abi_fs_access(2), (1ull << 14) - 1);
	cr_assert_eq(landlock_abi_fs_access(3), (1ull << 15) - 1);
	cr_assert_eq(landlock_abi_fs_access(4), (1ull << 15) - 1);
	cr_assert_eq(landlock_abi_fs_access(5), (1ull << 16) - 1);
	cr_assert_eq(landlock_abi_fs_access(7), (1ull << 16) - 1);
	cr_assert_eq(landlock_abi_net_access(3), 0);
	cr_assert_eq(landlock_abi_net_access(4), LL_NET_BIND_TCP | LL_NET_CONNECT_TCP);
	cr_assert_eq(landlock_abi_net_access(7), LL_NET_BIND_TCP | LL_NET_CONNECT_TCP);
}

static void check_anchor(const char *glob, const char *want, unsigned want_flags)
{
	char buf[64];
	unsigned flags = 99;
	int n = landlock_glob_anchor(glob, buf, sizeof(buf), &flags);
	cr_assert_eq(n, (int)strlen(want), "%s: %d", glob, n);
	cr_assert_str_eq(buf, want, "%s", glob);
	cr_assert_eq(flags, want_flags, "%s: flags %#x", glob, flags);
}

Test(landlock_rules, anchors)
{
	check_anchor("/tmp/**", "/tmp", 0);
	check_anchor("/etc/hosts", "/etc/hosts", LANDLOCK_PATH_EXACT);
	check_anchor("/", "/", LANDLOCK_PATH_EXACT);
	check_anchor("/usr/bin/python3*", "/usr/bin", 0);
	check_anchor("/a/b?/c", "/a", 0);
	check_anchor("/**/lib/python3*.zip", "/", 0);
	check_anchor("/*", "/", 0);
	check_anchor("/home/*/.local", "/home", 0);
	/* Per-process places: children have other pids. */
	check_anchor("/proc/self/**", "/proc", LANDLOCK_PATH_PROC);
	check_anchor("/proc/self", "/proc", LANDLOCK_PATH_PROC);
	check_anchor("/proc/self/coredump_filter", "/proc", LANDLOCK_PATH_PROC);
	check_anchor("/proc/thread-self/fd/*", "/proc", LANDLOCK_PATH_PROC);
	check_anchor("/proc/1234/maps", "/proc", LANDLOCK_PATH_PROC);
	check_anchor("/dev/fd/*", "/proc", LANDLOCK_PATH_PROC);
	check_anchor("/dev/fd", "/proc", LANDLOCK_PATH_PROC);
	/* Not per-process. */
	check_anchor("/proc/selfish", "/proc/selfish", LANDLOCK_PATH_EXACT);
	check_anchor("/proc/12a4", "/proc/12a4", LANDLOCK_PATH_EXACT);
	check_anchor("/proc/meminfo", "/proc/meminfo", LANDLOCK_PATH_EXACT);
	check_anchor("/proc/*/status", "/proc", 0);
	check_anchor("/dev/fdx", "/dev/fdx", LANDLOCK_PATH_EXACT);
	check_anchor("/dev/null", "/dev/null", LANDLOCK_PATH_EXACT);

	char small[8];
	unsigned flags = 7;
	cr_assert_eq(landlock_glob_anchor("/usr/share/zoneinfo/**", small, sizeof(small), &flags),
		     -ENAMETOOLONG);
	cr_assert_eq(flags, 7, "untouched on error");
	char exact[9];
	cr_assert_eq(landlock_glob_anchor("/usr/lib", exact, sizeof(exact), &flags), 8,
		     "the anchor and its NUL just fit");
}

Test(landlock_rules, rights_and_places)
{
	struct landlock_plan *plan =
		plan_of("{\"fnguard\":1,\"files\":["
			"{\"path\":\"/tmp/**\",\"allow\":\"rwcd\"},"
			"{\"path\":\"/etc/ssl/**\",\"allow\":\"r\"},"
			"{\"path\":\"/dev/null\",\"allow\":\"rw\"},"
			"{\"path\":\"/var/out/report.txt\",\"allow\":\"c\"},"
			"{\"path\":\"/var/old/log.txt\",\"allow\":\"rd\"},"
			"{\"path\":\"${LAMBDA_TASK_ROOT}/**\",\"allow\":\"r\"},"
			"{\"path\":\"/etc/shadow\",\"deny\":\"rwcd\"}]}",
			&all_enforce);
	const struct landlock_path_rule *r;

	cr_assert(plan->handled_fs & LL_FS_READ_FILE);
	cr_assert(plan->handled_fs & LL_FS_EXECUTE);
	cr_assert(plan->handled_fs & LL_FS_REFER);
	cr_assert(plan->handled_fs & LL_FS_MAKE_SOCK, "the network is enforced");
	cr_assert_not(plan->handled_fs & LL_FS_IOCTL_DEV, "ioctl is no file rule's business");

	r = find(plan, "/tmp");
	cr_assert(r);
	cr_assert_eq(r->access,
		     LL_FS_RIGHT_R | LL_FS_RIGHT_W | LL_FS_RIGHT_C | LL_FS_RIGHT_D | LL_FS_REFER);
	cr_assert_not(r->flags & LANDLOCK_PATH_SCAN, "a 'c' tree: the libc layer resolves links");
	cr_assert_not(r->flags & LANDLOCK_PATH_EXACT);

	r = find(plan, "/etc/ssl");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_R);
	cr_assert(r->flags & LANDLOCK_PATH_SCAN, "read-only tree: links there are judged by name");

	r = find(plan, "/dev/null");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_R | LL_FS_RIGHT_W | LL_FS_REFER);
	cr_assert(r->flags & LANDLOCK_PATH_EXACT);

	/* A literal path's c and d live on its parent directory. */
	cr_assert_null(find(plan, "/var/out/report.txt"), "c alone: nothing on the file");
	r = find(plan, "/var/out");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_C | LL_FS_REFER);
	r = find(plan, "/var/old/log.txt");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_R);
	r = find(plan, "/var/old");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_D | LL_FS_REFER);

	r = find(plan, "/srv/task");
	cr_assert(r, "variables are expanded");
	cr_assert_eq(r->access, LL_FS_RIGHT_R);

	/* Deny rules narrow; Landlock cannot say "except": they add nothing. */
	cr_assert_null(find(plan, "/etc/shadow"));
	cr_assert_null(find(plan, "/etc"));

	/* The resolver's files, which the libc layer does not judge. */
	r = find(plan, "/etc/resolv.conf");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_READ_FILE);
	cr_assert_eq(r->flags, LANDLOCK_PATH_EXACT | LANDLOCK_PATH_IMPLICIT);
	cr_assert(find(plan, "/etc/hosts"));
	cr_assert(find(plan, "/etc/services"));
	cr_assert_eq(plan->n_notes, 0, "%s", plan->n_notes ? plan->notes[0] : "");
	landlock_plan_free(plan);
}

Test(landlock_rules, proc_self)
{
	struct landlock_plan *plan =
		plan_of("{\"fnguard\":1,\"files\":["
			"{\"path\":\"/proc/self/**\",\"allow\":\"r\"},"
			"{\"path\":\"/proc/self/coredump_filter\",\"allow\":\"rw\"}]}",
			&all_enforce);
	const struct landlock_path_rule *r = find(plan, "/proc");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_R | LL_FS_RIGHT_W | LL_FS_REFER);
	cr_assert(r->flags & LANDLOCK_PATH_PROC);
	cr_assert_not(r->flags & LANDLOCK_PATH_SCAN, "the libc layer resolves /proc paths");
	cr_assert_null(find(plan, "/proc/self"));
	landlock_plan_free(plan);
}

Test(landlock_rules, modes)
{
	const char *json = "{\"fnguard\":1,\"files\":[{\"path\":\"/data/**\",\"allow\":\"rw\"}],"
			   "\"exec\":[{\"path\":\"/usr/bin/convert\"}],"
			   "\"network\":[{\"cidr\":\"10.0.0.0/8\",\"ports\":[443]}]}";
	struct landlock_plan_opts o = all_enforce;
	struct landlock_plan *plan;

	/* Alert for files: Landlock cannot log, so it restricts no file access at all. */
	o.file = POLICY_MODE_ALERT;
	plan = plan_of(json, &o);
	cr_assert_eq(plan->handled_fs, 0);
	cr_assert_eq(plan->n_paths, 0);
	cr_assert(has_note(plan, "renames"), "exec is enforced: say why it is not restricted");
	cr_assert_eq(plan->handled_net, LL_NET_CONNECT_TCP | LL_NET_BIND_TCP);
	landlock_plan_free(plan);

	/* Exec not enforced: any program may run, and running it reads it. */
	o = all_enforce;
	o.exec = POLICY_MODE_ALERT;
	plan = plan_of(json, &o);
	cr_assert_not(plan->handled_fs & LL_FS_READ_FILE);
	cr_assert_not(plan->handled_fs & LL_FS_EXECUTE);
	cr_assert(plan->handled_fs & LL_FS_WRITE_FILE);
	cr_assert(plan->handled_fs & LL_FS_READ_DIR);
	cr_assert(has_note(plan, "exec is not enforced"));
	cr_assert_eq(find(plan, "/data")->access, LL_FS_READ_DIR | LL_FS_RIGHT_W | LL_FS_REFER);
	cr_assert_null(find(plan, "/usr/bin/convert"));
	cr_assert_null(find(plan, "/etc/hosts"), "reading is not handled: no rule needed");
	landlock_plan_free(plan);

	/* Network not enforced: no ports, and unix sockets may be bound anywhere. */
	o = all_enforce;
	o.network = POLICY_MODE_RECORD;
	plan = plan_of(json, &o);
	cr_assert_eq(plan->handled_net, 0);
	cr_assert_not(plan->handled_fs & LL_FS_MAKE_SOCK);
	cr_assert(plan->handled_fs & LL_FS_MAKE_REG);
	cr_assert(has_note(plan, "unix sockets"));
	landlock_plan_free(plan);

	/* Everything enforced: the exec rule gives execute and read. */
	plan = plan_of(json, &all_enforce);
	const struct landlock_path_rule *r = find(plan, "/usr/bin/convert");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_EXECUTE | LL_FS_READ_FILE);
	cr_assert_eq(r->flags, LANDLOCK_PATH_EXACT | LANDLOCK_PATH_EXEC);
	landlock_plan_free(plan);
}

Test(landlock_rules, exec_rules)
{
	struct landlock_plan *plan =
		plan_of("{\"fnguard\":1,\"exec\":[{\"path\":\"${LAMBDA_TASK_ROOT}/**\"},"
			"{\"path\":\"/usr/bin/python3*\",\"argv\":[\"python3\",\"**\"]}]}",
			&all_enforce);
	const struct landlock_path_rule *r = find(plan, "/srv/task");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_RIGHT_X);
	cr_assert_eq(r->flags, LANDLOCK_PATH_EXEC | LANDLOCK_PATH_SCAN,
		     "scanned for interpreters and links");
	cr_assert(find(plan, "/usr/bin"));
	cr_assert(plan->handled_fs & LL_FS_EXECUTE);
	landlock_plan_free(plan);

	/* Programs that may appear in a writable place name interpreters no one knows yet. */
	plan = plan_of("{\"fnguard\":1,\"files\":[{\"path\":\"/tmp/**\",\"allow\":\"rwc\"}],"
		       "\"exec\":[{\"path\":\"/tmp/tools/*\"},{\"path\":\"/usr/bin/env\"}]}",
		       &all_enforce);
	cr_assert_not(plan->handled_fs & LL_FS_EXECUTE);
	cr_assert_not(plan->handled_fs & LL_FS_READ_FILE);
	cr_assert(plan->handled_fs & LL_FS_MAKE_REG);
	cr_assert(has_note(plan, "interpreters"));
	cr_assert_null(find(plan, "/usr/bin/env"));
	cr_assert_eq(find(plan, "/tmp")->access,
		     LL_FS_READ_DIR | LL_FS_RIGHT_W | LL_FS_RIGHT_C | LL_FS_REFER);
	landlock_plan_free(plan);

	/* An exec tree that holds a writable one overlaps it too. */
	plan = plan_of("{\"fnguard\":1,\"files\":[{\"path\":\"/srv/task/tmp/**\",\"allow\":\"c\"}],"
		       "\"exec\":[{\"path\":\"/srv/**\"}]}",
		       &all_enforce);
	cr_assert_not(plan->handled_fs & LL_FS_EXECUTE);
	landlock_plan_free(plan);
}

static bool range_has(const struct net_port_range *r, size_t n, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

Test(landlock_rules, network)
{
	struct landlock_plan *plan =
		plan_of("{\"fnguard\":1,\"network\":["
			"{\"host\":\"*.amazonaws.com\",\"ports\":[443]},"
			"{\"cidr\":\"127.0.0.1\",\"ports\":[9001],\"proto\":\"tcp\"},"
			"{\"cidr\":\"10.0.0.0/8\",\"ports\":[\"442-444\"]},"
			"{\"cidr\":\"169.254.78.1\",\"proto\":\"udp\"},"
			"{\"unix\":\"/tmp/*.sock\"},"
			"{\"cidr\":\"0.0.0.0/0\",\"ports\":[\"8000-8009\"],\"inbound\":true}]}",
			&all_enforce);
	cr_assert_eq(plan->handled_net, LL_NET_CONNECT_TCP | LL_NET_BIND_TCP);
	/* Connect: every outbound-capable TCP port, merged, plus the resolver's 53. */
	cr_assert_eq(plan->n_connect, 4);
	cr_assert(range_has(plan->connect, plan->n_connect, 53));
	cr_assert(range_has(plan->connect, plan->n_connect, 442));
	cr_assert(range_has(plan->connect, plan->n_connect, 443));
	cr_assert(range_has(plan->connect, plan->n_connect, 444));
	cr_assert(range_has(plan->connect, plan->n_connect, 9001));
	cr_assert(range_has(plan->connect, plan->n_connect, 8005), "inbound rules allow out too");
	cr_assert_not(range_has(plan->connect, plan->n_connect, 80));
	cr_assert_not(range_has(plan->connect, plan->n_connect, 0));
	/* Bind: the inbound rules only. */
	cr_assert_eq(plan->n_bind, 1);
	cr_assert_eq(plan->bind[0].lo, 8000);
	cr_assert_eq(plan->bind[0].hi, 8009);
	cr_assert_eq(landlock_plan_port_count(plan), 1 + 3 + 1 + 10 + 10);
	cr_assert_eq(plan->n_notes, 0);
	landlock_plan_free(plan);

	/* A TCP rule without ports cannot be said with ports: connect is not handled. */
	plan = plan_of("{\"fnguard\":1,\"network\":[{\"host\":\"example.com\"},"
		       "{\"cidr\":\"127.0.0.1\",\"ports\":[0],\"inbound\":true}]}",
		       &all_enforce);
	cr_assert_eq(plan->handled_net, LL_NET_BIND_TCP);
	cr_assert(has_note(plan, "any TCP port"));
	cr_assert(range_has(plan->bind, plan->n_bind, 0), "port 0: the kernel's ephemeral bind");
	landlock_plan_free(plan);

	/* No inbound rule: no TCP bind at all, as the libc layer says. */
	plan = plan_of("{\"fnguard\":1,\"network\":[{\"cidr\":\"127.0.0.1\",\"ports\":[80]}]}",
		       &all_enforce);
	cr_assert_eq(plan->handled_net, LL_NET_CONNECT_TCP | LL_NET_BIND_TCP);
	cr_assert_eq(plan->n_bind, 0);
	landlock_plan_free(plan);

	/* An inbound rule for any port. */
	plan = plan_of("{\"fnguard\":1,\"network\":[{\"cidr\":\"127.0.0.1\",\"inbound\":true,"
		       "\"proto\":\"tcp\"}]}",
		       &all_enforce);
	cr_assert_eq(plan->handled_net, 0);
	landlock_plan_free(plan);

	/* Too many ports to spell out one rule each. */
	struct landlock_plan_opts o = all_enforce;
	o.max_ports = 100;
	plan = plan_of(
		"{\"fnguard\":1,\"network\":[{\"cidr\":\"127.0.0.1\",\"ports\":[\"1000-1099\"]}]}",
		&o);
	cr_assert_eq(plan->handled_net, 0, "100 + 53 > 100");
	cr_assert(has_note(plan, "more TCP ports"));
	landlock_plan_free(plan);
}

Test(landlock_rules, unix_bind_makes_a_socket_file)
{
	struct landlock_plan *plan = plan_of(
		"{\"fnguard\":1,\"network\":[{\"unix\":\"/run/app/*.sock\",\"inbound\":true},"
		"{\"unix\":\"/run/one.sock\",\"inbound\":true},"
		"{\"unix\":\"@abstract\",\"inbound\":true},"
		"{\"unix\":\"/run/out/*.sock\"}]}",
		&all_enforce);
	const struct landlock_path_rule *r = find(plan, "/run/app");
	cr_assert(r);
	cr_assert_eq(r->access, LL_FS_MAKE_SOCK);
	r = find(plan, "/run");
	cr_assert(r, "a literal socket path: its directory");
	cr_assert_eq(r->access, LL_FS_MAKE_SOCK);
	cr_assert_null(find(plan, "/run/out"), "outbound only: connect makes no file");
	landlock_plan_free(plan);
}

Test(landlock_rules, plan_editing)
{
	struct landlock_plan *plan = plan_of("{\"fnguard\":1,\"files\":["
					     "{\"path\":\"/usr/lib/**\",\"allow\":\"r\"},"
					     "{\"path\":\"/\",\"allow\":\"r\"},"
					     "{\"path\":\"/var/data/**\",\"allow\":\"rw\"}]}",
					     &all_enforce);
	size_t n = plan->n_paths;
	cr_assert_eq(landlock_plan_covered(plan, "/usr/lib/x/y", 12), LL_FS_RIGHT_R);
	cr_assert_eq(landlock_plan_covered(plan, "/var/data", 9),
		     LL_FS_RIGHT_R | LL_FS_RIGHT_W | LL_FS_REFER);
	cr_assert_eq(landlock_plan_covered(plan, "/var/database", 13), LL_FS_RIGHT_R,
		     "a prefix of the name is not a directory above it (only / is)");
	cr_assert_eq(landlock_plan_covered(plan, "/", 1), LL_FS_RIGHT_R,
		     "the exact rule on / counts for /");

	cr_assert_eq(landlock_plan_add_path(plan, "relative", LL_FS_READ_FILE, 0), -EINVAL);
	cr_assert_eq(landlock_plan_add_path(plan, "/usr/lib", LL_FS_EXECUTE, LANDLOCK_PATH_SCAN),
		     0);
	cr_assert_eq(plan->n_paths, n, "merged into the rule on the same path");
	cr_assert_eq(find(plan, "/usr/lib")->access, LL_FS_RIGHT_R | LL_FS_EXECUTE);
	cr_assert_eq(
		landlock_plan_add_path(plan, "/usr/lib", LL_FS_READ_FILE, LANDLOCK_PATH_RESOLVED),
		0);
	cr_assert_eq(plan->n_paths, n + 1, "a resolved path is a rule of its own");

	landlock_plan_unhandle_fs(plan, LL_FS_READ_FILE | LL_FS_READ_DIR, "a reason");
	cr_assert_not(plan->handled_fs & LL_FS_READ_FILE);
	cr_assert_eq(find(plan, "/usr/lib")->access, LL_FS_EXECUTE);
	cr_assert_eq(landlock_plan_covered(plan, "/var/data/f", 11), LL_FS_RIGHT_W | LL_FS_REFER);
	cr_assert(has_note(plan, "a reason"));
	landlock_plan_note(plan, "a reason");
	size_t notes = plan->n_notes;
	for (int i = 0; i < 20; i++)
		landlock_plan_note(plan, i % 2 ? "one" : "two");
	cr_assert_eq(plan->n_notes, notes + 2, "no duplicates");
	landlock_plan_free(plan);
	landlock_plan_free(NULL);
}

/* ---- the superset property, against the libc layer's matcher ------------- */

static char *dirname_of(const char *path)
{
	char *d = strdup(path);
	char *slash = strrchr(d, '/');
	if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	return d;
}

static const char *const superset_profile =
	"{\"fnguard\":1,\"name\":\"superset\",\"files\":["
	"{\"path\":\"/tmp/**\",\"allow\":\"rwcd\"},"
	"{\"path\":\"/etc/ssl/**\",\"allow\":\"r\"},"
	"{\"path\":\"/etc/hosts\",\"allow\":\"r\"},"
	"{\"path\":\"/dev/null\",\"allow\":\"rw\"},"
	"{\"path\":\"/usr/bin/python3*\",\"allow\":\"r\"},"
	"{\"path\":\"/home/*/.local/lib/python3*/site-packages\",\"allow\":\"r\"},"
	"{\"path\":\"/var/task/out/*.json\",\"allow\":\"rwc\"},"
	"{\"path\":\"/var/task/**\",\"allow\":\"r\"},"
	"{\"path\":\"/var/spool/one\",\"allow\":\"wcd\"},"
	"{\"path\":\"/proc/self/**\",\"allow\":\"r\"},"
	"{\"path\":\"/proc/self/coredump_filter\",\"allow\":\"rw\"},"
	"{\"path\":\"/srv/a?c/*/deep/**\",\"allow\":\"rwcd\"},"
	"{\"path\":\"/tmp/secret\",\"deny\":\"r\"}]}";

static const char *const sample_paths[] = {
	"/tmp/x",
	"/tmp/a/b/c",
	"/etc/ssl/certs/ca.pem",
	"/etc/ssl/openssl.cnf",
	"/etc/hosts",
	"/etc/passwd",
	"/dev/null",
	"/dev/zero",
	"/usr/bin/python3",
	"/usr/bin/python3.11",
	"/usr/bin/perl",
	"/home/u/.local/lib/python3.11/site-packages",
	"/var/task/out/r.json",
	"/var/task/out/r.txt",
	"/var/task/app.py",
	"/var/task/lib/x/y.py",
	"/var/spool/one",
	"/var/spool/two",
	"/proc/self/status",
	"/proc/self/coredump_filter",
	"/proc/self/fd/3",
	"/srv/abc/x/deep",
	"/srv/abc/x/deep/y/z",
	"/srv/abd/x/deep/y",
	"/tmp/secret",
};

Test(landlock_rules, superset_of_the_libc_layer)
{
	struct policy *pol = NULL;
	struct landlock_plan *plan = NULL;
	cr_assert_eq(policy_load_buffer("/profiles/superset.json", superset_profile,
					strlen(superset_profile), &load_opts, &pol, NULL),
		     0);
	cr_assert_eq(landlock_plan_from_policy(pol, &all_enforce, &plan), 0);
	cr_assert_eq(plan->n_sources, 1);
	cr_assert_str_eq(plan->sources[0], "/profiles/superset.json");

	size_t checked = 0;
	for (size_t i = 0; i < sizeof(sample_paths) / sizeof(sample_paths[0]); i++) {
		const char *path = sample_paths[i];
		char *parent = dirname_of(path);
		static const struct {
			unsigned right;
			uint64_t need;
			bool on_parent;
		} rights[] = {
			{POLICY_RIGHT_READ, LL_FS_READ_FILE | LL_FS_READ_DIR, false},
			{POLICY_RIGHT_WRITE, LL_FS_WRITE_FILE | LL_FS_TRUNCATE, false},
			{POLICY_RIGHT_CREATE, LL_FS_RIGHT_C, true},
			{POLICY_RIGHT_DELETE, LL_FS_RIGHT_D, true},
		};
		for (size_t k = 0; k < 4; k++) {
			struct policy_verdict v;
			cr_assert_eq(
				policy_check_file(pol, path, strlen(path), rights[k].right, &v), 0);
			if (!v.allowed)
				continue;
			const char *where = rights[k].on_parent ? parent : path;
			uint64_t got = landlock_plan_covered(plan, where, strlen(where));
			cr_assert_eq(
				got & rights[k].need, rights[k].need,
				"%s: right %u allowed by the profile, Landlock gives %#llx at %s",
				path, rights[k].right, (unsigned long long)got, where);
			if (rights[k].right != POLICY_RIGHT_READ)
				cr_assert(got & LL_FS_REFER, "%s: renames need refer", path);
			checked++;
		}
		free(parent);
	}
	cr_assert_geq(checked, 25, "the sample exercises the profile (%zu)", checked);

	/* And it is not wider than it must be where nothing is allowed. */
	cr_assert_eq(landlock_plan_covered(plan, "/etc/passwd", 11), 0);
	cr_assert_eq(landlock_plan_covered(plan, "/usr/sbin/x", 11), 0);
	cr_assert_eq(landlock_plan_covered(plan, "/var/spool/two", 14) & LL_FS_READ_FILE, 0);
	landlock_plan_free(plan);
	policy_free(pol);
}

Test(landlock_rules, sources_of_an_extended_profile)
{
	char dir[] = "/tmp/ll-rules-XXXXXX";
	char base[64], top[64];
	cr_assert(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/base.json", dir);
	snprintf(top, sizeof(top), "%s/top.json", dir);
	FILE *f = fopen(base, "w");
	fputs("{\"fnguard\":1,\"files\":[{\"path\":\"/opt/**\",\"allow\":\"r\"}]}", f);
	fclose(f);
	f = fopen(top, "w");
	fputs("{\"fnguard\":1,\"extends\":[\"base.json\"],"
	      "\"network\":[{\"cidr\":\"127.0.0.1\",\"ports\":[1]}]}",
	      f);
	fclose(f);

	struct policy *pol = NULL;
	struct landlock_plan *plan = NULL;
	cr_assert_eq(policy_load_file(top, &load_opts, &pol, NULL), 0);
	cr_assert_eq(landlock_plan_from_policy(pol, &all_enforce, &plan), 0);
	cr_assert_eq(plan->n_sources, 2);
	bool saw_base = false, saw_top = false;
	for (size_t i = 0; i < plan->n_sources; i++) {
		saw_base |= strcmp(plan->sources[i], base) == 0;
		saw_top |= strcmp(plan->sources[i], top) == 0;
	}
	cr_assert(saw_base && saw_top, "%s %s", plan->sources[0], plan->sources[1]);
	cr_assert(find(plan, "/opt"));
	landlock_plan_free(plan);
	policy_free(pol);
	unlink(base);
	unlink(top);
	rmdir(dir);
}
