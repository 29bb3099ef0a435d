/* SPDX-License-Identifier: MIT */
/*
 * clock_fmt — see clock_fmt.h.
 *
 * Days since the epoch are mapped to a civil date by counting from
 * 0000-03-01: with March as the first month of the year, the leap day is the
 * last day of the year, 400-year eras all have 146097 days, and month lengths
 * from March on follow the 153-days-per-5-months pattern.
 */
#include "clock_fmt.h"

#include <errno.h>
#include <stdint.h>

#define SECONDS_PER_DAY 86400
#define DAYS_PER_ERA	146097 /* 400 Gregorian years */
/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT_DAYS 719468
#define NSEC_PER_SEC	 1000000000L
#define NSEC_PER_MSEC	 1000000L
/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: four-digit years only. */
#define MIN_SECONDS INT64_C(-62167219200)
#define MAX_SECONDS INT64_C(253402300799)

struct civil_date {
	int64_t year;
	unsigned month; /* 1-12 */
	unsigned day;	/* 1-31 */
};

/* Division rounding towards minus infinity, for times before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static struct civil_date civil_from_days(int64_t days)
{
	int64_t shifted = days + EPOCH_SHIFT_DAYS;
	int64_t era = floor_div(shifted, DAYS_PER_ERA);
	int64_t day_of_era = shifted - era * DAYS_PER_ERA; /* 0-146096 */
	/*
	 * Years of the era: remove the leap days seen so far (one per 4 years,
	 * minus one per century, plus the one at the end of the era) and divide
	 * by 365.
	 */
	int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
			       day_of_era / (DAYS_PER_ERA - 1)) /
			      365; /* 0-399 */
	int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 -
					    year_of_era / 100); /* 0-365, from March 1 */
	int64_t month_from_march = (5 * day_of_year + 2) / 153; /* 0-11 */
	struct civil_date date;

	date.day = (unsigned)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
	date.month =
		(unsigned)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
	date.year = era * 400 + year_of_era + (date.month <= 2);
	return date;
}

static char *put_digits(char *p, uint64_t value, unsigned width)
{
	for (unsigned i = width; i > 0; i--) {
		p[i - 1] = (char)('0' + value % 10);
		value /= 10;
	}
	return p + width;
}

int clock_fmt_rfc3339(const struct timespec *ts, char *buf, size_t size, size_t *ret_len)
{
	int64_t days, second_of_day;
	struct civil_date date;
	char *p = buf;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	/* Checked first, so the arithmetic below cannot overflow. */
	if ((int64_t)ts->tv_sec < MIN_SECONDS || (int64_t)ts->tv_sec > MAX_SECONDS)
		return -ERANGE;
	if (size < CLOCK_FMT_RFC3339_LEN + 1)
		return -ENOBUFS;
	days = floor_div((int64_t)ts->tv_sec, SECONDS_PER_DAY);
	second_of_day = (int64_t)ts->tv_sec - days * SECONDS_PER_DAY;
	date = civil_from_days(days);

	p = put_digits(p, (uint64_t)date.year, 4);
	*p++ = '-';
	p = put_digits(p, date.month, 2);
	*p++ = '-';
	p = put_digits(p, date.day, 2);
	*p++ = 'T';
	p = put_digits(p, (uint64_t)(second_of_day / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (uint64_t)(second_of_day / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (uint64_t)(second_of_day % 60), 2);
	*p++ = '.';
	p = put_digits(p, (uint64_t)(ts->tv_nsec / NSEC_PER_MSEC), 3);
	*p++ = 'Z';
	*p = '\0';
	*ret_len = (size_t)(p - buf);
	return 0;
}
