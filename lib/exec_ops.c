// SPDX-License-Identifier: MIT
/*
 * Exec interposers: the exec family, fexecve, execveat, posix_spawn(p),
 * system and popen. Each judges the program that will actually run, by its
 * absolute, normalised path (after the PATH search, done here the way glibc
 * does it) and its argv, with policy_check_exec; a denied program fails
 * with EACCES in enforce mode and never starts. system() and popen() are an
 * exec of /bin/sh with argv ["sh", "-c", cmd] and are judged as exactly that.
 *
 * glibc's exec functions call __execve internally, not through the PLT, so
 * execv, execvp, execvpe and execl* are implemented here on top of the real
 * execve instead of being forwarded.
 *
 * Where it runs: exec is called after fork and in vfork children (Python's
 * subprocess, posix_spawn), where the parent's memory is shared and its
 * other threads may hold any lock. The whole path is allocation-free and
 * lock-free: stack buffers, raw fd operations, the lock-free event writer,
 * atomic counters. Record mode's learner (which locks and allocates) is
 * reached only outside vfork children (see child_env.h).
 *
 * Files that are not there or not executable are not judged (no event): the
 * call fails by itself. In enforce mode such a path that the profile denies
 * is refused with the error the kernel would give, without calling exec, so
 * that creating the file between the check and the exec does not help.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "child_env.h"
#include "event.h"
#include "exe_kind.h"
#include "fd_guard.h"
#include "dl_ops.h"
#include "exec_ops.h"
#include "handover.h"
#include "judge.h"
#include "landlock_layer.h"
#include "path_norm.h"
#include "path_resolve.h"
#include "profile.h"
#include "jump_ops.h"
#include "real.h"
#include "record.h"
#include "seccomp_layer.h"
#include "shim.h"
#include "syscall_ops.h"
#include "large_bss.h"

#define EXPORT __attribute__((visibility("default")))

#define SHELL_PATH "/bin/sh"
/* glibc's fallback when PATH is unset (_CS_PATH). */
#define DEFAULT_PATH "/bin:/usr/bin"
/* Arguments the execl family collects on the stack (the NULL included). */
#define EXEC_ARGS_MAX 4096
/* Arguments a tip spells out before ending in "**". */
#define TIP_ARGS    32
#define TIP_ARG_LEN 200

#define STATIC_DETAIL "static binary: the preload layer does not apply inside it"

extern char **environ;

/* What an exec runs, as the kernel will find it. */
struct exec_target {
	int dirfd;	  /* AT_FDCWD or execveat's dirfd */
	const char *path; /* as given; "/proc/self/fd/N" for a descriptor */
	int at_flags;	  /* AT_SYMLINK_NOFOLLOW */
	int fd;		  /* fexecve / AT_EMPTY_PATH: the descriptor, else -1 */
};

