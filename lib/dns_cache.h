/* SPDX-License-Identifier: MIT */
/*
 * dns_cache — which names the resolver turned into which addresses, so that
 * a connect() to an address can be judged by the name it came from
 * (DESIGN.md "Network": names are bound to the addresses the resolver
 * returned).
 *
 * One process-wide table of fixed size (no allocation, ever). getaddrinfo
 * gives no TTL, so every binding lives DNS_CACHE_TTL_NS after its last
 * resolution and is then forgotten: a program that keeps connecting to an
 * address it resolved long ago without resolving again is judged by the
 * address alone. When the slots an address can use are all live, the
 * binding closest to expiry is replaced; an evicted binding only makes a
 * later connect fall back to the address rules (it never allows more).
 *
 * Concurrency: each slot is a seqlock whose lock word also holds the pid of
 * the writer. Lookups never wait and never write (async-signal-safe); a slot
 * being written is simply skipped. Writers take a slot with one
 * compare-and-swap and skip slots other threads are writing; a slot left
 * half-written by a thread that does not exist in a fork child (its owner
 * pid is not ours) is taken over, so fork needs no handler.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* How long a resolution vouches for its addresses: 10 minutes. */
#define DNS_CACHE_TTL_NS (600ull * 1000000000ull)

/* Longest name kept (a DNS name has at most 253 characters), NUL included. */
#define DNS_CACHE_NAME_MAX 256

/*
 * Binds addr (struct in_addr for AF_INET, struct in6_addr for AF_INET6;
 * IPv4-mapped IPv6 is stored as IPv4) to name, lower-cased and without a
 * trailing dot, until now_ns + DNS_CACHE_TTL_NS (now_ns: CLOCK_MONOTONIC).
 * Binding the same pair again refreshes it. Returns 0, -EAFNOSUPPORT,
 * -EINVAL (empty name, or longer than DNS_CACHE_NAME_MAX - 1), or -EBUSY
 * when every slot the address may use was being written (not kept).
 * Thread-safe; not for signal handlers.
 */
int dns_cache_insert(int family, const void *addr, const char *name, size_t len, uint64_t now_ns);

/*
 * Walks the names bound to addr that are live at now_ns, in no particular
 * order. Start with *cursor = 0; each call copies
 * the next name (NUL-terminated, at most DNS_CACHE_NAME_MAX bytes) into
 * buf and its length into *ret_len, and when ret_expires is not NULL the
 * time the binding ends into it (CLOCK_MONOTONIC ns; a later resolution
 * pushes it back, an eviction brings it forward), advances *cursor and
 * returns 0; -ENOENT when there are no more, -ENOBUFS when size is under
 * DNS_CACHE_NAME_MAX. Lock-free, allocation-free, async-signal-safe.
 */
int dns_cache_next(int family, const void *addr, uint64_t now_ns, unsigned *cursor, char *buf,
		   size_t size, size_t *ret_len, uint64_t *ret_expires);

/*
 * How many live bindings were given up so far (a full window's oldest
 * replaced, or the table cleared): what was read of a binding holds until
 * its end only while this stays the same. Lock-free.
 */
uint64_t dns_cache_evictions(void);

/* Forgets every binding (tests). Not safe against concurrent inserts. */
void dns_cache_clear(void);
