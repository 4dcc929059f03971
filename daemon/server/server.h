/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The daemon's state: one struct server, created by main() and passed to
 * every module (there are no globals).  Modules own their parts; this
 * header only lets them find each other.
 */
#ifndef PZD_SERVER_H
#define PZD_SERVER_H

#include <stddef.h>

#include "core/err.h"

struct account;
struct control;
struct discovery;
struct event;
struct event_base;
struct hooks;
struct http;
struct pz_config;
struct redirect;
struct revocation;
struct sdnotify;
struct timers;

struct server {
	struct event_base	*base;
	struct timers		*timers;	/* every account's deadlines */
	struct pz_config	*conf;
	char			*conf_path;
	char			*sock_path;

	/* One per configured account, in config order. */
	struct account		**accounts;
	size_t			 naccounts;

	struct http		*http;		/* outgoing requests */
	struct hooks		*hooks;		/* user commands */
	struct control		*control;	/* the control socket */
	struct redirect		*redirect_http;	/* NULL if http_listen none */
	struct redirect		*redirect_https;
	int			 http_port;	/* -1 when off */
	int			 https_port;
	char			*https_pubkey;	/* NULL when off */
	struct revocation	*revocations;	/* remote revocations in flight */
	struct discovery	*discovery;	/* issuers' metadata */
	struct sdnotify		*notify;	/* the service manager, or NULL */

	struct event		*ev_sigterm;
	struct event		*ev_sigint;
	struct event		*ev_touch;	/* keeps the socket from cleanup */
};

/* Build everything and bind sockets; errors are for the starting user. */
struct server	*server_new(struct event_base *base, struct pz_config *conf,
		    const char *conf_path, const char *sock_path,
		    struct pz_err *err);
void		 server_free(struct server *srv);
/* Stop the loop; main() then frees the server and removes the socket. */
void		 server_shutdown(struct server *srv);
/* Re-read the config; keep tokens of accounts whose security-relevant
 * settings did not change. */
int		 server_reload(struct server *srv, struct pz_err *err);
/* The account called name (name need not be NUL-terminated), or NULL. */
struct account	*server_account(struct server *srv, const char *name,
		    size_t len);

#endif
