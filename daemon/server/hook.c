/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Running user hooks: spawn, time out, reap, report; a FIFO for the ordered. */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/secret.h"
#include "daemon/server/hook.h"
#include "daemon/server/log.h"

struct hook {
	TAILQ_ENTRY(hook) entry;
	char		*what;		/* the setting, for messages */
	char		*account;	/* for messages; may be NULL */
	char		*cmd;
	char		**env;		/* PIZAUTH_* entries; NULL-ended */
	int		 timeout_s;
	int		 queued;	/* from hook_queue() */
	pid_t		 pid;
	struct event	*timeout;
	int		 timed_out;
	int		 reaped;
	int		 lost;		/* reaped by someone else */
	int		 status;	/* once reaped */
	hook_done_cb	 done;
	void		*arg;
};
TAILQ_HEAD(hook_list, hook);

struct hooks {
	struct event_base *base;
	/* SIGCHLD; pending only while a hook runs. */
	struct event	*sigchld;
	struct hook_list running;
	struct hook_list queue;		/* waiting for queue_busy to clear */
	int		 nqueued;	/* in queue */
	int		 queue_busy;	/* a queued hook runs */
	int		 reaping;	/* inside done callbacks */
	int		 dying;		/* hooks_free() came during them */
};

static void	hooks_reap(evutil_socket_t, short, void *);
static void	hook_timeout(evutil_socket_t, short, void *);
static void	hooks_free_now(struct hooks *);

/* Signals the daemon handles or ignores, which a hook must see as default. */
static const int hook_default_signals[] = {
	SIGCHLD, SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
	SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGXFSZ,
};

/* "account 'x': " when there is an account, else nothing. */
static const char *
hook_who(const struct hook *hk, char *buf, size_t len)
{
	if (hk->account == NULL)
		return "";
	snprintf(buf, len, "account '%s': ", hk->account);
	return buf;
}

static void
hook_free(struct hook *hk)
{
	char **e;

	if (hk == NULL)
		return;
	if (hk->timeout != NULL)
		event_free(hk->timeout);
	if (hk->env != NULL) {
		for (e = hk->env; *e != NULL; e++)
			pz_secret_free(*e);
		free(hk->env);
	}
	free(hk->what);
	free(hk->account);
	free(hk->cmd);
	free(hk);
}

static int
hook_addenv(char **env, size_t *n, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	if (asprintf(&env[*n], "PIZAUTH_%s=%s", name, value) == -1) {
		env[*n] = NULL;
		return -1;
	}
	(*n)++;
	return 0;
}

static struct hook *
hook_new(const char *what, const char *cmd,
    const struct hook_env *env, int timeout_s)
{
	struct hook *hk;
	size_t n = 0;

	if ((hk = calloc(1, sizeof(*hk))) == NULL)
		return NULL;
	hk->timeout_s = timeout_s > 0 ? timeout_s : HOOK_TIMEOUT;
	hk->pid = -1;
	/* Five variables at most, and the NULL. */
	if ((hk->env = calloc(6, sizeof(*hk->env))) == NULL)
		goto fail;
	if ((hk->what = strdup(what != NULL ? what : "hook")) == NULL ||
	    (hk->cmd = strdup(cmd)) == NULL)
		goto fail;
	if (env != NULL) {
		if (env->account != NULL &&
		    (hk->account = strdup(env->account)) == NULL)
			goto fail;
		if (hook_addenv(hk->env, &n, "ACCOUNT", env->account) == -1 ||
		    hook_addenv(hk->env, &n, "URL", env->url) == -1 ||
		    hook_addenv(hk->env, &n, "MSG", env->msg) == -1 ||
		    hook_addenv(hk->env, &n, "EVENT", env->event) == -1 ||
		    hook_addenv(hk->env, &n, "USER_CODE", env->user_code) == -1)
			goto fail;
	}
	return hk;
fail:
	hook_free(hk);
	return NULL;
}

