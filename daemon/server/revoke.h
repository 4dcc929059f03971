/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * `pizauth revoke`: forget an account's tokens here, and with revoke_uri
 * also at the provider (RFC 7009), posting the refresh token (else the
 * access token) with its token_type_hint and the account's client
 * authentication.  The local state is cleared first, whatever the
 * provider says.
 */
#ifndef PZD_REVOKE_H
#define PZD_REVOKE_H

#include "core/buf.h"
#include "daemon/server/control.h"

struct account;
struct ctl_conn;
struct server;
struct revocation;

/* Revoke a; reply now or answer conn when the provider has. */
enum ctl_result	 revoke_account(struct account *a, struct ctl_conn *conn,
		    struct pz_buf *reply);
/* Abandon revocations in flight (at shutdown). */
void		 revoke_free_all(struct server *srv);

#endif
