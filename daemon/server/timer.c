/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* CLOCK_BOOTTIME timers: a binary heap of deadlines behind one timerfd. */
#include <sys/timerfd.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/server/clock.h"
#include "daemon/server/log.h"
#include "daemon/server/timer.h"

struct timers {
	struct event	*ev;
	int		 fd;		/* the timerfd */
	struct timer	**heap;		/* earliest deadline first */
	size_t		 n;
	size_t		 cap;
	int		 armed;		/* the timerfd is set */
	int64_t		 armed_for;	/* ... for this deadline */
	int		 watching;	/* ev is added (only while armed) */
	uint64_t	 seq;		/* ties fire in the order armed */
};

struct timer {
	struct timers	*ts;
	timer_cb	 cb;
	void		*arg;
	int64_t		 deadline;	/* boot ms, while armed */
	uint64_t	 seq;
	size_t		 idx;		/* in ts->heap; SIZE_MAX: unarmed */
};

static int
earlier(const struct timer *a, const struct timer *b)
{
	return a->deadline < b->deadline ||
	    (a->deadline == b->deadline && a->seq < b->seq);
}

static void
place(struct timers *ts, struct timer *t, size_t i)
{
	ts->heap[i] = t;
	t->idx = i;
}

static void
sift_up(struct timers *ts, size_t i)
{
	struct timer *t = ts->heap[i];

	while (i > 0 && earlier(t, ts->heap[(i - 1) / 2])) {
		place(ts, ts->heap[(i - 1) / 2], i);
		i = (i - 1) / 2;
	}
	place(ts, t, i);
}

static void
sift_down(struct timers *ts, size_t i)
{
	struct timer *t = ts->heap[i];
	size_t c;

	while ((c = 2 * i + 1) < ts->n) {
		if (c + 1 < ts->n && earlier(ts->heap[c + 1], ts->heap[c]))
			c++;
		if (!earlier(ts->heap[c], t))
			break;
		place(ts, ts->heap[c], i);
		i = c;
	}
	place(ts, t, i);
}

static void
heap_remove(struct timers *ts, struct timer *t)
{
	size_t i = t->idx;
	struct timer *last = ts->heap[--ts->n];

	t->idx = SIZE_MAX;
	if (i == ts->n)
		return;
	place(ts, last, i);
	sift_up(ts, i);
	sift_down(ts, last->idx);
}

/*
 * Point the timerfd at the earliest deadline, or disarm it.  Deadlines may
 * lie before boot (a token restored from before this boot): like every
 * deadline in the past they are due now, so the timerfd is set for the
 * earliest instant it can hold, 1 ms after boot (zero would disarm it).
 */
static void
rearm(struct timers *ts)
{
	struct itimerspec its;
	int64_t when;

	memset(&its, 0, sizeof(its));
	if (ts->n == 0) {
		if (ts->armed && timerfd_settime(ts->fd, TFD_TIMER_ABSTIME,
		    &its, NULL) == -1)
			log_warn("timerfd_settime");
		ts->armed = 0;
		/* Watch the fd only while something is due, so a loop with
		 * no other work can end (as libevent's own timers allow). */
		if (ts->watching) {
			event_del(ts->ev);
			ts->watching = 0;
		}
		return;
	}
	when = ts->heap[0]->deadline;
	if (when < 1)
		when = 1;
	if (!ts->armed || when != ts->armed_for) {
		its.it_value.tv_sec = when / 1000;
		its.it_value.tv_nsec = (when % 1000) * 1000000;
		if (timerfd_settime(ts->fd, TFD_TIMER_ABSTIME, &its, NULL) ==
		    -1)
			log_warn("timerfd_settime");
		ts->armed = 1;
		ts->armed_for = when;
	}
	if (!ts->watching)
		ts->watching = event_add(ts->ev, NULL) == 0;
}

static void
on_fire(evutil_socket_t fd, short events, void *arg)
{
	struct timers *ts = arg;
	struct timer *t;
	uint64_t count;
	int64_t now;

	if (read(fd, &count, sizeof(count)) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		log_warn("timer read");
	ts->armed = 0;	/* a fired timerfd is disarmed */
	now = clock_now();
	/* One at a time: a callback may arm, cancel or free any timer. */
	while (ts->n > 0 && ts->heap[0]->deadline <= now) {
		t = ts->heap[0];
		heap_remove(ts, t);
		t->cb(t->arg);
	}
	rearm(ts);
}

struct timers *
timers_new(struct event_base *base)
{
	struct timers *ts;

	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return NULL;
	if ((ts->fd = timerfd_create(CLOCK_BOOTTIME,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1) {
		log_warn("timerfd_create");
		free(ts);
		return NULL;
	}
	if ((ts->ev = event_new(base, ts->fd, EV_READ | EV_PERSIST, on_fire,
	    ts)) == NULL) {
		close(ts->fd);
		free(ts);
		return NULL;
	}
	return ts;
}

void
timers_free(struct timers *ts)
{
	if (ts == NULL)
		return;
	event_free(ts->ev);
	close(ts->fd);
	free(ts->heap);
	free(ts);
}

struct timer *
timer_new(struct timers *ts, timer_cb cb, void *arg)
{
	struct timer *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ts = ts;
	t->cb = cb;
	t->arg = arg;
	t->idx = SIZE_MAX;
	return t;
}

void
timer_at(struct timer *t, int64_t when)
{
	struct timers *ts = t->ts;
	struct timer **nh;
	size_t ncap;

	if (t->idx != SIZE_MAX)
		heap_remove(ts, t);
	if (ts->n == ts->cap) {
		ncap = ts->cap ? ts->cap * 2 : 16;
		if ((nh = realloc(ts->heap, ncap * sizeof(*nh))) == NULL) {
			log_warnx("timer: out of memory; deadline dropped");
			return;
		}
		ts->heap = nh;
		ts->cap = ncap;
	}
	t->deadline = when;
	t->seq = ts->seq++;
	place(ts, t, ts->n++);
	sift_up(ts, t->idx);
	rearm(ts);
}

void
timer_cancel(struct timer *t)
{
	if (t == NULL || t->idx == SIZE_MAX)
		return;
	heap_remove(t->ts, t);
	rearm(t->ts);
}

int
timer_armed(const struct timer *t)
{
	return t->idx != SIZE_MAX;
}

int64_t
timer_deadline(const struct timer *t)
{
	return t->idx != SIZE_MAX ? t->deadline : CLOCK_UNSET;
}

void
timer_free(struct timer *t)
{
	if (t == NULL)
		return;
	timer_cancel(t);
	free(t);
}
