// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "log_id.h"
#include "log_line.h" /* its write of all of a buffer */
#include "profile.h"
#include "sig_guard.h"
#include "profile_share.h"

#define SHARE_NAME   "FNGUARD_PROFILE_FD"
#define SHARE_FD_MIN 1000
#define SHARE_SEALS  (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static atomic_int share_fd = -1;

int profile_share_fd(void)
{
	return atomic_load_explicit(&share_fd, memory_order_relaxed);
}

/*
 * FNGUARD_PROFILE_FD is "fd:dev:ino": the number, and the identity of the
 * memfd the process that made it put there. Restored for every child like
 * any FNGUARD_ variable, it cannot follow a program that puts another
 * sealed memfd (of a profile of its choosing) at that number, and a
 * memfd's inode is not the program's to choose. Returns the number, or -1.
 */
static int fd_from_env(struct stat *st)
{
	return log_id_fd_identity(secure_getenv(SHARE_NAME), st);
}

int profile_share_map(const void **ret, size_t *ret_len)
{
	struct stat st;
	int fd = fd_from_env(&st);

	if (fd < 0 || !S_ISREG(st.st_mode) || st.st_size < 32 ||
	    (uint64_t)st.st_size > PROFILE_MAX_BYTES)
		return -ENOENT;
	/* Only files that can never change again: the policy is used where it lies. */
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & SHARE_SEALS) != SHARE_SEALS)
		return -ENOENT;
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -ENOENT;
	atomic_store_explicit(&share_fd, fd, memory_order_relaxed);
	*ret = m;
	*ret_len = (size_t)st.st_size;
	return 0;
}

void profile_share_forget(int fd)
{
	int cur = fd;
	atomic_compare_exchange_strong(&share_fd, &cur, -1);
}

void profile_share_unmap(const void *data, size_t len)
{
	munmap((void *)data, len);
	/* Ours (its identity matched), of no use: not left open for the children. */
	int fd = atomic_exchange_explicit(&share_fd, -1, memory_order_relaxed);
	if (fd >= 0)
		close(fd);
}

static void publish(const void *data, size_t len)
{
	char num[64];
	struct stat st;
	int fd = -1;
	int mfd = memfd_create("fnguard-profile", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct sig_guard g;
	sig_guard_begin(&g, SIGXFSZ);
	int written = mfd >= 0 ? log_line_write(mfd, data, len, false) : -EBADF;
	sig_guard_end(&g, written < 0);
	if (written == 0 && fcntl(mfd, F_ADD_SEALS, SHARE_SEALS) == 0)
		fd = fcntl(mfd, F_DUPFD, SHARE_FD_MIN); /* not close-on-exec: descendants map it */
	if (mfd >= 0)
		close(mfd);
	if (fd < 0)
		return;
	/* One this process found in its environment is not its descendants' any more. */
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	snprintf(num, sizeof(num), "%d:%llu:%llu", fd, (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (setenv(SHARE_NAME, num, 1) < 0) {
		close(fd);
		return;
	}
	atomic_store_explicit(&share_fd, fd, memory_order_relaxed);
}

void profile_share_publish(const struct policy *pol, bool names)
{
	void *data = NULL;
	size_t len = 0;

	if (bundle_build_lean(pol, names, &data, &len) == 0)
		publish(data, len);
	free(data);
}

void profile_share_publish_bundle(const void *data, size_t len)
{
	publish(data, len);
}
