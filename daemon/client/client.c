/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* What the client commands share: options, errors, talking to the daemon. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/paths.h"
#include "daemon/client/client.h"

int
client_error(const char *fmt, ...)
{
	va_list ap;

	/* pizauth's client logs through stderrlog: "ERROR - message". */
	fputs("ERROR - ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int
client_getopt(int argc, char **argv, const char *extra,
    void (*on_opt)(int, const char *, void *), void *ctx)
{
	char opts[32];
	int c;

	snprintf(opts, sizeof(opts), "hv%s", extra != NULL ? extra : "");
	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, opts)) != -1) {
		if (c == 'v')
			continue;	/* the client has nothing to say */
		if (c == 'h' || c == '?' || c == ':')
			return -1;
		on_opt(c, optarg, ctx);
	}
	return optind;
}

void
client_opt_flag(int opt, const char *arg, void *ctx)
{
	*(int *)ctx = 1;
}

int
client_call(const char *req, size_t reqlen, struct pz_buf *reply,
    int timeout_ms)
{
	struct pz_buf sock = PZ_BUF_INIT;
	struct pz_err err;
	int r;

	if (pz_paths_socket(&sock, 1, &err) == -1) {
		pz_buf_clear(&sock);
		client_error("%s", err.msg);
		return -1;
	}
	r = pz_ctl_call(pz_buf_str(&sock), req, reqlen, reply,
	    timeout_ms, 0, &err);
	pz_buf_clear(&sock);
	if (r != 0) {
		client_error("%s", err.msg);
		return -1;
	}
	return 0;
}

int
client_pending(const char *url, size_t len)
{
	return client_error(
	    "Access token unavailable until authorised with URL %.*s",
	    (int)len, url);
}

int
client_expect_ok(const struct pz_buf *reply)
{
	struct pz_ctl_msg m;

	if (pz_ctl_split(reply->data, reply->len, &m) == 0) {
		if (pz_ctl_head_is(&m, "ok") && m.bodylen == 0)
			return 0;
		if (pz_ctl_head_is(&m, "error"))
			return client_error("%.*s", (int)m.bodylen, m.body);
	}
	return client_error("Malformed response '%s'", pz_buf_str(reply));
}
