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
 *   ERRNO(EPERM)            a violation event (logged), then CONTINUE
 *   any other answer        (never asked: clone3's ENOSYS, a foreign arch)
 *
 * Which of the asked calls enforce will refuse whatever the profile lists
 * (the dangerous set, personality other than the query, a second filter, a
 * netlink socket) is told by an oracle: the enforce program of the same
 * profiles with every name listed. Record lets them run, as it lets
 * everything run (DESIGN.md), says that enforce will refuse them, and
 * learns nothing from them.
 *
 * The events go into the pipe the shim's events go to, so record learns
 * them as it learns the shim's and `fnguard learn` on the log gives the same
 * profile. seq counts this listener's own lines (docs/events.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bpf_sim.h"
#include "event_head.h"
#include "json_line.h"
#include "launch.h"
#include "policy.h"
#include "record-syscalls.h"
#include "seccomp_filter.h"
#include "syscall_table.h"

#define MAX_NR 1024
/* Unallowable calls logged per name before they are only counted. */
#define REFUSALS_LOGGED 10
/* The events' detail: pid is the caller's, seq counts this listener's lines. */
#define LISTENER "seen by fnguard record's system call listener"

struct record_sys {
	struct seccomp_filter *compiled; /* the base program, as alert mode builds it */
	const struct sock_filter *base;
	size_t len;
	struct seccomp_filter *oracle; /* enforce, every name listed: what no profile allows */
	const struct sock_filter *oracle_prog;
	size_t oracle_len;
	struct sock_filter *notify; /* the handover, then base with LOG and EPERM asked */
	size_t notify_len;
	const struct policy *policy;
	char *const *argv; /* the command, as fnguard record execs it */
	dev_t shim_dev;	   /* libfnguard.so, as preloaded (shim_ino 0: not found) */
	ino_t shim_ino;
	int sock[2]; /* the child hands its listener over [1], we read [0] */
	int listener;
	int event_fd;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	atomic_int broke; /* the listener went away early: the errno why */
	/* Only the serving thread touches what follows. */
	bool seen[MAX_NR];
	bool learned_connect;
	uint32_t refused[MAX_NR];
	uint64_t seq;
	size_t learned, dropped, suppressed;
};

/* What the child sends its listener with: at an address the filter lets through. */
static struct msghdr handover_msg;
static int handover_err;
static char handover_cbuf[CMSG_SPACE(sizeof(int))];
static struct iovec handover_iov;

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + sizeof(uint64_t) * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "record-syscalls.c: add this architecture"
#endif
#define PREFIX_LEN 11

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

char *record_sys_all_names(void)
{
	const char *const *danger = syscall_dangerous_set();
	size_t cap = 32, len;
	for (int nr = 0; nr < MAX_NR; nr++) {
		const char *n = seccomp_filter_syscall_name(0, nr);
		cap += n ? strlen(n) + 4 : 0;
	}
	char *out = malloc(cap);
	if (!out)
		return NULL;
	len = (size_t)snprintf(out, cap, "\"syscalls\": [");
	bool first = true;
	for (int nr = 0; nr < MAX_NR; nr++) {
		const char *n = seccomp_filter_syscall_name(0, nr);
		bool dangerous = false;
		for (const char *const *d = danger; n && *d && !dangerous; d++)
			dangerous = strcmp(*d, n) == 0;
		if (!n || dangerous)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", first ? "" : ",", n);
		first = false;
	}
	snprintf(out + len, cap - len, "]");
	return out;
}

/*
 * The child's handover of its listener (one sendmsg, made after the filter
 * is in) must not wait for the listener it hands over: let through in
 * front of the base program, by its socket and its message's address.
 */
static void handover_prefix(struct sock_filter *p, int sock)
{
	uint64_t msg = (uintptr_t)&handover_msg;
	struct sock_filter prefix[PREFIX_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 9),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)sock, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)msg, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(msg >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	memcpy(p, prefix, sizeof(prefix));
}

static int build_notify(struct record_sys *rs)
{
	if (rs->len + PREFIX_LEN > BPF_MAXINSNS)
		return -E2BIG;
	rs->notify_len = rs->len + PREFIX_LEN;
	rs->notify = malloc(rs->notify_len * sizeof(*rs->notify));
	if (!rs->notify)
		return -ENOMEM;
	handover_prefix(rs->notify, rs->sock[1]);
	struct sock_filter *body = rs->notify + PREFIX_LEN;
	memcpy(body, rs->base, rs->len * sizeof(*body));
	for (size_t pc = 0; pc < rs->len; pc++) {
		if (BPF_CLASS(body[pc].code) != BPF_RET)
			continue;
		if (BPF_RVAL(body[pc].code) != BPF_K)
			return -EINVAL; /* a computed answer cannot be rewritten */
		if (asked(body[pc].k))
			body[pc].k = SECCOMP_RET_USER_NOTIF;
	}
	return bpf_sim_validate(rs->notify, rs->notify_len);
}

