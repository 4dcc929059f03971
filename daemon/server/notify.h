/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Telling the user: auth_notify_cmd while an account waits for
 * authorisation (again every auth_notify_interval), error_notify_cmd when
 * something failed (the log when it is not set), and token_event_cmd when
 * a token changes, queued so events run one at a time and in order.
 */
#ifndef PZD_NOTIFY_H
#define PZD_NOTIFY_H

struct account;
struct server;

/* The account just became (or still is) PENDING: notify now. */
void	notify_pending(struct account *a);
/* Its re-notification timer fired. */
void	notify_timer_fired(void *arg);
void	notify_error(struct server *srv, const char *account, const char *msg);
void	notify_token_event(struct server *srv, const char *account,
	    const char *event);

#endif