/* Reads an environment variable without locks (getenv is not async-signal-safe). */
static const char *env_lookup(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static bool shim_on(void)
{
	shim_started();
	return atomic_load_explicit(&shim_ready, memory_order_acquire) && shim.active;
}

static void fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* ---- what is run ------------------------------------------------------ */

/*
 * The absolute, normalised name of what t names (before symlinks); base
 * (PATH_MAX bytes) holds the directory a relative path is joined to.
 */
static int target_name(const struct exec_target *t, char *name, size_t size, size_t *ret_len,
		       char *base)
{
	size_t blen;
	int r;

	if (t->fd >= 0) {
		r = path_of_fd(t->fd, name, size, ret_len);
		if (r == -ENOENT) {
			/* A pipe or socket has no name: it is judged as the descriptor. */
			fd_path(t->fd, name);
			*ret_len = strlen(name);
			r = 0;
		}
		return r;
	}
	if (!t->path[0])
		return -ENOENT;
	if (t->path[0] == '/')
		return path_normalize(NULL, t->path, name, size, ret_len);
	if (t->dirfd == AT_FDCWD) {
		if (!getcwd(base, PATH_MAX))
			return -errno;
	} else {
		r = path_of_fd(t->dirfd, base, PATH_MAX, &blen);
		if (r < 0)
			return r == -ENOENT ? -ENOTDIR : r;
	}
	return path_normalize(base, t->path, name, size, ret_len);
}

static int stat_at(int dirfd, const char *path, struct stat *st, int flags)
{
#ifdef SYS_newfstatat
	return (int)shim_syscall(SYS_newfstatat, dirfd, path, st, flags);
#else
	return fstatat(dirfd, path, st, flags); /* 32-bit: the kernel's struct differs */
#endif
}

/* 0 when the kernel would start executing t, else the errno exec would fail with. */
static int runnable(const struct exec_target *t)
{
	struct stat st;

	/*
	 * Raw system calls: no symbol versions newer than the oldest glibc
	 * (fstatat appeared in 2.33), nothing interposed. The shim is inert
	 * when uid != euid, so the plain access check is the effective one.
	 */
	if (t->fd >= 0 && shim_syscall(SYS_fstat, t->fd, &st) < 0)
		return errno;
	if (stat_at(t->dirfd, t->path, &st, t->at_flags & AT_SYMLINK_NOFOLLOW) < 0)
		return errno;
	if (S_ISLNK(st.st_mode))
		return ELOOP;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	if (shim_syscall(SYS_faccessat, t->dirfd, t->path, X_OK) < 0)
		return errno;
	return 0;
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return true;
	return false;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Where t leads when symlinks are followed, if that can differ from its
 * name in a way that matters: links can only be planted where the profile
 * grants 'c' (so /bin/sh -> dash is judged as /bin/sh), and "..", /proc and
 * /dev/fd are resolved by the kernel, not lexically. Returns true and fills
 * real when it must be judged too.
 */
static bool target_real(const struct exec_target *t, const char *name, size_t len, char *real_buf,
			size_t size, size_t *ret_len)
{
	if (t->fd >= 0)
		return false; /* path_of_fd already is where it leads */
	/* Record mode: where a link the run made leads is learned with it (path_resolve.h). */
	if (!has_dotdot(t->path) && !starts_with(name, "/proc/") &&
	    !starts_with(name, "/dev/fd/") &&
	    !(shim.policy && policy_path_may_hold_links(shim.policy, name, len)) &&
	    !(shim.action[POLICY_CAT_EXEC] == POLICY_MODE_RECORD &&
	      path_resolve_made_link(name, len)))
		return false;
	int flags = O_PATH | O_CLOEXEC | (t->at_flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0);
	int fd = (int)shim_syscall(SYS_openat, t->dirfd, t->path, flags);
	if (fd < 0)
		return false;
	int r = path_of_fd(fd, real_buf, size, ret_len);
	shim_syscall(SYS_close, fd);
	return r == 0 && (*ret_len != len || memcmp(real_buf, name, len) != 0);
}

/*
 * The dynamic loader this process runs under, by identity: the one
 * interpreter that loads the shim. Anything else a program names as its
 * interpreter (another program, a shared object shaped like a loader, a
 * relative name) runs outside the shim's reach. Found at the first exec
 * (0: not yet, 1: known, 2: cannot be told, and then only what is plainly
 * static is handed over, as before).
 */
static atomic_int loader_state;
static dev_t loader_dev;
static ino_t loader_ino;
/* The name dynamic programs give it, once seen to be it: not opened again. */
static char known_loader[128];
static atomic_size_t known_loader_len;
static atomic_bool known_loader_claimed; /* one writer, ever */

/* No lock on the way: the loader's name was found at start (dl_ops.h), a stat is raw. */
static int loader_known(void)
{
	int state = atomic_load_explicit(&loader_state, memory_order_acquire);
	if (state)
		return state;
	struct stat st;
	const char *path = dl_ops_loader_path();
	state = path[0] == '/' && shim_syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0 ? 1 : 2;
	if (state == 1) {
		loader_dev = st.st_dev;
		loader_ino = st.st_ino;
	}
	atomic_store_explicit(&loader_state, state, memory_order_release);
	/* The name this process's own program gave it: the one nearly every program gives. */
	size_t len = strlen(path);
	bool unclaimed = false;
	if (state == 1 && len < sizeof(known_loader) &&
	    atomic_compare_exchange_strong(&known_loader_claimed, &unclaimed, true)) {
		memcpy(known_loader, path, len);
		atomic_store_explicit(&known_loader_len, len, memory_order_release);
	}
	return state;
}

static bool is_the_loader(int fd)
{
	struct stat st;
	return loader_known() == 1 && shim_syscall(SYS_fstat, fd, &st) == 0 &&
	       st.st_dev == loader_dev && st.st_ino == loader_ino;
}

/* No descriptor or memory left to look at a program with. */
static bool out_of_room(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM;
}

/*
 * The programs a script starts before its own code runs: the interpreter
 * its "#!" line names, and theirs when interpreters are scripts, as far as
 * the kernel nests them. Where the function could have written a script
 * (script_writable: the one run, or a script named as an interpreter), it
 * chose the interpreters from there down: each is judged as a program run
 * with the arguments the kernel gives it (the interpreter, its "#!"
 * argument, the interpreters and arguments below it, the script's name as
 * judged, then the script's own arguments). A relative interpreter is
 * judged where the kernel finds it, from the working directory.
 */
#define INTERP_LEVELS 5
struct interp_scratch {
	char *vargv[PROFILE_MAX_ARGV + 3];
	char name[PATH_MAX], real_name[PATH_MAX], base[PATH_MAX];
};
struct interp_judge {
	const char *op;
	char *const *argv;		      /* the script's own */
	const char *script;		      /* its absolute name, as judged */
	const char *words[2 * INTERP_LEVELS]; /* per level: interpreter, "#!" argument or NULL */
	bool active;			      /* interpreters are judged from here down */
	/* Mapped on first need, off the stack (a thread's may be small): exe_kind_of unmaps it. */
	struct interp_scratch *scratch;
};

#define INTERP_DETAIL "the interpreter a script's #! line names"

/*
 * A judgement's buffers (about 46 KiB, of which an exec touches a few
 * pages), not on the stack, where they took 22 KiB: an exec in a vfork
 * child (Python's subprocess, a shell's commands) runs on its parent
 * thread's stack, which may be small (threading.stack_size(32768)). In the
 * thread's kept exec memory (exec_mem_take), given back before the exec
 * itself. level[d]: the interpreter a program of script level d - 1 names
 * ([0]: the program's own), its "#!" argument.
 */
struct exec_scratch {
	char name[PATH_MAX], real_name[PATH_MAX], base[PATH_MAX];
	struct exe_buf inspect;
	struct {
		char interp[PATH_MAX];
		char arg[EXE_SCRIPT_ARG_MAX];
	} level[INTERP_LEVELS + 1];
};

union exec_mem;
static union exec_mem *exec_mem_take(void);
static void exec_mem_give(union exec_mem *m);

static struct exec_scratch *exec_scratch_take(void)
{
	return (struct exec_scratch *)exec_mem_take();
}

static void exec_scratch_give(struct exec_scratch *sc)
{
	if (sc)
		exec_mem_give((union exec_mem *)sc);
}

/*
 * Whether the function could have written (so chosen the "#!" line of) the
 * script at name. Record mode learns every script's interpreters: the
 * profile it writes may let the function write where they are.
 */
static bool script_writable(const char *name, size_t len)
{
	struct policy_verdict v;
	if (shim.action[POLICY_CAT_EXEC] == POLICY_MODE_RECORD)
		return true;
	return shim.policy &&
	       (policy_path_may_hold_links(shim.policy, name, len) ||
		(policy_check_file(shim.policy, name, len, POLICY_RIGHT_WRITE, &v) == 0 &&
		 v.allowed));
}

static bool act_on(const char *op, const char *target, size_t len, char *const argv[],
		   const struct policy_verdict *v, const char *detail);
static void check_exec(const char *path, size_t len, char *const argv[], struct policy_verdict *v);

static struct interp_scratch *interp_scratch(struct interp_judge *ij)
{
	if (!ij->scratch) {
		void *m = mmap(NULL, sizeof(*ij->scratch), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ij->scratch = m == MAP_FAILED ? NULL : m;
	}
	return ij->scratch;
}

/* The absolute name of an interpreter (into sc->name), found as the kernel finds it. */
static int interp_name(const char *interp, struct interp_scratch *sc, size_t *len)
{
	struct exec_target t = {.dirfd = AT_FDCWD, .path = interp, .fd = -1};
	return target_name(&t, sc->name, sizeof(sc->name), len, sc->base);
}

/*
 * Judges the interpreter of level depth (its name as the "#!" line gives
 * it, and where it leads if links could be planted on the way); true to
 * block. The arguments are cut after more than any rule can list, which
 * matches as the whole list would.
 */
static bool judge_interp(struct interp_judge *ij, int depth, const char *interp)
{
	struct interp_scratch *sc = interp_scratch(ij);
	struct policy_verdict none = {.allowed = false, .rule = -1}, v;
	size_t n = 0, len, real_len;
	static char *const no_args[] = {NULL};

	if (!sc)
		/* No memory to judge it with: refused, as a program that cannot be named is. */
		return shim.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD &&
		       act_on(ij->op, interp, strlen(interp), no_args, &none,
			      INTERP_DETAIL ": no memory to judge it");
	char **vargv = sc->vargv;
	for (int d = depth; d >= 0; d--) {
		const char *const *level = ij->words + (size_t)d * 2;
		vargv[n++] = (char *)level[0];
		if (level[1])
			vargv[n++] = (char *)level[1];
	}
	vargv[n++] = (char *)ij->script;
	for (size_t i = 1; ij->argv && ij->argv[0] && ij->argv[i] && n < PROFILE_MAX_ARGV + 2; i++)
		vargv[n++] = ij->argv[i];
	vargv[n] = NULL;
	if (interp_name(interp, sc, &len) < 0)
		return shim.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD &&
		       act_on(ij->op, interp, strlen(interp), vargv, &none,
			      INTERP_DETAIL ": its name could not be resolved");
	check_exec(sc->name, len, vargv, &v);
	if (act_on(ij->op, sc->name, len, vargv, &v, INTERP_DETAIL))
		return true;
	struct exec_target t = {.dirfd = AT_FDCWD, .path = interp, .fd = -1};
	if (!target_real(&t, sc->name, len, sc->real_name, sizeof(sc->real_name), &real_len))
		return false;
	check_exec(sc->real_name, real_len, vargv, &v);
	return act_on(ij->op, sc->real_name, real_len, vargv, &v,
		      INTERP_DETAIL ", reached through a symlink");
}

/* An interpreter that is itself a script the function could have written. */
static bool interp_writable(struct interp_judge *ij, const char *interp)
{
	struct interp_scratch *sc = interp_scratch(ij);
	size_t len;
	/* Unnamed, or no memory to name it with: judged, never waved through. */
	return !sc || interp_name(interp, sc, &len) < 0 || script_writable(sc->name, len);
}

/*
 * What the kernel will start first for the program open at fd (v: what
 * exe_inspect saw in it) decides: a script's interpreter, the interpreter
 * an ELF names, an ELF that names audit libraries (they can drop the
 * shim), a loader-shaped object run directly. Scripts nest as far as the
 * kernel lets them (4). *refuse: a script run by the dynamic loader (its
 * "#!" options choose what runs). ij (NULL: not judged): the interpreters
 * are judged as programs on the way (judge_interp); *block when one is
 * refused.
 */
static enum exe_kind started_kind(int fd, const struct exe_view *v, int depth, bool *refuse,
				  struct interp_judge *ij, bool *block, struct exec_scratch *sc)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	bool strict = loader_known() == 1;
	enum exe_kind kind = v->kind;

	if (kind == EXE_LOADER)
		return !strict || is_the_loader(fd) ? EXE_LOADER : EXE_STATIC;
	if (kind != EXE_SCRIPT && kind != EXE_DYNAMIC)
		return kind;
	if (kind == EXE_DYNAMIC && v->audit)
		return EXE_STATIC;
	ssize_t len = v->interp_len;
	/* An interpreter that cannot be read (too long, malformed): nothing says it loads the shim. */
	if (len <= 0)
		return kind == EXE_DYNAMIC ? EXE_STATIC : kind;
	if (kind == EXE_SCRIPT && ij) {
		size_t w = (size_t)depth * 2;
		ij->words[w] = v->interp;
		ij->words[w + 1] = v->arg_len >= 0 ? v->arg : NULL;
		if (ij->active && judge_interp(ij, depth, v->interp)) {
			*block = true;
			return kind;
		}
	}
	if (v->interp[0] != '/')
		return EXE_STATIC; /* found from wherever the program runs */
	size_t known = atomic_load_explicit(&known_loader_len, memory_order_acquire);
	if (kind == EXE_DYNAMIC && known == (size_t)len &&
	    memcmp(v->interp, known_loader, known) == 0)
		return kind;
	int ifd = (int)shim_syscall(SYS_openat, AT_FDCWD, v->interp, flags);
	if (ifd < 0 && out_of_room(errno))
		return EXE_STATIC; /* unread: nothing says it loads the shim */
	if (ifd < 0)
		return kind; /* the exec fails, or reads what this process cannot */
	/* depth < INTERP_LEVELS: the level below fits. */
	char *inner_interp = sc->level[depth + 1].interp, *inner_arg = sc->level[depth + 1].arg;
	struct exe_view iv = {.interp = inner_interp, .interp_size = PATH_MAX};
	if (ij) {
		iv.arg = inner_arg;
		iv.arg_size = EXE_SCRIPT_ARG_MAX;
	}
	exe_inspect_in(ifd, &iv, &sc->inspect);
	enum exe_kind inner = iv.kind;
	bool loader = is_the_loader(ifd);
	/* A script named as the interpreter: if the function could write it, it chose what follows. */
	if (kind == EXE_SCRIPT && !loader && inner == EXE_SCRIPT && ij && !ij->active)
		ij->active = interp_writable(ij, v->interp);
	if (kind == EXE_SCRIPT && !loader)
		inner = depth < INTERP_LEVELS - 1
				? started_kind(ifd, &iv, depth + 1, refuse, ij, block, sc)
				: EXE_STATIC;
	shim_syscall(SYS_close, ifd);
	if (kind == EXE_SCRIPT) {
		*refuse |= loader;
		return inner == EXE_STATIC ? EXE_STATIC : kind;
	}
	/* An ELF's interpreter: the loader, or code that never loads the shim. */
	if (strict ? !loader : inner == EXE_STATIC)
		return EXE_STATIC;
	bool unclaimed = false;
	if (loader && (size_t)len < sizeof(known_loader) &&
	    atomic_compare_exchange_strong(&known_loader_claimed, &unclaimed, true)) {
		memcpy(known_loader, v->interp, (size_t)len);
		atomic_store_explicit(&known_loader_len, (size_t)len, memory_order_release);
	}
	return kind;
}

/*
 * What kind of program t is, from its first bytes (open + pread, no
 * allocation). Unread for want of a descriptor, it is taken for static: the
 * exec itself needs none, and nothing says the program loads the shim.
 */
static enum exe_kind exe_kind_of(const struct exec_target *t, bool *refuse, struct interp_judge *ij,
				 bool *block, struct exec_scratch *sc)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		    (t->at_flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0);
	int fd = (int)shim_syscall(SYS_openat, t->dirfd, t->path, flags);
	if (fd < 0)
		return out_of_room(errno) ? EXE_STATIC : EXE_UNKNOWN;
	struct exe_view v = {.interp = sc->level[0].interp, .interp_size = PATH_MAX};
	if (ij) {
		v.arg = sc->level[0].arg;
		v.arg_size = EXE_SCRIPT_ARG_MAX;
	}
	exe_inspect_in(fd, &v, &sc->inspect);
	enum exe_kind kind = started_kind(fd, &v, 0, refuse, ij, block, sc);
	shim_syscall(SYS_close, fd);
	if (ij && ij->scratch)
		munmap(ij->scratch, sizeof(*ij->scratch));
	return kind;
}

bool exec_ops_static_program(const char *path)
{
	struct exec_target t = {.dirfd = AT_FDCWD, .path = path, .fd = -1};
	bool refuse = false, block = false;
	struct exec_scratch *sc = exec_scratch_take();
	/* No memory to look with: nothing says it loads the shim, as exe_kind_of takes it. */
	bool is_static = !sc || exe_kind_of(&t, &refuse, NULL, &block, sc) == EXE_STATIC;
	exec_scratch_give(sc);
	return is_static;
}

/* ---- judging ------------------------------------------------------------ */

/* The profile fragment that would allow this exec. */
static void exec_tip(struct json_line *jl, const struct shim_event *ev)
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

static void check_exec(const char *path, size_t len, char *const argv[], struct policy_verdict *v)
{
	if (!shim.policy) {
		*v = (struct policy_verdict){.allowed = true, .rule = -1};
		return;
	}
	if (policy_check_exec(shim.policy, path, len, argv, v) < 0)
		*v = (struct policy_verdict){.allowed = false, .rule = -1};
}

/* Judges one name of the program and acts on it; returns true to block. */
static bool act_on(const char *op, const char *target, size_t len, char *const argv[],
		   const struct policy_verdict *v, const char *detail)
{
	struct judgement j = {0};
	bool vfork_child = child_env_in_vfork_child();
	/* A NULL argv is an empty one (Linux): so said, and learned, never "any arguments". */
	static char *const no_args[] = {NULL};
	if (!argv)
		argv = no_args;

	j.ev.category = POLICY_CAT_EXEC;
	j.ev.op = op;
	j.ev.target = target;
	j.ev.target_len = len;
	j.ev.detail = detail;
	j.ev.argv = argv;
	j.ev.tip = exec_tip;
	j.verdict = *v;
	/* A vfork child must not reach the learner (locks, malloc): it hands the exec back. */
	j.learn.kind = vfork_child ? LEARN_NONE : LEARN_EXEC;
	j.learn.name = target;
	j.learn.argv = argv;
	bool block = judge_act(&j);
	if (vfork_child && j.ev.action == EVENT_ACTION_LEARNED && shim.record_out[0])
		child_env_learn_exec(target, argv);
	return block;
}

static void report_static_why(const char *op, const char *name, size_t len, char *const argv[],
			      const char *detail)
{
	struct shim_event ev = {
		.type = "coverage",
		.category = POLICY_CAT_EXEC,
		.op = op,
		.target = name,
		.target_len = len,
		.detail = detail,
		.argv = argv,
	};
	event_emit(&ev);
}

static void report_static(const char *op, const char *name, size_t len, char *const argv[])
{
	report_static_why(op, name, len, argv, STATIC_DETAIL);
}

/*
 * ---- handover of static programs to `fnguard exec` (issue 6) ---------------
 *
 * A static program the profile allows (Go, Rust) is not run directly: the
 * exec runs `fnguard exec --profile $FNGUARD_PROFILE --argv0 ARGV0 --
 * PROGRAM ARGS...` instead, whose seccomp supervisor judges the program's
 * file, network and exec calls and logs to the same place. For execve, the
 * exec*() family built on it, posix_spawn(p) (which spawns fnguard with the
 * caller's file actions and attributes), and fexecve and execveat by the
 * name the program was judged by (exec_supervised_by_name()).
 *
 * The CLI: $FNGUARD_CLI, else next to this library (../tools/fnguard in a
 * build tree, ../bin/fnguard or ../../bin/fnguard when installed), found by
 * the first process at start and passed to its descendants in FNGUARD_CLI
 * (exec_ops_cli_start). When this process already has a seccomp filter from the shim
 * (its lockdown refuses seccomp(2), so no supervisor could attach here), the
 * exec runs `fnguard attach --argv0 ARGV0 -- PROGRAM ARGS...`, which has the
 * first process's launcher start fnguard exec (handover.h) and waits for
 * it. Without the CLI, or under the filter without a launcher, the static
 * program runs as before, with a coverage event saying it runs
 * unsupervised. fnguard itself is started without LD_PRELOAD (the shim
 * would judge the supervisor's own work); it puts the value back for the
 * program's children (FNGUARD_EXEC_PRELOAD).
 */
#define HANDOVER_PRELOAD "FNGUARD_EXEC_PRELOAD="
/*
 * The other variables that would steer fnguard's own loader, libc or name
 * resolution (it runs outside the shim, and is what supervises the static
 * program) reach it renamed, and it gives them back to the program:
 * FNGUARD_EXEC_ENV_<entry>. The launcher's path keeps them away otherwise
 * (handover.c). A caller cannot set these names itself: FNGUARD_* is managed.
 */
#define HANDOVER_ENV_PREFIX "FNGUARD_EXEC_ENV_"
static bool steers_fnguard(const char *e)
{
	static const char *const names[] = {
		"GLIBC_TUNABLES=", "HOSTALIASES=", "RES_OPTIONS=", "LOCALDOMAIN=",
		"GCONV_PATH=",	   "LOCPATH=",	   "NLSPATH="};
	if (!strchr(e, '='))
		return false; /* no value: nothing reads it */
	if (strncmp(e, "LD_", 3) == 0 || strncmp(e, "MALLOC_", 7) == 0)
		return strncmp(e, "LD_PRELOAD=", 11) != 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static char fnguard_cli[PATH_MAX] LARGE_BSS;
static __thread bool handover_armed;
static __thread bool handover_attach; /* through the launcher: fnguard attach */

static bool executable_file(const char *path)
{
	return shim_syscall(SYS_faccessat, AT_FDCWD, path, X_OK) == 0;
}

static void find_cli(void)
{
	static const char *const next_to_lib[] = {"../tools/fnguard", "../bin/fnguard",
						  "../../bin/fnguard"};
	const char *env = getenv("FNGUARD_CLI");
	Dl_info info;

	if (env && *env) {
		/* Absolute: a relative name would find another program from another cwd. */
		char abs[PATH_MAX];
		if (real_realpath(env, abs) && strlen(abs) < sizeof(fnguard_cli) &&
		    executable_file(abs))
			strcpy(fnguard_cli, abs);
		return;
	}
	if (!dladdr((void *)find_cli, &info) || !info.dli_fname)
		return;
	const char *slash = strrchr(info.dli_fname, '/');
	if (!slash)
		return;
	for (size_t i = 0; i < sizeof(next_to_lib) / sizeof(next_to_lib[0]); i++) {
		char cand[PATH_MAX];
		int n = snprintf(cand, sizeof(cand), "%.*s/%s", (int)(slash - info.dli_fname),
				 info.dli_fname, next_to_lib[i]);
		if (n > 0 && (size_t)n < sizeof(cand) && executable_file(cand) &&
		    real_realpath(cand, fnguard_cli))
			return;
	}
	fnguard_cli[0] = '\0';
}

const char *exec_ops_cli(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, find_cli);
	return fnguard_cli;
}

void exec_ops_cli_start(bool first)
{
	if (first) {
		const char *cli = exec_ops_cli();
		const char *env = getenv("FNGUARD_CLI");
		if (cli[0] && (!env || strcmp(env, cli) != 0))
			setenv("FNGUARD_CLI", cli, 1);
		return;
	}
	const char *env = getenv("FNGUARD_CLI");
	if (env && *env && strlen(env) < sizeof(fnguard_cli))
		strcpy(fnguard_cli, env);
}

#define LOCKDOWN_WHY                                                                            \
	STATIC_DETAIL "; the shim's seccomp filter refuses seccomp(2) and the first process "   \
		      "started no launcher (its start event says why), so fnguard exec cannot " \
		      "attach: it runs under the inherited syscall filter"
#define LOCKDOWN_LANDLOCK                                                                    \
	LOCKDOWN_WHY " and Landlock (the rights the start event lists), without host rules " \
		     "or events"
#define LOCKDOWN_ONLY LOCKDOWN_WHY " only, without file, network or exec rules"

/*
 * At the static program's judgement (allowed): arms the handover, or says
 * why there is none. Returns true when no coverage event is needed. What
 * it goes by was fixed at start (the profile this process loaded, the
 * environment captured then): the program may have changed its own
 * environment since, to talk its way out of the supervisor.
 */
static bool handover_arm(const char *op, const char *name, size_t len, char *const argv[])
{
	const char *why = NULL;
	if (strncmp(op, "exec", 4) != 0 && strncmp(op, "posix_spawn", 11) != 0 &&
	    strcmp(op, "fexecve") != 0)
		return false;
	child_env_capture();
	if (!fnguard_cli[0])
		why = STATIC_DETAIL "; fnguard exec was not found (set FNGUARD_CLI): it runs "
				    "unsupervised";
	else if (!shim.profile_path[0])
		why = STATIC_DETAIL "; no profile to hand to fnguard exec: it runs unsupervised";
	else if (shim_syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0) == 2 &&
		 child_env_value("FNGUARD_SECCOMP")) {
		if (child_env_value(HANDOVER_ENV))
			handover_attach = true;
		else /* What still holds inside it: the kernel layers it inherits. */
			why = landlock_state.status == LANDLOCK_ACTIVE ? LOCKDOWN_LANDLOCK
								       : LOCKDOWN_ONLY;
	}
	if (why) {
		report_static_why(op, name, len, argv, why);
		return true;
	}
	handover_armed = true;
	return true;
}

