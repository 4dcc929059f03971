/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Whether a browser's request comes back where an account's redirect URI
 * points, checked as pizauth 1.1.0 checks it: one valid Host header (RFC
 * 9112 section 3.2), then scheme, host, port and path equal to the
 * redirect URI's (its port the listener's), and the redirect URI's own
 * query parameters among the request's.
 */
#ifndef PZD_REDIRECT_MATCH_H
#define PZD_REDIRECT_MATCH_H

struct account;
struct evhttp_request;

/* The request's Host header, or NULL if it has none, several, or one that
 * is no host[:port]: such a request is malformed (400). */
const char	*redirect_host(struct evhttp_request *req);
/* Does req, which arrived on a listener with (tls) or without TLS and
 * names host, come back to a's redirect URI? */
int		 redirect_matches(const struct account *a, int tls,
		    const char *host, struct evhttp_request *req);

#endif
