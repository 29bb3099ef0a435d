// SPDX-License-Identifier: MIT
/*
 * The supervisor's events: the same JSON lines as the shim's (lib/event.c,
 * docs/events.md), composed with the same building blocks (json_line,
 * rate_limit, clock_fmt) but about another process: pid, tid and exe are
 * the target's, read from the notification and /proc. seq counts the
 * supervisor's lines (one sequence for the whole supervised tree).
 *
 * Record mode: each distinct behaviour gives one `learn` line as it
 * happens and goes to a learner (policy/learn.h), written out at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock_fmt.h"
#include "config.h"
#include "event_head.h"
#include "lambda_http.h"
#include "learn.h"
#include "rate_limit.h"
#include "log_line.h"
#include "sv.h"

static struct rate_limit limiter;
static bool limiter_ready;

/* Behaviours learned so far (record mode), keys of struct sv_judgement. */
static uint64_t *seen;
static size_t seen_cap, seen_n;

uint64_t sv_now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One label (function name or version): the value a shimmed tree's first
 * process pinned (FNGUARD_FUNCTION_*), which a program cannot change for
 * its children, else the Lambda variable itself.
 */
static void label(char *dst, size_t size, const char *pin, const char *lambda)
{
	const char *v = getenv(pin);
	if (!v)
		v = getenv(lambda);
	snprintf(dst, size, "%s", v ? v : "");
}

void sv_event_labels(void)
{
	label(sv.function, sizeof(sv.function), "FNGUARD_FUNCTION_NAME",
	      "AWS_LAMBDA_FUNCTION_NAME");
	label(sv.version, sizeof(sv.version), "FNGUARD_FUNCTION_VERSION",
	      "AWS_LAMBDA_FUNCTION_VERSION");
}

int sv_event_init(void)
{
	uint8_t seed[16];
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return -EIO;
	/* Static, so already zero: not touching its 1024 slots saves their page faults. */
	limiter_ready = rate_limit_init_zeroed(&limiter, RATE_LIMIT_DEFAULT_WINDOW_NS,
					       RATE_LIMIT_DEFAULT_BURST, seed) == 0;
	return pthread_mutex_init(&sv.learn_lock, NULL) == 0 ? 0 : -ENOMEM;
}

/*
 * One write(2) per line; a reader that went away costs a dropped line, not
 * the supervisor (SIGPIPE is ignored in the supervisor).
 */
static void write_line(const char *buf, size_t len)
{
	if (sv.log_fd < 0 || log_line_write(sv.log_fd, buf, len, sv.log_shared) < 0)
		atomic_fetch_add(&sv.dropped, 1);
}

/*
 * function, version, requestId, traceId, pid, tid, exe, seq (the shim's
 * order): about the target when req is given. The request id is the
 * latest the Runtime API relay saw (sv_relay.c).
 */
static void tail(struct json_line *jl, struct sv_req *req)
{
	const char *trace = getenv("_X_AMZN_TRACE_ID");
	char id[LAMBDA_HTTP_ID_MAX];
	size_t id_len = sv_relay_request_id(id, sizeof(id));
	json_line_reserve(jl, 0);
	if (sv.function[0])
		json_line_strz(jl, "function", sv.function);
	if (sv.version[0])
		json_line_strz(jl, "version", sv.version);
	if (id_len)
		json_line_str(jl, "requestId", id, id_len);
	if (trace)
		json_line_str_capped(jl, "traceId", trace, strlen(trace), 256);
	if (req) {
		pid_t pid = sv_req_tgid(req);
		const char *exe = sv_req_exe(req);
		json_line_i64(jl, "pid", pid > 0 ? pid : req->tid);
		json_line_i64(jl, "tid", req->tid);
		if (exe[0])
			json_line_str_capped(jl, "exe", exe, strlen(exe), 512);
	} else {
		json_line_i64(jl, "pid", sv.self);
		json_line_i64(jl, "tid", sv.self);
	}
	json_line_u64(jl, "seq", atomic_fetch_add(&sv.seq, 1) + 1);
}

static void finish(struct json_line *jl)
{
	size_t len;
	if (json_line_finish(jl, &len) == 0)
		write_line(jl->buf, len);
	else
		atomic_fetch_add(&sv.dropped, 1);
}