/*
 * Judges running t with argv. Returns 0 to let the exec go ahead, or -1
 * with errno set: EACCES when blocked, or the error the exec itself would
 * fail with (enforce mode, denied, not runnable). errno is kept otherwise.
 */
/*
 * The dynamic loader run as a program runs the program its arguments name
 * (after its own options): that program is judged too, as if it were run
 * directly. Returns the index in argv of the program's name, 0 when there
 * is none (ld.so prints its help), or -1 with *why set when the loader is
 * told something that would take the run out of the shim's sight: an audit
 * library (which can drop the shim), an option it does not know here, or a
 * name without '/' (looked up in the library search path, not PATH).
 */
static int loader_program(char *const argv[], const char **why)
{
	static const char *const with_value[] = {
		"--preload",	   "--library-path",	     "--argv0",
		"--inhibit-rpath", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask"};
	static const char *const flags[] = {
		"--inhibit-cache",    "--list", "--verify", "--list-tunables",
		"--list-diagnostics", "--help", "--version"};
	for (int i = 1; argv && argv[i]; i++) {
		const char *a = argv[i];
		bool known = false;
		if (strncmp(a, "--", 2) != 0) {
			if (!strchr(a, '/')) {
				*why = "the loader is asked for a program without '/' in its name: it "
				       "looks for it in the library search path";
				return -1;
			}
			return i;
		}
		if (strcmp(a, "--audit") == 0 || strncmp(a, "--audit=", 8) == 0) {
			*why = "the loader is asked to load an audit library, which can drop the "
			       "shim";
			return -1;
		}
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]) && !known; k++)
			if (strcmp(a, with_value[k]) == 0) {
				known = true;
				if (!argv[++i])
					return 0;
			}
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && !known; k++)
			known = strcmp(a, flags[k]) == 0;
		if (!known) {
			*why = "the loader is given an option fnguard does not know";
			return -1;
		}
	}
	return 0;
}

static int guard_exec_as(const char *op, const struct exec_target *t, char *const argv[],
			 int depth);

/*
 * A program run while the real and effective user (or group) ids differ
 * starts in secure mode (AT_SECURE), even without a set-id bit: the loader
 * then ignores LD_PRELOAD names with a slash and removes the variable, so
 * the shim is not loaded there, nor below it. A process that dropped its
 * effective id (setresuid(0, 65534, 0)) would run its children unwatched.
 */
