/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * User hooks (auth_notify_cmd, error_notify_cmd, token_event_cmd,
 * startup_cmd, transient_error_if_cmd): each runs as `$SHELL -c CMD` in its
 * own process group, stdin/stdout/stderr on /dev/null, with the daemon's
 * environment plus only the PIZAUTH_* variables given (never a token), and
 * is killed (the whole group) when its timeout passes.  Children are reaped
 * from a SIGCHLD event, never by blocking.
 */
#ifndef PZD_HOOK_H
#define PZD_HOOK_H

struct event_base;
struct hooks;

/* Timeouts from DESIGN.md section 6, in seconds. */
#define HOOK_TIMEOUT		10
#define HOOK_TIMEOUT_TRANSIENT	(3 * 60)
#define HOOK_QUEUE_MAX		1024

/* Variables for a hook; NULL members are not set. */
struct hook_env {
	const char	*account;	/* PIZAUTH_ACCOUNT */
	const char	*url;		/* PIZAUTH_URL */
	const char	*msg;		/* PIZAUTH_MSG */
	const char	*event;		/* PIZAUTH_EVENT */
	const char	*user_code;	/* PIZAUTH_USER_CODE */
};

/* How a hook ended: exit status 0..255, or -1 if it could not be started,
 * was killed at its timeout or died from a signal. */
typedef void (*hook_done_cb)(int status, void *arg);

struct hooks	*hooks_new(struct event_base *base);
/* Kill what still runs and free. */
void		 hooks_free(struct hooks *h);

/*
 * Start CMD now.  `what` names the setting for log messages (e.g.
 * "auth_notify_cmd"); done (may be NULL) is called exactly once, from the
 * event loop, unless hooks_free() or hook_cancel_arg() comes first.  Returns
 * 0, or -1 if it could not be started (then done is not called and the
 * failure is logged).
 */
int		 hook_run(struct hooks *h, const char *what, const char *cmd,
		    const struct hook_env *env, int timeout_s,
		    hook_done_cb done, void *arg);
/* Queue CMD to run after every earlier queued hook has finished: keeps
 * token_event_cmd invocations one at a time and in order.  A run that
 * would repeat the last waiting run of the same account, setting and
 * command is not queued (0 is returned), and past HOOK_QUEUE_MAX waiting
 * runs none is (-1): the queue stays bounded whatever makes events. */
int		 hook_queue(struct hooks *h, const char *what, const char *cmd,
		    const struct hook_env *env, int timeout_s);
/* Forget the callbacks registered with arg (the process still runs out its
 * time, but done is not called): for objects that are about to be freed. */
void		 hook_cancel_arg(struct hooks *h, void *arg);

#endif
