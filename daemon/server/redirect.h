/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The loopback redirect listeners (RFC 8252 7.3): libevent's evhttp on
 * http_listen and, over TLS with a self-signed certificate, https_listen.
 * They accept only GET /?code=..&state=.. for a pending account whose
 * redirect_uri matches the request, with libevent's size and time limits.
 */
#ifndef PZD_REDIRECT_H
#define PZD_REDIRECT_H

#include <openssl/ssl.h>

#include "core/err.h"

struct evhttp_request;
struct redirect;
struct server;

/* Listen on listen ("host:port"); tls NULL for plain HTTP (the listener
 * takes a reference on tls). */
struct redirect	*redirect_new(struct server *srv, const char *listen,
		    SSL_CTX *tls, struct pz_err *err);
void		 redirect_free(struct redirect *r);
int		 redirect_port(const struct redirect *r);
/* Answer a browser with a small HTML page saying msg. */
void		 redirect_reply(struct evhttp_request *req, int code,
		    const char *reason, const char *msg);

#endif
