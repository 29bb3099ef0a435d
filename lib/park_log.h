/* SPDX-License-Identifier: MIT */
/*
 * park_log — records left by writers that may not lock or allocate, taken
 * later by a reader that may.
 *
 * A vfork child runs in its parent's memory until it execs: it must not
 * take a lock the parent may hold or call malloc, yet what it learned has
 * to reach the parent's learner. It writes a record here; the parent takes
 * the records later, in normal context.
 *
 * Records live in chunks the log maps itself (mmap is a plain system call,
 * safe in such a child), linked newest first. A record is reserved by one
 * compare-and-swap on its header, which holds its length from that moment,
 * so a writer that dies half-way (a vfork child killed) leaves a record the
 * reader steps over and counts, never one that hides the others. Writers
 * are counted from reserving to publishing: once everything is taken, the
 * reader detaches the list and unmaps it when no writer is counted (then
 * none can hold it). Writers are lock-free and async-signal-safe; readers
 * are serialised by the caller. The mapped total is bounded: past the
 * bound, reserving fails until the reader has taken and unmapped.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct park_chunk;

struct park_log {
	_Atomic(struct park_chunk *) newest;
	atomic_size_t mapped;		      /* bytes of every chunk mapped */
	atomic_size_t writers;		      /* between reserving and publishing */
	_Atomic(struct park_chunk *) retired; /* detached, waiting for writers (set by readers) */
	size_t chunk_bytes; /* a chunk's usual size (a bigger record gets one of its own) */
	size_t limit;	    /* mapped never exceeds it */
};

#define PARK_LOG_INIT(chunk, max)                      \
	{                                              \
		.chunk_bytes = (chunk), .limit = (max) \
	}

/*
 * Reserves len bytes of record data and sets *ret to them (8-aligned).
 * Returns 0, -ENOSPC when the log holds its limit, or the errno of a
 * failed mmap. The record is invisible to park_log_take until published;
 * every reserved record must be published.
 */
int park_log_reserve(struct park_log *log, size_t len, void **ret);

/* Makes a reserved record visible to park_log_take. */
void park_log_publish(struct park_log *log, void *data);

/*
 * Calls take(data, len, arg) for each published record not taken before.
 * Records reserved but not yet published are left for a later call.
 * Returns how many there are (a writer at work, or one that died there,
 * which also keeps the log from being unmapped). Unmaps what is all taken
 * once no writer is at work. Callers serialise calls.
 */
size_t park_log_take(struct park_log *log, void (*take)(const void *data, size_t len, void *arg),
		     void *arg);

/* Whether park_log_take may have anything to do (a cheap look, no lock). */
bool park_log_pending(struct park_log *log);

/*
 * Unmaps every chunk and empties the log, counts included: in a fork child,
 * whose copies of the records are its parent's to take (and no writer
 * runs), or at the end.
 */
void park_log_clear(struct park_log *log);