static int compile(const struct policy *pol, enum policy_mode mode, struct seccomp_filter **ret)
{
	struct seccomp_options o;
	struct diag_list diags = {0};

	seccomp_options_init(&o, pol);
	o.mode = mode;
	/* As the shim installs it: no second filter after it (seccomp_layer.c). */
	o.after_install_lockdown = true;
	int r = seccomp_filter_build(pol, &o, ret, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard record: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	return r;
}

/*
 * The mapping of maps (a /proc/PID/maps) that holds addr: its device and
 * inode as the kernel reports them, and whether it is executable. Returns
 * false when no line holds addr or the file cannot be read.
 */
static bool mapping_at(const char *maps, uint64_t addr, dev_t *dev, ino_t *ino, bool *exec)
{
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen(maps, "re");
	if (!f)
		return false;
	/* "lo-hi perms offset major:minor inode   path" */
	while (!found && getline(&line, &cap, f) > 0) {
		char *end;
		unsigned long long lo = strtoull(line, &end, 16), hi = 0;
		if (*end == '-')
			hi = strtoull(end + 1, &end, 16);
		if (*end != ' ' || addr < lo || addr >= hi)
			continue;
		const char *perms = end + 1, *field = strchr(perms, ' ');
		field = field ? strchr(field + 1, ' ') : NULL; /* past the offset */
		if (!field || strlen(perms) < 4)
			break;
		unsigned long major = strtoul(field + 1, &end, 16), minor = 0;
		if (*end == ':')
			minor = strtoul(end + 1, &end, 16);
		*dev = makedev(major, minor);
		*ino = (ino_t)strtoull(end, NULL, 10);
		*exec = perms[2] == 'x';
		found = true;
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * Where the shim is, to tell its own calls (from_shim): the library mapped
 * here for a moment, and its identity read back as the kernel reports it
 * in maps (on overlayfs that can be the layer's file, not what stat says).
 */
static void find_shim(struct record_sys *rs)
{
	char lib[PATH_MAX];
	bool exec;
	int fd = launch_find_lib(lib, sizeof(lib)) == 0 ? open(lib, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	if (!mapping_at("/proc/self/maps", (uintptr_t)m, &rs->shim_dev, &rs->shim_ino, &exec))
		rs->shim_ino = 0;
	munmap(m, 4096);
}

/* SECCOMP_USER_NOTIF_FLAG_CONTINUE came with Linux 5.5: before, every answer would fail. */
static bool kernel_continues(void)
{
	struct utsname u;
	char *end;
	if (uname(&u) < 0)
		return true; /* unknown: tried, and a failed answer is reported (serve) */
	unsigned long major = strtoul(u.release, &end, 10), minor = 0;
	if (*end == '.')
		minor = strtoul(end + 1, NULL, 10);
	return major > 5 || (major == 5 && minor >= 5);
}

int record_sys_new(const struct policy *base, const struct policy *oracle, int event_fd,
		   char *const *argv, struct record_sys **ret)
{
	int r;

	*ret = NULL;
	if (policy_rule_count(base, POLICY_CAT_SYSCALL) == 0)
		return 0;
	if (!kernel_continues()) {
		fprintf(stderr, "fnguard record: warning: system calls are not learned: this "
				"kernel cannot let a supervised call go on (Linux 5.5 can)\n");
		return 0;
	}
	struct record_sys *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->sock[0] = rs->sock[1] = rs->listener = -1;
	rs->event_fd = event_fd;
	rs->policy = base;
	rs->argv = argv;
	find_shim(rs);
	r = compile(base, POLICY_MODE_ALERT, &rs->compiled);
	if (r < 0)
		goto fail;
	rs->base = seccomp_filter_program(rs->compiled, &rs->len);
	r = compile(oracle, POLICY_MODE_ENFORCE, &rs->oracle);
	if (r < 0)
		goto fail;
	rs->oracle_prog = seccomp_filter_program(rs->oracle, &rs->oracle_len);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rs->sock) < 0) {
		r = -errno;
		goto fail;
	}
	r = build_notify(rs);
	if (r < 0)
		goto fail;
	/* The names the events need: looked up now, not while a call waits. */
	for (int nr = 0; nr < MAX_NR; nr++)
		name_of(nr);
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
	struct sock_fprog prog = {.len = (unsigned short)rs->notify_len, .filter = rs->notify};

	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  &prog);
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs, as the shim's does. */
	if (fd < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			     &prog);
	handover_err = fd < 0 ? errno : 0;
	handover_iov = (struct iovec){.iov_base = &handover_err, .iov_len = sizeof(handover_err)};
	handover_msg = (struct msghdr){.msg_iov = &handover_iov, .msg_iovlen = 1};
	if (fd >= 0) {
		int n = (int)fd;
		handover_msg.msg_control = handover_cbuf;
		handover_msg.msg_controllen = sizeof(handover_cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&handover_msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &n, sizeof(n));
	}
	/* The one call the filter lets through unasked (handover_prefix). */
	while (sendmsg(rs->sock[1], &handover_msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	/* Both descriptors close at the exec: no call more here, each would be asked. */
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
		/* Read while the call waits: else the numbers may be another's. */
		if (ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) < 0) {
			exe_len = -1;
			tgid = 0;
		}
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

/* A call enforce will refuse whatever "syscalls" lists: run, and said. */
static void unallowable(struct record_sys *rs, const struct seccomp_notif *n, const char *name)
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
	json_line_strz(&jl, "action", "logged");
	json_line_strz(&jl, "rule",
		       dangerous ? "in the dangerous set: enforce refuses it unless it is listed "
				   "under \"unsafe\""
				 : "enforce refuses it with these arguments whatever \"syscalls\" "
				   "lists (docs/seccomp.md)");
	json_line_strz(&jl, "detail", LISTENER);
	/* Nothing in "syscalls" would allow it: an empty tip, which learn takes nothing from. */
	json_line_obj_begin(&jl, "tip");
	json_line_obj_end(&jl);
	tail(rs, &jl, n);
	finish(rs, &jl);
}

/* Unallowable calls past REFUSALS_LOGGED of one name: one summary each at the end. */
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
		rs->suppressed += rs->refused[nr] - REFUSALS_LOGGED;
	}
}

/* ---- the listener ------------------------------------------------------------ */

/* The calls the shim makes for itself only in record mode or before enforce's filter. */
static bool shims_own(const char *name)
{
	static const char *const own[] = {
		"seccomp",	/* its first process's probe (seccomp_layer.c) */
		"memfd_create", /* the learn table (record.c) */
		"timer_create", /* exit after SIGTERM in record (record.c) */
		"timer_settime",
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(name, own[i]) == 0)
			return true;
	return false;
}

/*
 * True for one of the shim's own calls (shims_own) made by the shim's code:
 * the instruction is in the text of the libfnguard.so record preloads (its
 * device and inode) in the caller. What the shim does on the function's
 * behalf (getcwd, readlinkat ...) happens under enforce's filter as well
 * and is learned like any call; only these are not the function's
 * behaviour. Hiding a call here can only leave it out of the profile.
 */
static bool from_shim(const struct record_sys *rs, const struct seccomp_notif *n, const char *name)
{
	char maps[64];
	dev_t dev;
	ino_t ino;
	bool exec;

	if (!rs->shim_ino || !shims_own(name))
		return false;
	snprintf(maps, sizeof(maps), "/proc/%u/maps", n->pid);
	if (!mapping_at(maps, n->data.instruction_pointer, &dev, &ino, &exec) || !exec ||
	    dev != rs->shim_dev || ino != rs->shim_ino)
		return false;
	/* Read while the call waits: the maps were the caller's. */
	return ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) == 0;
}

