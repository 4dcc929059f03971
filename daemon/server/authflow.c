/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Authorization code + PKCE: the URL out, the code back in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/config.h"
#include "core/form.h"
#include "core/pkce.h"
#include "core/secret.h"
#include "core/token.h"
#include "core/uri.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/clock.h"
#include "daemon/server/discover.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/redirect.h"
#include "daemon/server/server.h"
#include "daemon/server/wait.h"

char *
authflow_redirect_uri(const struct account *a, struct pz_err *err)
{
	const struct server *srv = a->srv;
	CURLU *u;
	char *scheme = NULL, *out = NULL, *res = NULL, port[16];
	int p;

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, a->conf->redirect_uri, 0) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		pz_errf(err, "Invalid redirect_uri '%s'", a->conf->redirect_uri);
		goto out;
	}
	p = strcmp(scheme, "https") == 0 ? srv->https_port : srv->http_port;
	if (p < 0) {
		pz_errf(err, "No %s listener for redirect_uri", scheme);
		goto out;
	}
	snprintf(port, sizeof(port), "%d", p);
	if (curl_url_set(u, CURLUPART_PORT, port, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		pz_errf(err, "Invalid redirect_uri '%s'", a->conf->redirect_uri);
		goto out;
	}
	res = strdup(out);
out:
	curl_free(scheme);
	curl_free(out);
	curl_url_cleanup(u);
	return res;
}

/*
 * The URL the user opens to authorise a, as pizauth writes it: auth_uri
 * normalised as the URL Standard has it (scheme and host in lower case, no
 * default port, "/" for an empty path; its own query kept as written, and
 * a fragment was refused with the config), then our parameters,
 * form-encoded.
 */
static char *
auth_url(const struct account *a, const char *challenge, const char *state,
    const char *redirect, struct pz_err *err)
{
	const struct pz_account *c = a->conf;
	const char *auth_uri = discover_endpoint(a, EP_AUTH);
	struct pz_uri u = PZ_URI_INIT;
	struct pz_buf scopes = PZ_BUF_INIT, q = PZ_BUF_INIT, url = PZ_BUF_INIT;
	struct pz_err ignored;
	char *res = NULL;
	size_t i;
	int bad = 0;

	if (auth_uri == NULL || pz_uri_parse(auth_uri, &u, &ignored) == -1 ||
	    u.host == NULL)
		goto out;
	for (i = 0; i < c->nscopes; i++)
		bad |= pz_buf_printf(&scopes, "%s%s", i > 0 ? " " : "",
		    c->scopes[i]);
	bad |= pz_form_append(&q, "access_type", "offline");
	bad |= pz_form_append(&q, "code_challenge", challenge);
	bad |= pz_form_append(&q, "code_challenge_method", "S256");
	bad |= pz_form_append(&q, "client_id", c->client_id);
	bad |= pz_form_append(&q, "redirect_uri", redirect);
	bad |= pz_form_append(&q, "response_type", "code");
	bad |= pz_form_append(&q, "state", state);
	if (c->nscopes > 0)
		bad |= pz_form_append(&q, "scope", pz_buf_str(&scopes));
	for (i = 0; i < c->nauth_uri_fields; i++)
		bad |= pz_form_append(&q, c->auth_uri_fields[i].key,
		    c->auth_uri_fields[i].val);

	bad |= pz_buf_printf(&url, "%s://", u.scheme);
	if (u.userinfo != NULL)
		bad |= pz_buf_printf(&url, "%s@", u.userinfo);
	bad |= pz_buf_printf(&url, u.ipv6 ? "[%s]" : "%s", u.host);
	if (u.port_num >= 0 && u.port_num != pz_uri_default_port(&u))
		bad |= pz_buf_printf(&url, ":%d", u.port_num);
	bad |= pz_buf_printf(&url, "%s?%s%s%s", *u.path != '\0' ? u.path : "/",
	    u.query != NULL ? u.query : "",
	    u.query != NULL && *u.query != '\0' ? "&" : "", pz_buf_str(&q));
	if (!bad)
		res = pz_buf_steal(&url);
out:
	if (res == NULL)
		pz_errf(err, "Can't build the authorisation URL from auth_uri "
		    "'%s'", auth_uri != NULL ? auth_uri : "");
	pz_uri_clear(&u);
	pz_buf_clear(&scopes);
	pz_buf_clear(&q);
	pz_buf_clear(&url);
	return res;
}

