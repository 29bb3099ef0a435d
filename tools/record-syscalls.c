// SPDX-License-Identifier: MIT
/*
 * fnguard record: the system calls a run makes beyond what its --extends
 * profiles list.
 *
 * The shim's record mode filters nothing, so a profile extending one with a
 * "syscalls" list (python, nodejs) learned none of the calls the function's
 * own programs make beyond that list (tar's fchown, make's setresuid), and
 * enforce then refused them. Here the command starts under the --extends
 * profiles' filter as alert mode compiles it, with its LOG (not listed)
 * and its EPERM (the dangerous set, arguments refused in every mode) turned
 * into user notifications that a thread of fnguard record answers:
 *
 *   the base program says   the listener
 *   ALLOW                   (never asked: listed calls cost nothing)
 *   LOG                     one learn event per name, then CONTINUE
 *   ERRNO(EPERM)            a violation event, then EPERM (as enforce will)
 *   any other answer        (never asked: clone3's ENOSYS, a foreign arch)
 *
 * The events go into the pipe the shim's events go to, so record learns
 * them as it learns the shim's and `fnguard learn` on the log gives the same
 * profile. seq counts this listener's own lines (docs/events.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpf_sim.h"
#include "event_head.h"
#include "json_line.h"
#include "policy.h"
#include "record-syscalls.h"
#include "seccomp_filter.h"

#define MAX_NR 1024
/* Refusals logged per call name before they are only counted. */
#define REFUSALS_LOGGED 10
/* The events' detail: pid is the caller's, seq counts this listener's lines. */
#define LISTENER "seen by fnguard record's system call listener"

struct record_sys {
	struct seccomp_filter *compiled; /* the base program, as alert mode builds it */
	const struct sock_filter *base;
	size_t len;
	struct sock_filter *notify; /* the same, LOG and EPERM answered by us */
	const struct policy *policy;
	int sock[2]; /* the child hands its listener over [1], we read [0] */
	int listener;
	int event_fd;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	/* Only the serving thread touches what follows. */
	bool seen[MAX_NR];
	bool learned_connect;
	uint32_t refused[MAX_NR];
	uint64_t seq;
	size_t learned, dropped;
};

static const char *name_of(int nr)
{
	return nr >= 0 && nr < MAX_NR ? seccomp_filter_syscall_name(0, nr) : NULL;
}

/* Our answer for the base program's ret: LOG and ERRNO(EPERM) are asked. */
static bool asked(uint32_t ret)
{
	uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
	return action == SECCOMP_RET_LOG ||
	       (action == SECCOMP_RET_ERRNO && (ret & SECCOMP_RET_DATA) == EPERM);
}

int record_sys_new(const struct policy *base, int event_fd, struct record_sys **ret)
{
	struct seccomp_options o;
	struct diag_list diags = {0};
	int r;

	*ret = NULL;
	if (policy_rule_count(base, POLICY_CAT_SYSCALL) == 0)
		return 0;
	struct record_sys *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->sock[0] = rs->sock[1] = rs->listener = -1;
	rs->event_fd = event_fd;
	rs->policy = base;
	seccomp_options_init(&o, base);
	o.mode = POLICY_MODE_ALERT;
	r = seccomp_filter_build(base, &o, &rs->compiled, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard record: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	if (r < 0)
		goto fail;
	rs->base = seccomp_filter_program(rs->compiled, &rs->len);
	rs->notify = malloc(rs->len * sizeof(*rs->notify));
	r = -ENOMEM;
	if (!rs->notify)
		goto fail;
	memcpy(rs->notify, rs->base, rs->len * sizeof(*rs->notify));
	for (size_t pc = 0; pc < rs->len; pc++) {
		struct sock_filter *f = &rs->notify[pc];
		if (BPF_CLASS(f->code) != BPF_RET)
			continue;
		r = -EINVAL;
		if (BPF_RVAL(f->code) != BPF_K)
			goto fail; /* a computed answer cannot be rewritten */
		if (asked(f->k))
			f->k = SECCOMP_RET_USER_NOTIF;
	}
	/* The names the events need: looked up now, not while a call waits. */
	for (int nr = 0; nr < MAX_NR; nr++)
		name_of(nr);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rs->sock) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = rs;
	return 0;
fail:
	fprintf(stderr, "fnguard record: the --extends profiles' system call filter: %s\n",
		strerror(-r));
	record_sys_finish(rs);
	return r;
}

