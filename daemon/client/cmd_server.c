/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth server: run the daemon program, pizauthd, installed beside this
 * one.  Keeping the server a separate program keeps libcurl, libevent and
 * OpenSSL out of every other command's start-up.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/client/client.h"

#define DAEMON_NAME	"pizauthd"

static int
cmd_server(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + sizeof(DAEMON_NAME) + 1];
	ssize_t n;

	argv[0] = DAEMON_NAME;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dirname(self),
		    DAEMON_NAME);
		execv(path, argv);
	}
	execvp(DAEMON_NAME, argv);
	fprintf(stderr, "Can't execute %s: %s\n", DAEMON_NAME,
	    strerror(errno));
	return 1;
}

const struct cmd_entry cmd_server_entry = {
	"server", "[-c <config-path>] [-dv]", cmd_server
};
