// SPDX-License-Identifier: MIT
/*
 * Compiled bundles and their profile image: a bundle loads into the same
 * policy as its JSON (rules, hash, answers), paths are expanded at load
 * and not at compile time, version 1 bundles still load, and damage of any
 * kind is an error, never a crash (this suite also runs under ASan).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "bundle.h"
#include "seccomp_filter.h"
#include "config.h"
#include "policy.h"
#include "profile_image.h"
#include "strbuf.h"

static char dir[] = "/tmp/fnguard-test-bundle-XXXXXX";

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

TestSuite(bundle, .init = setup, .fini = teardown);

/* Every kind of rule and field the reader knows. */
static const char rich[] =
	"{\"fnguard\": 1, \"name\": \"rich\", \"mode\": \"alert\",\n"
	" \"actions\": {\"network\": \"enforce\", \"exec\": \"record\"},\n"
	" \"on_error\": \"open\",\n"
	" \"files\": [\n"
	"  {\"path\": \"${LAMBDA_TASK_ROOT}/**\", \"allow\": \"r\", \"seen\": 12, \"phase\": "
	"\"init\"},\n"
	"  {\"path\": \"/tmp/**\", \"allow\": \"rwcd\", \"phase\": \"invoke\"},\n"
	"  {\"path\": \"/tmp/secret*\", \"deny\": \"rw\"},\n"
	"  {\"path\": \"/etc/h?sts\", \"allow\": \"r\"}],\n"
	" \"network\": [\n"
	"  {\"host\": \"*.example.com\", \"ports\": [443, \"8000-8080\"], \"proto\": \"tcp\"},\n"
	"  {\"host\": \"10.1.2.3\", \"ports\": [53], \"proto\": \"udp\"},\n"
	"  {\"cidr\": \"2001:db8::/32\"},\n"
	"  {\"cidr\": \"127.0.0.0/8\", \"ports\": [8080], \"inbound\": true},\n"
	"  {\"unix\": \"${LAMBDA_RUNTIME_DIR}/sock\"},\n"
	"  {\"unix\": \"@abstract-*\"}],\n"
	" \"exec\": [\n"
	"  {\"path\": \"/bin/sh\", \"argv\": [\"sh\", \"-c\", \"echo *\"]},\n"
	"  {\"path\": \"${LAMBDA_TASK_ROOT}/bin/*\"}],\n"
	" \"syscalls\": [\"@basic-io\", \"openat\", \"connect\", \"execve\"],\n"
	" \"unsafe\": [\"ptrace\"],\n"
	" \"require\": [\"seccomp\"]}\n";