static bool secure_exec(const struct exec_target *t)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	struct stat st;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return false;
	if (ru != eu || rg != eg)
		return true;
	/*
	 * A set-id program changes the ids itself, unless no_new_privs is set
	 * (the shim's seccomp and Landlock layers set it): in secure mode too.
	 * Asked only of a set-id program, and not where a layer of ours is in
	 * place: a filter that does not list prctl would trap the question.
	 * File capabilities are not looked at (docs/security.md).
	 */
	if (seccomp_state.status == LAYER_ACTIVE || landlock_state.status == LANDLOCK_ACTIVE)
		return false;
	int r = t->fd >= 0 ? (int)shim_syscall(SYS_fstat, t->fd, &st)
			   : stat_at(t->dirfd, t->path, &st, t->at_flags & AT_SYMLINK_NOFOLLOW);
	if (r != 0 || !(((st.st_mode & S_ISUID) && st.st_uid != eu) ||
			((st.st_mode & S_ISGID) && st.st_gid != eg)))
		return false;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1;
}

static int guard_exec(const char *op, const struct exec_target *t, char *const argv[])
{
	return guard_exec_as(op, t, argv, 0);
}

static int guard_exec_as(const char *op, const struct exec_target *t, char *const argv[], int depth)
{
	struct exec_scratch *sc = NULL;
	char *name, *real_name;
	size_t len, real_len;
	struct policy_verdict v;
	int saved = errno, err = 0, program = 0;
	bool real_len_set = false;

	if (t->fd < 0 && !t->path)
		return 0; /* EFAULT from the kernel */
	if (!shim_enter())
		return 0;
	int me = (int)shim_syscall(SYS_getpid);
	if (me != child_env_image_pid())
		shim_busy_child = me;
	bool enforce = shim.action[POLICY_CAT_EXEC] == POLICY_MODE_ENFORCE;
	int cannot = runnable(t);
	sc = exec_scratch_take();
	const char *unnamed = !sc ? "no memory to judge it" : NULL;
	if (sc) {
		name = sc->name;
		real_name = sc->real_name;
		if (target_name(t, name, sizeof(sc->name), &len, sc->base) < 0)
			unnamed = "the path could not be resolved";
	}
	if (unnamed) {
		/* Runnable but cannot be named (cwd gone, too long): refused in enforce. */
		if (cannot) {
			err = enforce ? cannot : 0;
		} else if (shim.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD) {
			struct policy_verdict none = {.allowed = false, .rule = -1};
			const char *raw = t->path;
			if (act_on(op, raw, strlen(raw), argv, &none, unnamed))
				err = EACCES;
		}
		goto out;
	}
	check_exec(name, len, argv, &v);
	if (cannot) {
		/* Nothing will run: no event. Denied ones never reach exec in enforce. */
		if (enforce && !v.allowed)
			err = cannot;
		goto out;
	}
	if (act_on(op, name, len, argv, &v, NULL)) {
		err = EACCES;
		goto out;
	}
	if (target_real(t, name, len, real_name, sizeof(sc->real_name), &real_len)) {
		real_len_set = true;
		check_exec(real_name, real_len, argv, &v);
		if (act_on(op, real_name, real_len, argv, &v, "reached through a symlink")) {
			err = EACCES;
			goto out;
		}
	}
	if (secure_exec(t) && shim.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD) {
		struct policy_verdict none = {.allowed = false, .rule = -1};
		if (act_on(op, name, len, argv, &none,
			   "the program would start in secure mode (real and effective ids "
			   "differ, or it is set-id), where the loader drops the shim")) {
			err = EPERM;
			goto out;
		}
	}
	bool refuse = false, block = false;
	struct interp_judge ij = {.op = op, .argv = argv, .script = name};
	ij.active = script_writable(name, len) ||
		    (real_len_set && script_writable(real_name, real_len));
	enum exe_kind kind = exe_kind_of(t, &refuse, &ij, &block, sc);
	if (block) {
		err = EACCES;
		goto out;
	}
	if (refuse && shim.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD) {
		struct policy_verdict none = {.allowed = false, .rule = -1};
		if (act_on(op, name, len, argv, &none,
			   "a script whose interpreter is the dynamic loader: its options choose "
			   "what runs"))
			err = EACCES;
		goto out;
	}
	if (kind == EXE_STATIC && !handover_arm(op, name, len, argv))
		report_static(op, name, len, argv);
	if (kind == EXE_LOADER && shim.action[POLICY_CAT_EXEC] != POLICY_MODE_RECORD) {
		const char *why = NULL;
		program = depth ? -1 : loader_program(argv, &why);
		if (program < 0) {
			struct policy_verdict none = {.allowed = false, .rule = -1};
			if (act_on(op, name, len, argv, &none,
				   why ? why : "the loader is asked to run the loader"))
				err = EACCES;
			program = 0;
		}
	}
out:
	exec_scratch_give(sc);
	shim_busy_child = 0;
	shim_leave();
	if (!err && program > 0) {
		/* What the loader will run, judged as run directly (its own handover too). */
		struct exec_target inner = {.dirfd = AT_FDCWD, .path = argv[program], .fd = -1};
		errno = saved;
		return guard_exec_as(op, &inner, argv + program, depth + 1);
	}
	errno = err ? err : saved;
	return err ? -1 : 0;
}

/* ---- running it --------------------------------------------------------- */

/* Pointers a rebuilt environment may use: bigger environments fail with E2BIG. */
#define ENV_SLOTS (CHILD_ENV_MAX_ENTRIES + CHILD_ENV_EXTRA)

/* True when envp can be passed on as it is (or the shim is off). */
static bool env_intact(char *const envp[])
{
	if (!shim_on())
		return true;
	child_env_capture();
	return child_env_intact(envp);
}

/*
 * This image is about to be replaced: what it learned and the counts it
 * held back would be lost with it. Not in a vfork child, whose memory is
 * the parent's (the parent reports them).
 */
static void before_exec_image(void)
{
	if (!shim_on() || child_env_in_vfork_child())
		return;
	child_env_drain_learned(false);
	record_write();
	shim_busy++;
	event_flush_suppressed();
	shim_busy--;
}

enum exec_call {
	CALL_EXECVE,
	CALL_EXECVEAT,
	CALL_FEXECVE,
};

static int call_exec(enum exec_call call, int dirfd, const char *path, char *const argv[],
		     char *const env[], int flags)
{
	before_exec_image();
	fd_guard_inheritable();
	switch (call) {
	case CALL_EXECVE:
		if (REAL(execve))
			return REAL(execve)(path, argv, env);
		break;
	case CALL_EXECVEAT:
		if (REAL(execveat))
			return REAL(execveat)(dirfd, path, argv, env, flags);
		break;
	case CALL_FEXECVE:
		if (REAL(fexecve))
			return REAL(fexecve)(dirfd, argv, env);
		break;
	}
	errno = ENOSYS;
	return -1;
}

/*
 * A child's rebuilt environment: its pointers and the text made for it,
 * about 20 KiB. Not on the stack either. No malloc: a vfork child must not
 * take its locks.
 */
struct rebuilt_env {
	char *fixed[ENV_SLOTS];
	char logfd[CHILD_ENV_LOGFD_LEN];
};

/*
 * A thread's exec memory: an exec's judgement, then its rebuilt
 * environment, never both at once. Mapped, and kept per thread and taken
 * again by its next exec: one that succeeds in a vfork child (Python's
 * subprocess) never returns to unmap it, and the child's mappings are its
 * parent's, so a mapping per exec there stayed in the parent for good (24
 * KiB a spawn with an environment of the caller's); a mapping per
 * judgement, unmapped, cost 12 us an exec (the system calls and the pages'
 * first touch). A vfork child reads and writes its parent thread's
 * kept_mem (the same memory): that thread waits meanwhile. Who uses it is
 * a process id: a vfork child's exec that succeeded leaves its own behind,
 * which the thread, resumed, knows for finished; an exec nested in one
 * under way in the same process (a signal handler's) maps its own.
 * Released when the thread ends (kept_mem_key).
 */
union exec_mem {
	struct exec_scratch judge;
	struct rebuilt_env env;
};

static __thread union exec_mem *kept_mem __attribute__((tls_model("initial-exec")));
static __thread pid_t kept_mem_user __attribute__((tls_model("initial-exec")));
static pthread_key_t kept_mem_key;
/*
 * The key is made at the shim's start, never on an exec's way (a handler's
 * exec would wait on pthread_once there), and used only when it sits in
 * the thread's first block of keys, where pthread_setspecific allocates
 * nothing (it runs in a vfork child). Otherwise a thread's mapping outlives
 * it.
 */
static bool kept_mem_keyed;

static void kept_mem_release(void *m)
{
	/* The thread's own, ending: a later key's destructor may still exec. */
	kept_mem = NULL;
	kept_mem_user = 0;
	shim_syscall(SYS_munmap, m, sizeof(union exec_mem));
}

void exec_ops_init(void)
{
	kept_mem_keyed = pthread_key_create(&kept_mem_key, kept_mem_release) == 0 &&
			 kept_mem_key < 32; /* glibc's PTHREAD_KEY_2NDLEVEL_SIZE */
}

/*
 * kept_mem is in use by this image: this process took it, or, in a vfork
 * child, the parent did (a signal handler's vfork during the parent's own
 * exec). Left by a vfork child since gone (its exec succeeded): free.
 */
static bool kept_mem_in_use(pid_t me)
{
	pid_t user = kept_mem_user;
	return user && (user == me || user == (pid_t)shim_syscall(SYS_getppid));
}

