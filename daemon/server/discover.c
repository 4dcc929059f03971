/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Provider discovery: fetching and keeping issuers' metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/discovery.h"
#include "core/token.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/discover.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/refresh.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"
#include "daemon/server/wait.h"

/* One issuer that accounts name, and what is known of it. */
struct issuer {
	struct server		*srv;
	char			*issuer;
	struct pz_metadata	 md;		/* valid when have_md */
	int			 have_md;
	int			 failed;	/* permanently, until reload */
	char			*error;		/* the last failure, or NULL */
	unsigned		 fails;		/* transient, in a row */
	int			 stage;		/* 0: OIDC URL, 1: RFC 8414 */
	struct pz_buf		 urls[2];
	struct http_req		*req;
	struct timer		*retry;
	int			 used;		/* by the current config */
	struct issuer		*next;
};

struct discovery {
	struct issuer		*issuers;
};

static void	fetch(struct issuer *iss);

static struct issuer *
find(const struct server *srv, const char *issuer)
{
	struct issuer *iss;

	if (issuer == NULL || srv->discovery == NULL)
		return NULL;
	for (iss = srv->discovery->issuers; iss != NULL; iss = iss->next)
		if (strcmp(iss->issuer, issuer) == 0)
			return iss;
	return NULL;
}

static void
issuer_free(struct issuer *iss)
{
	http_cancel(iss->req);
	timer_free(iss->retry);
	pz_metadata_clear(&iss->md);
	pz_buf_clear(&iss->urls[0]);
	pz_buf_clear(&iss->urls[1]);
	free(iss->error);
	free(iss->issuer);
	free(iss);
}

static void
set_error(struct issuer *iss, const char *msg)
{
	free(iss->error);
	iss->error = msg != NULL ? strdup(msg) : NULL;
}

/* Let iss's accounts act on what is now known: clients waiting for the
 * first fetch get their answer, and a refresh held back by it goes. */
static void
tell_accounts(struct issuer *iss, const char *failure)
{
	struct server *srv = iss->srv;
	struct account *a;
	size_t i;

	for (i = 0; i < srv->naccounts; i++) {
		a = srv->accounts[i];
		if (a->conf->issuer == NULL ||
		    strcmp(a->conf->issuer, iss->issuer) != 0)
			continue;
		if (failure != NULL && iss->failed) {
			account_set_failure(a, failure, PZ_TOKEN_CONFIG);
			notify_error(srv, account_name(a), failure);
		} else if (iss->have_md && a->error_is_config)
			/* Fixed and reloaded: the configuration error that
			 * stood in the way (ours, or the provider's about the
			 * old endpoints) is history. */
			account_set_error(a, NULL);
		wait_discovered(a);
		if (!iss->failed && a->state == TOK_ACTIVE)
			refresh_schedule(a);
	}
}

static void
on_retry(void *arg)
{
	fetch(arg);
}

/* It may pass: try again later, keeping what was known before. */
static void
transient(struct issuer *iss, const char *msg, int64_t retry_after)
{
	char why[512];
	uint64_t wait;
	unsigned n;
	int first = !iss->have_md && iss->fails == 0;

	iss->fails++;
	/* 10 s, doubling with each failure in a row, up to the ceiling
	 * (and staying there, however long the provider stays away). */
	for (wait = DISCOVER_RETRY_MIN_S, n = 1; n < iss->fails &&
	    wait < DISCOVER_RETRY_MAX_S; n++)
		wait *= 2;
	if (wait > DISCOVER_RETRY_MAX_S)
		wait = DISCOVER_RETRY_MAX_S;
	if (retry_after > 0 && (uint64_t)retry_after > wait)
		wait = (uint64_t)retry_after;
	snprintf(why, sizeof(why), "Discovering the endpoints of %s failed "
	    "(%s); trying again in %llu s", iss->issuer, msg,
	    (unsigned long long)wait);
	set_error(iss, why);
	log_warnx("%s", why);
	timer_at(iss->retry, clock_after(clock_now(), wait));
	if (first)
		tell_accounts(iss, NULL);
}

