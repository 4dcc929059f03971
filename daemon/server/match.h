/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Which account serves a user and/or a host, for adapters (the SASL
 * plugin, the git helper, the passwordeval helper) that know those but
 * not an account name.  The rule lives here so every adapter agrees, and
 * it fails closed: a host comes from whoever wrote a link, a submodule or
 * a mail server's referral, and the user part of a URL comes from them
 * too, so neither may choose an account the user did not tie to it.
 *
 *  - a request that names a host is answered only by accounts that list
 *    that host in `hosts`;
 *  - a user narrows: an account that lists `users` or has a login_hint
 *    serves only those users; one with neither serves any user at its
 *    hosts;
 *  - a request with a user and no host is answered by the accounts that
 *    list that user (in `users` or as login_hint);
 *  - an account's name is a name, never a user or a host (an adapter
 *    that was told the account by name sends account=, which wins);
 *  - hosts compare case-insensitively and without a ":port" suffix,
 *    unless the account lists that exact "host:port".
 *
 * Exactly one candidate is an answer; none or several is an error that
 * says so, never a guess.
 */
#ifndef PZD_MATCH_H
#define PZD_MATCH_H

#include <stddef.h>

struct account;
struct server;

/* How many accounts serve user and host. */
size_t		 match_count(struct server *srv, const char *user,
		    const char *host);
/* The one account for user and host (either may be NULL, not both), or
 * NULL with a message in why (whylen bytes). */
struct account	*match_account(struct server *srv, const char *user,
		    const char *host, char *why, size_t whylen);

#endif
