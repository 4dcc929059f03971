/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The control commands that hand out tokens: pizauth's showtoken and
 * refresh, and ours: showtoken_wait (`show -w`) and showtoken_match (an
 * adapter asking by user and host).
 *
 *   showtoken:withurl|withouturl ACCOUNT
 *   showtoken_wait:withurl|withouturl SECS ACCOUNT
 *   showtoken_match:withurl|withouturl SECS\nuser=USER\nhost=HOST
 *   token_details:withurl|withouturl SECS\naccount=NAME or user=/host=
 *   refresh:withurl|withouturl ACCOUNT
 *
 * token_details answers a token as details:{"account": NAME,
 * "access_token": TOKEN, "expires": UNIX-TIME}; otherwise as showtoken.
 * Both answer nomatch:MSG when no account is meant and ambiguous:MSG when
 * several are.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/config.h"
#include "core/ctl.h"
#include "core/json_secret.h"
#include "core/secret.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/clock.h"
#include "daemon/server/control.h"
#include "daemon/server/control_p.h"
#include "daemon/server/device.h"
#include "daemon/server/discover.h"
#include "daemon/server/match.h"
#include "daemon/server/refresh.h"
#include "daemon/server/server.h"
#include "daemon/server/wait.h"

/* How long a `show` waits for the provider to issue a device code: short
 * enough for the SASL plugin's 10 s bound on the whole exchange. */
#define DEVICE_CODE_WAIT_S	8

enum token_answer {
	TA_TOKEN,	/* reply holds access_token: */
	TA_PENDING,	/* reply holds pending: */
	TA_NEEDS_URL,	/* nothing yet: a device code is being requested */
	TA_DISCOVERING,	/* nothing yet: the issuer's first fetch runs */
	TA_EXPIRED,	/* reply holds the "has expired" error */
	TA_ERROR,	/* reply holds another error */
};

/* A word of the body at *p (up to a space or newline); advances *p. */
static int
next_word(const char **p, const char *end, const char **w, size_t *len)
{
	const char *s = *p;

	*w = s;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*len = (size_t)(s - *w);
	if (s < end)
		s++;
	*p = s;
	return *len > 0 ? 0 : -1;
}

/* The flags a "withurl" / "withouturl" word asks for. */
static int
url_flag(const char *w, size_t len)
{
	return len == 7 && memcmp(w, "withurl", 7) == 0 ? CTL_WITH_URL : 0;
}

static int
parse_secs(const char *w, size_t len, unsigned *secs)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		n = n * 10 + (unsigned long)(w[i] - '0');
	}
	*secs = n > WAIT_MAX_S ? WAIT_MAX_S : (unsigned)n;
	return 0;
}

static struct account *
named_account(struct server *srv, const char *name, size_t len,
    struct pz_buf *reply)
{
	struct account *a;
	char echo[ECHO_MAX + 1];

	if ((a = server_account(srv, name, len)) == NULL) {
		echo_safe(echo, sizeof(echo), name, len);
		reply_error(reply, "No account '%s'", echo);
	}
	return a;
}

/* Parse "withurl|withouturl ACCOUNT" (the account name may hold spaces). */
static struct account *
url_and_account(struct server *srv, const struct pz_ctl_msg *m,
    int *how, struct pz_buf *reply)
{
	const char *p = m->body, *end = m->body + m->bodylen, *w;
	size_t len;

	if (next_word(&p, end, &w, &len) == -1 || p >= end) {
		reply_error(reply, "Malformed request");
		return NULL;
	}
	*how = url_flag(w, len);
	return named_account(srv, p, (size_t)(end - p), reply);
}

/*
 * pending:URL, as pizauth's.  An adapter's lookup gets "account=NAME" on
 * the next line, so that what it logs (Postfix's log, say) names the
 * account to authorise.  When the last attempt failed because the
 * configuration is wrong, why follows on a line of its own: authorising
 * again would fail the same way, and pizauth's client prints the line with
 * the URL's.
 */
static void
reply_pending(const struct account *a, int how, struct pz_buf *reply)
{
	const char *name = account_name(a);

	pz_buf_printf(reply, "pending:%s", (how & CTL_WITH_URL) ? a->url : "");
	if ((how & CTL_LOOKUP) && strchr(name, '\n') == NULL)
		pz_buf_printf(reply, "\naccount=%s", name);
	if (a->last_error != NULL && a->error_is_config)
		pz_buf_printf(reply, "\n%s", a->last_error);
}

