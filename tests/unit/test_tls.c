/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/tls.c: the certificate and a real handshake. */
#include <sys/socket.h>

#include <ctype.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "daemon/server/tls.h"

static void
test_tls_cert_is_localhost_v3_p256_for_a_year(void **state)
{
	struct pz_err err = { "" };
	SSL_CTX *ctx;
	X509 *x;
	X509_NAME *name;
	GENERAL_NAMES *sans;
	const GENERAL_NAME *gn;
	const unsigned char *ip;
	char cn[64];
	int i, dns = 0, ip4 = 0, ip6 = 0, days, secs, crit;
	EVP_PKEY *key;
	char group[32];
	size_t glen;
	BASIC_CONSTRAINTS *bc;
	static const unsigned char v6_loopback[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};

	ctx = tls_ctx_new_selfsigned(&err);
	assert_non_null(ctx);
	x = SSL_CTX_get0_certificate(ctx);
	assert_non_null(x);

	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	name = X509_get_subject_name(x);
	assert_true(X509_NAME_get_text_by_NID(name, NID_commonName, cn,
	    sizeof(cn)) > 0);
	assert_string_equal(cn, "localhost");
	/* Self-signed: issuer is subject and the signature verifies. */
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), name), 0);
	key = X509_get0_pubkey(x);
	assert_non_null(key);
	assert_int_equal(X509_verify(x, key), 1);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
	assert_int_equal(EVP_PKEY_get_group_name(key, group, sizeof(group),
	    &glen), 1);
	assert_string_equal(group, "prime256v1");

	sans = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	assert_non_null(sans);
	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type == GEN_DNS) {
			assert_string_equal(ASN1_STRING_get0_data(gn->d.dNSName),
			    "localhost");
			dns++;
		} else if (gn->type == GEN_IPADD) {
			ip = ASN1_STRING_get0_data(gn->d.iPAddress);
			if (ASN1_STRING_length(gn->d.iPAddress) == 4) {
				assert_memory_equal(ip, "\177\0\0\1", 4);
				ip4++;
			} else {
				assert_int_equal(
				    ASN1_STRING_length(gn->d.iPAddress), 16);
				assert_memory_equal(ip, v6_loopback, 16);
				ip6++;
			}
		} else
			fail_msg("unexpected SAN type %d", gn->type);
	}
	assert_int_equal(dns + ip4 + ip6, 3);
	assert_true(dns == 1 && ip4 == 1 && ip6 == 1);
	GENERAL_NAMES_free(sans);
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_host(x, "example.com", 0, 0, NULL), 0);

	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_false(bc->ca);
	BASIC_CONSTRAINTS_free(bc);

	/* Valid now, and for about a year. */
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
	assert_true(X509_cmp_current_time(X509_get0_notAfter(x)) > 0);
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
	    X509_get0_notAfter(x)), 1);
	assert_true(days == 365);

	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	SSL_CTX_free(ctx);
}

static void
test_tls_serials_and_keys_differ_between_starts(void **state)
{
	struct pz_err err = { "" };
	SSL_CTX *a, *b;
	char *ha, *hb;

	a = tls_ctx_new_selfsigned(&err);
	b = tls_ctx_new_selfsigned(&err);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_not_equal(ASN1_INTEGER_cmp(
	    X509_get0_serialNumber(SSL_CTX_get0_certificate(a)),
	    X509_get0_serialNumber(SSL_CTX_get0_certificate(b))), 0);
	ha = tls_pubkey_hex(a, &err);
	hb = tls_pubkey_hex(b, &err);
	assert_non_null(ha);
	assert_non_null(hb);
	assert_string_not_equal(ha, hb);
	free(ha);
	free(hb);
	SSL_CTX_free(a);
	SSL_CTX_free(b);
}

static void
test_tls_pubkey_hex_is_uncompressed_point_in_colon_hex(void **state)
{
	struct pz_err err = { "" };
	unsigned char pub[65];
	SSL_CTX *ctx;
	char *hex, want[3 * 65];
	size_t len, i;
	EVP_PKEY *key;

	ctx = tls_ctx_new_selfsigned(&err);
	assert_non_null(ctx);
	hex = tls_pubkey_hex(ctx, &err);
	assert_non_null(hex);
	/* 65 octets: "04:" then X and Y, "AB:CD:..." with no trailing ':'. */
	assert_int_equal(strlen(hex), 65 * 3 - 1);
	assert_memory_equal(hex, "04:", 3);
	for (i = 0; hex[i] != '\0'; i++) {
		if (i % 3 == 2)
			assert_int_equal(hex[i], ':');
		else
			assert_true(isdigit((unsigned char)hex[i]) ||
			    (hex[i] >= 'A' && hex[i] <= 'F'));
	}

	/* The same octets as the certificate's key, independently encoded. */
	key = X509_get0_pubkey(SSL_CTX_get0_certificate(ctx));
	assert_int_equal(EVP_PKEY_get_octet_string_param(key, "pub", pub,
	    sizeof(pub), &len), 1);
	assert_int_equal(len, 65);
	for (i = 0; i < len; i++)
		snprintf(want + 3 * i, 4, i + 1 < len ? "%02X:" : "%02X",
		    pub[i]);
	assert_string_equal(hex, want);
	free(hex);
	SSL_CTX_free(ctx);
}

