// SPDX-License-Identifier: MIT
/*
 * A lock-free log of records in chunks of its own mapping. See park_log.h.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "park_log.h"

enum {
	REC_WRITING = 1,
	REC_READY = 2,
	REC_TAKEN = 3,
};

#define REC_STATE_BITS 2
#define REC_STATE_MASK ((1u << REC_STATE_BITS) - 1)

/*
 * A record: its header (0 while free) holds its whole size, header and
 * padding included, and its state; the writer's exact length follows.
 */
struct park_rec {
	atomic_uint_least64_t hdr;
	uint64_t len;
	_Alignas(8) unsigned char data[];
};

struct park_chunk {
	struct park_chunk *older;
	size_t size;		/* of the mapping */
	atomic_size_t end_hint; /* a record boundary with every record before it reserved */
	size_t taken;		/* every record before it taken (readers only) */
	_Alignas(16) unsigned char recs[];
};

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static size_t room(const struct park_chunk *c)
{
	return c->size - offsetof(struct park_chunk, recs);
}

static struct park_rec *rec_at(struct park_chunk *c, size_t pos)
{
	return (struct park_rec *)(void *)(c->recs + pos);
}

/*
 * Records are contiguous from the chunk's start: a writer claims the first
 * free header at or after a boundary every record before which is taken
 * by someone, so no record ever follows a free header.
 */
static struct park_rec *reserve_in(struct park_chunk *c, size_t size)
{
	size_t pos = atomic_load_explicit(&c->end_hint, memory_order_acquire);

	while (size <= room(c) && pos <= room(c) - size) {
		struct park_rec *r = rec_at(c, pos);
		uint_least64_t seen = 0;
		if (atomic_compare_exchange_strong(
			    &r->hdr, &seen, (uint_least64_t)size << REC_STATE_BITS | REC_WRITING)) {
			size_t hint = atomic_load_explicit(&c->end_hint, memory_order_relaxed);
			while (hint < pos + size &&
			       !atomic_compare_exchange_weak(&c->end_hint, &hint, pos + size))
				;
			return r;
		}
		pos += (size_t)(seen >> REC_STATE_BITS);
	}
	return NULL;
}

/* The first record of a chunk no one else sees yet. */
static struct park_rec *reserve_first(struct park_chunk *c, size_t size)
{
	struct park_rec *r = rec_at(c, 0);
	atomic_init(&r->hdr, (uint_least64_t)size << REC_STATE_BITS | REC_WRITING);
	atomic_init(&c->end_hint, size);
	return r;
}

/* The record reserved, or NULL with *err. */
static struct park_rec *reserve(struct park_log *log, size_t size, int *err)
{
	for (;;) {
		struct park_chunk *newest = atomic_load(&log->newest);
		for (struct park_chunk *c = newest; c; c = c->older) {
			struct park_rec *r = reserve_in(c, size);
			if (r)
				return r;
		}
		long page = sysconf(_SC_PAGESIZE);
		size_t want = offsetof(struct park_chunk, recs) + size;
		size_t map = round_up(want > log->chunk_bytes ? want : log->chunk_bytes,
				      page > 0 ? (size_t)page : 4096);
		size_t before = atomic_fetch_add(&log->mapped, map);
		if (before > log->limit || map > log->limit - before) {
			atomic_fetch_sub(&log->mapped, map);
			*err = -ENOSPC;
			return NULL;
		}
		struct park_chunk *c =
			mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED) {
			*err = -errno;
			atomic_fetch_sub(&log->mapped, map);
			return NULL;
		}
		c->size = map;
		c->older = newest;
		/* Reserved before it is seen: a record bigger than a chunk keeps the one it made. */
		struct park_rec *first = reserve_first(c, size);
		if (atomic_compare_exchange_strong(&log->newest, &newest, c))
			return first;
		/* Another writer added one (or the reader took the list): again. */
		munmap(c, map);
		atomic_fetch_sub(&log->mapped, map);
	}
}

int park_log_reserve(struct park_log *log, size_t len, void **ret)
{
	if (len > SIZE_MAX / 4)
		return -ENOSPC;
	size_t size = sizeof(struct park_rec) + round_up(len, 8);
	int e = 0;

	/* Counted before the list is looked at: the reader unmaps a list only when none is. */
	atomic_fetch_add(&log->writers, 1);
	struct park_rec *r = reserve(log, size, &e);
	if (!r) {
		atomic_fetch_sub(&log->writers, 1);
		return e;
	}
	r->len = len;
	*ret = r->data;
	return 0;
}