void record_sys_child(void *arg)
{
	struct record_sys *rs = arg;
	struct sock_fprog prog = {.len = (unsigned short)rs->len, .filter = rs->notify};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	int err = 0;

	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  &prog);
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs, as the shim's does. */
	if (fd < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			     &prog);
	if (fd < 0)
		err = errno;
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		int n = (int)fd;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &n, sizeof(n));
	}
	while (sendmsg(rs->sock[1], &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	if (fd >= 0)
		close((int)fd);
	close(rs->sock[1]);
}

/* ---- events ------------------------------------------------------------------ */

static void head(struct json_line *jl, const char *type, const char *op)
{
	event_head(jl, type, NULL);
	json_line_strz(jl, "category", "syscall");
	json_line_strz(jl, "op", op);
}

/* The thread group of tid, from /proc (0 if it is gone). */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)strtol(t + 6, NULL, 10) : 0;
}

/* function, version, traceId, pid, tid, exe, seq: the shim's order. */
static void tail(struct record_sys *rs, struct json_line *jl, const struct seccomp_notif *n)
{
	const char *function = getenv("AWS_LAMBDA_FUNCTION_NAME");
	const char *version = getenv("AWS_LAMBDA_FUNCTION_VERSION");
	const char *trace = getenv("_X_AMZN_TRACE_ID");
	char path[64], exe[PATH_MAX];
	ssize_t exe_len = -1;

	json_line_reserve(jl, 0);
	if (function && *function)
		json_line_str_capped(jl, "function", function, strlen(function), 128);
	if (version && *version)
		json_line_str_capped(jl, "version", version, strlen(version), 64);
	if (trace)
		json_line_str_capped(jl, "traceId", trace, strlen(trace), 256);
	if (n) {
		pid_t tgid = tgid_of((pid_t)n->pid);
		snprintf(path, sizeof(path), "/proc/%u/exe", n->pid);
		exe_len = readlink(path, exe, sizeof(exe));
		/* Read while the call waits: the numbers are still the caller's. */
		if (ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) < 0)
			exe_len = -1;
		json_line_i64(jl, "pid", tgid > 0 ? tgid : (pid_t)n->pid);
		json_line_i64(jl, "tid", n->pid);
		if (exe_len > 0)
			json_line_str_capped(jl, "exe", exe, (size_t)exe_len, 512);
	} else {
		json_line_i64(jl, "pid", getpid());
		json_line_i64(jl, "tid", getpid());
	}
	json_line_u64(jl, "seq", ++rs->seq);
}

static void finish(struct record_sys *rs, struct json_line *jl)
{
	size_t len, done = 0;
	json_line_finish(jl, &len);
	/* One write: a pipe keeps a line of up to PIPE_BUF bytes whole. */
	while (done < len) {
		ssize_t w = write(rs->event_fd, jl->buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rs->dropped++;
			return;
		}
		done += (size_t)w;
	}
}

static void learn(struct record_sys *rs, const struct seccomp_notif *n, const char *name)
{
	struct json_line jl;
	head(&jl, "learn", name);
	json_line_strz(&jl, "target", name);
	json_line_strz(&jl, "mode", "record");
	json_line_strz(&jl, "action", "learned");
	json_line_strz(&jl, "detail", LISTENER);
	tail(rs, &jl, n);
	finish(rs, &jl);
	rs->learned++;
}

