/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/clock.c: boot clock, wall time, RFC 2822. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "daemon/server/clock.h"

static void
set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static void
test_clock_now_follows_boottime(void **state)
{
	struct timespec ts;
	int64_t a, b, boot;

	a = clock_now();
	clock_gettime(CLOCK_BOOTTIME, &ts);
	b = clock_now();
	boot = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	assert_true(a <= boot && boot <= b);
	assert_true(b - a < 100);
}

static void
test_clock_to_wall_of_now_is_the_time(void **state)
{
	time_t before, after, wall;

	before = time(NULL);
	wall = clock_to_wall(clock_now());
	after = time(NULL);
	assert_true(wall >= before && wall <= after);
}

static void
test_clock_wall_round_trips(void **state)
{
	static const time_t walls[] = {
		0, 1, 1057049557, 1795905000, 4102444800LL, -1,
	};
	size_t i;
	int64_t ms;

	for (i = 0; i < sizeof(walls) / sizeof(walls[0]); i++) {
		ms = clock_from_wall(walls[i]);
		assert_int_equal(clock_to_wall(ms), walls[i]);
		/* Later instants within the same second keep the second. */
		assert_int_equal(clock_to_wall(ms + 999), walls[i]);
		assert_int_equal(clock_to_wall(ms + 1000), walls[i] + 1);
	}
	/* A minute from now on the boot clock is a minute from now. */
	ms = clock_now() + 60000;
	assert_true(clock_to_wall(ms) - time(NULL) >= 59 &&
	    clock_to_wall(ms) - time(NULL) <= 61);
}

static void
test_clock_fmt_is_rfc2822_like_chrono(void **state)
{
	static const struct {
		const char	*tz;
		time_t		 wall;
		const char	*want;
	} cases[] = {
		{ "UTC0", 1795905000, "Sat, 28 Nov 2026 22:30:00 +0000" },
		/* Day of month unpadded, positive offset. */
		{ "CEST-2", 1057049557, "Tue, 1 Jul 2003 10:52:37 +0200" },
		/* Half-hour negative offset. */
		{ "XST+5:30", 1795905000, "Sat, 28 Nov 2026 17:00:00 -0530" },
		{ "UTC0", 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
		/* RFC 2822 years have four digits: chrono refuses, so do we. */
		{ "UTC0", 253402300800LL, "<unknown time>" },
		{ "UTC0", 253402300799LL, "Fri, 31 Dec 9999 23:59:59 +0000" },
	};
	char buf[64];
	char *tz;
	size_t i;

	/* setenv() may reuse the memory getenv() pointed to. */
	tz = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_tz(cases[i].tz);
		assert_string_equal(clock_fmt(clock_from_wall(cases[i].wall),
		    buf, sizeof(buf)), cases[i].want);
	}
	/* Too small a buffer: no partial date, still a C string. */
	assert_string_equal(clock_fmt(clock_from_wall(0), buf, 10),
	    "<unknown ");
	assert_string_equal(clock_fmt(INT64_MAX, buf, sizeof(buf)),
	    "<unknown time>");
	if (tz != NULL) {
		set_tz(tz);
		free(tz);
	} else {
		unsetenv("TZ");
		tzset();
	}
}

/*
 * Arithmetic on instants saturates and never overflows: instants before
 * boot are negative (restored tokens), config times and expires_in may be
 * absurd.  UBSan aborts on a signed overflow, so reaching the asserts is
 * half the test.
 */
static void
test_clock_arithmetic_saturates(void **state)
{
	int64_t now = clock_now();

	assert_true(clock_after(now, 60) == now + 60000);
	assert_true(clock_before(now, 60) == now - 60000);
	assert_true(clock_after(-86400000, 1) == -86399000);
	assert_true(clock_after(-86400000, UINT64_MAX) == CLOCK_MAX);
	assert_true(clock_after(CLOCK_MIN, UINT64_MAX) == CLOCK_MAX);
	assert_true(clock_after(CLOCK_MAX, 1) == CLOCK_MAX);
	assert_true(clock_before(CLOCK_MIN, 1) == CLOCK_MIN);
	assert_true(clock_before(-5, UINT64_MAX) == CLOCK_MIN);
	assert_true(clock_add_ms(CLOCK_MAX, CLOCK_MAX) == CLOCK_MAX);
	assert_true(clock_add_ms(CLOCK_MIN, CLOCK_MIN) == CLOCK_MIN);
	assert_true(clock_add_ms(CLOCK_MIN, -1) == CLOCK_MIN);
	/* Nothing computes "no instant". */
	assert_true(clock_add_ms(INT64_MIN + 5, -10) != CLOCK_UNSET);
	assert_true(clock_from_wall((time_t)INT64_MIN) != CLOCK_UNSET);
	assert_true(clock_from_wall((time_t)INT64_MIN) == CLOCK_MIN);
	assert_true(clock_from_wall((time_t)INT64_MAX) == CLOCK_MAX);
	assert_true(clock_mid(-100, 100) == 0);
	assert_true(clock_mid(-86400000, 3600000) == -41400000);
	assert_true(clock_mid(CLOCK_MIN, CLOCK_MAX) == 0);
	assert_true(clock_mid(CLOCK_MAX - 2, CLOCK_MAX) == CLOCK_MAX - 1);
	assert_true(clock_mid(7, 8) >= 7 && clock_mid(7, 8) <= 8);
	/* A wall time a day before now maps to the boot clock and back. */
	assert_true(clock_to_wall(clock_from_wall(time(NULL) - 86400)) ==
	    time(NULL) - 86400);
	assert_true(clock_to_wall(CLOCK_UNSET) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_now_follows_boottime),
		cmocka_unit_test(test_clock_to_wall_of_now_is_the_time),
		cmocka_unit_test(test_clock_wall_round_trips),
		cmocka_unit_test(test_clock_fmt_is_rfc2822_like_chrono),
		cmocka_unit_test(test_clock_arithmetic_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
