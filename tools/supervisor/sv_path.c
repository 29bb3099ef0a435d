// SPDX-License-Identifier: MIT
/*
 * What a path argument of the target names, and what it leads to, found
 * without a window for the target to change the answer.
 *
 * The supervisor works on its own copy of the path (the target's memory is
 * never read again) and resolves it to an O_PATH descriptor before anything
 * is opened for real: the descriptor is what gets judged (its canonical
 * name, /proc/self/fd/N) and then what gets opened, changed or stat'ed
 * (through /proc/self/fd/N or an *at call on it). A symlink flipped after
 * the judgement changes nothing: the descriptor stays on what was judged.
 *
 * Two ways to resolve:
 *  - fast: openat2(RESOLVE_NO_MAGICLINKS) relative to the target's cwd or
 *    dirfd (opened through /proc/TID/cwd, /proc/TID/fd/N);
 *  - a walk, one component at a time (O_PATH|O_NOFOLLOW, symlinks read and
 *    followed here), for everything under /proc and whatever leads there.
 *    "self" and "thread-self" mean the *target* (the kernel would resolve
 *    them to the supervisor), so they are rewritten to its ids; the magic
 *    links below /proc/<pid> are followed by the kernel (the pid is
 *    explicit); fs.protected_symlinks is applied as the kernel would.
 *    A path that reaches the supervisor's own /proc entries is refused.
 *
 * The lexical name (normalised against the cwd or the dirfd's directory)
 * is what the shim judges; the canonical name is judged too where links can
 * be planted (policy_path_may_hold_links), after "..", and under /proc and
 * /dev/fd, as the shim does (lib/path_resolve.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "path_norm.h"
#include "sv.h"

#define MAX_LINKS 40

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "/proc" itself or anything below it. */
static bool under_proc(const char *s)
{
	return starts_with(s, "/proc") && (s[5] == '\0' || s[5] == '/');
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return true;
	return false;
}

size_t sv_proc_self_alias(struct sv_req *req, char *buf, size_t len)
{
	char pid[24];
	if (len < 7 || memcmp(buf, "/proc/", 6) != 0 || buf[6] < '1' || buf[6] > '9')
		return len;
	pid_t tgid = sv_req_tgid(req);
	if (tgid <= 0)
		return len;
	int n = snprintf(pid, sizeof(pid), "/proc/%d", (int)tgid);
	if (n <= 0 || len < (size_t)n || memcmp(buf, pid, (size_t)n) != 0 ||
	    (buf[n] != '/' && buf[n] != '\0'))
		return len;
	memmove(buf + 10, buf + n, len - (size_t)n + 1);
	memcpy(buf, "/proc/self", 10);
	return len - (size_t)n + 10;
}

/* The path one of our descriptors is at; -ENOENT for pipes, sockets, deleted files. */
static int fd_canon(int fd, char *buf, size_t *ret_len)
{
	char link[32];
	sv_fd_path(fd, link);
	ssize_t n = readlink(link, buf, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOENT;
	if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
		return -ENOENT;
	*ret_len = (size_t)n;
	return 0;
}

int sv_path_set(struct sv_req *req, int dirfd, char *raw_buf, char *name_buf, struct sv_path *p)
{
	char base_name[PATH_MAX], link[64];
	size_t blen = 0;

	*p = (struct sv_path){.raw = raw_buf, .base = AT_FDCWD, .name = name_buf};
	name_buf[0] = '\0';
	if (raw_buf[0] != '/') {
		/* Relative (or "" for AT_EMPTY_PATH): the target's cwd or dirfd, by its /proc links. */
		if (dirfd == AT_FDCWD)
			snprintf(link, sizeof(link), "/proc/%d/cwd", (int)req->tid);
		else if (dirfd >= 0)
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)req->tid, dirfd);
		else
			return -EBADF;
		p->base = (int)syscall(SYS_openat, AT_FDCWD, link, O_PATH | O_CLOEXEC);
		if (p->base < 0)
			return errno == ENOENT && dirfd != AT_FDCWD ? -EBADF : -errno;
		if (raw_buf[0] && fd_canon(p->base, base_name, &blen) < 0)
			p->name_err = -ENOENT; /* a deleted cwd, a dirfd that is not a directory */
	}
	if (!raw_buf[0] || p->name_err)
		return 0;
	int r = path_normalize(blen ? base_name : NULL, raw_buf, name_buf, PATH_MAX, &p->name_len);
	if (r < 0) {
		p->name_err = r;
		return 0;
	}
	p->name_len = sv_proc_self_alias(req, name_buf, p->name_len);
	p->need_real = has_dotdot(raw_buf) || under_proc(name_buf) ||
		       starts_with(name_buf, "/dev/fd/") ||
		       (sv.policy && policy_path_may_hold_links(sv.policy, name_buf, p->name_len));
	return 0;
}

