// SPDX-License-Identifier: MIT
/*
 * fnguard trace — learn a profile at the kernel: an eBPF program follows
 * CMD's whole process tree through its system calls, static binaries and
 * raw syscalls included, which the preload shim cannot see. What it sees
 * becomes the same observations `record` makes, and the same profile.
 *
 * The kernel side only sees what the kernel sees: addresses, not the names
 * they were resolved from, and paths as passed (relative ones are resolved
 * here, against /proc/PID/cwd or the directory a chdir named).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "learn-cli.h"
#include "path_norm.h"
#include "trace.h"
#include "trace.skel.h"

static void trace_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard trace -o OUT.json [OPTIONS] -- CMD [ARG...]\n\n"
		"Runs CMD and records, with an eBPF program in the kernel, the files, network\n"
		"endpoints and programs its whole process tree uses, and writes them as a\n"
		"profile (generalised like `fnguard record`). Unlike record it sees static\n"
		"binaries (Go, Rust), raw system calls and the dynamic loader; like the\n"
		"kernel, it sees addresses rather than host names. The trace ends when CMD\n"
		"exits. Needs root (CAP_BPF and CAP_PERFMON) and a kernel with BTF.\n\n"
		"Options:\n" LEARN_CLI_OPTIONS_HELP "\n"
		"Examples:\n"
		"  sudo fnguard trace -o fnguard.json --extends lambda-base -- ./bootstrap\n"
		"  sudo fnguard trace -o p.json -- sh -c 'curl -s http://127.0.0.1:8080/'\n\n"
		"Exit status: CMD's; 2 on a usage error, without the privileges to trace,\n"
		"or if the profile cannot be written.\n");
}

/* ---- the syscall table ---------------------------------------------------------- */

struct kind_entry {
	long nr;
	enum fgt_kind kind;
};

static const struct kind_entry kinds[] = {
#ifdef SYS_open
	{SYS_open, K_OPEN},
#endif
	{SYS_openat, K_OPENAT},
#ifdef SYS_openat2
	{SYS_openat2, K_OPENAT2},
#endif
#ifdef SYS_creat
	{SYS_creat, K_CREAT},
#endif
#ifdef SYS_stat
	{SYS_stat, K_READ},
#endif
#ifdef SYS_lstat
	{SYS_lstat, K_READ},
#endif
#ifdef SYS_newfstatat
	{SYS_newfstatat, K_AT_READ},
#endif
#ifdef SYS_statx
	{SYS_statx, K_AT_READ},
#endif
#ifdef SYS_access
	{SYS_access, K_READ},
#endif
	{SYS_faccessat, K_AT_READ},
#ifdef SYS_faccessat2
	{SYS_faccessat2, K_AT_READ},
#endif
#ifdef SYS_readlink
	{SYS_readlink, K_READ},
#endif
	{SYS_readlinkat, K_AT_READ},  {SYS_getxattr, K_READ},	  {SYS_lgetxattr, K_READ},
	{SYS_listxattr, K_READ},      {SYS_llistxattr, K_READ},	  {SYS_truncate, K_WRITE},
#ifdef SYS_chmod
	{SYS_chmod, K_WRITE},
#endif
#ifdef SYS_chown
	{SYS_chown, K_WRITE},
#endif
#ifdef SYS_lchown
	{SYS_lchown, K_WRITE},
#endif
#ifdef SYS_utime
	{SYS_utime, K_WRITE},
#endif
#ifdef SYS_utimes
	{SYS_utimes, K_WRITE},
#endif
	{SYS_setxattr, K_WRITE},      {SYS_lsetxattr, K_WRITE},	  {SYS_removexattr, K_WRITE},
	{SYS_lremovexattr, K_WRITE},  {SYS_fchmodat, K_AT_WRITE},
#ifdef SYS_fchmodat2
	{SYS_fchmodat2, K_AT_WRITE},
#endif
	{SYS_fchownat, K_AT_WRITE},
#ifdef SYS_futimesat
	{SYS_futimesat, K_AT_WRITE},
#endif
	{SYS_utimensat, K_AT_WRITE},
#ifdef SYS_mkdir
	{SYS_mkdir, K_CREATE},
#endif
#ifdef SYS_mknod
	{SYS_mknod, K_CREATE},
#endif
	{SYS_mkdirat, K_AT_CREATE},   {SYS_mknodat, K_AT_CREATE},
#ifdef SYS_unlink
	{SYS_unlink, K_DELETE},
#endif
#ifdef SYS_rmdir
	{SYS_rmdir, K_DELETE},
#endif
	{SYS_unlinkat, K_AT_DELETE},
#ifdef SYS_rename
	{SYS_rename, K_RENAME},
#endif
#ifdef SYS_renameat
	{SYS_renameat, K_RENAMEAT},
#endif
	{SYS_renameat2, K_RENAMEAT},
#ifdef SYS_link
	{SYS_link, K_LINK},
#endif
	{SYS_linkat, K_LINKAT},
#ifdef SYS_symlink
	{SYS_symlink, K_SYMLINK},
#endif
	{SYS_symlinkat, K_SYMLINKAT}, {SYS_chdir, K_CHDIR},	  {SYS_fchdir, K_FCHDIR},
	{SYS_connect, K_CONNECT},     {SYS_bind, K_BIND},	  {SYS_sendto, K_SENDTO},
	{SYS_sendmsg, K_SENDMSG},     {SYS_listen, K_LISTEN},
};

