/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/timer.c: real timerfds on a real event loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon/server/clock.h"
#include "daemon/server/timer.h"

#define NFIRED	16

/* What the callbacks saw. */
struct run {
	struct event_base *base;
	struct timers	*timers;	/* the set under test */
	int		 fired[NFIRED];	/* ids, in firing order */
	int64_t		 at[NFIRED];	/* clock_now() when each fired */
	int		 nfired;
};

/* For the many-timers test: how many fired, and whether they fired in
 * deadline order. */
static int fired_total, order_ok;
static int64_t last_deadline;

static void
count_fire(void *arg)
{
	int64_t deadline = *(int64_t *)arg;

	if (deadline < last_deadline)
		order_ok = 0;
	last_deadline = deadline;
	fired_total++;
}

/* One timer under test and what its callback should do. */
struct tt {
	struct run	*run;
	struct timer	*t;
	int		 id;
	int64_t		 when;		/* its deadline, to check lateness */
	int		 rearm;		/* times left to re-arm itself */
	int		 free_self;
	struct tt	*cancel;	/* a timer to cancel when firing */
	struct tt	*move;		/* a timer to push 100 ms out */
};

static void
tt_fire(void *arg)
{
	struct tt *x = arg;
	struct run *r = x->run;

	assert_true(r->nfired < NFIRED);
	r->at[r->nfired] = clock_now();
	r->fired[r->nfired++] = x->id;
	/* Never early: the boot clock has reached the deadline. */
	assert_true(clock_now() >= x->when);
	if (x->cancel != NULL)
		timer_cancel(x->cancel->t);
	if (x->move != NULL) {
		x->move->when = clock_now() + 100;
		timer_at(x->move->t, x->move->when);
		x->move->move = NULL;
		x->move = NULL;
	}
	if (x->rearm > 0) {
		x->rearm--;
		x->when = clock_now() + 10;
		timer_at(x->t, x->when);
		assert_true(timer_armed(x->t));
	}
	if (x->free_self) {
		timer_free(x->t);
		x->t = NULL;
	}
}

static void
tt_init(struct run *r, struct tt *x, int id)
{
	memset(x, 0, sizeof(*x));
	x->run = r;
	x->id = id;
	x->t = timer_new(r->timers, tt_fire, x);
	assert_non_null(x->t);
}

static void
tt_at(struct tt *x, int64_t when)
{
	x->when = when;
	timer_at(x->t, when);
}

static int
setup(void **state)
{
	struct run *r;

	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->base = event_base_new();
	assert_non_null(r->base);
	r->timers = timers_new(r->base);
	assert_non_null(r->timers);
	*state = r;
	/* A hung loop fails the run instead of blocking it. */
	alarm(20);
	return 0;
}

static int
teardown(void **state)
{
	struct run *r = *state;

	alarm(0);
	timers_free(r->timers);
	event_base_free(r->base);
	free(r);
	return 0;
}

static void
test_timer_fires_in_deadline_order(void **state)
{
	struct run *r = *state;
	struct tt a, b, c;
	int64_t start;

	tt_init(r, &a, 1);
	tt_init(r, &b, 2);
	tt_init(r, &c, 3);
	start = clock_now();
	tt_at(&a, start + 60);
	tt_at(&b, start + 20);
	tt_at(&c, start + 40);
	assert_int_equal(timer_deadline(b.t), start + 20);
	/* Armed timers keep the loop going; it ends when all have fired. */
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 3);
	assert_int_equal(r->fired[0], 2);
	assert_int_equal(r->fired[1], 3);
	assert_int_equal(r->fired[2], 1);
	assert_true(r->at[2] - start >= 60 && r->at[2] - start < 500);
	assert_false(timer_armed(a.t));
	assert_true(timer_deadline(a.t) == CLOCK_UNSET);
	timer_free(a.t);
	timer_free(b.t);
	timer_free(c.t);
}

static void
test_timer_cancelled_does_not_fire(void **state)
{
	struct run *r = *state;
	struct tt a, b, c, d;
	int64_t now = clock_now();

	tt_init(r, &a, 1);
	tt_init(r, &b, 2);
	tt_init(r, &c, 3);
	tt_init(r, &d, 4);
	tt_at(&a, now + 20);
	tt_at(&b, now + 40);
	tt_at(&c, now + 60);
	tt_at(&d, now + 30);
	/* Cancelled before the loop runs, and from another callback. */
	timer_cancel(d.t);
	assert_false(timer_armed(d.t));
	assert_true(timer_deadline(d.t) == CLOCK_UNSET);
	a.cancel = &b;
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 2);
	assert_int_equal(r->fired[0], 1);
	assert_int_equal(r->fired[1], 3);
	/* Cancelling what is not armed is harmless. */
	timer_cancel(b.t);
	timer_cancel(NULL);
	timer_free(a.t);
	timer_free(b.t);
	timer_free(c.t);
	timer_free(d.t);
}

static void
test_timer_past_deadline_fires_promptly(void **state)
{
	struct run *r = *state;
	struct tt a, b;
	int64_t start = clock_now();

	tt_init(r, &a, 1);
	tt_init(r, &b, 2);
	tt_at(&a, start - 5000);
	tt_at(&b, 0);
	assert_true(timer_armed(a.t));
	assert_int_equal(timer_deadline(a.t), start - 5000);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 2);
	assert_true(clock_now() - start < 50);
	timer_free(a.t);
	timer_free(b.t);
}

