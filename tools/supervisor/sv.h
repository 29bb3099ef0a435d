/* SPDX-License-Identifier: MIT */
/*
 * sv — the inside of `fnguard exec`, the seccomp user-notification
 * supervisor (DESIGN.md "Layers: supervisor", docs/supervisor.md).
 *
 * One process-wide state (struct sv_state, set up before the first
 * notification and read-only afterwards, except counters and the learner),
 * a pool of worker threads that each receive a notification, read its
 * arguments from the target's memory, judge them with the policy_check_*
 * functions and answer. Nothing here ever answers CONTINUE after judging a
 * pointer argument: files are opened and changed by the supervisor itself,
 * sockets are driven through a duplicate (pidfd_getfd). execve is the one
 * exception (an exec cannot be done on someone else's behalf): sv_exec.c
 * says what is done about it.
 *
 * The supervisor issues its own system calls raw (syscall(2)): they are
 * exactly the kernel's semantics, and a preload library that might be
 * loaded into the supervisor never sees them.
 */
#pragma once

#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "json_line.h"
#include "policy.h"

/* Syscall numbers the table and the filter know about (both architectures stay below). */
#define SV_MAX_NR 1024

/*
 * The first number of the calls added after the table was written
 * (setxattrat, getxattrat, listxattrat, removexattrat, open_tree_attr,
 * file_getattr, file_setattr, ...). Several take paths the supervisor would
 * not see: they fail with ENOSYS and programs fall back to the calls it
 * judges. Numbers from 424 on are shared by x86_64 and aarch64.
 */
#define SV_FIRST_UNKNOWN 463

struct learner;
struct sv_req;

/* What the start event says about one layer. */
struct sv_layer {
	bool active;
	int error;	    /* errno when not active, 0 if none */
	const char *reason; /* static English */
};

struct sv_state {
	struct policy *policy; /* NULL: no profile, record everything */
	bool have_profile;
	enum policy_mode mode;
	enum policy_mode action[POLICY_CATEGORY_MAX];
	char profile_path[PATH_MAX];
	char profile_name[129];
	char profile_hash[17];
	char function[128];
	char version[64];

	int log_fd;		  /* events go here; -1: dropped and counted */
	bool log_shared;	  /* the log is the program's stdout or stderr too (log_line.h) */
	bool root;		  /* first fnguard process of the tree: writes `start` */
	int listener;		  /* the seccomp notification fd; -1 when unavailable */
	pid_t self;		  /* the supervisor's pid */
	pid_t child;		  /* the target's first process */
	uint32_t arch;		  /* AUDIT_ARCH_* of the notifications served */
	atomic_bool initial_exec; /* the child's own execve of the target is still to come */

	/* What the kernel can do, probed once. */
	atomic_bool addfd_send; /* SECCOMP_ADDFD_FLAG_SEND (5.14) */
	bool openat2;		/* openat2(2) with RESOLVE_NO_MAGICLINKS (5.6) */
	bool protected_symlinks;

	struct sv_layer seccomp_layer, notify_layer;
	uint64_t start_ns;

	/* The Runtime API relay (sv_relay.c), considered when $AWS_LAMBDA_RUNTIME_API is set. */
	bool relay_asked;
	bool relay_off; /* left off on purpose (relay_layer.reason says why) */
	struct sv_layer relay_layer;
	char relay_addr[32];  /* what the program's $AWS_LAMBDA_RUNTIME_API became */
	char runtime_api[96]; /* the real one, as given */

	/* record mode */
	pthread_mutex_t learn_lock;
	struct learner *learner;

	atomic_uint_fast64_t seq;
	atomic_uint_fast64_t dropped;
	atomic_uint_fast64_t violations;
	atomic_uint_fast64_t blocked;
	atomic_uint_fast64_t served;
};

extern struct sv_state sv;

/* A handler's answer: >= 0 the call's return value, < 0 an errno, or SV_REPLIED. */
#define SV_REPLIED INT64_MIN

typedef int64_t (*sv_handler_fn)(struct sv_req *req);

/* One supervised system call. */
struct sv_call {
	const char *name;
	sv_handler_fn fn;
};