static void refuse(struct record_sys *rs, const struct seccomp_notif *n, const char *name)
{
	struct policy_verdict v = {0};
	struct json_line jl;
	char target[300];
	uint64_t args[6];

	for (int i = 0; i < 6; i++)
		args[i] = n->data.args[i];
	size_t len = event_call_text(target, sizeof(target), name, args);
	bool dangerous = policy_check_syscall(rs->policy, name, &v) == 0 && v.by_deny;
	head(&jl, "violation", name);
	json_line_str(&jl, "target", target, len);
	json_line_strz(&jl, "mode", "record");
	json_line_strz(&jl, "action", "blocked");
	json_line_strz(&jl, "rule",
		       dangerous ? "in the dangerous set: allowed only under \"unsafe\""
				 : "refused for these arguments in every mode "
				   "(docs/seccomp.md)");
	json_line_strz(&jl, "detail", LISTENER);
	tail(rs, &jl, n);
	finish(rs, &jl);
}

/* Refusals past REFUSALS_LOGGED of one name, counted: one summary each at the end. */
static void summarise(struct record_sys *rs)
{
	for (int nr = 0; nr < MAX_NR; nr++) {
		if (rs->refused[nr] <= REFUSALS_LOGGED)
			continue;
		struct json_line jl;
		const char *name = name_of(nr);
		head(&jl, "suppressed", name);
		json_line_strz(&jl, "target", name);
		json_line_u64(&jl, "suppressed", rs->refused[nr] - REFUSALS_LOGGED);
		tail(rs, &jl, NULL);
		finish(rs, &jl);
	}
}

/* ---- the listener ------------------------------------------------------------ */

/*
 * True when the call was made by the shim's own code (the instruction is in
 * libfnguard.so's text in the caller): what the shim does for itself (its
 * first process's probes, before the point where enforce installs its
 * filter), not the function's behaviour. Hiding a call this way can only
 * leave it out of the profile, which enforce then refuses.
 */
static bool from_shim(const struct record_sys *rs, const struct seccomp_notif *n)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%u/maps", n->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	/* "lo-hi perms offset dev inode   path" */
	while (getline(&line, &cap, f) > 0) {
		char *end;
		unsigned long long lo = strtoull(line, &end, 16), hi = 0;
		if (*end == '-')
			hi = strtoull(end + 1, &end, 16);
		uint64_t ip = n->data.instruction_pointer;
		if (*end != ' ' || ip < lo || ip >= hi)
			continue;
		const char *perms = end + 1, *name = perms;
		for (int field = 0; field < 4 && name; field++) {
			name = strchr(name, ' ');
			name = name ? name + strspn(name, " ") : NULL;
		}
		size_t len = name ? strcspn(name, "\n") : 0;
		found = strlen(perms) > 3 && perms[2] == 'x' && len >= 14 &&
			memcmp(name + len - 14, "/libfnguard.so", 14) == 0;
		break;
	}
	free(line);
	fclose(f);
	/* Read while the call waits: the maps were the caller's. */
	return found && ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) == 0;
}

static bool listed(const struct record_sys *rs, const char *name)
{
	struct policy_verdict v = {0};
	return policy_check_syscall(rs->policy, name, &v) == 0 && v.allowed;
}

/* Judges one notification; fills resp. */
static void answer(struct record_sys *rs, const struct seccomp_notif *n,
		   struct seccomp_notif_resp *resp)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	int nr = n->data.nr;
	const char *name = name_of(nr);

	resp->id = n->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (bpf_sim_run(rs->base, rs->len, &n->data, &ret) < 0 || !name)
		return; /* a number without a name: nothing a profile could list */
	bool refused = (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO;
	/* What the shim asks for itself is not learned (a learned name needs no look). */
	if ((refused || !rs->seen[nr]) && from_shim(rs, n))
		return;
	if (refused) {
		resp->flags = 0;
		resp->error = -EPERM;
		if (++rs->refused[nr] <= REFUSALS_LOGGED)
			refuse(rs, n, name);
		return;
	}
	if (!rs->seen[nr]) {
		rs->seen[nr] = true;
		/* A listed send logged for its address: connect is what it lacks. */
		if (!listed(rs, name))
			learn(rs, n, name);
	}
	if (!rs->learned_connect && seccomp_filter_sends_to_address(name, &n->data)) {
		rs->learned_connect = true;
		learn(rs, n, "connect");
	}
}

