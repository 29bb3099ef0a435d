// SPDX-License-Identifier: MIT
/*
 * File system calls, performed by the supervisor for the target.
 *
 * Each call's path is read once, resolved to an O_PATH descriptor (or, for
 * calls that act on a directory entry, to its parent directory and name:
 * sv_path.c), judged with the rights the shim gives the same operation
 * (lib/file_ops.c: r open for reading, stat, access, readlink, getxattr;
 * w open for writing, truncate, chmod, chown, utimes, setxattr; c O_CREAT
 * of a new file, mkdir, mknod, symlink and link names, rename target; d
 * unlink, rmdir, rename source) and then done on that descriptor:
 *   open      reopened through /proc/self/fd/N with the target's flags (or
 *             created with openat(parent, name, O_NOFOLLOW)), then handed
 *             to the target with SECCOMP_IOCTL_NOTIF_ADDFD;
 *   stat etc. fstatat/statx/faccessat2/readlinkat on the descriptor, the
 *             result copied into the target's buffer;
 *   changes   fchownat(fd, "", AT_EMPTY_PATH), chmod/truncate/utimensat on
 *             /proc/self/fd/N, and mkdirat/unlinkat/renameat2/linkat/
 *             symlinkat/mknodat on the parent descriptor and the name.
 * A blocked call fails with EACCES and never runs. Creating calls use the
 * target's umask (read from /proc/TID/status, set in the worker's own
 * file system context).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sv.h"
#include "sv_file.h"

static void rights_text(unsigned rights, char buf[5])
{
	size_t n = 0;
	for (unsigned i = 0; i < 4; i++)
		if (rights & (1u << i))
			buf[n++] = "rwcd"[i];
	buf[n] = '\0';
}

static void check_one(const char *path, size_t len, unsigned rights, struct policy_verdict *v)
{
	if (!sv.policy) {
		*v = (struct policy_verdict){.allowed = true, .rule = -1};
		return;
	}
	if (policy_check_file(sv.policy, path, len, rights, v) < 0)
		*v = (struct policy_verdict){
			.allowed = false, .rule = -1, .missing = (uint8_t)rights};
}

/* Acts on one verdict about one name; true to block. */
static bool act_on(struct sv_req *req, const char *target, size_t len, unsigned rights,
		   const struct policy_verdict *v, const char *detail)
{
	char access[5];
	if (v->allowed && sv.action[POLICY_CAT_FILE] != POLICY_MODE_RECORD)
		return false;
	rights_text(rights, access);
	struct sv_judgement j = {
		.ev =
			{
				.category = POLICY_CAT_FILE,
				.op = req->call->name,
				.target = target,
				.target_len = len,
				.access = access,
				.detail = detail,
				.tip = sv_tip_file,
			},
		.verdict = *v,
		.learn = {.kind = SV_LEARN_FILE, .name = target, .rights = rights},
	};
	return sv_judge(req, &j);
}

/*
 * Judges a path: its lexical name, and where it leads when that matters
 * (o may be NULL when the lookup failed). Returns 0 or -EACCES.
 */
/*
 * A look at a directory on the way to an allowed file passes, as in the shim:
 * above the literal part of an allow rule (policy_path_is_ancestor), or below
 * it where a wildcard rule's segments match, if a directory is there
 * (policy_path_is_dir_ancestor).
 */
static void allow_look(bool look, const char *path, size_t len, struct policy_verdict *v)
{
	struct stat st;

	if (look && !v->allowed && !v->by_deny && sv.policy &&
	    (policy_path_is_ancestor(sv.policy, path, len) ||
	     (policy_path_is_dir_ancestor(sv.policy, path, len) &&
	      fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))))
		v->allowed = true;
}

static int judge_look(struct sv_req *req, const struct sv_file_arg *a, unsigned rights, bool look);

static int judge(struct sv_req *req, const struct sv_file_arg *a, unsigned rights)
{
	return judge_look(req, a, rights, false);
}

