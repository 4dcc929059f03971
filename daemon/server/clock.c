/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Deadlines on CLOCK_BOOTTIME and their wall-clock faces. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "daemon/server/clock.h"

#define NS_PER_MS	1000000LL
#define NS_PER_S	1000000000LL

/*
 * A larger change of the wall-minus-boot offset is a real clock step (NTP,
 * settimeofday); a smaller one is the gap between our two clock reads.
 */
#define OFFSET_JITTER_MS	50

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

int64_t
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / NS_PER_MS;
}

/*
 * CLOCK_REALTIME minus CLOCK_BOOTTIME, in ms.  The value is kept while it
 * stays within the read jitter, so clock_to_wall(clock_from_wall(t)) == t.
 */
static int64_t
clock_offset(void)
{
	static int64_t cached;
	static int have;
	struct timespec b1, r, b2;
	int64_t off;

	clock_gettime(CLOCK_BOOTTIME, &b1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b2);
	/* Compare the wall clock with the boot clock's midpoint. */
	off = ts_ns(&r) - (ts_ns(&b1) + (ts_ns(&b2) - ts_ns(&b1)) / 2);
	off = off >= 0 ? (off + NS_PER_MS / 2) / NS_PER_MS :
	    -((-off + NS_PER_MS / 2) / NS_PER_MS);
	if (!have || llabs(off - cached) > OFFSET_JITTER_MS) {
		cached = off;
		have = 1;
	}
	return cached;
}

/* Floor division: -1 ms is in second -1, not 0. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

time_t
clock_to_wall(int64_t boot_ms)
{
	/* Saturate rather than wrap: "never" stays far in the future. */
	return (time_t)floor_div(clock_add_ms(boot_ms, clock_offset()), 1000);
}

int64_t
clock_from_wall(time_t wall)
{
	int64_t ms;

	if (__builtin_mul_overflow((int64_t)wall, 1000, &ms))
		return wall > 0 ? CLOCK_MAX : CLOCK_MIN;
	return clock_add_ms(ms, -clock_offset());
}

const char *
clock_fmt(int64_t boot_ms, char *buf, size_t len)
{
	/* Not strftime's %a/%b: the format is English whatever the locale. */
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;
	time_t wall;
	long off;
	int n;

	if (buf == NULL || len == 0)
		return "<unknown time>";
	wall = clock_to_wall(boot_ms);
	/* RFC 2822 has four-digit years only, as chrono's to_rfc2822(). */
	if (localtime_r(&wall, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900 || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		goto unknown;
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, len, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	if (n >= 0 && (size_t)n < len)
		return buf;
unknown:
	snprintf(buf, len, "<unknown time>");
	return buf;
}

int64_t
clock_add_ms(int64_t t, int64_t ms)
{
	int64_t r;

	if (__builtin_add_overflow(t, ms, &r))
		return ms > 0 ? CLOCK_MAX : CLOCK_MIN;
	return r < CLOCK_MIN ? CLOCK_MIN : r;
}

/* Seconds beyond this are as good as for ever: config times may be absurd. */
#define SECS_MAX	((uint64_t)CLOCK_MAX / 1000)

int64_t
clock_after(int64_t t, uint64_t secs)
{
	return secs > SECS_MAX ? CLOCK_MAX :
	    clock_add_ms(t, (int64_t)secs * 1000);
}

int64_t
clock_before(int64_t t, uint64_t secs)
{
	return secs > SECS_MAX ? CLOCK_MIN :
	    clock_add_ms(t, -(int64_t)secs * 1000);
}

int64_t
clock_mid(int64_t a, int64_t b)
{
	/* Halves first: a + (b - a) / 2 overflows for a far apart. */
	return a / 2 + b / 2 + (a % 2 + b % 2) / 2;
}
