/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * One-shot timers on CLOCK_BOOTTIME, as libevent events (a timerfd each).
 * libevent's own timers follow CLOCK_MONOTONIC, which stops during suspend.
 * A timer that is not armed costs nothing: the daemon sleeps until the next
 * armed deadline.
 */
#ifndef PZD_TIMER_H
#define PZD_TIMER_H

#include <stdint.h>

struct event_base;
struct timer;

typedef void (*timer_cb)(void *arg);

struct timer	*timer_new(struct event_base *base, timer_cb cb, void *arg);
/* Fire once at the boot instant `when` (ms, clock_now() scale); a deadline
 * in the past fires on the next loop iteration.  Re-arming replaces. */
void		 timer_at(struct timer *t, int64_t when);
void		 timer_cancel(struct timer *t);
int		 timer_armed(const struct timer *t);
/* When it is armed to fire, or -1. */
int64_t		 timer_deadline(const struct timer *t);
void		 timer_free(struct timer *t);	/* NULL is a no-op */

#endif
