/* SPDX-License-Identifier: MIT */
/*
 * profile_share — a process that read its profile from JSON hands what it
 * made of it to its descendants, so that they need neither cJSON, nor the
 * profile's files and `extends`, nor libseccomp for the syscall names; one
 * that read a bundle hands the bundle down whole.
 *
 * The loaded profile is written as a lean bundle (bundle.h: image, file
 * matcher, names) into a memfd sealed against every change (write, grow,
 * shrink, more seals), kept open across exec at a high number exported in
 * FNGUARD_PROFILE_FD and guarded like the log descriptor (fd_guard.c). A
 * descendant maps it read-only and loads the profile from the mapping, in
 * place: sealed, it cannot change under the matchers that point into it.
 * A descriptor that is not such a memfd (closed and reused, set by hand)
 * is not used: the descendant reads FNGUARD_PROFILE as before. The
 * variable holds the memfd's identity as well as its number ("fd:dev:ino",
 * as the log's FNGUARD_LOG_ID): a program that puts a sealed memfd of its
 * own at that number (a wider profile) finds it refused.
 *
 * The snapshot is what the first process read: a JSON file or a bundle
 * edited while the function runs does not reach its descendants.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct policy;

/*
 * A descendant: maps the memfd named by FNGUARD_PROFILE_FD if it is one
 * (regular, sealed, of a bundle's size). Returns 0 and the mapping,
 * -ENOENT when there is none to use. profile_share_unmap() if it cannot be
 * loaded after all.
 */
int profile_share_map(const void **ret, size_t *ret_len);
void profile_share_unmap(const void *data, size_t len);

/*
 * After a JSON profile was loaded: writes pol for descendants (names: with
 * the native syscall names, for a SIGSYS handler). Nothing happens when a
 * step fails; descendants then read the profile themselves. Before the
 * seccomp filter: memfd_create and fcntl need not be in the profile.
 */
void profile_share_publish(const struct policy *pol, bool names);

/*
 * After a bundle was loaded: its bytes for descendants, whole (the programs
 * are what a descendant installs where the filter could not be inherited).
 * They map it instead of reading the file (a read's copy faulted ~5 pages
 * in every process), and see what the first process loaded.
 */
void profile_share_publish_bundle(const void *data, size_t len);

/* The descriptor in use (mapped or published), or -1. */
int profile_share_fd(void);

/*
 * The program put another file at fd's number (dup2): it is the program's
 * now, not guarded; descendants find another identity there and read the
 * profile themselves.
 */
void profile_share_forget(int fd);