/* ---- per-process state -------------------------------------------------------------- */

struct proc {
	unsigned pid; /* 0: empty slot */
	char *cwd;
};

struct tracer {
	struct learner *learner;
	unsigned root;	   /* CMD's pid */
	bool root_started; /* its own exec (how it was started, not what it does) was seen */
	struct proc *procs;
	size_t cap, n;
	size_t events, unresolved, unusable;
	size_t unreadable; /* a call that succeeded, its path not read by the eBPF program */
	int error;
	bool verbose; /* FNGUARD_TRACE_DEBUG=2: every kernel event on stderr */
};

static struct proc *proc_get(struct tracer *t, unsigned pid, bool create)
{
	if (create && (t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct proc *m = calloc(cap, sizeof(*m));
		if (!m)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->procs[i].pid)
				continue;
			size_t k = t->procs[i].pid & (cap - 1);
			while (m[k].pid)
				k = (k + 1) & (cap - 1);
			m[k] = t->procs[i];
		}
		free(t->procs);
		t->procs = m;
		t->cap = cap;
	}
	if (!t->cap)
		return NULL;
	for (size_t k = pid & (t->cap - 1);; k = (k + 1) & (t->cap - 1)) {
		if (t->procs[k].pid == pid)
			return &t->procs[k];
		if (!t->procs[k].pid) {
			if (!create)
				return NULL;
			t->procs[k].pid = pid;
			t->n++;
			return &t->procs[k];
		}
	}
}

static void set_cwd(struct tracer *t, unsigned pid, const char *cwd)
{
	struct proc *p = proc_get(t, pid, true);
	char *copy = strdup(cwd);
	if (!p || !copy) {
		free(copy);
		return;
	}
	free(p->cwd);
	p->cwd = copy;
}

/* A directory the kernel side walked, as an absolute path. NULL if the walk was cut short. */
static const char *dir_path(const struct fgt_dir *d, char *buf, size_t size)
{
	size_t n = 0;
	if (!d->complete || d->depth < 0 || d->depth > TRACE_DIR_DEPTH)
		return NULL;
	buf[0] = '\0';
	for (int i = d->depth - 1; i >= 0; i--) {
		size_t len = strnlen(d->names[i], TRACE_NAME_MAX);
		if (len == 0)
			continue; /* a mount point crossed */
		/* A name as long as the slot may have been cut. */
		if (len >= TRACE_NAME_MAX - 1 || n + len + 2 > size)
			return NULL;
		buf[n++] = '/';
		memcpy(buf + n, d->names[i], len);
		n += len;
	}
	if (n == 0)
		buf[n++] = '/';
	buf[n] = '\0';
	return buf;
}

