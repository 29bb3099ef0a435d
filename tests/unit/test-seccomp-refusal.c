// SPDX-License-Identifier: MIT
/*
 * seccomp_filter_refusal, the "rule" and "tip" of the shim's SIGSYS events,
 * checked against the compiler itself: for every call the enforce program
 * traps, the profile with the tip's name added must let it through, and a
 * refusal said to hold whatever "syscalls" lists must still trap with the
 * call's own name listed. Programs run through bpf_sim; no root needed.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "bpf_sim.h"
#include "policy.h"
#include "seccomp_filter.h"
#include "util.h"

static const char *const profiles[] = {
	/* Lists sendto but not connect. */
	"{\"fnguard\": 1, \"syscalls\": [\"read\", \"write\", \"getpid\", \"@signal\", "
	"\"socket\", \"prctl\", \"clone\", \"sendto\", \"sendmsg\", \"personality\"]}",
	/* Lists almost nothing. */
	"{\"fnguard\": 1, \"syscalls\": [\"write\", \"rt_sigaction\"]}",
	/* unshare under unsafe: namespace clones follow clone. */
	"{\"fnguard\": 1, \"syscalls\": [\"write\", \"socket\", \"connect\", \"sendto\"], "
	"\"unsafe\": [\"unshare\", \"ptrace\"]}",
	"{\"fnguard\": 1, \"syscalls\": [\"@lambda-runtime\"]}",
};

struct call {
	const char *name;
	uint64_t args[6];
};

static const struct call calls[] = {
	{"read", {0}},
	{"uname", {0}},
	{"mkdirat", {0}},
	{"ptrace", {0}},
	{"io_uring_setup", {0}},
	{"unshare", {CLONE_NEWUSER}},
	{"socket", {AF_INET, SOCK_STREAM}},
	{"socket", {AF_UNIX, SOCK_DGRAM}},
	{"socket", {AF_NETLINK, SOCK_RAW}},
	{"socket", {AF_INET, SOCK_PACKET}},
	{"socket", {40 /* AF_VSOCK */, SOCK_STREAM}},
	{"clone", {SIGCHLD}},
	{"clone", {CLONE_NEWUSER | SIGCHLD}},
	{"clone", {CLONE_NEWNET | CLONE_NEWNS}},
	{"personality", {0xffffffffu}},
	{"personality", {0x0400000 /* READ_IMPLIES_EXEC */}},
	{"prctl", {PR_SET_NAME}},
	{"prctl", {PR_SET_SECCOMP, 2}},
	{"prctl", {PR_GET_SECCOMP}},
	{"seccomp", {1, 0, 0x1000}},
	{"rt_sigaction", {SIGSYS, 0x1000}},
	{"rt_sigaction", {SIGSYS, 0}},
	{"rt_sigaction", {SIGUSR1, 0x1000}},
	{"sendto", {3, 0x1000, 10, 0, 0, 0}},
	{"sendto", {3, 0x1000, 10, 0, 0x2000, 16}},
	{"sendto", {3, 0x1000, 10, MSG_FASTOPEN, 0, 0}},
	{"sendmsg", {3, 0x1000, MSG_FASTOPEN}},
	{"sendmsg", {3, 0x1000, 0}},
	{"connect", {3, 0x1000, 16}},
	{"kill", {1, SIGTERM}},
};

static struct policy *load(const char *json)
{
	struct policy_load_opts opts = {0};
	struct diag_list diags = {0};
	struct policy *pol = NULL;
	int r = policy_load_buffer("test.json", json, strlen(json), &opts, &pol, &diags);
	diag_list_clear(&diags);
	cr_assert_eq(r, 0, "profile does not load: %s", json);
	return pol;
}

