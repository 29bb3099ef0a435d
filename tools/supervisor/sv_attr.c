// SPDX-License-Identifier: MIT
/*
 * File system calls that change what a file is rather than where it is
 * (chmod, chown, truncate, the utime family, extended attributes),
 * performed by the supervisor on the O_PATH descriptor of what the path
 * leads to (sv_file.c describes the shape: read, resolve, judge, act).
 * Calls without an *at form act on /proc/self/fd/N, which the kernel
 * follows to that very descriptor; a final symlink that is not followed is
 * reached as /proc/self/fd/<parent>/<name>.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "sv.h"
#include "sv_file.h"

/* ---- modification: w ------------------------------------------------------------- */

static int64_t do_chmod(struct sv_req *req, int dirfd, uint64_t addr, mode_t mode, int flags)
{
	struct sv_file_arg a;
	struct stat st;
	char self[32];

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int64_t r = sv_file_prepare(req, dirfd, addr, sv_file_at_how(flags), W, &a);
	if (r == 0 && (flags & AT_SYMLINK_NOFOLLOW) &&
	    syscall(SYS_newfstatat, a.o.fd, "", &st, AT_EMPTY_PATH) == 0 && S_ISLNK(st.st_mode))
		r = -EOPNOTSUPP; /* a symlink's mode cannot be changed */
	if (r == 0) {
		sv_fd_path(a.o.fd, self);
		r = sv_raw(syscall(SYS_fchmodat, AT_FDCWD, self, mode));
	}
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_chmod(struct sv_req *req)
{
	return do_chmod(req, AT_FDCWD, ARG(0), (mode_t)ARG(1), 0);
}

static int64_t h_fchmodat(struct sv_req *req)
{
	return do_chmod(req, IARG(0), ARG(1), (mode_t)ARG(2), 0);
}

static int64_t h_fchmodat2(struct sv_req *req)
{
	return do_chmod(req, IARG(0), ARG(1), (mode_t)ARG(2), IARG(3));
}

static int64_t do_chown(struct sv_req *req, int dirfd, uint64_t addr, uid_t uid, gid_t gid,
			int flags)
{
	struct sv_file_arg a;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int64_t r = sv_file_prepare(req, dirfd, addr, sv_file_at_how(flags), W, &a);
	if (r == 0)
		r = sv_raw(syscall(SYS_fchownat, a.o.fd, "", uid, gid, AT_EMPTY_PATH));
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_chown(struct sv_req *req)
{
	return do_chown(req, AT_FDCWD, ARG(0), (uid_t)ARG(1), (gid_t)ARG(2), 0);
}

static int64_t h_lchown(struct sv_req *req)
{
	return do_chown(req, AT_FDCWD, ARG(0), (uid_t)ARG(1), (gid_t)ARG(2), AT_SYMLINK_NOFOLLOW);
}

static int64_t h_fchownat(struct sv_req *req)
{
	return do_chown(req, IARG(0), ARG(1), (uid_t)ARG(2), (gid_t)ARG(3), IARG(4));
}

static int64_t h_truncate(struct sv_req *req)
{
	struct sv_file_arg a;
	char self[32];
	int64_t r = sv_file_prepare(req, AT_FDCWD, ARG(0), OBJ_FOLLOW, W, &a);
	if (r == 0) {
		sv_handoff(); /* it waits for a lease on the file to be broken */
		sv_fd_path(a.o.fd, self);
		r = sv_raw(syscall(SYS_truncate, self, (off_t)ARG(1)));
	}
	sv_file_arg_close(&a);
	return r;
}

/*
 * Sets times on what the path leads to; times NULL means "now". A final
 * symlink that is not followed is changed through its parent and name.
 */
static int64_t do_utimes(struct sv_req *req, int dirfd, uint64_t addr, const struct timespec *times,
			 int flags)
{
	struct sv_file_arg a;
	char self[PATH_MAX];

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!addr) {
		/* utimensat(fd, NULL, ...): futimens on the target's own descriptor. */
		if (!sv_req_valid(req))
			return -ESRCH;
		if (dirfd < 0)
			return dirfd == AT_FDCWD ? -EFAULT : -EBADF;
		snprintf(self, sizeof(self), "/proc/%d/fd/%d", (int)req->tid, dirfd);
		return sv_raw(syscall(SYS_utimensat, AT_FDCWD, self, times, 0));
	}
	unsigned how = (flags & AT_SYMLINK_NOFOLLOW) ? OBJ_ENTRY : OBJ_FOLLOW;
	int64_t r = sv_file_prepare(req, dirfd, addr,
				    how | ((flags & AT_EMPTY_PATH) ? OBJ_EMPTY : 0), W, &a);
	if (r == 0) {
		if (a.o.fd >= 0) {
			sv_fd_path(a.o.fd, self);
			r = sv_raw(syscall(SYS_utimensat, AT_FDCWD, self, times, 0));
		} else {
			r = sv_raw(syscall(SYS_utimensat, a.o.parent, a.o.last, times,
					   AT_SYMLINK_NOFOLLOW));
		}
	}
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_utimensat(struct sv_req *req)
{
	struct timespec ts[2];
	if (ARG(2)) {
		if (!sv_req_valid(req))
			return -ESRCH;
		int r = sv_mem_read(req, ARG(2), ts, sizeof(ts));
		if (r < 0)
			return r;
	}
	return do_utimes(req, IARG(0), ARG(1), ARG(2) ? ts : NULL, IARG(3));
}

/* utimes and futimesat take struct timeval[2]; utime a struct utimbuf. */
static int64_t timeval_call(struct sv_req *req, int dirfd, uint64_t path, uint64_t tv_addr)
{
	struct timeval tv[2];
	struct timespec ts[2];
	if (tv_addr) {
		if (!sv_req_valid(req))
			return -ESRCH;
		int r = sv_mem_read(req, tv_addr, tv, sizeof(tv));
		if (r < 0)
			return r;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i].tv_sec = tv[i].tv_sec;
			ts[i].tv_nsec = tv[i].tv_usec * 1000;
		}
	}
	return do_utimes(req, dirfd, path, tv_addr ? ts : NULL, 0);
}