/*
 * The absolute, normalised form of a path a process used, with its own
 * /proc/PID written /proc/self (as the shim writes it). base: the
 * directory a relative path starts from, as the kernel named it (may be
 * NULL); else the last directory a chdir of the process named.
 */
static const char *resolve(struct tracer *t, unsigned pid, const char *base, const char *path,
			   char *out, size_t size)
{
	size_t len;

	if (!path[0])
		return NULL;
	if (path[0] != '/' && !base) {
		struct proc *p = proc_get(t, pid, false);
		base = p ? p->cwd : NULL;
		if (!base) {
			t->unresolved++;
			return NULL;
		}
	}
	if (path_normalize(base, path, out, size, &len) < 0)
		return NULL;
	char own[32];
	int n = snprintf(own, sizeof(own), "/proc/%u", pid);
	if (strncmp(out, own, (size_t)n) == 0 && (out[n] == '/' || out[n] == '\0')) {
		memmove(out + 10, out + n, len - (size_t)n + 1);
		memcpy(out, "/proc/self", 10);
	}
	return out;
}

/* The shim's rights for an open (lib/file_ops.c). */
static unsigned open_rights(unsigned flags)
{
	unsigned rights;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		rights = POLICY_RIGHT_READ;
		break;
	case O_WRONLY:
		rights = POLICY_RIGHT_WRITE;
		break;
	default:
		rights = POLICY_RIGHT_READ | POLICY_RIGHT_WRITE;
	}
	if (flags & O_PATH)
		rights = POLICY_RIGHT_READ;
	if (flags & O_TRUNC)
		rights |= POLICY_RIGHT_WRITE;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		rights = POLICY_RIGHT_CREATE | POLICY_RIGHT_WRITE;
	else if (flags & O_CREAT)
		rights |= POLICY_RIGHT_CREATE;
	return rights;
}

static void add(struct tracer *t, const struct learn_obs *o)
{
	int r = learner_add(t->learner, o);
	if (r == -EINVAL)
		t->unusable++;
	else if (r < 0 && !t->error)
		t->error = r;
}

static void on_path(struct tracer *t, const struct fgt_path_event *e)
{
	char path[PATH_MAX], base_buf[PATH_MAX];
	const char *base = e->base.depth || e->base.complete
				   ? dir_path(&e->base, base_buf, sizeof(base_buf))
				   : NULL;
	unsigned rights = 0;

	if (e->hdr.op == TRACE_OP_FCHDIR) {
		if (base)
			set_cwd(t, e->hdr.pid, base);
		return;
	}
	/* -1: no path argument; another error: the program could not read one the kernel did. */
	if (e->len < -1 && e->ret >= 0) {
		t->unreadable++;
		return;
	}
	if (e->len <= 1)
		return;
	/* A directory given by fd that the kernel side could not name: not the cwd. */
	if (e->path[0] != '/' && e->dirfd != AT_FDCWD && !base) {
		t->unresolved++;
		return;
	}
	/*
	 * A relative chdir that worked was walked after it (sys_exit): the walk
	 * named the directory entered, not the one the path starts from.
	 */
	const char *name = e->path;
	if (e->hdr.op == TRACE_OP_CHDIR && e->ret == 0 && e->path[0] != '/' && base) {
		name = base;
		base = NULL;
	}
	if (!resolve(t, e->hdr.pid, base, name, path, sizeof(path)))
		return;
	switch (e->hdr.op) {
	case TRACE_OP_OPEN:
		rights = open_rights(e->flags);
		break;
	case TRACE_OP_READ:
		rights = POLICY_RIGHT_READ;
		break;
	case TRACE_OP_WRITE:
		rights = POLICY_RIGHT_WRITE;
		break;
	case TRACE_OP_CREATE:
		rights = POLICY_RIGHT_CREATE;
		break;
	case TRACE_OP_DELETE:
		rights = POLICY_RIGHT_DELETE;
		break;
	case TRACE_OP_LINK_FROM:
		rights = POLICY_RIGHT_READ | POLICY_RIGHT_WRITE;
		break;
	case TRACE_OP_CHDIR:
		if (e->ret == 0)
			set_cwd(t, e->hdr.pid, path);
		rights = POLICY_RIGHT_READ;
		break;
	default:
		return;
	}
	struct learn_obs o = {.kind = LEARN_OBS_FILE,
			      .name = path,
			      .rights = rights,
			      .phase = LEARNER_PHASE_INIT};
	add(t, &o);
}