/* Per-notification scratch: owned by one worker, reused for each request. */
struct sv_req {
	struct seccomp_notif *n;
	const struct sv_call *call;
	pid_t tid;  /* the calling thread, as the notification names it */
	pid_t tgid; /* its process; 0 until sv_req_tgid() */
	char exe[PATH_MAX];
	bool have_exe;
	char buf[4][PATH_MAX]; /* paths as read, and their lexical names */
	char out[2][PATH_MAX]; /* canonical names */
	void *big;	       /* a growable buffer (argv, message data) */
	size_t big_size;
};

/* The result of a raw system call as 0/value or -errno. */
static inline long sv_raw(long r)
{
	return r < 0 ? -errno : r;
}

/* ---- sv_table.c ---------------------------------------------------------- */

/* Resolves every supervised call for the native architecture. Returns 0 or -errno. */
int sv_table_init(void);

/* The call with number nr, or NULL. */
const struct sv_call *sv_table_lookup(int nr);

/* How the notify filter treats a number: its action (SECCOMP_RET_*), see sv_filter.c. */
enum sv_route {
	SV_ROUTE_ALLOW = 0,   /* left to the profile's own filter */
	SV_ROUTE_NOTIFY,      /* always to the supervisor */
	SV_ROUTE_NOTIFY_DEST, /* sendto: only with a destination or MSG_FASTOPEN */
	SV_ROUTE_EPERM,	      /* the credentials are pinned */
	SV_ROUTE_ENOSYS,      /* a path-bearing call the supervisor does not serve */
};

/* The route of number nr on the native architecture. */
enum sv_route sv_table_route(int nr);

/* ---- sv_filter.c ----------------------------------------------------------- */

/*
 * Builds the notify filter for the native architecture. Caller frees
 * *ret_prog. Returns 0 or -ENOMEM.
 */
int sv_filter_build(struct sock_filter **ret_prog, size_t *ret_len);

/* AUDIT_ARCH_* of this build (the only architecture supervised). */
uint32_t sv_native_arch(void);

/* ---- sv_mem.c ---------------------------------------------------------------- */

/* True while the notification is pending (the thread still waits in its call). */
bool sv_req_valid(const struct sv_req *req);

/* Copies len bytes at the target's addr. Returns 0, -EFAULT or -ESRCH. */
int sv_mem_read(const struct sv_req *req, uint64_t addr, void *buf, size_t len);

/*
 * Copies the NUL-terminated string at addr into buf (size bytes). Returns
 * its length, -EFAULT, or -ENAMETOOLONG when no NUL is found in size bytes.
 */
ssize_t sv_mem_read_str(const struct sv_req *req, uint64_t addr, char *buf, size_t size);

/* Writes len bytes to the target's addr (a result buffer). Returns 0, -EFAULT or -ESRCH. */
int sv_mem_write(const struct sv_req *req, uint64_t addr, const void *buf, size_t len);

/* req->big with room for size bytes. Returns it, or NULL (ENOMEM). */
void *sv_req_big(struct sv_req *req, size_t size);

/* The calling thread's process (tgkill's answer, else sv_tid_tgid). Returns > 0 or -errno. */
pid_t sv_req_tgid(struct sv_req *req);
/* The process of thread tid, read from /proc/TID/status; -errno. */
pid_t sv_tid_tgid(pid_t tid);

/* The target's umask (Umask in /proc/TID/status), or -errno. */
int sv_req_umask(const struct sv_req *req);

/* The target's executable (for events). Borrowed until the request ends. */
const char *sv_req_exe(struct sv_req *req);

/* ---- sv_loop.c ----------------------------------------------------------------- */

/* Starts the worker pool on sv.listener. Returns 0 or -errno. */
int sv_loop_start(void);

/*
 * Injects fd into the target as the call's return value, atomically where
 * the kernel can (ADDFD with SEND). Takes ownership of fd. Returns
 * SV_REPLIED, or a negative errno to answer with instead.
 */
int64_t sv_reply_fd(struct sv_req *req, int fd, bool cloexec);

/*
 * Before something that may block for long: makes sure another worker
 * receives the next notifications (see sv_loop.c). Cheap when repeated.
 */
void sv_handoff(void);

/* Lets the call run in the kernel (execve only: see sv_exec.c). Returns SV_REPLIED. */
int64_t sv_reply_continue(struct sv_req *req);

