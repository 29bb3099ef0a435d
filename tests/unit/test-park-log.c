/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "park_log.h"

struct seen {
	size_t n;
	char text[64][64];
};

static void keep(const void *data, size_t len, void *arg)
{
	struct seen *s = arg;
	cr_assert(len < sizeof(s->text[0]) && s->n < 64);
	memcpy(s->text[s->n], data, len);
	s->text[s->n][len] = '\0';
	s->n++;
}

static void put(struct park_log *log, const char *text)
{
	void *data;
	cr_assert_eq(park_log_reserve(log, strlen(text), &data), 0);
	cr_assert_eq((uintptr_t)data % 8, 0);
	memcpy(data, text, strlen(text));
	park_log_publish(log, data);
}

Test(park_log, records_come_back_once_with_their_length)
{
	struct park_log log = PARK_LOG_INIT(4096, 1 << 20);
	struct seen s = {0};

	put(&log, "a");
	put(&log, "");
	put(&log, "twelve bytes");
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(s.text[0], "a");
	cr_assert_str_eq(s.text[1], "");
	cr_assert_str_eq(s.text[2], "twelve bytes");
	cr_assert_eq(atomic_load(&log.mapped), 0, "all taken, no writer: unmapped");
	put(&log, "later");
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 4, "only the new record is taken again");
	cr_assert_str_eq(s.text[3], "later");
	park_log_clear(&log);
	cr_assert_eq(atomic_load(&log.mapped), 0);
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 4);
}

Test(park_log, an_unpublished_record_hides_none_after_it)
{
	struct park_log log = PARK_LOG_INIT(4096, 1 << 20);
	struct seen s = {0};
	void *pending;

	put(&log, "before");
	cr_assert_eq(park_log_reserve(&log, 5, &pending), 0);
	put(&log, "after");
	cr_assert_eq(park_log_take(&log, keep, &s), 1, "the record being written is counted");
	cr_assert_eq(s.n, 2);
	cr_assert_gt(atomic_load(&log.mapped), 0, "kept while a writer is at work");
	cr_assert_str_eq(s.text[0], "before");
	cr_assert_str_eq(s.text[1], "after");
	memcpy(pending, "slow!", 5);
	park_log_publish(&log, pending);
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 3, "taken once published, the others not again");
	cr_assert_str_eq(s.text[2], "slow!");
	park_log_clear(&log);
}

static void count(const void *data, size_t len, void *arg)
{
	size_t *n = arg;
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(p[i], (unsigned char)len, "record of %zu bytes intact", len);
	(*n)++;
}

Test(park_log, records_bigger_than_a_chunk_get_their_own)
{
	struct park_log log = PARK_LOG_INIT(4096, 1 << 20);
	size_t lens[] = {10, 5000, 20, 70000, 3, 4000};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		void *data;
		cr_assert_eq(park_log_reserve(&log, lens[i], &data), 0, "record %zu", i);
		memset(data, (unsigned char)lens[i], lens[i]);
		park_log_publish(&log, data);
	}
	cr_assert_eq(park_log_take(&log, count, &n), 0);
	cr_assert_eq(n, 6);
	park_log_clear(&log);
}

Test(park_log, the_limit_holds_and_what_was_kept_is_taken)
{
	struct park_log log = PARK_LOG_INIT(4096, (size_t)64 * 1024);
	size_t kept = 0, taken = 0;
	int r = 0;

	for (int i = 0; i < 10000 && r == 0; i++) {
		void *data;
		r = park_log_reserve(&log, 100, &data);
		if (r == 0) {
			memset(data, 100, 100);
			park_log_publish(&log, data);
			kept++;
		}
	}
	cr_assert_eq(r, -ENOSPC);
	cr_assert_leq(atomic_load(&log.mapped), (size_t)64 * 1024);
	cr_assert_geq(kept, 500, "the space up to the limit is used (%zu records)", kept);
	void *data;
	cr_assert_eq(park_log_reserve(&log, 100, &data), -ENOSPC, "still full");
	cr_assert_eq(park_log_reserve(&log, 1 << 20, &data), -ENOSPC, "a record past the limit");
	cr_assert_eq(park_log_take(&log, count, &taken), 0);
	cr_assert_eq(taken, kept);
	cr_assert_eq(atomic_load(&log.mapped), 0);
	cr_assert_eq(park_log_reserve(&log, 100, &data), 0, "room again once taken");
	memset(data, 100, 100);
	park_log_publish(&log, data);
	cr_assert_eq(park_log_take(&log, count, &taken), 0);
	cr_assert_eq(taken, kept + 1);
	park_log_clear(&log);
}

/* A writer counted when the list is detached keeps it mapped until it publishes. */
Test(park_log, a_list_a_writer_may_hold_waits_for_it)
{
	struct park_log log = PARK_LOG_INIT(4096, 1 << 20);
	struct seen s = {0};
	void *first, *pending;

	cr_assert_eq(park_log_reserve(&log, 5, &first), 0);
	memcpy(first, "first", 5);
	/* A second writer reserves in the same list; the first publishes. */
	cr_assert_eq(park_log_reserve(&log, 4, &pending), 0);
	park_log_publish(&log, first);
	cr_assert_eq(park_log_take(&log, keep, &s), 1);
	cr_assert_eq(s.n, 1);
	memcpy(pending, "late", 4);
	park_log_publish(&log, pending);
	put(&log, "next");
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 3, "the late record and the next one, once each");
	cr_assert_str_eq(s.text[1], "late");
	cr_assert_str_eq(s.text[2], "next");
	cr_assert_eq(atomic_load(&log.mapped), 0);
	park_log_clear(&log);
}

