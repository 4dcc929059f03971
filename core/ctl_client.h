/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * A small blocking client of the control socket, for `pizauth` and the
 * adapters: connect, send one request, read the whole reply.
 */
#ifndef PZ_CTL_CLIENT_H
#define PZ_CTL_CLIENT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* The message users see when nothing answers, as pizauth words it. */
#define PZ_CTL_NOT_RUNNING \
	"pizauth authenticator not running or not responding"

/*
 * pz_ctl_call()'s failures.  err words both of the first two as
 * PZ_CTL_NOT_RUNNING, as pizauth does; callers that must tell a missing
 * daemon from a busy one (the SASL plugin) look at the code.
 */
enum {
	PZ_CTL_FAILED = -1,	/* anything else (see err) */
	PZ_CTL_ABSENT = -2,	/* no daemon: none listening, or it went away */
	PZ_CTL_TIMEOUT = -3,	/* a daemon, but no whole reply in time */
};

/*
 * Send req (reqlen bytes) to the daemon at sock_path, which must run as
 * our user (PZ_CTL_FAILED otherwise), and append the reply to reply.  timeout_ms bounds the whole exchange (-1: no bound).  If
 * no_reply is set, return as soon as the request is written (shutdown).
 * Returns 0 or one of the failures above.
 */
int	pz_ctl_call(const char *sock_path, const void *req, size_t reqlen,
	    struct pz_buf *reply, int timeout_ms, int no_reply,
	    struct pz_err *err);

/* Is something accepting connections at sock_path? */
int	pz_ctl_alive(const char *sock_path);

#endif