/* The enforce program (lockdown on, as the shim installs it) of json run on c. */
static uint32_t judge(const char *json, const struct call *c)
{
	struct policy *pol = load(json);
	struct seccomp_options o;
	struct seccomp_filter *f = NULL;

	seccomp_options_init(&o, pol);
	o.mode = POLICY_MODE_ENFORCE;
	o.errno_only = false;
	o.arch = AUDIT_ARCH_X86_64;
	o.after_install_lockdown = true;
	o.log_fd = -1;
	cr_assert_eq(seccomp_filter_build(pol, &o, &f, NULL), 0);
	int nr = seccomp_filter_syscall_number(AUDIT_ARCH_X86_64, c->name);
	cr_assert_geq(nr, 0, "%s", c->name);
	struct seccomp_data d = {.nr = nr, .arch = AUDIT_ARCH_X86_64};
	memcpy(d.args, c->args, sizeof(d.args));
	size_t len;
	const struct sock_filter *prog = seccomp_filter_program(f, &len);
	uint32_t action = 0;
	cr_assert_eq(bpf_sim_run(prog, len, &d, &action), 0);
	seccomp_filter_free(f);
	policy_free(pol);
	return action;
}

/* json with name added to its list key ("syscalls" or "unsafe"); caller frees. */
static char *with_listed(const char *json, const char *key, const char *name)
{
	cJSON *root = cJSON_Parse(json);
	cr_assert(root);
	cJSON *list = cJSON_GetObjectItem(root, key);
	if (!list)
		list = cJSON_AddArrayToObject(root, key);
	cr_assert(list);
	bool there = false;
	cJSON *item;
	cJSON_ArrayForEach (item, list)
		there = there || (cJSON_IsString(item) && strcmp(item->valuestring, name) == 0);
	if (!there)
		cJSON_AddItemToArray(list, cJSON_CreateString(name));
	char *out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

static void refusal_in(const char *json, const struct call *c, enum policy_mode mode,
		       struct seccomp_refusal *ret)
{
	struct policy *pol = load(json);
	struct policy_verdict v;
	struct seccomp_data d = {0};
	struct seccomp_options o;
	memcpy(d.args, c->args, sizeof(d.args));
	cr_assert_eq(policy_check_syscall(pol, c->name, &v), 0);
	seccomp_options_init(&o, pol);
	o.mode = mode;
	o.after_install_lockdown = true;
	seccomp_filter_refusal(pol, c->name, &v, &d, &o, ret);
	policy_free(pol);
}

static void refusal_of(const char *json, const struct call *c, struct seccomp_refusal *ret)
{
	refusal_in(json, c, POLICY_MODE_ENFORCE, ret);
}

Test(seccomp_refusal, the_tip_allows_the_call_and_a_deny_holds)
{
	size_t trapped = 0, tips = 0, denies = 0;

	for (size_t p = 0; p < ELEMENTSOF(profiles); p++) {
		for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
			const struct call *c = &calls[i];
			if (judge(profiles[p], c) != SECCOMP_RET_TRAP)
				continue;
			trapped++;
			struct seccomp_refusal r;
			refusal_of(profiles[p], c, &r);
			cr_assert(r.rule && *r.rule);
			cr_assert(!r.need == r.by_deny, "%s: need %s, by_deny %d", c->name,
				  r.need ? r.need : "-", r.by_deny);
			/* The dangerous set is never listed: the rule says "unsafe". */
			bool dangerous = strstr(r.rule, "dangerous set") != NULL;
			char *more = with_listed(profiles[p], dangerous ? "unsafe" : "syscalls",
						 r.need ? r.need : c->name);
			if (r.also) {
				char *both = with_listed(more, "syscalls", r.also);
				free(more);
				more = both;
			}
			uint32_t after = judge(more, c);
			free(more);
			if (dangerous) {
				denies++;
				cr_expect_eq(after, SECCOMP_RET_ALLOW,
					     "profile %zu, %s under unsafe gives %#x", p, c->name,
					     after);
			} else if (r.need) {
				tips++;
				cr_expect_eq(after, SECCOMP_RET_ALLOW,
					     "profile %zu, %s (arg0 %#lx): listing %s gives %#x", p,
					     c->name, (unsigned long)c->args[0], r.need, after);
			} else {
				denies++;
				cr_expect_eq(after, SECCOMP_RET_TRAP,
					     "profile %zu, %s (arg0 %#lx) said refused whatever is "
					     "listed (%s), listed it gives %#x",
					     p, c->name, (unsigned long)c->args[0], r.rule, after);
			}
		}
	}
	/* The table reaches every kind of refusal. */
	cr_expect_geq(tips, 10, "%zu tips", tips);
	cr_expect_geq(denies, 15, "%zu denies", denies);
	cr_expect_eq(trapped, tips + denies);
}

