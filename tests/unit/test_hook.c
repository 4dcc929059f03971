/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/hook.c: real /bin/sh hooks on a real loop. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon/server/hook.h"
#include "daemon/server/log.h"

#define MAXDONE	8

struct fixture {
	struct event_base *base;
	struct hooks	*hooks;
	char		 dir[64];	/* a fresh directory for the hooks */
	int		 saved_stderr;	/* while the log is captured */
	/* What done callbacks saw, in order. */
	int		 ndone;
	int		 status[MAXDONE];
	int		 who[MAXDONE];
	double		 at[MAXDONE];
};

/* A done callback's argument: which hook, and what to do then. */
struct tag {
	struct fixture	*f;
	int		 id;
	void		*cancel;	/* hook_cancel_arg() this */
	const char	*chain;		/* hook_run() this command */
	int		 free_hooks;	/* hooks_free() from the callback */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
done_cb(int status, void *arg)
{
	struct tag *t = arg;
	struct fixture *f = t->f;

	/* No asserts here: the log may be captured. */
	if (f->ndone < MAXDONE) {
		f->status[f->ndone] = status;
		f->who[f->ndone] = t->id;
		f->at[f->ndone] = now_s();
	}
	f->ndone++;
	if (t->cancel != NULL)
		hook_cancel_arg(f->hooks, t->cancel);
	if (t->chain != NULL)
		hook_run(f->hooks, "token_event_cmd", t->chain, NULL, 10,
		    done_cb, t + 1);
	if (t->free_hooks) {
		hooks_free(f->hooks);
		f->hooks = NULL;
	}
}

static void
path(const struct fixture *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

/* A file's contents (caller frees), or NULL if it does not exist. */
static char *
slurp(const struct fixture *f, const char *name, size_t *lenp)
{
	char p[128], *s;
	FILE *fp;
	size_t n;

	path(f, name, p, sizeof(p));
	if ((fp = fopen(p, "r")) == NULL)
		return NULL;
	s = calloc(1, 65536);
	assert_non_null(s);
	n = fread(s, 1, 65535, fp);
	fclose(fp);
	if (lenp != NULL)
		*lenp = n;
	return s;
}

static char *
cmd(const struct fixture *f, const char *fmt)
{
	char *s;

	/* fmt has one %s: the directory (a mkdtemp name, no quoting needed). */
	assert_true(asprintf(&s, fmt, f->dir) != -1);
	return s;
}

static void
log_capture(struct fixture *f)
{
	char p[128];
	int fd;

	path(f, "log", p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(fd != -1);
	f->saved_stderr = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	close(fd);
}

static char *
log_release(struct fixture *f)
{
	assert_true(dup2(f->saved_stderr, STDERR_FILENO) != -1);
	close(f->saved_stderr);
	f->saved_stderr = -1;
	return slurp(f, "log", NULL);
}

/* Has every process of group pgid gone (reaped, not merely dead)? */
static int
group_gone(pid_t pgid)
{
	return kill(-pgid, 0) == -1 && errno == ESRCH;
}

/*
 * Reap every orphan that was reparented to us, for up to 2 s; returns the
 * wait status of `want` (-1 if it was not among them).  Only when no hook
 * runs: this would steal the hook module's children.
 */
static int
reap_orphans(pid_t want)
{
	pid_t r;
	int st, want_st = -1, i;

	for (i = 0; i < 200; i++) {
		while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
			if (r == want)
				want_st = st;
		}
		if (r == -1)
			break;
		usleep(10000);
	}
	return want_st;
}

static int
setup(void **state)
{
	struct fixture *f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->saved_stderr = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pz-test-hook.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->base = event_base_new();
	assert_non_null(f->base);
	f->hooks = hooks_new(f->base);
	assert_non_null(f->hooks);
	assert_int_equal(setenv("SHELL", "/bin/sh", 1), 0);
	log_init("pizauthd", 1, 3);
	/* A hung hook or loop fails the run instead of blocking it. */
	alarm(60);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	char p[512];
	DIR *d;

	alarm(0);
	if (f->saved_stderr != -1)
		free(log_release(f));
	hooks_free(f->hooks);
	event_base_free(f->base);
	reap_orphans(-1);
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_hook_env_holds_only_the_given_pizauth_vars(void **state)
{
	struct fixture *f = *state;
	const struct hook_env env = {
		.account = "work",
		.url = "https://auth.example/?state=s3cr3t-url&x=1",
		.msg = "two\nlines",
		.event = "token_new",
	};
	struct tag t = { f, 1, NULL, NULL, 0 };
	char *c, *out, *log, *e;
	size_t len;
	int seen = 0, keep = 0;

	/* The daemon's own PIZAUTH_* must not reach the hook. */
	setenv("PIZAUTH_LEAK", "bad", 1);
	setenv("PIZAUTH_ACCOUNT", "stale", 1);
	setenv("HOOKTEST_KEEP", "yes", 1);
	c = cmd(f, "env -0 > %s/env");
	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "token_event_cmd", c, &env, 10,
	    done_cb, &t), 0);
	event_base_dispatch(f->base);
	log = log_release(f);
	unsetenv("PIZAUTH_LEAK");
	unsetenv("PIZAUTH_ACCOUNT");
	unsetenv("HOOKTEST_KEEP");
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->status[0], 0);

