// SPDX-License-Identifier: MIT
/*
 * execve and execveat: the one call the supervisor cannot perform for the
 * target (a process can only replace its own image), so an allowed exec is
 * answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE and the kernel reads the
 * path again from the target's memory. The residual race, and what is done
 * about it:
 *
 *  - Another thread of the target can rewrite the path string (or flip a
 *    symlink on it) between the judgement and the kernel's read, and run a
 *    program that was never judged.
 *  - Before answering, the supervisor notes the identity (device, inode) of
 *    the file it judged (and of its #! interpreter, which is what a script
 *    runs as) and of the program running now. After answering it watches
 *    /proc/PID/exe until it changes: if the program that started is not the
 *    one judged, it is judged by its own path, and in enforce mode a program
 *    the profile does not allow is killed (SIGKILL) with a `violation`
 *    event. It may have run for the time the watch takes to notice (the
 *    first check is within microseconds, then backing off to 20 ms), and an
 *    exec that fails leaves nothing to see: the watch ends after 2 s.
 *
 * A denied exec in enforce mode never runs (EACCES), and a file that cannot
 * be run (missing, not executable, a directory) is answered with the error
 * the kernel would give, without CONTINUE.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sv.h"

#define ARG(i)	(req->n->data.args[i])
#define IARG(i) ((int)req->n->data.args[i])

/* Arguments and bytes of them judged; a longer argv cannot be judged whole. */
#define ARGS_MAX    4096
#define STRINGS_MAX (1u << 20)

#define WATCH_FIRST_NS 20000ull
#define WATCH_MAX_NS   20000000ull
#define WATCH_TOTAL_NS 2000000000ull

/*
 * Reads the target's argv into req->big. Returns 0, -EFAULT, or -E2BIG
 * when it is longer than can be judged (*ret_argv then holds what fit).
 */
static int read_argv(struct sv_req *req, uint64_t addr, char ***ret_argv)
{
	size_t head = (ARGS_MAX + 1) * sizeof(char *);
	char *base = sv_req_big(req, head + STRINGS_MAX);
	if (!base)
		return -ENOMEM;
	char **argv = (char **)(void *)base;
	char *strings = base + head;
	size_t n = 0, used = 0;
	int r = 0;

	*ret_argv = argv;
	argv[0] = NULL;
	if (!addr)
		return 0; /* Linux runs it with an empty argv */
	for (;;) {
		uint64_t ptr;
		r = sv_mem_read(req, addr + n * sizeof(ptr), &ptr, sizeof(ptr));
		if (r < 0)
			break;
		if (!ptr)
			break;
		if (n == ARGS_MAX) {
			r = -E2BIG;
			break;
		}
		ssize_t len = sv_mem_read_str(req, ptr, strings + used, STRINGS_MAX - used);
		if (len < 0) {
			r = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		argv[n++] = strings + used;
		used += (size_t)len + 1;
	}
	argv[n] = NULL;
	return r;
}

static void check_exec(const char *path, size_t len, char *const argv[], struct policy_verdict *v)
{
	if (!sv.policy) {
		*v = (struct policy_verdict){.allowed = true, .rule = -1};
		return;
	}
	if (policy_check_exec(sv.policy, path, len, argv, v) < 0)
		*v = (struct policy_verdict){.allowed = false, .rule = -1};
}

/* Judges one name of the program; true to block. */
static bool act_on(struct sv_req *req, const char *target, size_t len, char *const argv[],
		   const struct policy_verdict *v, const char *detail)
{
	if (v->allowed && sv.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD)
		return false;
	struct sv_judgement j = {
		.ev =
			{
				.category = POLICY_CAT_EXEC,
				.op = req->call->name,
				.target = target,
				.target_len = len,
				.detail = detail,
				.argv = argv,
				.tip = sv_tip_exec,
			},
		.verdict = *v,
		.learn = {.kind = SV_LEARN_EXEC, .name = target, .argv = argv},
	};
	return sv_judge(req, &j);
}

/* 0 when the kernel would start running fd's file, else the errno exec fails with. */
static int runnable(int fd)
{
	struct stat st;
	if (syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) < 0)
		return errno;
	if (S_ISLNK(st.st_mode))
		return ELOOP;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	if (syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0 &&
	    errno != ENOSYS)
		return errno;
	return 0;
}

