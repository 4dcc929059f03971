/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Asking the daemon for a token: the request, the call, the reply. */
#include <string.h>

#include "core/ctl_client.h"
#include "core/lookup.h"
#include "core/paths.h"
#include "core/secret.h"
#include "helpers/passwordeval/pweval.h"

/* Answers that need no user: the daemon's own, long enough for a
 * device-flow account whose code the provider has yet to issue. */
#define ASK_TIMEOUT_MS	(60 * 1000)

int
pweval_ask_request(const struct pweval_query *q, struct pz_buf *req,
    struct pz_err *err)
{
	/* An account named explicitly wins over matching. */
	struct pz_lookup l = { q->account, q->user, q->host, q->port, q->wait,
	    0 };

	if (q->account == NULL && q->user == NULL && q->host == NULL)
		return pz_errf(err, "No account, user or host given");
	switch (pz_lookup_request(&l, req)) {
	case 0:
		return 0;
	case 1:
		return pz_errf(err, "The account, user or host must not be "
		    "empty, too long, or hold a newline");
	default:
		return pz_errf(err, "Out of memory");
	}
}

enum pweval_status
pweval_ask_reply(const char *reply, size_t len, char **token,
    struct pz_err *err)
{
	struct pz_lookup_reply r = PZ_LOOKUP_REPLY_INIT;
	enum pweval_status st = PWEVAL_FAILED;

	*token = NULL;
	switch (pz_lookup_parse(reply, len, &r)) {
	case PZ_LOOKUP_TOKEN:
		*token = r.token;
		r.token = NULL;
		st = PWEVAL_OK;
		break;
	case PZ_LOOKUP_PENDING:
		if (r.textlen == 0)
			pz_errf(err, "Access token unavailable until "
			    "authorised");
		else
			pz_errf(err, "Access token unavailable until "
			    "authorised with URL %.*s", (int)r.textlen, r.text);
		st = PWEVAL_PENDING;
		break;
	case PZ_LOOKUP_NOMATCH:
	case PZ_LOOKUP_AMBIGUOUS:
		pz_errf(err, "%.*s", (int)r.textlen, r.text);
		st = PWEVAL_NO_ACCOUNT;
		break;
	case PZ_LOOKUP_ERROR:
		pz_errf(err, "%.*s", (int)r.textlen, r.text);
		break;
	case PZ_LOOKUP_NOMEM:
		pz_errf(err, "Out of memory");
		break;
	case PZ_LOOKUP_MALFORMED:
		pz_errf(err, "Malformed response from pizauth");
		break;
	}
	pz_lookup_reply_clear(&r);
	return st;
}

enum pweval_status
pweval_ask(const struct pweval_query *q, char **token, struct pz_err *err)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT,
	    sock = PZ_BUF_INIT;
	enum pweval_status st;
	int r;

	*token = NULL;
	if (pweval_ask_request(q, &req, err) == -1) {
		pz_buf_clear(&req);
		return PWEVAL_USAGE;
	}
	/* As `pizauth show`: make sure the directory is ours (created 0700
	 * if missing), so that nobody else's socket can answer. */
	if (pz_paths_socket(&sock, 1, err) == -1) {
		pz_buf_clear(&req);
		pz_buf_clear(&sock);
		return PWEVAL_FAILED;
	}
	r = pz_ctl_call(pz_buf_str(&sock), req.data, req.len, &reply,
	    ASK_TIMEOUT_MS + (int)q->wait * 1000, 0, err);
	pz_buf_clear(&req);
	pz_buf_clear(&sock);
	if (r != 0) {
		pz_buf_clear(&reply);
		return r == PZ_CTL_ABSENT || r == PZ_CTL_TIMEOUT ?
		    PWEVAL_NOT_RUNNING : PWEVAL_FAILED;
	}
	st = pweval_ask_reply(reply.data, reply.len, token, err);
	pz_buf_clear(&reply);
	return st;
}