static union exec_mem *exec_mem_map(void)
{
	void *m = (void *)shim_syscall(SYS_mmap, NULL, sizeof(union exec_mem),
				       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

/* The thread's kept exec memory, or a mapping of its own when that is in use; NULL: none. */
static union exec_mem *exec_mem_take(void)
{
	pid_t me = (pid_t)shim_syscall(SYS_getpid);
	if (kept_mem_in_use(me))
		return exec_mem_map();
	if (!kept_mem) {
		kept_mem = exec_mem_map();
		if (kept_mem && kept_mem_keyed)
			pthread_setspecific(kept_mem_key, kept_mem);
	}
	if (kept_mem)
		kept_mem_user = me;
	return kept_mem;
}

static void exec_mem_give(union exec_mem *m)
{
	if (m == kept_mem) {
		kept_mem_user = 0;
		return;
	}
	int saved = errno;
	shim_syscall(SYS_munmap, m, sizeof(*m));
	errno = saved;
}

static struct rebuilt_env *rebuilt_env(char *const envp[])
{
	union exec_mem *m = exec_mem_take();
	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	struct rebuilt_env *e = &m->env;
	if (child_env_build(envp, e->fixed, ENV_SLOTS, e->logfd) < 0) {
		exec_mem_give(m);
		errno = E2BIG;
		return NULL;
	}
	return e;
}

static void rebuilt_env_free(struct rebuilt_env *e)
{
	exec_mem_give((union exec_mem *)e);
}

/* Kept out of run_exec so that the common case (nothing to put back) costs nothing. */
__attribute__((noinline)) static int call_exec_rebuilt(enum exec_call call, int dirfd,
						       const char *path, char *const argv[],
						       char *const envp[], int flags)
{
	struct rebuilt_env *e = rebuilt_env(envp);
	if (!e)
		return -1;
	int r = call_exec(call, dirfd, path, argv, e->fixed, flags);
	rebuilt_env_free(e);
	return r;
}

/* The real exec with the child's environment. Returns only on failure (-1, errno). */
static int run_exec(enum exec_call call, int dirfd, const char *path, char *const argv[],
		    char *const envp[], int flags)
{
	if (env_intact(envp))
		return call_exec(call, dirfd, path, argv, envp, flags);
	return call_exec_rebuilt(call, dirfd, path, argv, envp, flags);
}

/* The command line and environment that run a program under fnguard (handover_arm). */
struct supervised {
	char *argv[EXEC_ARGS_MAX];
	char *env[ENV_SLOTS + 1];
	char *fixed[ENV_SLOTS];
	char logfd[CHILD_ENV_LOGFD_LEN];
	char preload[PATH_MAX * 2];
	char renamed[16384]; /* HANDOVER_ENV_PREFIX entries */
};

#define SUPERVISED_FAILED STATIC_DETAIL "; fnguard exec could not be started"
#define SUPERVISED_TOO_BIG                                                              \
	STATIC_DETAIL "; its arguments and environment exceed what one request to the " \
		      "launcher carries (128 KiB)"
#define RUNS_UNSUPERVISED  ": it runs unsupervised"
#define REFUSED_SUPERVISED ": refused, as enforce mode never runs it without the supervisor"

/*
 * `fnguard attach` (under the shim's filter) or `fnguard exec` for path
 * with argv and envp, started without LD_PRELOAD (FNGUARD_EXEC_PRELOAD
 * carries it to the program's children). Disarms the handover. Returns
 * NULL, or the coverage detail saying why it cannot be done.
 */
static const char *supervised_build(struct supervised *sv, const char *path, char *const argv[],
				    char *const envp[])
{
	size_t argc = 0, n = 0, k = 0;
	bool attach = handover_attach;

	handover_armed = handover_attach = false;
	while (argv && argv[argc])
		argc++;
	if (argc + 9 > EXEC_ARGS_MAX || child_env_build(envp, sv->fixed, ENV_SLOTS, sv->logfd) < 0)
		return SUPERVISED_TOO_BIG;
	sv->argv[n++] = fnguard_cli;
	if (attach) {
		sv->argv[n++] = (char *)"attach";
	} else {
		sv->argv[n++] = (char *)"exec";
		sv->argv[n++] = (char *)"--profile";
		sv->argv[n++] = shim.profile_path;
	}
	sv->argv[n++] = (char *)"--argv0";
	sv->argv[n++] = argc ? argv[0] : (char *)path;
	sv->argv[n++] = (char *)"--";
	sv->argv[n++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		sv->argv[n++] = argv[i];
	sv->argv[n] = NULL;
	size_t used = 0;
	for (size_t i = 0; sv->fixed[i]; i++) {
		if (steers_fnguard(sv->fixed[i])) {
			size_t elen = strlen(sv->fixed[i]) + 1;
			size_t plen = sizeof(HANDOVER_ENV_PREFIX) - 1;
			if (used + plen + elen > sizeof(sv->renamed))
				return SUPERVISED_TOO_BIG;
			memcpy(sv->renamed + used, HANDOVER_ENV_PREFIX, plen);
			memcpy(sv->renamed + used + plen, sv->fixed[i], elen);
			sv->env[k++] = sv->renamed + used;
			used += plen + elen;
			continue;
		}
		if (strncmp(sv->fixed[i], "LD_PRELOAD=", 11) != 0) {
			sv->env[k++] = sv->fixed[i];
			continue;
		}
		size_t len = strlen(sv->fixed[i] + 11);
		if (len + sizeof(HANDOVER_PRELOAD) > sizeof(sv->preload))
			return SUPERVISED_TOO_BIG;
		memcpy(sv->preload, HANDOVER_PRELOAD, sizeof(HANDOVER_PRELOAD) - 1);
		memcpy(sv->preload + sizeof(HANDOVER_PRELOAD) - 1, sv->fixed[i] + 11, len + 1);
		sv->env[k++] = sv->preload;
	}
	sv->env[k] = NULL;
	if (attach) {
		/* What fnguard attach will send: better said here than refused after the exec. */
		size_t bytes = strlen(path) + 1;
		for (size_t i = 0; i < argc; i++)
			bytes += strlen(argv[i]) + 1;
		for (size_t i = 0; i < k; i++)
			bytes += strlen(sv->env[i]) + 1;
		if (bytes > HANDOVER_STRINGS_MAX)
			return SUPERVISED_TOO_BIG;
	}
	return NULL;
}

/*
 * A handover that could not be done (why: SUPERVISED_*): in enforce mode the
 * program is not run (returns err), else it runs unsupervised (returns 0).
 * Either way said in a coverage event. Async-signal-safe.
 */
static int not_supervised(const char *op, const char *path, char *const argv[], const char *why,
			  int err)
{
	char detail[256];
	bool enforce = shim.action[POLICY_CAT_EXEC] == POLICY_MODE_ENFORCE;
	const char *tail = enforce ? REFUSED_SUPERVISED : RUNS_UNSUPERVISED;
	size_t a = strlen(why), b = strlen(tail);

	if (a + b >= sizeof(detail))
		a = sizeof(detail) - b - 1;
	memcpy(detail, why, a);
	memcpy(detail + a, tail, b + 1);
	report_static_why(op, path, strlen(path), argv, detail);
	return enforce ? (err ? err : EACCES) : 0;
}

/*
 * Runs path under fnguard (see handover_arm). Returns only when that could
 * not be done: 0 when the caller may run path itself (reported as
 * unsupervised), or -1 with errno set (enforce mode: refused).
 */
__attribute__((noinline)) static int exec_supervised(const char *op, const char *path,
						     char *const argv[], char *const envp[])
{
	struct supervised sv;
	const char *why = supervised_build(&sv, path, argv, envp);
	int err = E2BIG;
	if (!why) {
		call_exec(CALL_EXECVE, AT_FDCWD, fnguard_cli, sv.argv, sv.env, 0);
		why = SUPERVISED_FAILED;
		err = errno;
	}
	err = not_supervised(op, path, argv, why, err);
	if (!err)
		return 0;
	errno = err;
	return -1;
}

/*
 * fexecve and execveat name the program by descriptor: it is handed over by
 * the name it was judged by, when that name is still the same file (a memfd
 * or a deleted file has none to give: refused in enforce, as any static
 * program fnguard exec cannot take; elsewhere it runs unsupervised, said in
 * a coverage event). Returns only when the program was not handed over, as
 * exec_supervised().
 */
static int exec_supervised_by_name(const char *op, const struct exec_target *t, int dirfd,
				   const char *path, int flags, char *const argv[],
				   char *const envp[])
{
	char name[PATH_MAX], base[PATH_MAX];
	struct stat named, target;
	size_t len;
	int at = flags & (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	/* The name it was judged by, found again (rare enough not to keep it around). */
	if (target_name(t, name, sizeof(name), &len, base) < 0)
		name[0] = '\0';
	/* Raw: the stat wrappers would judge these lookups as the program's own. */
	if (name[0] == '/' && shim_syscall(SYS_newfstatat, AT_FDCWD, name, &named, 0) == 0 &&
	    shim_syscall(SYS_newfstatat, dirfd, path, &target, at) == 0 &&
	    named.st_dev == target.st_dev && named.st_ino == target.st_ino)
		return exec_supervised(op, name, argv, envp);
	handover_armed = handover_attach = false;
	int err = not_supervised(op, name, argv,
				 STATIC_DETAIL "; run by descriptor from a file no name reaches (a "
					       "memfd, a deleted or replaced file)",
				 0);
	if (!err)
		return 0;
	errno = err;
	return -1;
}

/*
 * posix_spawn's handover: spawns fnguard instead, with the caller's file
 * actions and attributes (they shape the process fnguard hands over).
 * Returns 0 when fnguard was spawned, -1 when it could not be and the
 * caller may spawn path itself (reported as unsupervised), or an error
 * number (enforce mode: refused).
 */
__attribute__((noinline)) static int spawn_supervised(const char *op, pid_t *pid, const char *path,
						      const posix_spawn_file_actions_t *fa,
						      const posix_spawnattr_t *attr,
						      char *const argv[], char *const envp[])
{
	struct supervised sv;
	const char *why = supervised_build(&sv, path, argv, envp);
	int err = why ? E2BIG : ENOSYS;
	if (!why && REAL(posix_spawn)) {
		fd_guard_inheritable();
		err = REAL(posix_spawn)(pid, fnguard_cli, fa, attr, sv.argv, sv.env);
		if (err == 0)
			return 0;
	}
	err = not_supervised(op, path, argv, why ? why : SUPERVISED_FAILED, err);
	return err ? err : -1;
}

static int exec_path(const char *op, const char *path, char *const argv[], char *const envp[])
{
	struct exec_target t = {.dirfd = AT_FDCWD, .path = path, .fd = -1};
	if (guard_exec(op, &t, argv) < 0)
		return -1;
	if (handover_armed && exec_supervised(op, path, argv, envp) < 0)
		return -1;
	return run_exec(CALL_EXECVE, AT_FDCWD, path, argv, envp, 0);
}

/*
 * The shell that reads a file without "#!" for execvp, judged as the
 * interpreter of a "#!" line is (judge_interp): where the function could
 * have written the file, with the file's absolute name as its argument.
 */
static int guard_script_shell(const char *op, const char *file, char **sh_argv)
{
	char name[PATH_MAX], base[PATH_MAX];
	size_t len;
	int saved = errno, err = 0;
	struct exec_target t = {.dirfd = AT_FDCWD, .path = file, .fd = -1};

	if (!shim_enter())
		return 0;
	if (target_name(&t, name, sizeof(name), &len, base) == 0 && script_writable(name, len)) {
		struct policy_verdict v;
		sh_argv[1] = name;
		check_exec(SHELL_PATH, strlen(SHELL_PATH), sh_argv, &v);
		if (act_on(op, SHELL_PATH, strlen(SHELL_PATH), sh_argv, &v,
			   "the shell that reads a program without #!"))
			err = EACCES;
		sh_argv[1] = (char *)file;
	}
	shim_leave();
	errno = err ? err : saved;
	return err ? -1 : 0;
}

/*
 * execvp's answer to ENOEXEC (a file without "#!"): /bin/sh reads it. The
 * file was judged as the program, as the kernel's #! would have it, and
 * the shell as its interpreter.
 */
__attribute__((noinline)) static int exec_script(const char *op, const char *file,
						 char *const argv[], char *const envp[])
{
	char *sh_argv[EXEC_ARGS_MAX];
	size_t argc = 0;
	while (argv && argv[argc])
		argc++;
	if (argc + 2 > EXEC_ARGS_MAX) {
		errno = E2BIG;
		return -1;
	}
	size_t n = 0;
	sh_argv[n++] = (char *)SHELL_PATH;
	sh_argv[n++] = (char *)file;
	for (size_t i = 1; i < argc; i++)
		sh_argv[n++] = argv[i];
	sh_argv[n] = NULL;
	if (guard_script_shell(op, file, sh_argv) < 0)
		return -1;
	return run_exec(CALL_EXECVE, AT_FDCWD, SHELL_PATH, sh_argv, envp, 0);
}

/* The errors after which execvp goes on to the next PATH entry (glibc's list). */
static bool search_goes_on(int err, bool *eacces)
{
	switch (err) {
	case EACCES:
		*eacces = true;
		return true;
	case ENOENT:
	case ESTALE:
	case ENOTDIR:
	case ENODEV:
	case ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

/* One PATH candidate: the result of the attempt, or "go on". */
typedef bool (*try_fn)(const char *candidate, void *ctx, bool *eacces);

/*
 * The PATH search as glibc's execvp does it: PATH from this process's
 * environment (not the one passed on), "/bin:/usr/bin" when unset, an empty
 * entry meaning the current directory, the first candidate the kernel would
 * run. try() is called for each runnable candidate and returns true when the
 * search is over. Returns -1 (errno) when it ran out of candidates.
 */
static int path_search(const char *file, try_fn try, void *ctx)
{
	char candidate[PATH_MAX];
	bool eacces = false;
	int last = ENOENT; /* as glibc: the last failure that let the search go on */
	const char *path = env_lookup("PATH");
	size_t flen = strnlen(file, NAME_MAX + 1);

	if (flen > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		if (dlen + 1 + flen < sizeof(candidate)) {
			memcpy(candidate, p, dlen);
			if (dlen)
				candidate[dlen++] = '/';
			memcpy(candidate + dlen, file, flen + 1);
			struct exec_target t = {.dirfd = AT_FDCWD, .path = candidate, .fd = -1};
			int cannot = runnable(&t);
			if (!cannot) {
				if (try(candidate, ctx, &eacces))
					return -1;
				last = errno;
			} else if (!search_goes_on(cannot, &eacces)) {
				errno = cannot;
				return -1;
			} else {
				last = cannot;
			}
		}
		if (!*end)
			break;
		p = end;
	}
	errno = eacces ? EACCES : last;
	return -1;
}

struct exec_search {
	const char *op;
	char *const *argv;
	char *const *envp;
};

static bool try_exec(const char *candidate, void *ctx, bool *eacces)
{
	const struct exec_search *s = ctx;
	struct exec_target t = {.dirfd = AT_FDCWD, .path = candidate, .fd = -1};
	if (guard_exec(s->op, &t, s->argv) < 0)
		return true;
	if (handover_armed && exec_supervised(s->op, candidate, s->argv, s->envp) < 0)
		return true;
	run_exec(CALL_EXECVE, AT_FDCWD, candidate, s->argv, s->envp, 0);
	int err = errno;
	if (err == ENOEXEC) {
		exec_script(s->op, candidate, s->argv, s->envp);
		return true;
	}
	errno = err;
	return !search_goes_on(err, eacces);
}

static int exec_search(const char *op, const char *file, char *const argv[], char *const envp[])
{
	if (!file) {
		errno = EFAULT;
		return -1;
	}
	if (!*file) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/')) {
		exec_path(op, file, argv, envp);
		if (errno == ENOEXEC)
			exec_script(op, file, argv, envp);
		return -1;
	}
	struct exec_search s = {.op = op, .argv = argv, .envp = envp};
	return path_search(file, try_exec, &s);
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_path("execve", path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	return exec_path("execv", path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_search("execvpe", file, argv, envp);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	return exec_search("execvp", file, argv, environ);
}

/*
 * Collects execl's arguments (arg0 ... NULL) into argv[max]. Returns 0, or
 * -E2BIG when there are more than fit.
 */
static int collect_args(const char *arg0, va_list *ap, char **argv, size_t max)
{
	size_t n = 0;
	argv[n++] = (char *)arg0;
	while (argv[n - 1]) {
		if (n == max)
			return -E2BIG;
		argv[n++] = va_arg(*ap, char *);
	}
	return 0;
}

EXPORT int execl(const char *path, const char *arg, ...)
{
	char *argv[EXEC_ARGS_MAX];
	va_list ap;
	va_start(ap, arg);
	int r = collect_args(arg, &ap, argv, EXEC_ARGS_MAX);
	va_end(ap);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return exec_path("execl", path, argv, environ);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	char *argv[EXEC_ARGS_MAX];
	va_list ap;
	va_start(ap, arg);
	int r = collect_args(arg, &ap, argv, EXEC_ARGS_MAX);
	va_end(ap);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return exec_search("execlp", file, argv, environ);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char *argv[EXEC_ARGS_MAX];
	va_list ap;
	va_start(ap, arg);
	int r = collect_args(arg, &ap, argv, EXEC_ARGS_MAX);
	char *const *envp = r == 0 ? va_arg(ap, char *const *) : NULL;
	va_end(ap);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return exec_path("execle", path, argv, envp);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char proc[32];
	fd_path(fd, proc);
	struct exec_target t = {.dirfd = AT_FDCWD, .path = proc, .fd = fd};
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (guard_exec("fexecve", &t, argv) < 0)
		return -1;
	if (handover_armed &&
	    exec_supervised_by_name("fexecve", &t, fd, "", AT_EMPTY_PATH, argv, envp) < 0)
		return -1;
	return run_exec(CALL_FEXECVE, fd, NULL, argv, envp, 0);
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	char proc[32];
	struct exec_target t = {.dirfd = dirfd, .path = path, .fd = -1};
	if (path && !path[0] && (flags & AT_EMPTY_PATH)) {
		if (dirfd == AT_FDCWD) {
			t.path = "."; /* the working directory itself: exec refuses it */
		} else {
			fd_path(dirfd, proc);
			t = (struct exec_target){.dirfd = AT_FDCWD, .path = proc, .fd = dirfd};
		}
	} else {
		t.at_flags = flags & AT_SYMLINK_NOFOLLOW;
	}
	if (guard_exec("execveat", &t, argv) < 0)
		return -1;
	if (handover_armed &&
	    exec_supervised_by_name("execveat", &t, dirfd, path ? path : "", flags, argv, envp) < 0)
		return -1;
	return run_exec(CALL_EXECVEAT, dirfd, path, argv, envp, flags);
}

/* ---- spawning ------------------------------------------------------------ */

/* REAL(posix_spawn) with the child's environment; returns its error number. */
__attribute__((noinline)) static int spawn_rebuilt(pid_t *pid, const char *path,
						   const posix_spawn_file_actions_t *fa,
						   const posix_spawnattr_t *attr,
						   char *const argv[], char *const envp[])
{
	struct rebuilt_env *e = rebuilt_env(envp);
	if (!e)
		return errno;
	fd_guard_inheritable();
	int r = REAL(posix_spawn)(pid, path, fa, attr, argv, e->fixed);
	rebuilt_env_free(e);
	return r;
}

static int spawn_with_env(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (!REAL(posix_spawn))
		return ENOSYS;
	if (env_intact(envp)) {
		fd_guard_inheritable();
		return REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
	}
	return spawn_rebuilt(pid, path, fa, attr, argv, envp);
}

/*
 * posix_spawn's file actions may change directory before its exec, where a
 * relative name names another file than the one judged here: the program
 * is named absolutely, against this directory, for both the judgement and
 * the spawn. Returns path, or buf holding it made absolute.
 */
static const char *spawn_name(const char *path, char buf[PATH_MAX])
{
	if (!path || path[0] == '/' || !path[0] || !getcwd(buf, PATH_MAX))
		return path;
	size_t n = strlen(buf), m = strlen(path);
	if (n + 1 + m >= PATH_MAX)
		return path;
	buf[n] = '/';
	memcpy(buf + n + 1, path, m + 1);
	return buf;
}

/*
 * glibc's posix_spawn child resets every handled signal to its default
 * before it acts on the attributes, SIGSYS included: a call the filter
 * traps there kills the child without an event (the parent sees it dead of
 * SIGSYS). The calls the attributes ask for are judged here instead, and
 * one the profile's "syscalls" leave out fails the spawn with EPERM.
 * Returns 0 or EPERM.
 */
static int spawn_attr_refused(const posix_spawnattr_t *attr)
{
	static const struct {
		short flag;
		const char *calls[2];
	} asks[] = {
		{POSIX_SPAWN_RESETIDS, {"setresuid", "setresgid"}},
		{POSIX_SPAWN_SETSID, {"setsid"}},
		{POSIX_SPAWN_SETPGROUP, {"setpgid"}},
		{POSIX_SPAWN_SETSCHEDPARAM, {"sched_setparam"}},
		{POSIX_SPAWN_SETSCHEDULER, {"sched_setscheduler"}},
	};
	short flags = 0;

	if (!attr || !shim_on() || posix_spawnattr_getflags(attr, &flags) != 0 || !flags)
		return 0;
	/* With both, glibc sets the policy and its parameters in one call. */
	if (flags & POSIX_SPAWN_SETSCHEDULER)
		flags &= ~POSIX_SPAWN_SETSCHEDPARAM;
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		if (!(flags & asks[i].flag))
			continue;
		for (size_t k = 0; k < 2 && asks[i].calls[k]; k++)
			if (seccomp_layer_refuses_ahead(
				    asks[i].calls[k],
				    "posix_spawn's child would make it before its exec, where a "
				    "trap kills it (glibc resets SIGSYS there): the spawn is refused")) {
				/* Judged allowed just before: not handed over now either. */
				handover_armed = handover_attach = false;
				return EPERM;
			}
	}
	return 0;
}

/* Learned execs left by vfork children go to the learner (parent, normal context). */
static void drain_children(void)
{
	if (shim_on())
		child_env_drain_learned(false);
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char abs[PATH_MAX];
	int saved = errno;
	path = spawn_name(path, abs);
	struct exec_target t = {.dirfd = AT_FDCWD, .path = path, .fd = -1};
	drain_children();
	if (guard_exec("posix_spawn", &t, argv) < 0) {
		int err = errno;
		errno = saved;
		return err;
	}
	if (spawn_attr_refused(attr))
		return EPERM;
	int r = handover_armed ? spawn_supervised("posix_spawn", pid, path, fa, attr, argv, envp)
			       : -1;
	if (r >= 0)
		return r;
	return spawn_with_env(pid, path, fa, attr, argv, envp);
}

struct spawn_search {
	pid_t *pid;
	const posix_spawn_file_actions_t *fa;
	const posix_spawnattr_t *attr;
	char *const *argv;
	char *const *envp;
	int result;
	bool done; /* a candidate settled it: result is the answer */
};

static bool try_spawn(const char *candidate, void *ctx, bool *eacces)
{
	struct spawn_search *s = ctx;
	char abs[PATH_MAX];
	candidate = spawn_name(candidate, abs); /* a relative PATH entry */
	struct exec_target t = {.dirfd = AT_FDCWD, .path = candidate, .fd = -1};
	if (guard_exec("posix_spawnp", &t, s->argv) < 0) {
		s->result = errno;
		s->done = true;
		return true;
	}
	if (spawn_attr_refused(s->attr)) {
		s->result = EPERM;
		s->done = true;
		return true;
	}
	int r = handover_armed ? spawn_supervised("posix_spawnp", s->pid, candidate, s->fa, s->attr,
						  s->argv, s->envp)
			       : -1;
	if (r >= 0) {
		s->result = r;
		s->done = true;
		return true;
	}
	s->result = spawn_with_env(s->pid, candidate, s->fa, s->attr, s->argv, s->envp);
	s->done = s->result == 0 || !search_goes_on(s->result, eacces);
	if (!s->done)
		errno = s->result; /* the search's last failure so far */
	return s->done;
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct spawn_search s = {pid, fa, attr, argv, envp, 0, false};
	int saved = errno;

	drain_children();
	if (!file || !*file)
		return file ? ENOENT : EFAULT;
	if (strchr(file, '/')) {
		char abs[PATH_MAX];
		file = spawn_name(file, abs);
		struct exec_target t = {.dirfd = AT_FDCWD, .path = file, .fd = -1};
		if (guard_exec("posix_spawnp", &t, argv) < 0) {
			int err = errno;
			errno = saved;
			return err;
		}
		if (spawn_attr_refused(attr))
			return EPERM;
		int r = handover_armed
				? spawn_supervised("posix_spawnp", pid, file, fa, attr, argv, envp)
				: -1;
		if (r >= 0)
			return r;
		return spawn_with_env(pid, file, fa, attr, argv, envp);
	}
	path_search(file, try_spawn, &s);
	int err = s.done ? s.result : errno;
	errno = saved;
	return err;
}

/*
 * The shell of system(), popen() and wordexp(): judged. repair: glibc will
 * spawn it with the process's own environment (wordexp, or libc's system
 * and popen when the shim's cannot run), which gets the managed variables
 * back; the shim's own spawns build the child's environment instead and
 * leave the program's alone.
 */
static int guard_shell(const char *op, const char *cmd, bool repair)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
	struct exec_target t = {.dirfd = AT_FDCWD, .path = SHELL_PATH, .fd = -1};

	drain_children();
	if (guard_exec(op, &t, argv) < 0)
		return -1;
	if (!shim_on() || !repair)
		return 0;
	int saved = errno;
	child_env_capture();
	shim_busy++;
	int r = child_env_repair_environ();
	shim_busy--;
	if (r < 0) {
		errno = -r;
		return -1;
	}
	errno = saved;
	return 0;
}

/* glibc's system(): SIGINT and SIGQUIT ignored while any call runs. */
static pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
static int system_calls;
static struct sigaction system_intr, system_quit;

struct system_call {
	sigset_t omask;
	pid_t pid; /* the shell while it is waited for; 0 once reaped */
};

/*
 * After the wait, or when the thread is cancelled in it: as glibc does, a
 * cancelled system() kills its shell and reaps it, leaving no child behind.
 */
static void system_restore(void *arg)
{
	struct system_call *c = arg;
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_lock(&system_lock);
	if (--system_calls == 0) {
		sigaction(SIGINT, &system_intr, NULL);
		sigaction(SIGQUIT, &system_quit, NULL);
	}
	pthread_mutex_unlock(&system_lock);
	sigprocmask(SIG_SETMASK, &c->omask, NULL);
}

/*
 * What glibc's system() does, but the shell gets the environment the shim
 * builds (child_env.h), not the live environ: glibc reads that after the
 * shim's check, and another thread may have taken LD_PRELOAD out of it in
 * between (plain Python did, 215 times in 3 s).
 */
static int run_system(const char *cmd)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigset_t block, reset;
	struct system_call c = {.pid = 0};
	posix_spawnattr_t attr;
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
	pid_t pid = 0;
	int status = -1;

	sigemptyset(&ign.sa_mask);
	pthread_mutex_lock(&system_lock);
	if (system_calls++ == 0) {
		sigaction(SIGINT, &ign, &system_intr);
		sigaction(SIGQUIT, &ign, &system_quit);
	}
	pthread_mutex_unlock(&system_lock);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &c.omask);

	sigemptyset(&reset);
	if (system_intr.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGINT);
	if (system_quit.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGQUIT);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &c.omask);
	posix_spawnattr_setsigdefault(&attr, &reset);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	int err = spawn_rebuilt(&pid, SHELL_PATH, NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);

	int saved = 0;
	pthread_cleanup_push(system_restore, &c);
	if (err == 0) {
		pid_t w;
		c.pid = pid;
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);
		c.pid = 0;
		if (w != pid)
			status = -1;
	} else {
		status = W_EXITCODE(127, 0);
	}
	saved = errno;
	pthread_cleanup_pop(1);
	errno = err ? err : saved;
	return status;
}

/*
 * A blocked system() reports what glibc reports when the shell cannot be
 * started: the status of a shell that exited with 127, errno set (EACCES).
 * system(NULL) asks whether a shell is available: glibc answers by running
 * "exit 0", judged as such; blocked means "no".
 */
static int system_judged(const char *cmd)
{
	if (guard_shell("system", cmd ? cmd : "exit 0", !shim_on() || !REAL(posix_spawn)) < 0)
		return cmd ? W_EXITCODE(127, 0) : 0;
	if (!shim_on() || !REAL(posix_spawn))
		return REAL(system)(cmd);
	if (!cmd)
		return run_system("exit 0") == 0;
	return run_system(cmd);
}

/*
 * A command substitution in wordexp's words ("$(...)" or "`...`", not the
 * arithmetic "$((...))") runs "/bin/sh -c" through glibc's own spawn, past
 * the exec wrappers: judged as system() of the words would be (their whole
 * text standing for the command, which a profile's sh argv rules then
 * match), and refused with WRDE_CMDSUB.
 */
/*
 * "$((" is arithmetic only when, as glibc decides, the first ")" at its own
 * depth is followed by another: "$((cmd) )" runs the subshell "(cmd) ".
 * Commands inside arithmetic ("$(( $(cmd) ))") are found at their own "$(".
 */
static bool arithmetic(const char *p)
{
	int depth = 0;
	const char *q = p + 3;
	while (*q && !(depth == 0 && *q == ')')) {
		if (*q == '(')
			depth++;
		else if (*q == ')')
			depth--;
		q++;
	}
	return q[0] == ')' && q[1] == ')';
}

static bool runs_commands(const char *words)
{
	for (const char *p = words; *p; p++)
		if (*p == '`' || (p[0] == '$' && p[1] == '(' && (p[2] != '(' || !arithmetic(p))))
			return true;
	return false;
}

/*
 * glibc's wordexp spawns its shell with the process's environment as it is
 * then, past the exec wrappers: guard_shell puts the managed variables back
 * in it, and env_lock keeps libc's environment calls of other threads
 * (setenv, unsetenv, putenv, clearenv: os.putenv, process.env) from taking
 * them out again before the shell starts. Recursive: guard_shell's repair
 * calls them itself.
 */
static pthread_mutex_t env_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/*
 * The lock is held while wordexp runs its commands, which may wait on the
 * very thread that wants to change the environment: that thread waits at
 * most ENV_WAIT_MS, then goes on without it (a substitution started later
 * than that in the same call may meet the change).
 */
#define ENV_WAIT_MS 200

static bool env_lock_take(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += ENV_WAIT_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	return pthread_mutex_timedlock(&env_lock, &until) == 0;
}

/*
 * wordexp holds the lock while its commands run: a thread cancelled there,
 * or whose signal handler jumps out (jump_ops.h), lets it go. env_held
 * counts this thread's holds of it there.
 */
static __thread int env_held;

static void env_lock_give(void *unused)
{
	(void)unused;
	env_held--;
	pthread_mutex_unlock(&env_lock);
}

void exec_ops_jumped_out(void)
{
	while (env_held > 0)
		env_lock_give(NULL);
}

void exec_ops_after_fork_child(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&env_lock, &a);
	pthread_mutexattr_destroy(&a);
}

