/* SPDX-License-Identifier: MIT */
/*
 * clock_fmt — RFC 3339 UTC timestamps for event lines, computed with integer
 * arithmetic only (gmtime/localtime take locks and read the time zone, so
 * they are not async-signal-safe). Proleptic Gregorian calendar, no leap
 * seconds (like CLOCK_REALTIME itself).
 */
#pragma once

#include <stddef.h>
#include <time.h>

/* Length of "2026-11-22T02:40:00.123Z", without the NUL. */
#define CLOCK_FMT_RFC3339_LEN 24

/*
 * Writes ts as "YYYY-MM-DDTHH:MM:SS.mmmZ" plus a NUL into buf (size bytes,
 * at least CLOCK_FMT_RFC3339_LEN + 1) and its length into *ret_len.
 * Milliseconds are truncated, not rounded, so a time never moves into the
 * next second. Negative tv_sec (before 1970) is fine. Returns 0, -EINVAL
 * (tv_nsec outside [0, 1e9)), -ERANGE (year outside 0000-9999) or -ENOBUFS
 * (size too small); buf is untouched on error. Async-signal-safe.
 */
int clock_fmt_rfc3339(const struct timespec *ts, char *buf, size_t size, size_t *ret_len);
