/* SPDX-License-Identifier: MIT */
/*
 * dirfd_path — the path of a directory descriptor, kept. A name relative
 * to a descriptor (openat(fd, "x"), what tar, fts and rmtree do) is judged
 * joined to the directory's path, which /proc's readlink gives for ~3.3 us
 * here; a stat of the descriptor costs 0.4. A path read is kept with the
 * directory's device, inode and change time, and given again while a stat
 * finds all three the same: a rename of the directory changes its ctime.
 * A directory changed in the last 10 ms is not kept (ctime is as coarse as
 * the kernel's tick: a rename in the same tick could keep it).
 *
 * What it does not see: a rename of a directory above (the name below it
 * moves, its ctime does not). Where the function may create files (and so
 * rename directories) opens are looked at again after (file_ops.c); the
 * rest of the tree is where the function can move nothing through libc.
 */
#pragma once

#include <stddef.h>

/*
 * path_of_fd() for a directory descriptor, from the kept paths where the
 * descriptor still is that directory. Returns 0, or path_of_fd's -errno.
 * Async-signal-safe; a thread that finds the table busy reads /proc.
 */
int dirfd_path(int fd, char *buf, size_t size, size_t *ret_len);

/* In a fork child: the table's lock, if another thread held it, is free again. */
void dirfd_path_after_fork_child(void);
