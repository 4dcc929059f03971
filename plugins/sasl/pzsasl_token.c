/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Asking the daemon for the token of the account serving a user and host. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/json_secret.h"
#include "core/paths.h"
#include "core/secret.h"
#include "plugins/sasl/pzsasl.h"

/* A value the daemon's one-field-per-line request cannot carry. */
static int
unsendable(const char *s)
{
	return s != NULL && (*s == '\0' || strchr(s, '\n') != NULL);
}

int
pzsasl_token_request(const struct pzsasl_query *q, struct pz_buf *req)
{
	int r;

	if (q->user == NULL || unsendable(q->user) || unsendable(q->host) ||
	    unsendable(q->port))
		return -1;
	/* SECS 0: the plugin runs inside a mail client and must not wait
	 * for the user; the daemon starts the authorisation and notifies. */
	r = pz_buf_printf(req, "token_details:withurl 0\nuser=%s", q->user);
	if (r == 0 && q->host != NULL) {
		/* A port after an IPv6 address would read as part of it. */
		if (q->port != NULL && strchr(q->host, ':') == NULL)
			r = pz_buf_printf(req, "\nhost=%s:%s", q->host, q->port);
		else
			r = pz_buf_printf(req, "\nhost=%s", q->host);
	}
	return r;
}

/* The access token of a details:{...} body. */
static enum pzsasl_source
details_token(const char *body, size_t len, char **token, struct pz_err *err)
{
	json_t *j, *t;
	const char *s;

	if ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL) {
		pz_errf(err, "pizauth: malformed response from the daemon");
		return PZSASL_FAILED;
	}
	t = json_object_get(j, "access_token");
	if ((s = json_string_value(t)) == NULL || *s == '\0' ||
	    strlen(s) != json_string_length(t) ||
	    strpbrk(s, "\001\r\n") != NULL) {
		pz_json_wipe_decref(j);
		pz_errf(err, "pizauth: malformed response from the daemon");
		return PZSASL_FAILED;
	}
	*token = pz_strdup(s);
	pz_json_wipe_decref(j);
	if (*token == NULL) {
		pz_errf(err, "pizauth: out of memory");
		return PZSASL_FAILED;
	}
	return PZSASL_TOKEN;
}

enum pzsasl_source
pzsasl_token_reply(const char *reply, size_t len, char **token,
    struct pz_err *err)
{
	struct pz_ctl_msg m;

	*token = NULL;
	if (pz_ctl_split(reply, len, &m) == -1) {
		pz_errf(err, "pizauth: malformed response from the daemon");
		return PZSASL_FAILED;
	}
	if (pz_ctl_head_is(&m, "details"))
		return details_token(m.body, m.bodylen, token, err);
	if (pz_ctl_head_is(&m, "pending")) {
		pz_errf(err, "pizauth: Access token unavailable until "
		    "authorised with URL %.*s", (int)m.bodylen, m.body);
		return PZSASL_NOT_YET;
	}
	/* No account serves this user: not ours to answer.  Several do:
	 * an error, never a guess. */
	if (pz_ctl_head_is(&m, "nomatch")) {
		pz_errf(err, "pizauth: %.*s", (int)m.bodylen, m.body);
		return PZSASL_FALLBACK;
	}
	if (pz_ctl_head_is(&m, "error") || pz_ctl_head_is(&m, "ambiguous")) {
		pz_errf(err, "pizauth: %.*s", (int)m.bodylen, m.body);
		return PZSASL_FAILED;
	}
	pz_errf(err, "pizauth: malformed response from the daemon");
	return PZSASL_FAILED;
}

/* Put "pizauth: " before a core message, as the plugin's others have. */
static void
prefix(struct pz_err *err)
{
	memmove(err->msg + 9, err->msg, sizeof(err->msg) - 9);
	memcpy(err->msg, "pizauth: ", 9);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum pzsasl_source
pzsasl_token_get(const struct pzsasl_query *q, char **token,
    struct pz_err *err)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT,
	    sock = PZ_BUF_INIT;
	enum pzsasl_source src;
	int64_t t0;
	int r;

	*token = NULL;
	if (pzsasl_token_request(q, &req) == -1) {
		pz_buf_clear(&req);
		pz_errf(err, "pizauth: cannot ask for user '%s'",
		    q->user != NULL ? q->user : "");
		return PZSASL_FALLBACK;
	}
	/* As `pizauth show`: make sure the directory is ours (created 0700
	 * if missing), so that nobody else's socket can answer.  If it is
	 * not, there is no daemon of ours to ask. */
	if (pz_paths_socket(&sock, 1, err) == -1) {
		pz_buf_clear(&req);
		pz_buf_clear(&sock);
		prefix(err);
		return PZSASL_FALLBACK;
	}
	t0 = now_ms();
	r = pz_ctl_call(pz_buf_str(&sock), req.data, req.len, &reply,
	    PZSASL_TIMEOUT_MS, 0, err);
	pz_buf_clear(&req);
	pz_buf_clear(&sock);
	if (r == -1) {
		pz_buf_clear(&reply);
		if (strcmp(err->msg, PZ_CTL_NOT_RUNNING) != 0) {
			prefix(err);
			return PZSASL_FAILED;
		}
		/* A daemon that is there but silent (a device-flow account
		 * waiting for its code) is not a missing one. */
		if (now_ms() - t0 >= PZSASL_TIMEOUT_MS) {
			pz_errf(err, "pizauth: no answer from the daemon "
			    "within %d seconds", PZSASL_TIMEOUT_MS / 1000);
			return PZSASL_FAILED;
		}
		pz_errf(err, "pizauth: %s", PZ_CTL_NOT_RUNNING);
		return PZSASL_FALLBACK;
	}
	src = pzsasl_token_reply(reply.data, reply.len, token, err);
	pz_buf_clear(&reply);
	return src;
}