static const char *action_name(enum sv_action a)
{
	switch (a) {
	case SV_ACTION_BLOCKED:
		return "blocked";
	case SV_ACTION_LOGGED:
		return "logged";
	case SV_ACTION_LEARNED:
		return "learned";
	default:
		return NULL;
	}
}

static void emit_summary(const struct rate_limit_summary *s)
{
	struct json_line jl;
	event_head(&jl, "suppressed", NULL);
	json_line_strz(&jl, "category", s->category);
	json_line_strz(&jl, "op", s->op);
	json_line_reserve(&jl, 320);
	json_line_str(&jl, "target", s->target, s->target_copy_len);
	json_line_u64(&jl, "suppressed", s->suppressed);
	json_line_u64(&jl, "windowSeconds", limiter.window_ns / 1000000000ull);
	tail(&jl, NULL);
	finish(&jl);
}

void sv_tip_file(struct json_line *jl, const struct sv_event *ev)
{
	json_line_arr_begin(jl, "files");
	json_line_obj_begin(jl, NULL);
	json_line_str_literal(jl, "path", ev->target, ev->target_len);
	json_line_strz(jl, "allow", ev->access ? ev->access : "r");
	json_line_obj_end(jl);
	json_line_arr_end(jl);
}

/* Arguments a tip spells out before ending in "**" (as the shim's). */
#define TIP_ARGS    32
#define TIP_ARG_LEN 200

void sv_tip_exec(struct json_line *jl, const struct sv_event *ev)
{
	json_line_arr_begin(jl, "exec");
	json_line_obj_begin(jl, NULL);
	json_line_str_literal(jl, "path", ev->target, ev->target_len);
	json_line_arr_begin(jl, "argv");
	for (size_t i = 0; ev->argv && ev->argv[i]; i++) {
		size_t n = strlen(ev->argv[i]);
		if (i == TIP_ARGS || n > TIP_ARG_LEN) {
			/* Too much to spell out: a broader rule, never a wrong one. */
			json_line_strz(jl, NULL, "**");
			break;
		}
		json_line_str_literal(jl, NULL, ev->argv[i], n);
	}
	json_line_arr_end(jl);
	json_line_obj_end(jl);
	json_line_arr_end(jl);
}

void sv_event_emit(struct sv_req *req, const struct sv_event *ev)
{
	const char *category = policy_category_to_string(ev->category);
	struct rate_limit_summary summary;
	struct json_line jl;

	if (limiter_ready) {
		const char *key = ev->limit_key ? ev->limit_key : ev->target;
		size_t key_len = ev->limit_key ? ev->limit_len : ev->target_len;
		uint64_t variant = rate_limit_variant(ev->type, ev->access, ev->proto, ev->detail,
						      (int)ev->action, ev->argv);
		int r = rate_limit_check(&limiter, category, ev->op, key, key_len, variant,
					 sv_now_mono(), &summary);
		if (r & RATE_LIMIT_SUMMARY)
			emit_summary(&summary);
		if (r & RATE_LIMIT_SUPPRESS)
			return;
	}
	event_head(&jl, ev->type, NULL);
	json_line_strz(&jl, "category", category);
	json_line_strz(&jl, "op", ev->op);
	/* The verdict first, as the shim's: a long target or argv crowds out only what follows. */
	json_line_strz(&jl, "mode", policy_mode_to_string(sv.action[ev->category]));
	if (action_name(ev->action))
		json_line_strz(&jl, "action", action_name(ev->action));
	if (ev->rule)
		json_line_str_capped(&jl, "rule", ev->rule, strlen(ev->rule), 300);
	/* Keep room for the fields after a long target. */
	json_line_reserve(&jl, 900);
	json_line_str(&jl, "target", ev->target, ev->target_len);
	if (ev->access)
		json_line_strz(&jl, "access", ev->access);
	if (ev->proto)
		json_line_strz(&jl, "proto", ev->proto);
	if (ev->argv)
		event_argv(&jl, ev->argv, ev->action == SV_ACTION_LEARNED, 900);
	if (ev->detail)
		json_line_strz(&jl, "detail", ev->detail);
	if (ev->tip) {
		json_line_obj_begin(&jl, "tip");
		ev->tip(&jl, ev);
		json_line_obj_end(&jl);
	}
	tail(&jl, req);
	finish(&jl);
}

