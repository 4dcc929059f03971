/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The control commands that describe the daemon: info, status and
 * status_json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/config.h"
#include "core/ctl.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/control.h"
#include "daemon/server/control_p.h"
#include "daemon/server/discover.h"
#include "daemon/server/server.h"

enum ctl_result
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
		if (a->last_notified != CLOCK_UNSET)
			pz_buf_printf(out, " (last notification %s)",
			    clock_fmt(a->last_notified, t1, sizeof(t1)));
		break;
	case TOK_ACTIVE:
		if (account_token_valid(a))
			pz_buf_printf(out, "Active access token (obtained %s; "
			    "expires %s)", clock_fmt(a->obtained, t1,
			    sizeof(t1)), clock_fmt(a->expiry, t2, sizeof(t2)));
		else if (a->last_refresh_attempt != CLOCK_UNSET)
			pz_buf_printf(out, "Access token expired (last refresh "
			    "attempt %s)", clock_fmt(a->last_refresh_attempt,
			    t1, sizeof(t1)));
		else
			pz_buf_puts(out, "Access token expired (refresh not "
			    "yet attempted)");
		break;
	}
	/* Authorising again would fail the same way: say why. */
	if (a->state != TOK_ACTIVE && a->last_error != NULL &&
	    a->error_is_config)
		pz_buf_printf(out, ": %s", a->last_error);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum ctl_result
cmd_status(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	struct pz_buf all = PZ_BUF_INIT;
	char **lines;
	size_t i, *start;
	int rc = 0;

	if (srv->naccounts == 0)
		return reply_error(reply, "No accounts configured");
	/*
	 * Every line goes into one buffer, NUL-terminated, rather than one
	 * allocation each: with thousands of accounts, thousands of small
	 * blocks freed at once would stay in the heap for good.
	 */
	lines = calloc(srv->naccounts, sizeof(*lines));
	start = calloc(srv->naccounts, sizeof(*start));
	for (i = 0; lines != NULL && start != NULL && rc == 0 &&
	    i < srv->naccounts; i++) {
		start[i] = all.len;
		status_line(srv->accounts[i], &all);
		rc = pz_buf_append(&all, "", 1);
	}
	if (lines == NULL || start == NULL || rc == -1) {
		free(lines);
		free(start);
		pz_buf_clear(&all);
		return reply_error(reply, "Out of memory");
	}
	for (i = 0; i < srv->naccounts; i++)
		lines[i] = all.data + start[i];
	/* pizauth sorts the lines, so accounts come out by name. */
	qsort(lines, srv->naccounts, sizeof(*lines), cmp_str);
	pz_buf_puts(reply, "ok:");
	for (i = 0; i < srv->naccounts; i++)
		pz_buf_printf(reply, "%s%s", i > 0 ? "\n" : "", lines[i]);
	free(lines);
	free(start);
	pz_buf_clear(&all);
	return CTL_REPLY;
}


/* An RFC 3339 UTC timestamp of a boot instant. */
static json_t *
rfc3339(int64_t boot_ms)
{
	time_t t = clock_to_wall(boot_ms);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return json_string(buf);
}

/* Set key to v unless v is NULL (unknown values are left out). */
static void
set_known(json_t *o, const char *key, json_t *v)
{
	if (v != NULL)
		json_object_set_new(o, key, v);
}

/* Each endpoint a uses, and where it came from: the configuration or
 * its issuer's metadata.  Unknown ones (not yet discovered, or not
 * offered) are left out. */
static json_t *
endpoints_json(const struct account *a)
{
	static const struct {
		const char	*key;
		enum endpoint	 e;
	} eps[] = {
		{ "authorization", EP_AUTH },
		{ "token", EP_TOKEN },
		{ "device_authorization", EP_DEVICE },
		{ "revocation", EP_REVOKE },
	};
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < sizeof(eps) / sizeof(eps[0]); i++) {
		if (discover_endpoint(a, eps[i].e) == NULL)
			continue;
		set_known(o, eps[i].key, json_pack("{s:s, s:s}", "uri",
		    discover_endpoint(a, eps[i].e), "source",
		    discover_source(a, eps[i].e)));
	}
	return o;
}

static json_t *
account_json(const struct account *a)
{
	json_t *o = json_object();
	const char *state = "none";

	if (o == NULL)
		return NULL;
	if (a->state == TOK_PENDING)
		state = "pending";
	else if (a->state == TOK_ACTIVE)
		state = account_token_valid(a) ? "active" : "expired";
	set_known(o, "name", json_string(account_name(a)));
	set_known(o, "state", json_string(state));
	if (a->state == TOK_ACTIVE) {
		set_known(o, "obtained", rfc3339(a->obtained));
		set_known(o, "expires", rfc3339(a->expiry));
	}
	if (a->last_refresh_attempt != CLOCK_UNSET)
		set_known(o, "last_refresh_attempt",
		    rfc3339(a->last_refresh_attempt));
	if (a->last_error != NULL)
		set_known(o, "last_error", json_string(a->last_error));
	else if (discover_state(a) == DISCOVER_RETRYING &&
	    discover_error(a) != NULL)
		set_known(o, "last_error", json_string(discover_error(a)));
	if (a->conf->issuer != NULL) {
		set_known(o, "issuer", json_string(a->conf->issuer));
		set_known(o, "discovery", json_string(
		    discover_state(a) == DISCOVER_DONE ? "done" :
		    discover_state(a) == DISCOVER_FIRST ? "fetching" :
		    discover_state(a) == DISCOVER_RETRYING ? "retrying" :
		    "failed"));
	}
	set_known(o, "flow", json_string(a->conf->flow == PZ_FLOW_DEVICE ?
	    "device" : "code"));
	set_known(o, "endpoints", endpoints_json(a));
	return o;
}

enum ctl_result
cmd_status_json(struct server *srv, struct ctl_conn *conn,
    const struct pz_ctl_msg *m, struct pz_buf *reply)
{
	json_t *root, *accts;
	size_t i;
	char *s;

	root = json_object();
	accts = json_array();
	if (root == NULL || accts == NULL) {
		json_decref(root);
		json_decref(accts);
		return reply_error(reply, "Out of memory");
	}
	json_object_set_new(root, "accounts", accts);
	for (i = 0; i < srv->naccounts; i++)
		json_array_append_new(accts, account_json(srv->accounts[i]));
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (s == NULL)
		return reply_error(reply, "Out of memory");
	pz_buf_printf(reply, "ok:%s", s);
	free(s);
	return CTL_REPLY;
}