static void
test_tls_pubkey_hex_without_certificate_fails(void **state)
{
	struct pz_err err = { "" };
	SSL_CTX *ctx;

	ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(ctx);
	assert_null(tls_pubkey_hex(ctx, &err));
	assert_true(err.msg[0] != '\0');
	SSL_CTX_free(ctx);
}

/* Step both ends of a non-blocking handshake until both finish or fail. */
static int
handshake(SSL *srv, SSL *cli)
{
	int rs = 0, rc = 0, i, e;

	for (i = 0; i < 1000 && (rs != 1 || rc != 1); i++) {
		if (rc != 1) {
			rc = SSL_do_handshake(cli);
			e = SSL_get_error(cli, rc);
			if (rc != 1 && e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				return -1;
		}
		if (rs != 1) {
			rs = SSL_do_handshake(srv);
			e = SSL_get_error(srv, rs);
			if (rs != 1 && e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				return -1;
		}
	}
	return rs == 1 && rc == 1 ? 0 : -1;
}

/* A TLS client that trusts only the daemon's certificate, over a pair. */
static void
connect_pair(SSL_CTX *sctx, const char *host, const char *ip, int max_ver,
    SSL **srvp, SSL **clip, SSL_CTX **cctxp)
{
	SSL_CTX *cctx;
	SSL *srv, *cli;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true(fcntl(sv[0], F_SETFL, O_NONBLOCK) != -1);
	assert_true(fcntl(sv[1], F_SETFL, O_NONBLOCK) != -1);
	cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(cctx);
	if (max_ver != 0) {
		SSL_CTX_set_security_level(cctx, 0);
		assert_int_equal(SSL_CTX_set_min_proto_version(cctx, 0), 1);
		assert_int_equal(SSL_CTX_set_max_proto_version(cctx, max_ver),
		    1);
	}
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx),
	    SSL_CTX_get0_certificate(sctx)), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	srv = SSL_new(sctx);
	cli = SSL_new(cctx);
	assert_non_null(srv);
	assert_non_null(cli);
	if (host != NULL) {
		assert_int_equal(SSL_set1_host(cli, host), 1);
		assert_int_equal(SSL_set_tlsext_host_name(cli, host), 1);
	}
	if (ip != NULL)
		assert_int_equal(X509_VERIFY_PARAM_set1_ip_asc(
		    SSL_get0_param(cli), ip), 1);
	/* The SSLs own the descriptors (BIO_CLOSE). */
	SSL_set_fd(srv, sv[0]);
	SSL_set_fd(cli, sv[1]);
	BIO_set_close(SSL_get_rbio(srv), BIO_CLOSE);
	BIO_set_close(SSL_get_rbio(cli), BIO_CLOSE);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	*srvp = srv;
	*clip = cli;
	*cctxp = cctx;
}

static void
test_tls_handshake_verifies_as_localhost_and_loopback(void **state)
{
	static const struct {
		const char *host, *ip;
	} peers[] = {
		{ "localhost", NULL }, { NULL, "127.0.0.1" }, { NULL, "::1" },
	};
	struct pz_err err = { "" };
	SSL_CTX *sctx, *cctx;
	SSL *srv, *cli;
	char buf[16];
	size_t i;
	int n;

	sctx = tls_ctx_new_selfsigned(&err);
	assert_non_null(sctx);
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		connect_pair(sctx, peers[i].host, peers[i].ip, 0, &srv, &cli,
		    &cctx);
		assert_int_equal(handshake(srv, cli), 0);
		assert_int_equal(SSL_get_verify_result(cli), X509_V_OK);
		assert_true(SSL_version(cli) >= TLS1_2_VERSION);
		/* And data flows. */
		assert_int_equal(SSL_write(cli, "ping", 4), 4);
		n = SSL_read(srv, buf, sizeof(buf));
		assert_int_equal(n, 4);
		assert_memory_equal(buf, "ping", 4);
		SSL_free(srv);
		SSL_free(cli);
		SSL_CTX_free(cctx);
	}

	/* A client that wants another name refuses the certificate. */
	connect_pair(sctx, "example.com", NULL, 0, &srv, &cli, &cctx);
	assert_int_equal(handshake(srv, cli), -1);
	assert_int_equal(SSL_get_verify_result(cli),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	SSL_free(srv);
	SSL_free(cli);
	SSL_CTX_free(cctx);
	ERR_clear_error();
	SSL_CTX_free(sctx);
}

static void
test_tls_refuses_tls_1_1(void **state)
{
	struct pz_err err = { "" };
	SSL_CTX *sctx, *cctx;
	SSL *srv, *cli;

	sctx = tls_ctx_new_selfsigned(&err);
	assert_non_null(sctx);
	connect_pair(sctx, "localhost", NULL, TLS1_1_VERSION, &srv, &cli,
	    &cctx);
	assert_int_equal(handshake(srv, cli), -1);
	SSL_free(srv);
	SSL_free(cli);
	SSL_CTX_free(cctx);
	ERR_clear_error();
	SSL_CTX_free(sctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_cert_is_localhost_v3_p256_for_a_year),
		cmocka_unit_test(test_tls_serials_and_keys_differ_between_starts),
		cmocka_unit_test(
		    test_tls_pubkey_hex_is_uncompressed_point_in_colon_hex),
		cmocka_unit_test(test_tls_pubkey_hex_without_certificate_fails),
		cmocka_unit_test(
		    test_tls_handshake_verifies_as_localhost_and_loopback),
		cmocka_unit_test(test_tls_refuses_tls_1_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
