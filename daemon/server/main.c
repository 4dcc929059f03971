/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauthd: the server `pizauth server` runs.  Checks the config and that
 * no other server runs, detaches (unless -d) once it is ready to serve, and
 * runs the event loop until told to stop.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/config.h"
#include "core/ctl_client.h"
#include "core/paths.h"
#include "daemon/server/hook.h"
#include "daemon/server/log.h"
#include "daemon/server/memory.h"
#include "daemon/server/sdnotify.h"
#include "daemon/server/server.h"

static void
on_startup_done(int status, void *arg)
{
	struct server *srv = arg;

	sdnotify_send(srv->notify, "READY=1");
}

static void
usage(void)
{
	fprintf(stderr, "Usage:\n  pizauth server [-c <config-path>] [-dv]\n");
	exit(1);
}

/* Tokens live in this process's memory: keep them out of core files and
 * away from ptrace by other processes. */
static void
no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0);
}

/* Each waiting client holds a descriptor: allow as many as we may. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Detach from the terminal.  The original process waits on a pipe until
 * the daemon says it is ready ("ok") or why it is not, so `pizauth server`
 * exits 0 only when the socket answers.  Returns the pipe's write end in
 * the daemon.
 */
static int
daemonise(void)
{
	char buf[sizeof(((struct pz_err *)0)->msg)];
	size_t len = 0;
	ssize_t n;
	int p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		while (len < sizeof(buf) - 1 &&
		    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			len += (size_t)n;
		}
		buf[len] = '\0';
		if (strcmp(buf, "ok") == 0)
			_exit(0);
		fprintf(stderr, "%s\n", len > 0 ? buf :
		    "pizauth server failed to start");
		_exit(1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (chdir("/") == -1)
		fatal("chdir");
	return p[1];
}

/* Tell whoever waits how starting went. */
static void
report(int fd, const char *msg)
{
	if (fd == -1) {
		if (strcmp(msg, "ok") != 0)
			fprintf(stderr, "%s\n", msg);
		return;
	}
	(void)!write(fd, msg, strlen(msg));
	close(fd);
}

static void
stdio_to_null(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct pz_buf sock = PZ_BUF_INIT, confpath = PZ_BUF_INIT;
	struct hook_env env = { 0 };
	const char *copt = NULL;
	struct pz_config *conf;
	struct event_base *base;
	struct server *srv;
	struct pz_err err;
	int c, debug = 0, verbose = 0, ready = -1;

	while ((c = getopt(argc, argv, "c:dhv")) != -1) {
		switch (c) {
		case 'c':
			copt = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	memory_init();
	log_init("pizauth", 1, verbose);
	signal(SIGPIPE, SIG_IGN);
	no_core_dumps();
	raise_fd_limit();

	if (pz_paths_server_socket(&sock, &err) == -1)
		fatalx("%s", err.msg);
	if (pz_ctl_alive(pz_buf_str(&sock))) {
		fprintf(stderr, "pizauth authenticator already running\n");
		exit(1);
	}
	if (unlink(pz_buf_str(&sock)) == -1 && errno != ENOENT)
		fatal("can't remove stale socket %s", pz_buf_str(&sock));
	if (pz_paths_config(copt, 1, &confpath, &err) == -1 ||
	    (conf = pz_config_load(pz_buf_str(&confpath), &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}

	if (!debug) {
		ready = daemonise();
		log_to_syslog();
	}
	/* After fork: an event base does not survive one. */
	if ((base = event_base_new()) == NULL) {
		report(ready, "Can't create event loop");
		exit(1);
	}
	if ((srv = server_new(base, conf, pz_buf_str(&confpath),
	    pz_buf_str(&sock), &err)) == NULL) {
		report(ready, err.msg);
		event_base_free(base);
		exit(1);
	}
	report(ready, "ok");
	if (!debug)
		stdio_to_null();
	log_info("listening on %s (HTTP port %d, HTTPS port %d)",
	    pz_buf_str(&sock), srv->http_port, srv->https_port);
	/* A service manager learns that the server is ready once startup_cmd
	 * has restored what it restores, so units ordered after pizauth see
	 * tokens. */
	if (srv->conf->startup_cmd == NULL || hook_run(srv->hooks,
	    "startup_cmd", srv->conf->startup_cmd, &env, HOOK_TIMEOUT,
	    on_startup_done, srv) == -1)
		sdnotify_send(srv->notify, "READY=1");

	event_base_dispatch(base);

	server_free(srv);
	unlink(pz_buf_str(&sock));
	event_base_free(base);
	pz_buf_clear(&sock);
	pz_buf_clear(&confpath);
	libevent_global_shutdown();
	log_info("stopped");
	return 0;
}
