/* SPDX-License-Identifier: MIT */
/*
 * The identity ("dev:ino") that FNGUARD_LOG_ID gives the inherited event log
 * (FNGUARD_LOG_FD). A descendant checks it before writing there, because the
 * number may have been closed and reused for another file on the way. The
 * shim (lib/init.c) and fnguard exec (tools/cmd-exec.c) both inherit logs.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Whether fd is open on the file that id ("dev:ino", as FNGUARD_LOG_ID) names. */
static inline bool same_file(int fd, const char *id)
{
	struct stat st;
	char buf[64];
	if (fstat(fd, &st) < 0)
		return false;
	snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return strcmp(buf, id) == 0;
}

/*
 * The inherited log's descriptor: the number fd (FNGUARD_LOG_FD) when it is
 * open on the file id (FNGUARD_LOG_ID) names, else -1.
 */
static inline int log_id_inherited(const char *fd, const char *id)
{
	char *end;
	if (!fd || !id || !*fd)
		return -1;
	long n = strtol(fd, &end, 10);
	if (*end || n < 0 || n >= 1 << 20 || !same_file((int)n, id))
		return -1;
	return (int)n;
}
