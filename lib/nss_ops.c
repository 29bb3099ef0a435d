// SPDX-License-Identifier: MIT
/*
 * nss_ops — user, group and shadow lookups judged as the file reads they are.
 *
 * getpwnam() and friends read /etc/passwd, /etc/group and /etc/shadow with
 * libc's internal open, which no wrapper sees. Unjudged, such a read was
 * neither logged nor learned, while the Landlock layer (enforce) refused it
 * in the kernel: a function recorded clean could then fail in enforce
 * without one event (Python's pwd module, os.path.expanduser, Node's
 * os.userInfo()). Each lookup is judged as reading the database file the
 * "files" source opens, before libc runs it: logged in alert, learned in
 * record, refused in enforce (NULL or EACCES, as libc reports an unreadable
 * database). Other NSS sources (sss, systemd) are not judged here; their
 * sockets are network rules' business.
 *
 * getgrouplist() and initgroups() are left alone: they change or list
 * supplementary groups (privileged, or a fallback on the gid given), not
 * what a function reads.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stddef.h>

#include "real.h"
#include "shim.h"
#include "syscall_ops.h"

#define EXPORT __attribute__((visibility("default")))

#define DB_PASSWD "/etc/passwd"
#define DB_GROUP  "/etc/group"
#define DB_SHADOW "/etc/shadow"

/* Lookups returning a static entry: NULL with errno set when refused. */
// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define NSS_ENTRY(type, name, db, params, args)         \
	EXPORT type *name params                        \
	{                                               \
		if (file_ops_guard_read(#name, db) < 0) \
			return NULL;                    \
		if (!REAL(name)) {                      \
			errno = ENOSYS;                 \
			return NULL;                    \
		}                                       \
		return REAL(name) args;                 \
	}
// NOLINTEND(bugprone-macro-parentheses)

/* Reentrant lookups: the error number is the result, *result NULL. */
// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define NSS_REENTRANT(name, db, params, args, result)                             \
	EXPORT int name params                                                    \
	{                                                                         \
		if (file_ops_guard_read(#name, db) < 0) {                         \
			*(result) = NULL;                                         \
			return errno;                                             \
		}                                                                 \
		return REAL(name) ? REAL(name) args : (*(result) = NULL, ENOSYS); \
	}
// NOLINTEND(bugprone-macro-parentheses)

NSS_ENTRY(struct passwd, getpwnam, DB_PASSWD, (const char *n), (n))
NSS_ENTRY(struct passwd, getpwuid, DB_PASSWD, (uid_t u), (u))
NSS_ENTRY(struct passwd, getpwent, DB_PASSWD, (void), ())
NSS_REENTRANT(getpwnam_r, DB_PASSWD,
	      (const char *n, struct passwd *e, char *b, size_t s, struct passwd **r),
	      (n, e, b, s, r), r)
NSS_REENTRANT(getpwuid_r, DB_PASSWD,
	      (uid_t u, struct passwd *e, char *b, size_t s, struct passwd **r), (u, e, b, s, r), r)
NSS_REENTRANT(getpwent_r, DB_PASSWD, (struct passwd * e, char *b, size_t s, struct passwd **r),
	      (e, b, s, r), r)

NSS_ENTRY(struct group, getgrnam, DB_GROUP, (const char *n), (n))
NSS_ENTRY(struct group, getgrgid, DB_GROUP, (gid_t g), (g))
NSS_ENTRY(struct group, getgrent, DB_GROUP, (void), ())
NSS_REENTRANT(getgrnam_r, DB_GROUP,
	      (const char *n, struct group *e, char *b, size_t s, struct group **r),
	      (n, e, b, s, r), r)
NSS_REENTRANT(getgrgid_r, DB_GROUP, (gid_t g, struct group *e, char *b, size_t s, struct group **r),
	      (g, e, b, s, r), r)
NSS_REENTRANT(getgrent_r, DB_GROUP, (struct group * e, char *b, size_t s, struct group **r),
	      (e, b, s, r), r)

NSS_ENTRY(struct spwd, getspnam, DB_SHADOW, (const char *n), (n))
NSS_ENTRY(struct spwd, getspent, DB_SHADOW, (void), ())
NSS_REENTRANT(getspnam_r, DB_SHADOW,
	      (const char *n, struct spwd *e, char *b, size_t s, struct spwd **r), (n, e, b, s, r),
	      r)
NSS_REENTRANT(getspent_r, DB_SHADOW, (struct spwd * e, char *b, size_t s, struct spwd **r),
	      (e, b, s, r), r)