static bool listed(const struct record_sys *rs, const char *name)
{
	struct policy_verdict v = {0};
	return policy_check_syscall(rs->policy, name, &v) == 0 && v.allowed;
}

/* fnguard record's own exec of the command, in its child: execvp's argument vector. */
static bool launching(const struct record_sys *rs, const struct seccomp_notif *n, const char *name)
{
	return strcmp(name, "execve") == 0 && n->data.args[1] == (uintptr_t)rs->argv;
}

/* Judges one notification; fills resp. */
static void answer(struct record_sys *rs, const struct seccomp_notif *n,
		   struct seccomp_notif_resp *resp)
{
	uint32_t refused_by = SECCOMP_RET_ALLOW;
	int nr = n->data.nr;
	const char *name = name_of(nr);

	resp->id = n->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	/* A number without a name: nothing a profile could list. */
	if (!name || from_shim(rs, n, name) || launching(rs, n, name))
		return;
	/* What no list allows (the oracle refuses it): run, said, not learned. */
	if (bpf_sim_run(rs->oracle_prog, rs->oracle_len, &n->data, &refused_by) == 0 &&
	    (refused_by & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW) {
		if (++rs->refused[nr] <= REFUSALS_LOGGED)
			unallowable(rs, n, name);
		return;
	}
	if (!rs->seen[nr]) {
		rs->seen[nr] = true;
		/* A listed send asked about for its address: connect is what it lacks. */
		if (!listed(rs, name))
			learn(rs, n, name);
	}
	if (!rs->learned_connect && seccomp_filter_sends_to_address(name, &n->data) &&
	    !listed(rs, "connect")) {
		rs->learned_connect = true;
		learn(rs, n, "connect");
	}
}

/*
 * What the command left running when record stops learning: a process of
 * its own (forked from this thread: system calls only) answers every call
 * CONTINUE until the last process under the filter is gone, so that they
 * run on, unlearned, as everything runs in record mode. It holds only the
 * listener: no pipe or terminal of the caller stays open through it.
 */
static void keep_answering(int listener, struct seccomp_notif *n, size_t n_size,
			   struct seccomp_notif_resp *resp, size_t resp_size)
{
	pid_t pid = fork();
	if (pid != 0)
		return;
	if (listener > 0)
		syscall(SYS_close_range, 0, (unsigned)listener - 1, 0);
	syscall(SYS_close_range, (unsigned)listener + 1, ~0u, 0);
	setsid(); /* the caller's Ctrl-C is not the left processes' end */
	for (;;) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(0);
		}
		if (!(p.revents & POLLIN))
			_exit(0);
		memset(n, 0, n_size);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			_exit(0);
		}
		memset(resp, 0, resp_size);
		resp->id = n->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	}
}