static void on_exec(struct tracer *t, const struct fgt_exec_event *e)
{
	char path[PATH_MAX], file[PATH_MAX];
	char *argv[TRACE_ARGS_BYTES / 2 + 2];
	const char *name = NULL;
	size_t argc = 0;

	/* CMD itself: how it was started, which the shim never judges either. */
	if (e->hdr.pid == t->root && !t->root_started) {
		t->root_started = true;
		return;
	}
	/* The name as given (what the shim judges), else the file the kernel ran. */
	if (e->path[0] == '/' && strncmp(e->path, "/dev/fd/", 8) != 0)
		name = resolve(t, e->hdr.pid, "/", e->path, path, sizeof(path));
	else if (dir_path(&e->file, file, sizeof(file)))
		name = resolve(t, e->hdr.pid, "/", file, path, sizeof(path));
	if (!name) {
		t->unresolved++;
		return;
	}
	for (int i = 0; i < e->args_len && argc < sizeof(argv) / sizeof(argv[0]) - 2;) {
		const char *a = e->args + i;
		size_t n = strnlen(a, (size_t)(e->args_len - i));
		if (i + (int)n >= e->args_len && e->args_cut)
			break; /* the last one was cut */
		argv[argc++] = (char *)a;
		i += (int)n + 1;
	}
	/*
	 * A script: the kernel put the interpreter (and its argument) before the
	 * script's name; the caller's argv went on from the name.
	 */
	size_t skip = 0;
	if (e->script) {
		while (skip < argc && strcmp(argv[skip], e->path) != 0)
			skip++;
		if (skip == argc)
			skip = 0;
	}
	/* What followed the cut is unknown: "**" there would allow any command. */
	if (e->args_cut) {
		t->unusable++;
		return;
	}
	argv[argc] = NULL;
	/*
	 * A script's argv[0] is the name the kernel was given (execvp's PATH
	 * result), not the caller's, which is what the shim matches: any.
	 */
	struct learn_obs o = {.kind = LEARN_OBS_EXEC,
			      .name = name,
			      .argv = argv + skip,
			      .any_argv0 = e->script != 0,
			      .phase = LEARNER_PHASE_INIT};
	add(t, &o);
}