static int judge_look(struct sv_req *req, const struct sv_file_arg *a, unsigned rights, bool look)
{
	struct policy_verdict v;

	if (a->on_dirfd)
		return 0;
	if (a->p.name_err) {
		/* Cannot say what it names: refused in enforce, as the shim does. */
		if (sv.action[POLICY_CAT_FILE] == POLICY_MODE_ENFORCE && a->p.name_err != -EINVAL &&
		    a->p.name_err != -EBADF) {
			struct policy_verdict none = {.allowed = false, .rule = -1};
			if (act_on(req, a->p.raw, strlen(a->p.raw), rights, &none,
				   "the path could not be resolved"))
				return -EACCES;
		}
		return 0;
	}
	check_one(a->p.name, a->p.name_len, rights, &v);
	allow_look(look, a->p.name, a->p.name_len, &v);
	if (act_on(req, a->p.name, a->p.name_len, rights, &v, NULL))
		return -EACCES;
	/*
	 * Found, but where it leads could not be named (a walk deeper than
	 * PATH_MAX, a file deleted meanwhile): what the name says is not enough
	 * where links can be planted. Refused in enforce, as an unresolvable name.
	 */
	if (a->p.need_real && !a->o.have_canon && (a->o.fd >= 0 || a->o.parent >= 0) &&
	    sv.action[POLICY_CAT_FILE] == POLICY_MODE_ENFORCE) {
		struct policy_verdict none = {.allowed = false, .rule = -1};
		if (act_on(req, a->p.name, a->p.name_len, rights, &none,
			   "where it leads could not be resolved"))
			return -EACCES;
	}
	if (a->p.need_real && a->o.have_canon &&
	    (a->o.canon_len != a->p.name_len ||
	     memcmp(a->o.canon, a->p.name, a->p.name_len) != 0)) {
		/* A symlink is judged on where it leads as well as on its name. */
		check_one(a->o.canon, a->o.canon_len, rights, &v);
		allow_look(look, a->o.canon, a->o.canon_len, &v);
		if (act_on(req, a->o.canon, a->o.canon_len, rights, &v,
			   "reached through a symlink"))
			return -EACCES;
	}
	return 0;
}

static void arg_init(struct sv_file_arg *a)
{
	a->p.base = AT_FDCWD;
	a->o.fd = a->o.parent = -1;
	a->on_dirfd = false;
}

void sv_file_arg_close(struct sv_file_arg *a)
{
	sv_obj_close(&a->o);
	sv_path_close(&a->p);
}

/* Reads and resolves path argument slot (0 or 1) of req. Returns 0 or the lookup's -errno. */
static int resolve(struct sv_req *req, int slot, int dirfd, uint64_t addr, unsigned how,
		   struct sv_file_arg *a)
{
	size_t b = 2 * (size_t)slot;
	int r = sv_path_read(req, dirfd, addr, req->buf[b], req->buf[b + 1], &a->p);
	if (r < 0)
		return r;
	if (!a->p.raw[0]) {
		if (!(how & OBJ_EMPTY))
			return -ENOENT;
		/* AT_EMPTY_PATH: the descriptor itself, which the shim does not judge either. */
		a->on_dirfd = true;
		a->o.fd = (int)sv_raw(fcntl(a->p.base, F_DUPFD_CLOEXEC, 0));
		return a->o.fd < 0 ? a->o.fd : 0;
	}
	if (how & OBJ_ENTRY)
		return sv_path_entry(req, &a->p, req->out[slot], &a->o);
	return sv_path_object(req, &a->p, how & OBJ_FOLLOW, req->out[slot], &a->o);
}

/* The common shape: resolve, judge (even when the lookup failed), then act. */
int sv_file_prepare(struct sv_req *req, int dirfd, uint64_t addr, unsigned how, unsigned rights,
		    struct sv_file_arg *a)
{
	arg_init(a);
	int r = resolve(req, 0, dirfd, addr, how & ~OBJ_LOOK, a);
	if (r == -EFAULT || r == -ENAMETOOLONG || r == -ESRCH || r == -EBADF ||
	    (r == -ENOENT && !a->p.raw[0]))
		return r; /* the call fails before any name is looked at */
	int j = judge_look(req, a, rights, how & OBJ_LOOK);
	return j < 0 ? j : r;
}

