/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The control commands, pizauth's and ours: one handler each, in a table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "core/ctl.h"
#include "daemon/server/account.h"
#include "daemon/server/control.h"
#include "daemon/server/control_p.h"
#include "daemon/server/log.h"
#include "daemon/server/persist.h"
#include "daemon/server/revoke.h"
#include "daemon/server/server.h"

struct ctl_cmd {
	const char	*name;
	int		 no_body;	/* the request must be "name:" */
	ctl_handler	 fn;
};

enum ctl_result
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

void
echo_safe(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && i < ECHO_MAX && n + 1 < outlen; i++)
		out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[n] = '\0';
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
	return revoke_account(a, conn, reply);
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
	{ "showtoken_match", 0, cmd_showtoken_match },
	{ "showtoken_wait", 0, cmd_showtoken_wait },
	{ "shutdown",	1, cmd_shutdown },
	{ "status",	1, cmd_status },
	{ "status_json", 1, cmd_status_json },
	{ "token_details", 0, cmd_token_details },
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
