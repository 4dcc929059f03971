/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Base64 encoding (RFC 4648 section 4: the standard alphabet, with '='
 * padding), for the adapters' SASL initial responses.  The daemon's
 * base64url comes from OpenSSL (pkce.c); the adapters link no OpenSSL.
 */
#ifndef PZ_B64_H
#define PZ_B64_H

#include <stddef.h>

#include "core/buf.h"

/* Append the base64 of len bytes at in to out.  Returns -1 if out of
 * memory (out is left as it was). */
int	pz_b64_encode(const void *in, size_t len, struct pz_buf *out);

#endif
