/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Random strings for OAuth2 (PKCE code verifiers, `state`) and the RFC 7636
 * S256 code challenge.  Randomness comes from OpenSSL's CSPRNG.
 */
#ifndef PZ_PKCE_H
#define PZ_PKCE_H

#include <stddef.h>

#include "core/err.h"

/* Random bytes for a verifier and for `state` (pizauth uses 64 and 8; we
 * make `state` long too, as DESIGN.md section 6 asks). */
#define PZ_PKCE_VERIFIER_BYTES	64
#define PZ_STATE_BYTES		32
/* base64url without padding of n bytes is at most 4*ceil(n/3) chars. */
#define PZ_B64URL_LEN(n)	((((n) + 2) / 3) * 4)
/* A S256 challenge is base64url(SHA-256) = 43 chars. */
#define PZ_PKCE_CHALLENGE_LEN	43

/* Fill out (outlen bytes, including NUL) with base64url(nbytes random
 * bytes), unpadded.  Returns 0, or -1 if out is too small or the RNG
 * failed. */
int	pz_random_b64url(size_t nbytes, char *out, size_t outlen,
	    struct pz_err *err);

/* base64url(SHA-256(verifier)), unpadded, into out (44 bytes with NUL). */
int	pz_pkce_challenge(const char *verifier,
	    char out[PZ_PKCE_CHALLENGE_LEN + 1], struct pz_err *err);

#endif