void park_log_publish(struct park_log *log, void *data)
{
	struct park_rec *r = (struct park_rec *)(void *)((unsigned char *)data -
							 offsetof(struct park_rec, data));
	uint_least64_t h = atomic_load_explicit(&r->hdr, memory_order_relaxed);
	atomic_store_explicit(&r->hdr, (h & ~(uint_least64_t)REC_STATE_MASK) | REC_READY,
			      memory_order_release);
	atomic_fetch_sub(&log->writers, 1);
}

/*
 * Takes what is published in c past what was taken. Stops at a header that
 * cannot be one (memory the program overwrote): what follows is left.
 */
static size_t take_chunk(struct park_chunk *c, void (*take)(const void *, size_t, void *),
			 void *arg)
{
	size_t pos = c->taken, unfinished = 0;

	while (pos < room(c)) {
		struct park_rec *r = rec_at(c, pos);
		uint_least64_t h = atomic_load_explicit(&r->hdr, memory_order_acquire);
		if (h == 0)
			break;
		size_t size = (size_t)(h >> REC_STATE_BITS);
		if (size < sizeof(*r) || size % 8 || size > room(c) - pos)
			break;
		switch (h & REC_STATE_MASK) {
		case REC_READY:
			if (r->len <= size - sizeof(*r))
				take(r->data, (size_t)r->len, arg);
			atomic_store_explicit(&r->hdr, h | REC_TAKEN, memory_order_relaxed);
			break;
		case REC_WRITING:
			unfinished++;
			break;
		default:
			break;
		}
		pos += size;
		if (!unfinished)
			c->taken = pos;
	}
	return unfinished;
}

static size_t take_from(struct park_chunk *c, void (*take)(const void *, size_t, void *), void *arg)
{
	/* Oldest first; a log holds at most limit / chunk_bytes chunks. */
	return c ? take_from(c->older, take, arg) + take_chunk(c, take, arg) : 0;
}

static void unmap_list(struct park_log *log, struct park_chunk *c)
{
	while (c) {
		struct park_chunk *older = c->older;
		size_t size = c->size;
		munmap(c, size);
		atomic_fetch_sub(&log->mapped, size);
		c = older;
	}
}

/*
 * A list no writer can still hold (none is counted): what was published
 * since the last look is taken, and every record was published.
 */
static void retire(struct park_log *log, struct park_chunk *list,
		   void (*take)(const void *, size_t, void *), void *arg)
{
	take_from(list, take, arg);
	unmap_list(log, list);
}

size_t park_log_take(struct park_log *log, void (*take)(const void *data, size_t len, void *arg),
		     void *arg)
{
	struct park_chunk *retired = atomic_load(&log->retired);
	size_t unfinished = 0;

	/*
	 * A detached list may still get records from a writer counted before
	 * it was detached: taken like the others, unmapped once no writer is.
	 */
	if (retired && atomic_load(&log->writers) == 0) {
		retire(log, retired, take, arg);
		atomic_store(&log->retired, NULL);
	} else if (retired) {
		unfinished += take_from(retired, take, arg);
	}
	unfinished += take_from(atomic_load(&log->newest), take, arg);
	/*
	 * All taken: the list is detached for new writers to start another,
	 * and unmapped once no writer is counted (one counted after the
	 * exchange sees the new list; one counted before may hold the old).
	 * With a writer still counted it waits for a later call; a writer that
	 * died counted keeps it there, and the log grows to its limit.
	 */
	if (unfinished == 0 && !atomic_load(&log->retired) && atomic_load(&log->newest)) {
		struct park_chunk *list = atomic_exchange(&log->newest, NULL);
		if (atomic_load(&log->writers) == 0)
			retire(log, list, take, arg);
		else
			atomic_store(&log->retired, list);
	}
	return unfinished;
}

bool park_log_pending(struct park_log *log)
{
	return atomic_load_explicit(&log->newest, memory_order_relaxed) ||
	       atomic_load_explicit(&log->retired, memory_order_relaxed);
}

void park_log_clear(struct park_log *log)
{
	unmap_list(log, atomic_exchange(&log->newest, NULL));
	unmap_list(log, atomic_exchange(&log->retired, NULL));
	atomic_store(&log->writers, 0);
}
