/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The authorization code grant with PKCE (RFC 6749 4.1, RFC 7636, RFC 8252
 * loopback redirects): making the URL the user opens, and exchanging the
 * code the browser brings back for tokens.
 */
#ifndef PZD_AUTHFLOW_H
#define PZD_AUTHFLOW_H

#include "core/err.h"

#define AUTHFLOW_BROWSER_WAIT_MS	1000

struct account;
struct evhttp_request;

/* EMPTY or PENDING -> PENDING with a fresh state, verifier and URL. */
int	 authflow_start(struct account *a, struct pz_err *err);
/* The browser brought code back for PENDING account a.  It is answered
 * with the outcome once the token endpoint has answered, or after
 * AUTHFLOW_BROWSER_WAIT_MS, whichever comes first, that pizauth is
 * processing it: a slow token endpoint never holds the browser's page. */
void	 authflow_exchange(struct account *a, const char *code,
	    struct evhttp_request *browser);
/* The account's redirect_uri with its listener's port; caller frees. */
char	*authflow_redirect_uri(const struct account *a, struct pz_err *err);

#endif