/* Would a and b run with the same PIZAUTH_* variables? */
static int
same_env(const struct hook *a, const struct hook *b)
{
	char **x = a->env, **y = b->env;

	for (; *x != NULL && *y != NULL; x++, y++)
		if (strcmp(*x, *y) != 0)
			return 0;
	return *x == NULL && *y == NULL;
}

/* The daemon's environment without its own PIZAUTH_*, plus the hook's. */
static char **
hook_envp(const struct hook *hk)
{
	char **envp, **e;
	size_t n = 0, i = 0;

	for (e = environ; e != NULL && *e != NULL; e++)
		n++;
	for (e = hk->env; *e != NULL; e++)
		n++;
	if ((envp = calloc(n + 1, sizeof(*envp))) == NULL)
		return NULL;
	for (e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PIZAUTH_", 8) != 0)
			envp[i++] = *e;
	}
	for (e = hk->env; *e != NULL; e++)
		envp[i++] = *e;
	envp[i] = NULL;
	return envp;
}

/*
 * Close every other descriptor in the child: a hook must not hold the
 * control socket or a listener open, whatever flags they were made with.
 */
static int
hook_closefrom(posix_spawn_file_actions_t *fa)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || \
    (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	return posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
#else
	/* Elsewhere the daemon's descriptors are all close-on-exec. */
	return 0;
#endif
}

/* posix_spawn's error number, or 0. */
static int
hook_spawn(struct hook *hk)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask, def;
	const char *shell;
	char *argv[4], **envp;
	size_t i;
	int rc;

	shell = getenv("SHELL");
	if (shell == NULL || *shell == '\0')
		shell = "/bin/sh";
	/*
	 * posix_spawn() reports a failed exec only where it is built on
	 * vfork semantics; elsewhere the child just exits 127.
	 */
	if (access(shell, X_OK) == -1)
		return errno;
	argv[0] = (char *)shell;
	argv[1] = (char *)"-c";
	argv[2] = hk->cmd;
	argv[3] = NULL;
	if ((envp = hook_envp(hk)) == NULL)
		return ENOMEM;

	sigemptyset(&mask);
	sigemptyset(&def);
	for (i = 0; i < sizeof(hook_default_signals) /
	    sizeof(hook_default_signals[0]); i++)
		sigaddset(&def, hook_default_signals[i]);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		goto out_env;
	if ((rc = posix_spawnattr_init(&attr)) != 0)
		goto out_fa;
	if ((rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
	    "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
	    "/dev/null", O_WRONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
	    "/dev/null", O_WRONLY, 0)) != 0 ||
	    (rc = hook_closefrom(&fa)) != 0)
		goto out;
	/*
	 * Its own process group, so a timeout kills what it started too;
	 * signals as a fresh process has them, not as the daemon set them.
	 */
	if ((rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &mask)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &def)) != 0)
		goto out;
	rc = posix_spawn(&hk->pid, shell, &fa, &attr, argv, envp);
out:
	posix_spawnattr_destroy(&attr);
out_fa:
	posix_spawn_file_actions_destroy(&fa);
out_env:
	free(envp);
	return rc;
}