	out = slurp(f, "env", &len);
	assert_non_null(out);
	for (e = out; e < out + len; e += strlen(e) + 1) {
		if (strcmp(e, "HOOKTEST_KEEP=yes") == 0)
			keep = 1;
		if (strncmp(e, "PIZAUTH_", 8) != 0)
			continue;
		if (strcmp(e, "PIZAUTH_ACCOUNT=work") == 0)
			seen |= 1;
		else if (strcmp(e, "PIZAUTH_URL="
		    "https://auth.example/?state=s3cr3t-url&x=1") == 0)
			seen |= 2;
		else if (strcmp(e, "PIZAUTH_MSG=two\nlines") == 0)
			seen |= 4;
		else if (strcmp(e, "PIZAUTH_EVENT=token_new") == 0)
			seen |= 8;
		else
			fail_msg("unexpected variable: %s", e);
	}
	assert_int_equal(seen, 15);
	assert_true(keep);

	/* Even at -vvv the log names setting and account, never values. */
	assert_non_null(strstr(log, "account 'work': token_event_cmd"));
	assert_null(strstr(log, "s3cr3t"));
	assert_null(strstr(log, "two"));
	free(log);
	free(out);
	free(c);
}

static void
test_hook_reports_exit_status(void **state)
{
	struct fixture *f = *state;
	const struct hook_env env = { .account = "work" };
	struct tag t[3] = {
		{ f, 1, NULL, NULL, 0 }, { f, 2, NULL, NULL, 0 },
		{ f, 3, NULL, NULL, 0 },
	};
	char *log;
	int i, got[4] = { 0 };

	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "token_event_cmd", "exit 0", &env,
	    10, done_cb, &t[0]), 0);
	assert_int_equal(hook_run(f->hooks, "token_event_cmd", "exit 3", &env,
	    10, done_cb, &t[1]), 0);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "kill -9 $$",
	    &env, 10, done_cb, &t[2]), 0);
	event_base_dispatch(f->base);
	log = log_release(f);
	assert_int_equal(f->ndone, 3);
	for (i = 0; i < 3; i++)
		got[f->who[i]] = f->status[i];
	assert_int_equal(got[1], 0);
	assert_int_equal(got[2], 3);
	assert_int_equal(got[3], -1);
	assert_non_null(strstr(log,
	    "pizauthd: account 'work': token_event_cmd exited with status 3\n"));
	assert_non_null(strstr(log,
	    "pizauthd: account 'work': auth_notify_cmd killed by signal 9\n"));
	free(log);
}

static void
test_hook_without_account_names_setting_only(void **state)
{
	struct fixture *f = *state;
	struct tag t = { f, 1, NULL, NULL, 0 };
	char *log;

	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "startup_cmd", "exit 2", NULL, 10,
	    done_cb, &t), 0);
	event_base_dispatch(f->base);
	log = log_release(f);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->status[0], 2);
	assert_non_null(strstr(log,
	    "pizauthd: startup_cmd exited with status 2\n"));
	free(log);
}

static void
test_hook_unstartable_shell_returns_minus_one(void **state)
{
	struct fixture *f = *state;
	const struct hook_env env = { .account = "work" };
	struct tag t = { f, 1, NULL, NULL, 0 };
	char *log;
	int rc;

	setenv("SHELL", "/nonexistent/shell", 1);
	log_capture(f);
	rc = hook_run(f->hooks, "auth_notify_cmd", "exit 0", &env, 10,
	    done_cb, &t);
	event_base_dispatch(f->base);
	log = log_release(f);
	setenv("SHELL", "/bin/sh", 1);
	assert_int_equal(rc, -1);
	assert_int_equal(f->ndone, 0);
	assert_non_null(strstr(log,
	    "account 'work': can't run auth_notify_cmd: "
	    "No such file or directory"));
	free(log);

	/* An unset SHELL means /bin/sh. */
	unsetenv("SHELL");
	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "exit 4", &env,
	    10, done_cb, &t), 0);
	setenv("SHELL", "/bin/sh", 1);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->status[0], 4);
}

