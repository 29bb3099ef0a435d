/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rate_limit.h"

#define SEC 1000000000ULL

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* Large: keep it off the stack. */
static struct rate_limit rl;

static int check(const char *target, uint64_t now, struct rate_limit_summary *sum)
{
	return rate_limit_check(&rl, "file", "openat", target, strlen(target), 0, now, sum);
}

static size_t home_slot(const char *target)
{
	return rate_limit_key(&rl, "file", "openat", target, strlen(target), 0) &
	       (RATE_LIMIT_SLOTS - 1);
}

/* Drains everything; returns the sum of the counts, checks none was busy. */
static uint64_t drain_all(void)
{
	struct rate_limit_summary sum;
	size_t cursor = 0;
	uint64_t total = 0;
	int r;

	while ((r = rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum)) != 0) {
		cr_assert_eq(r, 1);
		cr_assert_gt(sum.suppressed, 0);
		total += sum.suppressed;
	}
	return total;
}

Test(rate_limit, init_rejects_zero)
{
	cr_assert_eq(rate_limit_init(&rl, 0, 10, seed), -EINVAL);
	cr_assert_eq(rate_limit_init(&rl, SEC, 0, seed), -EINVAL);
	cr_assert_eq(rate_limit_init(&rl, SEC, 1, seed), 0);
}

Test(rate_limit, key_separates_fields_and_depends_on_seed)
{
	static const uint8_t other_seed[16] = {16, 15, 14};
	struct rate_limit *other = malloc(sizeof(*other));
	uint64_t k;

	cr_assert_eq(rate_limit_init(&rl, SEC, 10, seed), 0);
	cr_assert_eq(rate_limit_init(other, SEC, 10, other_seed), 0);
	k = rate_limit_key(&rl, "file", "openat", "/etc/shadow", 11, 0);
	cr_assert_neq(k, 0);
	cr_assert_eq(k, rate_limit_key(&rl, "file", "openat", "/etc/shadow", 11, 0));
	cr_assert_neq(k, rate_limit_key(other, "file", "openat", "/etc/shadow", 11, 0));
	cr_assert_neq(k, rate_limit_key(&rl, "file", "openat", "/etc/shadow", 10, 0));
	cr_assert_neq(k, rate_limit_key(&rl, "file", "open", "at/etc/shadow", 13, 0));
	cr_assert_neq(k, rate_limit_key(&rl, "fileopenat", "", "/etc/shadow", 11, 0));
	cr_assert_neq(rate_limit_key(&rl, "ab", "c", "", 0, 0),
		      rate_limit_key(&rl, "a", "bc", "", 0, 0));
	cr_assert_neq(rate_limit_key(&rl, "a", "b", "\0", 1, 0),
		      rate_limit_key(&rl, "a", "b", "", 0, 0));
	/* What else tells events apart (review, 2026-11-23): argv, rights, ... */
	char *date[] = {"sh", "-c", "date", NULL}, *curl[] = {"sh", "-c", "curl x|sh", NULL};
	uint64_t vd = rate_limit_variant("violation", NULL, NULL, NULL, 1, date);
	uint64_t vc = rate_limit_variant("violation", NULL, NULL, NULL, 1, curl);
	cr_assert_neq(vd, vc);
	cr_assert_neq(rate_limit_key(&rl, "exec", "execve", "/bin/sh", 7, vd),
		      rate_limit_key(&rl, "exec", "execve", "/bin/sh", 7, vc));
	cr_assert_neq(rate_limit_variant("violation", "r", NULL, NULL, 1, NULL),
		      rate_limit_variant("violation", "w", NULL, NULL, 1, NULL));
	cr_assert_neq(rate_limit_variant("violation", NULL, NULL, NULL, 1, NULL),
		      rate_limit_variant("violation", "", NULL, NULL, 1, NULL));
	cr_assert_neq(rate_limit_variant("violation", "ab", "c", NULL, 1, NULL),
		      rate_limit_variant("violation", "a", "bc", NULL, 1, NULL));
	free(other);
}

