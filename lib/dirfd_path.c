// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "dirfd_path.h"
#include "large_bss.h"
#include "path_resolve.h"
#include "raw_syscall.h"
#include "seccomp_layer.h"
#include "shim.h"

#define SLOTS	    4
#define RECENT_NSEC 10000000LL

struct slot {
	int fd; /* -1: empty */
	dev_t dev;
	ino_t ino;
	struct timespec ctime;
	size_t len;
	char path[PATH_MAX];
};

static struct slot slots[SLOTS] LARGE_BSS;
static unsigned next_slot;
static bool slots_ready;
/* One thread at a time; a thread that finds it taken reads /proc. */
static atomic_flag busy = ATOMIC_FLAG_INIT;

void dirfd_path_after_fork_child(void)
{
	atomic_flag_clear(&busy);
}

/*
 * The shim's stat must not be a call the filter refuses (it would trap as
 * the program's): newfstatat, what glibc's fstat makes, listed, or no
 * filter of this profile's refusing it.
 */
static bool stat_usable(void)
{
	static atomic_int usable;
	return seccomp_layer_lets_shim_call(&usable, "newfstatat");
}

static bool same(const struct slot *s, int fd, const struct stat *st)
{
	return s->fd == fd && s->dev == st->st_dev && s->ino == st->st_ino &&
	       s->ctime.tv_sec == st->st_ctim.tv_sec && s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/*
 * Changed so lately that a rename in the same clock tick could leave ctime
 * as it is. A later change stamps at least the coarse time it happens at
 * (later than now), fine-grained or not; 10 ms is a margin over the tick.
 */
static bool recent(const struct stat *st)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0)
		return true;
	long long age = (long long)(now.tv_sec - st->st_ctim.tv_sec) * 1000000000LL +
			(now.tv_nsec - st->st_ctim.tv_nsec);
	return age < RECENT_NSEC;
}

static void keep(int fd, const struct stat *st, const char *path, size_t len)
{
	if (len >= PATH_MAX || atomic_flag_test_and_set_explicit(&busy, memory_order_acquire))
		return;
	if (!slots_ready) {
		for (int i = 0; i < SLOTS; i++)
			slots[i].fd = -1;
		slots_ready = true;
	}
	struct slot *s = &slots[next_slot++ % SLOTS];
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].fd == fd)
			s = &slots[i];
	*s = (struct slot){
		.fd = fd, .dev = st->st_dev, .ino = st->st_ino, .ctime = st->st_ctim, .len = len};
	memcpy(s->path, path, len + 1);
	atomic_flag_clear_explicit(&busy, memory_order_release);
}

int dirfd_path(int fd, char *buf, size_t size, size_t *ret_len)
{
	struct stat st = {0};

	if (fd < 0 || !stat_usable() ||
	    raw_syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) < 0 || !S_ISDIR(st.st_mode))
		return path_of_fd(fd, buf, size, ret_len);
	if (!atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) {
		for (int i = 0; slots_ready && i < SLOTS; i++) {
			const struct slot *s = &slots[i];
			if (!same(s, fd, &st) || s->len >= size)
				continue;
			memcpy(buf, s->path, s->len + 1);
			*ret_len = s->len;
			atomic_flag_clear_explicit(&busy, memory_order_release);
			return 0;
		}
		atomic_flag_clear_explicit(&busy, memory_order_release);
	}
	/* Stat first, /proc after: a rename in between leaves a ctime that no longer matches. */
	int r = path_of_fd(fd, buf, size, ret_len);
	if (r == 0 && !recent(&st))
		keep(fd, &st, buf, *ret_len);
	return r;
}
