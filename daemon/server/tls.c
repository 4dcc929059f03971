/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* A self-signed certificate for the HTTPS redirect listener, made at start. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "daemon/server/tls.h"

#define TLS_CERT_DAYS	365

/* Fill err with what failed and OpenSSL's first queued reason. */
static void
tls_err(struct pz_err *err, const char *what)
{
	char buf[256];
	unsigned long e;

	e = ERR_get_error();
	if (e == 0)
		pz_errf(err, "%s failed", what);
	else {
		ERR_error_string_n(e, buf, sizeof(buf));
		pz_errf(err, "%s: %s", what, buf);
	}
	ERR_clear_error();
}

static int
tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A v3 certificate for localhost, valid for a year, signed by its own key. */
static X509 *
tls_cert_new(EVP_PKEY *key, struct pz_err *err)
{
	X509 *x;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;

	if ((x = X509_new()) == NULL) {
		tls_err(err, "X509_new");
		return NULL;
	}
	if (!X509_set_version(x, X509_VERSION_3)) {
		tls_err(err, "X509_set_version");
		goto fail;
	}
	/* 159 random bits: positive, at most 20 octets (RFC 5280 4.1.2.2). */
	if ((bn = BN_new()) == NULL ||
	    !BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !X509_set_serialNumber(x, serial)) {
		tls_err(err, "certificate serial number");
		goto fail;
	}
	/* A minute back, for browsers whose clock is slightly behind. */
	if (X509_gmtime_adj(X509_getm_notBefore(x), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)TLS_CERT_DAYS * 24 * 60 * 60) == NULL) {
		tls_err(err, "certificate validity");
		goto fail;
	}
	if ((name = X509_get_subject_name(x)) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name)) {
		tls_err(err, "certificate name");
		goto fail;
	}
	if (!X509_set_pubkey(x, key)) {
		tls_err(err, "X509_set_pubkey");
		goto fail;
	}
	if (tls_add_ext(x, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1") == -1 ||
	    tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    tls_add_ext(x, NID_key_usage, "critical,digitalSignature") == -1 ||
	    tls_add_ext(x, NID_ext_key_usage, "serverAuth") == -1 ||
	    tls_add_ext(x, NID_subject_key_identifier, "hash") == -1) {
		tls_err(err, "certificate extension");
		goto fail;
	}
	if (X509_sign(x, key, EVP_sha256()) == 0) {
		tls_err(err, "X509_sign");
		goto fail;
	}
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return x;
fail:
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_free(x);
	return NULL;
}

SSL_CTX *
tls_ctx_new_selfsigned(struct pz_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	SSL_CTX *ctx = NULL;

	ERR_clear_error();
	if ((key = EVP_EC_gen("P-256")) == NULL) {
		tls_err(err, "EC key generation");
		goto fail;
	}
	if ((x = tls_cert_new(key, err)) == NULL)
		goto fail;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_err(err, "SSL_CTX_new");
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		tls_err(err, "SSL_CTX_set_min_proto_version");
		goto fail;
	}
	if (SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_err(err, "TLS certificate");
		goto fail;
	}
	/* The context holds its own references now. */
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

char *
tls_pubkey_hex(SSL_CTX *ctx, struct pz_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char pub[256];
	EVP_PKEY *key;
	X509 *x;
	size_t len, i;
	char *s;

	ERR_clear_error();
	if ((x = SSL_CTX_get0_certificate(ctx)) == NULL ||
	    (key = X509_get0_pubkey(x)) == NULL) {
		tls_err(err, "TLS context has no certificate");
		return NULL;
	}
	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub), &len) || len == 0) {
		tls_err(err, "public key");
		return NULL;
	}
	if ((s = malloc(len * 3)) == NULL) {
		pz_errf(err, "out of memory");
		return NULL;
	}
	for (i = 0; i < len; i++) {
		s[i * 3] = hex[pub[i] >> 4];
		s[i * 3 + 1] = hex[pub[i] & 0xf];
		s[i * 3 + 2] = i + 1 < len ? ':' : '\0';
	}
	return s;
}
