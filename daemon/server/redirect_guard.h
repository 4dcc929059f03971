/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Bounds on a redirect listener's connections, which any local user can
 * open.  Together they keep the daemon's descriptors, memory and time
 * its own, whatever a flood of slow connections does:
 *
 *  - at most GUARD_MAX_CONNS connections at once (fewer under a low
 *    descriptor limit, so that GUARD_FD_RESERVE stay for the control
 *    socket and the rest), and GUARD_MAX_PER_PEER from one address; past
 *    either, the oldest connection whose request is still incomplete
 *    makes room (a browser sends its request at once, a slow client is
 *    the one that waits), and when none can, the listener pauses and the
 *    kernel queues the rest;
 *  - each request must arrive whole within GUARD_DEADLINE_S of its
 *    connection: a deadline for the whole request, which no trickle of
 *    bytes extends;
 *  - out of descriptors, the listener pauses for a second, not spins.
 *
 * A request handed to the daemon (on_request) is no longer bounded here:
 * the daemon answers it, and the answer closes the connection.
 */
#ifndef PZD_REDIRECT_GUARD_H
#define PZD_REDIRECT_GUARD_H

#include <openssl/ssl.h>

#define GUARD_MAX_CONNS		64
#define GUARD_MIN_CONNS		4
#define GUARD_MAX_PER_PEER	16
#define GUARD_DEADLINE_S	10
/* Descriptors kept for all but the redirect listeners. */
#define GUARD_FD_RESERVE	64

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct redirect_guard;

/* Guard the connections http accepts on bound; tls (may be NULL) makes
 * them TLS connections.  Call before the loop runs. */
struct redirect_guard *guard_new(struct event_base *base, struct evhttp *http,
		    struct evhttp_bound_socket *bound, SSL_CTX *tls);
/* Before evhttp_free() of the guarded server. */
void		 guard_free(struct redirect_guard *g);
/* req has arrived whole: the daemon answers it from now on. */
void		 guard_request_complete(struct redirect_guard *g,
		    struct evhttp_request *req);
/* How many connections are open. */
int		 guard_conns(const struct redirect_guard *g);

#endif