/* libc's call, made under env_lock (its errno kept). */
#define ENV_LOCKED(fn, ...)                                             \
	({                                                              \
		__typeof__(real.fn) fn_ = REAL(fn);                     \
		bool locked_ = env_lock_take();                         \
		int r_ = fn_ ? fn_(__VA_ARGS__) : (errno = ENOSYS, -1); \
		int saved_ = errno;                                     \
		if (locked_)                                            \
			pthread_mutex_unlock(&env_lock);                \
		errno = saved_;                                         \
		r_;                                                     \
	})

EXPORT int setenv(const char *name, const char *value, int overwrite)
{
	return ENV_LOCKED(setenv, name, value, overwrite);
}

EXPORT int unsetenv(const char *name)
{
	return ENV_LOCKED(unsetenv, name);
}

EXPORT int putenv(char *string)
{
	return ENV_LOCKED(putenv, string);
}

EXPORT int clearenv(void)
{
	int (*fn)(void) = REAL(clearenv);
	bool locked = env_lock_take();
	int r = fn ? fn() : (errno = ENOSYS, -1);
	int saved = errno;
	if (locked)
		pthread_mutex_unlock(&env_lock);
	errno = saved;
	return r;
}

EXPORT int wordexp(const char *words, wordexp_t *we, int flags)
{
	if (!REAL(wordexp))
		return WRDE_NOSPACE;
	if (!words || (flags & WRDE_NOCMD))
		return REAL(wordexp)(words, we, flags);
	/* What is judged is what runs: another thread may rewrite words meanwhile. */
	char *copy = strdup(words);
	if (!copy)
		return WRDE_NOSPACE;
	int r = WRDE_CMDSUB;
	pthread_cleanup_push(free, copy);
	if (!runs_commands(copy)) {
		r = REAL(wordexp)(copy, we, flags);
	} else {
		pthread_mutex_lock(&env_lock);
		env_held++;
		pthread_cleanup_push(env_lock_give, NULL);
		if (guard_shell("wordexp", copy, true) == 0) {
			fd_guard_inheritable();
			r = REAL(wordexp)(copy, we, flags);
		}
		pthread_cleanup_pop(1);
	}
	pthread_cleanup_pop(1);
	return r;
}