static void expect_rule(const char *json, struct call c, const char *rule_part, const char *need)
{
	struct seccomp_refusal r;
	refusal_of(json, &c, &r);
	cr_expect(strstr(r.rule, rule_part), "%s: rule \"%s\", want \"%s\"", c.name, r.rule,
		  rule_part);
	if (need)
		cr_expect(r.need && strcmp(r.need, need) == 0, "%s: need %s, want %s", c.name,
			  r.need ? r.need : "-", need);
	else
		cr_expect_null(r.need, "%s: need %s, want none", c.name, r.need);
}

Test(seccomp_refusal, each_reason_is_named)
{
	const char *main_profile = profiles[0], *bare = profiles[1], *unsafe = profiles[2];

	expect_rule(main_profile, (struct call){"uname", {0}}, "not in the profile's syscalls",
		    "uname");
	expect_rule(main_profile, (struct call){"ptrace", {0}}, "in the dangerous set", NULL);
	expect_rule(main_profile, (struct call){"socket", {AF_NETLINK}}, "socket family", NULL);
	expect_rule(bare, (struct call){"socket", {AF_NETLINK}}, "socket family", NULL);
	expect_rule(bare, (struct call){"socket", {AF_INET}}, "not in the profile's", "socket");
	expect_rule(main_profile, (struct call){"clone", {CLONE_NEWUSER}}, "is unshare", NULL);
	expect_rule(unsafe, (struct call){"clone", {CLONE_NEWUSER}}, "not in the profile's",
		    "clone");
	expect_rule(main_profile, (struct call){"personality", {8}}, "personality", NULL);
	expect_rule(main_profile, (struct call){"prctl", {PR_SET_SECCOMP}}, "second seccomp", NULL);
	expect_rule(main_profile, (struct call){"seccomp", {1}}, "second seccomp", NULL);
	expect_rule(bare, (struct call){"rt_sigaction", {SIGSYS, 0x1000}}, "SIGSYS handler", NULL);
	expect_rule(main_profile, (struct call){"sendto", {3, 1, 1, 0, 0x1000}},
		    "counts as connect", "connect");
	expect_rule(main_profile, (struct call){"sendmsg", {3, 1, MSG_FASTOPEN}},
		    "counts as connect", "connect");
	expect_rule(unsafe, (struct call){"sendmsg", {3, 1, MSG_FASTOPEN}}, "not in the profile's",
		    "sendmsg");
	expect_rule(bare, (struct call){"sendto", {3, 1, 1, 0, 0x1000}}, "needs connect too",
		    "sendto");
}

/* Alert mode logs what is not listed: no SIGSYS protection there (plan_sigaction). */
Test(seccomp_refusal, alert_mode_has_no_sigsys_row)
{
	static const char no_sigaction[] = "{\"fnguard\": 1, \"syscalls\": [\"write\"]}";
	const struct call c = {"rt_sigaction", {SIGSYS, 0x1000}};
	struct seccomp_refusal r;

	refusal_in(no_sigaction, &c, POLICY_MODE_ALERT, &r);
	cr_expect(strstr(r.rule, "not in the profile's syscalls"), "rule %s", r.rule);
	cr_expect(r.need && strcmp(r.need, "rt_sigaction") == 0);
	refusal_in(no_sigaction, &c, POLICY_MODE_ENFORCE, &r);
	cr_expect(strstr(r.rule, "SIGSYS handler"), "rule %s", r.rule);
	cr_expect_null(r.need);
}