static void
test_hook_runs_in_own_group_on_dev_null_with_default_signals(void **state)
{
	struct fixture *f = *state;
	struct tag t = { f, 1, NULL, NULL, 0 };
	sigset_t block, old;
	struct sigaction ign, oterm, opipe;
	unsigned long long sigblk = 1, sigign = 1;
	long pid = 0, pgrp = 0;
	char *c, *s, *p;
	int fd;

	/* What the daemon may have: blocked and ignored signals. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &ign, &oterm);
	sigaction(SIGPIPE, &ign, &opipe);
	/* A descriptor without O_CLOEXEC (dup2 clears it) must not leak. */
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	assert_true(fd != -1);
	assert_int_equal(dup2(fd, 50), 50);
	close(fd);

	/*
	 * The masks are read by exec'ing grep in the shell's process: dash
	 * blocks every signal while it waits for a child.
	 */
	c = cmd(f, "read -r s < /proc/$$/stat; echo \"$s\" > %1$s/stat; "
	    "fds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2); "
	    "echo \"$fds\" > %1$s/fds; "
	    "if [ -e /proc/$$/fd/50 ]; then echo open; else echo closed; fi "
	    "> %1$s/fd50; "
	    "exec grep -E '^Sig(Blk|Ign)' /proc/self/status > %1$s/sig");
	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", c, NULL, 10,
	    done_cb, &t), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGPIPE, &opipe, NULL);
	close(50);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->status[0], 0);

	/* "pid (sh) state ppid pgrp ...": the shell leads its own group. */
	s = slurp(f, "stat", NULL);
	assert_non_null(s);
	p = strrchr(s, ')');
	assert_non_null(p);
	assert_int_equal(sscanf(s, "%ld", &pid), 1);
	assert_int_equal(sscanf(p + 1, " %*c %*d %ld", &pgrp), 1);
	assert_true(pid > 0);
	assert_int_equal(pgrp, pid);
	assert_true(pgrp != getpgrp());
	free(s);

	s = slurp(f, "fds", NULL);
	assert_non_null(s);
	assert_string_equal(s, "/dev/null\n/dev/null\n/dev/null\n");
	free(s);

	s = slurp(f, "fd50", NULL);
	assert_non_null(s);
	assert_string_equal(s, "closed\n");
	free(s);

	s = slurp(f, "sig", NULL);
	assert_non_null(s);
	assert_int_equal(sscanf(s, "SigBlk: %llx SigIgn: %llx", &sigblk,
	    &sigign), 2);
	assert_int_equal(sigblk, 0);
	assert_int_equal(sigign & (1ULL << (SIGTERM - 1)), 0);
	assert_int_equal(sigign & (1ULL << (SIGPIPE - 1)), 0);
	free(s);
	free(c);
}

static void
test_hook_timeout_kills_the_whole_group(void **state)
{
	struct fixture *f = *state;
	const struct hook_env env = { .account = "work" };
	struct tag t = { f, 1, NULL, NULL, 0 };
	char *c, *s, *log;
	double start;
	long pgid = 0, bg = 0;
	int st;

	/* A background child too: the group, not just the shell, must die. */
	c = cmd(f, "echo $$ > %1$s/pgid; sleep 30 & echo $! > %1$s/bg; "
	    "sleep 30");
	log_capture(f);
	start = now_s();
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", c, &env, 1,
	    done_cb, &t), 0);
	event_base_dispatch(f->base);
	log = log_release(f);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->status[0], -1);
	assert_true(f->at[0] - start >= 0.9);
	assert_true(f->at[0] - start < 2.0);
	assert_non_null(strstr(log, "pizauthd: account 'work': "
	    "auth_notify_cmd killed after 1 s timeout\n"));
	free(log);

	s = slurp(f, "pgid", NULL);
	assert_non_null(s);
	pgid = strtol(s, NULL, 10);
	free(s);
	s = slurp(f, "bg", NULL);
	assert_non_null(s);
	bg = strtol(s, NULL, 10);
	free(s);
	assert_true(pgid > 1 && bg > 1);
	/*
	 * We are the subreaper: orphans are ours to reap.  The shell may
	 * have reaped the background sleep itself if that died first.
	 */
	st = reap_orphans((pid_t)bg);
	if (st != -1) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGKILL);
	}
	assert_true(kill((pid_t)bg, 0) == -1 && errno == ESRCH);
	assert_true(group_gone((pid_t)pgid));
	free(c);
}

