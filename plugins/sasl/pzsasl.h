/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The Cyrus SASL client plugin: XOAUTH2 and OAUTHBEARER with the token
 * from the pizauth daemon, found by the SASL authentication name and the
 * server's host.  pzsasl_token.c asks the daemon, pzsasl_wire.c writes
 * and reads what goes over the wire, pzsasl_mech.c is the mechanism
 * (mech_new/mech_step/mech_dispose and the table), pzsasl_init.c the one
 * exported symbol.  Everything here has hidden visibility: the plugin
 * lives in other programs' processes.
 */
#ifndef PZSASL_H
#define PZSASL_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "core/buf.h"
#include "core/err.h"

/* How long the daemon may take to answer (it never waits for the user). */
#define PZSASL_TIMEOUT_MS	(10 * 1000)

enum pzsasl_mech {
	PZSASL_XOAUTH2,
	PZSASL_OAUTHBEARER,
};

/* Where the token comes from, as pzsasl_token_get() decides. */
enum pzsasl_source {
	PZSASL_TOKEN,		/* the daemon's: *token is set */
	PZSASL_FALLBACK,	/* no daemon, no account: use the password */
	PZSASL_NOT_YET,		/* an account, not authorised: err has URL */
	PZSASL_FAILED,		/* the daemon refused: err says why */
};

struct pzsasl_query {
	const char	*user;		/* the SASL authentication name */
	const char	*host;		/* the server's name, or NULL */
	const char	*port;		/* the server's port (digits), or NULL */
};

/* The token_details request for q into req; -1 if q cannot be sent. */
int	pzsasl_token_request(const struct pzsasl_query *q, struct pz_buf *req);
/* Classify the daemon's reply; on PZSASL_TOKEN *token is set (free with
 * pz_secret_free), otherwise err says why. */
enum pzsasl_source pzsasl_token_reply(const char *reply, size_t len,
	    char **token, struct pz_err *err);
/* Does $PIZAUTH_SOCKET name the socket?  Then the application was set up
 * for pizauth (a system service's), and what goes wrong is said where it
 * shows. */
int	pzsasl_socket_pinned(void);
/* Ask the daemon (at most PZSASL_TIMEOUT_MS) and classify its answer. */
enum pzsasl_source pzsasl_token_get(const struct pzsasl_query *q,
	    char **token, struct pz_err *err);

/* The initial client response for mech into out:
 *   XOAUTH2      user=AUTHNAME^Aauth=Bearer TOKEN^A^A
 *   OAUTHBEARER  n,a=AUTHZID,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A
 * (RFC 7628; host and port only when known).  -1 if out of memory or a
 * name holds a ^A. */
int	pzsasl_wire_response(enum pzsasl_mech mech, const char *authzid,
	    const struct pzsasl_query *q, const char *token,
	    struct pz_buf *out);
/* A sentence for the server's error challenge (JSON with "status", and
 * maybe "scope" and "schemes"), for people: printable ASCII only. */
void	pzsasl_wire_server_error(const char *in, unsigned len, char *msg,
	    size_t msglen);

/* The mechanisms, for sasl_client_plug_init(). */
extern sasl_client_plug_t pzsasl_mech_plugins[2];
int	pzsasl_mech_new(void *glob_context, sasl_client_params_t *params,
	    void **conn_context);
int	pzsasl_mech_step(void *conn_context, sasl_client_params_t *params,
	    const char *serverin, unsigned serverinlen,
	    sasl_interact_t **prompt_need, const char **clientout,
	    unsigned *clientoutlen, sasl_out_params_t *oparams);
void	pzsasl_mech_dispose(void *conn_context, const sasl_utils_t *utils);

/* The plugin's entry point (the only symbol it exports). */
int	sasl_client_plug_init(const sasl_utils_t *utils, int maxversion,
	    int *out_version, sasl_client_plug_t **pluglist, int *plugcount)
	    __attribute__((visibility("default")));

#endif