static void on_net(struct tracer *t, const struct fgt_net_event *e)
{
	struct learn_obs o = {.phase = LEARNER_PHASE_INIT, .port = NET_PORT_ANY};
	char path[PATH_MAX], name[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	unsigned short family;

	if (e->addr_len < (int)sizeof(family))
		return;
	memcpy(&family, e->addr, sizeof(family));
	o.inbound = e->hdr.op == TRACE_NET_BIND || e->hdr.op == TRACE_NET_LISTEN;
	o.proto = e->sock_type == SOCK_STREAM  ? NET_PROTO_TCP
		  : e->sock_type == SOCK_DGRAM ? NET_PROTO_UDP
					       : NET_PROTO_ANY;
	if (family == AF_INET && e->addr_len >= 8) {
		o.kind = LEARN_OBS_IP;
		o.family = AF_INET;
		o.port = (e->addr[2] << 8) | e->addr[3];
		memcpy(o.addr, e->addr + 4, 4);
	} else if (family == AF_INET6 && e->addr_len >= 24) {
		o.kind = LEARN_OBS_IP;
		o.family = AF_INET6;
		o.port = (e->addr[2] << 8) | e->addr[3];
		memcpy(o.addr, e->addr + 8, 16);
	} else if (family == AF_UNIX && e->addr_len > 2) {
		size_t n = (size_t)e->addr_len - 2;
		const char *sun = (const char *)e->addr + 2;
		o.kind = LEARN_OBS_UNIX;
		o.proto = NET_PROTO_ANY;
		if (sun[0] == '\0') {
			/* Abstract: "@" and the name, up to its first NUL. */
			name[0] = '@';
			size_t k = 1;
			for (size_t i = 1; i < n && sun[i] && k + 1 < sizeof(name); i++)
				name[k++] = sun[i];
			name[k] = '\0';
			o.name = name;
		} else {
			size_t k = strnlen(sun, n);
			memcpy(name, sun, k);
			name[k] = '\0';
			o.name = resolve(t, e->hdr.pid, NULL, name, path, sizeof(path));
			if (!o.name)
				return;
		}
	} else {
		return; /* netlink, packet, vsock: the seccomp layer's business */
	}
	add(t, &o);
}

static void on_fork(struct tracer *t, const struct fgt_fork_event *e)
{
	struct proc *parent = proc_get(t, e->parent, false);
	char *cwd = parent && parent->cwd ? strdup(parent->cwd) : NULL;
	/* A copy: set_cwd() may move the entries. */
	if (cwd)
		set_cwd(t, e->hdr.pid, cwd);
	free(cwd);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct fgt_hdr *h = data;
	if (size < sizeof(*h))
		return 0;
	t->events++;
	if (t->verbose)
		fprintf(stderr, "fnguard trace: event type %u op %u pid %u tid %u %s\n", h->type,
			h->op, h->pid, h->tid,
			h->type == TRACE_PATH	? ((const struct fgt_path_event *)data)->path
			: h->type == TRACE_EXEC ? ((const struct fgt_exec_event *)data)->path
						: "");
	switch (h->type) {
	case TRACE_PATH:
		if (size >= sizeof(struct fgt_path_event))
			on_path(t, data);
		break;
	case TRACE_EXEC:
		if (size >= sizeof(struct fgt_exec_event))
			on_exec(t, data);
		break;
	case TRACE_NET:
		if (size >= sizeof(struct fgt_net_event))
			on_net(t, data);
		break;
	case TRACE_FORK:
		if (size >= sizeof(struct fgt_fork_event))
			on_fork(t, data);
		break;
	}
	return t->error ? t->error : 0;
}

static void tracer_done(struct tracer *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->procs[i].cwd);
	free(t->procs);
	t->procs = NULL;
	t->cap = t->n = 0;
}