/* The configuration must change: no endpoints until a reload. */
static void
permanent(struct issuer *iss, const char *msg)
{
	char why[768];

	snprintf(why, sizeof(why), "Can't use issuer %s: %s", iss->issuer,
	    msg);
	set_error(iss, why);
	log_warnx("%s", why);
	pz_metadata_clear(&iss->md);
	iss->have_md = 0;
	iss->failed = 1;
	tell_accounts(iss, why);
}

/* Does the document give what iss's accounts leave to it? */
static int
require(struct issuer *iss, const struct pz_metadata *md, struct pz_err *err)
{
	struct server *srv = iss->srv;
	const struct pz_account *c;
	struct pz_metadata need = *md;	/* shallow: only looked at */
	int need_auth = 0, need_device = 0, need_token = 0;
	size_t i;

	for (i = 0; i < srv->conf->naccounts; i++) {
		c = &srv->conf->accounts[i];
		if (c->issuer == NULL || strcmp(c->issuer, iss->issuer) != 0)
			continue;
		need_token |= c->token_uri == NULL;
		need_auth |= c->flow == PZ_FLOW_CODE && c->auth_uri == NULL;
		need_device |= c->flow == PZ_FLOW_DEVICE &&
		    c->device_auth_uri == NULL;
	}
	if (!need_token && need.token_endpoint == NULL)
		need.token_endpoint = "configured";
	return pz_metadata_require(&need, need_auth, need_device, err);
}

static void
on_fetched(const struct http_result *res, void *arg)
{
	struct issuer *iss = arg;
	struct pz_metadata md = PZ_METADATA_INIT;
	struct pz_err err;
	char msg[256];
	const char *url = pz_buf_str(&iss->urls[iss->stage]);

	iss->req = NULL;
	if (res->status == 0) {
		transient(iss, res->error, -1);
		return;
	}
	if ((res->status == 404 || res->status == 410) && iss->stage == 0) {
		iss->stage = 1;
		fetch(iss);
		return;
	}
	if (res->status == 404 || res->status == 410) {
		snprintf(msg, sizeof(msg), "no provider metadata at %s or %s "
		    "(HTTP %ld)", pz_buf_str(&iss->urls[0]),
		    pz_buf_str(&iss->urls[1]), res->status);
		permanent(iss, msg);
		return;
	}
	if (res->status == 408 || res->status == 429 || res->status >= 500) {
		snprintf(msg, sizeof(msg), "HTTP %ld from %s", res->status, url);
		transient(iss, msg, pz_token_retry_after(res->retry_after,
		    clock_to_wall(clock_now())));
		return;
	}
	if (res->status != 200) {
		snprintf(msg, sizeof(msg), "HTTP %ld from %s", res->status, url);
		permanent(iss, msg);
		return;
	}
	if (pz_metadata_parse(res->body, res->bodylen, iss->issuer, &md,
	    &err) == -1 || require(iss, &md, &err) == -1) {
		pz_metadata_clear(&md);
		permanent(iss, err.msg);
		return;
	}
	pz_metadata_clear(&iss->md);
	iss->md = md;
	iss->have_md = 1;
	iss->fails = 0;
	set_error(iss, NULL);
	log_info("discovered the endpoints of %s at %s", iss->issuer, url);
	tell_accounts(iss, NULL);
}

static void
fetch(struct issuer *iss)
{
	struct pz_err err;

	if ((iss->req = http_get(iss->srv->http,
	    pz_buf_str(&iss->urls[iss->stage]), on_fetched, iss, &err)) ==
	    NULL)
		transient(iss, err.msg, -1);
}

/* Start (again) from the OpenID Connect URL. */
static void
refetch(struct issuer *iss)
{
	http_cancel(iss->req);
	iss->req = NULL;
	timer_cancel(iss->retry);
	iss->stage = 0;
	iss->failed = 0;
	iss->fails = 0;
	fetch(iss);
}

