/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Where things live, as pizauth decides it: the cache directory
 * $XDG_RUNTIME_DIR/pizauth (else $TMPDIR/runtime-$USER/pizauth, /tmp when
 * TMPDIR is unset), created 0700, holding pizauth.sock, unless
 * $PIZAUTH_SOCKET names the socket (a system service's, say Postfix's
 * under its chroot); the config at -c, else $XDG_CONFIG_HOME/pizauth.conf,
 * else $HOME/.config/pizauth.conf.
 */
#ifndef PZ_PATHS_H
#define PZ_PATHS_H

#include "core/buf.h"
#include "core/err.h"

#define PZ_SOCK_NAME	"pizauth.sock"
#define PZ_CONF_NAME	"pizauth.conf"

/* The cache directory into out; creates it (and a runtime-$USER parent)
 * 0700 if create is set, and refuses one owned by someone else. */
int	pz_paths_cache_dir(struct pz_buf *out, int create, struct pz_err *err);
#define PZ_SOCKET_ENV	"PIZAUTH_SOCKET"

/* The socket path into out: $PIZAUTH_SOCKET, which must be absolute and
 * short enough for a socket address (nothing is created for it), else in
 * the cache directory (created as above if create is set). */
int	pz_paths_socket(struct pz_buf *out, int create, struct pz_err *err);
/* For the server: the socket path as above, its directory made (0700) if
 * missing and refused unless it is the caller's and writable by no one
 * else; a file in the socket's place is refused unless it is a socket. */
int	pz_paths_server_socket(struct pz_buf *out, struct pz_err *err);
/* The config path into out: opt if not NULL, else the XDG lookup.  With
 * must_exist, a missing default file is an error naming the path. */
int	pz_paths_config(const char *opt, int must_exist, struct pz_buf *out,
	    struct pz_err *err);

#endif
