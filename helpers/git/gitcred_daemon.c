/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Asking the pizauth daemon for a token, or for a refresh. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/json_secret.h"
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

/* A JSON string without NUL, CR or LF (it goes on a protocol line). */
static const char *
line_string(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	const char *s = json_string_value(v);

	if (s == NULL || *s == '\0' || strlen(s) != json_string_length(v) ||
	    strpbrk(s, "\r\n") != NULL)
		return NULL;
	return s;
}

int
gitcred_daemon_parse(const char *json, size_t len, struct gitcred_token *t,
    struct pz_err *err)
{
	const char *account, *token;
	json_int_t expires = 0;
	json_t *j, *e;

	if ((j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return pz_errf(err, MALFORMED);
	if (!json_is_object(j) || (account = line_string(j, "account")) ==
	    NULL || (token = line_string(j, "access_token")) == NULL) {
		pz_json_wipe_decref(j);
		return pz_errf(err, MALFORMED);
	}
	if ((e = json_object_get(j, "expires")) != NULL && json_is_integer(e))
		expires = json_integer_value(e);
	gitcred_daemon_token_clear(t);
	t->account = strdup(account);
	t->token = strdup(token);
	t->expires = expires > 0 ? (long long)expires : 0;
	pz_json_wipe_decref(j);
	if (t->account == NULL || t->token == NULL) {
		gitcred_daemon_token_clear(t);
		return pz_errf(err, "Out of memory");
	}
	return 0;
}

/* Append "\nkey=value" to req; 1 if value is not one the daemon takes. */
static int
add_field(struct pz_buf *req, const char *key, const char *value,
    struct pz_err *err)
{
	if (strlen(value) >= GITCRED_DAEMON_VALUE_MAX ||
	    strchr(value, '\n') != NULL)
		return 1;
	if (pz_buf_printf(req, "\n%s=%s", key, value) == -1)
		return pz_errf(err, "Out of memory");
	return 0;
}

static enum gitcred_answer
answer(const char *reply, size_t len, const char *account,
    struct gitcred_token *t, struct pz_buf *url, struct pz_err *err)
{
	struct pz_ctl_msg m;

	if (pz_ctl_split(reply, len, &m) == -1) {
		pz_errf(err, MALFORMED);
		return GITCRED_FAILED;
	}
	if (pz_ctl_head_is(&m, "details"))
		return gitcred_daemon_parse(m.body, m.bodylen, t, err) == 0 ?
		    GITCRED_TOKEN : GITCRED_FAILED;
	if (pz_ctl_head_is(&m, "pending")) {
		if (pz_buf_append(url, m.body, m.bodylen) == -1) {
			pz_errf(err, "Out of memory");
			return GITCRED_FAILED;
		}
		return GITCRED_PENDING;
	}
	if (pz_ctl_head_is(&m, "nomatch")) {
		pz_errf(err, "%.*s", (int)m.bodylen, m.body);
		/* No account serves this remote: not ours to answer, unless
		 * the user named the account. */
		return account == NULL ? GITCRED_NO_ACCOUNT : GITCRED_FAILED;
	}
	if (pz_ctl_head_is(&m, "error") || pz_ctl_head_is(&m, "ambiguous")) {
		pz_errf(err, "%.*s", (int)m.bodylen, m.body);
		return GITCRED_FAILED;
	}
	pz_errf(err, MALFORMED);
	return GITCRED_FAILED;
}

enum gitcred_answer
gitcred_daemon_token(const char *sock, const char *account, const char *user,
    const char *host, unsigned secs, struct gitcred_token *t,
    struct pz_buf *url, struct pz_err *err)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	enum gitcred_answer a = GITCRED_FAILED;
	int r;

	if (pz_buf_printf(&req, "token_details:withurl %u", secs) == -1) {
		pz_errf(err, "Out of memory");
		goto out;
	}
	if (account != NULL) {
		if ((r = add_field(&req, "account", account, err)) == 1)
			pz_errf(err, "Invalid account name");
		if (r != 0)
			goto out;
	} else {
		/* A user or host the daemon cannot take is one no account
		 * can list. */
		if ((user != NULL &&
		    (r = add_field(&req, "user", user, err)) != 0) ||
		    (r = add_field(&req, "host", host, err)) != 0) {
			a = r == 1 ? GITCRED_NO_ACCOUNT : GITCRED_FAILED;
			goto out;
		}
	}
	if (pz_ctl_call(sock, req.data, req.len, &reply,
	    (int)secs * 1000 + SLACK_MS, 0, err) == -1)
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
	if (pz_ctl_call(sock, req.data, req.len, &reply, SLACK_MS, 0, err) ==
	    -1)
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
