/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Revoking tokens locally and at the provider (RFC 7009). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/secret.h"
#include "core/token.h"
#include "daemon/server/account.h"
#include "daemon/server/discover.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/revoke.h"
#include "daemon/server/server.h"
#include "daemon/server/wait.h"

struct revocation {
	struct server		*srv;
	struct ctl_conn		*conn;
	struct http_req		*req;
	char			*account;
	struct revocation	*next;
};

static void
unlink_free(struct revocation *r)
{
	struct revocation **pp;

	for (pp = &r->srv->revocations; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	free(r->account);
	free(r);
}

static void
on_revoked(const struct http_result *res, void *arg)
{
	struct revocation *r = arg;
	struct pz_token_resp tr = PZ_TOKEN_RESP_INIT;
	struct pz_buf reply = PZ_BUF_INIT;

	r->req = NULL;
	/* RFC 7009 2.2: 200 means revoked (or already invalid). */
	if (res->status == 200) {
		log_info("account '%s': revoked at the provider", r->account);
		pz_buf_puts(&reply, "ok:");
	} else {
		if (res->status == 0)
			snprintf(tr.msg, sizeof(tr.msg), "%s", res->error);
		else
			pz_token_parse(res->status, res->retry_after,
			    res->body, res->bodylen, &tr);
		log_warnx("account '%s': revocation refused: %s", r->account,
		    tr.msg);
		pz_buf_printf(&reply, "error:Token removed locally, but the "
		    "provider did not revoke it: %s", tr.msg);
		pz_token_resp_clear(&tr);
	}
	control_answer(r->conn, reply.data, reply.len);
	pz_buf_clear(&reply);
	unlink_free(r);
}

enum ctl_result
revoke_account(struct account *a, struct ctl_conn *conn,
    struct pz_buf *reply)
{
	const struct pz_account *c = a->conf;
	const char *revoke_uri = discover_endpoint(a, EP_REVOKE);
	struct revocation *r;
	const char *hint = a->refresh_token != NULL ? "refresh_token" :
	    "access_token";
	char *token = pz_strdup(a->refresh_token != NULL ? a->refresh_token :
	    a->access_token);
	struct pz_err err;
	const char *fields[] = {
		"token", token,
		"token_type_hint", hint,
		"client_id", c->client_id,
		"client_secret", c->client_secret,
		NULL
	};

	account_clear(a, "token_revoked");
	wait_fail(a, "Token revoked");
	if (revoke_uri == NULL || token == NULL) {
		pz_secret_free(token);
		pz_buf_puts(reply, "ok:");
		return CTL_REPLY;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->account = strdup(c->name)) == NULL) {
		free(r);
		pz_secret_free(token);
		pz_buf_puts(reply, "error:Token removed locally, but the "
		    "provider was not asked to revoke it: out of memory");
		return CTL_REPLY;
	}
	r->srv = a->srv;
	r->conn = conn;
	r->req = http_post_form(a->srv->http, revoke_uri, fields,
	    on_revoked, r, &err);
	pz_secret_free(token);
	if (r->req == NULL) {
		free(r->account);
		free(r);
		pz_buf_printf(reply, "error:Token removed locally, but the "
		    "provider was not asked to revoke it: %s", err.msg);
		return CTL_REPLY;
	}
	r->next = a->srv->revocations;
	a->srv->revocations = r;
	return CTL_DEFERRED;
}

void
revoke_free_all(struct server *srv)
{
	while (srv->revocations != NULL) {
		http_cancel(srv->revocations->req);
		unlink_free(srv->revocations);
	}
}
