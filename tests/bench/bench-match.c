// SPDX-License-Identifier: MIT
/*
 * Cost of one glob_trie_match() as the number of rules grows. Builds PATH
 * and HOST tries of 10 to 100,000 patterns shaped like real profiles, runs a
 * fixed mix of hits and misses through them and prints a markdown table of
 * the median of 15 timed repetitions (this VM has bursts of noise). Build with -O2 and policy/glob_trie.c,
 * glob_trie_walk.c, glob_pattern.c. Usage: bench-match [seconds per
 * measurement, default 0.2].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "glob_trie.h"

#define QUERIES 1024
#define REPS	15

static uint64_t rng = 0x853c49e6748fea9bull;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((rng >> 33) % n);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		perror("malloc");
		exit(1);
	}
	return p;
}

static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "bench-match: %s: %s\n", what, strerror(-r));
		exit(1);
	}
}

/* ---- workloads ---- */

struct workload {
	char (*patterns)[160];
	char (*queries)[160];
	size_t n_patterns;
};

static const char *const roots[] = {
	"/var/task",	"/opt/python/lib/python3.12/site-packages",
	"/tmp",		"/usr/lib/x86_64-linux-gnu",
	"/etc",		"/opt/nodejs/node_modules",
	"/var/runtime", "/usr/share",
};
static const char *const parts[] = {"lib", "src", "pkg", "mod", "util", "data", "conf", "v"};
static const char *const exts[] = {".py", ".so", ".json", ".js", ".txt", ".pyc"};

/*
 * Directory j: a common root, a few parts that many directories share, and a
 * last part of its own, at most 7 deep so that files are at most 8 deep.
 */
static void make_dir(char *buf, size_t size, uint32_t j)
{
	const char *root = roots[j % (sizeof(roots) / sizeof(roots[0]))];
	uint32_t depth = 0, extra;
	uint64_t saved = rng;
	size_t len;

	for (const char *c = root; *c; c++)
		depth += *c == '/';
	rng = j * 0x9e3779b97f4a7c15ull + 1;
	extra = rnd(4);
	if (extra > 6 - depth)
		extra = 6 - depth;
	len = (size_t)snprintf(buf, size, "%s", root);
	for (uint32_t d = 0; d < extra; d++)
		len += (size_t)snprintf(buf + len, size - len, "/%s%u", parts[rnd(8)], rnd(20));
	snprintf(buf + len, size - len, "/%s_%u", parts[rnd(8)], j);
	rng = saved;
}

/*
 * Mostly files, some "*", "**" and "*.py" rules on distinct
 * directories, and a few rules every profile has: no pattern twice.
 */
static void path_workload(struct workload *w, size_t n)
{
	static const char *const common[] = {"/tmp/**", "/etc/ssl/certs/*", "/opt/python/**/*.pyc"};
	uint32_t n_dirs = n / 4 > 6 ? (uint32_t)(n / 4) : 6, third = n_dirs / 3, counts[3] = {0};
	char dir[128];

	w->n_patterns = n;
	w->patterns = xmalloc(n * sizeof(*w->patterns));
	w->queries = xmalloc(QUERIES * sizeof(*w->queries));
	for (size_t i = 0; i < n; i++) {
		uint32_t kind = rnd(100);

		if (i < 3) {
			snprintf(w->patterns[i], 160, "%s", common[i]);
			continue;
		}
		if (kind < 85) {
			make_dir(dir, sizeof(dir), rnd(n_dirs));
			snprintf(w->patterns[i], 160, "%s/file%zu%s", dir, i, exts[rnd(6)]);
		} else if (kind < 92) {
			make_dir(dir, sizeof(dir), counts[0]++ % third);
			snprintf(w->patterns[i], 160, "%s/*", dir);
		} else if (kind < 97) {
			make_dir(dir, sizeof(dir), third + counts[1]++ % third);
			snprintf(w->patterns[i], 160, "%s/**", dir);
		} else {
			make_dir(dir, sizeof(dir), 2 * third + counts[2]++ % third);
			snprintf(w->patterns[i], 160, "%s/*%s", dir, exts[rnd(3)]);
		}
	}
	for (size_t q = 0; q < QUERIES; q++) {
		const char *p = w->patterns[rnd((uint32_t)n)];
		const char *last = strrchr(p, '/');

		if (q % 2 == 0 && !strchr(last, '*')) {
			snprintf(w->queries[q], 160, "%s", p); /* the file itself */
		} else if (q % 2 == 0) {
			/* A file in the directory of a wildcard rule. */
			snprintf(w->queries[q], 160, "%.*s/x%u.py", (int)(last - p), p, rnd(100));
		} else if (q % 4 == 1) {
			make_dir(dir, sizeof(dir), rnd(n_dirs));
			snprintf(w->queries[q], 160, "%s/missing%u.dat", dir, rnd(1000));
		} else {
			snprintf(w->queries[q], 160, "/home/sbx_user1051/.cache/%s%u/%s%u/f%u",
				 parts[rnd(8)], rnd(50), parts[rnd(8)], rnd(50), rnd(100));
		}
	}
}