static void *serve(void *arg)
{
	struct record_sys *rs = arg;
	struct seccomp_notif_sizes sizes = {0};

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return NULL;
	/* The kernel's structures may be larger than this program's headers say. */
	size_t n_size = sizes.seccomp_notif > sizeof(struct seccomp_notif)
				? sizes.seccomp_notif
				: sizeof(struct seccomp_notif);
	size_t resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
				   ? sizes.seccomp_notif_resp
				   : sizeof(struct seccomp_notif_resp);
	struct seccomp_notif *n = calloc(1, n_size);
	struct seccomp_notif_resp *resp = calloc(1, resp_size);
	struct timespec stop_at = {0};
	while (n && resp) {
		struct pollfd p = {.fd = rs->listener, .events = POLLIN};
		int ready = poll(&p, 1, 100);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			break;
		if (atomic_load(&rs->stop)) {
			/* What the command left running: served a second at most. */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!stop_at.tv_sec)
				stop_at = (struct timespec){now.tv_sec + 1, now.tv_nsec};
			if (ready == 0 || now.tv_sec > stop_at.tv_sec ||
			    (now.tv_sec == stop_at.tv_sec && now.tv_nsec >= stop_at.tv_nsec))
				break;
		}
		if (ready == 0)
			continue;
		if (!(p.revents & POLLIN))
			break; /* POLLHUP: every process under the filter is gone */
		memset(n, 0, n_size);
		if (ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			break;
		}
		memset(resp, 0, resp_size);
		answer(rs, n, resp);
		/* ENOENT: the caller was killed meanwhile, nothing to answer. */
		ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	}
	free(n);
	free(resp);
	return NULL;
}

int record_sys_parent(void *arg)
{
	struct record_sys *rs = arg;
	char cbuf[CMSG_SPACE(sizeof(int))];
	int err = 0;
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	ssize_t got;

	close(rs->sock[1]);
	rs->sock[1] = -1;
	do
		got = recvmsg(rs->sock[0], &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&rs->listener, CMSG_DATA(c), sizeof(int));
	if (rs->listener < 0) {
		if (got <= 0 || err == 0)
			err = got < 0 ? errno : EPIPE;
		fprintf(stderr,
			"fnguard record: warning: system calls are not learned: the kernel "
			"refused the filter (seccomp with a listener: %s); the profile will "
			"list only what --extends lists\n",
			strerror(err));
		return -err;
	}
	if (pthread_create(&rs->thread, NULL, serve, rs) != 0) {
		close(rs->listener);
		rs->listener = -1;
		fprintf(stderr, "fnguard record: warning: system calls are not learned: "
				"cannot start the listener\n");
		return -EAGAIN;
	}
	rs->running = true;
	return 0;
}

void record_sys_finish(struct record_sys *rs)
{
	if (!rs)
		return;
	if (rs->running) {
		atomic_store(&rs->stop, true);
		pthread_join(rs->thread, NULL);
		summarise(rs);
		fprintf(stderr,
			"fnguard record: %zu system calls beyond what --extends lists were "
			"learned\n",
			rs->learned);
		if (rs->dropped)
			fprintf(stderr, "fnguard record: %zu system call events were lost\n",
				rs->dropped);
	}
	for (int i = 0; i < 2; i++)
		if (rs->sock[i] >= 0)
			close(rs->sock[i]);
	if (rs->listener >= 0)
		close(rs->listener);
	seccomp_filter_free(rs->compiled);
	free(rs->notify);
	free(rs);
}