void sv_event_error(const char *what, const char *detail, int error)
{
	struct json_line jl;
	event_head(&jl, "error", NULL);
	json_line_strz(&jl, "message", what);
	if (detail)
		json_line_str_capped(&jl, "detail", detail, strlen(detail), 2048);
	if (error)
		json_line_i64(&jl, "errno", error);
	if (sv.profile_path[0])
		json_line_strz(&jl, "profile", sv.profile_path);
	tail(&jl, NULL);
	finish(&jl);
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case EBUSY:
		return "EBUSY";
	case EFAULT:
		return "EFAULT";
	case ENOMEM:
		return "ENOMEM";
	case E2BIG:
		return "E2BIG";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case EMFILE:
		return "EMFILE";
	case ENFILE:
		return "ENFILE";
	case EAGAIN:
		return "EAGAIN";
	default:
		return NULL;
	}
}

/* A layer's errno, its name and the reason, when there are any. */
static void layer_why(struct json_line *jl, const struct sv_layer *l)
{
	if (l->error)
		json_line_i64(jl, "errno", l->error);
	if (l->error && errno_name(l->error))
		json_line_strz(jl, "error", errno_name(l->error));
	if (l->reason)
		json_line_strz(jl, "reason", l->reason);
}

static void layer_json(struct json_line *jl, const char *name, const struct sv_layer *l)
{
	json_line_obj_begin(jl, name);
	json_line_strz(jl, "status", l->active ? "active" : "unavailable");
	layer_why(jl, l);
	json_line_obj_end(jl);
}

/* The Runtime API relay: "active" with its address, "off" on purpose, or "unavailable". */
static void relay_json(struct json_line *jl)
{
	const struct sv_layer *l = &sv.relay_layer;
	json_line_obj_begin(jl, "runtimeRelay");
	json_line_strz(jl, "status", l->active ? "active" : sv.relay_off ? "off" : "unavailable");
	if (l->active)
		json_line_strz(jl, "address", sv.relay_addr);
	json_line_str_capped(jl, "upstream", sv.runtime_api, strlen(sv.runtime_api), 96);
	layer_why(jl, l);
	json_line_obj_end(jl);
}

void sv_event_start(const char *program)
{
	struct json_line jl;
	bool degraded =
		!sv.have_profile || !sv.notify_layer.active ||
		(sv.action[POLICY_CAT_SYSCALL] != POLICY_MODE_RECORD && !sv.seccomp_layer.active) ||
		(sv.relay_asked && !sv.relay_layer.active && !sv.relay_off);
	event_head(&jl, "start", degraded ? "WARN" : NULL);
	json_line_strz(&jl, "fnguardVersion", FNGUARD_VERSION);
	json_line_strz(&jl, "mode", policy_mode_to_string(sv.mode));
	json_line_obj_begin(&jl, "actions");
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
		json_line_strz(&jl, policy_category_to_string((enum policy_category)c),
			       policy_mode_to_string(sv.action[c]));
	json_line_obj_end(&jl);
	if (sv.have_profile) {
		json_line_obj_begin(&jl, "profile");
		json_line_strz(&jl, "path", sv.profile_path);
		json_line_strz(&jl, "name", sv.profile_name);
		json_line_strz(&jl, "hash", sv.profile_hash);
		json_line_obj_end(&jl);
	} else {
		json_line_null(&jl, "profile");
		json_line_strz(&jl, "message",
			       "no profile given: recording everything, blocking nothing");
	}
	json_line_str_capped(&jl, "program", program, strlen(program), 512);
	json_line_obj_begin(&jl, "layers");
	json_line_obj_begin(&jl, "libc");
	json_line_strz(&jl, "status", "unavailable");
	json_line_strz(&jl, "reason",
		       "fnguard exec: the program is judged at its system calls, not in libc");
	json_line_obj_end(&jl);
	layer_json(&jl, "seccomp", &sv.seccomp_layer);
	layer_json(&jl, "userNotification", &sv.notify_layer);
	json_line_obj_begin(&jl, "landlock");
	if (secure_getenv("FNGUARD_LANDLOCK")) {
		/* The shim's domain is inherited across exec: it holds for the program too. */
		json_line_strz(&jl, "status", "inherited");
		json_line_strz(&jl, "reason",
			       "the shim's Landlock domain applies; fnguard exec "
			       "installs none of its own");
	} else {
		json_line_strz(&jl, "status", "unavailable");
		json_line_strz(&jl, "reason", "not installed by fnguard exec");
	}
	json_line_obj_end(&jl);
	json_line_obj_end(&jl);
	if (sv.relay_asked)
		relay_json(&jl);
	json_line_bool(&jl, "coldStart", true);
	json_line_u64(&jl, "initMicros", (sv_now_mono() - sv.start_ns) / 1000);
	tail(&jl, NULL);
	finish(&jl);
}

