/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Token endpoint responses (RFC 6749 sections 5.1 and 5.2): parsing and
 * classifying them.  The daemon feeds in the HTTP status, the Retry-After
 * header and the body; this module says whether a token came back, and if
 * not, whether trying again later may help.
 */
#ifndef PZ_TOKEN_H
#define PZ_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* error and error_description are cut to this many bytes (with NUL) and
 * have control characters replaced, so they are safe to log. */
#define PZ_TOKEN_TEXT_MAX	512
/* A longer body is treated as unparseable; callers should cap sooner. */
#define PZ_TOKEN_BODY_MAX	(1024 * 1024)
/* expires_in and Retry-After are clamped to this, so that adding either to
 * the current time cannot overflow. */
#define PZ_TOKEN_SECS_MAX	INT32_MAX

enum pz_token_outcome {
	PZ_TOKEN_OK,		/* access_token and friends are set */
	PZ_TOKEN_TRANSIENT,	/* 408, 429, 5xx, temporarily_unavailable,
				   server_error, an unparseable 2xx body:
				   retry later and keep what we have */
	PZ_TOKEN_REAUTH,	/* invalid_grant: the grant is gone, the user
				   must authorise again */
	PZ_TOKEN_CONFIG,	/* invalid_client, unauthorized_client,
				   invalid_scope, unsupported_grant_type:
				   the configuration is wrong */
	PZ_TOKEN_PERMANENT,	/* anything else that failed */
};

enum pz_refresh_token {
	PZ_RT_ABSENT,		/* no "refresh_token" key: keep the old one */
	PZ_RT_SET,		/* a new one: rotate */
	PZ_RT_CLEARED,		/* present but not a string (or ""):
				   forget it */
};

struct pz_token_resp {
	enum pz_token_outcome	 outcome;
	char			*access_token;	/* OK only */
	char			*refresh_token;	/* PZ_RT_SET only */
	enum pz_refresh_token	 refresh;
	int64_t			 expires_in;	/* seconds, -1 if absent */
	char			*error;		/* RFC 6749 error code */
	char			*error_description;
	int64_t			 retry_after;	/* seconds, -1 if none */
	char			 msg[512];	/* for people; never a secret */
};

#define PZ_TOKEN_RESP_INIT { PZ_TOKEN_PERMANENT, NULL, NULL, PZ_RT_ABSENT, \
	-1, NULL, NULL, -1, "" }

/*
 * Classify a response.  http_status is the HTTP status code; retry_after is
 * the raw Retry-After header value or NULL.  Always fills out (free it with
 * pz_token_resp_clear()); returns out->outcome.
 */
enum pz_token_outcome pz_token_parse(long http_status, const char *retry_after,
			    const char *body, size_t bodylen,
			    struct pz_token_resp *out);
/* Seconds to wait from a Retry-After value (delay-seconds or an HTTP-date,
 * RFC 9110 section 10.2.3) at time now; -1 if value is NULL or invalid. */
int64_t		 pz_token_retry_after(const char *value, time_t now);
/* Wipe and free the strings in r and reset it. */
void		 pz_token_resp_clear(struct pz_token_resp *r);
/* A short name for an outcome, for logs ("transient", ...). */
const char	*pz_token_outcome_str(enum pz_token_outcome o);

#endif
