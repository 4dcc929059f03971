/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth status: one line per account saying where its token stands. */
#include <stdio.h>

#include "core/ctl.h"
#include "daemon/client/client.h"

static int
cmd_status(int argc, char **argv)
{
	struct pz_buf reply = PZ_BUF_INIT;
	struct pz_ctl_msg m;
	int rc;

	if (client_getopt(argc, argv, NULL, NULL, NULL) != argc)
		return client_usage();
	if (client_call("status:", 7, &reply) == -1)
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

const struct cmd_entry cmd_status_entry = { "status", "", cmd_status };