/* ---- handlers ------------------------------------------------------------------- */

/* The calls each module serves, ending with a NULL name. */
extern const struct sv_call sv_file_calls[];
extern const struct sv_call sv_attr_calls[];
extern const struct sv_call sv_net_calls[];
extern const struct sv_call sv_exec_calls[];

/* ---- small helpers ------------------------------------------------------------- */

uint64_t sv_now_mono(void);

/* "/proc/self/fd/N" for one of the supervisor's own descriptors. */
void sv_fd_path(int fd, char buf[32]);

/* ---- sv_event.c: events in the shim's format (docs/events.md) -------------------- */

enum sv_action {
	SV_ACTION_NONE = 0,
	SV_ACTION_BLOCKED, /* enforce: the call failed */
	SV_ACTION_LOGGED,  /* alert: the call ran */
	SV_ACTION_LEARNED, /* record: the call ran and was learned */
};

struct sv_event;
/* Writes the "tip" object's members (the profile fragment that would allow it). */
typedef void (*sv_tip_fn)(struct json_line *jl, const struct sv_event *ev);

struct sv_event {
	const char *type; /* "violation", "learn", "coverage" */
	enum policy_category category;
	const char *op;	    /* the system call */
	const char *target; /* path, address, program (any bytes) */
	size_t target_len;
	const char *access; /* file rights wanted ("rw"), or NULL */
	const char *proto;  /* network: "tcp" or "udp", or NULL */
	const char *rule;   /* the deciding rule, or NULL */
	const char *detail; /* extra English, or NULL */
	/* What the rate limiter counts the event under, when not the target (or NULL). */
	const char *limit_key;
	size_t limit_len;
	enum sv_action action;
	sv_tip_fn tip;
	const void *tip_data;
	char *const *argv; /* exec: the argument vector, or NULL */
};

/* What record mode learns from a call (see policy/learn.h). */
struct sv_learn {
	enum {
		SV_LEARN_NONE,
		SV_LEARN_FILE,
		SV_LEARN_IP,
		SV_LEARN_UNIX,
		SV_LEARN_EXEC,
		SV_LEARN_HOST,	  /* an address confirmed as one of a host name's */
		SV_LEARN_SYSCALL, /* a system call the profile does not list */
	} kind;
	unsigned rights;
	const char *name; /* FILE/UNIX/EXEC path, HOST name, SYSCALL name */
	int family;
	unsigned char addr[16];
	int port;
	int proto; /* enum net_proto */
	bool inbound;
	char *const *argv;
};

struct sv_judgement {
	struct sv_event ev;
	struct policy_verdict verdict;
	struct sv_learn learn;
};

/* Prepares the rate limiter and the record-mode state. Returns 0 or -errno. */
/* Fills sv.function and sv.version (FNGUARD_FUNCTION_* first, then the Lambda variables). */
void sv_event_labels(void);
int sv_event_init(void);

/*
 * Acts on j (verdict filled): emits the learn or violation event and
 * returns true when the call must fail (enforce mode, denied). Record and
 * alert mode never block. The rule's description is filled in here.
 */
bool sv_judge(struct sv_req *req, struct sv_judgement *j);

/* Writes an event about the target thread of req (NULL: no target). Rate-limited. */
void sv_event_emit(struct sv_req *req, const struct sv_event *ev);

/* The cold-start record for program (root supervisor only). */
void sv_event_start(const char *program);

/* An `error` event: what went wrong (static text), a detail (or NULL), an errno. */
void sv_event_error(const char *what, const char *detail, int error);

/* ---- sv_env.c: the program's environment ------------------------------------------ */

/* What the program gets: environ, or the environment --env-fd gave. */
char **sv_env(void);
const char *sv_env_get(const char *name);
int sv_env_set(const char *name, const char *value);
/* Reads NUL-separated entries from fd (--env-fd): the program's from now on. */
int sv_env_load(int fd);
/*
 * Gives the program an environment of its own, a copy of this process's
 * (without entries starting with skip_prefix, when not NULL), so that what
 * is set for it no longer changes this process's. A no-op once it has one.
 */
int sv_env_detach(const char *skip_prefix);