/* Sets the worker's umask to the target's, for a creating call. */
static int target_umask(struct sv_req *req)
{
	int m = sv_req_umask(req);
	if (m < 0)
		return m;
	syscall(SYS_umask, m);
	return 0;
}

/* "/proc/self/fd/<dirfd>/<name>": an entry by path for calls without an *at form. */
int sv_file_entry_path(const struct sv_obj *o, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/self/fd/%d/%s", o->parent, o->last);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- open ------------------------------------------------------------------- */

enum {
	FOLLOW = POLICY_OPEN_FOLLOW,		 /* a final symlink is followed */
	MAYBE_CREATE = POLICY_OPEN_MAYBE_CREATE, /* 'c' only if the file does not exist yet */
};

/*
 * One open: through openat2 on the path p names (p != NULL), or of
 * (dirfd, path). no_links: path is one entry whose links were resolved and
 * judged already, and a link planted there since must not be followed:
 * openat2's RESOLVE_NO_SYMLINKS where the kernel has it (the descriptor's
 * flags stay the program's), else O_NOFOLLOW (which F_GETFL then shows).
 */
static int open_once(const struct sv_path *p, int dirfd, const char *path, int flags, mode_t mode,
		     bool no_links)
{
	if (p)
		return sv_path_open_direct(p, flags);
	if (no_links && sv.openat2) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
			/* openat takes the permission bits of any mode, openat2 refuses more. */
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode & 07777 : 0,
			.resolve = RESOLVE_NO_SYMLINKS,
		};
		int fd = (int)sv_raw(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
		if (fd != -EINVAL)
			return fd;
		/* Flags openat2 refuses and openat ignores: as openat takes them. */
	}
	return (int)sv_raw(syscall(SYS_openat, dirfd, path,
				   flags | (no_links ? O_NOFOLLOW : 0) | O_CLOEXEC | O_NOCTTY,
				   mode));
}

/* Neither a regular file nor a directory (nor a link, which the open refuses or follows). */
static bool special_type(mode_t type)
{
	return !S_ISREG(type) && !S_ISDIR(type) && !S_ISLNK(type);
}

/*
 * Whether what the open would reach is there and is neither a regular file
 * nor a directory (a FIFO, a device, a socket): an open of it may wait.
 */
