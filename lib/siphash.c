// SPDX-License-Identifier: MIT
#include "siphash.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(struct siphash *h)
{
	h->v0 += h->v1;
	h->v1 = rotl(h->v1, 13) ^ h->v0;
	h->v0 = rotl(h->v0, 32);
	h->v2 += h->v3;
	h->v3 = rotl(h->v3, 16) ^ h->v2;
	h->v0 += h->v3;
	h->v3 = rotl(h->v3, 21) ^ h->v0;
	h->v2 += h->v1;
	h->v1 = rotl(h->v1, 17) ^ h->v2;
	h->v2 = rotl(h->v2, 32);
}

static void sip_compress(struct siphash *h, uint64_t word)
{
	h->v3 ^= word;
	sip_round(h);
	sip_round(h);
	h->v0 ^= word;
}

void siphash_init(struct siphash *h, const uint64_t key[2])
{
	h->v0 = key[0] ^ 0x736f6d6570736575ULL;
	h->v1 = key[1] ^ 0x646f72616e646f6dULL;
	h->v2 = key[0] ^ 0x6c7967656e657261ULL;
	h->v3 = key[1] ^ 0x7465646279746573ULL;
	h->pending = 0;
	h->total = 0;
}

void siphash_update(struct siphash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		unsigned shift = (unsigned)(h->total % 8) * 8;

		h->pending |= (uint64_t)p[i] << shift;
		if (++h->total % 8 == 0) {
			sip_compress(h, h->pending);
			h->pending = 0;
		}
	}
}

uint64_t siphash_final(struct siphash *h)
{
	sip_compress(h, h->pending | h->total << 56);
	h->v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(h);
	return h->v0 ^ h->v1 ^ h->v2 ^ h->v3;
}

uint64_t siphash(const uint64_t key[2], const void *data, size_t len)
{
	struct siphash h;
	siphash_init(&h, key);
	siphash_update(&h, data, len);
	return siphash_final(&h);
}