static int64_t h_utimes(struct sv_req *req)
{
	return timeval_call(req, AT_FDCWD, ARG(0), ARG(1));
}

static int64_t h_futimesat(struct sv_req *req)
{
	return timeval_call(req, IARG(0), ARG(1), ARG(2));
}

static int64_t h_utime(struct sv_req *req)
{
	struct utimbuf ub;
	struct timespec ts[2];
	if (ARG(1)) {
		if (!sv_req_valid(req))
			return -ESRCH;
		int r = sv_mem_read(req, ARG(1), &ub, sizeof(ub));
		if (r < 0)
			return r;
		ts[0] = (struct timespec){.tv_sec = ub.actime};
		ts[1] = (struct timespec){.tv_sec = ub.modtime};
	}
	return do_utimes(req, AT_FDCWD, ARG(0), ARG(1) ? ts : NULL, 0);
}

/* ---- extended attributes ------------------------------------------------------------ */

enum xattr_op {
	XATTR_GET,
	XATTR_SET,
	XATTR_LIST,
	XATTR_REMOVE,
};

/*
 * The xattr calls have no *at form: they are done on /proc/self/fd/N (the
 * object), or /proc/self/fd/<parent>/<name> for the l* variants, whose
 * final component is not followed.
 */
static int64_t do_xattr(struct sv_req *req, enum xattr_op op, bool follow)
{
	struct sv_file_arg a;
	char where[PATH_MAX], name[XATTR_NAME_MAX + 1];
	size_t size = op == XATTR_LIST ? (size_t)ARG(2) : op == XATTR_REMOVE ? 0 : (size_t)ARG(3);
	uint64_t value = op == XATTR_LIST ? ARG(1) : ARG(2);
	int64_t r;

	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	if (op != XATTR_LIST) {
		if (!sv_req_valid(req))
			return -ESRCH;
		ssize_t n = sv_mem_read_str(req, ARG(1), name, sizeof(name));
		if (n < 0)
			return n == -ENAMETOOLONG ? -ERANGE : n;
		if (n == 0)
			return -ERANGE;
	}
	char *data = sv_req_big(req, size ? size : 1);
	if (!data)
		return -ENOMEM;
	if (op == XATTR_SET && size) {
		r = sv_mem_read(req, value, data, size);
		if (r < 0)
			return r;
	}
	unsigned rights = op == XATTR_GET || op == XATTR_LIST ? R : W;
	r = sv_file_prepare(req, AT_FDCWD, ARG(0), follow ? OBJ_FOLLOW : OBJ_ENTRY, rights, &a);
	if (r == 0) {
		if (a.o.fd >= 0)
			sv_fd_path(a.o.fd, where);
		else
			r = sv_file_entry_path(&a.o, where, sizeof(where));
	}
	if (r == 0) {
		switch (op) {
		case XATTR_GET:
			r = sv_raw(syscall(follow ? SYS_getxattr : SYS_lgetxattr, where, name, data,
					   size));
			break;
		case XATTR_SET:
			r = sv_raw(syscall(follow ? SYS_setxattr : SYS_lsetxattr, where, name, data,
					   size, IARG(4)));
			break;
		case XATTR_LIST:
			r = sv_raw(syscall(follow ? SYS_listxattr : SYS_llistxattr, where, data,
					   size));
			break;
		case XATTR_REMOVE:
			r = sv_raw(
				syscall(follow ? SYS_removexattr : SYS_lremovexattr, where, name));
			break;
		}
	}
	if (r > 0 && size && (op == XATTR_GET || op == XATTR_LIST)) {
		int w = sv_mem_write(req, value, data, (size_t)r);
		if (w < 0)
			r = w;
	}
	sv_file_arg_close(&a);
	return r;
}

static int64_t h_getxattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_GET, true);
}

static int64_t h_lgetxattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_GET, false);
}

static int64_t h_setxattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_SET, true);
}

static int64_t h_lsetxattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_SET, false);
}

static int64_t h_listxattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_LIST, true);
}

static int64_t h_llistxattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_LIST, false);
}

static int64_t h_removexattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_REMOVE, true);
}

static int64_t h_lremovexattr(struct sv_req *req)
{
	return do_xattr(req, XATTR_REMOVE, false);
}

const struct sv_call sv_attr_calls[] = {
	{"chmod", h_chmod},
	{"fchmodat", h_fchmodat},
	{"fchmodat2", h_fchmodat2},
	{"chown", h_chown},
	{"lchown", h_lchown},
	{"fchownat", h_fchownat},
	{"truncate", h_truncate},
	{"utime", h_utime},
	{"utimes", h_utimes},
	{"futimesat", h_futimesat},
	{"utimensat", h_utimensat},
	{"getxattr", h_getxattr},
	{"lgetxattr", h_lgetxattr},
	{"setxattr", h_setxattr},
	{"lsetxattr", h_lsetxattr},
	{"listxattr", h_listxattr},
	{"llistxattr", h_llistxattr},
	{"removexattr", h_removexattr},
	{"lremovexattr", h_lremovexattr},
	{NULL, NULL},
};
