/* SPDX-License-Identifier: MIT */
/*
 * siphash — SipHash-2-4 (Aumasson, Bernstein): a 64-bit hash keyed by 16
 * secret bytes, so that inputs which collide cannot be found without the
 * key (the rate limiter's keys, the file an alert was logged for).
 * Allocation-free and async-signal-safe.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A hash fed in pieces. */
struct siphash {
	uint64_t v0, v1, v2, v3;
	uint64_t pending; /* bytes not yet forming a full word, little-endian */
	uint64_t total;
};

void siphash_init(struct siphash *h, const uint64_t key[2]);
void siphash_update(struct siphash *h, const void *data, size_t len);
uint64_t siphash_final(struct siphash *h);

/* The hash of len bytes at data, in one piece. */
uint64_t siphash(const uint64_t key[2], const void *data, size_t len);
