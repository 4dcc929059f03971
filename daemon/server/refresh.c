/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Refreshing access tokens with the refresh token (RFC 6749 section 6). */
#include <stdio.h>

#include "core/config.h"
#include "core/token.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/discover.h"
#include "daemon/server/hook.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/refresh.h"
#include "daemon/server/server.h"
#include "daemon/server/spread.h"
#include "daemon/server/timer.h"
#include "daemon/server/wait.h"

/* The earliest a's token may be refreshed, unless the user asks. */
static int64_t
earliest(const struct account *a)
{
	unsigned n = a->short_lived;

	if (n == 0)
		return CLOCK_MIN;
	return clock_after(a->obtained, n > 6 ? REFRESH_SHORT_MAX_S :
	    (1U << (n - 1)));
}

void
refresh_schedule(struct account *a)
{
	const struct pz_config *conf = a->srv->conf;
	int64_t half, atleast, when;

	if (a->state != TOK_ACTIVE) {
		timer_cancel(a->refresh_timer);
		return;
	}
	if (a->req != NULL || a->judging)
		return;		/* the answer will reschedule */
	if (a->retry_at != CLOCK_UNSET) {
		when = a->retry_at;
		if (a->last_refresh_attempt != CLOCK_UNSET && when <
		    clock_after(a->last_refresh_attempt, REFRESH_RETRY_MIN_S))
			when = clock_after(a->last_refresh_attempt,
			    REFRESH_RETRY_MIN_S);
	} else if (a->refresh_token == NULL || !a->expiry_known)
		/* Let it lapse; or, when the provider did not say how long
		 * it lasts, refresh at refresh_at_least, taken as its life. */
		when = a->expiry;
	else {
		/* Due refresh_before_expiry before expiry, and at least every
		 * refresh_at_least.  Either may lie in the past (a token
		 * restored from before this boot): then it is due now. */
		when = clock_before(a->expiry,
		    pz_account_refresh_before_expiry(conf, a->conf));
		/* A token that lives less than refresh_before_expiry would be
		 * refreshed the moment it arrives, for ever: wait for half its
		 * life instead. */
		half = clock_mid(a->obtained, a->expiry);
		if (a->obtained <= a->expiry && when < half)
			when = half;
		atleast = clock_after(a->obtained,
		    pz_account_refresh_at_least(conf, a->conf));
		if (atleast < when)
			when = atleast;
		/* Somewhat earlier, by an amount fixed for this token: see
		 * spread.h. */
		when = spread_refresh(a->obtained, when,
		    pz_account_refresh_before_expiry(conf, a->conf), a->spread);
	}
	if (a->retry_at == CLOCK_UNSET && a->refresh_token != NULL &&
	    when < earliest(a))
		when = earliest(a);
	account_timer_at(a, &a->refresh_timer, refresh_timer_fired, when);
}

/* transient_error_if_cmd has spoken: 0 means "yes, transient". */
static void
on_judged(int status, void *arg)
{
	struct account *a = arg;
	char msg[256];

	a->judging = 0;
	if (status == 0) {
		refresh_schedule(a);
		return;
	}
	snprintf(msg, sizeof(msg), "transient_error_if_cmd %s: refresh "
	    "failures treated as permanent", status < 0 ?
	    "failed or timed out" : "exited non-zero");
	account_clear(a, "token_invalidated");
	account_set_error(a, msg);
	notify_error(a->srv, account_name(a), msg);
	wait_fail(a, msg);
}

static void
transient(struct account *a, const char *why, int64_t retry_after)
{
	struct server *srv = a->srv;
	uint64_t wait = spread_retry_ms(pz_account_refresh_retry(srv->conf,
	    a->conf), retry_after, spread_draw());

	a->transient_fails++;
	a->retry_at = clock_add_ms(clock_now(), wait > INT64_MAX ? INT64_MAX :
	    (int64_t)wait);
	account_set_error(a, why);
	log_warnx("account '%s': transient refresh error (%u in a row): %s",
	    account_name(a), a->transient_fails, why);
	if (srv->conf->transient_error_if_cmd != NULL &&
	    a->transient_fails % TRANSIENT_JUDGE_EVERY == 0) {
		struct hook_env env = { 0 };

		env.account = account_name(a);
		if (hook_run(srv->hooks, "transient_error_if_cmd",
		    srv->conf->transient_error_if_cmd, &env,
		    HOOK_TIMEOUT_TRANSIENT, on_judged, a) == 0) {
			a->judging = 1;
			return;
		}
		on_judged(-1, a);
		return;
	}
	refresh_schedule(a);
}

static void
on_refresh_done(const struct http_result *res, void *arg)
{
	struct account *a = arg;
	struct pz_token_resp tr = PZ_TOKEN_RESP_INIT;
	char msg[sizeof(tr.msg) + 128];
	int64_t now = clock_now();

	a->req = NULL;
	if (res->status == 0) {
		transient(a, res->error, -1);
		return;
	}
	switch (pz_token_parse(res->status, res->retry_after, res->body,
	    res->bodylen, &tr)) {
	case PZ_TOKEN_OK:
		log_info("account '%s': token refreshed", account_name(a));
		account_activate(a, tr.access_token, tr.refresh_token,
		    tr.refresh == PZ_RT_ABSENT, now,
		    account_expiry(a, now, tr.expires_in), "token_refreshed");
		tr.access_token = tr.refresh_token = NULL;
		break;
	case PZ_TOKEN_TRANSIENT:
		transient(a, tr.msg, tr.retry_after);
		break;
	default:
		snprintf(msg, sizeof(msg), "Refreshing failed: %s%s", tr.msg,
		    account_failure_hint(tr.outcome));
		account_clear(a, "token_invalidated");
		account_set_failure(a, msg, tr.outcome);
		notify_error(a->srv, account_name(a), msg);
		wait_fail(a, msg);
		break;
	}
	pz_token_resp_clear(&tr);
}

void
refresh_now(struct account *a)
{
	const struct pz_account *c = a->conf;
	const char *token_uri = discover_endpoint(a, EP_TOKEN);
	struct pz_err err;
	const char *fields[] = {
		"client_id", c->client_id,
		"client_secret", c->client_secret,
		"refresh_token", a->refresh_token,
		"grant_type", "refresh_token",
		NULL
	};

	if (a->state != TOK_ACTIVE || a->req != NULL || a->judging)
		return;
	if (a->refresh_token == NULL) {
		/* Nothing to refresh with: the token lapses at its expiry,
		 * given or made up. */
		if (clock_now() < a->expiry)
			refresh_schedule(a);
		else
			account_clear(a, "token_invalidated");
		return;
	}
	timer_cancel(a->refresh_timer);
	a->last_refresh_attempt = clock_now();
	a->retry_at = CLOCK_UNSET;
	log_debug("account '%s': refreshing", account_name(a));
	if (token_uri == NULL) {
		/* Its issuer's metadata is not (yet) known: as a network
		 * error, the token is kept and the refresh tried again. */
		transient(a, discover_error(a) != NULL ? discover_error(a) :
		    "The provider's endpoints are not yet discovered", -1);
		return;
	}
	if ((a->req = http_post_form(a->srv->http, token_uri, fields,
	    on_refresh_done, a, &err)) == NULL)
		transient(a, err.msg, -1);
}

void
refresh_soon(struct account *a)
{
	if (a->state == TOK_ACTIVE && a->refresh_token != NULL &&
	    clock_now() < earliest(a))
		refresh_schedule(a);
	else
		refresh_now(a);
}

void
refresh_timer_fired(void *arg)
{
	refresh_now(arg);
}