struct ident {
	dev_t dev;
	ino_t ino;
	bool valid;
};

static struct ident ident_of_stat(const struct stat *st)
{
	return (struct ident){.dev = st->st_dev, .ino = st->st_ino, .valid = true};
}

static bool same(struct ident a, struct ident b)
{
	return a.valid && b.valid && a.dev == b.dev && a.ino == b.ino;
}

/* The #! interpreter of the script at fd, if it is one (what /proc/PID/exe will show). */
static struct ident interpreter_of(int fd)
{
	char self[32], line[256];
	struct ident none = {.valid = false};
	sv_fd_path(fd, self);
	int rd = (int)syscall(SYS_openat, AT_FDCWD, self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (rd < 0)
		return none;
	ssize_t n = pread(rd, line, sizeof(line) - 1, 0);
	close(rd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return none;
	line[n] = '\0';
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	char *end = p;
	while (*end && *end != ' ' && *end != '\t' && *end != '\n')
		end++;
	*end = '\0';
	struct stat st;
	if (!*p || stat(p, &st) < 0)
		return none;
	return ident_of_stat(&st);
}

static struct ident exe_ident(pid_t pid)
{
	char link[48];
	struct stat st;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	if (stat(link, &st) < 0)
		return (struct ident){.valid = false};
	return ident_of_stat(&st);
}

/*
 * After CONTINUE: waits for the image to change and checks it is what was
 * judged (see the top of this file).
 */
static void watch(struct sv_req *req, pid_t pid, struct ident before, struct ident judged,
		  struct ident interp, char *const argv[])
{
	uint64_t start = sv_now_mono(), delay = WATCH_FIRST_NS;
	struct ident now;
	char path[PATH_MAX], link[48];

	for (;;) {
		now = exe_ident(pid);
		if (!now.valid)
			return; /* gone */
		if (!same(now, before))
			break;
		if (sv_now_mono() - start > WATCH_TOTAL_NS)
			return; /* the exec failed, or ran the same program again */
		struct timespec ts = {.tv_nsec = (long)delay};
		nanosleep(&ts, NULL);
		delay = delay * 2 < WATCH_MAX_NS ? delay * 2 : WATCH_MAX_NS;
	}
	if (same(now, judged) || same(now, interp))
		return;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return;
	path[n] = '\0';
	struct policy_verdict v;
	check_exec(path, (size_t)n, argv, &v);
	if (v.allowed)
		return;
	/* The event names the program found running; the request's thread may be gone. */
	req->tgid = pid;
	req->have_exe = false;
	if (act_on(req, path, (size_t)n, argv, &v,
		   "the program that started is not the one judged (changed during exec)")) {
		kill(pid, SIGKILL);
	}
}

static int64_t do_exec(struct sv_req *req, int dirfd, uint64_t path_addr, uint64_t argv_addr,
		       int flags)
{
	struct sv_path p;
	struct sv_obj o = {.fd = -1, .parent = -1};
	char **argv;
	int64_t r;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	r = sv_path_read(req, dirfd, path_addr, req->buf[0], req->buf[1], &p);
	if (r < 0)
		return r;
	int argv_err = read_argv(req, argv_addr, &argv);
	if (argv_err == -EFAULT || argv_err == -ENOMEM || argv_err == -ESRCH) {
		r = argv_err;
		goto out;
	}
	if (!sv_req_valid(req)) {
		r = -ESRCH;
		goto out;
	}
	if (!p.raw[0]) {
		if (!(flags & AT_EMPTY_PATH)) {
			r = -ENOENT;
			goto out;
		}
		/* fexecve: the descriptor's file, named by where it is. */
		o.fd = (int)sv_raw(fcntl(p.base, F_DUPFD_CLOEXEC, 0));
		char self[32];
		sv_fd_path(o.fd, self);
		ssize_t n = o.fd < 0 ? -1 : readlink(self, p.name, PATH_MAX - 1);
		if (n <= 0) {
			snprintf(p.name, PATH_MAX, "/proc/self/fd/%d", dirfd);
			n = (ssize_t)strlen(p.name);
		} else {
			p.name[n] = '\0';
		}
		p.name_len = (size_t)n;
		p.need_real = false;
	} else {
		r = sv_path_object(req, &p, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : SV_PATH_FOLLOW,
				   req->out[0], &o);
	}
	int cannot = o.fd < 0 ? (int)-r : runnable(o.fd);
	struct policy_verdict v;
	if (p.name_err) {
		/* Runnable but cannot be named: refused in enforce, as the shim does. */
		if (!cannot && sv.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD) {
			struct policy_verdict none = {.allowed = false, .rule = -1};
			if (act_on(req, p.raw, strlen(p.raw), argv, &none,
				   "the path could not be resolved")) {
				r = -EACCES;
				goto out;
			}
		}
		if (cannot) {
			r = -cannot;
			goto out;
		}
	} else {
		check_exec(p.name, p.name_len, argv, &v);
		if (cannot) {
			/* Nothing will run: no event, the kernel's own error. */
			r = -cannot;
			goto out;
		}
		if (argv_err == -E2BIG && v.allowed && sv.policy) {
			/* Only part of argv could be read: an argv rule cannot be trusted with it. */
			v = (struct policy_verdict){.allowed = false, .rule = -1};
			if (act_on(req, p.name, p.name_len, argv, &v,
				   "the argument vector is too long to judge")) {
				r = -EACCES;
				goto out;
			}
		} else if (act_on(req, p.name, p.name_len, argv, &v, NULL)) {
			r = -EACCES;
			goto out;
		}
		if (p.need_real && !o.have_canon && o.fd >= 0 &&
		    sv.action[POLICY_CAT_EXEC] == POLICY_MODE_ENFORCE) {
			/* Found, but where it leads could not be named: refused, as in sv_file.c. */
			v = (struct policy_verdict){.allowed = false, .rule = -1};
			if (act_on(req, p.name, p.name_len, argv, &v,
				   "where it leads could not be resolved")) {
				r = -EACCES;
				goto out;
			}
		}
		if (p.need_real && o.have_canon && strcmp(o.canon, p.name) != 0) {
			check_exec(o.canon, o.canon_len, argv, &v);
			if (act_on(req, o.canon, o.canon_len, argv, &v,
				   "reached through a symlink")) {
				r = -EACCES;
				goto out;
			}
		}
	}

	struct stat st;
	struct ident judged = {.valid = false}, interp = {.valid = false}, before;
	pid_t pid = sv_req_tgid(req);
	bool check = sv.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD && pid > 0;
	if (check) {
		if (syscall(SYS_newfstatat, o.fd, "", &st, AT_EMPTY_PATH) == 0)
			judged = ident_of_stat(&st);
		interp = interpreter_of(o.fd);
		before = exe_ident(pid);
	}
	sv_obj_close(&o);
	sv_path_close(&p);
	sv_reply_continue(req);
	if (check && before.valid) {
		sv_handoff(); /* the watch sleeps */
		watch(req, pid, before, judged, interp, argv);
	}
	return SV_REPLIED;
out:
	sv_obj_close(&o);
	sv_path_close(&p);
	return r;
}

static int64_t h_execve(struct sv_req *req)
{
	return do_exec(req, AT_FDCWD, ARG(0), ARG(1), 0);
}

static int64_t h_execveat(struct sv_req *req)
{
	return do_exec(req, IARG(0), ARG(1), ARG(2), IARG(4));
}

const struct sv_call sv_exec_calls[] = {
	{"execve", h_execve},
	{"execveat", h_execveat},
	{NULL, NULL},
};