static void *serve(void *arg)
{
	struct record_sys *rs = arg;
	struct seccomp_notif_sizes sizes = {0};

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		sizes = (struct seccomp_notif_sizes){0};
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
	int why = n && resp ? 0 : ENOMEM; /* an error that ends the serving early */
	bool left = false;		  /* stopped with processes still under the filter */
	while (!why) {
		struct pollfd p = {.fd = rs->listener, .events = POLLIN};
		int ready = poll(&p, 1, 100);
		if (ready < 0) {
			why = errno == EINTR ? 0 : errno;
			continue;
		}
		if (atomic_load(&rs->stop)) {
			/* What the command left running: served a second at most. */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!stop_at.tv_sec)
				stop_at = (struct timespec){now.tv_sec + 1, now.tv_nsec};
			if (ready == 0 || now.tv_sec > stop_at.tv_sec ||
			    (now.tv_sec == stop_at.tv_sec && now.tv_nsec >= stop_at.tv_nsec)) {
				left = !(p.revents & (POLLHUP | POLLERR));
				break;
			}
		}
		if (ready == 0)
			continue;
		if (!(p.revents & POLLIN))
			break; /* POLLHUP: every process under the filter is gone */
		memset(n, 0, n_size);
		if (ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
			why = errno == EINTR || errno == ENOENT ? 0 : errno;
			continue;
		}
		memset(resp, 0, resp_size);
		answer(rs, n, resp);
		/* ENOENT: the caller was killed meanwhile, nothing to answer. */
		if (ioctl(rs->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
			why = errno;
	}
	atomic_store(&rs->broke, why);
	if (left)
		keep_answering(rs->listener, n, n_size, resp, resp_size);
	free(n);
	free(resp);
	/*
	 * Never left open unanswered here: a call would wait for ever. Closed
	 * after an error, the calls the base does not list fail with ENOSYS
	 * (said at the end).
	 */
	close(rs->listener);
	rs->listener = -1;
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

size_t record_sys_finish(struct record_sys *rs)
{
	size_t suppressed = 0;
	if (!rs)
		return 0;
	if (rs->running) {
		atomic_store(&rs->stop, true);
		pthread_join(rs->thread, NULL);
		summarise(rs);
		suppressed = rs->suppressed;
		int broke = atomic_load(&rs->broke);
		if (broke)
			fprintf(stderr,
				"fnguard record: warning: the system call listener stopped early "
				"(%s): the calls --extends does not list failed with ENOSYS after "
				"that, and were not learned\n",
				strerror(broke));
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
	seccomp_filter_free(rs->oracle);
	free(rs->notify);
	free(rs);
	return suppressed;
}
