/* SPDX-License-Identifier: MIT */
/*
 * path_resolve — what a (dirfd, path) names, for judging.
 *
 * Every path is made absolute (against the cwd or the dirfd's directory)
 * and normalised lexically. That alone is what the kernel does unless a
 * symlink (or a /proc magic link) is on the way, and symlinks can only be
 * planted where the function may create files: the profile's 'c' areas
 * (policy_path_may_hold_links). So the kernel-faithful resolution (each
 * link followed, ".." applied after the link) is done only for paths that
 * reach into a 'c' area, that contain "..", that start with /proc/ or
 * /dev/fd/, or that are /dev/stdin, /dev/stdout or /dev/stderr (links to
 * /proc/self/fd/0-2); elsewhere the lexical form is exact. /proc/<own pid> is written
 * back as /proc/self so rules can name it.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct resolved_path {
	char name[PATH_MAX]; /* lexical: absolute, normalised */
	size_t name_len;
	char real[PATH_MAX]; /* symlinks followed; valid when has_real */
	size_t real_len;
	bool has_real; /* real differs from name and must be judged too */
	bool lexical;  /* no link could be on the way: name is exactly what the kernel opens */
	/* links could be on the way, but the call refuses them: name is what it opens, if any */
	bool links_refused;
	bool dangling; /* internal: real's last name did not resolve (a dangling link?) */
	/*
	 * One of this process's descriptors (/dev/fd/N, /proc/self/fd/N,
	 * /dev/stdout ...) whose
	 * object is no file (a pipe, a socket, an anonymous inode): opening it
	 * reaches what the process holds already. Nothing to judge, as for
	 * the descriptor itself (real is its /proc name).
	 */
	bool held;
	/*
	 * Links are on the way and could not be followed (realpath's answer
	 * would pass PATH_MAX, where the kernel's walk does not stop): where
	 * the path leads is unknown, so it is not allowed.
	 */
	int unresolved; /* 0, or the -errno that stopped the resolution */
};

/*
 * path_resolve's buffers (in the thread's scratch, thread_scratch.h): the
 * directory a relative name is joined to, the name joined, the next name
 * a dangling link leads to, realpath's answer, a name's parent.
 */
struct path_resolve_work {
	char base[PATH_MAX];
	char joined[PATH_MAX];
	char next[PATH_MAX];
	char tmp[PATH_MAX];
	char parent[PATH_MAX];
};

/*
 * Fills *out. Called between shim_enter() and shim_leave() only: its
 * buffers are the thread's scratch (-ENOMEM when there is none).
 * follow_last=false leaves a final symlink unresolved (lstat,
 * O_NOFOLLOW, unlink, rename source...). Returns 0, or a negative errno when
 * the path cannot be judged (EBADF dirfd, EINVAL empty path, ENAMETOOLONG):
 * the caller then lets the real call fail on its own, or blocks in enforce.
 */
int path_resolve(int dirfd, const char *path, bool follow_last, struct resolved_path *out);

/*
 * path_resolve for a call that will refuse every link on its way (openat2
 * with RESOLVE_NO_SYMLINKS): where links could be planted, the lexical name
 * is what the call opens if it succeeds, so none are looked for
 * (links_refused). Paths with "..", under /proc/ or /dev/fd/ are resolved
 * in full as by path_resolve (links_refused false).
 */
int path_resolve_refusing_links(int dirfd, const char *path, bool follow_last,
				struct resolved_path *out);

/*
 * The path an open file descriptor refers to (readlink of /proc/self/fd/N,
 * /proc/<pid> mapped to /proc/self). Returns 0 and writes buf, -ENOENT for
 * descriptors that are not files on a path (pipes, sockets, anonymous).
 */
/*
 * A name ending in "/", "/." or "/.." (or that is "." or ".."): the kernel
 * follows a link in its last place whatever the call.
 */
bool path_names_a_directory(const char *path);

int path_of_fd(int fd, char *buf, size_t size, size_t *ret_len);

/*
 * The directory naming the calling thread's descriptors: /proc/thread-self/fd
 * (a thread that unshared CLONE_FILES has its own table), /proc/self/fd on
 * kernels before 3.17, which have no thread-self; NULL without /proc.
 */
const char *proc_fd_dir(void);

/* Record mode: name (absolute, len bytes) is a link this run made (path_resolve.c). */
bool path_resolve_made_link(const char *name, size_t len);
