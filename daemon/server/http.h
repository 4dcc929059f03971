/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Outgoing HTTP(S) requests through the libcurl multi interface on the
 * daemon's event loop (curl's hiperfifo.c model): nothing blocks.  Only
 * http and https, TLS verification always on, no redirects, bounded time
 * and response size.
 *
 * Requests to one origin (scheme, host, port) share a few connections:
 * HTTP_HOST_CONNECTIONS at first, doubling every HTTP_GROW_MS while
 * requests wait for one, up to HTTP_HOST_CONNECTIONS_MAX.  Waiting is
 * ours, not curl's, so HTTP_TIMEOUT_S bounds only what the provider does
 * (connecting, sending, answering) and an answer is never thrown away for
 * time spent in the queue; a request that waits HTTP_QUEUE_TIMEOUT_S for
 * a connection fails saying so.
 */
#ifndef PZD_HTTP_H
#define PZD_HTTP_H

#include <stddef.h>

#include "core/err.h"

struct event_base;
struct http;
struct http_req;

/* Responses larger than this are cut off and reported as an error. */
#define HTTP_MAX_RESPONSE	(1024 * 1024)
/* Requests in flight at once, to one origin and in all. */
#define HTTP_HOST_CONNECTIONS		8
#define HTTP_HOST_CONNECTIONS_MAX	64
#define HTTP_TOTAL_CONNECTIONS_MAX	256
#define HTTP_GROW_MS			500
/* A token endpoint that takes longer than this is treated as down. */
#define HTTP_TIMEOUT_S		30
#define HTTP_QUEUE_TIMEOUT_S	30

struct http_result {
	long		 status;	/* 0 if no HTTP response came */
	const char	*body;		/* NUL-terminated, possibly "" */
	size_t		 bodylen;
	const char	*retry_after;	/* the header's value or NULL */
	const char	*error;		/* why no response came, or NULL */
};

/* Called once from the loop when the request ends, never from within
 * http_post_form(); the result and its strings live until the callback
 * returns. */
typedef void (*http_cb)(const struct http_result *res, void *arg);

struct http	*http_new(struct event_base *base, struct pz_err *err);
/* Cancels what is in flight (no callbacks) and frees. */
void		 http_free(struct http *h);

/*
 * POST an application/x-www-form-urlencoded body made of fields, a
 * NULL-terminated list of name, value pairs (a NULL value skips that
 * pair).  The encoded body holds secrets and is wiped when done.  Returns
 * NULL, with err set, if the request could not be started.
 */
struct http_req	*http_post_form(struct http *h, const char *url,
		    const char *const *fields, http_cb cb, void *arg,
		    struct pz_err *err);
/* GET url (a provider's metadata), as above. */
struct http_req	*http_get(struct http *h, const char *url, http_cb cb,
		    void *arg, struct pz_err *err);
/* Abandon a request; its callback is not called. */
void		 http_cancel(struct http_req *r);

#endif