static void
test_hook_queue_runs_one_at_a_time_in_order(void **state)
{
	struct fixture *f = *state;
	const struct hook_env ea = { .account = "a" }, eb = { .account = "b" },
	    ec = { .account = "c" };
	char *c1, *c2, *c3, *s;
	double start;

	/* Without the queue the shortest sleeper would finish first. */
	c1 = cmd(f, "echo \"start $PIZAUTH_ACCOUNT\" >> %1$s/q; sleep 0.3; "
	    "echo \"end $PIZAUTH_ACCOUNT\" >> %1$s/q");
	c2 = cmd(f, "echo \"start $PIZAUTH_ACCOUNT\" >> %1$s/q; sleep 0.1; "
	    "echo \"end $PIZAUTH_ACCOUNT\" >> %1$s/q; exit 1");
	c3 = cmd(f, "echo \"start $PIZAUTH_ACCOUNT\" >> %1$s/q; "
	    "echo \"end $PIZAUTH_ACCOUNT\" >> %1$s/q");
	log_capture(f);
	start = now_s();
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c1, &ea, 10),
	    0);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c2, &eb, 10),
	    0);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c3, &ec, 10),
	    0);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_true(now_s() - start >= 0.4);
	s = slurp(f, "q", NULL);
	assert_non_null(s);
	assert_string_equal(s,
	    "start a\nend a\nstart b\nend b\nstart c\nend c\n");
	free(s);

	/* The queue starts again once empty. */
	log_capture(f);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c3, &ea, 10),
	    0);
	event_base_dispatch(f->base);
	free(log_release(f));
	s = slurp(f, "q", NULL);
	assert_non_null(s);
	assert_string_equal(s, "start a\nend a\nstart b\nend b\nstart c\n"
	    "end c\nstart a\nend a\n");
	free(s);
	free(c1);
	free(c2);
	free(c3);
}

/*
 * A run that would repeat the last waiting run of its account is not
 * queued: a provider that makes a token every moment (expires_in 0)
 * cannot grow the queue without end.  Different events keep their order,
 * and past HOOK_QUEUE_MAX waiting runs nothing more is queued.
 */
static void
test_hook_queue_skips_repeats_and_is_bounded(void **state)
{
	struct fixture *f = *state;
	struct hook_env ev = { .account = "a", .event = "token_new" };
	const struct hook_env eb = { .account = "b", .event = "token_new" };
	char *c, *s;
	int i, refused = 0;

	c = cmd(f, "echo \"$PIZAUTH_ACCOUNT $PIZAUTH_EVENT\" >> %1$s/q");
	log_capture(f);
	/* The first starts at once; then a's refreshes wait as one. */
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c, &ev, 10),
	    0);
	ev.event = "token_refreshed";
	for (i = 0; i < 1000; i++)
		assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c,
		    &ev, 10), 0);
	/* b's between does not hide that a's last waiting run is one. */
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c, &eb, 10),
	    0);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c, &ev, 10),
	    0);
	ev.event = "token_invalidated";
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", c, &ev, 10),
	    0);
	event_base_dispatch(f->base);
	s = slurp(f, "q", NULL);
	assert_non_null(s);
	assert_string_equal(s, "a token_new\na token_refreshed\n"
	    "b token_new\na token_invalidated\n");
	free(s);

	/* Alternating events are all news, up to the bound. */
	for (i = 0; i < HOOK_QUEUE_MAX + 100; i++) {
		ev.event = i % 2 ? "token_new" : "token_invalidated";
		refused += hook_queue(f->hooks, "token_event_cmd", "true", &ev,
		    10) == -1;
	}
	/* One started at once and the queue took the bound; of the 99 past
	 * it, every other one repeats the last waiting run (skipped, 0) and
	 * the rest are refused. */
	assert_int_equal(refused, 50);
	free(log_release(f));
	hooks_free(f->hooks);
	f->hooks = hooks_new(f->base);
	free(c);
}

