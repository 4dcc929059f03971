/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Which account serves a user and/or a host, for adapters (the SASL
 * plugin, the git helper, the passwordeval helper) that know those but
 * not an account name.  The rule lives here so every adapter agrees:
 *
 *  - a user matches an account if it is in the account's `users`, equals
 *    its login_hint field, or equals its name;
 *  - a host matches an account if it is in the account's `hosts` or equals
 *    its name; an account that lists hosts never matches any other host,
 *    and one that does not is not restricted by host when a user matched;
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
