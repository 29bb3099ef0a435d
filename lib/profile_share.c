// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "profile.h"
#include "profile_share.h"

#define SHARE_NAME   "FNGUARD_PROFILE_FD"
#define SHARE_FD_MIN 1000
#define SHARE_SEALS  (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static atomic_int share_fd = -1;

int profile_share_fd(void)
{
	return atomic_load_explicit(&share_fd, memory_order_relaxed);
}

static int fd_from_env(void)
{
	const char *env = secure_getenv(SHARE_NAME);
	char *end;

	if (!env || !*env)
		return -1;
	long fd = strtol(env, &end, 10);
	return *end == '\0' && fd >= 0 && fd < 1 << 20 ? (int)fd : -1;
}

int profile_share_map(const void **ret, size_t *ret_len)
{
	struct stat st;
	int fd = fd_from_env();

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 32 ||
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

void profile_share_unmap(const void *data, size_t len)
{
	munmap((void *)data, len);
	atomic_store_explicit(&share_fd, -1, memory_order_relaxed);
}

/* All of len, or false. */
static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Takes data (freed). */
static void publish(void *data, size_t len)
{
	char num[16];
	int fd = -1;
	int mfd = memfd_create("fnguard-profile", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd >= 0 && write_all(mfd, data, len) && fcntl(mfd, F_ADD_SEALS, SHARE_SEALS) == 0)
		fd = fcntl(mfd, F_DUPFD, SHARE_FD_MIN); /* not close-on-exec: descendants map it */
	if (mfd >= 0)
		close(mfd);
	free(data);
	if (fd < 0)
		return;
	/* One this process found in its environment is not its descendants' any more. */
	snprintf(num, sizeof(num), "%d", fd);
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
}
