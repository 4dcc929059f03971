/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Control clients waiting for an account's token or URL. */
#include <stdlib.h>

#include "core/buf.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/control.h"
#include "daemon/server/device.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"
#include "daemon/server/wait.h"

struct waiter {
	struct account		*a;
	struct ctl_conn		*conn;
	enum wait_for		 what;
	int			 how;		/* CTL_WITH_URL, CTL_DETAILS */
	struct timer		*timer;		/* at the deadline */
	struct waiter		*next;
};

static void
unlink_waiter(struct waiter *w)
{
	struct waiter **pp;

	for (pp = &w->a->waiters; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
}

/* Answer w with reply and forget it. */
static void
answer(struct waiter *w, const struct pz_buf *reply)
{
	unlink_waiter(w);
	timer_free(w->timer);
	control_answer(w->conn, reply->data, reply->len);
	free(w);
}

/* Answer w with what `showtoken` says now. */
static void
answer_now(struct waiter *w)
{
	struct pz_buf reply = PZ_BUF_INIT;

	/* Off the list first: making the reply may start an authorisation,
	 * which updates the account's waiters. */
	unlink_waiter(w);
	control_token_reply(w->a, w->how, &reply);
	answer(w, &reply);
	pz_buf_clear(&reply);
}

static void
on_deadline(void *arg)
{
	answer_now(arg);
}

/* A killed `show -w 600` must not hold a descriptor for ten minutes. */
static void
on_hangup(void *arg)
{
	struct waiter *w = arg;

	unlink_waiter(w);
	timer_free(w->timer);
	control_drop(w->conn);
	free(w);
}

int
wait_add(struct account *a, struct ctl_conn *conn, enum wait_for what,
    int how, unsigned secs)
{
	struct waiter *w;

	/* The deadline counts across a suspend, as every other one does. */
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->timer = timer_new(a->srv->timers, on_deadline, w)) == NULL ||
	    control_on_hangup(conn, on_hangup, w) == -1) {
		if (w != NULL)
			timer_free(w->timer);
		free(w);
		return -1;
	}
	w->a = a;
	w->conn = conn;
	w->what = what;
	w->how = how;
	w->next = a->waiters;
	a->waiters = w;
	timer_at(w->timer, clock_after(clock_now(),
	    secs > WAIT_MAX_S ? WAIT_MAX_S : secs));
	return 0;
}

void
wait_update(struct account *a)
{
	struct waiter *w, *next;

	for (w = a->waiters; w != NULL; w = next) {
		next = w->next;
		if (account_token_valid(a) ||
		    (w->what == WAIT_URL && a->state == TOK_PENDING &&
		    a->url != NULL))
			answer_now(w);
	}
}

void
wait_discovered(struct account *a)
{
	struct waiter *w, *next;

	/* Those who waited, with `show -w` too, asked for the authorisation
	 * that could not start before. */
	if (a->waiters != NULL)
		control_token_start(a);
	for (w = a->waiters; w != NULL; w = next) {
		next = w->next;
		if (w->what != WAIT_DISCOVERY)
			continue;
		/* A device code is being asked for: wait on for it. */
		if (device_requesting(a))
			w->what = WAIT_URL;
		else
			answer_now(w);
	}
}

void
wait_fail(struct account *a, const char *msg)
{
	struct pz_buf reply = PZ_BUF_INIT;

	pz_buf_printf(&reply, "error:%s", msg);
	while (a->waiters != NULL)
		answer(a->waiters, &reply);
	pz_buf_clear(&reply);
}

void
wait_free_all(struct account *a)
{
	wait_fail(a, "Account changed or removed by a reload");
}