/* The reader detaches the list while a writer is counted (between reserve and publish). */
Test(park_log, a_detached_list_is_retired_not_unmapped_under_a_writer)
{
	struct park_log log = PARK_LOG_INIT(4096, 1 << 20);
	struct seen s = {0};
	void *pending;

	put(&log, "one");
	/* Counted as a writer the way a vfork child is, before the reader looks. */
	atomic_fetch_add(&log.writers, 1);
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_not_null(atomic_load(&log.retired), "detached, kept for the writer counted");
	cr_assert_gt(atomic_load(&log.mapped), 0);
	cr_assert_null(atomic_load(&log.newest));
	cr_assert(park_log_pending(&log), "a detached list is still the reader's business");
	atomic_fetch_sub(&log.writers, 1);
	cr_assert_eq(park_log_reserve(&log, 3, &pending), 0);
	memcpy(pending, "two", 3);
	park_log_publish(&log, pending);
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_null(atomic_load(&log.retired));
	cr_assert_eq(atomic_load(&log.mapped), 0);
	cr_assert_not(park_log_pending(&log));
	park_log_clear(&log);
}

#define WRITERS 8
#define PER	4000

/* Small: the writers fill it faster than a reader that recycles nothing could let them. */
static struct park_log shared = PARK_LOG_INIT(4096, 256 << 10);
static atomic_int stop, broken;
static unsigned char got[WRITERS][PER];

/* Criterion's assertions belong to the test's thread: the others count what is wrong. */

static void mark(const void *data, size_t len, void *arg)
{
	char text[64], *end;
	(void)arg;
	if (len >= sizeof(text)) {
		atomic_fetch_add(&broken, 1);
		return;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	unsigned long w = text[0] == 'w' ? strtoul(text + 1, &end, 10) : WRITERS;
	unsigned long i = w < WRITERS && *end == '-' ? strtoul(end + 1, &end, 10) : PER;
	if (w >= WRITERS || i >= PER || len != strlen(text) || strspn(end, " ") != i % 23 ||
	    end[i % 23] != '\0') {
		atomic_fetch_add(&broken, 1);
		return;
	}
	got[w][i]++;
}

static void *writer(void *p)
{
	unsigned w = (unsigned)(uintptr_t)p;
	char text[64];
	for (unsigned i = 0; i < PER; i++) {
		/* Lengths vary, so records straddle chunk ends in every way. */
		size_t n = (size_t)snprintf(text, sizeof(text), "w%u-%u", w, i);
		memset(text + n, ' ', i % 23);
		n += i % 23;
		void *data;
		int r;
		while ((r = park_log_reserve(&shared, n, &data)) == -ENOSPC)
			sched_yield(); /* until the reader has taken and unmapped */
		if (r != 0) {
			atomic_fetch_add(&broken, 1);
			continue;
		}
		memcpy(data, text, n);
		park_log_publish(&shared, data);
	}
	return NULL;
}

static void *reader(void *p)
{
	(void)p;
	while (!atomic_load(&stop))
		park_log_take(&shared, mark, NULL);
	return NULL;
}

Test(park_log, writers_at_once_with_a_reader_lose_nothing)
{
	pthread_t w[WRITERS], r;

	cr_assert_eq(pthread_create(&r, NULL, reader, NULL), 0);
	for (uintptr_t i = 0; i < WRITERS; i++)
		cr_assert_eq(pthread_create(&w[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	atomic_store(&stop, 1);
	pthread_join(r, NULL);
	cr_assert_eq(park_log_take(&shared, mark, NULL), 0);
	cr_assert_eq(atomic_load(&broken), 0);
	for (int i = 0; i < WRITERS; i++)
		for (int k = 0; k < PER; k++)
			cr_assert_eq(got[i][k], 1, "record w%d-%d taken once (%d)", i, k,
				     got[i][k]);
	park_log_clear(&shared);
	cr_assert_eq(atomic_load(&shared.mapped), 0);
}

static volatile int shared_memory;

Test(park_log, a_vfork_child_writes_its_parent_takes)
{
	struct park_log log = PARK_LOG_INIT(4096, 1 << 20);
	struct seen s = {0};

	/* The child maps the first chunk: the parent sees it (one memory). */
	pid_t pid = vfork(); // NOLINT(clang-analyzer-security.insecureAPI.vfork): the case
	if (pid == 0) {
		void *data;
		// NOLINTNEXTLINE(clang-analyzer-unix.Vfork): what a vfork child may do, tested
		if (park_log_reserve(&log, 5, &data) == 0) {
			memcpy(data, "child", 5);
			park_log_publish(&log, data);
		}
		shared_memory = 1;
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	waitpid(pid, NULL, 0);
	/* valgrind runs a vfork as a fork: there is nothing shared to test. */
	if (!shared_memory)
		cr_skip_test("vfork did not share memory (valgrind)");
	cr_assert_eq(park_log_take(&log, keep, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.text[0], "child");
	park_log_clear(&log);
}
