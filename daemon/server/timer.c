/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* One-shot CLOCK_BOOTTIME timers: a timerfd watched by a libevent event. */
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

struct timer {
	struct event	*ev;		/* pending only while armed */
	int		 fd;		/* the timerfd */
	timer_cb	 cb;
	void		*arg;
	int64_t		 deadline;	/* boot ms, while armed */
	int		 armed;
};

static void
timer_disarm(struct timer *t)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (timerfd_settime(t->fd, 0, &its, NULL) == -1)
		log_warn("timerfd_settime");
	event_del(t->ev);
	t->armed = 0;
}

static void
timer_fire(evutil_socket_t fd, short events, void *arg)
{
	struct timer *t = arg;
	uint64_t n;
	timer_cb cb;
	void *cbarg;

	/*
	 * Re-arming resets the count, so EAGAIN means an earlier callback in
	 * this loop iteration moved the deadline: the wake-up is stale.
	 */
	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("timer read");
		return;
	}
	event_del(t->ev);
	t->armed = 0;
	cb = t->cb;
	cbarg = t->arg;
	/* The callback may re-arm or free t: nothing touches it after. */
	cb(cbarg);
}

struct timer *
timer_new(struct event_base *base, timer_cb cb, void *arg)
{
	struct timer *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warn("timer_new");
		return NULL;
	}
	t->cb = cb;
	t->arg = arg;
	t->fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd == -1) {
		log_warn("timerfd_create");
		free(t);
		return NULL;
	}
	t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST, timer_fire, t);
	if (t->ev == NULL) {
		log_warnx("timer_new: event_new failed");
		close(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

void
timer_at(struct timer *t, int64_t when)
{
	struct itimerspec its;
	int flags = 0;

	memset(&its, 0, sizeof(its));
	if (when <= clock_now()) {
		/* Zero would disarm; the smallest relative value fires now. */
		its.it_value.tv_nsec = 1;
	} else {
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000L;
		flags = TFD_TIMER_ABSTIME;
	}
	if (timerfd_settime(t->fd, flags, &its, NULL) == -1) {
		log_warn("timerfd_settime");
		timer_disarm(t);
		return;
	}
	if (event_add(t->ev, NULL) == -1) {
		log_warnx("timer_at: event_add failed");
		timer_disarm(t);
		return;
	}
	t->deadline = when;
	t->armed = 1;
}

void
timer_cancel(struct timer *t)
{
	if (t != NULL && t->armed)
		timer_disarm(t);
}

int
timer_armed(const struct timer *t)
{
	return t->armed;
}

int64_t
timer_deadline(const struct timer *t)
{
	return t->armed ? t->deadline : -1;
}

void
timer_free(struct timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	close(t->fd);
	free(t);
}
