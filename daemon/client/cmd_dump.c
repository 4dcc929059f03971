/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth dump / pizauth restore: the daemon's tokens out to stdout and back
 * in from stdin.  The bytes are opaque to the client. */
#include <stdio.h>
#include <unistd.h>

#include "core/ctl.h"
#include "daemon/client/client.h"

static int
cmd_dump(int argc, char **argv)
{
	struct pz_buf reply = PZ_BUF_INIT;
	int rc = 0;

	if (client_getopt(argc, argv, NULL, NULL, NULL) != argc)
		return client_usage();
	if (client_call("dump:", 5, &reply,
	    CLIENT_TIMEOUT_MS) == -1)
		return 1;
	if (reply.len > 0 && fwrite(reply.data, 1, reply.len, stdout) !=
	    reply.len)
		rc = client_error("Can't write dump to stdout");
	if (fflush(stdout) != 0)
		rc = client_error("Can't write dump to stdout");
	pz_buf_clear(&reply);
	return rc;
}

static int
cmd_restore(int argc, char **argv)
{
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int rc;

	if (client_getopt(argc, argv, NULL, NULL, NULL) != argc)
		return client_usage();
	if (pz_buf_puts(&req, "restore:") == -1)
		return client_error("Out of memory");
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n == -1 || req.len + (size_t)n > PZ_CTL_MAX_MSG ||
		    pz_buf_append(&req, chunk, (size_t)n) == -1) {
			pz_buf_clear(&req);
			return client_error(n == -1 ? "Can't read stdin" :
			    "Input too large to be a pizauth dump");
		}
	}
	rc = client_call(req.data, req.len, &reply,
	    CLIENT_TIMEOUT_MS);
	pz_buf_clear(&req);
	if (rc == -1)
		return 1;
	rc = client_expect_ok(&reply);
	pz_buf_clear(&reply);
	return rc;
}

const struct cmd_entry cmd_dump_entry = { "dump", "", cmd_dump };
const struct cmd_entry cmd_restore_entry = { "restore", "", cmd_restore };
