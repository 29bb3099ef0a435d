/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock_fmt.h"

/* The reference: glibc's gmtime_r, formatted the same way. */
static void reference(time_t sec, long nsec, char *out, size_t size)
{
	struct tm tm;

	cr_assert_not_null(gmtime_r(&sec, &tm));
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec / 1000000);
}

static void check_against_gmtime(time_t sec, long nsec)
{
	struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
	char got[CLOCK_FMT_RFC3339_LEN + 1], want[64];
	size_t len = 0;

	reference(sec, nsec, want, sizeof(want));
	cr_assert_eq(clock_fmt_rfc3339(&ts, got, sizeof(got), &len), 0, "sec=%lld", (long long)sec);
	cr_assert_eq(len, CLOCK_FMT_RFC3339_LEN);
	cr_assert_str_eq(got, want, "sec=%lld nsec=%ld", (long long)sec, nsec);
}

static void check_exact(time_t sec, long nsec, const char *want)
{
	struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
	char got[CLOCK_FMT_RFC3339_LEN + 1];
	size_t len;

	cr_assert_eq(clock_fmt_rfc3339(&ts, got, sizeof(got), &len), 0);
	cr_assert_str_eq(got, want);
	check_against_gmtime(sec, nsec);
}

static time_t to_time(int year, int mon, int day, int hour, int min, int sec)
{
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = mon - 1,
			.tm_mday = day,
			.tm_hour = hour,
			.tm_min = min,
			.tm_sec = sec};

	return timegm(&tm);
}

Test(clock_fmt, known_values)
{
	check_exact(0, 0, "1970-01-01T00:00:00.000Z");
	check_exact(1795315200, 123456789, "2026-11-22T02:40:00.123Z");
	check_exact(951782400, 999999999, "2000-02-29T00:00:00.999Z");
	check_exact(2147483647, 0, "2038-01-19T03:14:07.000Z");
	check_exact(2147483648, 1000000, "2038-01-19T03:14:08.001Z");
	check_exact(-1, 999999999, "1969-12-31T23:59:59.999Z");
	check_exact(-86400, 0, "1969-12-31T00:00:00.000Z");
	check_exact(-62167219200, 0, "0000-01-01T00:00:00.000Z");
	check_exact(253402300799, 999999999, "9999-12-31T23:59:59.999Z");
}

Test(clock_fmt, leap_year_edges)
{
	/* leap: divisible by 4, except centuries, except every 400 years */
	static const int years[] = {1600, 1700, 1800, 1900, 1904, 1968, 1969, 1970, 1971, 1972,
				    1996, 1999, 2000, 2001, 2004, 2024, 2025, 2028, 2038, 2096,
				    2099, 2100, 2104, 2199, 2200, 2400, 2500, 9996, 9999};

	for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
		int y = years[i];
		/* Feb 28, Feb 29 (or Mar 1), Mar 1, Dec 31, Jan 1, last second of year */
		time_t points[] = {
			to_time(y, 2, 28, 23, 59, 59), to_time(y, 2, 29, 0, 0, 0),
			to_time(y, 3, 1, 0, 0, 0),     to_time(y, 12, 31, 0, 0, 0),
			to_time(y, 1, 1, 0, 0, 0),     to_time(y, 12, 31, 23, 59, 59),
			to_time(y, 6, 30, 12, 0, 0),
		};

		for (size_t p = 0; p < sizeof(points) / sizeof(points[0]); p++) {
			for (int d = -1; d <= 1; d++) {
				if (points[p] + d > 253402300799)
					continue; /* past 9999, checked in errors_* */
				check_against_gmtime(points[p] + d, 0);
				check_against_gmtime(points[p] + d, 999999999);
			}
		}
	}
	check_exact(to_time(2100, 2, 28, 23, 59, 59) + 1, 0, "2100-03-01T00:00:00.000Z");
	check_exact(to_time(2000, 2, 28, 23, 59, 59) + 1, 0, "2000-02-29T00:00:00.000Z");
	check_exact(to_time(2024, 12, 31, 0, 0, 0), 500000000, "2024-12-31T00:00:00.500Z");
}

Test(clock_fmt, every_day_1900_to_2200)
{
	for (time_t t = to_time(1900, 1, 1, 0, 0, 0); t < to_time(2201, 1, 1, 0, 0, 0);
	     t += 86400) {
		check_against_gmtime(t, 0);
		check_against_gmtime(t + 86399, 0);
	}
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

Test(clock_fmt, random_1970_to_2200)
{
	time_t lo = 0, hi = to_time(2200, 12, 31, 23, 59, 59);

	for (int i = 0; i < 1000000; i++) {
		time_t sec = lo + (time_t)(rng() % (uint64_t)(hi - lo + 1));

		check_against_gmtime(sec, (long)(rng() % 1000000000));
	}
}

Test(clock_fmt, random_whole_range)
{
	time_t lo = -62167219200, hi = 253402300799;

	for (int i = 0; i < 100000; i++)
		check_against_gmtime(lo + (time_t)(rng() % (uint64_t)(hi - lo + 1)), 0);
}

Test(clock_fmt, errors_leave_buffer_alone)
{
	char buf[CLOCK_FMT_RFC3339_LEN + 1];
	size_t len = 77;
	struct timespec bad[] = {
		{.tv_sec = 0, .tv_nsec = -1},		{.tv_sec = 0, .tv_nsec = 1000000000},
		{.tv_sec = -62167219201, .tv_nsec = 0}, {.tv_sec = 253402300800, .tv_nsec = 0},
		{.tv_sec = INT64_MIN, .tv_nsec = 0},	{.tv_sec = INT64_MAX, .tv_nsec = 0},
	};
	int want[] = {-EINVAL, -EINVAL, -ERANGE, -ERANGE, -ERANGE, -ERANGE};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		cr_assert_eq(clock_fmt_rfc3339(&bad[i], buf, sizeof(buf), &len), want[i]);
		cr_assert_eq(len, 77);
		cr_assert_eq(buf[0], 'x');
	}
	cr_assert_eq(clock_fmt_rfc3339(&(struct timespec){0}, buf, CLOCK_FMT_RFC3339_LEN, &len),
		     -ENOBUFS);
	cr_assert_eq(len, 77);
	cr_assert_eq(buf[0], 'x');
}