/* Start hk and put it on the running list; on failure log and return -1. */
static int
hook_start(struct hooks *h, struct hook *hk)
{
	struct timeval tv;
	char who[512];
	int rc;

	/* Before the spawn: a quick child's SIGCHLD must not be lost. */
	if (TAILQ_EMPTY(&h->running) && event_add(h->sigchld, NULL) == -1) {
		log_warnx("%scan't run %s: event_add failed",
		    hook_who(hk, who, sizeof(who)), hk->what);
		return -1;
	}
	hk->timeout = evtimer_new(h->base, hook_timeout, hk);
	if (hk->timeout == NULL)
		rc = ENOMEM;
	else
		rc = hook_spawn(hk);
	if (rc != 0) {
		log_warnx("%scan't run %s: %s", hook_who(hk, who, sizeof(who)),
		    hk->what, strerror(rc));
		if (TAILQ_EMPTY(&h->running))
			event_del(h->sigchld);
		return -1;
	}
	tv.tv_sec = hk->timeout_s;
	tv.tv_usec = 0;
	/* Should this fail the hook still runs and is still reaped. */
	if (evtimer_add(hk->timeout, &tv) == -1)
		log_warnx("%s%s: no timeout: event_add failed",
		    hook_who(hk, who, sizeof(who)), hk->what);
	TAILQ_INSERT_TAIL(&h->running, hk, entry);
	log_debug("%s%s started (pid %ld)", hook_who(hk, who, sizeof(who)),
	    hk->what, (long)hk->pid);
	return 0;
}

/* Start queued hooks until one runs or none is left. */
static void
hooks_queue_next(struct hooks *h)
{
	struct hook *hk;

	while (!h->queue_busy && (hk = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, hk, entry);
		h->nqueued--;
		if (hook_start(h, hk) == 0)
			h->queue_busy = 1;
		else
			hook_free(hk);
	}
}

static void
hook_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct hook *hk = arg;

	/* Until the shell is reaped its pid is still its group's id. */
	if (hk->reaped)
		return;
	hk->timed_out = 1;
	if (kill(-hk->pid, SIGKILL) == -1 && errno != ESRCH) {
		char who[512];

		log_warn("%s%s: kill", hook_who(hk, who, sizeof(who)),
		    hk->what);
	}
}

