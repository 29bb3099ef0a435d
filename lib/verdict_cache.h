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
#include <string.h>

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

static inline uint64_t verdict_cache_mix(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0x9e3779b97f4a7c15ull;
}

/*
 * The hash of path[0..len) mixed with base and rights; computed once and
 * passed to lookup and store.
 */
static inline uint64_t verdict_cache_hash(const char *path, size_t len, uint64_t base,
					  unsigned rights)
{
	uint64_t h = verdict_cache_mix(base, ((uint64_t)len << 8) | rights), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, path + i, 8);
		h = verdict_cache_mix(h, w);
	}
	if (i < len) {
		/* The tail: the last 8 bytes when there are that many (no read past the end). */
		if (len >= 8) {
			memcpy(&w, path + len - 8, 8);
		} else {
			w = 0;
			memcpy(&w, path + i, len - i);
		}
		h = verdict_cache_mix(h, w);
	}
	return h ^ (h >> 29);
}

static inline struct verdict_cache_entry *verdict_cache_slot(const struct verdict_cache *c,
							     uint64_t hash)
{
	return (struct verdict_cache_entry *)&c->slot[(hash >> 7) % VERDICT_CACHE_SLOTS];
}

/*
 * True if (path, base, rights) was stored and is still there. Inline: a hit
 * is the whole cost of an allowed call the shim has seen before.
 */
static inline bool verdict_cache_lookup(const struct verdict_cache *c, uint64_t hash,
					const char *path, size_t len, uint64_t base,
					unsigned rights)
{
	const struct verdict_cache_entry *e = verdict_cache_slot(c, hash);

	return e->len != 0 && e->hash == hash && e->len == len && e->base == base &&
	       e->rights == rights && memcmp(e->path, path, len) == 0;
}

/*
 * A bit stored with the rights: the answer holds only for a call that
 * refuses every link on its way (openat2 with RESOLVE_NO_SYMLINKS, where
 * links can be planted: path_resolve_refusing_links). verdict_cache_lookup
 * never finds such an answer; verdict_cache_lookup_refusing does, and says so.
 */
#define VERDICT_CACHE_NO_LINKS 0x80u

/*
 * verdict_cache_lookup for a call that can refuse links: also finds the
 * answers stored with VERDICT_CACHE_NO_LINKS; *ret_no_links says whether
 * the call must refuse them.
 */
static inline bool verdict_cache_lookup_refusing(const struct verdict_cache *c, uint64_t hash,
						 const char *path, size_t len, uint64_t base,
						 unsigned rights, bool *ret_no_links)
{
	const struct verdict_cache_entry *e = verdict_cache_slot(c, hash);

	if (!(e->len != 0 && e->hash == hash && e->len == len && e->base == base &&
	      (e->rights & ~VERDICT_CACHE_NO_LINKS) == rights && memcmp(e->path, path, len) == 0))
		return false;
	*ret_no_links = e->rights & VERDICT_CACHE_NO_LINKS;
	return true;
}

/* Remembers an allowed (path, base, rights); paths too long are not kept. */
void verdict_cache_store(struct verdict_cache *c, uint64_t hash, const char *path, size_t len,
			 uint64_t base, unsigned rights);

/* Forgets everything (tests; a process never needs it: the profile is fixed). */
void verdict_cache_clear(struct verdict_cache *c);
