/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The commands whose whole job is one request and an `ok:`: reload,
 * revoke, shutdown. */
#include <string.h>

#include "core/ctl_client.h"
#include "core/paths.h"
#include "daemon/client/client.h"

static int
request_ok(const char *req, size_t len)
{
	struct pz_buf reply = PZ_BUF_INIT;
	int rc;

	if (client_call(req, len, &reply,
	    CLIENT_TIMEOUT_MS) == -1)
		return 1;
	rc = client_expect_ok(&reply);
	pz_buf_clear(&reply);
	return rc;
}

static int
cmd_reload(int argc, char **argv)
{
	if (client_getopt(argc, argv, NULL, NULL, NULL) != argc)
		return client_usage();
	return request_ok("reload:", 7);
}

static int
cmd_revoke(int argc, char **argv)
{
	struct pz_buf req = PZ_BUF_INIT;
	int i, rc;

	if ((i = client_getopt(argc, argv, NULL, NULL, NULL)) == -1 ||
	    argc - i != 1)
		return client_usage();
	if (pz_buf_printf(&req, "revoke:%s", argv[i]) == -1)
		return client_error("Out of memory");
	rc = request_ok(req.data, req.len);
	pz_buf_clear(&req);
	return rc;
}

/* The daemon answers shutdown with nothing: send and go. */
static int
cmd_shutdown(int argc, char **argv)
{
	struct pz_buf sock = PZ_BUF_INIT;
	struct pz_err err;
	int r;

	if (client_getopt(argc, argv, NULL, NULL, NULL) != argc)
		return client_usage();
	if (pz_paths_socket(&sock, 1, &err) == -1) {
		pz_buf_clear(&sock);
		return client_error("%s", err.msg);
	}
	r = pz_ctl_call(pz_buf_str(&sock), "shutdown:", 9, NULL, 5000, 1,
	    &err);
	pz_buf_clear(&sock);
	return r != 0 ? client_error("%s", err.msg) : 0;
}

const struct cmd_entry cmd_reload_entry = { "reload", "", cmd_reload };
const struct cmd_entry cmd_revoke_entry = {
	"revoke", "<account>", cmd_revoke
};
const struct cmd_entry cmd_shutdown_entry = { "shutdown", "", cmd_shutdown };