/* ---- running ------------------------------------------------------------------------- */

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !getenv("FNGUARD_TRACE_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Starts argv stopped on a pipe until it is traced; returns its pid and the pipe to release it. */
static pid_t spawn_held(char **argv, int *ret_release)
{
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0) {
		char go;
		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(126); /* the tracer gave up */
		execvp(argv[0], argv);
		fprintf(stderr, "fnguard trace: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(gate[0]);
	*ret_release = gate[1];
	return pid;
}

static int fill_kinds(struct trace_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.syscall_kinds);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		unsigned nr = (unsigned)kinds[i].nr, kind = kinds[i].kind;
		if (nr >= TRACE_SYSCALLS_MAX)
			continue;
		if (bpf_map_update_elem(fd, &nr, &kind, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option options[] = {LEARN_CLI_LONG_OPTIONS, {0}};
	struct learn_cli cli;
	struct tracer t = {0};
	struct trace_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	int c, r, status = -1, release = -1;

	learn_cli_init(&cli, "trace");
	optind = 1;
	while ((c = getopt_long(argc, argv, "+" LEARN_CLI_SHORT_OPTIONS, options, NULL)) != -1) {
		r = learn_cli_option(&cli, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (c == 'h') {
			trace_usage(stdout);
			return EXIT_OK;
		}
		trace_usage(stderr);
		return EXIT_USAGE;
	}
	if (!cli.out || optind >= argc) {
		fprintf(stderr, "fnguard trace: %s\n",
			!cli.out ? "-o OUT.json is required" : "no command given");
		trace_usage(stderr);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "fnguard trace: needs root (loading eBPF programs)\n");
		return EXIT_USAGE;
	}
	libbpf_set_print(libbpf_quiet);
	const char *debug = getenv("FNGUARD_TRACE_DEBUG");
	t.verbose = debug && strcmp(debug, "2") == 0;
	skel = trace_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr,
			"fnguard trace: cannot load the eBPF program: %s (needs a kernel with BTF, "
			"CAP_BPF and CAP_PERFMON; FNGUARD_TRACE_DEBUG=1 says more)\n",
			strerror(errno));
		return EXIT_USAGE;
	}
	r = fill_kinds(skel);
	if (r == 0 && learner_new(&t.learner) < 0)
		r = -ENOMEM;
	if (r == 0) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &t, NULL);
		if (!rb)
			r = -errno;
	}
	pid_t pid = r == 0 ? spawn_held(argv + optind, &release) : -1;
	if (r == 0 && pid < 0)
		r = -errno;
	if (r == 0) {
		unsigned key = (unsigned)pid;
		t.root = key;
		unsigned char one = 1;
		char cwd[PATH_MAX];
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.traced), &key, &one, BPF_ANY) < 0 ||
		    trace_bpf__attach(skel) < 0)
			r = -errno;
		if (getcwd(cwd, sizeof(cwd)))
			set_cwd(&t, (unsigned)pid, cwd);
	}
	if (r < 0) {
		fprintf(stderr, "fnguard trace: cannot start tracing: %s\n", strerror(-r));
		if (release >= 0)
			close(release); /* the child exits without running CMD */
		if (pid > 0)
			waitpid(pid, NULL, 0);
		goto out;
	}

	struct sigaction sa = {.sa_handler = forward};
	sigemptyset(&sa.sa_mask);
	child_pid = pid;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (write(release, "g", 1) != 1)
		kill(pid, SIGKILL);
	close(release);
	for (;;) {
		int ws;
		int n = ring_buffer__poll(rb, 100);
		if (n < 0 && n != -EINTR) {
			/* Not traced from here on: CMD does not run on unseen. */
			r = n;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			break;
		}
		pid_t w = waitpid(pid, &ws, WNOHANG);
		if (w == pid) {
			status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
			break;
		}
	}
	child_pid = 0; /* reaped: its number may be another process's by now */
	/* What CMD did up to its exit is in the buffer: take all of it. */
	while (r >= 0 && ring_buffer__consume(rb) > 0)
		;
	if (r < 0 && !t.error)
		t.error = r;

	unsigned zero = 0;
	unsigned long long lost = 0;
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.lost), &zero, &lost);
	tracer_done(&t);
	fprintf(stderr,
		"fnguard trace: %zu kernel events; %llu lost (ring buffer full, or a table of the "
		"eBPF program full), %zu relative paths that could not be resolved, %zu not "
		"expressible as rules (argument lists too long among them)\n",
		t.events, lost, t.unresolved, t.unusable);
	if (t.error) {
		fprintf(stderr, "fnguard trace: %s\n", strerror(-t.error));
		r = t.error;
	} else if (!t.root_started) {
		/* In another PID namespace the kernel's pids are not the ones fork gave us. */
		fprintf(stderr, "fnguard trace: CMD's own exec was never seen (a PID namespace? "
				"an eBPF program that did not run): no profile written\n");
		r = -ESRCH;
	} else if (lost || t.unreadable) {
		/* An incomplete profile looks complete, and breaks the function in enforce. */
		fprintf(stderr,
			"fnguard trace: %llu events were lost and %zu paths could not be read: no "
			"profile written (trace a shorter run, or record it with fnguard record)\n",
			lost, t.unreadable);
		r = -ENOBUFS;
	} else {
		r = learn_cli_finish(&cli, t.learner, NULL);
	}
out:
	if (t.procs)
		tracer_done(&t);
	ring_buffer__free(rb);
	trace_bpf__destroy(skel);
	learner_free(t.learner);
	if (r < 0)
		return EXIT_USAGE;
	return status < 0 ? EXIT_USAGE : status;
}
