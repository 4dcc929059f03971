/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Asking the daemon for the token of the account serving a user and host. */
#include <stdlib.h>
#include <string.h>

#include "core/ctl_client.h"
#include "core/lookup.h"
#include "core/paths.h"
#include "core/secret.h"
#include "plugins/sasl/pzsasl.h"

int
pzsasl_token_request(const struct pzsasl_query *q, struct pz_buf *req)
{
	/* Wait 0: the plugin runs inside a mail client and must not wait
	 * for the user; the daemon starts the authorisation and notifies. */
	struct pz_lookup l = { NULL, q->user, q->host, q->port, 0, 1 };

	if (q->user == NULL)
		return -1;
	return pz_lookup_request(&l, req) == 0 ? 0 : -1;
}

enum pzsasl_source
pzsasl_token_reply(const char *reply, size_t len, char **token,
    struct pz_err *err)
{
	struct pz_lookup_reply r = PZ_LOOKUP_REPLY_INIT;
	enum pzsasl_source src = PZSASL_FAILED;

	*token = NULL;
	switch (pz_lookup_parse(reply, len, &r)) {
	case PZ_LOOKUP_TOKEN:
		*token = r.token;
		r.token = NULL;
		src = PZSASL_TOKEN;
		break;
	case PZ_LOOKUP_PENDING:
		/* Postfix's log shows this, and a mail server may serve many
		 * accounts: say which one to authorise. */
		if (r.account != NULL)
			pz_errf(err, "pizauth: account '%s': Access token "
			    "unavailable until authorised with URL %.*s",
			    r.account, (int)r.textlen, r.text);
		else
			pz_errf(err, "pizauth: Access token unavailable until "
			    "authorised with URL %.*s", (int)r.textlen, r.text);
		src = PZSASL_NOT_YET;
		break;
	case PZ_LOOKUP_NOMATCH:
		/* No account serves this user: not ours to answer. */
		pz_errf(err, "pizauth: %.*s", (int)r.textlen, r.text);
		src = PZSASL_FALLBACK;
		break;
	case PZ_LOOKUP_AMBIGUOUS:	/* an error, never a guess */
	case PZ_LOOKUP_ERROR:
		pz_errf(err, "pizauth: %.*s", (int)r.textlen, r.text);
		break;
	case PZ_LOOKUP_NOMEM:
		pz_errf(err, "pizauth: out of memory");
		break;
	case PZ_LOOKUP_MALFORMED:
		pz_errf(err, "pizauth: malformed response from the daemon");
		break;
	}
	pz_lookup_reply_clear(&r);
	return src;
}

/* Put "pizauth: " before a core message, as the plugin's others have. */
static void
prefix(struct pz_err *err)
{
	memmove(err->msg + 9, err->msg, sizeof(err->msg) - 9);
	memcpy(err->msg, "pizauth: ", 9);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

int
pzsasl_socket_pinned(void)
{
	const char *env = getenv(PZ_SOCKET_ENV);

	return env != NULL && *env != '\0';
}

enum pzsasl_source
pzsasl_token_get(const struct pzsasl_query *q, char **token,
    struct pz_err *err)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT,
	    sock = PZ_BUF_INIT;
	enum pzsasl_source src;
	const char *pinned = pzsasl_socket_pinned() ? getenv(PZ_SOCKET_ENV) :
	    NULL;
	int r;

	*token = NULL;
	if (pzsasl_token_request(q, &req) == -1) {
		pz_buf_clear(&req);
		pz_errf(err, "pizauth: cannot ask for user '%s'",
		    q->user != NULL ? q->user : "");
		return PZSASL_FALLBACK;
	}
	/*
	 * As `pizauth show`: make sure the directory is ours (created 0700
	 * if missing), so that nobody else's socket can answer.  If it is
	 * not, there is no daemon of ours to ask.  A socket named by
	 * $PIZAUTH_SOCKET (a system service's) means the application is
	 * set up for pizauth: no answer there is a failure that says so,
	 * where Postfix logs it and defers the mail, not a silent fallback.
	 */
	if (pz_paths_socket(&sock, 1, err) == -1) {
		pz_buf_clear(&req);
		pz_buf_clear(&sock);
		prefix(err);
		return pinned != NULL ? PZSASL_FAILED : PZSASL_FALLBACK;
	}
	r = pz_ctl_call(pz_buf_str(&sock), req.data, req.len, &reply,
	    PZSASL_TIMEOUT_MS, 0, err);
	pz_buf_clear(&req);
	pz_buf_clear(&sock);
	switch (r) {
	case 0:
		break;
	case PZ_CTL_ABSENT:
		pz_buf_clear(&reply);
		if (pinned != NULL) {
			pz_errf(err, "pizauth: %s (no server at %s, from "
			    PZ_SOCKET_ENV "): start the pizauth server",
			    PZ_CTL_NOT_RUNNING, pinned);
			return PZSASL_FAILED;
		}
		pz_errf(err, "pizauth: %s", PZ_CTL_NOT_RUNNING);
		return PZSASL_FALLBACK;
	case PZ_CTL_TIMEOUT:
		/* A daemon that is there but silent (a device-flow account
		 * waiting for its code) is not a missing one. */
		pz_buf_clear(&reply);
		pz_errf(err, "pizauth: no answer from the daemon within %d "
		    "seconds", PZSASL_TIMEOUT_MS / 1000);
		return PZSASL_FAILED;
	default:
		pz_buf_clear(&reply);
		prefix(err);
		return PZSASL_FAILED;
	}
	src = pzsasl_token_reply(reply.data, reply.len, token, err);
	pz_buf_clear(&reply);
	return src;
}
