/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * An account and its token state machine.  All transitions happen here;
 * other modules ask for them.
 *
 *   EMPTY ---account_pending()---> PENDING     (authorisation URL made;
 *     ^                              |  |       auth_notify_cmd runs now
 *     |                              |  |       and every interval)
 *     |    account_pending() again --+  |      (refresh: a fresh URL)
 *     |                                 |
 *     +--account_clear()-- PENDING      +--account_activate()--> ACTIVE
 *     |   (code exchange failed,            (token_new)
 *     |    revoke, reload changed it)
 *     |
 *     +--account_clear()-- ACTIVE <--account_activate()-- ACTIVE
 *         (permanent refresh failure:       (refreshed: token_refreshed;
 *          token_invalidated; revoke:        a new refresh token rotates,
 *          token_revoked; no refresh          none keeps the old one)
 *          token at expiry)
 *
 * ACTIVE also carries a refresh in flight (req != NULL), the count of
 * consecutive transient failures and when to retry.  restore may turn an
 * EMPTY or PENDING account ACTIVE, never replace an ACTIVE one.  reload keeps
 * the state of an account whose security-relevant settings are unchanged
 * and gives a changed one a fresh EMPTY state.
 *
 * Every transition cancels what belonged to the old state (timers, the
 * request in flight, a browser waiting for the code exchange), so no
 * callback ever acts on a state that has moved on.
 */
#ifndef PZD_ACCOUNT_H
#define PZD_ACCOUNT_H

#include <stdint.h>

struct evhttp_request;
struct http_req;
struct pz_account;
struct server;
struct timer;
struct waiter;

enum tokstate {
	TOK_EMPTY,
	TOK_PENDING,
	TOK_ACTIVE,
};

/* How a PENDING account is being authorised: which of its PENDING members
 * are set.  Lookups check this, never whether a member happens to be NULL. */
enum authflow {
	FLOW_NONE,	/* not PENDING */
	FLOW_CODE,	/* state_param, verifier, url */
	FLOW_DEVICE,	/* device_code, user_code, url, notify_url */
};

struct account {
	struct server		*srv;
	const struct pz_account	*conf;		/* in srv->conf */
	enum tokstate		 state;

	/* TOK_PENDING */
	enum authflow		 flow;
	char			*state_param;	/* OAuth `state` */
	char			*verifier;	/* PKCE code verifier */
	char			*url;		/* authorisation URL */
	int64_t			 last_notified;	/* boot ms, or CLOCK_UNSET */
	struct evhttp_request	*browser;	/* waiting for the exchange */
	struct timer		*browser_timer;	/* ...but not for long */

	/* TOK_ACTIVE */
	char			*access_token;
	char			*refresh_token;	/* NULL if none */
	int64_t			 obtained;	/* boot ms */
	int64_t			 expiry;	/* boot ms */
	int			 expiry_known;	/* 0: the provider did not say */
	int64_t			 last_refresh_attempt;	/* or CLOCK_UNSET */
	unsigned		 transient_fails;
	int64_t			 retry_at;	/* CLOCK_UNSET: on schedule */
	unsigned		 short_lived;	/* tokens in a row that lived
						   < REFRESH_SHORT_LIFE_S */
	uint32_t		 spread;	/* this token's draw for
						   spread_refresh() */
	int			 judging;	/* transient_error_if_cmd runs */

	/* TOK_PENDING through the device flow (RFC 8628) */
	char			*device_code;
	char			*user_code;
	char			*notify_url;	/* verification_uri(_complete) */
	int64_t			 poll_interval;	/* seconds */
	int64_t			 device_expiry;	/* boot ms */

	char			*last_error;	/* for status; NULL if none */
	int			 error_is_config; /* the config must change */
	struct waiter		*waiters;	/* control clients waiting */
	struct http_req		*req;		/* token request in flight */
	/* Made on first use (account_timer_at()); NULL until then. */
	struct timer		*refresh_timer;
	struct timer		*notify_timer;
	struct timer		*poll_timer;	/* device flow */
};

struct account	*account_new(struct server *srv, const struct pz_account *conf);
void		 account_free(struct account *a);

/* -> EMPTY.  event (may be NULL) is the token_event_cmd event to fire. */
void		 account_clear(struct account *a, const char *event);
/* -> PENDING, taking ownership of the three strings; notifies the user. */
void		 account_pending(struct account *a, char *state_param,
		    char *verifier, char *url);
/* -> PENDING through the device flow, taking ownership of the strings:
 * url is what `show` prints (verification URI and user code), notify_url
 * what auth_notify_cmd gets. */
void		 account_pending_device(struct account *a, char *device_code,
		    char *user_code, char *url, char *notify_url,
		    int64_t interval, int64_t expires_in);
/*
 * -> ACTIVE, taking ownership of the strings.  A NULL refresh_token with
 * keep_refresh set keeps the current one (a refresh response without
 * refresh_token); otherwise it replaces it.  obtained and expiry are boot
 * ms, perhaps before boot (a restored token), expiry CLOCK_UNSET when
 * unknown (see account_expiry()).  event as for account_clear().
 */
void		 account_activate(struct account *a, char *access_token,
		    char *refresh_token, int keep_refresh, int64_t obtained,
		    int64_t expiry, const char *event);
/* When a token obtained at `now` that the provider says lasts expires_in
 * seconds expires; CLOCK_UNSET when it did not say (account_activate()
 * then refreshes it after refresh_at_least). */
int64_t		 account_expiry(const struct account *a, int64_t now,
		    int64_t expires_in);
/* What a failed token request means for the user, after its message:
 * authorise again, or fix the configuration. */
const char	*account_failure_hint(int outcome);
/* Remember msg as the account's last error (NULL clears it). */
void		 account_set_error(struct account *a, const char *msg);
/* The same for a failed token request with that outcome: one that says
 * the configuration is wrong is told with every new authorisation URL,
 * since authorising again would fail the same way. */
void		 account_set_failure(struct account *a, const char *msg,
		    int outcome);
/* The account's name. */
const char	*account_name(const struct account *a);
/* Arm *t, one of a's timers, to call cb(a) at when (boot ms), making it
 * first if need be. */
void		 account_timer_at(struct account *a, struct timer **t,
		    void (*cb)(void *), int64_t when);
/* Is a waiting for the browser to bring back an authorisation code? */
int		 account_awaits_code(const struct account *a);
/* Is the access token still valid now?  (One without a known expiry is
 * until it is replaced or dropped.) */
int		 account_token_valid(const struct account *a);
/* Cancel a token request in flight, if any. */
void		 account_cancel_request(struct account *a);

#endif
