/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Building, reloading and tearing down the daemon's state. */
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "core/config.h"
#include "daemon/server/account.h"
#include "daemon/server/control.h"
#include "daemon/server/discover.h"
#include "daemon/server/hook.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/memory.h"
#include "daemon/server/redirect.h"
#include "daemon/server/refresh.h"
#include "daemon/server/revoke.h"
#include "daemon/server/sdnotify.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"
#include "daemon/server/tls.h"

/* XDG says files in $XDG_RUNTIME_DIR not touched for 6 hours may be
 * cleaned up: touch the socket that often. */
#define SOCKET_TOUCH_S	(6 * 60 * 60)

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	server_shutdown(arg);
}

static void
on_touch(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	utimensat(AT_FDCWD, srv->sock_path, NULL, AT_SYMLINK_NOFOLLOW);
}

struct account *
server_account(struct server *srv, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < srv->naccounts; i++) {
		const char *n = srv->accounts[i]->conf->name;

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return srv->accounts[i];
	}
	return NULL;
}

/* One account object per configured account.  An old account of the same
 * name whose security-relevant settings are unchanged is carried over (and
 * its slot in old set to NULL): it keeps its state and its token. */
static struct account **
make_accounts(struct server *srv, const struct pz_config *conf,
    struct account **old, size_t nold)
{
	struct account **accts;
	size_t *from, i, j;

	accts = calloc(conf->naccounts + 1, sizeof(*accts));
	from = calloc(conf->naccounts + 1, sizeof(*from));
	if (accts == NULL || from == NULL)
		goto fail;
	for (i = 0; i < conf->naccounts; i++) {
		const struct pz_account *c = &conf->accounts[i];

		from[i] = SIZE_MAX;
		for (j = 0; j < nold; j++) {
			if (strcmp(old[j]->conf->name, c->name) == 0 &&
			    pz_account_secure_eq(old[j]->conf, c)) {
				from[i] = j;
				accts[i] = old[j];
				break;
			}
		}
		if (accts[i] == NULL && (accts[i] = account_new(srv, c)) ==
		    NULL)
			goto fail;
	}
	/* Nothing can fail now: move the carried-over accounts. */
	for (i = 0; i < conf->naccounts; i++) {
		if (from[i] != SIZE_MAX) {
			old[from[i]] = NULL;
			accts[i]->conf = &conf->accounts[i];
		}
	}
	free(from);
	return accts;
fail:
	for (i = 0; accts != NULL && from != NULL && i < conf->naccounts; i++)
		if (from[i] == SIZE_MAX)
			account_free(accts[i]);
	free(accts);
	free(from);
	return NULL;
}

static int
listen_all(struct server *srv, struct pz_err *err)
{
	SSL_CTX *tls;

	if (srv->conf->http_listen != NULL) {
		if ((srv->redirect_http = redirect_new(srv,
		    srv->conf->http_listen, NULL, err)) == NULL)
			return -1;
		srv->http_port = redirect_port(srv->redirect_http);
	}
	if (srv->conf->https_listen != NULL) {
		if ((tls = tls_ctx_new_selfsigned(err)) == NULL)
			return -1;
		srv->https_pubkey = tls_pubkey_hex(tls, err);
		if (srv->https_pubkey != NULL)
			srv->redirect_https = redirect_new(srv,
			    srv->conf->https_listen, tls, err);
		SSL_CTX_free(tls);
		if (srv->redirect_https == NULL)
			return -1;
		srv->https_port = redirect_port(srv->redirect_https);
	}
	return 0;
}