void sv_event_flush(void)
{
	struct rate_limit_summary s;
	size_t cursor = 0;
	int r;
	if (!limiter_ready)
		return;
	while ((r = rate_limit_drain_next(&limiter, &cursor, sv_now_mono(), RATE_LIMIT_DRAIN_ALL,
					  &s)) != 0) {
		if (r == 1)
			emit_summary(&s);
	}
}

/* ---- record mode ------------------------------------------------------------ */

static uint64_t mix(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t behaviour_key(const struct sv_judgement *j)
{
	const struct sv_learn *l = &j->learn;
	uint64_t h = 0xcbf29ce484222325ull;
	int cat = j->ev.category;
	h = mix(h, &cat, sizeof(cat));
	h = mix(h, &l->kind, sizeof(l->kind));
	h = mix(h, j->ev.target, j->ev.target_len);
	h = mix(h, &l->rights, sizeof(l->rights));
	h = mix(h, &l->port, sizeof(l->port));
	h = mix(h, &l->proto, sizeof(l->proto));
	h = mix(h, &l->inbound, sizeof(l->inbound));
	for (size_t i = 0; l->argv && l->argv[i] && i < 256; i++)
		h = mix(h, l->argv[i], strlen(l->argv[i]) + 1);
	return h ? h : 1;
}

/* Under learn_lock: true the first time key is seen. */
static bool first_time(uint64_t key)
{
	if (seen_n * 2 >= seen_cap) {
		size_t cap = seen_cap ? seen_cap * 2 : 1024;
		uint64_t *fresh = calloc(cap, sizeof(*fresh));
		if (!fresh)
			return true; /* report again rather than lose it */
		for (size_t i = 0; i < seen_cap; i++) {
			if (!seen[i])
				continue;
			size_t at = seen[i] & (cap - 1);
			while (fresh[at])
				at = (at + 1) & (cap - 1);
			fresh[at] = seen[i];
		}
		free(seen);
		seen = fresh;
		seen_cap = cap;
	}
	size_t at = key & (seen_cap - 1);
	while (seen[at]) {
		if (seen[at] == key)
			return false;
		at = (at + 1) & (seen_cap - 1);
	}
	seen[at] = key;
	seen_n++;
	return true;
}

static void keep(const struct sv_learn *l)
{
	if (!sv.learner && learner_new(&sv.learner) < 0) {
		sv.learner = NULL;
		return;
	}
	switch (l->kind) {
	case SV_LEARN_FILE:
		learner_add_file(sv.learner, l->name, l->rights);
		break;
	case SV_LEARN_IP:
		learner_add_ip(sv.learner, l->family, l->addr, l->port, (enum net_proto)l->proto,
			       l->inbound);
		break;
	case SV_LEARN_UNIX:
		learner_add_unix(sv.learner, l->name, l->inbound);
		break;
	case SV_LEARN_EXEC:
		learner_add_exec(sv.learner, l->name, l->argv);
		break;
	case SV_LEARN_HOST:
		learner_add_host(sv.learner, l->name, l->port, (enum net_proto)l->proto,
				 l->inbound);
		break;
	case SV_LEARN_SYSCALL:
		learner_add(sv.learner,
			    &(struct learn_obs){.kind = LEARN_OBS_SYSCALL, .name = l->name});
		break;
	default:
		break;
	}
}

bool sv_judge(struct sv_req *req, struct sv_judgement *j)
{
	enum policy_category cat = j->ev.category;
	enum policy_mode mode = sv.action[cat];
	char rule[512];

	if (mode == POLICY_MODE_RECORD) {
		uint64_t key = behaviour_key(j);
		pthread_mutex_lock(&sv.learn_lock);
		bool first = first_time(key);
		if (first)
			keep(&j->learn);
		pthread_mutex_unlock(&sv.learn_lock);
		if (first) {
			j->ev.type = "learn";
			j->ev.action = SV_ACTION_LEARNED;
			j->ev.rule = NULL;
			j->ev.tip = NULL;
			/*
			 * An address the supervisor confirmed as one of a host
			 * name's: the event says which host rule vouched for it.
			 */
			if (j->learn.kind == SV_LEARN_HOST && j->verdict.allowed &&
			    j->verdict.rule >= 0 && sv.policy &&
			    policy_describe_rule(sv.policy, cat, j->verdict.rule, rule,
						 sizeof(rule)) > 0)
				j->ev.rule = rule;
			sv_event_emit(req, &j->ev);
		}
		return false;
	}
	if (j->verdict.allowed)
		return false;

	atomic_fetch_add(&sv.violations, 1);
	j->ev.type = "violation";
	if (j->verdict.rule >= 0 && sv.policy &&
	    policy_describe_rule(sv.policy, cat, j->verdict.rule, rule, sizeof(rule)) > 0)
		j->ev.rule = rule;
	else if (!j->ev.rule)
		j->ev.rule = j->verdict.by_deny ? "denied" : "no rule allows it";
	if (j->verdict.by_deny)
		j->ev.tip = NULL; /* an explicit deny: no fragment can allow it */
	if (mode == POLICY_MODE_ALERT) {
		j->ev.action = SV_ACTION_LOGGED;
		sv_event_emit(req, &j->ev);
		return false;
	}
	j->ev.action = SV_ACTION_BLOCKED;
	atomic_fetch_add(&sv.blocked, 1);
	sv_event_emit(req, &j->ev);
	return true;
}

int sv_record_write(const char *out, const char *extends)
{
	const char *ext[] = {extends, NULL};
	char *text = NULL;
	int r = 0;

	pthread_mutex_lock(&sv.learn_lock);
	if (!sv.learner)
		r = learner_new(&sv.learner);
	if (r == 0 && sv.policy)
		learner_drop_covered(sv.learner, sv.policy);
	if (r == 0)
		r = learner_to_json(sv.learner, sv.function[0] ? sv.function : "recorded",
				    extends ? ext : NULL, &text);
	size_t rules = r == 0 ? learner_size(sv.learner) : 0;
	pthread_mutex_unlock(&sv.learn_lock);
	if (r == 0)
		r = cli_write_atomically(out, text, strlen(text));
	free(text);
	return r < 0 ? r : (int)rules;
}

int sv_record_merge(const char *out)
{
	char lock_path[PATH_MAX + 8];
	struct diag_list diags = {0};
	char *text = NULL;

	snprintf(lock_path, sizeof(lock_path), "%s.lock", out);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return -errno;
	if (flock(lock, LOCK_EX) < 0) {
		int r = -errno;
		close(lock);
		return r;
	}
	pthread_mutex_lock(&sv.learn_lock);
	int r = sv.learner ? 0 : learner_new(&sv.learner);
	const char *append = getenv("FNGUARD_RECORD_APPEND");
	if (r == 0 && append && strcmp(append, "1") == 0) {
		/* Under fnguard record: added to the end, as the shim's processes do. */
		r = learner_append_file(sv.learner, sv.function[0] ? sv.function : "recorded", out);
		size_t rules = r == 0 ? learner_size(sv.learner) : 0;
		pthread_mutex_unlock(&sv.learn_lock);
		close(lock);
		return r < 0 ? r : (int)rules;
	}
	if (r == 0) {
		r = learner_merge_file(sv.learner, out, &diags);
		if (r == -ENOENT)
			r = 0;
	}
	diag_list_clear(&diags);
	if (r == 0)
		r = learner_to_json(sv.learner, sv.function[0] ? sv.function : "recorded", NULL,
				    &text);
	size_t rules = r == 0 ? learner_size(sv.learner) : 0;
	pthread_mutex_unlock(&sv.learn_lock);
	if (r == 0)
		r = cli_write_atomically(out, text, strlen(text));
	free(text);
	close(lock);
	return r < 0 ? r : (int)rules;
}
