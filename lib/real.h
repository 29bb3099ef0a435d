/* SPDX-License-Identifier: MIT */
/*
 * real — the libc functions the shim wraps: the next definition of each
 * name after the shim's (what dlsym(RTLD_NEXT) gives), looked up the first
 * time it is called. Interposers call through REAL(NAME); NULL (a libc
 * without that symbol) makes the interposer fail with ENOSYS rather than
 * guess. A process asks for the few it uses: looking up all of them at
 * start cost every process ~15 us (over 200 hash probes in libc's tables).
 * The lookup reads the loaded objects' tables only (dl_ops_next), so it is
 * async-signal-safe; where the search order cannot be mirrored it would ask
 * dlsym, and everything is looked up at start instead (real_resolve).
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <semaphore.h>
#include <shadow.h>
#include <setjmp.h>
#include <signal.h>
#include <netdb.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <utime.h>
#include <utmp.h>
#include <utmpx.h>
#include <wordexp.h>

struct statx;
struct __res_state;
struct timeval;
struct timespec;
struct mmsghdr;

/* X(return type, name, (parameter list)) for every wrapped function. */
#define REAL_SYMBOLS(X)                                                                            \
	X(int, open, (const char *, int, ...))                                                     \
	X(int, open64, (const char *, int, ...))                                                   \
	X(int, openat, (int, const char *, int, ...))                                              \
	X(int, openat64, (int, const char *, int, ...))                                            \
	X(int, __open_2, (const char *, int))                                                      \
	X(int, __open64_2, (const char *, int))                                                    \
	X(int, __openat_2, (int, const char *, int))                                               \
	X(int, __openat64_2, (int, const char *, int))                                             \
	X(int, creat, (const char *, mode_t))                                                      \
	X(int, creat64, (const char *, mode_t))                                                    \
	X(FILE *, fopen, (const char *, const char *))                                             \
	X(FILE *, fdopen, (int, const char *))                                                     \
	X(FILE *, fopen64, (const char *, const char *))                                           \
	X(FILE *, freopen, (const char *, const char *, FILE *))                                   \
	X(FILE *, freopen64, (const char *, const char *, FILE *))                                 \
	X(DIR *, opendir, (const char *))                                                          \
	X(int, inotify_add_watch, (int, const char *, uint32_t))                                   \
	X(int, scandir,                                                                            \
	  (const char *, struct dirent ***, int (*)(const struct dirent *),                        \
	   int (*)(const struct dirent **, const struct dirent **)))                               \
	X(int, scandir64,                                                                          \
	  (const char *, struct dirent64 ***, int (*)(const struct dirent64 *),                    \
	   int (*)(const struct dirent64 **, const struct dirent64 **)))                           \
	X(int, scandirat,                                                                          \
	  (int, const char *, struct dirent ***, int (*)(const struct dirent *),                   \
	   int (*)(const struct dirent **, const struct dirent **)))                               \
	X(int, scandirat64,                                                                        \
	  (int, const char *, struct dirent64 ***, int (*)(const struct dirent64 *),               \
	   int (*)(const struct dirent64 **, const struct dirent64 **)))                           \
	X(int, nftw, (const char *, __nftw_func_t, int, int))                                      \
	X(int, nftw64, (const char *, __nftw64_func_t, int, int))                                  \
	X(int, ftw, (const char *, __ftw_func_t, int))                                             \
	X(int, ftw64, (const char *, __ftw64_func_t, int))                                         \
	X(int, glob, (const char *, int, int (*)(const char *, int), glob_t *))                    \
	X(int, glob64, (const char *, int, int (*)(const char *, int), glob64_t *))                \
	X(int, mkstemp, (char *))                                                                  \
	X(int, mkstemp64, (char *))                                                                \
	X(int, mkostemp, (char *, int))                                                            \
	X(int, mkstemps, (char *, int))                                                            \
	X(int, mkostemps, (char *, int, int))                                                      \
	X(char *, mkdtemp, (char *))                                                               \
	X(int, stat, (const char *, struct stat *))                                                \
	X(int, stat64, (const char *, struct stat64 *))                                            \
	X(int, lstat, (const char *, struct stat *))                                               \
	X(int, lstat64, (const char *, struct stat64 *))                                           \
	X(int, fstatat, (int, const char *, struct stat *, int))                                   \
	X(int, fstatat64, (int, const char *, struct stat64 *, int))                               \
	X(int, statx, (int, const char *, int, unsigned int, struct statx *))                      \
	X(int, __xstat, (int, const char *, struct stat *))                                        \
	X(int, __xstat64, (int, const char *, struct stat64 *))                                    \
	X(int, __lxstat, (int, const char *, struct stat *))                                       \
	X(int, __lxstat64, (int, const char *, struct stat64 *))                                   \
	X(int, __fxstatat, (int, int, const char *, struct stat *, int))                           \
	X(int, __fxstatat64, (int, int, const char *, struct stat64 *, int))                       \
	X(int, access, (const char *, int))                                                        \
	X(int, faccessat, (int, const char *, int, int))                                           \
	X(int, eaccess, (const char *, int))                                                       \
	X(int, euidaccess, (const char *, int))                                                    \
	X(ssize_t, readlink, (const char *, char *, size_t))                                       \
	X(char *, realpath, (const char *, char *))                                                \
	X(char *, canonicalize_file_name, (const char *))                                          \
	X(char *, __realpath_chk, (const char *, char *, size_t))                                  \
	X(ssize_t, readlinkat, (int, const char *, char *, size_t))                                \
	X(int, truncate, (const char *, off_t))                                                    \
	X(int, truncate64, (const char *, off64_t))                                                \
	X(int, chmod, (const char *, mode_t))                                                      \
	X(int, fchmodat, (int, const char *, mode_t, int))                                         \
	X(int, chown, (const char *, uid_t, gid_t))                                                \
	X(int, lchown, (const char *, uid_t, gid_t))                                               \
	X(int, fchownat, (int, const char *, uid_t, gid_t, int))                                   \
	X(int, utimensat, (int, const char *, const struct timespec *, int))                       \
	X(int, fchmod, (int, mode_t))                                                              \
	X(int, ioctl, (int, unsigned long, ...))                                                   \
	X(int, fchown, (int, uid_t, gid_t))                                                        \
	X(int, futimens, (int, const struct timespec *))                                           \
	X(int, futimes, (int, const struct timeval *))                                             \
	X(int, utimes, (const char *, const struct timeval *))                                     \
	X(int, lutimes, (const char *, const struct timeval *))                                    \
	X(int, utime, (const char *, const struct utimbuf *))                                      \
	X(int, mkdir, (const char *, mode_t))                                                      \
	X(int, mkdirat, (int, const char *, mode_t))                                               \
	X(int, mknod, (const char *, mode_t, dev_t))                                               \
	X(int, __xmknod, (int, const char *, mode_t, dev_t *))                                     \
	X(int, __xmknodat, (int, int, const char *, mode_t, dev_t *))                              \
	X(int, mkfifo, (const char *, mode_t))                                                     \
	X(int, mkfifoat, (int, const char *, mode_t))                                              \
	X(int, lchmod, (const char *, mode_t))                                                     \
	X(int, futimesat, (int, const char *, const struct timeval *))                             \
	X(int, utmpname, (const char *))                                                           \
	X(int, shm_open, (const char *, int, mode_t))                                              \
	X(int, shm_unlink, (const char *))                                                         \
	X(sem_t *, sem_open, (const char *, int, ...))                                             \
	X(int, sem_unlink, (const char *))                                                         \
	X(int, utmpxname, (const char *))                                                          \
	X(void, updwtmp, (const char *, const struct utmp *))                                      \
	X(void, updwtmpx, (const char *, const struct utmpx *))                                    \
	X(FTS *, fts_open, (char *const *, int, int (*)(const FTSENT **, const FTSENT **)))        \
	X(FTS64 *, fts64_open,                                                                     \
	  (char *const *, int, int (*)(const FTSENT64 **, const FTSENT64 **)))                     \
	X(int, rexec, (char **, int, const char *, const char *, const char *, int *))             \
	X(int, rexec_af,                                                                           \
	  (char **, int, const char *, const char *, const char *, int *, sa_family_t))            \
	X(int, mknodat, (int, const char *, mode_t, dev_t))                                        \
	X(int, rmdir, (const char *))                                                              \
	X(int, unlink, (const char *))                                                             \
	X(int, unlinkat, (int, const char *, int))                                                 \
	X(int, rename, (const char *, const char *))                                               \
	X(int, renameat, (int, const char *, int, const char *))                                   \
	X(int, renameat2, (int, const char *, int, const char *, unsigned int))                    \
	X(int, link, (const char *, const char *))                                                 \
	X(int, linkat, (int, const char *, int, const char *, int))                                \
	X(int, symlink, (const char *, const char *))                                              \
	X(int, symlinkat, (const char *, int, const char *))                                       \
	X(int, setxattr, (const char *, const char *, const void *, size_t, int))                  \
	X(int, lsetxattr, (const char *, const char *, const void *, size_t, int))                 \
	X(int, removexattr, (const char *, const char *))                                          \
	X(int, lremovexattr, (const char *, const char *))                                         \
	X(int, fsetxattr, (int, const char *, const void *, size_t, int))                          \
	X(int, fremovexattr, (int, const char *))                                                  \
	X(ssize_t, getxattr, (const char *, const char *, void *, size_t))                         \
	X(ssize_t, lgetxattr, (const char *, const char *, void *, size_t))                        \
	X(ssize_t, listxattr, (const char *, char *, size_t))                                      \
	X(ssize_t, llistxattr, (const char *, char *, size_t))                                     \
	X(int, chdir, (const char *))                                                              \
	X(int, fchdir, (int))                                                                      \
	X(int, unshare, (int))                                                                     \
	X(int, clone, (int (*)(void *), void *, int, void *, ...))                                 \
	X(int, close, (int))                                                                       \
	X(int, close_range, (unsigned int, unsigned int, int))                                     \
	X(void, closefrom, (int))                                                                  \
	X(int, dup2, (int, int))                                                                   \
	X(int, dup3, (int, int, int))                                                              \
	X(int, connect, (int, const struct sockaddr *, socklen_t))                                 \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t))   \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int))                                     \
	X(ssize_t, send, (int, const void *, size_t, int))                                         \
	X(int, getpeername, (int, struct sockaddr *, socklen_t *))                                 \
	X(int, setsockopt, (int, int, int, const void *, socklen_t))                               \
	X(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int))                               \
	X(int, bind, (int, const struct sockaddr *, socklen_t))                                    \
	X(int, listen, (int, int))                                                                 \
	X(int, accept, (int, struct sockaddr *, socklen_t *))                                      \
	X(int, accept4, (int, struct sockaddr *, socklen_t *, int))                                \
	X(int, getaddrinfo,                                                                        \
	  (const char *, const char *, const struct addrinfo *, struct addrinfo **))               \
	X(int, res_query, (const char *, int, int, unsigned char *, int))                          \
	X(int, res_search, (const char *, int, int, unsigned char *, int))                         \
	X(int, res_querydomain, (const char *, const char *, int, int, unsigned char *, int))      \
	X(int, res_nquery, (struct __res_state *, const char *, int, int, unsigned char *, int))   \
	X(int, res_nsearch, (struct __res_state *, const char *, int, int, unsigned char *, int))  \
	X(int, res_send, (const unsigned char *, int, unsigned char *, int))                       \
	X(int, res_nsend,                                                                          \
	  (struct __res_state *, const unsigned char *, int, unsigned char *, int))                \
	X(int, rcmd, (char **, unsigned short, const char *, const char *, const char *, int *))   \
	X(int, rcmd_af,                                                                            \
	  (char **, unsigned short, const char *, const char *, const char *, int *, sa_family_t)) \
	X(int, ruserok, (const char *, int, const char *, const char *))                           \
	X(int, ruserok_af, (const char *, int, const char *, const char *, sa_family_t))           \
	X(int, res_nquerydomain,                                                                   \
	  (struct __res_state *, const char *, const char *, int, int, unsigned char *, int))      \
	X(struct hostent *, gethostbyname, (const char *))                                         \
	X(struct hostent *, gethostbyname2, (const char *, int))                                   \
	X(int, gethostbyname_r,                                                                    \
	  (const char *, struct hostent *, char *, size_t, struct hostent **, int *))              \
	X(int, gethostbyname2_r,                                                                   \
	  (const char *, int, struct hostent *, char *, size_t, struct hostent **, int *))         \
	X(int, getnameinfo,                                                                        \
	  (const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int))         \
	X(struct hostent *, gethostbyaddr, (const void *, socklen_t, int))                         \
	X(int, gethostbyaddr_r,                                                                    \
	  (const void *, socklen_t, int, struct hostent *, char *, size_t, struct hostent **,      \
	   int *))                                                                                 \
	X(struct passwd *, getpwnam, (const char *))                                               \
	X(struct passwd *, getpwuid, (uid_t))                                                      \
	X(struct passwd *, getpwent, (void))                                                       \
	X(int, getpwnam_r, (const char *, struct passwd *, char *, size_t, struct passwd **))      \
	X(int, getpwuid_r, (uid_t, struct passwd *, char *, size_t, struct passwd **))             \
	X(int, getpwent_r, (struct passwd *, char *, size_t, struct passwd **))                    \
	X(struct group *, getgrnam, (const char *))                                                \
	X(struct group *, getgrgid, (gid_t))                                                       \
	X(struct group *, getgrent, (void))                                                        \
	X(int, getgrnam_r, (const char *, struct group *, char *, size_t, struct group **))        \
	X(int, getgrgid_r, (gid_t, struct group *, char *, size_t, struct group **))               \
	X(int, getgrent_r, (struct group *, char *, size_t, struct group **))                      \
	X(struct spwd *, getspnam, (const char *))                                                 \
	X(struct spwd *, getspent, (void))                                                         \
	X(int, getspnam_r, (const char *, struct spwd *, char *, size_t, struct spwd **))          \
	X(int, getspent_r, (struct spwd *, char *, size_t, struct spwd **))                        \
	X(int, execve, (const char *, char *const[], char *const[]))                               \
	X(int, execvpe, (const char *, char *const[], char *const[]))                              \
	X(int, fexecve, (int, char *const[], char *const[]))                                       \
	X(int, execveat, (int, const char *, char *const[], char *const[], int))                   \
	X(int, posix_spawn_file_actions_addopen,                                                   \
	  (posix_spawn_file_actions_t *, int, const char *, int, mode_t))                          \
	X(int, posix_spawn_file_actions_addclose, (posix_spawn_file_actions_t *, int))             \
	X(int, posix_spawn_file_actions_adddup2, (posix_spawn_file_actions_t *, int, int))         \
	X(int, posix_spawn_file_actions_addclosefrom_np, (posix_spawn_file_actions_t *, int))      \
	X(int, posix_spawn_file_actions_init, (posix_spawn_file_actions_t *))                      \
	X(int, posix_spawn_file_actions_destroy, (posix_spawn_file_actions_t *))                   \
	X(int, posix_spawn,                                                                        \
	  (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,   \
	   char *const[], char *const[]))                                                          \
	X(int, posix_spawnp,                                                                       \
	  (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,   \
	   char *const[], char *const[]))                                                          \
	X(int, system, (const char *))                                                             \
	X(FILE *, popen, (const char *, const char *))                                             \
	X(int, wordexp, (const char *, wordexp_t *, int))                                          \
	X(int, setenv, (const char *, const char *, int))                                          \
	X(int, unsetenv, (const char *))                                                           \
	X(int, putenv, (char *))                                                                   \
	X(int, clearenv, (void))                                                                   \
	X(int, pclose, (FILE *))                                                                   \
	X(int, fclose, (FILE *))                                                                   \
	X(int, sigaction, (int, const struct sigaction *, struct sigaction *))                     \
	X(sighandler_t, signal, (int, sighandler_t))                                               \
	X(sighandler_t, sysv_signal, (int, sighandler_t))                                          \
	X(sighandler_t, bsd_signal, (int, sighandler_t))                                           \
	X(sighandler_t, sigset, (int, sighandler_t))                                               \
	X(void, longjmp, (struct __jmp_buf_tag *, int))                                            \
	X(void, _longjmp, (struct __jmp_buf_tag *, int))                                           \
	X(void, siglongjmp, (struct __jmp_buf_tag *, int))                                         \
	X(void, __longjmp_chk, (struct __jmp_buf_tag *, int))                                      \
	X(ssize_t, read, (int, void *, size_t))                                                    \
	X(ssize_t, __read_chk, (int, void *, size_t, size_t))                                      \
	X(ssize_t, recv, (int, void *, size_t, int))                                               \
	X(ssize_t, __recv_chk, (int, void *, size_t, size_t, int))                                 \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *))           \
	X(ssize_t, __recvfrom_chk,                                                                 \
	  (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *))                      \
	X(ssize_t, recvmsg, (int, struct msghdr *, int))                                           \
	X(long, syscall, (long, ...))                                                              \
	X(char *, dlerror, (void))

