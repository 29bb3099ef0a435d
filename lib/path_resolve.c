// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cwd.h"
#include "path_norm.h"
#include "path_resolve.h"
#include "raw_syscall.h"
#include "record.h"
#include "shim.h"
#include "syscall_ops.h"
#include "thread_scratch.h"

/*
 * Rewrites a leading /proc/<our pid> as /proc/self, in place (buf holds
 * size bytes). A name the longer spelling would not fit is left alone.
 */
static size_t proc_self_alias(char *buf, size_t len, size_t size)
{
	char pid[24];
	if (len < 7 || memcmp(buf, "/proc/", 6) != 0 || buf[6] < '1' || buf[6] > '9')
		return len;
	int n = snprintf(pid, sizeof(pid), "/proc/%ld", (long)shim_syscall(SYS_getpid));
	if (n <= 0 || len < (size_t)n || memcmp(buf, pid, (size_t)n) != 0 ||
	    (buf[n] != '/' && buf[n] != '\0') || len - (size_t)n + 10 >= size)
		return len;
	memmove(buf + 10, buf + n, len - (size_t)n + 1);
	memcpy(buf, "/proc/self", 10);
	return len - (size_t)n + 10;
}

const char *proc_fd_dir(void)
{
	/* 1: /proc/thread-self/fd, 2: /proc/self/fd only. Raw: not the program's own lookups. */
	static atomic_int kind;
	int k = atomic_load_explicit(&kind, memory_order_relaxed);

	if (!k) {
		if (raw_syscall(SYS_faccessat, AT_FDCWD, "/proc/thread-self/fd", F_OK) == 0)
			k = 1;
		else if (raw_syscall(SYS_faccessat, AT_FDCWD, "/proc/self/fd", F_OK) == 0)
			k = 2;
		else
			return NULL; /* looked for again next time: /proc may be mounted later */
		atomic_store_explicit(&kind, k, memory_order_relaxed);
	}
	return k == 1 ? "/proc/thread-self/fd" : "/proc/self/fd";
}

