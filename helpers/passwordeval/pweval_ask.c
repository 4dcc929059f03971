/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Asking the daemon for a token: the request, the call, the reply. */
#include <string.h>

#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/paths.h"
#include "core/secret.h"
#include "helpers/passwordeval/pweval.h"

/* Answers that need no user: the daemon's own, long enough for a
 * device-flow account whose code the provider has yet to issue. */
#define ASK_TIMEOUT_MS	(60 * 1000)

/* Append "\nkey=value"; a newline in value would start another field. */
static int
add_field(struct pz_buf *req, const char *key, const char *val,
    const char *port, struct pz_err *err)
{
	if (*val == '\0' || strchr(val, '\n') != NULL)
		return pz_errf(err, "The %s must not be empty or hold a "
		    "newline", key);
	/* A port lets the daemon match an account listing "host:port"; an
	 * IPv6 address would make it ambiguous, so it goes without. */
	if (port != NULL && strchr(val, ':') == NULL) {
		if (pz_buf_printf(req, "\n%s=%s:%s", key, val, port) == -1)
			return pz_errf(err, "Out of memory");
	} else if (pz_buf_printf(req, "\n%s=%s", key, val) == -1)
		return pz_errf(err, "Out of memory");
	return 0;
}

int
pweval_ask_request(const struct pweval_query *q, struct pz_buf *req,
    struct pz_err *err)
{
	if (q->account == NULL && q->user == NULL && q->host == NULL)
		return pz_errf(err, "No account, user or host given");
	if (pz_buf_printf(req, "showtoken_match:withurl %u", q->wait) == -1)
		return pz_errf(err, "Out of memory");
	/* An account named explicitly wins over matching. */
	if (q->account != NULL)
		return add_field(req, "account", q->account, NULL, err);
	if (q->user != NULL && add_field(req, "user", q->user, NULL, err) == -1)
		return -1;
	if (q->host != NULL && add_field(req, "host", q->host, q->port, err) ==
	    -1)
		return -1;
	return 0;
}

/* The token of an access_token:TOKEN reply, which must print as one line. */
static enum pweval_status
reply_token(const char *body, size_t len, char **token, struct pz_err *err)
{
	if (len == 0 || memchr(body, '\n', len) != NULL ||
	    memchr(body, '\r', len) != NULL || memchr(body, '\0', len) != NULL) {
		pz_errf(err, "Malformed response from pizauth");
		return PWEVAL_FAILED;
	}
	if ((*token = pz_strndup(body, len)) == NULL) {
		pz_errf(err, "Out of memory");
		return PWEVAL_FAILED;
	}
	return PWEVAL_OK;
}

enum pweval_status
pweval_ask_reply(const char *reply, size_t len, char **token,
    struct pz_err *err)
{
	struct pz_ctl_msg m;

	*token = NULL;
	if (pz_ctl_split(reply, len, &m) == -1) {
		pz_errf(err, "Malformed response from pizauth");
		return PWEVAL_FAILED;
	}
	if (pz_ctl_head_is(&m, "access_token"))
		return reply_token(m.body, m.bodylen, token, err);
	if (pz_ctl_head_is(&m, "pending")) {
		if (m.bodylen == 0)
			pz_errf(err, "Access token unavailable until "
			    "authorised");
		else
			pz_errf(err, "Access token unavailable until "
			    "authorised with URL %.*s", (int)m.bodylen, m.body);
		return PWEVAL_PENDING;
	}
	/* No account meant, or several: the daemon says which. */
	if (pz_ctl_head_is(&m, "nomatch") || pz_ctl_head_is(&m, "ambiguous")) {
		pz_errf(err, "%.*s", (int)m.bodylen, m.body);
		return PWEVAL_NO_ACCOUNT;
	}
	if (pz_ctl_head_is(&m, "error")) {
		pz_errf(err, "%.*s", (int)m.bodylen, m.body);
		return PWEVAL_FAILED;
	}
	pz_errf(err, "Malformed response from pizauth");
	return PWEVAL_FAILED;
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
	if (r == -1) {
		pz_buf_clear(&reply);
		return strcmp(err->msg, PZ_CTL_NOT_RUNNING) == 0 ?
		    PWEVAL_NOT_RUNNING : PWEVAL_FAILED;
	}
	st = pweval_ask_reply(reply.data, reply.len, token, err);
	pz_buf_clear(&reply);
	return st;
}
