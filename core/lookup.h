/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * How adapters ask the daemon for a token: by account name, or by the user
 * and host an account serves (the daemon matches, daemon/server/match.h).
 * The request (showtoken_match, or token_details for the account and
 * expiry too) and what its reply means, shared by the SASL plugin, the git
 * helper and pizauth-passwordeval so all three speak one protocol.
 */
#ifndef PZ_LOOKUP_H
#define PZ_LOOKUP_H

#include <stddef.h>

#include "core/buf.h"

/* The daemon takes account=, user= and host= values shorter than this. */
#define PZ_LOOKUP_VALUE_MAX	256

struct pz_lookup {
	const char	*account;	/* wins over user and host */
	const char	*user;
	const char	*host;
	const char	*port;		/* sent as host:port unless host has
					   a ':' of its own */
	unsigned	 wait;		/* seconds to wait for the user */
	int		 details;	/* ask for the account and expiry too */
};

/* The request for q, appended to req.  Returns 0; 1 if a value cannot be
 * sent (empty, too long, a newline: no account can list it) or nothing
 * names an account; -1 if out of memory. */
int	pz_lookup_request(const struct pz_lookup *q, struct pz_buf *req);

enum pz_lookup_kind {
	PZ_LOOKUP_TOKEN,	/* token (and with details account, expires) */
	PZ_LOOKUP_PENDING,	/* text: the URL to visit, possibly empty;
				   account, if the daemon named it */
	PZ_LOOKUP_NOMATCH,	/* text: no account is meant */
	PZ_LOOKUP_AMBIGUOUS,	/* text: several accounts match */
	PZ_LOOKUP_ERROR,	/* text: the daemon's message */
	PZ_LOOKUP_MALFORMED,	/* not a reply the daemon gives */
	PZ_LOOKUP_NOMEM,
};

struct pz_lookup_reply {
	enum pz_lookup_kind	 kind;
	char			*token;		/* secret; a printable line */
	char			*account;	/* details, and pending if the
						   daemon names it */
	long long		 expires;	/* details: Unix time, 0 unknown */
	const char		*text;		/* points into the reply */
	size_t			 textlen;
};

#define PZ_LOOKUP_REPLY_INIT	{ PZ_LOOKUP_MALFORMED, NULL, NULL, 0, NULL, 0 }

/* What the reply (len bytes) says; strings are copied, text is not. */
enum pz_lookup_kind pz_lookup_parse(const char *reply, size_t len,
		    struct pz_lookup_reply *out);
/* The JSON body of a details: reply alone. */
enum pz_lookup_kind pz_lookup_details(const char *json, size_t len,
		    struct pz_lookup_reply *out);
/* Wipe the token, free the strings, re-init. */
void		 pz_lookup_reply_clear(struct pz_lookup_reply *r);

#endif
