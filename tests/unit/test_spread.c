/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/spread.c: how refreshes and retries spread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/server/clock.h"
#include "daemon/server/spread.h"

#define HOUR_MS		(3600 * 1000LL)

/* Draws at the ends and across the range. */
static const uint32_t draws[] = {
	0, 1, 0x7fffffffU, 0x80000000U, 0xaaaaaaaaU, UINT32_MAX - 1,
	UINT32_MAX,
};
#define NDRAWS	(sizeof(draws) / sizeof(draws[0]))

static void
test_refresh_never_later_never_past_a_third(void **state)
{
	/* A one-hour token, refresh_before_expiry 90 s: due at 3510 s. */
	int64_t obtained = 1000, expiry = obtained + HOUR_MS;
	int64_t due = expiry - 90000, t;
	size_t i;

	for (i = 0; i < NDRAWS; i++) {
		t = spread_refresh(obtained, due, 90, draws[i]);
		assert_true(t <= due);
		assert_true(t >= due - 30000);
		assert_true(t < expiry);
	}
	assert_true(spread_refresh(obtained, due, 90, 0) == due);
	/* The whole third is used: the top draw lands within a ms of it. */
	assert_true(spread_refresh(obtained, due, 90, UINT32_MAX) <=
	    due - 29999);
	assert_true(spread_refresh(obtained, due, 90, 0x80000000U) ==
	    due - 15000);
}

static void
test_refresh_spreads_draws_over_the_window(void **state)
{
	int64_t due = 10 * HOUR_MS;
	int64_t seen[10] = { 0 };
	uint32_t r;
	int i;

	/* Evenly spaced draws fill every tenth of the 30 s window. */
	for (i = 0; i < 1000; i++) {
		r = (uint32_t)i * (UINT32_MAX / 1000);
		seen[(due - spread_refresh(0, due, 90, r)) / 3000]++;
	}
	for (i = 0; i < 10; i++)
		assert_true(seen[i] >= 90 && seen[i] <= 110);
}

static void
test_refresh_short_tokens_keep_two_thirds_of_their_wait(void **state)
{
	int64_t t;
	size_t i;

	/* Due 6 s after it came: at most 2 s earlier, whatever rbe says. */
	for (i = 0; i < NDRAWS; i++) {
		t = spread_refresh(50000, 56000, 3600, draws[i]);
		assert_true(t >= 54000 && t <= 56000);
	}
	/* Due at once (or in the past: a restored token): unchanged. */
	assert_true(spread_refresh(50000, 50000, 90, UINT32_MAX) == 50000);
	assert_true(spread_refresh(50000, 40000, 90, UINT32_MAX) == 40000);
	/* refresh_before_expiry 0: no spread. */
	assert_true(spread_refresh(0, HOUR_MS, 0, UINT32_MAX) == HOUR_MS);
}

static void
test_refresh_extremes_do_not_overflow(void **state)
{
	int64_t t;
	size_t i;

	for (i = 0; i < NDRAWS; i++) {
		t = spread_refresh(CLOCK_MIN, CLOCK_MAX, UINT64_MAX, draws[i]);
		assert_true(t <= CLOCK_MAX);
		/* Two thirds of the way, at least. */
		assert_true(t >= CLOCK_MAX / 3 - 1);
		t = spread_refresh(CLOCK_MIN, CLOCK_MIN + 3, UINT64_MAX,
		    draws[i]);
		assert_true(t >= CLOCK_MIN + 2 && t <= CLOCK_MIN + 3);
		/* Before boot (a restored token). */
		t = spread_refresh(-2 * HOUR_MS, -HOUR_MS, 90, draws[i]);
		assert_true(t <= -HOUR_MS && t >= -HOUR_MS - 30000);
	}
}

static void
test_retry_never_before_retry_after(void **state)
{
	uint64_t w;
	size_t i;

	for (i = 0; i < NDRAWS; i++) {
		/* refresh_retry 40 s, no Retry-After: 40 to 60 s. */
		w = spread_retry_ms(40, -1, draws[i]);
		assert_true(w >= 40000 && w <= 60000);
		/* Retry-After 300 s: never sooner, at most 20 s later. */
		w = spread_retry_ms(40, 300, draws[i]);
		assert_true(w >= 300000 && w <= 320000);
		/* A Retry-After shorter than refresh_retry does not hurry. */
		w = spread_retry_ms(40, 5, draws[i]);
		assert_true(w >= 40000 && w <= 60000);
		/* Retry-After 0: refresh_retry still holds. */
		w = spread_retry_ms(40, 0, draws[i]);
		assert_true(w >= 40000);
	}
	assert_true(spread_retry_ms(40, -1, 0) == 40000);
	assert_true(spread_retry_ms(40, -1, UINT32_MAX) >= 59999);
	assert_true(spread_retry_ms(0, -1, UINT32_MAX) == 0);
	assert_true(spread_retry_ms(UINT64_MAX, INT64_MAX, UINT32_MAX) ==
	    UINT64_MAX);
	assert_true(spread_retry_ms(1, INT64_MAX, 0) == UINT64_MAX);
}

static void
test_draws_differ(void **state)
{
	uint32_t a = spread_draw(), b = spread_draw(), c = spread_draw();

	/* Three equal 32-bit draws in a row: once in 2^64. */
	assert_false(a == b && b == c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refresh_never_later_never_past_a_third),
		cmocka_unit_test(test_refresh_spreads_draws_over_the_window),
		cmocka_unit_test(
		    test_refresh_short_tokens_keep_two_thirds_of_their_wait),
		cmocka_unit_test(test_refresh_extremes_do_not_overflow),
		cmocka_unit_test(test_retry_never_before_retry_after),
		cmocka_unit_test(test_draws_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