int sv_path_read(struct sv_req *req, int dirfd, uint64_t addr, char *raw_buf, char *name_buf,
		 struct sv_path *p)
{
	*p = (struct sv_path){.raw = raw_buf, .base = AT_FDCWD, .name = name_buf};
	raw_buf[0] = '\0';
	if (!sv_req_valid(req))
		return -ESRCH;
	if (addr) {
		ssize_t n = sv_mem_read_str(req, addr, raw_buf, PATH_MAX);
		if (n < 0)
			return (int)n;
	}
	int r = sv_path_set(req, dirfd, raw_buf, name_buf, p);
	if (r == 0 && !sv_req_valid(req))
		r = -ESRCH;
	return r;
}

void sv_path_close(struct sv_path *p)
{
	if (p->base >= 0)
		close(p->base);
	p->base = AT_FDCWD;
}

static void obj_init(struct sv_obj *o, char *canon_buf)
{
	*o = (struct sv_obj){.fd = -1, .parent = -1, .canon = canon_buf};
	canon_buf[0] = '\0';
}

void sv_obj_close(struct sv_obj *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->parent >= 0)
		close(o->parent);
	o->fd = o->parent = -1;
}

/* canon = normalise(dir + "/" + last), last's trailing slashes dropped. */
static void canon_join(struct sv_req *req, struct sv_obj *o, const char *dir, const char *last)
{
	char tmp[NAME_MAX + 2];
	size_t n = strlen(last);
	while (n > 1 && last[n - 1] == '/')
		n--;
	memcpy(tmp, last, n);
	tmp[n] = '\0';
	char joined[PATH_MAX];
	if (path_normalize(dir, tmp, joined, sizeof(joined), &o->canon_len) < 0) {
		o->have_canon = false;
		return;
	}
	memcpy(o->canon, joined, o->canon_len + 1);
	o->canon_len = sv_proc_self_alias(req, o->canon, o->canon_len);
	o->have_canon = true;
}

static int open_how(int base, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC),
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	return (int)sv_raw(syscall(SYS_openat2, base, path, &how, sizeof(how)));
}

/* ---- the walk ---------------------------------------------------------------- */

enum {
	W_FOLLOW = 1, /* follow a final symlink */
	W_CREATE = 2, /* a missing final component is fine: stop at its parent */
	W_ENTRY = 4,  /* stop at the final component's parent, never look at it */
};

struct walk {
	struct sv_req *req;
	int cur;
	char canon[PATH_MAX];
	size_t len;
	bool canon_ok;
};

static void walk_push(struct walk *w, const char *comp)
{
	size_t n = strlen(comp);
	if (!w->canon_ok || w->len + 1 + n >= sizeof(w->canon)) {
		w->canon_ok = false;
		return;
	}
	if (w->len > 1)
		w->canon[w->len++] = '/';
	memcpy(w->canon + w->len, comp, n + 1);
	w->len += n;
}

