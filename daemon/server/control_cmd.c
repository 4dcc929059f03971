/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The control commands, pizauth's and ours: one handler each, in a table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ctl.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/clock.h"
#include "daemon/server/control.h"
#include "daemon/server/log.h"
#include "daemon/server/persist.h"
#include "daemon/server/refresh.h"
#include "daemon/server/server.h"

/* Names longer than this in an error reply are cut. */
#define ECHO_MAX	64

typedef enum ctl_result (*ctl_handler)(struct server *, struct ctl_conn *,
    const struct pz_ctl_msg *, struct pz_buf *);

struct ctl_cmd {
	const char	*name;
	int		 no_body;	/* the request must be "name:" */
	ctl_handler	 fn;
};

/* Reply "error:" followed by printf-style text. */
static enum ctl_result
reply_error(struct pz_buf *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum ctl_result
reply_error(struct pz_buf *reply, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pz_buf_clear(reply);
	pz_buf_printf(reply, "error:%s", msg);
	return CTL_REPLY;
}

/* Copy at most ECHO_MAX bytes of outside text, printable ASCII only. */
static void
echo_safe(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && i < ECHO_MAX && n + 1 < outlen; i++)
		out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[n] = '\0';
}

/* Parse "withurl ACCOUNT" / "withouturl ACCOUNT". */
static struct account *
url_and_account(struct server *srv, const struct pz_ctl_msg *m,
    int *withurl, struct pz_buf *reply)
{
	const char *word, *name;
	size_t wordlen, namelen;
	struct account *a;
	char echo[ECHO_MAX + 1];

	if (pz_ctl_body_word(m, &word, &wordlen, &name, &namelen) == -1) {
		reply_error(reply, "Malformed request");
		return NULL;
	}
	*withurl = wordlen == 7 && memcmp(word, "withurl", 7) == 0;
	if ((a = server_account(srv, name, namelen)) == NULL) {
		echo_safe(echo, sizeof(echo), name, namelen);
		reply_error(reply, "No account '%s'", echo);
	}
	return a;
}

static void
reply_pending(const struct account *a, int withurl, struct pz_buf *reply)
{
	pz_buf_printf(reply, "pending:%s", withurl ? a->url : "");
}

/* Begin (or begin again) authorising a and answer with its URL. */
static enum ctl_result
start_auth(struct account *a, int withurl, struct pz_buf *reply)
{
	struct pz_err err;

	if (authflow_start(a, &err) == -1)
		return reply_error(reply, "%s", err.msg);
	reply_pending(a, withurl, reply);
	return CTL_REPLY;
}

static enum ctl_result
cmd_showtoken(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct account *a;
	int withurl;

	if ((a = url_and_account(srv, m, &withurl, reply)) == NULL)
		return CTL_REPLY;
	switch (a->state) {
	case TOK_EMPTY:
		return start_auth(a, withurl, reply);
	case TOK_PENDING:
		reply_pending(a, withurl, reply);
		break;
	case TOK_ACTIVE:
		if (account_token_valid(a)) {
			pz_buf_printf(reply, "access_token:%s",
			    a->access_token);
			break;
		}
		/* Start a refresh, unless one waits out a transient error:
		 * `show` runs on every mail fetch and must not hammer a
		 * provider that is down. */
		if (a->retry_at < 0)
			refresh_now(a);
		return reply_error(reply, "Access token has expired and "
		    "refreshing has not yet succeeded");
	}
	return CTL_REPLY;
}

static enum ctl_result
cmd_refresh(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct account *a;
	int withurl;

	if ((a = url_and_account(srv, m, &withurl, reply)) == NULL)
		return CTL_REPLY;
	if (a->state == TOK_ACTIVE) {
		refresh_now(a);
		pz_buf_puts(reply, "scheduled:");
		return CTL_REPLY;
	}
	return start_auth(a, withurl, reply);
}

static enum ctl_result
cmd_revoke(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct account *a;
	char echo[ECHO_MAX + 1];

	if ((a = server_account(srv, m->body, m->bodylen)) == NULL) {
		echo_safe(echo, sizeof(echo), m->body, m->bodylen);
		return reply_error(reply, "No account '%s'", echo);
	}
	account_clear(a, "token_revoked");
	pz_buf_puts(reply, "ok:");
	return CTL_REPLY;
}

static enum ctl_result
cmd_reload(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct pz_err err;

	if (server_reload(srv, &err) == -1)
		return reply_error(reply, "%s", err.msg);
	pz_buf_puts(reply, "ok:");
	return CTL_REPLY;
}

static enum ctl_result
cmd_dump(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct pz_err err;

	if (persist_dump(srv, reply, &err) == -1)
		return reply_error(reply, "%s", err.msg);
	return CTL_REPLY;
}

