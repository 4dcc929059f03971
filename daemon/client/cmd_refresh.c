/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth refresh [-u] account: refresh the token now, or start authorising. */
#include "core/ctl.h"
#include "daemon/client/client.h"

static int
cmd_refresh(int argc, char **argv)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	struct pz_ctl_msg m;
	int nourl = 0, i, rc;

	if ((i = client_getopt(argc, argv, "u", client_opt_flag, &nourl)) == -1 ||
	    argc - i != 1)
		return client_usage();
	if (pz_buf_printf(&req, "refresh:%s %s",
	    nourl ? "withouturl" : "withurl", argv[i]) == -1)
		return client_error("Out of memory");
	rc = client_call(req.data, req.len, &reply,
	    CLIENT_TIMEOUT_MS);
	pz_buf_clear(&req);
	if (rc == -1)
		return 1;
	if (pz_ctl_split(reply.data, reply.len, &m) == 0 &&
	    pz_ctl_head_is(&m, "scheduled") && m.bodylen == 0)
		rc = 0;
	else if (pz_ctl_split(reply.data, reply.len, &m) == 0 &&
	    pz_ctl_head_is(&m, "pending"))
		rc = client_pending(m.body, m.bodylen);
	else
		rc = client_expect_ok(&reply);
	pz_buf_clear(&reply);
	return rc;
}

const struct cmd_entry cmd_refresh_entry = {
	"refresh", "[-u] <account>", cmd_refresh
};
