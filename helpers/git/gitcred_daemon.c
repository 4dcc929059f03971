/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Asking the pizauth daemon for a token, or for a refresh. */
#include <stdlib.h>
#include <string.h>

#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/lookup.h"
#include "core/secret.h"
#include "helpers/git/gitcred_daemon.h"

/* How long the daemon may take beyond a wait we asked for: a device-flow
 * account waits for its code from the provider. */
#define SLACK_MS	(60 * 1000)

#define MALFORMED	"Malformed response from pizauth"

void
gitcred_daemon_token_clear(struct gitcred_token *t)
{
	free(t->account);
	pz_secret_free(t->token);
	t->account = t->token = NULL;
	t->expires = 0;
}

/* Move the token of a lookup reply into t. */
static void
take_token(struct pz_lookup_reply *r, struct gitcred_token *t)
{
	gitcred_daemon_token_clear(t);
	t->account = r->account;
	t->token = r->token;
	t->expires = r->expires;
	r->account = r->token = NULL;
}

int
gitcred_daemon_parse(const char *json, size_t len, struct gitcred_token *t,
    struct pz_err *err)
{
	struct pz_lookup_reply r = PZ_LOOKUP_REPLY_INIT;
	enum pz_lookup_kind kind = pz_lookup_details(json, len, &r);

	if (kind == PZ_LOOKUP_TOKEN)
		take_token(&r, t);
	pz_lookup_reply_clear(&r);
	if (kind == PZ_LOOKUP_NOMEM)
		return pz_errf(err, "Out of memory");
	return kind == PZ_LOOKUP_TOKEN ? 0 : pz_errf(err, MALFORMED);
}

static enum gitcred_answer
answer(const char *reply, size_t len, const char *account,
    struct gitcred_token *t, struct pz_buf *url, struct pz_err *err)
{
	struct pz_lookup_reply r = PZ_LOOKUP_REPLY_INIT;
	enum gitcred_answer a = GITCRED_FAILED;

	switch (pz_lookup_parse(reply, len, &r)) {
	case PZ_LOOKUP_TOKEN:
		if (r.account == NULL) {	/* not a details: reply */
			pz_errf(err, MALFORMED);
			break;
		}
		take_token(&r, t);
		a = GITCRED_TOKEN;
		break;
	case PZ_LOOKUP_PENDING:
		if (pz_buf_append(url, r.text, r.textlen) == -1)
			pz_errf(err, "Out of memory");
		else
			a = GITCRED_PENDING;
		break;
	case PZ_LOOKUP_NOMATCH:
		pz_errf(err, "%.*s", (int)r.textlen, r.text);
		/* No account serves this remote: not ours to answer, unless
		 * the user named the account. */
		if (account == NULL)
			a = GITCRED_NO_ACCOUNT;
		break;
	case PZ_LOOKUP_AMBIGUOUS:
	case PZ_LOOKUP_ERROR:
		pz_errf(err, "%.*s", (int)r.textlen, r.text);
		break;
	case PZ_LOOKUP_NOMEM:
		pz_errf(err, "Out of memory");
		break;
	case PZ_LOOKUP_MALFORMED:
		pz_errf(err, MALFORMED);
		break;
	}
	pz_lookup_reply_clear(&r);
	return a;
}

enum gitcred_answer
gitcred_daemon_token(const char *sock, const char *account, const char *user,
    const char *host, unsigned secs, struct gitcred_token *t,
    struct pz_buf *url, struct pz_err *err)
{
	struct pz_lookup l = { account, user, host, NULL, secs, 1 };
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	enum gitcred_answer a = GITCRED_FAILED;

	switch (pz_lookup_request(&l, &req)) {
	case 0:
		break;
	case 1:
		/* A user or host the daemon cannot take is one no account
		 * can list; a named account it cannot take is a mistake. */
		if (account != NULL)
			pz_errf(err, "Invalid account name");
		else
			a = GITCRED_NO_ACCOUNT;
		goto out;
	default:
		pz_errf(err, "Out of memory");
		goto out;
	}
	if (pz_ctl_call(sock, req.data, req.len, &reply,
	    (int)secs * 1000 + SLACK_MS, 0, err) != 0)
		goto out;
	a = answer(reply.data, reply.len, account, t, url, err);
out:
	pz_buf_clear(&req);
	pz_buf_clear(&reply);
	return a;
}

int
gitcred_daemon_refresh(const char *sock, const char *account,
    struct pz_err *err)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	struct pz_ctl_msg m;
	int r = -1;

	if (pz_buf_printf(&req, "refresh:withurl %s", account) == -1) {
		pz_errf(err, "Out of memory");
		goto out;
	}
	if (pz_ctl_call(sock, req.data, req.len, &reply, SLACK_MS, 0, err) !=
	    0)
		goto out;
	if (pz_ctl_split(reply.data, reply.len, &m) == -1)
		pz_errf(err, MALFORMED);
	else if (pz_ctl_head_is(&m, "scheduled"))
		r = 0;
	else if (pz_ctl_head_is(&m, "pending"))
		pz_errf(err, "Access token unavailable until authorised with "
		    "URL %.*s", (int)m.bodylen, m.body);
	else if (pz_ctl_head_is(&m, "error"))
		pz_errf(err, "%.*s", (int)m.bodylen, m.body);
	else
		pz_errf(err, MALFORMED);
out:
	pz_buf_clear(&req);
	pz_buf_clear(&reply);
	return r;
}