/* Writes every pending `suppressed` summary (exit). */
void sv_event_flush(void);

/* The tip writers: file (target, access), exec (target, argv). */
void sv_tip_file(struct json_line *jl, const struct sv_event *ev);
void sv_tip_exec(struct json_line *jl, const struct sv_event *ev);

/*
 * Writes what record mode learned to out (replaced atomically), extending
 * extends (an absolute profile path, or NULL) and leaving out what the
 * loaded profile already allows. Returns the number of rules or -errno.
 */
int sv_record_write(const char *out, const char *extends);

/*
 * Merges what record mode learned into out (FNGUARD_RECORD_OUT of `fnguard
 * record`), under the same lock the shim takes (out.lock). Returns the
 * number of rules or -errno.
 */
int sv_record_merge(const char *out);

/* ---- sv_sys.c: the profile's "syscalls", refusals notified ------------------------ */

/*
 * Takes the profile's compiled program for the syscall category: the
 * enforce program (TRAP for what it refuses) or the alert one (LOG for
 * what is not listed, ERRNO for the dangerous set), as
 * policy/seccomp_filter.c builds them; names are judged against policy
 * (borrowed until exit); o: the options prog was compiled with (a
 * bundle's: lockdown on). Copies prog. Returns 0, -EINVAL for a program
 * that cannot be merged (the kernel would refuse it, or it returns A),
 * or -ENOMEM.
 */
struct seccomp_options;
int sv_sys_init(const struct sock_filter *prog, size_t len, const struct policy *policy,
		const struct seccomp_options *o);

/*
 * Before sv_sys_init: the syscall names a bundle carries, instead of
 * libseccomp's lookups. Returns 0, -ENOENT (none) or -ENOMEM.
 */
struct bundle_view;
int sv_sys_names(const struct bundle_view *b);

/*
 * The one program the child installs with the listener: the profile's,
 * where TRAP and LOG become SECCOMP_RET_USER_NOTIF and ALLOW goes on to
 * notify (the notify filter's program). Caller frees *ret. Returns 0,
 * -E2BIG (more than the kernel takes) or -ENOMEM.
 */
int sv_sys_merge(const struct sock_filter *notify, size_t notify_len, struct sock_filter **ret,
		 size_t *ret_len);

/*
 * The profile's program as it runs without a supervisor: TRAP answered
 * with EPERM (what `fnguard compile --errno-only` gives). Caller frees
 * *ret. Returns 0 or -ENOMEM.
 */
int sv_sys_errno_only(struct sock_filter **ret, size_t *ret_len);

/* The merged program is in place: notifications may come from the profile's part. */
void sv_sys_activate(void);

/* sv_sys_serve(): not the profile's refusal, the call goes to its handler. */
#define SV_SYS_PASS (INT64_MIN + 1)

/*
 * Acts on a notification the profile's part may have raised: judges and
 * logs (enforce: answers EPERM; alert: logs; record: learns the name) and
 * then answers what the notify filter alone would have (CONTINUE where it
 * lets the call run). Returns SV_SYS_PASS when the call is for its
 * handler, else the answer (a value, -errno or SV_REPLIED).
 */
int64_t sv_sys_serve(struct sv_req *req);

/* ---- sv_dns.c: host rules for programs that resolve names themselves ------------ */

/* Longest host name kept, NUL included. */
#define SV_DNS_NAME_MAX 256
/* How long an address a name resolved to vouches for the name. */
#define SV_DNS_TTL_NS (60ull * 1000000000ull)
/* The least time between two resolutions of one name (a flood of denied connects). */
#define SV_DNS_RETRY_NS (2ull * 1000000000ull)

/*
 * Collects the literal host names of policy's rules (no wildcard, not an
 * address); nothing is resolved yet. Returns 0 or -ENOMEM.
 */
int sv_dns_init(const struct policy *policy);

/*
 * Looks for a literal host name of the profile among whose current
 * addresses (as the supervisor resolves it, lazily, cached for
 * SV_DNS_TTL_NS and at most once per SV_DNS_RETRY_NS per name) addr is.
 * A name whose host rule allows port and proto outbound upgrades *v to
 * that rule's verdict. Returns true with the name (allowing one first)
 * in name, false when addr is none of them. May block on the resolver
 * (it hands the receiving role over first). Thread-safe.
 */