static void
test_hook_queue_and_run_do_not_wait_for_each_other(void **state)
{
	struct fixture *f = *state;
	struct tag t = { f, 1, NULL, NULL, 0 };
	double start;

	log_capture(f);
	start = now_s();
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", "sleep 0.5",
	    NULL, 10), 0);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "exit 0", NULL,
	    10, done_cb, &t), 0);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_int_equal(f->ndone, 1);
	assert_true(f->at[0] - start < 0.4);
}

static void
test_hook_cancel_arg_forgets_callbacks(void **state)
{
	struct fixture *f = *state;
	struct tag t[3] = {
		{ f, 1, NULL, NULL, 0 }, { f, 2, NULL, NULL, 0 },
		{ f, 3, NULL, NULL, 0 },
	};

	/* 1 is cancelled at once; 2, on finishing first, cancels 3. */
	t[1].cancel = &t[2];
	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "sleep 0.1",
	    NULL, 10, done_cb, &t[0]), 0);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "exit 0",
	    NULL, 10, done_cb, &t[1]), 0);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "sleep 0.2",
	    NULL, 10, done_cb, &t[2]), 0);
	hook_cancel_arg(f->hooks, &t[0]);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->who[0], 2);
}

static void
test_hook_done_may_start_another(void **state)
{
	struct fixture *f = *state;
	struct tag t[2] = {
		{ f, 1, NULL, NULL, 0 }, { f, 2, NULL, NULL, 0 },
	};
	char *c;

	c = cmd(f, "echo chained > %s/chain; exit 5");
	t[0].chain = c;
	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "exit 0",
	    NULL, 10, done_cb, &t[0]), 0);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->who[1], 2);
	assert_int_equal(f->status[1], 5);
	free(c);
}

static void
test_hooks_free_kills_running_and_drops_queued(void **state)
{
	struct fixture *f = *state;
	struct tag t = { f, 1, NULL, NULL, 0 };
	char *c, *s = NULL;
	long pgid;
	int i;

	c = cmd(f, "echo $$ > %1$s/pgid.tmp && mv %1$s/pgid.tmp %1$s/pgid; "
	    "exec sleep 30");
	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", c, NULL, 10,
	    done_cb, &t), 0);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", "sleep 30",
	    NULL, 10), 0);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", "sleep 30",
	    NULL, 10), 0);
	for (i = 0; i < 500 && (s = slurp(f, "pgid", NULL)) == NULL; i++)
		usleep(10000);
	assert_non_null(s);
	pgid = strtol(s, NULL, 10);
	free(s);
	assert_true(pgid > 1);
	assert_false(group_gone((pid_t)pgid));
	hooks_free(f->hooks);
	f->hooks = NULL;
	free(log_release(f));
	assert_int_equal(f->ndone, 0);
	/* Killed and reaped: nothing of the group is left once the orphans
	 * (reparented to us, the subreaper) are reaped too. */
	reap_orphans(-1);
	assert_true(group_gone((pid_t)pgid));
	free(c);
}

static void
test_hooks_free_from_done_callback(void **state)
{
	struct fixture *f = *state;
	struct tag t[2] = {
		{ f, 1, NULL, NULL, 1 }, { f, 2, NULL, NULL, 0 },
	};

	log_capture(f);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "exit 0",
	    NULL, 10, done_cb, &t[0]), 0);
	assert_int_equal(hook_run(f->hooks, "auth_notify_cmd", "sleep 30",
	    NULL, 10, done_cb, &t[1]), 0);
	assert_int_equal(hook_queue(f->hooks, "token_event_cmd", "sleep 30",
	    NULL, 10), 0);
	event_base_dispatch(f->base);
	free(log_release(f));
	assert_null(f->hooks);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->who[0], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_hook_env_holds_only_the_given_pizauth_vars,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_reports_exit_status, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_without_account_names_setting_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_unstartable_shell_returns_minus_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_runs_in_own_group_on_dev_null_with_default_signals,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_timeout_kills_the_whole_group, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_queue_runs_one_at_a_time_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_queue_skips_repeats_and_is_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_queue_and_run_do_not_wait_for_each_other,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_cancel_arg_forgets_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hook_done_may_start_another, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hooks_free_kills_running_and_drops_queued,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hooks_free_from_done_callback, setup, teardown),
	};

	/* Orphans of killed hooks come to us, so tests can see them die. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		perror("prctl");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
