// SPDX-License-Identifier: MIT
#include <errno.h>
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
#include "shim.h"
#include "syscall_ops.h"

/* Rewrites a leading /proc/<our pid> as /proc/self, in place. */
static size_t proc_self_alias(char *buf, size_t len)
{
	char pid[24];
	if (len < 7 || memcmp(buf, "/proc/", 6) != 0 || buf[6] < '1' || buf[6] > '9')
		return len;
	int n = snprintf(pid, sizeof(pid), "/proc/%ld", (long)shim_syscall(SYS_getpid));
	if (n <= 0 || len < (size_t)n || memcmp(buf, pid, (size_t)n) != 0 ||
	    (buf[n] != '/' && buf[n] != '\0'))
		return len;
	memmove(buf + 10, buf + n, len - (size_t)n + 1);
	memcpy(buf, "/proc/self", 10);
	return len - (size_t)n + 10;
}

int path_of_fd(int fd, char *buf, size_t size, size_t *ret_len)
{
	char link[40];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOENT; /* pipe:[..], socket:[..], anon_inode:... */
	*ret_len = proc_self_alias(buf, (size_t)n);
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

/* Kernel-faithful resolution of joined (absolute, raw). */
static int resolve_links(const char *joined, bool follow_last, struct resolved_path *out)
{
	char tmp[PATH_MAX];
	char *slash;

	if (follow_last && realpath(joined, tmp)) {
		out->real_len = strlen(tmp);
		memcpy(out->real, tmp, out->real_len + 1);
	} else {
		/* The last component does not exist (creation) or must not be followed. */
		char parent[PATH_MAX];
		size_t len = strlen(joined);
		while (len > 1 && joined[len - 1] == '/')
			len--;
		if (len >= sizeof(parent))
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
		if (!realpath(parent[0] ? parent : "/", tmp))
			return -errno;
		size_t tl = strlen(tmp);
		int n = snprintf(out->real, sizeof(out->real), "%s%s%s", tmp, tl > 1 ? "/" : "",
				 last);
		if (n < 0 || (size_t)n >= sizeof(out->real))
			return -ENAMETOOLONG;
		out->real_len = (size_t)n;
	}
	out->real_len = proc_self_alias(out->real, out->real_len);
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
 * name has no "." or ".." (the caller checked).
 */
static bool no_links_from(const char *name, size_t len, size_t root, bool follow_last)
{
	char buf[PATH_MAX], one;
	size_t end = root > 1 ? root : 0;

	if (len >= sizeof(buf) || root > len)
		return false;
	memcpy(buf, name, len + 1);
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

int path_resolve(int dirfd, const char *path, bool follow_last, struct resolved_path *out)
{
	char base[PATH_MAX];
	char joined[PATH_MAX];
	size_t blen = 0;
	int r;

	out->has_real = false;
	out->lexical = false;
	if (!path || !*path)
		return -EINVAL;
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD) {
			r = cwd_get(base, sizeof(base), &blen);
			if (r < 0)
				return r;
		} else {
			r = path_of_fd(dirfd, base, sizeof(base), &blen);
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
	out->name_len = proc_self_alias(out->name, out->name_len);

	bool special = dotdot || starts_with(out->name, out->name_len, "/proc/") ||
		       starts_with(out->name, out->name_len, "/dev/fd/");
	size_t root = special || !shim.policy
			      ? 0
			      : policy_path_link_root(shim.policy, out->name, out->name_len);
	if (!special && !root) {
		out->lexical = true;
		return 0;
	}
	/* No link now is no promise for later: not lexical (verdict_cache.h). */
	if (!special && no_links_from(out->name, out->name_len, root, follow_last))
		return 0;
	if (blen) {
		int n = snprintf(joined, sizeof(joined), "%s/%s", base, path);
		if (n < 0 || (size_t)n >= sizeof(joined))
			return -ENAMETOOLONG;
	} else {
		size_t n = strlen(path);
		if (n >= sizeof(joined))
			return -ENAMETOOLONG;
		memcpy(joined, path, n + 1);
	}
	r = resolve_links(joined, follow_last, out);
	if (r < 0) {
		/* Nothing to follow (the path does not exist): the lexical name stands. */
		out->has_real = false;
	}
	return 0;
}
