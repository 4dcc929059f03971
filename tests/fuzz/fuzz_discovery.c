/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for core/discovery.c.  The input is a provider's
 * metadata document, parsed for each of a few configured issuers as the
 * server will parse what it fetches.  Checks the promises discovery.h
 * makes whatever the provider sends.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/discovery.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static const char *const issuers[] = {
	"https://server.example.com",
	"https://accounts.google.com",
	"https://login.microsoftonline.com/common/v2.0",
	"http://127.0.0.1:8080/realms/test",
};

/* An endpoint the parser let through: an https URL, or http (on
 * loopback), without a fragment. */
static void
check_endpoint(const char *s)
{
	if (s == NULL)
		return;
	/* Schemes are case-insensitive (RFC 3986 3.1), as curl takes them. */
	CHECK(strncasecmp(s, "https://", 8) == 0 ||
	    strncasecmp(s, "http://", 7) == 0);
	CHECK(strchr(s, '#') == NULL);
}

/* Messages are one printable line. */
static void
check_text(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_metadata md = PZ_METADATA_INIT;
	struct pz_err err;
	size_t i;

	for (i = 0; i < sizeof(issuers) / sizeof(issuers[0]); i++) {
		if (pz_metadata_parse((const char *)data, size, issuers[i], &md,
		    &err) == -1) {
			CHECK(md.issuer == NULL && md.token_endpoint == NULL &&
			    md.authorization_endpoint == NULL &&
			    md.device_authorization_endpoint == NULL &&
			    md.revocation_endpoint == NULL);
			check_text(err.msg);
			continue;
		}
		CHECK(md.issuer != NULL);
		check_endpoint(md.authorization_endpoint);
		check_endpoint(md.token_endpoint);
		check_endpoint(md.device_authorization_endpoint);
		check_endpoint(md.revocation_endpoint);
		if (pz_metadata_require(&md, 1, 1, &err) == -1)
			check_text(err.msg);
		pz_metadata_clear(&md);
	}
	return 0;
}