static bool special_file(const struct sv_path *p, int dirfd, const char *path, int flags)
{
	struct stat st;

	if (p) {
		if (!sv_path_direct(p))
			return false; /* open_once answers SV_CAREFUL without opening */
		dirfd = p->base;
		path = p->raw;
	}
	if (syscall(SYS_newfstatat, dirfd, path, &st,
		    (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0))
		return false;
	return special_type(st.st_mode);
}

/*
 * An open that never holds up the leader worker: a regular file or a
 * directory is opened with O_NONBLOCK (unless the target asked for it) and
 * kept, the flag cleared again; one whose lease must first be broken
 * (EWOULDBLOCK) is opened again as the target asked, after handing the
 * leader role on. Anything else (a FIFO, a device) is opened only as the
 * target asked, after the handoff: a trial open of a FIFO is not free of
 * effects (it completes the open its peer is blocked in, and closing it
 * leaves that peer with a reader or writer come and gone: EOF, EPIPE, or an
 * open blocked for ever), so its type is asked first. Only a FIFO put in
 * place of a file between that question and the open sees the effect.
 * type: what the open reaches, where the caller knows it (the stat of its
 * O_PATH descriptor), else 0 and it is asked.
 */
static int open_nb(const struct sv_path *p, int dirfd, const char *path, int flags, mode_t mode,
		   bool no_links, mode_t type)
{
	int extra = (flags & (O_NONBLOCK | O_PATH)) ? 0 : O_NONBLOCK;
	struct stat st;
	int fd;

	if (!extra)
		return open_once(p, dirfd, path, flags, mode, no_links);
	if (type ? special_type(type)
		 : special_file(p, dirfd, path, flags | (no_links ? O_NOFOLLOW : 0))) {
		sv_handoff();
		return open_once(p, dirfd, path, flags, mode, no_links);
	}
	fd = open_once(p, dirfd, path, flags | extra, mode, no_links);
	if (fd < 0 && fd != -EWOULDBLOCK)
		return fd; /* SV_CAREFUL included */
	if (fd >= 0) {
		if (syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 &&
		    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
		    fcntl(fd, F_SETFL, flags & (O_APPEND | O_DIRECT | O_NOATIME)) == 0)
			return fd;
		close(fd);
	}
	sv_handoff();
	return open_once(p, dirfd, path, flags, mode, no_links);
}

static int64_t open_tmpfile(struct sv_req *req, struct sv_file_arg *a, int flags, mode_t mode)
{
	int r = target_umask(req);
	if (r < 0)
		return r;
	int fd = (int)sv_raw(syscall(SYS_openat, a->o.fd, ".",
				     (flags & ~O_NOFOLLOW) | O_CLOEXEC | O_NOCTTY, mode));
	return fd < 0 ? fd : sv_reply_fd(req, fd, flags & O_CLOEXEC);
}

static int64_t do_open(struct sv_req *req, int dirfd, uint64_t addr, int flags, mode_t mode)
{
	struct sv_file_arg a;
	int guard, r, fd;
	unsigned rights = policy_open_rights(flags, &guard);
	bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;

	arg_init(&a);
	if ((flags & O_CREAT) && !tmpfile) {
		r = sv_path_read(req, dirfd, addr, req->buf[0], req->buf[1], &a.p);
		if (r == 0 && !a.p.raw[0])
			r = -ENOENT;
		if (r < 0)
			goto out;
		r = (flags & O_EXCL) ? sv_path_entry(req, &a.p, req->out[0], &a.o)
				     : sv_path_create(req, &a.p, guard & FOLLOW, req->out[0], &a.o);
		if (r == 0 && a.o.fd >= 0 && (guard & MAYBE_CREATE)) {
			/* Opening an existing file with O_CREAT creates nothing: no 'c' needed. */
			struct policy_verdict v;
			if (!a.p.name_err)
				check_one(a.p.name, a.p.name_len, rights, &v);
			if (sv.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD || a.p.name_err ||
			    (!v.allowed && !v.by_deny && (v.missing & C)))
				rights &= ~C;
		}
		int j = judge(req, &a, rights);
		if (j < 0)
			r = j;
	} else {
		r = sv_path_read(req, dirfd, addr, req->buf[0], req->buf[1], &a.p);
		if (r == 0 && !a.p.raw[0])
			r = -ENOENT;
		if (r < 0)
			goto out;
		if (!tmpfile && !a.p.need_real && !a.p.name_err) {
			/* The common case: the name is all there is to judge, one open does it. */
			r = judge(req, &a, rights);
			if (r < 0)
				goto out;
			fd = open_nb(&a.p, -1, NULL, flags, 0, false, 0);
			if (fd != SV_CAREFUL) {
				r = fd;
				if (fd < 0)
					goto out;
				sv_file_arg_close(&a);
				return sv_reply_fd(req, fd, flags & O_CLOEXEC);
			}
		}
		r = sv_path_object(req, &a.p, (guard & FOLLOW) ? SV_PATH_FOLLOW : 0, req->out[0],
				   &a.o);
		int j = judge(req, &a, rights);
		if (j < 0)
			r = j;
	}
	if (r < 0)
		goto out;

	if (tmpfile) {
		r = (int)open_tmpfile(req, &a, flags, mode);
		goto out;
	}
	if (a.o.fd < 0) {
		/* Creating: at the entry judged, never through a link planted since. */
		r = target_umask(req);
		if (r < 0)
			goto out;
		fd = open_nb(NULL, a.o.parent, a.o.last, flags, mode, true, 0);
	} else if (flags & O_PATH) {
		/*
		 * SECCOMP_IOCTL_NOTIF_ADDFD refuses O_PATH descriptors. A read-only
		 * one stands in for a file or a directory ('r', what O_PATH is
		 * judged with, allows reading); anything else cannot be handed over.
		 */
		struct stat st;
		char self[32];
		if (syscall(SYS_newfstatat, a.o.fd, "", &st, AT_EMPTY_PATH) < 0) {
			r = -errno;
			goto out;
		}
		if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			goto out;
		}
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			r = S_ISLNK(st.st_mode) ? -ELOOP : -EACCES;
			goto out;
		}
		sv_fd_path(a.o.fd, self);
		fd = open_nb(NULL, AT_FDCWD, self,
			     O_RDONLY | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0), 0, false,
			     st.st_mode);
	} else {
		struct stat st;
		char self[32];
		/* What the open reaches: for O_NOFOLLOW, and for open_nb (no second look). */
		if (syscall(SYS_newfstatat, a.o.fd, "", &st, AT_EMPTY_PATH) < 0)
			st.st_mode = 0;
		if ((flags & O_NOFOLLOW) && S_ISLNK(st.st_mode)) {
			r = -ELOOP; /* O_NOFOLLOW on a symlink */
			goto out;
		}
		if ((flags & O_CREAT) && (flags & O_EXCL)) {
			r = -EEXIST;
			goto out;
		}
		sv_fd_path(a.o.fd, self);
		fd = open_nb(NULL, AT_FDCWD, self, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), 0,
			     false, st.st_mode);
	}
	if (fd < 0) {
		r = fd;
		goto out;
	}
	sv_file_arg_close(&a);
	return sv_reply_fd(req, fd, flags & O_CLOEXEC);