/* ret and params are a type and a parameter list: parentheses would break them. */
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define REAL_MEMBER(ret, name, params) ret(*name) params;
struct real_symbols {
	REAL_SYMBOLS(REAL_MEMBER)
};
#undef REAL_MEMBER

#define REAL_INDEX(ret, name, params) REAL_IDX_##name,
enum real_index {
	REAL_SYMBOLS(REAL_INDEX) REAL_COUNT
};
#undef REAL_INDEX

extern struct real_symbols real;

/* Looks name up (index i): the function, or NULL where no object defines it. */
void *real_lookup(enum real_index i, const char *name);

/* The next definition of name after the shim's, looked up on first use. */
#define REAL(name)                                                                             \
	({                                                                                     \
		__typeof__(real.name) real_f_ = __atomic_load_n(&real.name, __ATOMIC_RELAXED); \
		if (__builtin_expect(!real_f_, 0)) {                                           \
			real_f_ = (__typeof__(real.name))real_lookup(REAL_IDX_##name, #name);  \
			__atomic_store_n(&real.name, real_f_, __ATOMIC_RELAXED);               \
		}                                                                              \
		real_f_;                                                                       \
	})

/*
 * At shim init: finds the objects after the shim (dl_ops_resolve); where
 * their search cannot be mirrored, looks every name up now (a lookup
 * would otherwise ask dlsym, wherever the first call comes from).
 */
void real_resolve(void);
