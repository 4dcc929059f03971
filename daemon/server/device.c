/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The device authorization grant (RFC 8628) on the event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/device.h"
#include "core/secret.h"
#include "core/token.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/discover.h"
#include "daemon/server/device.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"
#include "daemon/server/wait.h"

/* RFC 8628 3.5: slow_down adds 5 seconds to the interval. */
#define SLOW_DOWN_S	5

static const char device_grant[] =
    "urn:ietf:params:oauth:grant-type:device_code";

/* The flow ended without a token (a token request with that outcome):
 * tell the user and every waiter. */
static void
device_failed(struct account *a, const char *msg, int outcome)
{
	account_clear(a, NULL);
	account_set_failure(a, msg, outcome);
	notify_error(a->srv, account_name(a), msg);
	wait_fail(a, msg);
}

int
device_requesting(const struct account *a)
{
	return a->state == TOK_EMPTY && a->req != NULL;
}

static void
on_device_auth(const struct http_result *res, void *arg)
{
	struct account *a = arg;
	struct pz_device_resp dr = PZ_DEVICE_RESP_INIT;
	struct pz_err err;
	char *url = NULL;

	a->req = NULL;
	if (res->status == 0) {
		snprintf(err.msg, sizeof(err.msg),
		    "Device authorisation request failed: %s", res->error);
		device_failed(a, err.msg, PZ_TOKEN_PERMANENT);
		return;
	}
	if (pz_device_parse(res->status, res->body, res->bodylen, &dr,
	    &err) == -1) {
		device_failed(a, err.msg, PZ_TOKEN_PERMANENT);
		return;
	}
	if (asprintf(&url, "%s using code %s", dr.verification_uri,
	    dr.user_code) == -1) {
		pz_device_resp_clear(&dr);
		device_failed(a, "Out of memory", PZ_TOKEN_PERMANENT);
		return;
	}
	log_info("account '%s': device code issued", account_name(a));
	account_pending_device(a, dr.device_code, dr.user_code, url,
	    dr.verification_uri_complete != NULL ?
	    dr.verification_uri_complete : strdup(dr.verification_uri),
	    dr.interval, dr.expires_in);
	/* Everything else in dr now belongs to the account. */
	free(dr.verification_uri);
}

int
device_start(struct account *a, struct pz_err *err)
{
	const struct pz_account *c = a->conf;
	char *scopes = NULL;
	size_t i, len = 1;
	const char *fields[] = {
		"client_id", c->client_id,
		"scope", NULL,
		"client_secret", c->client_secret,
		NULL
	};

	if (device_requesting(a))
		return 0;
	account_clear(a, NULL);
	for (i = 0; i < c->nscopes; i++)
		len += strlen(c->scopes[i]) + 1;
	if ((scopes = calloc(1, len)) == NULL)
		return pz_errf(err, "Out of memory");
	for (i = 0; i < c->nscopes; i++) {
		if (i > 0)
			strcat(scopes, " ");
		strcat(scopes, c->scopes[i]);
	}
	fields[3] = c->nscopes > 0 ? scopes : NULL;
	a->req = http_post_form(a->srv->http, discover_endpoint(a, EP_DEVICE),
	    fields, on_device_auth, a, err);
	free(scopes);
	return a->req == NULL ? -1 : 0;
}

void
device_poll_schedule(struct account *a)
{
	int64_t when;

	if (a->state != TOK_PENDING || a->flow != FLOW_DEVICE)
		return;
	when = clock_after(clock_now(), (uint64_t)a->poll_interval);
	/* One last poll at expiry tells us it expired. */
	account_timer_at(a, &a->poll_timer, device_poll_fired,
	    when < a->device_expiry ? when : a->device_expiry);
}

static void
on_poll(const struct http_result *res, void *arg)
{
	struct account *a = arg;
	struct pz_token_resp tr = PZ_TOKEN_RESP_INIT;
	char msg[sizeof(tr.msg) + 128];
	int64_t now = clock_now();

	a->req = NULL;
	if (res->status == 0) {
		log_debug("account '%s': device poll: %s", account_name(a),
		    res->error);
		device_poll_schedule(a);
		return;
	}
	if (pz_token_parse(res->status, res->retry_after, res->body,
	    res->bodylen, &tr) == PZ_TOKEN_OK) {
		log_info("account '%s': new token (device flow)",
		    account_name(a));
		account_activate(a, tr.access_token, tr.refresh_token, 0, now,
		    account_expiry(a, now, tr.expires_in), "token_new");
		tr.access_token = tr.refresh_token = NULL;
	} else if (tr.error != NULL &&
	    strcmp(tr.error, "authorization_pending") == 0)
		device_poll_schedule(a);
	else if (tr.error != NULL && strcmp(tr.error, "slow_down") == 0) {
		a->poll_interval += SLOW_DOWN_S;
		device_poll_schedule(a);
	} else if (tr.outcome == PZ_TOKEN_TRANSIENT)
		device_poll_schedule(a);
	else {
		/* access_denied, expired_token, or worse. */
		snprintf(msg, sizeof(msg), "Device authorisation failed: %s%s",
		    tr.msg, tr.outcome == PZ_TOKEN_CONFIG ?
		    account_failure_hint(tr.outcome) : "");
		device_failed(a, msg, tr.outcome);
	}
	pz_token_resp_clear(&tr);
}

void
device_poll_fired(void *arg)
{
	struct account *a = arg;
	const struct pz_account *c = a->conf;
	struct pz_err err;
	const char *fields[] = {
		"grant_type", device_grant,
		"device_code", a->device_code,
		"client_id", c->client_id,
		"client_secret", c->client_secret,
		NULL
	};

	if (a->state != TOK_PENDING || a->flow != FLOW_DEVICE ||
	    a->req != NULL)
		return;
	if (clock_now() >= a->device_expiry) {
		device_failed(a, "Device authorisation failed: the code "
		    "expired before it was used", PZ_TOKEN_PERMANENT);
		return;
	}
	if ((a->req = http_post_form(a->srv->http,
	    discover_endpoint(a, EP_TOKEN), fields, on_poll, a, &err)) == NULL)
		device_poll_schedule(a);
}