/* Begin (or begin again) authorising a. */
static enum token_answer
start_auth(struct account *a, int how, struct pz_buf *reply)
{
	struct pz_err err;

	/* With an issuer, nothing can start before its metadata is in. */
	switch (discover_state(a)) {
	case DISCOVER_FIRST:
		return TA_DISCOVERING;
	case DISCOVER_RETRYING:
	case DISCOVER_FAILED:
		reply_error(reply, "%s", discover_error(a) != NULL ?
		    discover_error(a) : "The provider's endpoints are not "
		    "known");
		return TA_ERROR;
	case DISCOVER_NONE:
	case DISCOVER_DONE:
		break;
	}
	if (a->conf->flow == PZ_FLOW_DEVICE) {
		if (device_start(a, &err) == -1) {
			reply_error(reply, "%s", err.msg);
			return TA_ERROR;
		}
		return TA_NEEDS_URL;
	}
	if (authflow_start(a, &err) == -1) {
		reply_error(reply, "%s", err.msg);
		return TA_ERROR;
	}
	reply_pending(a, how, reply);
	return TA_PENDING;
}

/* details:{"account": NAME, "access_token": T, "expires": UNIX} for
 * adapters that need to know which account and until when. */
static void
token_details(const struct account *a, struct pz_buf *reply)
{
	json_t *j;
	char *s;

	j = json_pack("{s:s, s:s, s:I}", "account", account_name(a),
	    "access_token", a->access_token, "expires",
	    (json_int_t)clock_to_wall(a->expiry));
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		pz_json_wipe_decref(j);
		reply_error(reply, "Out of memory");
		return;
	}
	pz_json_wipe_decref(j);
	pz_buf_printf(reply, "details:%s", s);
	pz_wipe(s, strlen(s));
	free(s);
}

/* What showtoken answers for a now. */
static enum token_answer
token_answer(struct account *a, int how, struct pz_buf *reply)
{
	switch (a->state) {
	case TOK_EMPTY:
		if (device_requesting(a))
			return TA_NEEDS_URL;
		return start_auth(a, how, reply);
	case TOK_PENDING:
		reply_pending(a, how, reply);
		return TA_PENDING;
	case TOK_ACTIVE:
		break;
	}
	if (account_token_valid(a)) {
		if (how & CTL_DETAILS)
			token_details(a, reply);
		else
			pz_buf_printf(reply, "access_token:%s",
			    a->access_token);
		return TA_TOKEN;
	}
	/* Start a refresh, unless one waits out a transient error: `show`
	 * runs on every mail fetch and must not hammer a provider that is
	 * down. */
	if (a->retry_at == CLOCK_UNSET)
		refresh_soon(a);
	if (a->last_error != NULL)
		reply_error(reply, "Access token has expired and refreshing "
		    "has not yet succeeded (%s)", a->last_error);
	else
		reply_error(reply, "Access token has expired and refreshing "
		    "has not yet succeeded");
	return TA_EXPIRED;
}

void
control_token_start(struct account *a)
{
	struct pz_buf scratch = PZ_BUF_INIT;

	if (a->state == TOK_EMPTY)
		token_answer(a, 0, &scratch);
	pz_buf_clear(&scratch);
}

void
control_token_reply(struct account *a, int how, struct pz_buf *reply)
{
	switch (token_answer(a, how, reply)) {
	case TA_NEEDS_URL:
		reply_error(reply, "Still waiting for the provider to issue "
		    "a device code");
		break;
	case TA_DISCOVERING:
		reply_error(reply, "Still discovering the provider's "
		    "endpoints from %s", a->conf->issuer);
		break;
	default:
		break;
	}
}

/* Answer now, or wait up to secs for a token (0: only for a device code,
 * which `show` cannot do without). */
static enum ctl_result
answer_or_wait(struct account *a, struct ctl_conn *conn, int how,
    unsigned secs, struct pz_buf *reply)
{
	enum token_answer ta = token_answer(a, how, reply);

	if (ta == TA_TOKEN || ta == TA_ERROR)
		return CTL_REPLY;
	/* A show that comes while the issuer's first fetch runs waits for
	 * it, briefly, rather than failing at once. */
	if (ta == TA_DISCOVERING && secs == 0) {
		pz_buf_clear(reply);
		if (wait_add(a, conn, WAIT_DISCOVERY, how, DISCOVER_WAIT_S) ==
		    -1)
			return reply_error(reply, "Out of memory");
		return CTL_DEFERRED;
	}
	if (secs == 0 && ta != TA_NEEDS_URL)
		return CTL_REPLY;
	pz_buf_clear(reply);
	if (wait_add(a, conn, secs > 0 ? WAIT_TOKEN : WAIT_URL, how,
	    secs > 0 ? secs : DEVICE_CODE_WAIT_S) == -1)
		return reply_error(reply, "Out of memory");
	return CTL_DEFERRED;
}

