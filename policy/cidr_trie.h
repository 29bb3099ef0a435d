/* SPDX-License-Identifier: MIT */
/*
 * cidr_trie — a set of address prefixes (IPv4 or IPv6, one width per trie)
 * compiled into a path-compressed binary radix trie. A lookup walks at most
 * one node per distinct prefix length on the address's path, so its cost
 * does not grow with the number of prefixes.
 *
 * Every prefix carries a caller-chosen 32-bit value; several prefixes may be
 * equal. A lookup reports the lowest value among all prefixes containing the
 * address that a caller-supplied predicate accepts, which is what "first
 * matching rule wins" needs when rules also carry port or protocol limits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr_entry {
	uint8_t addr[16];   /* network byte order; the first width/8 bytes are used */
	uint8_t prefix_len; /* 0..width */
	uint32_t value;
};

struct cidr_trie;

/*
 * Compiles entries[0..n) (borrowed, copied) into a trie of the given width
 * (32 or 128 bits). Bits of addr beyond prefix_len must be zero. Returns 0,
 * -EINVAL (bad width, prefix_len or host bits), or -ENOMEM. Caller frees with
 * cidr_trie_free(). The result is immutable and safe to share between threads.
 */
int cidr_trie_build(unsigned width, const struct cidr_entry *entries, size_t n,
		    struct cidr_trie **ret);

void cidr_trie_free(struct cidr_trie *trie);

/* Says whether the value of a containing prefix is acceptable to the caller. */
typedef bool (*cidr_trie_accept_fn)(uint32_t value, void *userdata);

/*
 * Finds the lowest value among the prefixes containing addr (width/8 bytes,
 * network byte order) for which accept returns true; accept may be NULL to
 * take any. Values are offered in ascending order per prefix, and never one
 * that could not beat the best found so far. Returns 0 with *ret_value set,
 * or -ENOENT. No allocation, async-signal-safe.
 */
int cidr_trie_lowest(const struct cidr_trie *trie, const uint8_t *addr, cidr_trie_accept_fn accept,
		     void *userdata, uint32_t *ret_value);

/* Number of nodes, including the ones that only join two branches (for tests). */
size_t cidr_trie_node_count(const struct cidr_trie *trie);
