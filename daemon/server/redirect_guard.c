/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Bounding the redirect listeners' connections (the rules are in
 * redirect_guard.h).
 *
 * libevent 2.1's evhttp accepts by itself and tells no one of a new
 * connection; it only asks the bevcb for the connection's bufferevent, and
 * then makes that bufferevent's callbacks its own, with the connection as
 * their argument.  So the guard makes the bufferevent, holds a reference
 * to it for the rest of that turn of the loop, and then adopts the
 * connection: it reads the connection back from the callback argument
 * (or sees that evhttp has already let it go), and from then on learns of
 * its end through evhttp_connection_set_closecb().  (libevent 2.2 has
 * evhttp_set_newreqcb() for this.)
 */
#include <sys/queue.h>
#include <sys/resource.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon/server/log.h"
#include "daemon/server/memory.h"
#include "daemon/server/redirect_guard.h"

/* Why the listener is not accepting. */
#define PAUSE_FULL	0x1	/* every connection's request is being answered */
#define PAUSE_EMFILE	0x2	/* out of descriptors: try again in a second */

enum gstate {
	G_NEWBORN,	/* made in the bevcb, not yet adopted */
	G_READING,	/* its request is not whole yet */
	G_ANSWERING,	/* handed to the daemon */
};

struct gconn {
	struct redirect_guard	*g;
	enum gstate		 state;
	struct bufferevent	*bev;		/* G_NEWBORN: referenced */
	struct evhttp_connection *evcon;	/* once adopted */
	struct event		*deadline;
	char			 peer[64];	/* the client's address */
	TAILQ_ENTRY(gconn)	 entry;		/* oldest first */
};

struct redirect_guard {
	struct event_base	*base;
	struct evconnlistener	*listener;
	SSL_CTX			*tls;
	struct event		*adopt;		/* newborns are waiting */
	struct event		*resume;	/* after PAUSE_EMFILE */
	TAILQ_HEAD(, gconn)	 conns;
	int			 n;
	int			 max_conns;	/* GUARD_MAX_CONNS or fewer */
	int			 max_per_peer;
	int			 paused;	/* PAUSE_* bits */
	int			 was_full;	/* since memory was last given back */
	/* Connections closed since last said, and when that was: a flood
	 * must not flood the log. */
	unsigned		 closed_slow, closed_room;
	struct timeval		 said;
	SLIST_ENTRY(redirect_guard) live;
};

/* Say what the guard closed at most once in this many seconds. */
#define REPORT_EVERY_S	10

/*
 * The listener's error callback gets the evhttp as its argument, never
 * ours; the live guards are found by their listener.  There are two at
 * most, the HTTP and the HTTPS listener's.
 */
static SLIST_HEAD(, redirect_guard) guards = SLIST_HEAD_INITIALIZER(guards);

static void
pause_set(struct redirect_guard *g, int why, int on)
{
	int was = g->paused;

	g->paused = on ? g->paused | why : g->paused & ~why;
	if (was == 0 && g->paused != 0)
		evconnlistener_disable(g->listener);
	else if (was != 0 && g->paused == 0)
		evconnlistener_enable(g->listener);
}

/* Tell of closed connections, if REPORT_EVERY_S has passed (or force). */
static void
report(struct redirect_guard *g, int force)
{
	struct timeval now;

	if (g->closed_slow == 0 && g->closed_room == 0)
		return;
	event_base_gettimeofday_cached(g->base, &now);
	if (!force && now.tv_sec - g->said.tv_sec < REPORT_EVERY_S)
		return;
	log_info("redirect: closed %u connection(s) whose request was not "
	    "whole in %d s and %u to make room for newer ones",
	    g->closed_slow, GUARD_DEADLINE_S, g->closed_room);
	g->closed_slow = g->closed_room = 0;
	g->said = now;
}