enum ctl_result
cmd_showtoken(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct account *a;
	int how;

	if ((a = url_and_account(srv, m, &how, reply)) == NULL)
		return CTL_REPLY;
	return answer_or_wait(a, conn, how, 0, reply);
}

enum ctl_result
cmd_showtoken_wait(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	const char *p = m->body, *end = m->body + m->bodylen, *w, *s;
	struct account *a;
	size_t len, slen;
	unsigned secs;
	int how;

	if (next_word(&p, end, &w, &len) == -1 ||
	    next_word(&p, end, &s, &slen) == -1 ||
	    parse_secs(s, slen, &secs) == -1 || p >= end)
		return reply_error(reply, "Malformed request");
	how = url_flag(w, len);
	if ((a = named_account(srv, p, (size_t)(end - p), reply)) == NULL)
		return CTL_REPLY;
	return answer_or_wait(a, conn, how, secs, reply);
}

/* A "key=value" line of the match request into buf (NUL-terminated). */
static int
take_field(const char *line, size_t len, const char *key, char *buf,
    size_t buflen)
{
	size_t klen = strlen(key);

	if (len <= klen || memcmp(line, key, klen) != 0 || line[klen] != '=')
		return 0;
	if (len - klen - 1 == 0 || len - klen - 1 >= buflen ||
	    memchr(line + klen + 1, '\0', len - klen - 1) != NULL)
		return -1;
	memcpy(buf, line + klen + 1, len - klen - 1);
	buf[len - klen - 1] = '\0';
	return 1;
}

/*
 * showtoken_match and token_details: "withurl|withouturl SECS" then
 * "key=value" lines naming the account (account=NAME) or what it serves
 * (user=, host=, matched as match.h says).
 */
static enum ctl_result
lookup_request(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, int details, struct pz_buf *reply)
{
	const char *p = m->body, *end = m->body + m->bodylen, *w, *s, *nl;
	char user[256], host[256], name[256], why[512];
	int how, have_user = 0, have_host = 0, have_name = 0, r;
	struct account *a;
	size_t len, slen;
	unsigned secs;

	if (next_word(&p, end, &w, &len) == -1 ||
	    next_word(&p, end, &s, &slen) == -1 ||
	    parse_secs(s, slen, &secs) == -1)
		return reply_error(reply, "Malformed request");
	how = url_flag(w, len) | CTL_LOOKUP | (details ? CTL_DETAILS : 0);
	/* Unknown keys are ignored, so adapters may send more later. */
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if ((r = take_field(p, len, "user", user, sizeof(user))) == 1)
			have_user = 1;
		else if (r == 0 && (r = take_field(p, len, "host", host,
		    sizeof(host))) == 1)
			have_host = 1;
		else if (r == 0 && (r = take_field(p, len, "account", name,
		    sizeof(name))) == 1)
			have_name = 1;
		if (r == -1)
			return reply_error(reply, "Malformed request");
	}
	/* No account, or several: kinds of their own, so an adapter can
	 * step aside (nomatch) or refuse to guess (ambiguous) without
	 * reading the words. */
	if (have_name) {
		if ((a = server_account(srv, name, strlen(name))) == NULL) {
			echo_safe(why, sizeof(why), name, strlen(name));
			pz_buf_printf(reply, "nomatch:No account '%s'", why);
			return CTL_REPLY;
		}
	} else if (!have_user && !have_host)
		return reply_error(reply, "Malformed request: no account, "
		    "user or host");
	else if ((a = match_account(srv, have_user ? user : NULL,
	    have_host ? host : NULL, why, sizeof(why))) == NULL) {
		pz_buf_printf(reply, "%s:%s", match_count(srv, have_user ?
		    user : NULL, have_host ? host : NULL) > 1 ? "ambiguous" :
		    "nomatch", why);
		return CTL_REPLY;
	}
	return answer_or_wait(a, conn, how, secs, reply);
}

enum ctl_result
cmd_showtoken_match(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	return lookup_request(srv, conn, m, 0, reply);
}

enum ctl_result
cmd_token_details(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	return lookup_request(srv, conn, m, 1, reply);
}

enum ctl_result
cmd_refresh(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct account *a;
	int how;

	if ((a = url_and_account(srv, m, &how, reply)) == NULL)
		return CTL_REPLY;
	if (a->state == TOK_ACTIVE) {
		refresh_now(a);
		pz_buf_puts(reply, "scheduled:");
		return CTL_REPLY;
	}
	switch (start_auth(a, how, reply)) {
	case TA_NEEDS_URL:
		if (wait_add(a, conn, WAIT_URL, how, DEVICE_CODE_WAIT_S) ==
		    -1)
			return reply_error(reply, "Out of memory");
		return CTL_DEFERRED;
	default:
		return CTL_REPLY;
	}
}