bool sv_dns_confirm(int family, const uint8_t addr[16], int port, enum net_proto proto,
		    struct policy_verdict *v, char name[SV_DNS_NAME_MAX]);

/*
 * English for a denied outbound address: why no host rule could allow it
 * (wildcard patterns cannot be matched to an address here). NULL when the
 * profile has no host rules. Static.
 */
const char *sv_dns_note(void);

/* ---- sv_path.c: what a path argument names and leads to --------------------- */

/* A path argument, read from the target and named. */
struct sv_path {
	const char *raw; /* as the target gave it */
	int base;   /* our O_PATH fd of the directory a relative raw starts from, or AT_FDCWD */
	char *name; /* lexical: absolute, normalised, /proc/<tgid> written /proc/self */
	size_t name_len;
	int name_err;	/* 0 when name is valid */
	bool need_real; /* where it leads must be judged too (links may be planted there) */
};

/* What a path leads to: an object (fd) or a directory entry (parent, last). */
struct sv_obj {
	int fd;	    /* O_PATH: the object; -1 when it does not exist (or entry mode) */
	int parent; /* O_PATH: the directory holding the entry; -1 in object mode */
	char last[NAME_MAX + 2];
	char *canon; /* where it leads (caller's buffer), /proc/<tgid> as /proc/self */
	size_t canon_len;
	bool have_canon;
};

enum {
	SV_PATH_FOLLOW = 1,   /* a final symlink is followed */
	SV_PATH_EMPTY_OK = 2, /* "" names the dirfd itself (AT_EMPTY_PATH) */
};

/*
 * Reads the path at addr (relative to the target's dirfd, or its cwd for
 * AT_FDCWD) into raw_buf and names it into name_buf (both PATH_MAX).
 * Returns 0, or the errno the call itself would fail with (-EFAULT,
 * -ENAMETOOLONG, -ENOENT for "", -EBADF for a bad dirfd). A path that
 * cannot be named (deleted cwd, too long once joined) returns 0 with
 * p->name_err set.
 */
int sv_path_read(struct sv_req *req, int dirfd, uint64_t addr, char *raw_buf, char *name_buf,
		 struct sv_path *p);

/*
 * Names raw_buf (a path the supervisor already holds, e.g. a unix socket's)
 * as sv_path_read() does. Returns 0 or -errno.
 */
int sv_path_set(struct sv_req *req, int dirfd, char *raw_buf, char *name_buf, struct sv_path *p);

/*
 * The object p leads to, as an O_PATH descriptor (flags: SV_PATH_FOLLOW).
 * o->canon (canon_buf, PATH_MAX) is filled when p->need_real. Returns 0 or
 * the errno the kernel's own lookup would give.
 */
int sv_path_object(struct sv_req *req, const struct sv_path *p, unsigned flags, char *canon_buf,
		   struct sv_obj *o);

/* sv_path_open_direct()'s "take the careful way": outside the errno range. */
#define SV_CAREFUL (-5000)

/*
 * Opens p with flags (no O_CREAT) in one step, where nothing needs judging
 * beyond the lexical name: no links can be planted on the way and no /proc
 * is involved. Returns the fd, the open's -errno, or SV_CAREFUL when the
 * careful way (sv_path_object, then a reopen) must be taken.
 */
int sv_path_open_direct(const struct sv_path *p, int flags);
/* Whether sv_path_open_direct may open p (else it answers SV_CAREFUL at once). */
bool sv_path_direct(const struct sv_path *p);

/*
 * The directory entry p names: its parent directory (symlinks on the way
 * followed) and last component, which is not looked at. Returns 0 or -errno.
 */
int sv_path_entry(struct sv_req *req, const struct sv_path *p, char *canon_buf, struct sv_obj *o);

/*
 * Where a creating call (O_CREAT without O_EXCL) acts: the existing object
 * (o->fd >= 0), or else the entry it would create, after a dangling final
 * symlink when follow (o->fd == -1, o->parent set). Returns 0 or -errno.
 */
int sv_path_create(struct sv_req *req, const struct sv_path *p, unsigned flags, char *canon_buf,
		   struct sv_obj *o);