int path_of_fd(int fd, char *buf, size_t size, size_t *ret_len)
{
	char link[48];
	const char *dir = proc_fd_dir();

	if (!dir)
		return -ENOENT;
	/* Raw: the readlink wrapper would judge this lookup as the program's own. */
	snprintf(link, sizeof(link), "%s/%d", dir, fd);
	long n = raw_syscall(SYS_readlinkat, AT_FDCWD, link, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOENT; /* pipe:[..], socket:[..], anon_inode:... */
	*ret_len = proc_self_alias(buf, (size_t)n, size);
	return 0;
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
			return true;
	return false;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/*
 * /dev/stdin, /dev/stdout, /dev/stderr and names below them: the system's
 * links to /proc/self/fd/0-2, followed as /dev/fd/N is (a pipe or socket
 * there is held, path_resolve.h).
 */
static bool std_stream_link(const char *s, size_t len)
{
	static const char *const names[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
	/* Every judged name passes here: one comparison turns away all the others. */
	if (len < 10 || memcmp(s, "/dev/std", 8) != 0)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);
		/* The name, or below it (a directory's descriptor at 0: /dev/stdin/secret). */
		if (len >= n && memcmp(s, names[i], n) == 0 && (len == n || s[n] == '/'))
			return true;
	}
	return false;
}

/* One pass of resolve_links: realpath, or the parent's and the last name. */
static int resolve_once(const char *joined, bool follow_last, struct resolved_path *out,
			struct path_resolve_work *w)
{
	char *tmp = w->tmp;
	char *slash;

	out->dangling = false;
	if (follow_last && real_realpath(joined, tmp)) {
		out->real_len = strlen(tmp);
		memcpy(out->real, tmp, out->real_len + 1);
	} else {
		/* The last component does not exist (creation) or must not be followed. */
		char *parent = w->parent;
		size_t len = strlen(joined);
		while (len > 1 && joined[len - 1] == '/')
			len--;
		if (len >= PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(parent, joined, len);
		parent[len] = '\0';
		slash = strrchr(parent, '/');
		if (!slash)
			return -EINVAL;
		const char *last = slash + 1;
		if (strcmp(last, "..") == 0 || strcmp(last, ".") == 0)
			return -ENOENT; /* realpath failed on a path ending in a dot entry */
		*slash = '\0';
		if (!real_realpath(parent[0] ? parent : "/", tmp))
			return -errno;
		size_t tl = strlen(tmp);
		int n = snprintf(out->real, sizeof(out->real), "%s%s%s", tmp, tl > 1 ? "/" : "",
				 last);
		if (n < 0 || (size_t)n >= sizeof(out->real))
			return -ENAMETOOLONG;
		out->real_len = (size_t)n;
		out->dangling = follow_last;
	}
	return 0;
}

/*
 * joined's last component, when it is a link (realpath failed: it dangles),
 * replaced by where the link points, into next. False when it is no link.
 */
static bool follow_dangling(const char *real, char next[PATH_MAX], char target[PATH_MAX])
{
	long n = raw_syscall(SYS_readlinkat, AT_FDCWD, real, target, PATH_MAX - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (target[0] == '/') {
		memcpy(next, target, (size_t)n + 1);
		return true;
	}
	const char *slash = strrchr(real, '/');
	size_t dir = slash ? (size_t)(slash - real) : 0; /* 0: the link is in "/" */
	if (dir + 1 + (size_t)n >= PATH_MAX)
		return false;
	memcpy(next, real, dir);
	next[dir] = '/';
	memcpy(next + dir + 1, target, (size_t)n + 1);
	return true;
}

/*
 * Record mode has no profile to say where links can be planted: the one it
 * writes will, where the run made names, and an enforce run with it follows
 * a link there and judges where it leads. A last name that is a link the
 * run made (record_made) is followed here too, so that where it leads is
 * learned with it (a venv's bin/python3, node_modules/.bin). The system's
 * own links (/bin/sh) are not: enforce does not follow them either. Links
 * above the last name are not looked for.
 */
bool path_resolve_made_link(const char *name, size_t len)
{
	char one;
	return record_made(name, len) && raw_syscall(SYS_readlinkat, AT_FDCWD, name, &one, 1) >= 0;
}

static bool recorded_link(const char *name, size_t len)
{
	return shim.action[POLICY_CAT_FILE] == POLICY_MODE_RECORD &&
	       path_resolve_made_link(name, len);
}

/* real (a last name that did not resolve) is a held object (resolved_path.held). */
static bool held_object(const char *real, char name[PATH_MAX])
{
	char target[16] = "";
	size_t len = strlen(real);
	if (len >= PATH_MAX)
		return false;
	memcpy(name, real, len + 1);
	len = proc_self_alias(name, len, PATH_MAX);
	const char *rest = NULL;
	if (starts_with(name, len, "/proc/self/fd/")) {
		rest = name + 14;
	} else if (starts_with(name, len, "/proc/self/task/")) {
		rest = name + 16;
		while (*rest >= '0' && *rest <= '9')
			rest++;
		rest = strncmp(rest, "/fd/", 4) == 0 ? rest + 4 : NULL;
	}
	if (!rest || !*rest || rest[strspn(rest, "0123456789")])
		return false;
	long n = raw_syscall(SYS_readlinkat, AT_FDCWD, real, target, sizeof(target));
	return n > 0 && target[0] != '/';
}

/*
 * Kernel-faithful resolution of joined (absolute, raw). A last component
 * that is a dangling link, followed, is where a creating open would create
 * its file: it is followed by hand, as the kernel does (up to 40 links).
 */
static int resolve_links(const char *joined, bool follow_last, struct resolved_path *out,
			 struct path_resolve_work *w)
{
	char *next = w->next;
	int r;

	for (int hops = 0;; hops++) {
		r = resolve_once(joined, follow_last, out, w);
		if (r < 0 || !follow_last || !out->dangling)
			break;
		/* tmp and parent: resolve_once's, done with. */
		if (held_object(out->real, w->tmp)) {
			out->held = true;
			break;
		}
		if (!follow_dangling(out->real, next, w->tmp))
			break;
		if (hops == 40)
			return -ELOOP;
		joined = next;
		/* next is reused: resolve_once reads it before this loop writes it again. */
	}
	if (r < 0)
		return r;
	out->real_len = proc_self_alias(out->real, out->real_len, sizeof(out->real));
	out->has_real =
		out->real_len != out->name_len || memcmp(out->real, out->name, out->name_len) != 0;
	return 0;
}

/*
 * The usual case in a place where links can be planted: none is there.
 * Asks the kernel about each component from the create root down (readlink
 * fails with EINVAL on anything that is not a link): one system call per
 * component and none of realpath()'s work, and nothing above the root,
 * which the function cannot have changed. True when no component is a
 * link, or the path stops existing before one is (the call then fails, or
 * creates its last component): the lexical name is what the kernel opens.
 * False when a link is there or the answer is unclear: resolve in full.
 * name (buf) has no "." or ".." (the caller checked); it is cut at each
 * component while the kernel is asked, and put back.
 */
static bool no_links_from(char *buf, size_t len, size_t root, bool follow_last)
{
	char one;
	size_t end = root > 1 ? root : 0;

	if (len >= PATH_MAX || root > len)
		return false;
	if (end == 0) {
		const char *slash = memchr(buf + 1, '/', len - 1);
		end = slash ? (size_t)(slash - buf) : len;
	}
	for (;;) {
		if (end < len || follow_last) {
			char saved = buf[end];
			buf[end] = '\0';
			long n = raw_syscall(SYS_readlinkat, AT_FDCWD, buf, &one, 1);
			buf[end] = saved;
			if (n >= 0)
				return false;
			if (errno == ENOENT)
				return true;
			if (errno != EINVAL)
				return false;
		}
		if (end >= len)
			return true;
		const char *slash = memchr(buf + end + 1, '/', len - end - 1);
		end = slash ? (size_t)(slash - buf) : len;
	}
}

/*
 * A name ending in "/", "/." or "/.." (or that is "." or ".."): the kernel
 * follows a link in its last place whatever the call (lchown("link/")
 * changes the target), so it is judged followed.
 */
bool path_names_a_directory(const char *path)
{
	size_t n = strlen(path);
	if (n && path[n - 1] == '/')
		return true;
	if (n && path[n - 1] == '.' && (n == 1 || path[n - 2] == '/'))
		return true;
	return n >= 2 && path[n - 1] == '.' && path[n - 2] == '.' && (n == 2 || path[n - 3] == '/');
}

static int resolve(int dirfd, const char *path, bool follow_last, bool refusing,
		   struct resolved_path *out)
{
	struct path_resolve_work *w;
	char *base, *joined;
	size_t blen = 0;
	int r;

	out->has_real = false;
	out->lexical = false;
	out->links_refused = false;
	out->held = false;
	out->unresolved = 0;
	if (!path || !*path)
		return -EINVAL;
	struct thread_scratch *sc = thread_scratch();
	if (!sc)
		return -ENOMEM;
	w = &sc->resolve;
	base = w->base;
	joined = w->joined;
	follow_last = follow_last || path_names_a_directory(path);
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD && has_dotdot(path)) {
			/*
			 * Not the cached value: ".." climbs out of where the
			 * directory is now, and a rename of it or of a parent
			 * (which no chdir announces) moves that.
			 */
			r = cwd_get_fresh(base, PATH_MAX, &blen);
			if (r < 0)
				return r;
		} else if (dirfd == AT_FDCWD) {
			r = cwd_get(base, PATH_MAX, &blen);
			if (r < 0)
				return r;
		} else {
			r = path_of_fd(dirfd, base, PATH_MAX, &blen);
			/* No /proc to name the directory with: where the name leads is unknown. */
			if (r == -ENOENT && !proc_fd_dir())
				return -ENOSYS;
			if (r < 0)
				return r == -ENOENT ? -EBADF : r;
		}
	}
	size_t plen = blen ? 0 : strlen(path);
	bool dotdot;
	if (!blen && plen < sizeof(out->name) && path_is_normal(path, plen)) {
		/* The common case: an absolute path that is already normal. */
		memcpy(out->name, path, plen + 1);
		out->name_len = plen;
		dotdot = false;
	} else {
		r = path_normalize(blen ? base : NULL, path, out->name, sizeof(out->name),
				   &out->name_len);
		if (r < 0)
			return r;
		dotdot = has_dotdot(path);
	}
	out->name_len = proc_self_alias(out->name, out->name_len, sizeof(out->name));

	bool special = dotdot || starts_with(out->name, out->name_len, "/proc/") ||
		       starts_with(out->name, out->name_len, "/dev/fd/") ||
		       std_stream_link(out->name, out->name_len) ||
		       (follow_last && recorded_link(out->name, out->name_len));
	size_t root = special || !shim.policy
			      ? 0
			      : policy_path_link_root(shim.policy, out->name, out->name_len);
	if (!special && !root) {
		out->lexical = true;
		return 0;
	}
	if (!special && refusing) {
		out->links_refused = true;
		return 0;
	}
	/* No link now is no promise for later: not lexical (verdict_cache.h). */
	if (!special && no_links_from(out->name, out->name_len, root, follow_last))
		return 0;
	if (blen) {
		int n = snprintf(joined, PATH_MAX, "%s/%s", base, path);
		if (n < 0 || (size_t)n >= PATH_MAX)
			return -ENAMETOOLONG;
	} else {
		size_t n = strlen(path);
		if (n >= PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(joined, path, n + 1);
	}
	r = resolve_links(joined, follow_last, out, w);
	if (r < 0) {
		/*
		 * Nothing to follow (the path does not exist, or cannot be
		 * searched: the call fails as well): the lexical name stands.
		 * Anything else leaves where the call goes unknown.
		 */
		out->has_real = false;
		if (r != -ENOENT && r != -ENOTDIR && r != -EACCES)
			out->unresolved = r;
	}
	return 0;
}

int path_resolve(int dirfd, const char *path, bool follow_last, struct resolved_path *out)
{
	return resolve(dirfd, path, follow_last, false, out);
}

int path_resolve_refusing_links(int dirfd, const char *path, bool follow_last,
				struct resolved_path *out)
{
	return resolve(dirfd, path, follow_last, true, out);
}
