/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * One-shot timers on CLOCK_BOOTTIME.  libevent's own timers follow
 * CLOCK_MONOTONIC, which stops during suspend.  All of a daemon's timers
 * share one timerfd, armed for the earliest deadline in a heap, so ten
 * thousand accounts cost one descriptor, and a daemon with nothing due
 * sleeps: an unarmed timer costs nothing.
 */
#ifndef PZD_TIMER_H
#define PZD_TIMER_H

#include <stdint.h>

struct event_base;
struct timer;
struct timers;

typedef void (*timer_cb)(void *arg);

/* The set of timers of an event loop. */
struct timers	*timers_new(struct event_base *base);
/* Every timer of the set must have been freed first. */
void		 timers_free(struct timers *ts);

struct timer	*timer_new(struct timers *ts, timer_cb cb, void *arg);
/* Fire once at the boot instant `when` (ms, clock_now() scale); a deadline
 * in the past, before boot included, fires on the next loop iteration.
 * Re-arming replaces.  The callback may re-arm, cancel or free any timer,
 * itself included. */
void		 timer_at(struct timer *t, int64_t when);
void		 timer_cancel(struct timer *t);	/* NULL is a no-op */
int		 timer_armed(const struct timer *t);
/* When it is armed to fire, or CLOCK_UNSET. */
int64_t		 timer_deadline(const struct timer *t);
void		 timer_free(struct timer *t);	/* NULL is a no-op */

#endif
