/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The HTTP and HTTPS redirect listeners the browser comes back to. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/config.h"
#include "core/secret.h"
#include "core/text.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/redirect.h"
#include "daemon/server/redirect_guard.h"
#include "daemon/server/redirect_match.h"
#include "daemon/server/server.h"
#include "daemon/server/wait.h"

/* Generous for a redirect, small for anything else. */
#define MAX_HEADERS_SIZE	16384
#define MAX_BODY_SIZE		1024
#define REQUEST_TIMEOUT_S	10

struct redirect {
	struct server		*srv;
	struct evhttp		*http;
	struct redirect_guard	*guard;
	SSL_CTX			*tls;
	int			 port;
};

void
redirect_reply(struct evhttp_request *req, int code, const char *reason,
    const char *msg)
{
	struct evbuffer *b;
	char *esc;

	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	esc = evhttp_htmlescape(msg);
	evbuffer_add_printf(b, "<html><body><h2>%s</h2></body></html>\n",
	    esc != NULL ? esc : "");
	free(esc);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	/* One request per connection: the guard bounds each from its start. */
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* The account waiting for a code whose state equals state, compared in
 * constant time so a guessing client learns nothing from timing.  Accounts
 * in the device flow have no state and never match. */
static struct account *
pending_by_state(struct server *srv, const char *state)
{
	struct account *found = NULL;
	size_t i;

	for (i = 0; i < srv->naccounts; i++) {
		struct account *a = srv->accounts[i];

		if (account_awaits_code(a) &&
		    pz_secret_eq(a->state_param, state))
			found = a;
	}
	return found;
}

/*
 * A browser coming back, answered as pizauth 1.1.0 answers: 400 for what
 * is no GET with one valid Host; 404 without a state (favicon.ico) or
 * away from the account's redirect URI; 200 "no pending token" for a
 * state nobody waits for; 400 for the provider's error= and for a
 * missing code; otherwise the code is exchanged, and the browser learns
 * the outcome, or that it is being processed (authflow_exchange()).
 */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct redirect *r = arg;
	struct evkeyvalq q;
	const char *query, *host, *code, *state, *error;
	struct account *a;
	char why[256], msg[512];

	guard_request_complete(r->guard, req);
	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    (host = redirect_host(req)) == NULL ||
	    (query != NULL && evhttp_parse_query_str(query, &q) == -1)) {
		evhttp_clear_headers(&q);
		evhttp_send_error(req, HTTP_BADREQUEST, NULL);
		return;
	}
	code = evhttp_find_header(&q, "code");
	state = evhttp_find_header(&q, "state");
	error = evhttp_find_header(&q, "error");
	if (state == NULL) {
		evhttp_clear_headers(&q);
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if ((a = pending_by_state(r->srv, state)) == NULL) {
		evhttp_clear_headers(&q);
		redirect_reply(req, 200, "OK", "No pending token matches "
		    "request state: request a fresh token");
		return;
	}
	if (!redirect_matches(a, r->tls != NULL, host, req)) {
		log_warnx("account '%s': redirect to a URI other than its "
		    "redirect_uri refused", account_name(a));
		evhttp_clear_headers(&q);
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (error != NULL) {
		/* The provider sent the user back with an error (RFC 6749
		 * 4.1.2.1), e.g. access_denied.  Anyone can send one: its
		 * words reach terminals and hooks only made safe. */
		pz_text_safe(error, strlen(error), why, sizeof(why));
		snprintf(msg, sizeof(msg), "Authentication for %s failed: %s",
		    account_name(a), why);
		account_clear(a, NULL);
		account_set_error(a, msg);
		notify_error(r->srv, account_name(a), msg);
		wait_fail(a, msg);
		redirect_reply(req, 400, "Bad Request", msg);
	} else if (code == NULL)
		evhttp_send_error(req, HTTP_BADREQUEST, NULL);
	else
		authflow_exchange(a, code, req);
	evhttp_clear_headers(&q);
}

/* Split "host:port" / "[v6]:port". */
static int
split_listen(const char *listen, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(listen, ':');
	const char *h = listen;
	size_t len;
	char *end;
	long p;

	if (colon == NULL)
		return -1;
	len = (size_t)(colon - listen);
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len == 0 || len >= hostlen)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

struct redirect *
redirect_new(struct server *srv, const char *listen, SSL_CTX *tls,
    struct pz_err *err)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct redirect *r;
	char host[256];
	int port;

	if (split_listen(listen, host, sizeof(host), &port) == -1) {
		pz_errf(err, "Invalid listen address '%s'", listen);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->http = evhttp_new(srv->base)) == NULL) {
		free(r);
		pz_errf(err, "Out of memory");
		return NULL;
	}
	r->srv = srv;
	evhttp_set_max_headers_size(r->http, MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(r->http, MAX_BODY_SIZE);
	evhttp_set_timeout(r->http, REQUEST_TIMEOUT_S);
	evhttp_set_gencb(r->http, on_request, r);
	if (tls != NULL) {
		SSL_CTX_up_ref(tls);
		r->tls = tls;
	}
	if ((bound = evhttp_bind_socket_with_handle(r->http, host,
	    (ev_uint16_t)port)) == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&ss, &sslen) == -1) {
		pz_errf(err, "Can't listen on %s", listen);
		redirect_free(r);
		return NULL;
	}
	if ((r->guard = guard_new(srv->base, r->http, bound, r->tls)) ==
	    NULL) {
		pz_errf(err, "Out of memory");
		redirect_free(r);
		return NULL;
	}
	r->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return r;
}

int
redirect_port(const struct redirect *r)
{
	return r->port;
}

void
redirect_free(struct redirect *r)
{
	if (r == NULL)
		return;
	guard_free(r->guard);
	if (r->http != NULL)
		evhttp_free(r->http);
	SSL_CTX_free(r->tls);
	free(r);
}