int
authflow_start(struct account *a, struct pz_err *err)
{
	char verifier[PZ_B64URL_LEN(PZ_PKCE_VERIFIER_BYTES) + 1];
	char state[PZ_B64URL_LEN(PZ_STATE_BYTES) + 1];
	char challenge[PZ_PKCE_CHALLENGE_LEN + 1];
	char *redirect = NULL, *url = NULL, *v, *s;

	if (pz_random_b64url(PZ_PKCE_VERIFIER_BYTES, verifier,
	    sizeof(verifier), err) == -1 ||
	    pz_random_b64url(PZ_STATE_BYTES, state, sizeof(state), err) == -1 ||
	    pz_pkce_challenge(verifier, challenge, err) == -1 ||
	    (redirect = authflow_redirect_uri(a, err)) == NULL ||
	    (url = auth_url(a, challenge, state, redirect, err)) == NULL)
		goto fail;
	free(redirect);
	v = strdup(verifier);
	s = strdup(state);
	pz_wipe(verifier, sizeof(verifier));
	pz_wipe(state, sizeof(state));
	if (v == NULL || s == NULL) {
		pz_secret_free(v);
		pz_secret_free(s);
		free(url);
		return pz_errf(err, "Out of memory");
	}
	account_pending(a, s, v, url);
	return 0;
fail:
	pz_wipe(verifier, sizeof(verifier));
	pz_wipe(state, sizeof(state));
	free(redirect);
	free(url);
	return -1;
}

/* The browser has waited long enough: tell it the code is being
 * processed (pizauth 1.1.0's page); the outcome reaches the user the other
 * ways (show, status, error_notify_cmd). */
static void
on_browser_wait(void *arg)
{
	struct account *a = arg;
	struct evhttp_request *browser = a->browser;

	if (browser == NULL)
		return;
	a->browser = NULL;
	redirect_reply(browser, 200, "OK", "pizauth processing "
	    "authentication: you can safely close this page.");
}

static void
on_exchange_done(const struct http_result *res, void *arg)
{
	struct account *a = arg;
	struct evhttp_request *browser = a->browser;
	struct pz_token_resp tr = PZ_TOKEN_RESP_INIT;
	char msg[sizeof(tr.msg) + 256];
	int64_t now = clock_now();

	a->req = NULL;
	a->browser = NULL;
	if (res->status == 0)
		snprintf(msg, sizeof(msg), "Authentication for %s failed: %s",
		    account_name(a), res->error);
	else if (pz_token_parse(res->status, res->retry_after, res->body,
	    res->bodylen, &tr) == PZ_TOKEN_OK) {
		log_info("account '%s': new token", account_name(a));
		account_activate(a, tr.access_token, tr.refresh_token, 0, now,
		    account_expiry(a, now, tr.expires_in), "token_new");
		tr.access_token = tr.refresh_token = NULL;
		pz_token_resp_clear(&tr);
		if (browser != NULL)
			redirect_reply(browser, 200, "OK",
			    "pizauth successfully received authentication "
			    "code");
		return;
	} else
		snprintf(msg, sizeof(msg), "Authentication for %s failed: "
		    "%s%s", account_name(a), tr.msg,
		    tr.outcome == PZ_TOKEN_CONFIG ?
		    account_failure_hint(tr.outcome) : "");
	pz_token_resp_clear(&tr);
	/* The code is spent either way: the next attempt needs a new URL. */
	account_clear(a, NULL);
	account_set_failure(a, msg, tr.outcome);
	notify_error(a->srv, account_name(a), msg);
	wait_fail(a, msg);
	if (browser != NULL)
		redirect_reply(browser, 200, "OK", msg);
}

void
authflow_exchange(struct account *a, const char *code,
    struct evhttp_request *browser)
{
	const struct pz_account *c = a->conf;
	struct pz_err err;
	char *redirect;
	const char *fields[] = {
		"code", code,
		"client_id", c->client_id,
		"client_secret", c->client_secret,
		"code_verifier", a->verifier,
		"redirect_uri", NULL,
		"grant_type", "authorization_code",
		NULL
	};

	if ((redirect = authflow_redirect_uri(a, &err)) == NULL) {
		redirect_reply(browser, 500, "Internal Server Error", err.msg);
		return;
	}
	fields[9] = redirect;
	account_cancel_request(a);
	if (a->browser != NULL)
		redirect_reply(a->browser, 409, "Conflict",
		    "Another browser answered this request");
	a->browser = browser;
	a->req = http_post_form(a->srv->http, discover_endpoint(a, EP_TOKEN),
	    fields, on_exchange_done, a, &err);
	free(redirect);
	if (a->req == NULL) {
		a->browser = NULL;
		redirect_reply(browser, 500, "Internal Server Error", err.msg);
		return;
	}
	account_timer_at(a, &a->browser_timer, on_browser_wait,
	    clock_add_ms(clock_now(), AUTHFLOW_BROWSER_WAIT_MS));
}
