/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Asking the pizauth daemon: the token for an account, named or matched by
 * user and host (the daemon's rule, daemon/server/match.h), with its expiry;
 * and a refresh when a server turned the token down.
 */
#ifndef GITCRED_DAEMON_H
#define GITCRED_DAEMON_H

#include "core/buf.h"
#include "core/err.h"


enum gitcred_answer {
	GITCRED_TOKEN,		/* the token is in the gitcred_token */
	GITCRED_PENDING,	/* not authorised: the URL is in the buffer */
	GITCRED_NO_ACCOUNT,	/* no account serves this user and host */
	GITCRED_FAILED,		/* err says why */
};

struct gitcred_token {
	char		*account;
	char		*token;		/* secret */
	long long	 expires;	/* Unix time; 0 if unknown */
};

#define GITCRED_TOKEN_INIT	{ NULL, NULL, 0 }

/* Wipe the token, free both strings, re-init. */
void	gitcred_daemon_token_clear(struct gitcred_token *t);

/* Parse the JSON of a details: reply into t. */
int	gitcred_daemon_parse(const char *json, size_t len,
	    struct gitcred_token *t, struct pz_err *err);

/*
 * Ask the daemon at sock for a token: account's if not NULL, else the one
 * account that serves user (may be NULL) and host; waiting up to secs for
 * the user to authorise.  On GITCRED_PENDING url holds what to visit
 * ("URL" or "URL using code CODE"; may be empty).
 */
enum gitcred_answer gitcred_daemon_token(const char *sock,
	    const char *account, const char *user, const char *host,
	    unsigned secs, struct gitcred_token *t, struct pz_buf *url,
	    struct pz_err *err);

/* Ask the daemon at sock to refresh account's token now. */
int	gitcred_daemon_refresh(const char *sock, const char *account,
	    struct pz_err *err);

#endif
