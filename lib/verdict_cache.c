// SPDX-License-Identifier: MIT
#include "verdict_cache.h"

#include <string.h>

void verdict_cache_store(struct verdict_cache *c, uint64_t hash, const char *path, size_t len,
			 uint64_t base, unsigned rights)
{
	struct verdict_cache_entry *e = verdict_cache_slot(c, hash);

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
