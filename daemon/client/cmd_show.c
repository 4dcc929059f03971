/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth show [-u] [-w secs] account: print the account's access token.
 * Without -w it never waits for the user; with -w it waits up to secs for
 * the user to authorise (the daemon holds the request).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/ctl.h"
#include "daemon/client/client.h"

/* The daemon bounds waits at a day. */
#define WAIT_MAX_S	(24 * 60 * 60)

struct show_opts {
	int	 nourl;
	long	 wait;		/* -1: no -w */
	int	 bad;
};

static void
on_opt(int c, const char *arg, void *ctx)
{
	struct show_opts *o = ctx;
	char *end;

	if (c == 'u')
		o->nourl = 1;
	else if (c == 'w') {
		o->wait = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || o->wait < 0 ||
		    o->wait > WAIT_MAX_S)
			o->bad = 1;
	}
}

static int
cmd_show(int argc, char **argv)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	struct show_opts o = { 0, -1, 0 };
	const char *url = "withurl";
	struct pz_ctl_msg m;
	int i, rc, timeout = CLIENT_TIMEOUT_MS;

	if ((i = client_getopt(argc, argv, "uw:", on_opt, &o)) == -1 ||
	    o.bad || argc - i != 1)
		return client_usage();
	if (o.nourl)
		url = "withouturl";
	if (o.wait >= 0) {
		rc = pz_buf_printf(&req, "showtoken_wait:%s %ld %s", url,
		    o.wait, argv[i]);
		timeout += (int)o.wait * 1000;
	} else
		rc = pz_buf_printf(&req, "showtoken:%s %s", url, argv[i]);
	if (rc == -1)
		return client_error("Out of memory");
	rc = client_call(req.data, req.len, &reply, timeout);
	pz_buf_clear(&req);
	if (rc == -1)
		return 1;
	if (pz_ctl_split(reply.data, reply.len, &m) == -1)
		rc = client_error("Malformed response '%s'",
		    pz_buf_str(&reply));
	else if (pz_ctl_head_is(&m, "access_token")) {
		fwrite(m.body, 1, m.bodylen, stdout);
		putchar('\n');
		rc = fflush(stdout) == 0 ? 0 : 1;
	} else if (pz_ctl_head_is(&m, "pending"))
		rc = client_pending(m.body, m.bodylen);
	else if (pz_ctl_head_is(&m, "error"))
		rc = client_error("%.*s", (int)m.bodylen, m.body);
	else
		rc = client_error("Malformed response '%s'",
		    pz_buf_str(&reply));
	pz_buf_clear(&reply);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	"show", "[-u] [-w <secs>] <account>", cmd_show
};