static enum ctl_result
cmd_restore(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct pz_err err;

	if (persist_restore(srv, m->body, m->bodylen, &err) == -1)
		return reply_error(reply, "%s", err.msg);
	pz_buf_puts(reply, "ok:");
	return CTL_REPLY;
}

static enum ctl_result
cmd_info(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	char http[16] = "none", https[16] = "none", *s;
	json_t *j;

	if (srv->http_port >= 0)
		snprintf(http, sizeof(http), "%d", srv->http_port);
	if (srv->https_port >= 0)
		snprintf(https, sizeof(https), "%d", srv->https_port);
	j = json_pack("{s:s, s:s}", "http_port", http, "https_port", https);
	if (j != NULL && srv->https_pubkey != NULL)
		json_object_set_new(j, "https_pub_key",
		    json_string(srv->https_pubkey));
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return reply_error(reply, "Out of memory");
	}
	pz_buf_puts(reply, s);
	free(s);
	json_decref(j);
	return CTL_REPLY;
}

/* One line of `pizauth status` for a. */
static void
status_line(const struct account *a, struct pz_buf *out)
{
	char t1[64], t2[64];

	pz_buf_printf(out, "%s: ", account_name(a));
	switch (a->state) {
	case TOK_EMPTY:
		pz_buf_puts(out, "No access token");
		break;
	case TOK_PENDING:
		pz_buf_puts(out, "Access token pending authentication");
		if (a->last_notified >= 0)
			pz_buf_printf(out, " (last notification %s)",
			    clock_fmt(a->last_notified, t1, sizeof(t1)));
		break;
	case TOK_ACTIVE:
		if (account_token_valid(a))
			pz_buf_printf(out, "Active access token (obtained %s; "
			    "expires %s)", clock_fmt(a->obtained, t1,
			    sizeof(t1)), clock_fmt(a->expiry, t2, sizeof(t2)));
		else if (a->last_refresh_attempt >= 0)
			pz_buf_printf(out, "Access token expired (last refresh "
			    "attempt %s)", clock_fmt(a->last_refresh_attempt,
			    t1, sizeof(t1)));
		else
			pz_buf_puts(out, "Access token expired (refresh not "
			    "yet attempted)");
		break;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum ctl_result
cmd_status(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	char **lines;
	size_t i;

	if (srv->naccounts == 0)
		return reply_error(reply, "No accounts configured");
	if ((lines = calloc(srv->naccounts, sizeof(*lines))) == NULL)
		return reply_error(reply, "Out of memory");
	for (i = 0; i < srv->naccounts; i++) {
		struct pz_buf line = PZ_BUF_INIT;

		status_line(srv->accounts[i], &line);
		lines[i] = pz_buf_steal(&line);
	}
	/* pizauth sorts the lines, so accounts come out by name. */
	qsort(lines, srv->naccounts, sizeof(*lines), cmp_str);
	pz_buf_puts(reply, "ok:");
	for (i = 0; i < srv->naccounts; i++) {
		pz_buf_printf(reply, "%s%s", i > 0 ? "\n" : "",
		    lines[i] != NULL ? lines[i] : "");
		free(lines[i]);
	}
	free(lines);
	return CTL_REPLY;
}

static enum ctl_result
cmd_shutdown(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	log_info("shutdown requested");
	return CTL_REPLY_SHUTDOWN;
}

static const struct ctl_cmd ctl_cmds[] = {
	{ "dump",	1, cmd_dump },
	{ "info",	1, cmd_info },
	{ "refresh",	0, cmd_refresh },
	{ "reload",	1, cmd_reload },
	{ "restore",	0, cmd_restore },
	{ "revoke",	0, cmd_revoke },
	{ "showtoken",	0, cmd_showtoken },
	{ "shutdown",	1, cmd_shutdown },
	{ "status",	1, cmd_status },
};

enum ctl_result
control_dispatch(struct server *srv, struct ctl_conn *conn, const char *req,
    size_t len, struct pz_buf *reply)
{
	struct pz_ctl_msg m;
	char echo[ECHO_MAX + 1];
	size_t i;

	if (pz_ctl_split(req, len, &m) == -1) {
		log_debug("control: request without ':' refused");
		return reply_error(reply, "Syntactically invalid request");
	}
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		if (!pz_ctl_head_is(&m, ctl_cmds[i].name))
			continue;
		if (ctl_cmds[i].no_body && m.bodylen != 0)
			return reply_error(reply, "Malformed request");
		log_debug("control: %s", ctl_cmds[i].name);
		return ctl_cmds[i].fn(srv, conn, &m, reply);
	}
	echo_safe(echo, sizeof(echo), m.head, m.headlen);
	return reply_error(reply, "Unknown command '%s'", echo);
}