out:
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_open(struct sv_req *req)
{
	return do_open(req, AT_FDCWD, ARG(0), IARG(1), (mode_t)ARG(2));
}

static int64_t h_openat(struct sv_req *req)
{
	return do_open(req, IARG(0), ARG(1), IARG(2), (mode_t)ARG(3));
}

static int64_t h_creat(struct sv_req *req)
{
	return do_open(req, AT_FDCWD, ARG(0), O_CREAT | O_WRONLY | O_TRUNC, (mode_t)ARG(1));
}

/* ---- metadata: r --------------------------------------------------------------- */

unsigned sv_file_at_how(int flags)
{
	return ((flags & AT_SYMLINK_NOFOLLOW) ? OBJ_NOFOLLOW : OBJ_FOLLOW) |
	       ((flags & AT_EMPTY_PATH) ? OBJ_EMPTY : 0);
}

static int64_t do_stat(struct sv_req *req, int dirfd, uint64_t addr, uint64_t buf, int flags)
{
	struct sv_file_arg a;
	struct stat st;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	int64_t r = sv_file_prepare(req, dirfd, addr, sv_file_at_how(flags) | OBJ_LOOK, R, &a);
	if (r == 0)
		r = sv_raw(syscall(SYS_newfstatat, a.o.fd, "", &st,
				   AT_EMPTY_PATH | (flags & AT_NO_AUTOMOUNT)));
	if (r == 0)
		r = sv_mem_write(req, buf, &st, sizeof(st));
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_stat(struct sv_req *req)
{
	return do_stat(req, AT_FDCWD, ARG(0), ARG(1), 0);
}

static int64_t h_lstat(struct sv_req *req)
{
	return do_stat(req, AT_FDCWD, ARG(0), ARG(1), AT_SYMLINK_NOFOLLOW);
}

static int64_t h_newfstatat(struct sv_req *req)
{
	return do_stat(req, IARG(0), ARG(1), ARG(2), IARG(3));
}

static int64_t h_statx(struct sv_req *req)
{
	struct sv_file_arg a;
	struct statx stx;
	int flags = IARG(2);

	/* statx(fd, NULL, AT_EMPTY_PATH) (6.11) is the descriptor itself, like "". */
	int64_t r = sv_file_prepare(req, IARG(0), ARG(1), sv_file_at_how(flags) | OBJ_LOOK, R, &a);
	if (r == 0)
		r = sv_raw(syscall(SYS_statx, a.o.fd, "",
				   (flags & ~AT_SYMLINK_NOFOLLOW) | AT_EMPTY_PATH, (unsigned)ARG(3),
				   &stx));
	if (r == 0)
		r = sv_mem_write(req, ARG(4), &stx, sizeof(stx));
	sv_file_arg_close(&a);
	return r;
}

static int64_t do_access(struct sv_req *req, int dirfd, uint64_t addr, int mode, int flags)
{
	struct sv_file_arg a;
	char self[32];

	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int64_t r = sv_file_prepare(req, dirfd, addr, sv_file_at_how(flags) | OBJ_LOOK, R, &a);
	if (r == 0) {
		r = sv_raw(syscall(SYS_faccessat2, a.o.fd, "", mode,
				   AT_EMPTY_PATH | (flags & AT_EACCESS)));
		if (r == -ENOSYS) {
			/* Before 5.8: through the descriptor's /proc link (same credentials). */
			sv_fd_path(a.o.fd, self);
			r = sv_raw(syscall(SYS_faccessat, AT_FDCWD, self, mode));
		}
	}
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_access(struct sv_req *req)
{
	return do_access(req, AT_FDCWD, ARG(0), IARG(1), 0);
}

static int64_t h_faccessat(struct sv_req *req)
{
	return do_access(req, IARG(0), ARG(1), IARG(2), 0);
}

static int64_t h_faccessat2(struct sv_req *req)
{
	return do_access(req, IARG(0), ARG(1), IARG(2), IARG(3));
}

static int64_t do_readlink(struct sv_req *req, int dirfd, uint64_t addr, uint64_t buf, int size)
{
	struct sv_file_arg a;
	char target[PATH_MAX];

	if (size <= 0)
		return -EINVAL;
	/* A look, as in the shim: realpath() readlinks each directory on the way. */
	int64_t r = sv_file_prepare(req, dirfd, addr, OBJ_NOFOLLOW | OBJ_EMPTY | OBJ_LOOK, R, &a);
	if (r == 0)
		r = sv_raw(
			readlinkat(a.o.fd, "", target,
				   (size_t)size < sizeof(target) ? (size_t)size : sizeof(target)));
	if (r == -ENOENT && !a.on_dirfd) {
		/* Not a link: readlinkat(fd, "") says ENOENT, a readlink of its name EINVAL. */
		struct stat st;
		if (syscall(SYS_newfstatat, a.o.fd, "", &st, AT_EMPTY_PATH) == 0 &&
		    !S_ISLNK(st.st_mode))
			r = -EINVAL;
	}
	if (r > 0) {
		int w = sv_mem_write(req, buf, target, (size_t)r);
		if (w < 0)
			r = w;
	}
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_readlink(struct sv_req *req)
{
	return do_readlink(req, AT_FDCWD, ARG(0), ARG(1), IARG(2));
}

static int64_t h_readlinkat(struct sv_req *req)
{
	return do_readlink(req, IARG(0), ARG(1), ARG(2), IARG(3));
}

/* ---- creation and deletion: c, d ------------------------------------------------ */

static int64_t do_mknod(struct sv_req *req, int dirfd, uint64_t addr, mode_t mode, dev_t dev,
			bool dir)
{
	struct sv_file_arg a;
	int64_t r = sv_file_prepare(req, dirfd, addr, OBJ_ENTRY, C, &a);
	if (r == 0)
		r = target_umask(req);
	if (r == 0)
		r = dir ? sv_raw(syscall(SYS_mkdirat, a.o.parent, a.o.last, mode))
			: sv_raw(syscall(SYS_mknodat, a.o.parent, a.o.last, mode, dev));
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_mkdir(struct sv_req *req)
{
	return do_mknod(req, AT_FDCWD, ARG(0), (mode_t)ARG(1), 0, true);
}

static int64_t h_mkdirat(struct sv_req *req)
{
	return do_mknod(req, IARG(0), ARG(1), (mode_t)ARG(2), 0, true);
}

static int64_t h_mknod(struct sv_req *req)
{
	return do_mknod(req, AT_FDCWD, ARG(0), (mode_t)ARG(1), (dev_t)ARG(2), false);
}

static int64_t h_mknodat(struct sv_req *req)
{
	return do_mknod(req, IARG(0), ARG(1), (mode_t)ARG(2), (dev_t)ARG(3), false);
}

static int64_t do_unlink(struct sv_req *req, int dirfd, uint64_t addr, int flags)
{
	struct sv_file_arg a;
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	int64_t r = sv_file_prepare(req, dirfd, addr, OBJ_ENTRY, D, &a);
	if (r == 0)
		r = sv_raw(syscall(SYS_unlinkat, a.o.parent, a.o.last, flags));
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_unlink(struct sv_req *req)
{
	return do_unlink(req, AT_FDCWD, ARG(0), 0);
}

static int64_t h_rmdir(struct sv_req *req)
{
	return do_unlink(req, AT_FDCWD, ARG(0), AT_REMOVEDIR);
}

static int64_t h_unlinkat(struct sv_req *req)
{
	return do_unlink(req, IARG(0), ARG(1), IARG(2));
}

/* rename: the source is deleted from its name, the target created (or replaced). */
static int64_t do_rename(struct sv_req *req, int olddir, uint64_t oldaddr, int newdir,
			 uint64_t newaddr, unsigned flags)
{
	struct sv_file_arg src, dst;
	struct stat st;
	int64_t r;

	arg_init(&src);
	arg_init(&dst);
	r = resolve(req, 0, olddir, oldaddr, OBJ_ENTRY, &src);
	int64_t r2 = r == -EFAULT || r == -ENAMETOOLONG || r == -ESRCH || r == -EBADF
			     ? 0
			     : resolve(req, 1, newdir, newaddr, OBJ_ENTRY, &dst);
	if (r == -EFAULT || r == -ENAMETOOLONG || r == -ESRCH || r == -EBADF)
		goto out;
	if (r2 == -EFAULT || r2 == -ENAMETOOLONG || r2 == -ESRCH || r2 == -EBADF) {
		r = r2;
		goto out;
	}
	unsigned target = C;
	if (flags & RENAME_EXCHANGE)
		target = C | D; /* both names are replaced */
	/* As the shim judges a rename (file_ops.c): the source's rights, and what is below it. */
	int j = judge(req, &src, (flags & RENAME_EXCHANGE) ? R | W | C | D : R | W | D);
	if (j < 0) {
		r = j;
		goto out;
	}
	if (r == 0 && !src.p.name_err && sv.policy &&
	    syscall(SYS_newfstatat, src.o.parent, src.o.last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode) &&
	    policy_path_denies_below(sv.policy, src.p.name, src.p.name_len)) {
		struct policy_verdict none = {.allowed = false, .rule = -1};
		if (act_on(req, src.p.name, src.p.name_len, D, &none,
			   "deny rules cover paths below it, which would come out from under them "
			   "with new names")) {
			r = -EACCES;
			goto out;
		}
	}
	if (r2 == 0 && !(flags & RENAME_NOREPLACE) &&
	    syscall(SYS_newfstatat, dst.o.parent, dst.o.last, &st, AT_SYMLINK_NOFOLLOW) == 0)
		target |= D; /* the existing target is destroyed */
	j = judge(req, &dst, target);
	if (j < 0) {
		r = j;
		goto out;
	}
	if (r == 0)
		r = r2;
	if (r == 0)
		r = sv_raw(syscall(SYS_renameat2, src.o.parent, src.o.last, dst.o.parent,
				   dst.o.last, flags));
out:
	sv_file_arg_close(&src);
	sv_file_arg_close(&dst);
	return r;
}

static int64_t h_rename(struct sv_req *req)
{
	return do_rename(req, AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0);
}

static int64_t h_renameat(struct sv_req *req)
{
	return do_rename(req, IARG(0), ARG(1), IARG(2), ARG(3), 0);
}

static int64_t h_renameat2(struct sv_req *req)
{
	return do_rename(req, IARG(0), ARG(1), IARG(2), ARG(3), (unsigned)ARG(4));
}

/*
 * A hard link is a second name for the same file: the source must be
 * readable and writable by the profile (or the link would launder access to
 * it) and the new name creatable.
 */
static int64_t do_link(struct sv_req *req, int olddir, uint64_t oldaddr, int newdir,
		       uint64_t newaddr, int flags)
{
	struct sv_file_arg src, dst;
	char self[32];
	int64_t r;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	unsigned how = (flags & AT_SYMLINK_FOLLOW) ? OBJ_FOLLOW : OBJ_ENTRY;
	if (flags & AT_EMPTY_PATH)
		how |= OBJ_EMPTY;
	r = sv_file_prepare(req, olddir, oldaddr, how, R | W, &src);
	if (r < 0) {
		sv_file_arg_close(&src);
		return r;
	}
	r = sv_file_prepare(req, newdir, newaddr, OBJ_ENTRY, C, &dst);
	if (r == 0) {
		if (src.on_dirfd) {
			/* The kernel's own rules for AT_EMPTY_PATH (CAP_DAC_READ_SEARCH) apply to us alike. */
			r = sv_raw(syscall(SYS_linkat, src.o.fd, "", dst.o.parent, dst.o.last,
					   AT_EMPTY_PATH));
		} else if (how & OBJ_FOLLOW) {
			sv_fd_path(src.o.fd, self);
			r = sv_raw(syscall(SYS_linkat, AT_FDCWD, self, dst.o.parent, dst.o.last,
					   AT_SYMLINK_FOLLOW));
		} else {
			r = sv_raw(syscall(SYS_linkat, src.o.parent, src.o.last, dst.o.parent,
					   dst.o.last, 0));
		}
	}
	sv_file_arg_close(&src);
	sv_file_arg_close(&dst);
	return r;
}

static int64_t h_link(struct sv_req *req)
{
	return do_link(req, AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0);
}

static int64_t h_linkat(struct sv_req *req)
{
	return do_link(req, IARG(0), ARG(1), IARG(2), ARG(3), IARG(4));
}

static int64_t do_symlink(struct sv_req *req, uint64_t target_addr, int newdir, uint64_t addr)
{
	struct sv_file_arg a;
	char target[PATH_MAX];

	/* The link's text is only text: what it names is judged when it is followed. */
	if (!sv_req_valid(req))
		return -ESRCH;
	ssize_t n = sv_mem_read_str(req, target_addr, target, sizeof(target));
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	int64_t r = sv_file_prepare(req, newdir, addr, OBJ_ENTRY, C, &a);
	if (r == 0)
		r = sv_raw(syscall(SYS_symlinkat, target, a.o.parent, a.o.last));
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_symlink(struct sv_req *req)
{
	return do_symlink(req, ARG(0), AT_FDCWD, ARG(1));
}

static int64_t h_symlinkat(struct sv_req *req)
{
	return do_symlink(req, ARG(0), IARG(1), ARG(2));
}

const struct sv_call sv_file_calls[] = {
	{"open", h_open},
	{"openat", h_openat},
	{"creat", h_creat},
	{"stat", h_stat},
	{"lstat", h_lstat},
	{"newfstatat", h_newfstatat},
	{"statx", h_statx},
	{"access", h_access},
	{"faccessat", h_faccessat},
	{"faccessat2", h_faccessat2},
	{"readlink", h_readlink},
	{"readlinkat", h_readlinkat},
	{"mkdir", h_mkdir},
	{"mkdirat", h_mkdirat},
	{"mknod", h_mknod},
	{"mknodat", h_mknodat},
	{"rmdir", h_rmdir},
	{"unlink", h_unlink},
	{"unlinkat", h_unlinkat},
	{"rename", h_rename},
	{"renameat", h_renameat},
	{"renameat2", h_renameat2},
	{"link", h_link},
	{"linkat", h_linkat},
	{"symlink", h_symlink},
	{"symlinkat", h_symlinkat},
	{NULL, NULL},
};
