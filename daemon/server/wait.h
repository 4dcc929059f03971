/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Control clients waiting on an account: `pizauth show -w SECS` waits for
 * a token; any `show` of a device-flow account waits (briefly) for the
 * provider to hand out the code the user must enter.  A waiter costs a
 * connection and a timer, nothing more: all of an account's waiters are
 * answered the moment what they wait for arrives, or each at its deadline.
 */
#ifndef PZD_WAIT_H
#define PZD_WAIT_H

struct account;
struct ctl_conn;

enum wait_for {
	WAIT_TOKEN,	/* an access token (show -w) */
	WAIT_URL,	/* the authorisation URL (device flow) */
	WAIT_DISCOVERY,	/* the first fetch of the issuer's metadata */
};

/* Longest wait a client may ask for. */
#define WAIT_MAX_S	(24 * 60 * 60)

/* Hold conn until a's token (or URL) arrives or secs pass; then answer it
 * as `showtoken` would (how: CTL_WITH_URL, CTL_DETAILS).  Returns -1 if out of memory. */
int	wait_add(struct account *a, struct ctl_conn *conn, enum wait_for what,
	    int how, unsigned secs);
/* a's state changed: answer the waiters it satisfies. */
void	wait_update(struct account *a);
/* The issuer's first fetch has ended: answer who waited for it. */
void	wait_discovered(struct account *a);
/* a failed in a way waiting cannot mend: answer every waiter with msg. */
void	wait_fail(struct account *a, const char *msg);
/* a is going away. */
void	wait_free_all(struct account *a);

#endif
