/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth show [-u] account: print the account's access token. */
#include <stdio.h>

#include "core/ctl.h"
#include "daemon/client/client.h"

static int
cmd_show(int argc, char **argv)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	struct pz_ctl_msg m;
	int nourl = 0, i, rc;

	if ((i = client_getopt(argc, argv, "u", client_opt_flag, &nourl)) == -1 ||
	    argc - i != 1)
		return client_usage();
	if (pz_buf_printf(&req, "showtoken:%s %s",
	    nourl ? "withouturl" : "withurl", argv[i]) == -1)
		return client_error("Out of memory");
	if (client_call(req.data, req.len, &reply) == -1) {
		pz_buf_clear(&req);
		return 1;
	}
	pz_buf_clear(&req);
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

const struct cmd_entry cmd_show_entry = { "show", "[-u] <account>", cmd_show };