static void
conn_unlink(struct gconn *c)
{
	struct redirect_guard *g = c->g;

	TAILQ_REMOVE(&g->conns, c, entry);
	g->n--;
	event_free(c->deadline);
	free(c);
}

/* evhttp is closing the connection, whoever decided so. */
static void
on_close(struct evhttp_connection *evcon, void *arg)
{
	struct gconn *c = arg;
	struct redirect_guard *g = c->g;

	conn_unlink(c);
	if (g->n <= g->max_conns)
		pause_set(g, PAUSE_FULL, 0);
	/* A flood's connections cost memory malloc keeps: give it back. */
	if (g->n == 0 && g->was_full) {
		g->was_full = 0;
		memory_trim();
	}
	report(g, g->n == 0);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct gconn *c = arg;

	if (c->state != G_READING)
		return;
	c->g->closed_slow++;
	evhttp_connection_free(c->evcon);
}

/* Close the oldest connection (of peer, if not NULL) still reading its
 * request.  Returns -1 if there is none. */
static int
evict_oldest(struct redirect_guard *g, const char *peer)
{
	struct gconn *c;

	TAILQ_FOREACH(c, &g->conns, entry) {
		if (c->state == G_READING &&
		    (peer == NULL || strcmp(c->peer, peer) == 0)) {
			g->closed_room++;
			evhttp_connection_free(c->evcon);
			return 0;
		}
	}
	return -1;
}

static int
peer_count(const struct redirect_guard *g, const char *peer)
{
	const struct gconn *c;
	int n = 0;

	TAILQ_FOREACH(c, &g->conns, entry)
		n += c->state != G_NEWBORN && strcmp(c->peer, peer) == 0;
	return n;
}

/* Take over newborn c, now that evhttp has set it up (or let it go). */
static void
adopt_one(struct gconn *c)
{
	struct bufferevent *bev = c->bev;
	bufferevent_data_cb readcb;
	char *addr = NULL;
	ev_uint16_t port;
	void *arg;

	bufferevent_getcb(bev, &readcb, NULL, NULL, &arg);
	c->bev = NULL;
	if (readcb == NULL) {
		/* evhttp failed to set it up, or has already freed it: ours
		 * is the last reference. */
		conn_unlink(c);
		bufferevent_decref(bev);
		return;
	}
	c->evcon = arg;
	c->state = G_READING;
	evhttp_connection_set_closecb(c->evcon, on_close, c);
	evhttp_connection_get_peer(c->evcon, &addr, &port);
	if (addr != NULL && strlen(addr) < sizeof(c->peer))
		strcpy(c->peer, addr);
	bufferevent_decref(bev);
	if (peer_count(c->g, c->peer) > c->g->max_per_peer)
		evict_oldest(c->g, c->peer);
}

static void
on_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct redirect_guard *g = arg;
	struct gconn *c, *next;

	/* Eviction only closes connections older than c, never next. */
	for (c = TAILQ_FIRST(&g->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == G_NEWBORN)
			adopt_one(c);
	}
	while (g->n > g->max_conns && evict_oldest(g, NULL) == 0)
		;
	if (g->n <= g->max_conns)
		pause_set(g, PAUSE_FULL, 0);
}

/* evhttp's bevcb: each new connection's bufferevent, made here. */
static struct bufferevent *
make_bev(struct event_base *base, void *arg)
{
	struct redirect_guard *g = arg;
	struct timeval tv = { GUARD_DEADLINE_S, 0 };
	struct bufferevent *bev;
	struct gconn *c;
	SSL *ssl;

	if (g->tls != NULL) {
		if ((ssl = SSL_new(g->tls)) == NULL)
			return NULL;
		/* Frees ssl if it fails. */
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->deadline = evtimer_new(g->base, on_deadline, c)) == NULL) {
		/* Out of memory: an unguarded connection, as evhttp's own. */
		free(c);
		return bev;
	}
	c->g = g;
	c->state = G_NEWBORN;
	c->bev = bev;
	bufferevent_incref(bev);
	evtimer_add(c->deadline, &tv);
	TAILQ_INSERT_TAIL(&g->conns, c, entry);
	/* One over the limit stops the accepting until adoption makes
	 * room: evconnlistener accepts in a loop while it is enabled. */
	if (++g->n > g->max_conns) {
		g->was_full = 1;
		pause_set(g, PAUSE_FULL, 1);
	}
	event_active(g->adopt, EV_TIMEOUT, 1);
	return bev;
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	pause_set(arg, PAUSE_EMFILE, 0);
}