static void
hook_report(struct hook *hk)
{
	char buf[512];
	const char *who = hook_who(hk, buf, sizeof(buf));
	int st = hk->status;

	if (hk->lost) {
		log_warnx("%s%s: exit status lost", who, hk->what);
		hk->status = -1;
	} else if (hk->timed_out) {
		log_warnx("%s%s killed after %d s timeout", who, hk->what,
		    hk->timeout_s);
		hk->status = -1;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		log_debug("%s%s exited with status 0", who, hk->what);
		hk->status = 0;
	} else if (WIFEXITED(st)) {
		log_warnx("%s%s exited with status %d", who, hk->what,
		    WEXITSTATUS(st));
		hk->status = WEXITSTATUS(st);
	} else {
		log_warnx("%s%s killed by signal %d", who, hk->what,
		    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		hk->status = -1;
	}
}

/*
 * Reap only our own children, by pid: other modules may have theirs.
 * Everything is reaped first, then reported, so a done callback that starts
 * or cancels hooks sees a consistent list.
 */
static void
hooks_reap(evutil_socket_t sig, short events, void *arg)
{
	struct hooks *h = arg;
	struct hook *hk;
	pid_t pid;
	int st;

	TAILQ_FOREACH(hk, &h->running, entry) {
		if (hk->reaped)
			continue;
		do
			pid = waitpid(hk->pid, &st, WNOHANG);
		while (pid == -1 && errno == EINTR);
		if (pid == 0)
			continue;
		if (pid == -1) {
			/* Someone else reaped it; we cannot know how it ended. */
			log_warn("waitpid %ld", (long)hk->pid);
			hk->lost = 1;
			st = 0;
		}
		hk->reaped = 1;
		hk->status = st;
	}

	h->reaping = 1;
	for (;;) {
		TAILQ_FOREACH(hk, &h->running, entry) {
			if (hk->reaped)
				break;
		}
		if (hk == NULL || h->dying)
			break;
		TAILQ_REMOVE(&h->running, hk, entry);
		hook_report(hk);
		if (hk->queued)
			h->queue_busy = 0;
		if (hk->done != NULL)
			hk->done(hk->status, hk->arg);
		hook_free(hk);
		if (!h->dying)
			hooks_queue_next(h);
	}
	h->reaping = 0;
	if (h->dying)
		hooks_free_now(h);
	else if (TAILQ_EMPTY(&h->running))
		event_del(h->sigchld);
}

struct hooks *
hooks_new(struct event_base *base)
{
	struct hooks *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->base = base;
	TAILQ_INIT(&h->running);
	TAILQ_INIT(&h->queue);
	h->sigchld = event_new(base, SIGCHLD, EV_SIGNAL | EV_PERSIST,
	    hooks_reap, h);
	if (h->sigchld == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

static void
hooks_free_now(struct hooks *h)
{
	struct hook *hk;
	char who[512];

	while ((hk = TAILQ_FIRST(&h->running)) != NULL) {
		TAILQ_REMOVE(&h->running, hk, entry);
		if (!hk->reaped) {
			log_debug("%s%s killed at shutdown",
			    hook_who(hk, who, sizeof(who)), hk->what);
			kill(-hk->pid, SIGKILL);
			/* SIGKILL does not wait for the hook: this is brief. */
			while (waitpid(hk->pid, NULL, 0) == -1 &&
			    errno == EINTR)
				;
		}
		hook_free(hk);
	}
	while ((hk = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, hk, entry);
		h->nqueued--;
		hook_free(hk);
	}
	event_free(h->sigchld);
	free(h);
}

void
hooks_free(struct hooks *h)
{
	if (h == NULL)
		return;
	if (h->reaping) {
		/* Called from a done callback: hooks_reap() finishes. */
		h->dying = 1;
		return;
	}
	hooks_free_now(h);
}

int
hook_run(struct hooks *h, const char *what, const char *cmd,
    const struct hook_env *env, int timeout_s, hook_done_cb done, void *arg)
{
	struct hook *hk;

	if (h->dying)
		return -1;
	if ((hk = hook_new(what, cmd, env, timeout_s)) == NULL) {
		log_warn("can't run %s", what != NULL ? what : "hook");
		return -1;
	}
	hk->done = done;
	hk->arg = arg;
	if (hook_start(h, hk) == -1) {
		hook_free(hk);
		return -1;
	}
	return 0;
}

int
hook_queue(struct hooks *h, const char *what, const char *cmd,
    const struct hook_env *env, int timeout_s)
{
	struct hook *hk, *old;

	if (h->dying)
		return -1;
	if ((hk = hook_new(what, cmd, env, timeout_s)) == NULL) {
		log_warn("can't queue %s", what != NULL ? what : "hook");
		return -1;
	}
	hk->queued = 1;
	/* The same event for the same account as the last waiting run of
	 * that account's command says nothing new: that run will see the
	 * state this one would.  So a provider making events as fast as it
	 * can costs one waiting run, not a queue without end. */
	TAILQ_FOREACH_REVERSE(old, &h->queue, hook_list, entry) {
		if (hk->account != NULL && old->account != NULL &&
		    strcmp(old->account, hk->account) == 0 &&
		    strcmp(old->what, hk->what) == 0 &&
		    strcmp(old->cmd, hk->cmd) == 0)
			break;
	}
	if (old != NULL && same_env(old, hk)) {
		log_debug("%s for account '%s': the same run already waits",
		    hk->what, hk->account);
		hook_free(hk);
		return 0;
	}
	if (h->nqueued >= HOOK_QUEUE_MAX) {
		log_warnx("%s: %d runs already waiting; this one dropped",
		    hk->what, h->nqueued);
		hook_free(hk);
		return -1;
	}
	TAILQ_INSERT_TAIL(&h->queue, hk, entry);
	h->nqueued++;
	hooks_queue_next(h);
	return 0;
}

void
hook_cancel_arg(struct hooks *h, void *arg)
{
	struct hook *hk;

	TAILQ_FOREACH(hk, &h->running, entry) {
		if (hk->arg == arg)
			hk->done = NULL;
	}
	TAILQ_FOREACH(hk, &h->queue, entry) {
		if (hk->arg == arg)
			hk->done = NULL;
	}
}
