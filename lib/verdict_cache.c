// SPDX-License-Identifier: MIT
#include "verdict_cache.h"

#include <string.h>

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0x9e3779b97f4a7c15ull;
}

uint64_t verdict_cache_hash(const char *path, size_t len, uint64_t base, unsigned rights)
{
	uint64_t h = mix(base, ((uint64_t)len << 8) | rights), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, path + i, 8);
		h = mix(h, w);
	}
	if (i < len) {
		/* The tail: the last 8 bytes when there are that many (no read past the end). */
		if (len >= 8) {
			memcpy(&w, path + len - 8, 8);
		} else {
			w = 0;
			memcpy(&w, path + i, len - i);
		}
		h = mix(h, w);
	}
	return h ^ (h >> 29);
}

static inline struct verdict_cache_entry *slot_of(const struct verdict_cache *c, uint64_t hash)
{
	return (struct verdict_cache_entry *)&c->slot[(hash >> 7) % VERDICT_CACHE_SLOTS];
}

bool verdict_cache_lookup(const struct verdict_cache *c, uint64_t hash, const char *path,
			  size_t len, uint64_t base, unsigned rights)
{
	const struct verdict_cache_entry *e = slot_of(c, hash);

	return e->len != 0 && e->hash == hash && e->len == len && e->base == base &&
	       e->rights == rights && memcmp(e->path, path, len) == 0;
}

void verdict_cache_store(struct verdict_cache *c, uint64_t hash, const char *path, size_t len,
			 uint64_t base, unsigned rights)
{
	struct verdict_cache_entry *e = slot_of(c, hash);

	if (len == 0 || len > VERDICT_CACHE_PATH_MAX || rights > 0xff)
		return;
	e->hash = hash;
	e->base = base;
	e->len = (uint16_t)len;
	e->rights = (uint8_t)rights;
	memcpy(e->path, path, len);
}

void verdict_cache_clear(struct verdict_cache *c)
{
	memset(c, 0, sizeof(*c));
}
