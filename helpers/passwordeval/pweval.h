/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth-passwordeval: a token for msmtp's passwordeval and isync's
 * PassCmd.  pweval_ask.c asks the daemon (showtoken_match, by account name
 * or by user/host as the daemon matches them: a plain access_token: reply,
 * so a call costs no more than `pizauth show`); pweval_format.c turns the
 * token into the line to print.  main.c parses options and prints.
 */
#ifndef PWEVAL_H
#define PWEVAL_H

#include <sysexits.h>

#include "core/buf.h"
#include "core/err.h"

/* The exit statuses, documented in pizauth-passwordeval(1). */
enum pweval_status {
	PWEVAL_OK = 0,			/* printed a token */
	PWEVAL_FAILED = 1,		/* the daemon refused for another reason */
	PWEVAL_USAGE = EX_USAGE,	/* 64: bad arguments */
	PWEVAL_NO_ACCOUNT = EX_NOUSER,	/* 67: no such account, no match */
	PWEVAL_NOT_RUNNING = EX_UNAVAILABLE,	/* 69: no daemon answers */
	PWEVAL_PENDING = EX_TEMPFAIL,	/* 75: not authorised (yet) */
};

/* What to ask for: an account by name, else by user and/or host. */
struct pweval_query {
	const char	*account;	/* NULL: match by user/host */
	const char	*user;		/* NULL if unknown */
	const char	*host;		/* NULL if unknown */
	const char	*port;		/* NULL if unknown; digits */
	unsigned	 wait;		/* seconds the daemon may wait */
};

/* The showtoken_match request for q into req.  -1 (with err) if a field
 * cannot be sent (a newline in it) or nothing names an account. */
int	pweval_ask_request(const struct pweval_query *q, struct pz_buf *req,
	    struct pz_err *err);
/* Classify the daemon's reply: PWEVAL_OK with *token (free with
 * pz_secret_free), else a status and the reason in err. */
enum pweval_status pweval_ask_reply(const char *reply, size_t len,
	    char **token, struct pz_err *err);
/* Both, with the call to the daemon in between. */
enum pweval_status pweval_ask(const struct pweval_query *q, char **token,
	    struct pz_err *err);

enum pweval_format {
	PWEVAL_FMT_TOKEN,	/* the access token as it is */
	PWEVAL_FMT_XOAUTH2,	/* base64 "user=U^Aauth=Bearer T^A^A" */
	PWEVAL_FMT_OAUTHBEARER,	/* base64 RFC 7628 initial client response */
};

/* Parse "token", "xoauth2" or "oauthbearer"; -1 if none of them. */
int	pweval_format_parse(const char *s, enum pweval_format *fmt);
/* The line to print for token (without the newline) into out.  XOAUTH2
 * needs q->user; OAUTHBEARER sends host and port if q has them. */
int	pweval_format(enum pweval_format fmt, const struct pweval_query *q,
	    const char *token, struct pz_buf *out, struct pz_err *err);

#endif
