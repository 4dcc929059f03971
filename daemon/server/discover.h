/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Provider discovery for accounts that name an `issuer`: the server fetches
 * ISSUER/.well-known/openid-configuration (else RFC 8414's
 * https://HOST/.well-known/oauth-authorization-server/PATH) at start and at
 * each reload, without blocking anything, and takes from it the endpoints
 * the configuration leaves out.  A network error, a 5xx or a 429 is
 * retried (DISCOVER_RETRY_MIN_S, doubling up to DISCOVER_RETRY_MAX_S,
 * never sooner than Retry-After); anything else (404 at both places, an
 * issuer mismatch, missing or non-https endpoints) is a configuration
 * error until the next reload.  Accounts with the same issuer share one
 * fetch.
 */
#ifndef PZD_DISCOVER_H
#define PZD_DISCOVER_H

struct account;
struct server;

#define DISCOVER_RETRY_MIN_S	10
#define DISCOVER_RETRY_MAX_S	(30 * 60)
/* How long a `show` waits for the first fetch before answering. */
#define DISCOVER_WAIT_S		5

enum endpoint {
	EP_AUTH,
	EP_TOKEN,
	EP_DEVICE,
	EP_REVOKE,
};

enum discover_state {
	DISCOVER_NONE,		/* the account names no issuer */
	DISCOVER_FIRST,		/* the first fetch is under way */
	DISCOVER_RETRYING,	/* it failed for now; see the error */
	DISCOVER_FAILED,	/* the configuration must change */
	DISCOVER_DONE,
};

/* (Re)start discovery for every account of srv->conf that names an
 * issuer, keeping what an unchanged issuer already found until its new
 * fetch succeeds.  Returns -1 only if out of memory. */
int		 discover_start(struct server *srv);
void		 discover_free(struct server *srv);

/* The endpoint a should use: the configuration's, else the discovered
 * one; NULL if neither is (yet) known. */
const char	*discover_endpoint(const struct account *a, enum endpoint e);
/* Where it came from: "config", "discovery" or NULL. */
const char	*discover_source(const struct account *a, enum endpoint e);
/* Where a's discovery stands, and why it is not done (NULL if it is). */
enum discover_state discover_state(const struct account *a);
const char	*discover_error(const struct account *a);

#endif
