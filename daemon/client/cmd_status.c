/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth status [-j]: where each account's token stands, as text or as
 * JSON for scripts. */
#include <stdio.h>

#include "core/ctl.h"
#include "daemon/client/client.h"

static int
cmd_status(int argc, char **argv)
{
	struct pz_buf reply = PZ_BUF_INIT;
	struct pz_ctl_msg m;
	int json = 0, rc;

	if (client_getopt(argc, argv, "j", client_opt_flag, &json) != argc)
		return client_usage();
	if (client_call(json ? "status_json:" : "status:", json ? 12 : 7,
	    &reply, CLIENT_TIMEOUT_MS) == -1)
		return 1;
	if (pz_ctl_split(reply.data, reply.len, &m) == 0 &&
	    pz_ctl_head_is(&m, "ok")) {
		printf("%.*s\n", (int)m.bodylen, m.body);
		rc = 0;
	} else
		rc = client_expect_ok(&reply);
	pz_buf_clear(&reply);
	return rc;
}

const struct cmd_entry cmd_status_entry = { "status", "[-j]", cmd_status };