Test(rate_limit, burst_then_suppress_then_summary_on_next_window)
{
	struct rate_limit_summary sum;
	uint64_t t0 = 5 * SEC;

	cr_assert_eq(rate_limit_init(&rl, 60 * SEC, 10, seed), 0);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(check("/etc/shadow", t0 + (uint64_t)i, &sum), RATE_LIMIT_EMIT);
	for (int i = 0; i < 90; i++)
		cr_assert_eq(check("/etc/shadow", t0 + 100 + (uint64_t)i, &sum),
			     RATE_LIMIT_SUPPRESS);
	/* another key is not affected */
	cr_assert_eq(check("/etc/passwd", t0 + 500, &sum), RATE_LIMIT_EMIT);
	/* still in the window (one ns before its end) */
	cr_assert_eq(check("/etc/shadow", t0 + 60 * SEC - 1, &sum), RATE_LIMIT_SUPPRESS);
	/* window over: emitted again, with the exact count of the last one */
	memset(&sum, 0, sizeof(sum));
	cr_assert_eq(check("/etc/shadow", t0 + 60 * SEC, &sum),
		     RATE_LIMIT_EMIT | RATE_LIMIT_SUMMARY);
	cr_assert_eq(sum.suppressed, 91);
	cr_assert_eq(sum.first_ns, t0 + 100);
	cr_assert_eq(sum.last_ns, t0 + 60 * SEC - 1);
	cr_assert_str_eq(sum.category, "file");
	cr_assert_str_eq(sum.op, "openat");
	cr_assert_str_eq(sum.target, "/etc/shadow");
	cr_assert_eq(sum.target_len, 11);
	cr_assert_eq(sum.target_copy_len, 11);
	cr_assert(!sum.target_cut);
	cr_assert_eq(sum.key, rate_limit_key(&rl, "file", "openat", "/etc/shadow", 11, 0));
	/* new window: a fresh burst of 10 (this one was the first) */
	for (int i = 1; i < 10; i++)
		cr_assert_eq(check("/etc/shadow", t0 + 61 * SEC, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("/etc/shadow", t0 + 61 * SEC, &sum), RATE_LIMIT_SUPPRESS);
	cr_assert_eq(drain_all(), 1);
	cr_assert_eq(drain_all(), 0);
}

Test(rate_limit, window_with_injected_clock)
{
	struct rate_limit_summary sum;

	cr_assert_eq(rate_limit_init(&rl, 1000, 2, seed), 0);
	cr_assert_eq(check("a", 1000, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("a", 1500, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("a", 1600, &sum), RATE_LIMIT_SUPPRESS);
	/* a thread with an older clock reading: still this window */
	cr_assert_eq(check("a", 900, &sum), RATE_LIMIT_SUPPRESS);
	/* a quiet window produces no summary */
	cr_assert_eq(check("a", 2000, &sum), RATE_LIMIT_EMIT | RATE_LIMIT_SUMMARY);
	cr_assert_eq(sum.suppressed, 2);
	cr_assert_eq(sum.first_ns, 1600);
	cr_assert_eq(sum.last_ns, 900);
	cr_assert_eq(check("a", 5000, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("a", 5001, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("a", 5002, &sum), RATE_LIMIT_SUPPRESS);
	cr_assert_eq(check("a", 6002, &sum), RATE_LIMIT_EMIT | RATE_LIMIT_SUMMARY);
	cr_assert_eq(sum.suppressed, 1);
}

Test(rate_limit, long_targets_keep_a_prefix_and_stay_distinct)
{
	static char a[10000], b[10000];
	struct rate_limit_summary sum;
	size_t cursor = 0;
	int seen = 0;

	cr_assert_eq(rate_limit_init(&rl, SEC, 1, seed), 0);
	memset(a, 'x', sizeof(a) - 1);
	memcpy(b, a, sizeof(b));
	b[5000] = 'y'; /* same first 200 bytes and length, different target */
	for (int i = 0; i < 3; i++) {
		rate_limit_check(&rl, "file", "openat", a, strlen(a), 0, 10, &sum);
		rate_limit_check(&rl, "file", "openat", b, strlen(b), 0, 10, &sum);
	}
	while (rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum) == 1) {
		cr_assert_eq(sum.suppressed, 2);
		cr_assert_eq(sum.target_len, sizeof(a) - 1);
		cr_assert_eq(sum.target_copy_len, RATE_LIMIT_TARGET_MAX);
		cr_assert(sum.target_cut);
		cr_assert_eq(strlen(sum.target), RATE_LIMIT_TARGET_MAX);
		cr_assert_arr_eq(sum.target, a, RATE_LIMIT_TARGET_MAX);
		seen++;
	}
	cr_assert_eq(seen, 2);
}

Test(rate_limit, long_category_and_op_are_cut_in_summaries)
{
	struct rate_limit_summary sum;
	const char *cat = "a-category-name-longer-than-24-bytes";
	const char *op = "an-op-name-also-longer-than-24-bytes";

	cr_assert_eq(rate_limit_init(&rl, SEC, 1, seed), 0);
	cr_assert_eq(rate_limit_check(&rl, cat, op, "t", 1, 0, 0, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(rate_limit_check(&rl, cat, op, "t", 1, 0, 0, &sum), RATE_LIMIT_SUPPRESS);
	cr_assert_eq(rate_limit_check(&rl, cat, op, "t", 1, 0, SEC, &sum),
		     RATE_LIMIT_EMIT | RATE_LIMIT_SUMMARY);
	cr_assert_eq(strlen(sum.category), RATE_LIMIT_NAME_MAX - 1);
	cr_assert_eq(strncmp(sum.category, cat, RATE_LIMIT_NAME_MAX - 1), 0);
	cr_assert_eq(strncmp(sum.op, op, RATE_LIMIT_NAME_MAX - 1), 0);
}

Test(rate_limit, drain_all_and_drain_expired)
{
	struct rate_limit_summary sum;
	size_t cursor = 0;
	uint64_t counts = 0;
	int r, n = 0;

	cr_assert_eq(rate_limit_init(&rl, 100, 1, seed), 0);
	/* "old" windows start at 0 and "new" ones at 90: at 150 only "old" ended */
	for (int i = 0; i < 4; i++)
		check("old", 0, &sum);
	for (int i = 0; i < 7; i++)
		check("new", 90, &sum);
	while ((r = rate_limit_drain_next(&rl, &cursor, 150, RATE_LIMIT_DRAIN_EXPIRED, &sum)) ==
	       1) {
		cr_assert_str_eq(sum.target, "old");
		cr_assert_eq(sum.suppressed, 3);
		n++;
	}
	cr_assert_eq(r, 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(cursor, RATE_LIMIT_SLOTS);
	/* drained mid-window, "new" keeps suppressing and counting from zero */
	cursor = 0;
	cr_assert_eq(rate_limit_drain_next(&rl, &cursor, 150, RATE_LIMIT_DRAIN_ALL, &sum), 1);
	cr_assert_str_eq(sum.target, "new");
	cr_assert_eq(sum.suppressed, 6);
	cr_assert_eq(rate_limit_drain_next(&rl, &cursor, 150, RATE_LIMIT_DRAIN_ALL, &sum), 0);
	cr_assert_eq(check("new", 150, &sum), RATE_LIMIT_SUPPRESS);
	counts = drain_all();
	cr_assert_eq(counts, 1);
}

/* An idle key's count comes back through the sweep while other keys flow. */
Test(rate_limit, sweep_reports_idle_keys)
{
	struct rate_limit_summary sum;
	char target[32];
	int i, r;

	cr_assert_eq(rate_limit_init(&rl, 1000, 1, seed), 0);
	check("idle", 0, &sum);
	for (i = 0; i < 5; i++)
		cr_assert_eq(check("idle", 10, &sum), RATE_LIMIT_SUPPRESS);
	for (i = 0; i < RATE_LIMIT_SLOTS + 1; i++) {
		snprintf(target, sizeof(target), "busy-%d", i % 3);
		r = check(target, 2000, &sum);
		if (r & RATE_LIMIT_SUMMARY)
			break;
	}
	cr_assert_leq(i, RATE_LIMIT_SLOTS, "idle key never swept");
	cr_assert_str_eq(sum.target, "idle");
	cr_assert_eq(sum.suppressed, 5);
	/* the i + 1 checks of three keys: three emitted, the rest pending */
	cr_assert_geq(i, 2);
	cr_assert_eq(drain_all(), (uint64_t)i + 1 - 3);
}

/* Targets whose keys share one home slot, to overflow one probe window. */
static void colliding_targets(char (*out)[32], int n)
{
	size_t want = home_slot("seed-0");
	int found = 0;

	snprintf(out[found++], 32, "seed-0");
	for (unsigned i = 1; found < n; i++) {
		char t[32];

		snprintf(t, sizeof(t), "cand-%u", i);
		if (home_slot(t) == want)
			memcpy(out[found++], t, sizeof(t));
	}
}

Test(rate_limit, eviction_hands_back_the_count)
{
	char targets[RATE_LIMIT_PROBE + 1][32];
	struct rate_limit_summary sum;
	uint64_t emitted = 0, summarized = 0, produced = 0;

	cr_assert_eq(rate_limit_init(&rl, 1000 * SEC, 2, seed), 0);
	colliding_targets(targets, RATE_LIMIT_PROBE + 1);
	/* fill the probe window: key k seen last at time 100 + k, 3 suppressed each */
	for (int k = 0; k < RATE_LIMIT_PROBE; k++) {
		for (int i = 0; i < 5; i++) {
			int r = check(targets[k], 100 + (uint64_t)k, &sum);

			produced++;
			cr_assert_eq(r & RATE_LIMIT_SUMMARY, 0);
			emitted += !(r & RATE_LIMIT_SUPPRESS);
		}
	}
	/* key 0 is the least recently seen: the new key takes its slot */
	cr_assert_eq(check(targets[RATE_LIMIT_PROBE], 200, &sum),
		     RATE_LIMIT_EMIT | RATE_LIMIT_SUMMARY);
	produced++;
	emitted++;
	cr_assert_str_eq(sum.target, targets[0]);
	cr_assert_eq(sum.suppressed, 3);
	summarized += sum.suppressed;
	/* key 0 again: evicts key 1, the least recently seen now */
	cr_assert_eq(check(targets[0], 300, &sum), RATE_LIMIT_EMIT | RATE_LIMIT_SUMMARY);
	produced++;
	emitted++;
	cr_assert_str_eq(sum.target, targets[1]);
	summarized += sum.suppressed;
	summarized += drain_all();
	cr_assert_eq(emitted + summarized, produced);
	cr_assert_eq(summarized, RATE_LIMIT_PROBE * 3);
}

/* As if a thread, or the code a signal interrupted, held the key's slot. */
static struct rate_limit_slot *hold_slot(const char *target)
{
	struct rate_limit_slot *slot = &rl.slots[home_slot(target)];

	atomic_store(&slot->busy, 1);
	return slot;
}

Test(rate_limit, busy_slot_decides_without_the_lock)
{
	struct rate_limit_summary sum;
	struct rate_limit_slot *slot;
	size_t cursor = 0;

	cr_assert_eq(rate_limit_init(&rl, SEC, 3, seed), 0);
	check("/x", 0, &sum);
	slot = hold_slot("/x");
	/* within the window: the rest of the burst, then counted */
	cr_assert_eq(check("/x", 1, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("/x", 1, &sum), RATE_LIMIT_EMIT);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(check("/x", 2, &sum), RATE_LIMIT_SUPPRESS);
	cr_assert_eq(atomic_load(&rl.contended), 0);
	/* window over but only the holder may start the next one: emitted, untracked */
	cr_assert_eq(check("/x", SEC, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(check("/x", SEC, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(atomic_load(&rl.contended), 2);
	/* drain cannot take a held slot and says so */
	cr_assert_eq(rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum), -EBUSY);
	cr_assert_eq(rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum), 0);
	atomic_store(&slot->busy, 0);
	cr_assert_eq(check("/x", 3, &sum), RATE_LIMIT_SUPPRESS);
	cursor = 0;
	cr_assert_eq(rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum), 1);
	cr_assert_eq(sum.suppressed, 101);
	cr_assert_eq(sum.first_ns, 2);
	cr_assert_eq(sum.last_ns, 3);
	cr_assert_str_eq(sum.target, "/x");
}

/* A lock-free add must not land in the count of a key that took the slot over. */
Test(rate_limit, busy_slot_taken_over_rejects_the_add)
{
	struct rate_limit_summary sum;
	struct rate_limit_slot *slot;

	cr_assert_eq(rate_limit_init(&rl, SEC, 1, seed), 0);
	check("/x", 0, &sum);
	check("/x", 0, &sum);
	slot = hold_slot("/x");
	/* as if the holder were evicting /x for a key with another tag */
	atomic_store(&slot->pending, atomic_load(&slot->pending) ^ (UINT64_C(1) << 63));
	cr_assert_eq(check("/x", 1, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(atomic_load(&slot->pending) & ((UINT64_C(1) << 40) - 1), 1);
	cr_assert_eq(atomic_load(&rl.contended), 1);
}

/* A hash collision (simulated) must not let one target hide in another's count. */
Test(rate_limit, colliding_key_with_other_target_is_not_suppressed)
{
	struct rate_limit_summary sum;
	struct rate_limit_slot *slot;

	cr_assert_eq(rate_limit_init(&rl, SEC, 1, seed), 0);
	check("/etc/shadow", 0, &sum);
	slot = &rl.slots[home_slot("/etc/shadow")];
	slot->target[5] = 'X'; /* the slot now claims another target under the same key */
	for (int i = 0; i < 10; i++)
		cr_assert_eq(check("/etc/shadow", 1, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(drain_all(), 0);
}

#define THREADS		  8
#define EVENTS_PER_THREAD 10000

struct tally {
	_Atomic uint64_t produced, emitted, summarized;
};

static _Atomic uint64_t fake_clock;
static struct tally *tallies; /* per key */
static int key_count;
static _Atomic bool workers_done;
static _Atomic int workers_finished;
static bool signals_on;
/* Signals that landed while their thread was inside rate_limit_check(). */
static _Atomic uint64_t reentries;
static __thread volatile sig_atomic_t in_check;

static int target_index(const struct rate_limit_summary *sum)
{
	int k;

	cr_assert_eq(sscanf(sum->target, "key-%d", &k), 1);
	cr_assert(k >= 0 && k < key_count);
	return k;
}

/* Signal-safe: only atomics and the limiter. */
static void account(int k)
{
	struct rate_limit_summary sum;
	char target[32];
	uint64_t now = atomic_fetch_add(&fake_clock, 1) * 1000;
	int len = 0, r;

	/* hand-rolled "key-%d": snprintf is not async-signal-safe */
	memcpy(target, "key-", 4);
	len = 4;
	for (int d = 10000; d > 0; d /= 10)
		if (k >= d || d == 1)
			target[len++] = (char)('0' + k / d % 10);
	target[len] = '\0';
	in_check++;
	r = rate_limit_check(&rl, "net", "connect", target, (size_t)len, 0, now, &sum);
	in_check--;
	atomic_fetch_add(&tallies[k].produced, 1);
	if (!(r & RATE_LIMIT_SUPPRESS))
		atomic_fetch_add(&tallies[k].emitted, 1);
	if (r & RATE_LIMIT_SUMMARY) {
		int s = 0;

		for (const char *p = sum.target + 4; *p; p++)
			s = s * 10 + (*p - '0');
		atomic_fetch_add(&tallies[s].summarized, sum.suppressed);
	}
}

static void *worker(void *arg)
{
	uint64_t state = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;

	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0;; i++) {
		if (i >= EVENTS_PER_THREAD) {
			/* with signals, go on until some landed inside a check (max 10 s) */
			if (!signals_on || atomic_load(&reentries) >= 100)
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec > 10)
				break;
		}
		/* half the events on key 0, the hot one shared by every thread */
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		account((state & 1) ? 0 : (int)((state >> 1) % (uint64_t)key_count));
	}
	/* stay alive (and signalable) until the signaller has stopped */
	atomic_fetch_add(&workers_finished, 1);
	while (!atomic_load(&workers_done))
		usleep(100);
	return NULL;
}

static void on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	if (in_check)
		atomic_fetch_add(&reentries, 1);
	account((int)(atomic_load(&fake_clock) % (uint64_t)key_count));
	errno = saved;
}

static void *signaller(void *arg)
{
	pthread_t *threads = arg;

	for (unsigned i = 0; !atomic_load(&workers_done); i++) {
		pthread_kill(threads[i % THREADS], SIGUSR1);
		if (i % 64 == 0)
			usleep(10);
	}
	return NULL;
}

static void run_threads(int keys, uint64_t window_ns, bool with_signals)
{
	pthread_t threads[THREADS], sig_thread;
	struct rate_limit_summary sum;
	uint64_t produced = 0, accounted = 0;
	size_t cursor = 0;
	int r;

	cr_assert_eq(rate_limit_init(&rl, window_ns, 10, seed), 0);
	key_count = keys;
	tallies = calloc((size_t)keys, sizeof(*tallies));
	atomic_store(&fake_clock, 0);
	atomic_store(&workers_done, false);
	atomic_store(&workers_finished, 0);
	atomic_store(&reentries, 0);
	signals_on = with_signals;
	if (with_signals) {
		struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

		sigemptyset(&sa.sa_mask);
		cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	}
	for (int t = 0; t < THREADS; t++)
		cr_assert_eq(pthread_create(&threads[t], NULL, worker, (void *)(uintptr_t)t), 0);
	if (with_signals)
		cr_assert_eq(pthread_create(&sig_thread, NULL, signaller, threads), 0);
	while (atomic_load(&workers_finished) < THREADS)
		usleep(100);
	atomic_store(&workers_done, true);
	if (with_signals) {
		pthread_join(sig_thread, NULL);
		signal(SIGUSR1, SIG_IGN);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(threads[t], NULL);

	while ((r = rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum)) != 0) {
		cr_assert_eq(r, 1, "slot left locked");
		atomic_fetch_add(&tallies[target_index(&sum)].summarized, sum.suppressed);
	}
	for (int k = 0; k < keys; k++) {
		uint64_t p = atomic_load(&tallies[k].produced);
		uint64_t a = atomic_load(&tallies[k].emitted) + atomic_load(&tallies[k].summarized);

		cr_assert_eq(a, p, "key %d: produced %lu, emitted+suppressed %lu", k,
			     (unsigned long)p, (unsigned long)a);
		produced += p;
		accounted += a;
	}
	cr_assert_eq(accounted, produced);
	if (window_ns > UINT64_MAX / 4) {
		/* one window: each key's burst exactly, plus what went untracked */
		uint64_t emitted = 0;

		for (int k = 0; k < keys; k++)
			emitted += atomic_load(&tallies[k].emitted);
		cr_assert_eq(emitted, (uint64_t)keys * 10 + atomic_load(&rl.contended));
	}
	if (!with_signals)
		cr_assert_eq(produced, THREADS * EVENTS_PER_THREAD);
	else
		cr_assert_gt(atomic_load(&reentries), 0, "no signal landed inside a check");
	cr_log_info("%d keys%s: %lu events, %lu contended, %lu re-entries", keys,
		    with_signals ? " + signals" : "", (unsigned long)produced,
		    (unsigned long)atomic_load(&rl.contended),
		    (unsigned long)atomic_load(&reentries));
	free(tallies);
}

Test(rate_limit, exact_counts_8_threads_50_keys)
{
	/* 1 ms windows on a clock of 1 us per event: ~80 windows go by */
	run_threads(50, 1000000, false);
}

Test(rate_limit, exact_counts_8_threads_50_keys_one_window)
{
	run_threads(50, UINT64_MAX / 2, false);
}

Test(rate_limit, exact_counts_8_threads_with_evictions)
{
	/* far more keys than slots: constant eviction */
	run_threads(20000, 1000000, false);
}

Test(rate_limit, exact_counts_with_signal_reentry)
{
	run_threads(50, 1000000, true);
}

Test(rate_limit, usable_in_fork_child)
{
	struct rate_limit_summary sum;
	pid_t pid;
	int status;

	cr_assert_eq(rate_limit_init(&rl, SEC, 1, seed), 0);
	check("/x", 0, &sum);
	check("/x", 0, &sum); /* one pending in the parent */
	/* a lock held by a thread that will not exist in the child */
	atomic_store(&rl.slots[home_slot("/x")].busy, 1);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		size_t cursor = 0;
		int code = 0;

		/* without the reset: no deadlock, a lock-free count or an emit */
		if (check("/x", 1, &sum) != RATE_LIMIT_SUPPRESS ||
		    check("/x", 2 * SEC, &sum) != RATE_LIMIT_EMIT)
			code |= 1;
		rate_limit_reset_after_fork(&rl);
		/* the parent's pending count is not the child's to report */
		if (rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum) != 0)
			code |= 2;
		if (check("/x", 1, &sum) != RATE_LIMIT_EMIT ||
		    check("/x", 1, &sum) != RATE_LIMIT_SUPPRESS)
			code |= 4;
		cursor = 0;
		if (rate_limit_drain_next(&rl, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum) != 1 ||
		    sum.suppressed != 1)
			code |= 8;
		_exit(code);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "child failed: %d", WEXITSTATUS(status));
	atomic_store(&rl.slots[home_slot("/x")].busy, 0);
	cr_assert_eq(drain_all(), 1);
}

/* Pages of the table's slots that are mapped (touched, even only read). */
static size_t resident_slot_pages(const struct rate_limit *t)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)t->slots + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t end = ((uintptr_t)t->slots + sizeof(t->slots)) & ~((uintptr_t)page - 1);
	size_t n = (end - start) / (size_t)page, resident = 0;
	unsigned char *vec = calloc(n, 1);

	cr_assert_not_null(vec);
	cr_assert_eq(mincore((void *)start, end - start, vec), 0);
	for (size_t i = 0; i < n; i++)
		resident += vec[i] & 1;
	free(vec);
	return resident;
}

/*
 * Every process carries the table (320 KiB): one that never logged must not
 * fault its pages in at exit (drain) or in a fork child (reset).
 */
Test(rate_limit, unused_table_is_not_touched)
{
	struct rate_limit *t =
		mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rate_limit_summary sum;
	size_t cursor = 0;

	cr_assert_neq(t, MAP_FAILED);
	cr_assert_eq(rate_limit_init_zeroed(t, SEC, 2, seed), 0);
	cr_assert_eq(rate_limit_drain_next(t, &cursor, 0, RATE_LIMIT_DRAIN_ALL, &sum), 0);
	rate_limit_reset_after_fork(t);
	cr_assert_eq(resident_slot_pages(t), 0);

	/* once used, both still do their work */
	cr_assert_eq(rate_limit_check(t, "file", "openat", "/x", 2, 0, 1, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(rate_limit_check(t, "file", "openat", "/x", 2, 0, 1, &sum), RATE_LIMIT_EMIT);
	cr_assert_eq(rate_limit_check(t, "file", "openat", "/x", 2, 0, 1, &sum),
		     RATE_LIMIT_SUPPRESS);
	cursor = 0;
	cr_assert_eq(rate_limit_drain_next(t, &cursor, 1, RATE_LIMIT_DRAIN_ALL, &sum), 1);
	cr_assert_eq(sum.suppressed, 1);
	cr_assert_eq(rate_limit_check(t, "file", "openat", "/x", 2, 0, 1, &sum),
		     RATE_LIMIT_SUPPRESS);
	rate_limit_reset_after_fork(t);
	cursor = 0;
	cr_assert_eq(rate_limit_drain_next(t, &cursor, 1, RATE_LIMIT_DRAIN_ALL, &sum), 0);
	cr_assert_eq(munmap(t, sizeof(*t)), 0);
}
