// SPDX-License-Identifier: MIT
/*
 * Reading the target: its memory (process_vm_readv, by the thread id the
 * notification names) and a few facts from /proc/TID.
 *
 * A thread id is only a name: once the thread is gone it can be given to
 * another task. While the notification is pending the thread cannot be
 * gone, so every read is bracketed by SECCOMP_IOCTL_NOTIF_ID_VALID (the
 * caller checks before, sv_loop.c after all arguments are read): what was
 * read came from the thread that made the call. Writes (stat buffers,
 * readlink results) check right before writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sv.h"

bool sv_req_valid(const struct sv_req *req)
{
	uint64_t id = req->n->id;
	return ioctl(sv.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static int vm_error(void)
{
	/* EPERM (not dumpable) and the like: the arguments cannot be judged. */
	return errno == ESRCH ? -ESRCH : errno == EFAULT ? -EFAULT : -errno;
}

int sv_mem_read(const struct sv_req *req, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n = process_vm_readv(req->tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return vm_error();
	return (size_t)n == len ? 0 : -EFAULT;
}

static size_t page_size(void)
{
	static size_t size;
	if (!size)
		size = (size_t)sysconf(_SC_PAGESIZE);
	return size;
}

ssize_t sv_mem_read_str(const struct sv_req *req, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0, want = 256;

	if (addr == 0)
		return -EFAULT;
	while (got < size) {
		/*
		 * Small reads first (a path is short, and the kernel pins every
		 * page it copies), never across a page boundary: a string that
		 * ends right before an unmapped page still reads.
		 */
		uint64_t at = addr + got;
		size_t chunk = page_size() - (size_t)(at % page_size());
		if (chunk > want)
			chunk = want;
		if (chunk > size - got)
			chunk = size - got;
		struct iovec local = {buf + got, chunk};
		struct iovec remote = {(void *)(uintptr_t)at, chunk};
		ssize_t n = process_vm_readv(req->tid, &local, 1, &remote, 1, 0);
		if (n < 0)
			return vm_error();
		if (n == 0)
			return -EFAULT;
		char *nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		got += (size_t)n;
		want *= 4;
	}
	return -ENAMETOOLONG;
}

int sv_mem_write(const struct sv_req *req, uint64_t addr, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!sv_req_valid(req))
		return -ESRCH;
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n = process_vm_writev(req->tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return vm_error();
	return (size_t)n == len ? 0 : -EFAULT;
}

void *sv_req_big(struct sv_req *req, size_t size)
{
	if (size <= req->big_size)
		return req->big;
	void *p = realloc(req->big, size);
	if (!p)
		return NULL;
	req->big = p;
	req->big_size = size;
	return p;
}

/* The value of "Name:" in /proc/TID/status, parsed in base. */
static long status_field(pid_t tid, const char *name, int base, long *ret)
{
	char path[48], text[2048];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	int err = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -err : -EIO;
	text[n] = '\0';
	size_t len = strlen(name);
	for (char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			char *end;
			long v = strtol(line + len + 1, &end, base);
			if (end == line + len + 1)
				return -EIO;
			*ret = v;
			return 0;
		}
	}
	return -ENOENT;
}

/* The process of the thread last found not to lead its own (a Go program's threads). */
static _Atomic pid_t last_tgid;

pid_t sv_tid_tgid(pid_t tid)
{
	long v = 0;
	int r = (int)status_field(tid, "Tgid", 10, &v);
	return r < 0 ? r : (pid_t)v;
}

pid_t sv_req_tgid(struct sv_req *req)
{
	pid_t guess;

	if (req->tgid > 0)
		return req->tgid;
	/*
	 * tgkill(tgid, tid, 0) succeeds only when the thread tid belongs to
	 * tgid: one system call for the common answers (the thread leads its
	 * process, as in every single-threaded program; or it belongs to the
	 * process found last) instead of reading /proc/TID/status (~10 us).
	 */
	if (syscall(SYS_tgkill, req->tid, req->tid, 0) == 0) {
		req->tgid = req->tid;
		return req->tgid;
	}
	guess = atomic_load_explicit(&last_tgid, memory_order_relaxed);
	if (guess > 0 && syscall(SYS_tgkill, guess, req->tid, 0) == 0) {
		req->tgid = guess;
		return req->tgid;
	}
	pid_t tgid = sv_tid_tgid(req->tid);
	if (tgid < 0)
		return tgid;
	req->tgid = tgid;
	atomic_store_explicit(&last_tgid, req->tgid, memory_order_relaxed);
	return req->tgid;
}

int sv_req_umask(const struct sv_req *req)
{
	long v;
	int r = (int)status_field(req->tid, "Umask", 8, &v);
	return r < 0 ? r : (int)(v & 0777);
}

const char *sv_req_exe(struct sv_req *req)
{
	if (req->have_exe)
		return req->exe;
	char link[48];
	pid_t pid = sv_req_tgid(req);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)(pid > 0 ? pid : req->tid));
	ssize_t n = readlink(link, req->exe, sizeof(req->exe) - 1);
	req->exe[n > 0 ? n : 0] = '\0';
	req->have_exe = true;
	return req->exe;
}

void sv_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}
