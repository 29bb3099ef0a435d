/* SPDX-License-Identifier: MIT */
/*
 * The identity ("dev:ino") that FNGUARD_LOG_ID gives the inherited event log
 * (FNGUARD_LOG_FD). A descendant checks it before writing there, because the
 * number may have been closed and reused for another file on the way. The
 * shim (lib/init.c) and fnguard exec (tools/cmd-exec.c) both inherit logs.
 */
#pragma once

#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/*
 * A decimal number without sign or leading zeros (as "%llu" writes it) up
 * to the end of *s or the character stop; *s moves past it. Every process
 * under the shim reads these before main: no strtol, no stdio.
 */
static inline bool log_id_number(const char **s, char stop, unsigned long long *ret)
{
	const char *p = *s;
	unsigned long long v = 0;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0ull - (unsigned)(*p - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (*p != stop)
		return false;
	*s = p;
	*ret = v;
	return true;
}

/*
 * "fd:dev:ino" (FNGUARD_PROFILE_FD, FNGUARD_LEARN_FD): the number fd when it
 * is open on the file dev:ino names (its fstat in *st), else -1. A program
 * that puts another file at the number does not pass for it.
 */
static inline int log_id_fd_identity(const char *s, struct stat *st)
{
	unsigned long long fd, dev, ino;
	if (!s || !log_id_number(&s, ':', &fd) || fd >= 1 << 20)
		return -1;
	s++;
	if (!log_id_number(&s, ':', &dev))
		return -1;
	s++;
	if (!log_id_number(&s, '\0', &ino) || fstat((int)fd, st) < 0 ||
	    (unsigned long long)st->st_dev != dev || (unsigned long long)st->st_ino != ino)
		return -1;
	return (int)fd;
}

/* Whether fd is open on the file that id ("dev:ino", as FNGUARD_LOG_ID) names (its fstat in st). */
static inline bool same_file_stat(int fd, const char *id, struct stat *ret)
{
	struct stat st;
	unsigned long long dev, ino;
	if (!log_id_number(&id, ':', &dev))
		return false;
	id++;
	if (!log_id_number(&id, '\0', &ino))
		return false;
	if (fstat(fd, &st) < 0)
		return false;
	*ret = st;
	return dev == (unsigned long long)st.st_dev && ino == (unsigned long long)st.st_ino;
}

static inline bool same_file(int fd, const char *id)
{
	struct stat st;
	return same_file_stat(fd, id, &st);
}

/*
 * The inherited log's descriptor: the number fd (FNGUARD_LOG_FD) when it is
 * open on the file id (FNGUARD_LOG_ID) names, else -1.
 */
static inline int log_id_inherited_stat(const char *fd, const char *id, struct stat *st)
{
	unsigned long long n;
	if (!fd || !id || !log_id_number(&fd, '\0', &n) || n >= 1 << 20 ||
	    !same_file_stat((int)n, id, st))
		return -1;
	return (int)n;
}

static inline int log_id_inherited(const char *fd, const char *id)
{
	struct stat st;
	return log_id_inherited_stat(fd, id, &st);
}

/*
 * The lowest number an inherited log is moved to, out of the way of the
 * program's own descriptors: high, or num/den of a soft limit under 1024.
 * The shim's copy: (1000, 3, 4) (lib/init.c); fnguard record hands its pipe
 * down below that, at (900, 2, 3).
 */
static inline int log_id_fd_floor(int high, int num, int den)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < 1024)
		return (int)rl.rlim_cur * num / den;
	return high;
}
