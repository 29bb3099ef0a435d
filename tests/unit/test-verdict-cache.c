/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "verdict_cache.h"

static struct verdict_cache cache;

static void store(const char *p, uint64_t base, unsigned rights)
{
	size_t n = strlen(p);
	verdict_cache_store(&cache, verdict_cache_hash(p, n, base, rights), p, n, base, rights);
}

static bool hit(const char *p, uint64_t base, unsigned rights)
{
	size_t n = strlen(p);
	return verdict_cache_lookup(&cache, verdict_cache_hash(p, n, base, rights), p, n, base,
				    rights);
}

static void setup(void)
{
	verdict_cache_clear(&cache);
}

TestSuite(verdict_cache, .init = setup);

Test(verdict_cache, empty_cache_answers_nothing)
{
	cr_assert_not(hit("/", 0, 1));
	cr_assert_not(hit("/etc/hosts", 0, 1));
}

Test(verdict_cache, stored_path_hits_with_same_base_and_rights_only)
{
	store("/var/task/app.py", 0, 1);
	cr_assert(hit("/var/task/app.py", 0, 1));
	cr_assert_not(hit("/var/task/app.py", 0, 3), "other rights are judged again");
	cr_assert_not(hit("/var/task/app.py", 2, 1), "a relative name under a cwd is another key");
	cr_assert_not(hit("/var/task/app.pyc", 0, 1));
	cr_assert_not(hit("/var/task/app.p", 0, 1));
}

Test(verdict_cache, relative_entries_belong_to_their_cwd_epoch)
{
	store("data/config.json", 4, 1);
	cr_assert(hit("data/config.json", 4, 1));
	cr_assert_not(hit("data/config.json", 6, 1), "after a chdir the epoch differs");
}

/*
 * Paths that agree in every 8-byte word the hash reads but differ in one
 * byte, and a path equal to an entry's prefix: only a byte-for-byte equal
 * path may hit, whatever the hash says.
 */
Test(verdict_cache, compares_whole_path_not_hash)
{
	char a[] = "/var/task/aaaaaaaa/secret.txt";
	char b[] = "/var/task/aaaaaaaa/secret.txt";
	b[12] = 'b';
	store(a, 0, 1);
	size_t n = strlen(b);
	uint64_t forged = verdict_cache_hash(a, n, 0, 1);
	cr_assert_not(verdict_cache_lookup(&cache, forged, b, n, 0, 1),
		      "a forged hash with other bytes must not hit");
	cr_assert_not(verdict_cache_lookup(&cache, forged, a, n - 1, 0, 1),
		      "a prefix with the entry's hash must not hit");
	cr_assert(verdict_cache_lookup(&cache, forged, a, n, 0, 1));
}

Test(verdict_cache, short_and_tail_lengths)
{
	/* Every length from 1 to 40: the tail word is read without overrunning. */
	char p[64];
	for (size_t n = 1; n <= 40; n++) {
		memset(p, 'x', n);
		p[0] = '/';
		p[n] = '\0';
		setup();
		store(p, 0, 1);
		cr_assert(hit(p, 0, 1), "length %zu", n);
		p[n - 1] = 'y';
		cr_assert_not(hit(p, 0, 1), "last byte changed, length %zu", n);
	}
}

Test(verdict_cache, too_long_paths_are_not_kept)
{
	char p[VERDICT_CACHE_PATH_MAX + 8];
	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	store(p, 0, 1);
	cr_assert_not(hit(p, 0, 1));
	p[VERDICT_CACHE_PATH_MAX] = '\0';
	store(p, 0, 1);
	cr_assert(hit(p, 0, 1), "exactly the maximum fits");
}

Test(verdict_cache, a_newer_entry_replaces_an_older_one_in_its_slot)
{
	/* Fill far beyond the slot count: every lookup is still exact. */
	char p[64];
	unsigned hits = 0;
	for (unsigned i = 0; i < 10 * VERDICT_CACHE_SLOTS; i++) {
		snprintf(p, sizeof(p), "/srv/app%u/file", i);
		store(p, 0, 1);
	}
	for (unsigned i = 0; i < 10 * VERDICT_CACHE_SLOTS; i++) {
		snprintf(p, sizeof(p), "/srv/app%u/file", i);
		hits += hit(p, 0, 1);
		snprintf(p, sizeof(p), "/srv/app%u/filf", i);
		cr_assert_not(hit(p, 0, 1));
	}
	cr_assert(hits > 0 && hits <= VERDICT_CACHE_SLOTS, "hits %u", hits);
}