/* Closes what p and o hold. */
void sv_path_close(struct sv_path *p);
void sv_obj_close(struct sv_obj *o);

/* Writes /proc/<tgid>... as /proc/self... in place (rules name /proc/self). */
size_t sv_proc_self_alias(struct sv_req *req, char *buf, size_t len);

/* ---- sv_relay.c: the Runtime API relay, for request ids ----------------------- */

/*
 * Decides whether the program talks to the Runtime API through the relay
 * (supervised: a listener will be asked for) and starts it: listens on
 * 127.0.0.1 on an ephemeral port, served by a thread of its own, and sets
 * $AWS_LAMBDA_RUNTIME_API to that address for the program. Fills
 * sv.relay_*; a relay that cannot start is reported (a `coverage` event
 * from a supervisor that writes no `start`) and the program talks to the
 * real address. Call once, before the child is started.
 */
void sv_relay_prepare(bool supervised);

/*
 * When family/addr/port (TCP, outbound) is the relay's own address: the
 * real Runtime API's in ret_* (what a connect to the relay is judged as),
 * and true. Thread-safe (read-only once the relay runs).
 */
bool sv_relay_judged_as(int family, const uint8_t addr[16], int port, int *ret_family,
			uint8_t ret_addr[16], int *ret_port);

/* English for an event about a connect to the relay. Static. */
const char *sv_relay_note(void);

/*
 * The request id of the latest invocation the Runtime API handed out
 * through the relay, NUL-terminated in buf. Returns its length (0: none
 * yet, or no relay). Thread-safe.
 */
size_t sv_relay_request_id(char *buf, size_t size);

/* ---- sv_launch.c: the target's first process ---------------------------------- */

/* What the child installs. */
struct sv_filters {
	const struct sock_fprog *notify; /* with the listener; NULL: none */
	const struct sock_fprog *main;	 /* the profile's own filter; NULL: none */
	/*
	 * main goes on top of notify as well (it was not merged into it);
	 * otherwise main is the fallback for when notify cannot be installed.
	 */
	bool main_with_notify;
};

struct sv_child {
	pid_t pid;
	int listener;	/* the notification fd (ours), -1 when unavailable */
	int main_err;	/* installing the profile's filter: 0 done, errno, -1 not tried */
	int notify_err; /* installing the notify filter: 0 done, errno, -1 not tried */
	bool killable;	/* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV was accepted */
	int report_fd, go_fd;
	void *shared; /* the page the child reports in */
	void *stack;  /* the child's, in the supervisor's memory until its exec */
	const char *path;
	struct launch {
		const char *path;
		char **argv, **envp;
		const struct sv_filters *f;
		void *shared;
		int report_fd, go_fd;
		const sigset_t *mask;
		pid_t parent;
		bool chld_ignored;
	} launch; /* what the child reads, all written before the clone (sv_launch.c) */
	sigset_t saved_mask;
};

/*
 * Starts the child that will run path with argv: it sets no_new_privs,
 * installs f's filters and reports back, then waits for
 * sv_launch_release(). The child shares the supervisor's descriptor table
 * until it execs (CLONE_FILES), which is how the listener reaches the
 * supervisor without a call the filter would hold; its report is read
 * from a shared page, since the write that announces it may itself be
 * held for a supervisor that is not serving yet. Whatever the child does
 * until its exec must be answered CONTINUE (sv_loop.c). SIGINT, SIGTERM,
 * SIGHUP and SIGCHLD stay blocked in the supervisor (sv_launch_wait()
 * takes them). First starts the Runtime API relay when f has a notify
 * filter (sv_relay_prepare()). Returns 0 or -errno.
 */
int sv_launch_child(const char *path, char **argv, const struct sv_filters *f,
		    struct sv_child *ret);

/*
 * Lets the child exec (go) or kills it (!go: it may be waiting for a
 * supervisor that will not serve). Returns 0 or -errno.
 */
int sv_launch_release(struct sv_child *c, bool go);

/*
 * Waits for the child, forwarding SIGINT, SIGTERM and SIGHUP to it, and
 * returns its status in the shell's convention (128+N for a signal).
 */
int sv_launch_wait(struct sv_child *c);
