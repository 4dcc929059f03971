/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The initial client responses of the two OAuth2 SASL mechanisms, shared
 * by the SASL plugin and pizauth-passwordeval (raw bytes, not base64):
 *   XOAUTH2      user=USER^Aauth=Bearer TOKEN^A^A
 *   OAUTHBEARER  n,a=AUTHZID,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A
 * (RFC 7628 section 3.1; a=, host= and port= only when known).
 */
#ifndef PZ_SASL_MSG_H
#define PZ_SASL_MSG_H

#include "core/buf.h"

/* Append to out.  -1 if out of memory or a value holds a ^A, which these
 * formats cannot carry. */
int	pz_sasl_xoauth2(const char *user, const char *token,
	    struct pz_buf *out);
int	pz_sasl_oauthbearer(const char *authzid, const char *host,
	    const char *port, const char *token, struct pz_buf *out);

#endif
