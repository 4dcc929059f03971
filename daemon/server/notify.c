/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Notifications and token events, through the user's hooks. */
#include <stddef.h>

#include "core/config.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/hook.h"
#include "daemon/server/log.h"
#include "daemon/server/notify.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"

void
notify_pending(struct account *a)
{
	struct server *srv = a->srv;
	struct hook_env env = { 0 };
	int64_t now = clock_now();

	log_info("account '%s': waiting for authorisation", account_name(a));
	/* Without a command there is nobody to remind: stay asleep. */
	if (srv->conf->auth_notify_cmd == NULL)
		return;
	env.account = account_name(a);
	env.url = a->notify_url != NULL ? a->notify_url : a->url;
	env.user_code = a->user_code;
	hook_run(srv->hooks, "auth_notify_cmd", srv->conf->auth_notify_cmd,
	    &env, HOOK_TIMEOUT, NULL, NULL);
	a->last_notified = now;
	account_timer_at(a, &a->notify_timer, notify_timer_fired,
	    clock_after(now, srv->conf->auth_notify_interval));
}

void
notify_timer_fired(void *arg)
{
	struct account *a = arg;

	if (a->state == TOK_PENDING)
		notify_pending(a);
}

void
notify_error(struct server *srv, const char *account, const char *msg)
{
	struct hook_env env = { 0 };

	log_warnx("account '%s': %s", account, msg);
	if (srv->conf->error_notify_cmd == NULL)
		return;
	env.account = account;
	env.msg = msg;
	hook_run(srv->hooks, "error_notify_cmd", srv->conf->error_notify_cmd,
	    &env, HOOK_TIMEOUT, NULL, NULL);
}

void
notify_token_event(struct server *srv, const char *account, const char *event)
{
	struct hook_env env = { 0 };

	log_info("account '%s': %s", account, event);
	if (srv->conf->token_event_cmd == NULL)
		return;
	env.account = account;
	env.event = event;
	hook_queue(srv->hooks, "token_event_cmd", srv->conf->token_event_cmd,
	    &env, HOOK_TIMEOUT);
}
