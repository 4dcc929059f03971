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
 * Send req (reqlen bytes) to the daemon at sock_path and append the reply
 * to reply.  timeout_ms bounds the whole exchange (-1: no bound).  If
 * no_reply is set, return as soon as the request is written (shutdown).
 */
int	pz_ctl_call(const char *sock_path, const void *req, size_t reqlen,
	    struct pz_buf *reply, int timeout_ms, int no_reply,
	    struct pz_err *err);

/* Is something accepting connections at sock_path? */
int	pz_ctl_alive(const char *sock_path);

#endif