static void host_workload(struct workload *w, size_t n)
{
	static const char *const regions[] = {"us-east-1", "eu-west-1", "ap-south-1"};

	w->n_patterns = n;
	w->patterns = xmalloc(n * sizeof(*w->patterns));
	w->queries = xmalloc(QUERIES * sizeof(*w->queries));
	for (size_t i = 0; i < n; i++) {
		uint32_t kind = rnd(100);

		if (kind < 60)
			snprintf(w->patterns[i], 160, "api%zu.svc%u.example%u.com", i, rnd(100),
				 rnd(1000));
		else if (kind < 85)
			snprintf(w->patterns[i], 160, "*.domain%zu.net", i);
		else
			snprintf(w->patterns[i], 160, "svc%zu.*.amazonaws.com", i);
	}
	for (size_t q = 0; q < QUERIES; q++) {
		const char *p = w->patterns[rnd((uint32_t)n)];

		if (q % 2 == 0 && p[0] == '*')
			snprintf(w->queries[q], 160, "cdn%u.edge.%s", rnd(10), p + 2);
		else if (q % 2 == 0 && strstr(p, ".*."))
			snprintf(w->queries[q], 160, "%.*s.%s.amazonaws.com.",
				 (int)(strstr(p, ".*.") - p), p, regions[rnd(3)]);
		else if (q % 2 == 0)
			snprintf(w->queries[q], 160, "%s", p);
		else if (q % 4 == 1)
			snprintf(w->queries[q], 160, "Unknown%u.Example.ORG", rnd(1000));
		else
			snprintf(w->queries[q], 160, "svcx%u.%s.amazonaws.com", rnd(1000),
				 regions[rnd(3)]);
	}
}

/* ---- measurement ---- */

static int count_match(uint32_t value, void *userdata)
{
	(*(uint64_t *)userdata) += value + 1;
	return 0;
}

