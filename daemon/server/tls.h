/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The HTTPS redirect listener's credentials: a fresh self-signed
 * certificate (EC P-256, CN and SAN localhost + 127.0.0.1 + ::1) made at
 * each start, and its public key in the form `pizauth info` shows, so the
 * user can compare it with what the browser displays.
 */
#ifndef PZD_TLS_H
#define PZD_TLS_H

#include <openssl/ssl.h>

#include "core/err.h"

/* A server SSL_CTX holding a new key and certificate (TLS 1.2+). */
SSL_CTX	*tls_ctx_new_selfsigned(struct pz_err *err);
/* The certificate's raw public key (the uncompressed EC point) as
 * colon-separated upper-case hex ("04:AB:..."); caller frees. */
char	*tls_pubkey_hex(SSL_CTX *ctx, struct pz_err *err);

#endif