EXPORT int system(const char *cmd)
{
	if (!REAL(system)) {
		errno = ENOSYS;
		return -1;
	}
	/* What is judged is what runs: another thread may rewrite cmd meanwhile. */
	char *copy = cmd ? strdup(cmd) : NULL;
	if (cmd && !copy)
		return -1;
	int r = system_judged(copy);
	int saved = errno;
	free(copy);
	errno = saved;
	return r;
}

/* libc's (GLIBC_PRIVATE) other name for system. */
int __libc_system(const char *cmd);
EXPORT extern __typeof(system) __libc_system __attribute__((alias("system")));

/* glibc's popen modes: one of r and w, optionally e. */
static bool popen_mode_valid(const char *mode)
{
	bool r = false, w = false;
	for (const char *m = mode; m && *m; m++) {
		if (*m == 'r')
			r = true;
		else if (*m == 'w')
			w = true;
		else if (*m != 'e')
			return false;
	}
	return r != w;
}

/*
 * The streams the shim's popen made and their shells, for pclose (and
 * fclose, which waits for a popen stream's shell in glibc too). glibc keeps
 * its own list for its own popen, which the shim does not use: it reads the
 * live environ, which another thread may have just taken LD_PRELOAD out of.
 */
struct popen_child {
	FILE *f;
	pid_t pid;
	int fd; /* the parent's end, closed in every later popen's shell */
	struct popen_child *next;
};

static pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t popen_atfork_once = PTHREAD_ONCE_INIT;
static struct popen_child *popen_children;
static atomic_int n_popen; /* fclose's quick way out */

/*
 * A fork while another thread held the lock: the child's copy is free
 * again. The list is consistent at every store (one pointer each), so it
 * is not locked around fork, which a fork from a signal handler that
 * interrupted popen or pclose would wait on forever.
 */
static void popen_child(void)
{
	pthread_mutex_init(&popen_lock, NULL);
}

static void popen_atfork(void)
{
	pthread_atfork(NULL, NULL, popen_child);
}

/* Takes f's entry out of the list; NULL when f is no stream of the shim's popen. */
static struct popen_child *popen_take(FILE *f)
{
	struct popen_child *found = NULL;

	pthread_mutex_lock(&popen_lock);
	for (struct popen_child **p = &popen_children; *p; p = &(*p)->next) {
		if ((*p)->f == f) {
			found = *p;
			*p = found->next;
			atomic_fetch_sub(&n_popen, 1);
			break;
		}
	}
	pthread_mutex_unlock(&popen_lock);
	return found;
}

/*
 * glibc's pclose: the stream closed, then the shell's status (-1 if it
 * cannot be had); a status of 0 with a failed last write is -1 (EOF).
 */
static int popen_close(struct popen_child *c)
{
	int status = -1;
	pid_t w;
	pid_t pid = c->pid;

	int closed = REAL(fclose)(c->f);
	int saved = errno;
	free(c);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w != pid)
		return -1;
	if (status == 0 && closed == EOF) {
		errno = saved;
		return -1;
	}
	return status;
}

/*
 * What glibc's popen does (a pipe, the shell with one end as its stdin or
 * stdout, every earlier popen stream closed in it), the shell spawned with
 * the environment the shim builds, as system() is.
 */
static FILE *popen_spawn(const char *cmd, const char *mode)
{
	bool reading = strchr(mode, 'r') != NULL;
	int parent_end = reading ? 0 : 1, child_end = reading ? 1 : 0;
	int child_std = reading ? STDOUT_FILENO : STDIN_FILENO;
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
	posix_spawn_file_actions_t fa;
	struct popen_child *c = calloc(1, sizeof(*c));
	int fds[2], err;

	if (!c || pipe2(fds, O_CLOEXEC) < 0) {
		free(c);
		return NULL;
	}
	/* Already the number the shell needs: moved, so that dup2 clears its close-on-exec. */
	if (fds[child_end] == child_std) {
		int moved = fcntl(child_std, F_DUPFD_CLOEXEC, 0);
		if (moved < 0) {
			err = errno;
			goto fail_pipe;
		}
		REAL(close)(fds[child_end]);
		fds[child_end] = moved;
	}
	c->f = fdopen(fds[parent_end], reading ? "r" : "w");
	if (!c->f) {
		err = errno;
		goto fail_pipe;
	}
	c->fd = fds[parent_end];
	pthread_once(&popen_atfork_once, popen_atfork);
	posix_spawn_file_actions_init(&fa);
	err = posix_spawn_file_actions_adddup2(&fa, fds[child_end], child_std);
	pthread_mutex_lock(&popen_lock);
	for (struct popen_child *p = popen_children; p && !err; p = p->next)
		if (p->fd != child_std)
			err = posix_spawn_file_actions_addclose(&fa, p->fd);
	if (!err)
		err = spawn_rebuilt(&c->pid, SHELL_PATH, &fa, NULL, argv, environ);
	if (!err) {
		c->next = popen_children;
		popen_children = c;
		atomic_fetch_add(&n_popen, 1);
	}
	pthread_mutex_unlock(&popen_lock);
	posix_spawn_file_actions_destroy(&fa);
	REAL(close)(fds[child_end]);
	if (err) {
		REAL(fclose)(c->f);
		free(c);
		errno = err;
		return NULL;
	}
	/* Without 'e' the parent's end is inherited by what it execs later, as in glibc. */
	if (!strchr(mode, 'e'))
		fcntl(c->fd, F_SETFD, 0);
	return c->f;

fail_pipe:
	REAL(close)(fds[0]);
	REAL(close)(fds[1]);
	free(c);
	errno = err;
	return NULL;
}

EXPORT FILE *popen(const char *cmd, const char *mode)
{
	if (!REAL(popen)) {
		errno = ENOSYS;
		return NULL;
	}
	/*
	 * The mode is copied first, as the command is: another thread turning
	 * an invalid mode (which runs nothing: glibc says EINVAL) into a valid
	 * one after the look would run the command unjudged. Longer than any
	 * valid mode ("r", "we"), it is cut (still invalid, or the same).
	 */
	char own_mode[16];
	if (mode) {
		size_t n = strnlen(mode, sizeof(own_mode) - 1);
		memcpy(own_mode, mode, n);
		own_mode[n] = '\0';
		mode = own_mode;
	}
	if (!popen_mode_valid(mode))
		return REAL(popen)(cmd, mode);
	/* What is judged is what runs: another thread may rewrite cmd meanwhile. */
	char *copy = cmd ? strdup(cmd) : NULL;
	if (cmd && !copy)
		return NULL;
	FILE *f = NULL;
	if (guard_shell("popen", copy, !shim_on() || !REAL(posix_spawn) || !REAL(fclose)) < 0)
		f = NULL;
	else if (!shim_on() || !REAL(posix_spawn) || !REAL(fclose))
		f = REAL(popen)(copy, mode);
	else
		f = popen_spawn(copy, mode);
	int saved = errno;
	free(copy);
	errno = saved;
	return f;
}

/* libc's older public name for popen (glibc's malloc attribute on popen is not ours). */
FILE *_IO_popen(const char *cmd, const char *mode);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
EXPORT extern __typeof(popen) _IO_popen __attribute__((alias("popen")));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* A stream that is not the shim's popen's: libc's pclose or fclose (fn) closes it. */
static int libc_close_stream(int (*fn)(FILE *), FILE *f)
{
	shim_started();
	if (!fn) {
		errno = ENOSYS;
		return EOF;
	}
	return fn(f);
}

EXPORT int pclose(FILE *f)
{
	struct popen_child *c = popen_take(f);
	return c ? popen_close(c) : libc_close_stream(REAL(pclose), f);
}

EXPORT int fclose(FILE *f)
{
	if (atomic_load_explicit(&n_popen, memory_order_acquire) > 0) {
		struct popen_child *c = popen_take(f);
		if (c)
			return popen_close(c);
	}
	return libc_close_stream(REAL(fclose), f);
}

/*
 * _exit and _Exit skip atexit and destructors: a process that ends so
 * (dash does; Python's os._exit, multiprocessing's workers) would leave
 * out of FNGUARD_RECORD_OUT all it learned, and its held-back event counts
 * unsaid. Both are done here first, as at exit. Not in a vfork child (its
 * memory is its parent's, which reports them), nor from inside the shim.
 */
static _Noreturn void exit_now(int status)
{
	if (atomic_load_explicit(&shim_ready, memory_order_acquire) && shim.active && !shim_busy &&
	    !child_env_in_vfork_child())
		record_before_exit();
	for (;;)
		shim_syscall(SYS_exit_group, status);
}

EXPORT void _exit(int status)
{
	exit_now(status);
}

EXPORT void _Exit(int status)
{
	exit_now(status);
}

/* At exit: what vfork children learned goes into the recorded profile too. */
__attribute__((destructor)) static void exec_ops_fini(void)
{
	if (!atomic_load(&shim_ready) || !shim.active || child_env_in_vfork_child())
		return;
	child_env_drain_learned(false);
	record_write();
}
