/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Matching a user and/or host to an account (the rule is in match.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/text.h"
#include "daemon/server/account.h"
#include "daemon/server/match.h"
#include "daemon/server/server.h"

/* Does the account list users (in users or as login_hint)? */
static int
lists_users(const struct pz_account *c)
{
	size_t i;

	if (c->nusers > 0)
		return 1;
	for (i = 0; i < c->nauth_uri_fields; i++)
		if (strcmp(c->auth_uri_fields[i].key, "login_hint") == 0)
			return 1;
	return 0;
}

/* Is user one of the users the account lists? */
static int
user_listed(const struct pz_account *c, const char *user)
{
	size_t i;

	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i], user) == 0)
			return 1;
	for (i = 0; i < c->nauth_uri_fields; i++)
		if (strcmp(c->auth_uri_fields[i].key, "login_hint") == 0 &&
		    strcmp(c->auth_uri_fields[i].val, user) == 0)
			return 1;
	return 0;
}

/* The length of host without a ":port" suffix (IPv6 in brackets kept). */
static size_t
host_len(const char *host)
{
	const char *colon = strrchr(host, ':');

	if (colon == NULL || strchr(colon, ']') != NULL ||
	    (host[0] != '[' && strchr(host, ':') != colon))
		return strlen(host);
	return (size_t)(colon - host);
}

/* Is host one of the account's hosts? */
static int
host_listed(const struct pz_account *c, const char *host)
{
	size_t i, n = host_len(host);

	for (i = 0; i < c->nhosts; i++) {
		/* An exact host:port entry wins; otherwise ports are
		 * ignored. */
		if (strcasecmp(c->hosts[i], host) == 0)
			return 1;
		if (strlen(c->hosts[i]) == n &&
		    strncasecmp(c->hosts[i], host, n) == 0)
			return 1;
	}
	return 0;
}

static int
matches(const struct pz_account *c, const char *user, const char *host)
{
	if (host != NULL)
		return host_listed(c, host) &&
		    (user == NULL || !lists_users(c) || user_listed(c, user));
	return user != NULL && user_listed(c, user);
}

size_t
match_count(struct server *srv, const char *user, const char *host)
{
	size_t i, n = 0;

	for (i = 0; i < srv->naccounts; i++)
		n += matches(srv->accounts[i]->conf, user, host);
	return n;
}

struct account *
match_account(struct server *srv, const char *user, const char *host,
    char *why, size_t whylen)
{
	struct account *found = NULL;
	size_t i, nfound = 0, len;
	char u[128], h[128];

	for (i = 0; i < srv->naccounts; i++) {
		if (!matches(srv->accounts[i]->conf, user, host))
			continue;
		found = srv->accounts[i];
		nfound++;
	}
	if (nfound == 1)
		return found;
	if (nfound == 0) {
		/* The request's words go back to an adapter's log: safe. */
		if (user != NULL)
			pz_text_safe(user, strlen(user), u, sizeof(u));
		if (host != NULL)
			pz_text_safe(host, strlen(host), h, sizeof(h));
		if (host == NULL)
			snprintf(why, whylen, "No account lists user '%s'", u);
		else if (user == NULL)
			snprintf(why, whylen, "No account lists host '%s'", h);
		else
			snprintf(why, whylen, "No account lists host '%s' for "
			    "user '%s'", h, u);
		return NULL;
	}
	len = (size_t)snprintf(why, whylen,
	    "Several accounts match; name one of:");
	for (i = 0; i < srv->naccounts && len < whylen; i++)
		if (matches(srv->accounts[i]->conf, user, host))
			len += (size_t)snprintf(why + len, whylen - len, " %s",
			    account_name(srv->accounts[i]));
	return NULL;
}