/*
 * Deadlines before boot (a token restored from a dump made before a
 * reboot) are due now, like any other past deadline; they used to disarm
 * the timerfd, after which no timer of the set ever fired again.
 */
static void
test_timer_deadline_before_boot_fires_and_later_ones_too(void **state)
{
	struct run *r = *state;
	struct tt a, b, c;
	int64_t start = clock_now();

	tt_init(r, &a, 1);
	tt_init(r, &b, 2);
	tt_init(r, &c, 3);
	tt_at(&a, -86400000);
	tt_at(&b, CLOCK_MIN);
	tt_at(&c, start + 30);
	assert_int_equal(timer_deadline(b.t), CLOCK_MIN);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 3);
	assert_int_equal(r->fired[0], 2);
	assert_int_equal(r->fired[1], 1);
	assert_int_equal(r->fired[2], 3);
	assert_true(r->at[1] - start < 50);
	assert_true(r->at[2] >= start + 30 && r->at[2] - start < 200);
	timer_free(a.t);
	timer_free(b.t);
	timer_free(c.t);
}

static void
test_timer_rearm_in_callback_fires_again(void **state)
{
	struct run *r = *state;
	struct tt a;
	int64_t start = clock_now();

	tt_init(r, &a, 1);
	a.rearm = 3;
	tt_at(&a, start + 10);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 4);
	assert_true(clock_now() - start >= 40);
	assert_false(timer_armed(a.t));
	timer_free(a.t);
}

static void
test_timer_rearm_replaces_the_deadline(void **state)
{
	struct run *r = *state;
	struct tt a;
	int64_t start = clock_now();

	tt_init(r, &a, 1);
	tt_at(&a, start + 20);
	tt_at(&a, start + 80);
	assert_int_equal(timer_deadline(a.t), start + 80);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 1);
	assert_true(r->at[0] >= start + 80);
	/* And an earlier deadline replaces a later one. */
	tt_at(&a, clock_now() + 10000);
	tt_at(&a, clock_now() + 10);
	start = clock_now();
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 2);
	assert_true(clock_now() - start < 1000);
	timer_free(a.t);
}

static void
test_timer_moved_while_due_waits_for_new_deadline(void **state)
{
	struct run *r = *state;
	struct tt a, b;
	int64_t start = clock_now();

	tt_init(r, &a, 1);
	tt_init(r, &b, 2);
	/*
	 * Both are due in the same loop iteration; whichever runs first
	 * pushes the other out, whose wake-up is then stale.
	 */
	tt_at(&a, 0);
	tt_at(&b, 0);
	a.move = &b;
	b.move = &a;
	usleep(10000);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 2);
	assert_true(r->at[1] - r->at[0] >= 100);
	assert_true(r->at[1] - start < 1000);
	timer_free(a.t);
	timer_free(b.t);
}

static void
test_timer_free_in_callback(void **state)
{
	struct run *r = *state;
	struct tt a, b;

	tt_init(r, &a, 1);
	tt_init(r, &b, 2);
	a.free_self = 1;
	tt_at(&a, clock_now() + 5);
	tt_at(&b, clock_now() + 20);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 2);
	assert_null(a.t);
	timer_free(b.t);
	timer_free(NULL);
}

static void
test_timer_unarmed_leaves_loop_idle(void **state)
{
	struct run *r = *state;
	struct tt a;
	int64_t start = clock_now();

	tt_init(r, &a, 1);
	assert_false(timer_armed(a.t));
	assert_true(timer_deadline(a.t) == CLOCK_UNSET);
	/* 1: nothing pending, so nothing will wake the loop. */
	assert_int_equal(event_base_dispatch(r->base), 1);
	tt_at(&a, clock_now() + 10000);
	timer_cancel(a.t);
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(r->nfired, 0);
	assert_true(clock_now() - start < 100);
	timer_free(a.t);
}

/* Ten thousand timers (an account has three) take one descriptor, and
 * still fire in deadline order. */
static void
test_timer_many_share_one_descriptor(void **state)
{
	struct run *r = *state;
	enum { N = 10000 };
	struct timer **ts = calloc(N, sizeof(*ts));
	int64_t *when = calloc(N, sizeof(*when)), now = clock_now();
	int fd, before, i;

	assert_non_null(ts);
	assert_non_null(when);
	before = dup(0);
	close(before);
	for (i = 0; i < N; i++) {
		/* Descending deadlines, so the heap has work to do. */
		when[i] = now + 5 + (N - i) / 500;
		ts[i] = timer_new(r->timers, count_fire, &when[i]);
		assert_non_null(ts[i]);
		timer_at(ts[i], when[i]);
	}
	fd = dup(0);
	close(fd);
	assert_int_equal(fd, before);
	fired_total = 0;
	last_deadline = 0;
	order_ok = 1;
	assert_int_equal(event_base_dispatch(r->base), 1);
	assert_int_equal(fired_total, N);
	assert_true(order_ok);
	for (i = 0; i < N; i++)
		timer_free(ts[i]);
	free(ts);
	free(when);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_timer_fires_in_deadline_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_cancelled_does_not_fire, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_past_deadline_fires_promptly, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_deadline_before_boot_fires_and_later_ones_too,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_rearm_in_callback_fires_again, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_rearm_replaces_the_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_moved_while_due_waits_for_new_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_free_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_unarmed_leaves_loop_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timer_many_share_one_descriptor, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