static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval tv = { 1, 0 };
	struct redirect_guard *g;
	int err = errno;

	SLIST_FOREACH(g, &guards, live)
		if (g->listener == lev)
			break;
	if (g == NULL || (err != EMFILE && err != ENFILE)) {
		errno = err;
		log_warn("redirect: accept");
		return;
	}
	if (!(g->paused & PAUSE_EMFILE))
		log_warnx("redirect: out of descriptors; not accepting "
		    "connections for a second");
	pause_set(g, PAUSE_EMFILE, 1);
	evtimer_add(g->resume, &tv);
}

/*
 * The two listeners together may hold half the descriptors the daemon has
 * beyond a reserve for everything else (the control socket's clients,
 * token requests, hooks): whatever its limit, a flood leaves the control
 * socket room.
 */
static int
conns_allowed(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return GUARD_MAX_CONNS;
	n = rl.rlim_cur > GUARD_FD_RESERVE ?
	    (rl.rlim_cur - GUARD_FD_RESERVE) / 4 : 0;
	if (n < GUARD_MIN_CONNS)
		return GUARD_MIN_CONNS;
	return n > GUARD_MAX_CONNS ? GUARD_MAX_CONNS : (int)n;
}

struct redirect_guard *
guard_new(struct event_base *base, struct evhttp *http,
    struct evhttp_bound_socket *bound, SSL_CTX *tls)
{
	struct redirect_guard *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->base = base;
	g->max_conns = conns_allowed();
	g->max_per_peer = g->max_conns < GUARD_MAX_PER_PEER ? g->max_conns :
	    GUARD_MAX_PER_PEER;
	g->tls = tls;
	g->listener = evhttp_bound_socket_get_listener(bound);
	TAILQ_INIT(&g->conns);
	if ((g->adopt = event_new(base, -1, 0, on_adopt, g)) == NULL ||
	    (g->resume = evtimer_new(base, on_resume, g)) == NULL) {
		guard_free(g);
		return NULL;
	}
	SLIST_INSERT_HEAD(&guards, g, live);
	evconnlistener_set_error_cb(g->listener, on_accept_error);
	evhttp_set_bevcb(http, make_bev, g);
	return g;
}

void
guard_free(struct redirect_guard *g)
{
	struct redirect_guard *l;
	struct gconn *c;

	if (g == NULL)
		return;
	/* evhttp_free() closes the connections next: it must not tell us. */
	while ((c = TAILQ_FIRST(&g->conns)) != NULL) {
		if (c->state == G_NEWBORN)
			bufferevent_decref(c->bev);
		else
			evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		conn_unlink(c);
	}
	SLIST_FOREACH(l, &guards, live)
		if (l == g) {
			SLIST_REMOVE(&guards, g, redirect_guard, live);
			break;
		}
	if (g->adopt != NULL)
		event_free(g->adopt);
	if (g->resume != NULL)
		event_free(g->resume);
	free(g);
}

void
guard_request_complete(struct redirect_guard *g, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct gconn *c;

	TAILQ_FOREACH(c, &g->conns, entry) {
		if (c->evcon == evcon && c->state == G_READING) {
			c->state = G_ANSWERING;
			evtimer_del(c->deadline);
			return;
		}
	}
}

int
guard_conns(const struct redirect_guard *g)
{
	return g->n;
}