struct server *
server_new(struct event_base *base, struct pz_config *conf,
    const char *conf_path, const char *sock_path, struct pz_err *err)
{
	struct server *srv;
	struct timeval touch = { SOCKET_TOUCH_S, 0 };

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		pz_errf(err, "Out of memory");
		pz_config_free(conf);
		return NULL;
	}
	srv->base = base;
	srv->conf = conf;
	srv->http_port = srv->https_port = -1;
	/* First, so that no hook inherits $NOTIFY_SOCKET. */
	srv->notify = sdnotify_new();
	if ((srv->conf_path = strdup(conf_path)) == NULL ||
	    (srv->sock_path = strdup(sock_path)) == NULL ||
	    (srv->hooks = hooks_new(base)) == NULL ||
	    (srv->timers = timers_new(base)) == NULL) {
		pz_errf(err, "Out of memory");
		goto fail;
	}
	if ((srv->http = http_new(base, err)) == NULL ||
	    listen_all(srv, err) == -1)
		goto fail;
	if ((srv->accounts = make_accounts(srv, conf, NULL, 0)) == NULL) {
		pz_errf(err, "Out of memory");
		goto fail;
	}
	srv->naccounts = conf->naccounts;
	if ((srv->control = control_new(srv, sock_path, err)) == NULL)
		goto fail;
	if (discover_start(srv) == -1) {
		pz_errf(err, "Out of memory");
		goto fail;
	}
	srv->ev_sigterm = evsignal_new(base, SIGTERM, on_signal, srv);
	srv->ev_sigint = evsignal_new(base, SIGINT, on_signal, srv);
	srv->ev_touch = event_new(base, -1, EV_PERSIST, on_touch, srv);
	if (srv->ev_sigterm == NULL || srv->ev_sigint == NULL ||
	    srv->ev_touch == NULL) {
		pz_errf(err, "Can't set up signal handling");
		goto fail;
	}
	evsignal_add(srv->ev_sigterm, NULL);
	evsignal_add(srv->ev_sigint, NULL);
	event_add(srv->ev_touch, &touch);
	memory_trim();
	return srv;
fail:
	server_free(srv);
	return NULL;
}

void
server_shutdown(struct server *srv)
{
	sdnotify_send(srv->notify, "STOPPING=1");
	event_base_loopexit(srv->base, NULL);
}

static int
reload(struct server *srv, struct pz_err *err)
{
	struct pz_config *conf, *old_conf = srv->conf;
	struct account **accts, **old = srv->accounts;
	size_t i, nold = srv->naccounts;

	if ((conf = pz_config_load(srv->conf_path, err)) == NULL)
		return -1;
	if ((accts = make_accounts(srv, conf, old, nold)) == NULL) {
		pz_config_free(conf);
		return pz_errf(err, "Out of memory");
	}
	/* What make_accounts() did not carry over is gone from the config
	 * or changed in a way that voids its token. */
	for (i = 0; i < nold; i++)
		account_free(old[i]);
	free(old);
	srv->accounts = accts;
	srv->naccounts = conf->naccounts;
	srv->conf = conf;
	pz_config_free(old_conf);
	/* Issuers are discovered again; what they gave stays meanwhile. */
	if (discover_start(srv) == -1)
		log_warnx("out of memory: providers not discovered again");
	/* Refresh times may have changed. */
	for (i = 0; i < srv->naccounts; i++)
		refresh_schedule(srv->accounts[i]);
	memory_trim();
	log_info("configuration reloaded");
	return 0;
}

int
server_reload(struct server *srv, struct pz_err *err)
{
	struct timespec ts;
	int rc;

	/* systemd wants the reload's start on its monotonic clock. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sdnotify_send(srv->notify, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000);
	rc = reload(srv, err);
	/* A failed reload keeps the configuration that was running. */
	sdnotify_send(srv->notify, "READY=1");
	return rc;
}

void
server_free(struct server *srv)
{
	size_t i;

	if (srv == NULL)
		return;
	/* Accounts answer their waiting clients before the control socket
	 * goes, and take nothing of it with them. */
	revoke_free_all(srv);
	if (srv->accounts != NULL) {
		for (i = 0; i < srv->naccounts; i++)
			account_free(srv->accounts[i]);
		free(srv->accounts);
	}
	control_free(srv->control);
	discover_free(srv);
	timers_free(srv->timers);
	redirect_free(srv->redirect_http);
	redirect_free(srv->redirect_https);
	http_free(srv->http);
	hooks_free(srv->hooks);
	if (srv->ev_sigterm != NULL)
		event_free(srv->ev_sigterm);
	if (srv->ev_sigint != NULL)
		event_free(srv->ev_sigint);
	if (srv->ev_touch != NULL)
		event_free(srv->ev_touch);
	sdnotify_free(srv->notify);
	free(srv->https_pubkey);
	free(srv->conf_path);
	free(srv->sock_path);
	pz_config_free(srv->conf);
	free(srv);
}
