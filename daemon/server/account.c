/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Accounts and their token state machine (transitions in account.h). */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/secret.h"
#include "core/token.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/device.h"
#include "daemon/server/hook.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/redirect.h"
#include "daemon/server/refresh.h"
#include "daemon/server/spread.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"
#include "daemon/server/wait.h"

struct account *
account_new(struct server *srv, const struct pz_account *conf)
{
	struct account *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->srv = srv;
	a->conf = conf;
	a->state = TOK_EMPTY;
	a->last_notified = a->last_refresh_attempt = a->retry_at = CLOCK_UNSET;
	return a;
}

/*
 * Most accounts never need most of their timers (one without a token needs
 * none), and made up front they were a quarter of an account's memory.
 */
void
account_timer_at(struct account *a, struct timer **t, void (*cb)(void *),
    int64_t when)
{
	if (*t == NULL && (*t = timer_new(a->srv->timers, cb, a)) == NULL) {
		log_warnx("account '%s': out of memory for a timer",
		    account_name(a));
		return;
	}
	timer_at(*t, when);
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
	timer_cancel(a->browser_timer);
	pz_secret_free(a->state_param);
	pz_secret_free(a->verifier);
	pz_secret_free(a->device_code);
	free(a->url);
	free(a->user_code);
	free(a->notify_url);
	a->state_param = a->verifier = a->device_code = NULL;
	a->url = a->user_code = a->notify_url = NULL;
	a->poll_interval = a->device_expiry = 0;
	a->last_notified = CLOCK_UNSET;
	a->flow = FLOW_NONE;
	timer_cancel(a->notify_timer);
	timer_cancel(a->poll_timer);
}

/* Forget everything of the ACTIVE state but the refresh token. */
static void
leave_active(struct account *a)
{
	pz_secret_free(a->access_token);
	a->access_token = NULL;
	a->obtained = a->expiry = 0;
	a->last_refresh_attempt = a->retry_at = CLOCK_UNSET;
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
	a->flow = FLOW_CODE;
	a->state = TOK_PENDING;
	notify_pending(a);
	wait_update(a);
}

void
account_pending_device(struct account *a, char *device_code, char *user_code,
    char *url, char *notify_url, int64_t interval, int64_t expires_in)
{
	int64_t now = clock_now();

	account_clear(a, NULL);
	a->device_code = device_code;
	a->user_code = user_code;
	a->url = url;
	a->notify_url = notify_url;
	a->poll_interval = interval;
	a->device_expiry = clock_after(now, (uint64_t)expires_in);
	a->flow = FLOW_DEVICE;
	a->state = TOK_PENDING;
	notify_pending(a);
	device_poll_schedule(a);
	wait_update(a);
}

int64_t
account_expiry(const struct account *a, int64_t now, int64_t expires_in)
{
	return expires_in >= 0 ? clock_after(now, (uint64_t)expires_in) :
	    CLOCK_UNSET;
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
	a->expiry_known = expiry != CLOCK_UNSET;
	a->expiry = a->expiry_known ? expiry : clock_after(obtained,
	    pz_account_refresh_at_least(a->srv->conf, a->conf));
	a->state = TOK_ACTIVE;
	a->spread = spread_draw();
	/* Refreshes of tokens that hardly live keep a growing distance. */
	if (clock_after(obtained, REFRESH_SHORT_LIFE_S) > a->expiry) {
		if (a->short_lived < 16)
			a->short_lived++;
	} else
		a->short_lived = 0;
	account_set_error(a, NULL);
	if (event != NULL)
		notify_token_event(a->srv, account_name(a), event);
	refresh_schedule(a);
	wait_update(a);
}

const char *
account_failure_hint(int outcome)
{
	switch (outcome) {
	case PZ_TOKEN_REAUTH:
		return " (the grant is no longer valid: authorise again)";
	case PZ_TOKEN_CONFIG:
		return " (fix client_id, client_secret, scopes or the "
		    "endpoints in the configuration: authorising again would "
		    "fail the same way)";
	default:
		return "";
	}
}

void
account_set_error(struct account *a, const char *msg)
{
	free(a->last_error);
	a->last_error = msg != NULL ? strdup(msg) : NULL;
	a->error_is_config = 0;
}

void
account_set_failure(struct account *a, const char *msg, int outcome)
{
	account_set_error(a, msg);
	a->error_is_config = outcome == PZ_TOKEN_CONFIG;
}

int
account_awaits_code(const struct account *a)
{
	return a->state == TOK_PENDING && a->flow == FLOW_CODE;
}

int
account_token_valid(const struct account *a)
{
	/* An expiry the provider did not give is ours, made up to time the
	 * refresh: such a token serves until the refresh replaces it or
	 * fails for good (or, with no refresh token, until it lapses). */
	return a->state == TOK_ACTIVE &&
	    (!a->expiry_known || clock_now() < a->expiry);
}

void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	wait_free_all(a);
	account_clear(a, NULL);
	account_set_error(a, NULL);
	timer_free(a->refresh_timer);
	timer_free(a->browser_timer);
	timer_free(a->notify_timer);
	timer_free(a->poll_timer);
	free(a);
}