static void walk_pop(struct walk *w)
{
	while (w->len > 1 && w->canon[w->len - 1] != '/')
		w->len--;
	if (w->len > 1)
		w->len--;
	w->canon[w->len] = '\0';
}

static int walk_root(struct walk *w)
{
	int fd = (int)sv_raw(syscall(SYS_openat, AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return fd;
	if (w->cur >= 0)
		close(w->cur);
	w->cur = fd;
	strcpy(w->canon, "/");
	w->len = 1;
	w->canon_ok = true;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* True when /proc/<comp> is the supervisor itself or one of its threads. */
static bool is_supervisor(const char *comp)
{
	/* Succeeds only for a thread of the supervisor's: no /proc read (~10 us). */
	errno = 0;
	long tid = strtol(comp, NULL, 10);
	if (errno == ERANGE || tid > INT_MAX)
		return false; /* no such process */
	if (syscall(SYS_tgkill, sv.self, (pid_t)tid, 0) == 0)
		return true;
	if (errno == ESRCH)
		return false;
	return sv_tid_tgid((pid_t)tid) == sv.self;
}

/* fs.protected_symlinks: a link in a sticky world-writable directory is followed only by its owner. */
static bool may_follow(int dirfd, const struct stat *link)
{
	struct stat dir;
	if (!sv.protected_symlinks)
		return true;
	if (syscall(SYS_newfstatat, dirfd, "", &dir, AT_EMPTY_PATH) < 0)
		return false;
	if (!(dir.st_mode & S_ISVTX) || !(dir.st_mode & S_IWOTH))
		return true;
	return link->st_uid == geteuid() || link->st_uid == dir.st_uid;
}

static int walk(struct sv_req *req, const struct sv_path *p, unsigned mode, struct sv_obj *o)
{
	struct walk w = {.req = req, .cur = -1};
	char pend[2 * PATH_MAX], tmp[2 * PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
	size_t pos = 0;
	int links = 0, r;

	if (p->raw[0] == '/') {
		r = walk_root(&w);
		if (r < 0)
			return r;
	} else {
		w.cur = (int)sv_raw(fcntl(p->base, F_DUPFD_CLOEXEC, 0));
		if (w.cur < 0)
			return w.cur;
		w.canon_ok = fd_canon(w.cur, w.canon, &w.len) == 0;
	}
	snprintf(pend, sizeof(pend), "%s", p->raw);
	for (;;) {
		while (pend[pos] == '/')
			pos++;
		if (!pend[pos])
			break;
		size_t start = pos;
		while (pend[pos] && pend[pos] != '/')
			pos++;
		size_t clen = pos - start, after = pos;
		bool slash = false;
		while (pend[after] == '/') {
			after++;
			slash = true;
		}
		bool is_last = !pend[after];
		if (clen > NAME_MAX) {
			r = -ENAMETOOLONG;
			goto fail;
		}
		memcpy(comp, pend + start, clen);
		comp[clen] = '\0';

		if (is_last && (mode & W_ENTRY)) {
			o->parent = w.cur;
			snprintf(o->last, sizeof(o->last), "%s%s", comp, slash ? "/" : "");
			if (w.canon_ok)
				canon_join(req, o, w.canon, comp);
			return 0;
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			int fd = (int)sv_raw(
				syscall(SYS_openat, w.cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
			if (fd < 0) {
				r = fd;
				goto fail;
			}
			close(w.cur);
			w.cur = fd;
			walk_pop(&w);
			continue;
		}
		if (w.canon_ok && strcmp(w.canon, "/proc") == 0) {
			pid_t tgid = sv_req_tgid(req);
			if (strcmp(comp, "self") == 0 || strcmp(comp, "thread-self") == 0) {
				if (tgid <= 0) {
					r = tgid < 0 ? tgid : -ESRCH;
					goto fail;
				}
				/* The target's own entries, not the supervisor's. */
				int n = comp[0] == 's'
						? snprintf(tmp, sizeof(tmp), "%d%s", (int)tgid,
							   pend + pos)
						: snprintf(tmp, sizeof(tmp), "%d/task/%d%s",
							   (int)tgid, (int)req->tid, pend + pos);
				if (n < 0 || (size_t)n >= sizeof(pend)) {
					r = -ENAMETOOLONG;
					goto fail;
				}
				memcpy(pend, tmp, (size_t)n + 1);
				pos = 0;
				continue;
			}
			if (all_digits(comp) && is_supervisor(comp)) {
				r = -EACCES;
				goto fail;
			}
		}
		int fd = (int)sv_raw(
			syscall(SYS_openat, w.cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC));
		if (fd < 0) {
			if (fd == -ENOENT && is_last && (mode & W_CREATE)) {
				o->parent = w.cur;
				snprintf(o->last, sizeof(o->last), "%s%s", comp, slash ? "/" : "");
				if (w.canon_ok)
					canon_join(req, o, w.canon, comp);
				return 0;
			}
			r = fd;
			goto fail;
		}
		struct stat st;
		if (syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) < 0) {
			r = -errno;
			close(fd);
			goto fail;
		}
		if (S_ISLNK(st.st_mode) && (!is_last || (mode & W_FOLLOW) || slash)) {
			if (w.canon_ok && starts_with(w.canon, "/proc/") && w.canon[6] >= '0' &&
			    w.canon[6] <= '9') {
				/* A magic link under an explicit pid: the kernel follows it right. */
				close(fd);
				fd = (int)sv_raw(
					syscall(SYS_openat, w.cur, comp, O_PATH | O_CLOEXEC));
				if (fd < 0) {
					r = fd;
					goto fail;
				}
				close(w.cur);
				w.cur = fd;
				if (fd_canon(fd, w.canon, &w.len) < 0)
					w.canon_ok = false;
				continue;
			}
			if (++links > MAX_LINKS) {
				close(fd);
				r = -ELOOP;
				goto fail;
			}
			if (!may_follow(w.cur, &st)) {
				close(fd);
				r = -EACCES;
				goto fail;
			}
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (n <= 0) {
				r = n < 0 ? -errno : -ENOENT;
				goto fail;
			}
			target[n] = '\0';
			int m = snprintf(tmp, sizeof(tmp), "%s%s", target, pend + pos);
			if (m < 0 || (size_t)m >= sizeof(pend)) {
				r = -ENAMETOOLONG;
				goto fail;
			}
			memcpy(pend, tmp, (size_t)m + 1);
			pos = 0;
			if (target[0] == '/') {
				r = walk_root(&w);
				if (r < 0)
					goto fail;
			}
			continue;
		}
		close(w.cur);
		w.cur = fd;
		walk_push(&w, comp);
	}
	if (mode & W_ENTRY) {
		/* No final component ("/", "a/."): the directory itself, as "." in it. */
		o->parent = w.cur;
		strcpy(o->last, ".");
		if (w.canon_ok)
			canon_join(req, o, w.canon, ".");
		return 0;
	}
	o->fd = w.cur;
	if (w.canon_ok) {
		memcpy(o->canon, w.canon, w.len + 1);
		o->canon_len = sv_proc_self_alias(req, o->canon, w.len);
		o->have_canon = true;
	}
	return 0;
fail:
	if (w.cur >= 0)
		close(w.cur);
	return r;
}

/* ---- the three lookups --------------------------------------------------------- */

/* The fast lookup may be used: no /proc in sight, and openat2 is there. */
static bool fast_ok(const struct sv_path *p)
{
	return sv.openat2 && !p->name_err && !under_proc(p->name);
}

bool sv_path_direct(const struct sv_path *p)
{
	return fast_ok(p) && !p->need_real;
}

int sv_path_open_direct(const struct sv_path *p, int flags)
{
	if (!sv_path_direct(p))
		return SV_CAREFUL;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)sv_raw(syscall(SYS_openat2, p->base, p->raw, &how, sizeof(how)));
	/* A magic link on the way (/dev/stdin), a final symlink, flags openat2 refuses. */
	return fd == -ELOOP || fd == -EINVAL ? SV_CAREFUL : fd;
}

int sv_path_object(struct sv_req *req, const struct sv_path *p, unsigned flags, char *canon_buf,
		   struct sv_obj *o)
{
	obj_init(o, canon_buf);
	if (fast_ok(p)) {
		int fd = open_how(p->base, p->raw, (flags & SV_PATH_FOLLOW) ? 0 : O_NOFOLLOW);
		if (fd >= 0) {
			if (!p->need_real) {
				o->fd = fd;
				return 0;
			}
			int c = fd_canon(fd, canon_buf, &o->canon_len);
			if (c < 0 || !under_proc(canon_buf)) {
				o->fd = fd;
				o->have_canon = c == 0;
				return 0;
			}
			close(fd); /* it leads into /proc: walk it */
		} else if (fd != -ELOOP) {
			return fd; /* a magic link on the way is ELOOP: walk it */
		}
	}
	return walk(req, p, (flags & SV_PATH_FOLLOW) ? W_FOLLOW : 0, o);
}

/* Splits raw into its directory and last component (trailing slashes kept on last). */
static int split(const char *raw, char dir[PATH_MAX], char last[NAME_MAX + 2])
{
	size_t len = strlen(raw);
	bool slash = false;
	while (len > 1 && raw[len - 1] == '/') {
		len--;
		slash = true;
	}
	if (len == 1 && raw[0] == '/') {
		strcpy(dir, "/");
		strcpy(last, ".");
		return 0;
	}
	size_t start = len;
	while (start > 0 && raw[start - 1] != '/')
		start--;
	if (len - start > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(last, raw + start, len - start);
	last[len - start] = '\0';
	if (slash)
		strcat(last, "/");
	if (start == 0) {
		strcpy(dir, ".");
		return 0;
	}
	size_t d = start;
	while (d > 1 && raw[d - 1] == '/')
		d--;
	memcpy(dir, raw, d);
	dir[d] = '\0';
	return 0;
}

int sv_path_entry(struct sv_req *req, const struct sv_path *p, char *canon_buf, struct sv_obj *o)
{
	char dir[PATH_MAX], parent_canon[PATH_MAX];
	size_t len;

	obj_init(o, canon_buf);
	if (fast_ok(p)) {
		int r = split(p->raw, dir, o->last);
		if (r < 0)
			return r;
		int fd = open_how(p->base, dir, O_DIRECTORY);
		if (fd >= 0) {
			if (!p->need_real) {
				o->parent = fd;
				return 0;
			}
			if (fd_canon(fd, parent_canon, &len) == 0 && !under_proc(parent_canon)) {
				o->parent = fd;
				canon_join(req, o, parent_canon, o->last);
				return 0;
			}
			close(fd);
		} else if (fd != -ELOOP) {
			return fd;
		}
	}
	return walk(req, p, W_ENTRY, o);
}

int sv_path_create(struct sv_req *req, const struct sv_path *p, unsigned flags, char *canon_buf,
		   struct sv_obj *o)
{
	int r = sv_path_object(req, p, flags, canon_buf, o);
	if (r != -ENOENT)
		return r;
	r = sv_path_entry(req, p, canon_buf, o);
	if (r < 0 || !(flags & SV_PATH_FOLLOW))
		return r;
	struct stat st;
	if (syscall(SYS_newfstatat, o->parent, o->last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		/* A dangling symlink: the kernel creates where it points. */
		sv_obj_close(o);
		obj_init(o, canon_buf);
		return walk(req, p, W_FOLLOW | W_CREATE, o);
	}
	return 0;
}