static struct glob_trie *build(enum glob_trie_flavor flavor, const struct workload *w,
			       double *ret_ms)
{
	struct glob_trie *t;
	double start = now_ns();

	check(glob_trie_new(flavor, &t), "glob_trie_new");
	for (size_t i = 0; i < w->n_patterns; i++)
		check(glob_trie_add(t, w->patterns[i], (uint32_t)i), w->patterns[i]);
	check(glob_trie_freeze(t), "glob_trie_freeze");
	*ret_ms = (now_ns() - start) / 1e6;
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double time_trie(const struct glob_trie *t, const struct workload *w, double seconds,
			unsigned *ret_hits)
{
	size_t lens[QUERIES];
	double reps[REPS];
	uint64_t sink = 0;
	unsigned passes = 1, hits = 0;

	for (size_t q = 0; q < QUERIES; q++)
		lens[q] = strlen(w->queries[q]);
	for (size_t q = 0; q < QUERIES; q++) {
		uint64_t before = sink;

		check(glob_trie_match(t, w->queries[q], lens[q], count_match, &sink),
		      w->queries[q]);
		hits += sink != before;
	}
	/* Calibrate the number of passes to about the requested time. */
	for (;;) {
		double start = now_ns();

		for (unsigned p = 0; p < passes; p++)
			for (size_t q = 0; q < QUERIES; q++)
				glob_trie_match(t, w->queries[q], lens[q], count_match, &sink);
		if (now_ns() - start > seconds * 1e9 / 4)
			break;
		passes *= 2;
	}
	for (int r = 0; r < REPS; r++) {
		double start = now_ns();

		for (unsigned p = 0; p < passes; p++)
			for (size_t q = 0; q < QUERIES; q++)
				glob_trie_match(t, w->queries[q], lens[q], count_match, &sink);
		reps[r] = (now_ns() - start) / ((double)passes * QUERIES);
	}
	qsort(reps, REPS, sizeof(reps[0]), cmp_double);
	if (sink == 42)
		puts(""); /* keeps the work observable */
	*ret_hits = hits;
	return reps[REPS / 2];
}

/* The naive alternative, for scale: every pattern through glob_match_one(). */
static double time_linear(const struct workload *w)
{
	double start = now_ns();
	unsigned sink = 0;

	for (size_t q = 0; q < QUERIES; q++)
		for (size_t i = 0; i < w->n_patterns; i++)
			sink += glob_match_one(GLOB_TRIE_PATH, w->patterns[i], w->queries[q],
					       strlen(w->queries[q]));
	if (sink == 0xdeadbeef)
		puts("");
	return (now_ns() - start) / QUERIES;
}

static void free_workload(struct workload *w)
{
	free(w->patterns);
	free(w->queries);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {10, 1000, 10000, 100000};
	double seconds = argc > 1 ? atof(argv[1]) : 0.2, base_path = 0, base_host = 0;
	double path_ns[4], host_ns[4], path_ms[4], host_ms[4], linear_ns = 0;
	unsigned path_hits[4], host_hits[4];

	for (size_t i = 0; i < 4; i++) {
		struct workload pw, hw;
		struct glob_trie *pt, *ht;

		path_workload(&pw, sizes[i]);
		host_workload(&hw, sizes[i]);
		pt = build(GLOB_TRIE_PATH, &pw, &path_ms[i]);
		ht = build(GLOB_TRIE_HOST, &hw, &host_ms[i]);
		path_ns[i] = time_trie(pt, &pw, seconds, &path_hits[i]);
		host_ns[i] = time_trie(ht, &hw, seconds, &host_hits[i]);
		if (sizes[i] == 10000)
			linear_ns = time_linear(&pw);
		glob_trie_free(pt);
		glob_trie_free(ht);
		free_workload(&pw);
		free_workload(&hw);
	}
	base_path = path_ns[0];
	base_host = host_ns[0];

	printf("| rules | path ns/query | host ns/query | ratio to 10 rules (path / host) |\n");
	printf("|------:|--------------:|--------------:|:-------------------------------:|\n");
	for (size_t i = 0; i < 4; i++)
		printf("| %zu | %.1f | %.1f | %.2f / %.2f |\n", sizes[i], path_ns[i], host_ns[i],
		       path_ns[i] / base_path, host_ns[i] / base_host);
	printf("\n| rules | path build ms | host build ms | path hits/%d | host hits/%d |\n",
	       QUERIES, QUERIES);
	printf("|------:|--------------:|--------------:|-----------:|-----------:|\n");
	for (size_t i = 0; i < 4; i++)
		printf("| %zu | %.2f | %.2f | %u | %u |\n", sizes[i], path_ms[i], host_ms[i],
		       path_hits[i], host_hits[i]);
	printf("\nfor scale, glob_match_one() on each of the 10000 path patterns: %.0f ns/query\n",
	       linear_ns);
	return 0;
}