static void write_file(const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static const char *at(const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const char *task_root;

static const char *getvar(const char *name, void *userdata)
{
	(void)userdata;
	return strcmp(name, "LAMBDA_TASK_ROOT") == 0 ? task_root : NULL;
}

static struct policy_load_opts opts(void)
{
	return (struct policy_load_opts){.search_path = FNGUARD_SOURCE_PROFILES_DIR,
					 .getvar = getvar};
}

static struct policy *load_json(const char *path)
{
	struct diag_list d = {0};
	struct policy *p = NULL;
	struct policy_load_opts o = opts();
	int r = policy_load_file(path, &o, &p, &d);
	cr_assert_eq(r, 0, "load %s: %s", path, d.n ? d.lines[0] : strerror(-r));
	diag_list_clear(&d);
	return p;
}

/* Compiles pol into NAME and loads it back: r is the load's result. */
static int bundle_round(const struct policy *pol, const char *name, struct policy **ret,
			struct diag_list *d)
{
	void *data = NULL, *kept = NULL;
	size_t len = 0;
	struct bundle_view view;
	struct policy_load_opts o = opts();

	cr_assert_eq(bundle_build(pol, 0, &data, &len, d), 0);
	write_file(name, data, len);
	free(data);
	int r = bundle_load_policy(at(name), &o, ret, &kept, &view, d);
	if (r == 0)
		cr_assert(view.image != NULL, "a new bundle carries a profile image");
	free(kept);
	return r;
}

static void assert_same(const struct policy *a, const struct policy *b)
{
	char *ja = NULL, *jb = NULL, ha[17], hb[17];
	cr_assert_eq(policy_to_json(a, true, &ja), 0);
	cr_assert_eq(policy_to_json(b, true, &jb), 0);
	cr_assert_str_eq(ja, jb);
	free(ja);
	free(jb);
	cr_assert_eq(policy_to_json(b, false, &jb), 0, "the document of a bundle prints too");
	free(jb);
	policy_hash(a, ha);
	policy_hash(b, hb);
	cr_assert_str_eq(ha, hb, "the start event's hash is the same either way");
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
		cr_assert_eq(policy_action(a, c), policy_action(b, c));
	cr_assert_eq(policy_on_error(a), policy_on_error(b));
	cr_assert_eq(policy_requires(a, "seccomp"), policy_requires(b, "seccomp"));
}

/* The answer for one query of every kind, as a string to compare. */
static void answers(const struct policy *p, char *out, size_t size)
{
	static const char *const paths[] = {"/var/task/app.py", "/srv/app/app.py", "/tmp/x",
					    "/tmp/secret.txt",	"/etc/hosts",	   "/etc/passwd",
					    "/var/runtime/sock"};
	static const char *const hosts[] = {"api.example.com", "example.com", "evil.test"};
	static const int ports[] = {443, 8001, 9000};
	char *const argv_ok[] = {"sh", "-c", "echo hi", NULL};
	char *const argv_bad[] = {"sh", "-c", "curl evil", NULL};
	struct policy_verdict v;
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (unsigned rights = 1; rights <= 8; rights <<= 1) {
			int r = policy_check_file(p, paths[i], strlen(paths[i]), rights, &v);
			n += (size_t)snprintf(out + n, size - n, "f%d:%d:%d ", r, v.allowed,
					      v.rule);
		}
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		for (size_t k = 0; k < sizeof(ports) / sizeof(ports[0]); k++) {
			int r = policy_check_host(p, hosts[i], strlen(hosts[i]), ports[k],
						  NET_PROTO_TCP, NET_DIR_OUT, &v);
			n += (size_t)snprintf(out + n, size - n, "h%d:%d ", r, v.allowed);
		}
	struct in6_addr a6;
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	int r = policy_check_ip(p, AF_INET6, &a6, 22, NET_PROTO_TCP, NET_DIR_OUT, &v);
	n += (size_t)snprintf(out + n, size - n, "i%d:%d ", r, v.allowed);
	struct in_addr a4;
	inet_pton(AF_INET, "127.0.0.1", &a4);
	r = policy_check_ip(p, AF_INET, &a4, 8080, NET_PROTO_TCP, NET_DIR_IN, &v);
	n += (size_t)snprintf(out + n, size - n, "i%d:%d ", r, v.allowed);
	r = policy_check_exec(p, "/bin/sh", 7, argv_ok, &v);
	n += (size_t)snprintf(out + n, size - n, "e%d:%d ", r, v.allowed);
	r = policy_check_exec(p, "/bin/sh", 7, argv_bad, &v);
	n += (size_t)snprintf(out + n, size - n, "e%d:%d ", r, v.allowed);
	r = policy_check_syscall(p, "ptrace", &v);
	snprintf(out + n, size - n, "s%d:%d", r, v.allowed);
}

static void assert_same_answers(const struct policy *a, const struct policy *b)
{
	char x[4096], y[4096];
	answers(a, x, sizeof(x));
	answers(b, y, sizeof(y));
	cr_assert_str_eq(x, y);
}

Test(bundle, rich_profile_loads_the_same)
{
	struct diag_list d = {0};
	struct policy *fromjson, *frombundle = NULL;

	task_root = NULL;
	write_file("rich.json", rich, strlen(rich));
	fromjson = load_json(at("rich.json"));
	cr_assert_eq(bundle_round(fromjson, "rich.fgb", &frombundle, &d), 0, "%s",
		     d.n ? d.lines[0] : "");
	assert_same(fromjson, frombundle);
	assert_same_answers(fromjson, frombundle);
	cr_assert_not(policy_files_prebuilt(fromjson));
	cr_assert(policy_files_prebuilt(frombundle), "the bundle's file matcher is used as is");
	/* Origins: the rule still points at the file and line it was written on. */
	const char *fa = NULL, *fb = NULL;
	unsigned la, lb, ca, cb;
	for (int32_t i = 0; i < 4; i++) {
		cr_assert_eq(policy_rule_origin(fromjson, POLICY_CAT_FILE, i, &fa, &la, &ca), 0);
		cr_assert_eq(policy_rule_origin(frombundle, POLICY_CAT_FILE, i, &fb, &lb, &cb), 0);
		cr_assert_str_eq(fa, fb);
		cr_assert(la == lb && ca == cb && la == (unsigned)i + 5, "rule %d: line %u", i, lb);
	}
	policy_free(fromjson);
	policy_free(frombundle);
	diag_list_clear(&d);
}

/*
 * What a first process hands its descendants (lib/profile_share.c): no
 * JSON, no programs; loaded in place from memory it gives the same
 * answers, hash and modes, with the syscall names when asked for them.
 */
Test(bundle, lean_bundle_loads_the_same_from_memory)
{
	struct diag_list d = {0};
	struct policy *fromjson, *lean = NULL;
	struct bundle_view view;
	struct policy_load_opts o = opts();
	void *data = NULL;
	size_t len = 0;

	task_root = NULL;
	write_file("rich.json", rich, strlen(rich));
	fromjson = load_json(at("rich.json"));
	for (int names = 0; names <= 1; names++) {
		cr_assert_eq(bundle_build_lean(fromjson, names, &data, &len), 0);
		cr_assert_eq(bundle_load_policy_mem("lean", data, len, &o, &lean, &view, &d), 0,
			     "%s", d.n ? d.lines[0] : "");
		cr_assert(view.json == NULL && view.n_bpf == 0 && view.image != NULL);
		cr_assert_eq(view.names != NULL, names);
		assert_same(fromjson, lean);
		assert_same_answers(fromjson, lean);
		cr_assert(policy_files_prebuilt(lean), "its file matcher is used where it lies");
		policy_free(lean);
		lean = NULL;
		/* Damage is refused as in a file. */
		((unsigned char *)data)[len - 1] ^= 0x40;
		cr_assert_eq(bundle_load_policy_mem("lean", data, len, &o, &lean, &view, &d),
			     -EINVAL);
		free(data);
		diag_list_clear(&d);
	}
	policy_free(fromjson);
}

/*
 * A descendant maps its first process's bundle from a sealed memfd and
 * does not sum it again (checksum_checked): it loads the same, and what
 * the checksum would have caught is not the reader's only defence: a
 * section out of bounds is still refused.
 */
Test(bundle, sealed_copy_is_not_summed_again_but_bounds_are_checked)
{
	struct diag_list d = {0};
	struct policy *fromjson, *lean = NULL;
	struct bundle_view view;
	struct policy_load_opts o = opts();
	void *data = NULL;
	size_t len = 0;
	uint64_t off;

	task_root = NULL;
	write_file("rich.json", rich, strlen(rich));
	fromjson = load_json(at("rich.json"));
	cr_assert_eq(bundle_build_lean(fromjson, 1, &data, &len), 0);
	o.checksum_checked = true;
	cr_assert_eq(bundle_load_policy_mem("sealed", data, len, &o, &lean, &view, &d), 0, "%s",
		     d.n ? d.lines[0] : "");
	assert_same(fromjson, lean);
	assert_same_answers(fromjson, lean);
	policy_free(lean);
	lean = NULL;
	/* The first section's offset (header 32 bytes, then kind, flags, offset) past the end. */
	memcpy(&off, (char *)data + 32 + 8, sizeof(off));
	off = len + 8;
	memcpy((char *)data + 32 + 8, &off, sizeof(off));
	cr_assert_eq(bundle_load_policy_mem("sealed", data, len, &o, &lean, &view, &d), -EINVAL);
	cr_assert(lean == NULL);
	cr_assert(d.n && strstr(d.lines[d.n - 1], "out of bounds"), "%s",
		  d.n ? d.lines[d.n - 1] : "");
	/* Without the option the same bytes fail the checksum first. */
	o.checksum_checked = false;
	cr_assert_eq(bundle_load_policy_mem("sealed", data, len, &o, &lean, &view, &d), -EINVAL);
	cr_assert(strstr(d.lines[d.n - 1], "checksum"), "%s", d.lines[d.n - 1]);
	free(data);
	diag_list_clear(&d);
	policy_free(fromjson);
}

struct first_asker {
	const struct policy *p;
	char out[4096];
};

static void *ask_first(void *arg)
{
	struct first_asker *a = arg;
	answers(a->p, a->out, sizeof(a->out));
	return NULL;
}

/*
 * The shim's load (net_when_asked): the network matchers are built by the
 * first check, and give the answers of a policy built at load, also when
 * eight threads ask first at once (one build kept, the others freed: ASan
 * sees a leak or a double free).
 */
Test(bundle, network_matchers_built_when_first_asked)
{
	struct diag_list d = {0};
	void *data = NULL, *kept = NULL;
	size_t len = 0;
	struct bundle_view view;
	char want[4096];

	task_root = NULL;
	write_file("rich.json", rich, strlen(rich));
	struct policy *fromjson = load_json(at("rich.json"));
	answers(fromjson, want, sizeof(want));
	cr_assert_eq(bundle_build(fromjson, 0, &data, &len, &d), 0);
	write_file("lazy.fgb", data, len);
	free(data);
	for (int round = 0; round < 20; round++) {
		struct policy_load_opts o = opts();
		struct policy *lazy = NULL;
		pthread_t t[8];
		struct first_asker a[8];

		o.net_when_asked = true;
		cr_assert_eq(bundle_load_policy(at("lazy.fgb"), &o, &lazy, &kept, &view, &d), 0);
		for (int i = 0; i < 8; i++) {
			a[i].p = lazy;
			cr_assert_eq(pthread_create(&t[i], NULL, ask_first, &a[i]), 0);
		}
		for (int i = 0; i < 8; i++) {
			pthread_join(t[i], NULL);
			cr_assert_str_eq(a[i].out, want, "thread %d of round %d", i, round);
		}
		policy_free(lazy);
		free(kept);
	}
	policy_free(fromjson);
	diag_list_clear(&d);
}

Test(bundle, shipped_profiles_load_the_same)
{
	static const char *const names[] = {"lambda-base", "python", "nodejs", "java", "provided"};
	task_root = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[512], name[64];
		struct diag_list d = {0};
		struct policy *frombundle = NULL;
		snprintf(path, sizeof(path), "%s/%s.json", FNGUARD_SOURCE_PROFILES_DIR, names[i]);
		snprintf(name, sizeof(name), "%s.fgb", names[i]);
		struct policy *fromjson = load_json(path);
		cr_assert_eq(bundle_round(fromjson, name, &frombundle, &d), 0, "%s: %s", names[i],
			     d.n ? d.lines[0] : "");
		assert_same(fromjson, frombundle);
		assert_same_answers(fromjson, frombundle);
		cr_assert(policy_files_prebuilt(frombundle), "%s", names[i]);
		policy_free(fromjson);
		policy_free(frombundle);
		diag_list_clear(&d);
	}
}

Test(bundle, variables_are_expanded_at_load_not_at_compile)
{
	struct diag_list d = {0};
	struct policy *frombundle = NULL;
	struct policy_verdict v;

	task_root = NULL; /* compiled where LAMBDA_TASK_ROOT is /var/task */
	write_file("rich.json", rich, strlen(rich));
	struct policy *fromjson = load_json(at("rich.json"));
	task_root = "/srv/app/"; /* loaded where it is /srv/app */
	cr_assert_eq(bundle_round(fromjson, "rich.fgb", &frombundle, &d), 0);
	cr_assert_not(policy_files_prebuilt(frombundle),
		      "the matcher was built for /var/task: built again for /srv/app");
	cr_assert_eq(policy_check_file(frombundle, "/srv/app/app.py", 15, POLICY_RIGHT_READ, &v),
		     0);
	cr_assert(v.allowed);
	cr_assert_eq(policy_check_file(frombundle, "/var/task/app.py", 16, POLICY_RIGHT_READ, &v),
		     0);
	cr_assert_not(v.allowed);
	/* Same as the JSON read in the same environment. */
	struct policy *again = load_json(at("rich.json"));
	assert_same_answers(again, frombundle);
	policy_free(again);
	policy_free(frombundle);

	/* Compiled with the variable unset, run where Lambda sets it to its default: taken. */
	static const char *const same[] = {"/var/task", "/var/task/"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		task_root = same[i];
		frombundle = NULL;
		cr_assert_eq(bundle_round(fromjson, "rich.fgb", &frombundle, &d), 0);
		cr_assert(policy_files_prebuilt(frombundle), "LAMBDA_TASK_ROOT=%s", same[i]);
		assert_same_answers(fromjson, frombundle);
		policy_free(frombundle);
	}

	task_root = "relative/dir";
	frombundle = NULL;
	diag_list_clear(&d);
	cr_assert_eq(bundle_round(fromjson, "rich.fgb", &frombundle, &d), -EINVAL);
	cr_assert_null(frombundle);
	cr_assert(d.n && strstr(d.lines[0], "not an absolute path"), "%s", d.n ? d.lines[0] : "");
	task_root = NULL;
	policy_free(fromjson);
	diag_list_clear(&d);
}

static void image_of(const char *text, struct strbuf *out)
{
	write_file("p.json", text, strlen(text));
	struct policy *p = load_json(at("p.json"));
	policy_image_write(p, out);
	cr_assert_not(out->oom);
	policy_free(p);
}

Test(bundle, every_truncation_of_an_image_is_refused)
{
	struct strbuf img = {0};
	task_root = NULL;
	image_of(rich, &img);
	struct policy_load_opts o = opts();
	for (size_t len = 0; len < img.len; len++) {
		char msg[256];
		struct profile *p = NULL;
		uint64_t h;
		/* A private copy of exactly len bytes: ASan sees any read past it. */
		char *cut = malloc(len ? len : 1);
		memcpy(cut, img.buf, len);
		int r = profile_image_read(cut, len, &o, &p, &h, msg, sizeof(msg));
		cr_assert_eq(r, -EINVAL, "%zu of %zu bytes: %d", len, img.len, r);
		cr_assert_null(p);
		free(cut);
	}
	char msg[256];
	struct profile *p = NULL;
	uint64_t h;
	cr_assert_eq(profile_image_read(img.buf, img.len, &o, &p, &h, msg, sizeof(msg)), 0);
	profile_free(p);
	free(img.buf);
}

/* A heap copy of buf with byte i xor flip: ASan sees any read past its len bytes. */
static char *flipped(const char *buf, size_t len, size_t i, unsigned char flip)
{
	char *copy = malloc(len);
	cr_assert_not_null(copy);
	memcpy(copy, buf, len);
	copy[i] ^= (char)flip;
	return copy;
}

Test(bundle, damaged_bytes_never_crash_the_reader)
{
	struct strbuf img = {0};
	task_root = NULL;
	image_of(rich, &img);
	struct policy_load_opts o = opts();
	static const unsigned char flips[] = {0x01, 0x80, 0xff};
	size_t refused = 0, tries = 0;
	for (size_t i = 0; i < img.len; i++)
		for (size_t k = 0; k < sizeof(flips); k++) {
			char *copy = flipped(img.buf, img.len, i, flips[k]);
			struct policy *pol = NULL;
			struct diag_list d = {0};
			int r = policy_load_image("x", copy, img.len, NULL, 0, &o, &pol, &d);
			cr_assert(r == 0 || r == -EINVAL, "byte %zu ^ %#x: %d", i, flips[k], r);
			refused += r < 0;
			tries++;
			policy_free(pol);
			diag_list_clear(&d);
			free(copy);
		}
	/* Most damage is seen; the rest still loads into some valid policy. */
	cr_assert_gt(refused, tries / 4, "%zu of %zu refused", refused, tries);
	free(img.buf);
}

/*
 * The file matcher's block, damaged in every byte or cut short: refused,
 * never walked off its end. Loaded in place, as the shim does.
 */
Test(bundle, damaged_file_matcher_is_refused_never_crashes)
{
	struct strbuf img = {0}, m = {0};
	task_root = NULL;
	write_file("p.json", rich, strlen(rich));
	struct policy *src = load_json(at("p.json"));
	policy_image_write(src, &img);
	policy_matcher_write(src, &m);
	cr_assert(!img.oom && !m.oom);
	char want[4096], got[4096];
	answers(src, want, sizeof(want));
	struct policy_load_opts o = opts();
	o.matcher_in_place = true;
	static const unsigned char flips[] = {0x01, 0x80, 0xff};
	size_t refused = 0, tries = 0, prebuilt = 0, rebuilt = 0;
	for (size_t i = 0; i < m.len; i++)
		for (size_t k = 0; k < sizeof(flips); k++) {
			char *copy = flipped(m.buf, m.len, i, flips[k]);
			struct policy *pol = NULL;
			struct diag_list d = {0};
			int r = policy_load_image("x", img.buf, img.len, copy, m.len, &o, &pol, &d);
			cr_assert(r == 0 || r == -EINVAL, "byte %zu ^ %#x: %d", i, flips[k], r);
			tries++;
			if (r < 0) {
				cr_assert(d.n && strstr(d.lines[0], "file matcher is damaged"),
					  "%s", d.n ? d.lines[0] : "");
				refused++;
			} else if (policy_files_prebuilt(pol)) {
				/* Damage the checks cannot see (padding, head copies): walkable. */
				answers(pol, got, sizeof(got));
				prebuilt++;
			} else {
				/* A glob changed: built from this load's globs, the same answers. */
				answers(pol, got, sizeof(got));
				cr_assert_str_eq(got, want, "byte %zu ^ %#x", i, flips[k]);
				rebuilt++;
			}
			policy_free(pol);
			diag_list_clear(&d);
			free(copy);
		}
	for (size_t len = 0; len < m.len; len++) {
		/* Exactly len bytes on the heap: ASan sees any read past them. */
		char *cut = malloc(len ? len : 1);
		memcpy(cut, m.buf, len);
		struct policy *pol = NULL;
		struct diag_list d = {0};
		cr_assert_eq(policy_load_image("x", img.buf, img.len, cut, len, &o, &pol, &d),
			     -EINVAL, "%zu of %zu bytes", len, m.len);
		diag_list_clear(&d);
		free(cut);
	}
	struct policy *pol = NULL;
	struct diag_list d = {0};
	cr_assert_eq(policy_load_image("x", img.buf, img.len, m.buf, m.len, &o, &pol, &d), 0);
	cr_assert(policy_files_prebuilt(pol));
	answers(pol, got, sizeof(got));
	cr_assert_str_eq(got, want);
	policy_free(pol);
	cr_assert_gt(refused, tries / 5, "%zu of %zu refused", refused, tries);
	cr_assert(prebuilt > 0 && rebuilt > 0, "prebuilt %zu, rebuilt %zu", prebuilt, rebuilt);
	policy_free(src);
	free(img.buf);
	free(m.buf);
}

Test(bundle, damaged_bundle_is_refused_by_checksum)
{
	struct diag_list d = {0};
	void *data = NULL, *kept = NULL;
	size_t len = 0;
	struct bundle_view view;
	struct policy *p = NULL;

	task_root = NULL;
	write_file("rich.json", rich, strlen(rich));
	struct policy *fromjson = load_json(at("rich.json"));
	cr_assert_eq(bundle_build(fromjson, 0, &data, &len, &d), 0);
	for (size_t i = 40; i < len; i += len / 13) {
		((unsigned char *)data)[i] ^= 0x20;
		write_file("bad.fgb", data, len);
		((unsigned char *)data)[i] ^= 0x20;
		struct policy_load_opts o = opts();
		cr_assert_eq(bundle_load_policy(at("bad.fgb"), &o, &p, &kept, &view, &d), -EINVAL);
		cr_assert(d.n && strstr(d.lines[d.n - 1], "checksum"), "%s",
			  d.n ? d.lines[d.n - 1] : "");
	}
	free(data);
	policy_free(fromjson);
	diag_list_clear(&d);
}

/*
 * Programs compiled before this fnguard's fixed filter rules (a bundle
 * from an older fnguard: the rules revision in their flags is lower) are
 * not handed out: the caller compiles the profile itself.
 */
Test(bundle, programs_with_older_fixed_rules_are_not_used)
{
	static const char with_ioctl[] = "{\"fnguard\": 1, \"syscalls\": [\"read\", \"write\", "
					 "\"ioctl\", \"exit_group\"]}";
	struct diag_list d = {0};
	struct bundle_view view;
	struct policy_load_opts o = opts();
	struct policy *pol, *loaded = NULL;
	void *data = NULL;
	size_t len = 0, plen;
	bool trap;

	task_root = NULL;
	write_file("ioctl.json", with_ioctl, strlen(with_ioctl));
	pol = load_json(at("ioctl.json"));
	cr_assert_eq(bundle_build(pol, 0, &data, &len, &d), 0);
	cr_assert_eq(bundle_parse(data, len, &view, &(const char *){NULL}), 0);
	cr_assert_not(bundle_programs_stale(&view));
	cr_assert_not_null(bundle_program(&view, POLICY_MODE_ENFORCE, false, 0, &plen, &trap));
	/* As an older fnguard wrote them: rules revision 0 in every program's flags. */
	uint32_t n_sections;
	memcpy(&n_sections, (char *)data + 12, sizeof(n_sections));
	for (uint32_t i = 0; i < n_sections; i++) {
		char *sec = (char *)data + 32 + (size_t)i * 24;
		uint32_t kind, flags;
		memcpy(&kind, sec, sizeof(kind));
		memcpy(&flags, sec + 4, sizeof(flags));
		if (kind != BUNDLE_BPF)
			continue;
		cr_assert_eq((flags & BUNDLE_BPF_RULES_MASK) >> BUNDLE_BPF_RULES_SHIFT,
			     SECCOMP_FILTER_RULES);
		flags &= ~(uint32_t)BUNDLE_BPF_RULES_MASK;
		memcpy(sec + 4, &flags, sizeof(flags));
	}
	o.checksum_checked = true; /* the flags changed under the checksum */
	cr_assert_eq(bundle_load_policy_mem("old", data, len, &o, &loaded, &view, &d), 0, "%s",
		     d.n ? d.lines[0] : "");
	cr_assert(bundle_programs_stale(&view));
	cr_assert_null(bundle_program(&view, POLICY_MODE_ENFORCE, false, 0, &plen, &trap));
	cr_assert_null(bundle_program(&view, POLICY_MODE_ALERT, false, 0, &plen, &trap));
	policy_free(loaded);
	policy_free(pol);
	free(data);
	diag_list_clear(&d);
}

static uint64_t fnv1a64(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A version 1 bundle (JSON only, byte-wise checksum), written the old way by hand. */
Test(bundle, version_1_bundle_still_loads_through_its_json)
{
	struct {
		char magic[8];
		uint32_t version, n_sections;
		uint64_t total_size, checksum;
		struct {
			uint32_t kind, flags;
			uint64_t offset, size;
		} s;
	} h = {.magic = BUNDLE_MAGIC, .version = 1, .n_sections = 1};
	char *json = NULL;

	task_root = NULL;
	write_file("rich.json", rich, strlen(rich));
	struct policy *fromjson = load_json(at("rich.json"));
	cr_assert_eq(policy_to_json(fromjson, true, &json), 0);
	size_t jl = strlen(json), len = sizeof(h) + jl;
	h.total_size = len;
	h.s.kind = BUNDLE_PROFILE_JSON;
	h.s.offset = sizeof(h);
	h.s.size = jl;
	unsigned char *buf = malloc(len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), json, jl);
	h.checksum = fnv1a64(buf + 32, len - 32);
	memcpy(buf, &h, sizeof(h));
	write_file("v1.fgb", buf, len);

	struct diag_list d = {0};
	struct policy *p = NULL;
	void *kept = NULL;
	struct bundle_view view;
	struct policy_load_opts o = opts();
	cr_assert_eq(bundle_load_policy(at("v1.fgb"), &o, &p, &kept, &view, &d), 0, "%s",
		     d.n ? d.lines[0] : "");
	cr_assert_null(view.image);
	/* Rules in the canonical JSON's order: compare with that text loaded as a profile. */
	write_file("canonical.json", json, jl);
	struct policy *canonical = load_json(at("canonical.json"));
	assert_same_answers(canonical, p);
	policy_free(canonical);
	free(kept);
	free(buf);
	free(json);
	policy_free(p);
	policy_free(fromjson);
	diag_list_clear(&d);
}
