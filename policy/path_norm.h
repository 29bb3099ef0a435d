/* SPDX-License-Identifier: MIT */
/*
 * path_norm — lexical normalisation of paths, no file system access.
 *
 * "//" and "/./" collapse, "/.." removes the previous segment (and stays at
 * "/" at the root), a trailing '/' is dropped except for "/" itself, and a
 * relative path is first joined to a given absolute base directory (the cwd,
 * or the directory of a dirfd). Symlinks are not resolved here: that is the
 * caller's job, where it is needed.
 */
#pragma once

#include <stddef.h>

/*
 * Writes the normalised absolute form of path into buf (size bytes) and its
 * length into *ret_len. base must be absolute when path is relative (it is
 * ignored when path is absolute) and may be NULL only for absolute paths.
 * Returns 0, -EINVAL (empty path, relative path without an absolute base),
 * or -ENAMETOOLONG (result does not fit, including the NUL).
 * No allocation, async-signal-safe.
 */
int path_normalize(const char *base, const char *path, char *buf, size_t size, size_t *ret_len);

/*
 * True when path (len bytes) is absolute and already normal: no empty, "."
 * or ".." segment and no trailing '/' ("/" itself is normal). One pass, no
 * allocation: lets callers skip path_normalize() for the common case.
 */
_Bool path_is_normal(const char *path, size_t len);
