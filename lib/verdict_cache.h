/* SPDX-License-Identifier: MIT */
/*
 * verdict_cache — the last paths a thread was allowed to touch.
 *
 * Programs judge the same few paths over and over (an interpreter stats its
 * search path on every import, a handler reopens its config on every event).
 * Walking the trie again for each costs more than the call it guards, so the
 * shim remembers, per thread, paths that were ALLOWED with given rights and
 * needed no symlink resolution (their lexical form was exact, see
 * path_resolve.h). The profile never changes after start, so such an answer
 * never goes stale; a relative path is remembered with the cwd epoch it was
 * resolved against (cwd.h), so a chdir makes those entries unreachable.
 *
 * Entries hold the whole path and are compared byte for byte: a hash alone
 * would let a crafted collision turn a denied path into an allowed one.
 * Denials are never cached (they take the slow path and are logged).
 * Direct-mapped, no locks, no allocation: one instance per thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERDICT_CACHE_SLOTS    32
#define VERDICT_CACHE_PATH_MAX 176

struct verdict_cache_entry {
	uint64_t hash;
	uint64_t base; /* 0: absolute path; else the cwd epoch of a relative one */
	uint16_t len;  /* 0: empty slot */
	uint8_t rights;
	char path[VERDICT_CACHE_PATH_MAX];
};

struct verdict_cache {
	struct verdict_cache_entry slot[VERDICT_CACHE_SLOTS];
};

/*
 * The hash of path[0..len) mixed with base and rights; computed once and
 * passed to lookup and store.
 */
uint64_t verdict_cache_hash(const char *path, size_t len, uint64_t base, unsigned rights);

/* True if (path, base, rights) was stored and is still there. */
bool verdict_cache_lookup(const struct verdict_cache *c, uint64_t hash, const char *path,
			  size_t len, uint64_t base, unsigned rights);

/* Remembers an allowed (path, base, rights); paths too long are not kept. */
void verdict_cache_store(struct verdict_cache *c, uint64_t hash, const char *path, size_t len,
			 uint64_t base, unsigned rights);

/* Forgets everything (tests; a process never needs it: the profile is fixed). */
void verdict_cache_clear(struct verdict_cache *c);
