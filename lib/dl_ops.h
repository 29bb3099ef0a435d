/* SPDX-License-Identifier: MIT */
/*
 * dl_ops — dlsym() and dlvsym(), wrapped.
 *
 * A handle on libc itself (dlopen("libc.so.6"), Python's
 * ctypes.CDLL("libc.so.6")) makes dlsym return libc's own open, past every
 * wrapper. So a lookup that lands on a libc function the shim wraps, or on
 * one of libc's public or private aliases of them (__open, __open64_nocancel,
 * __connect, __libc_system ...), answers with the wrapper instead. Lookups
 * with RTLD_NEXT go straight to libc's dlsym with the caller's own return
 * address (a tail jump): "next" must stay relative to the caller.
 *
 * The shim's own lookups (real.h) need libc's dlsym itself: it is found in
 * libc's dynamic symbol table at start, since dlsym(RTLD_NEXT, "dlsym") would
 * ask the function being replaced.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Finds libc's dlsym and dlvsym and the objects after the shim, once.
 * Returns 0, -ENOENT (no wrapper then), or -EBUSY in a signal handler that
 * interrupted the thread doing it.
 */
int dl_ops_resolve(void);

/* True when dl_ops_next() probes the objects itself (false: it asks dlsym). */
bool dl_ops_next_mirrored(void);

/* libc's own dlsym and dlopen, once dl_ops_resolve() found them (else NULL). */
extern __attribute__((visibility("hidden"))) void *(*dl_ops_libc_dlsym)(void *, const char *);
extern __attribute__((visibility("hidden"))) void *(*dl_ops_libc_dlopen)(const char *, int);

/*
 * What libc's dlsym(RTLD_NEXT, name) answers, found by probing the objects
 * after the shim (NULL when none defines it); dlsym itself only for an
 * IFUNC or where the search cannot be mirrored.
 */
void *dl_ops_next(const char *name);

/* True when fn lies in libc (and no other preload stands between the shim and it). */
bool dl_ops_in_libc(const void *fn);

/*
 * The file name of the dynamic loader this process runs under, as found at
 * start (dl_ops_resolve), or "" when it was not found: read without a lock.
 */
const char *dl_ops_loader_path(void);

/* The loader's cache, which it reads before it maps a library by name. */
#define LD_SO_CACHE "/etc/ld.so.cache"

/*
 * Record mode: the libraries mapped in this process (by the loader before
 * the shim started, and as dependencies of a dlopen, both unseen) and the
 * loader's cache, learned as read ("load"): a descendant started with the
 * learned profile needs them readable where Landlock restricts reading.
 * The shim's own objects are not the function's: the shim, and the one
 * holding the code at also_own (libcjson, loaded for the shim; 0: none).
 */
void dl_ops_learn_loaded(uintptr_t also_own);
