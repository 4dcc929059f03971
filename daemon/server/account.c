/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Accounts and their token state machine (transitions in account.h). */
#include <stdlib.h>

#include "core/config.h"
#include "core/secret.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/hook.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/redirect.h"
#include "daemon/server/refresh.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"

struct account *
account_new(struct server *srv, const struct pz_account *conf)
{
	struct account *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->srv = srv;
	a->conf = conf;
	a->state = TOK_EMPTY;
	a->last_notified = a->last_refresh_attempt = a->retry_at = -1;
	a->refresh_timer = timer_new(srv->base, refresh_timer_fired, a);
	a->notify_timer = timer_new(srv->base, notify_timer_fired, a);
	if (a->refresh_timer == NULL || a->notify_timer == NULL) {
		account_free(a);
		return NULL;
	}
	return a;
}

const char *
account_name(const struct account *a)
{
	return a->conf->name;
}

void
account_cancel_request(struct account *a)
{
	http_cancel(a->req);
	a->req = NULL;
}

/* Forget everything of the PENDING state. */
static void
leave_pending(struct account *a)
{
	if (a->browser != NULL) {
		redirect_reply(a->browser, 409, "Conflict",
		    "This authorisation request was superseded: request a "
		    "fresh token");
		a->browser = NULL;
	}
	pz_secret_free(a->state_param);
	pz_secret_free(a->verifier);
	free(a->url);
	a->state_param = a->verifier = a->url = NULL;
	a->last_notified = -1;
	timer_cancel(a->notify_timer);
}

/* Forget everything of the ACTIVE state but the refresh token. */
static void
leave_active(struct account *a)
{
	pz_secret_free(a->access_token);
	a->access_token = NULL;
	a->obtained = a->expiry = 0;
	a->last_refresh_attempt = a->retry_at = -1;
	a->transient_fails = 0;
	a->judging = 0;
	hook_cancel_arg(a->srv->hooks, a);
	timer_cancel(a->refresh_timer);
}

void
account_clear(struct account *a, const char *event)
{
	account_cancel_request(a);
	leave_pending(a);
	leave_active(a);
	pz_secret_free(a->refresh_token);
	a->refresh_token = NULL;
	a->state = TOK_EMPTY;
	if (event != NULL)
		notify_token_event(a->srv, account_name(a), event);
}

void
account_pending(struct account *a, char *state_param, char *verifier,
    char *url)
{
	account_clear(a, NULL);
	a->state_param = state_param;
	a->verifier = verifier;
	a->url = url;
	a->state = TOK_PENDING;
	notify_pending(a);
}

int64_t
account_expiry(const struct account *a, int64_t now, int64_t expires_in)
{
	return clock_after(now, expires_in >= 0 ? (uint64_t)expires_in :
	    pz_account_refresh_at_least(a->srv->conf, a->conf));
}

void
account_activate(struct account *a, char *access_token, char *refresh_token,
    int keep_refresh, int64_t obtained, int64_t expiry, const char *event)
{
	account_cancel_request(a);
	leave_pending(a);
	leave_active(a);
	if (refresh_token != NULL || !keep_refresh) {
		pz_secret_free(a->refresh_token);
		a->refresh_token = refresh_token;
	}
	a->access_token = access_token;
	a->obtained = obtained;
	a->expiry = expiry;
	a->state = TOK_ACTIVE;
	if (event != NULL)
		notify_token_event(a->srv, account_name(a), event);
	refresh_schedule(a);
}

int
account_token_valid(const struct account *a)
{
	return a->state == TOK_ACTIVE && clock_now() < a->expiry;
}

void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	account_clear(a, NULL);
	timer_free(a->refresh_timer);
	timer_free(a->notify_timer);
	free(a);
}