static struct issuer *
issuer_new(struct server *srv, const char *issuer)
{
	struct issuer *iss;
	struct pz_err err;

	if ((iss = calloc(1, sizeof(*iss))) == NULL)
		return NULL;
	iss->srv = srv;
	iss->md = (struct pz_metadata)PZ_METADATA_INIT;
	if ((iss->issuer = strdup(issuer)) == NULL ||
	    (iss->retry = timer_new(srv->timers, on_retry, iss)) == NULL) {
		issuer_free(iss);
		return NULL;
	}
	/* The config checked the URL; a failure here is ours to report. */
	if (pz_discovery_urls(issuer, &iss->urls[0], &iss->urls[1], &err) ==
	    -1) {
		set_error(iss, err.msg);
		iss->failed = 1;
	}
	return iss;
}

int
discover_start(struct server *srv)
{
	struct issuer *iss, **pp;
	const char *issuer;
	size_t i;

	if (srv->discovery == NULL &&
	    (srv->discovery = calloc(1, sizeof(*srv->discovery))) == NULL)
		return -1;
	for (iss = srv->discovery->issuers; iss != NULL; iss = iss->next)
		iss->used = 0;
	for (i = 0; i < srv->conf->naccounts; i++) {
		if ((issuer = srv->conf->accounts[i].issuer) == NULL)
			continue;
		if ((iss = find(srv, issuer)) == NULL) {
			if ((iss = issuer_new(srv, issuer)) == NULL)
				return -1;
			iss->next = srv->discovery->issuers;
			srv->discovery->issuers = iss;
		}
		iss->used = 1;
	}
	for (pp = &srv->discovery->issuers; (iss = *pp) != NULL;) {
		if (!iss->used) {
			*pp = iss->next;
			issuer_free(iss);
			continue;
		}
		pp = &iss->next;
		if (pz_buf_str(&iss->urls[0])[0] == '\0')
			permanent(iss, iss->error);
		else
			refetch(iss);
	}
	return 0;
}

void
discover_free(struct server *srv)
{
	struct issuer *iss;

	if (srv->discovery == NULL)
		return;
	while ((iss = srv->discovery->issuers) != NULL) {
		srv->discovery->issuers = iss->next;
		issuer_free(iss);
	}
	free(srv->discovery);
	srv->discovery = NULL;
}

static const char *
configured(const struct pz_account *c, enum endpoint e)
{
	switch (e) {
	case EP_AUTH:
		return c->auth_uri;
	case EP_TOKEN:
		return c->token_uri;
	case EP_DEVICE:
		return c->device_auth_uri;
	case EP_REVOKE:
		return c->revoke_uri;
	}
	return NULL;
}

static const char *
discovered(const struct issuer *iss, enum endpoint e)
{
	if (iss == NULL || !iss->have_md || iss->failed)
		return NULL;
	switch (e) {
	case EP_AUTH:
		return iss->md.authorization_endpoint;
	case EP_TOKEN:
		return iss->md.token_endpoint;
	case EP_DEVICE:
		return iss->md.device_authorization_endpoint;
	case EP_REVOKE:
		return iss->md.revocation_endpoint;
	}
	return NULL;
}

const char *
discover_endpoint(const struct account *a, enum endpoint e)
{
	const char *s = configured(a->conf, e);

	return s != NULL ? s : discovered(find(a->srv, a->conf->issuer), e);
}

const char *
discover_source(const struct account *a, enum endpoint e)
{
	if (configured(a->conf, e) != NULL)
		return "config";
	return discovered(find(a->srv, a->conf->issuer), e) != NULL ?
	    "discovery" : NULL;
}

enum discover_state
discover_state(const struct account *a)
{
	const struct issuer *iss = find(a->srv, a->conf->issuer);

	if (a->conf->issuer == NULL)
		return DISCOVER_NONE;
	if (iss == NULL || iss->failed)
		return DISCOVER_FAILED;
	if (iss->have_md)
		return DISCOVER_DONE;
	return iss->fails == 0 ? DISCOVER_FIRST : DISCOVER_RETRYING;
}

const char *
discover_error(const struct account *a)
{
	const struct issuer *iss = find(a->srv, a->conf->issuer);

	return iss != NULL ? iss->error : NULL;
}
