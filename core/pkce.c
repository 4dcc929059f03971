/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Random base64url strings and the RFC 7636 S256 code challenge. */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/err.h"
#include "core/pkce.h"
#include "core/secret.h"

/* Bytes encoded per EVP_EncodeBlock() call; a multiple of 3, so only the
 * last chunk can carry padding. */
#define CHUNK		48

/* RFC 7636 section 4.1: a verifier is 43 to 128 unreserved characters. */
#define VERIFIER_MIN	43
#define VERIFIER_MAX	128

/* Unpadded base64url length of n bytes. */
static size_t
b64url_len(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/*
 * base64url-encode n bytes into out, which must hold b64url_len(n) + 1.
 * OpenSSL only speaks the standard alphabet, so translate its output and
 * drop the padding (RFC 4648 section 5).
 */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	unsigned char tmp[CHUNK / 3 * 4 + 1];
	size_t done = 0, len, i;
	int w;

	while (done < n) {
		len = n - done < CHUNK ? n - done : CHUNK;
		w = EVP_EncodeBlock(tmp, in + done, (int)len);
		for (i = 0; i < (size_t)w && tmp[i] != '='; i++) {
			if (tmp[i] == '+')
				tmp[i] = '-';
			else if (tmp[i] == '/')
				tmp[i] = '_';
		}
		memcpy(out, tmp, i);
		out += i;
		done += len;
	}
	*out = '\0';
	/* The encoding of a verifier is the verifier. */
	pz_wipe(tmp, sizeof(tmp));
}

int
pz_random_b64url(size_t nbytes, char *out, size_t outlen,
    struct pz_err *err)
{
	unsigned char raw[CHUNK];
	size_t done, len;
	char *p;

	/* The first test keeps b64url_len() from wrapping around. */
	if (nbytes > SIZE_MAX / 4 * 3 - 3 || out == NULL ||
	    outlen < b64url_len(nbytes) + 1)
		return pz_errf(err, "Buffer too small for %zu random bytes",
		    nbytes);
	/* Draw and encode a chunk at a time: no allocation, and no size
	 * limit from RAND_bytes()'s int argument. */
	for (done = 0, p = out; done < nbytes; done += len) {
		len = nbytes - done < CHUNK ? nbytes - done : CHUNK;
		if (RAND_bytes(raw, (int)len) != 1) {
			pz_wipe(raw, sizeof(raw));
			pz_wipe(out, outlen);
			return pz_errf(err, "Random number generator failed");
		}
		b64url(raw, len, p);
		p += b64url_len(len);
	}
	*p = '\0';
	pz_wipe(raw, sizeof(raw));
	return 0;
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

int
pz_pkce_challenge(const char *verifier,
    char out[PZ_PKCE_CHALLENGE_LEN + 1], struct pz_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t len, i;

	if (verifier == NULL)
		return pz_errf(err, "No PKCE code verifier");
	len = strlen(verifier);
	/* A provider would refuse such a verifier; say so here instead. */
	if (len < VERIFIER_MIN || len > VERIFIER_MAX)
		return pz_errf(err, "PKCE code verifier must be %d to %d "
		    "characters long, not %zu", VERIFIER_MIN, VERIFIER_MAX,
		    len);
	for (i = 0; i < len; i++)
		if (!is_unreserved((unsigned char)verifier[i]))
			return pz_errf(err, "PKCE code verifier has a "
			    "character outside RFC 7636's alphabet");
	if (EVP_Digest(verifier, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    b64url_len(mdlen) != PZ_PKCE_CHALLENGE_LEN)
		return pz_errf(err, "SHA-256 failed");
	b64url(md, mdlen, out);
	return 0;
}
