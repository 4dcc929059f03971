/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The control socket: accepts connections from the daemon's own user only
 * (SO_PEERCRED), reads one request per connection up to PZ_CTL_MAX_MSG and
 * within CONTROL_READ_TIMEOUT_S, answers it and closes.  Every connection
 * is its own event-driven state, so a client that says nothing delays no
 * one.
 */
#ifndef PZD_CONTROL_H
#define PZD_CONTROL_H

#include "core/buf.h"
#include "core/err.h"

struct control;
struct server;

#define CONTROL_READ_TIMEOUT_S	10

struct control	*control_new(struct server *srv, const char *path,
		    struct pz_err *err);
void		 control_free(struct control *c);

struct ctl_conn;

/*
 * What a command handler (control_cmd.c) does with a request: fill reply
 * and return CTL_REPLY; or CTL_REPLY_SHUTDOWN to stop the daemon once the
 * reply is written; or keep conn and return CTL_DEFERRED, answering later
 * with control_answer() (a waiting `show -w`, a remote revocation, a device
 * authorisation request).  A deferred connection has no read timeout: its
 * owner bounds the wait.
 */
enum ctl_result {
	CTL_REPLY,
	CTL_REPLY_SHUTDOWN,
	CTL_DEFERRED,
};

enum ctl_result	 control_dispatch(struct server *srv, struct ctl_conn *conn,
		    const char *req, size_t len, struct pz_buf *reply);
/* How a token request wants its answer (flags). */
#define CTL_WITH_URL	0x1	/* pending: replies carry the URL */
#define CTL_DETAILS	0x2	/* a token comes as details:{json} */
#define CTL_LOOKUP	0x4	/* an adapter's lookup: pending: names the
				   account */

/* What `showtoken` answers for a now (starting an authorisation or a
 * refresh if that is what it takes). */
struct account;
void		 control_token_reply(struct account *a, int how,
		    struct pz_buf *reply);
/* Start authorising a, if it has no token, as a `show` would. */
void	control_token_start(struct account *a);
/* Call cb(arg) once if the client of deferred request conn closes its
 * connection before it is answered (answering or dropping conn cancels
 * this).  Returns -1 if it cannot be watched. */
int		 control_on_hangup(struct ctl_conn *conn, void (*cb)(void *),
		    void *arg);
/* Drop a deferred request whose client hung up. */
void		 control_drop(struct ctl_conn *conn);
/* Answer a deferred request; conn is gone afterwards. */
void		 control_answer(struct ctl_conn *conn, const char *reply,
		    size_t len);

#endif
