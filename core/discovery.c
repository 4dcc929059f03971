/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Provider discovery: well-known URLs and metadata documents. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/discovery.h"
#include "core/err.h"
#include "core/text.h"
#include "core/uri.h"

/* Outside text quoted in a message is cut to this many bytes. */
#define ECHO_MAX	160

#define OIDC_SUFFIX	"/.well-known/openid-configuration"
#define OAUTH_INFIX	"/.well-known/oauth-authorization-server"

/* The endpoints a document may name, in the order they are checked. */
static const struct {
	const char	*name;
	size_t		 off;
} endpoints[] = {
	{ "authorization_endpoint",
	    offsetof(struct pz_metadata, authorization_endpoint) },
	{ "token_endpoint",
	    offsetof(struct pz_metadata, token_endpoint) },
	{ "device_authorization_endpoint",
	    offsetof(struct pz_metadata, device_authorization_endpoint) },
	{ "revocation_endpoint",
	    offsetof(struct pz_metadata, revocation_endpoint) },
};

/*
 * Microsoft's multi-tenant issuers, whose documents name a placeholder
 * instead of themselves (learn.microsoft.com, "OpenID Connect on the
 * Microsoft identity platform"); consumers/v2.0 names the fixed tenant of
 * personal accounts instead.  Exact strings, both sides: nothing else
 * stands in for an issuer.
 */
#define MS	"https://login.microsoftonline.com/"
#define MS_V2	MS "{tenantid}/v2.0"
#define MS_V1	"https://sts.windows.net/{tenantid}/"
static const struct {
	const char	*configured;
	const char	*named;		/* what its document says instead */
} ms_issuers[] = {
	{ MS "common/v2.0",		MS_V2 },
	{ MS "organizations/v2.0",	MS_V2 },
	{ MS "consumers/v2.0",		MS_V2 },
	{ MS "consumers/v2.0",
	    MS "9188040d-6c67-4c5b-b112-36a304b66dad/v2.0" },
	{ MS "common",			MS_V1 },
	{ MS "organizations",		MS_V1 },
	{ MS "consumers",		MS_V1 },
};

/* s (len bytes) made printable into out, "..." marking a cut. */
static void
echo(const char *s, size_t len, char out[ECHO_MAX + 4])
{
	pz_text_safe(s, len, out, ECHO_MAX + 1);
	if (len > ECHO_MAX)
		strcat(out, "...");
}

/* 127.0.0.0/8, ::1 or localhost (RFC 8252 section 8.3). */
static int
is_loopback(const struct pz_uri *u)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (u->host == NULL)
		return 0;
	if (u->ipv6)
		return inet_pton(AF_INET6, u->host, &a6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a6);
	/* The host is lower-cased and, if numeric, a strict dotted quad. */
	if (strcmp(u->host, "localhost") == 0 ||
	    strcmp(u->host, "localhost.") == 0)
		return 1;
	return inet_pton(AF_INET, u->host, &a4) == 1 &&
	    (ntohl(a4.s_addr) >> 24) == 127;
}

/*
 * Check the URL s (len bytes, no NUL) that what names: absolute, https or
 * loopback http, with a host, without user information (it would be
 * quoted back) or a fragment, and for an issuer without a query either.
 */
static int
check_url(const char *what, const char *s, size_t len, int issuer,
    struct pz_err *err)
{
	struct pz_uri u = PZ_URI_INIT;
	struct pz_err why;
	char e[ECHO_MAX + 4];
	const char *bad = NULL;

	if (len == 0)
		return pz_errf(err, "%s is empty", what);
	echo(s, len, e);
	if (pz_uri_parse(s, &u, &why) == -1)
		return pz_errf(err, "%s is not a valid URL (%s): %s", what,
		    why.msg, e);
	if (u.userinfo != NULL) {
		pz_uri_clear(&u);
		return pz_errf(err, "%s must not have user information",
		    what);
	}
	if (strcmp(u.scheme, "https") != 0 &&
	    (strcmp(u.scheme, "http") != 0 || !is_loopback(&u)))
		bad = "is not an https URL";
	else if (u.host == NULL)
		bad = "has no host";
	else if (issuer && u.query != NULL)
		bad = "must not have a query";
	else if (u.fragment != NULL)
		bad = "must not have a fragment";
	pz_uri_clear(&u);
	if (bad != NULL)
		return pz_errf(err, "%s %s: %s", what, bad, e);
	return 0;
}

int
pz_discovery_urls(const char *issuer, struct pz_buf *oidc,
    struct pz_buf *oauth, struct pz_err *err)
{
	size_t len, path, end;

	if (oidc != NULL)
		pz_buf_clear(oidc);
	if (oauth != NULL)
		pz_buf_clear(oauth);
	if (issuer == NULL || issuer[0] == '\0')
		return pz_errf(err, "issuer is empty");
	len = strlen(issuer);
	if (check_url("issuer", issuer, len, 1, err) == -1)
		return -1;
	/* Checked: "scheme://authority[/path]", nothing after the path. */
	path = strcspn(issuer, ":") + 3;
	path += strcspn(issuer + path, "/");
	/* Both specifications drop a terminating '/' before appending. */
	end = len > path && issuer[len - 1] == '/' ? len - 1 : len;
	if ((oidc != NULL &&
	    (pz_buf_append(oidc, issuer, end) == -1 ||
	    pz_buf_puts(oidc, OIDC_SUFFIX) == -1)) ||
	    (oauth != NULL &&
	    (pz_buf_append(oauth, issuer, path) == -1 ||
	    pz_buf_puts(oauth, OAUTH_INFIX) == -1 ||
	    pz_buf_append(oauth, issuer + path, end - path) == -1))) {
		if (oidc != NULL)
			pz_buf_clear(oidc);
		if (oauth != NULL)
			pz_buf_clear(oauth);
		return pz_errf(err, "out of memory");
	}
	return 0;
}

/* May the document fetched for issuer configured name itself named (len
 * bytes)? */
static int
issuer_ok(const char *configured, const char *named, size_t len)
{
	size_t i;

	if (strlen(configured) == len && memcmp(configured, named, len) == 0)
		return 1;
	for (i = 0; i < sizeof(ms_issuers) / sizeof(ms_issuers[0]); i++)
		if (strcmp(configured, ms_issuers[i].configured) == 0 &&
		    strlen(ms_issuers[i].named) == len &&
		    memcmp(ms_issuers[i].named, named, len) == 0)
			return 1;
	return 0;
}

/* root's issuer and endpoints into md. */
static int
take_members(json_t *root, const char *issuer, struct pz_metadata *md,
    struct pz_err *err)
{
	char e1[ECHO_MAX + 4], e2[ECHO_MAX + 4];
	json_t *j;
	const char *s;
	char **dst;
	size_t i, len;

	/* RFC 8414 section 3.3: a document for someone else says nothing. */
	if ((j = json_object_get(root, "issuer")) == NULL)
		return pz_errf(err, "Provider metadata has no issuer");
	if (!json_is_string(j))
		return pz_errf(err, "Provider metadata's issuer is not a "
		    "string");
	/* jansson refuses \u0000 (no JSON_ALLOW_NUL): len is the string. */
	s = json_string_value(j);
	len = json_string_length(j);
	if (!issuer_ok(issuer, s, len)) {
		echo(s, len, e1);
		echo(issuer, strlen(issuer), e2);
		return pz_errf(err, "Provider metadata has issuer '%s', not "
		    "the configured '%s'", e1, e2);
	}
	if ((md->issuer = strdup(s)) == NULL)
		return pz_errf(err, "out of memory");

	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		if ((j = json_object_get(root, endpoints[i].name)) == NULL)
			continue;
		if (!json_is_string(j))
			return pz_errf(err, "%s is not a string",
			    endpoints[i].name);
		if (check_url(endpoints[i].name, json_string_value(j),
		    json_string_length(j), 0, err) == -1)
			return -1;
		dst = (char **)((char *)md + endpoints[i].off);
		if ((*dst = strdup(json_string_value(j))) == NULL)
			return pz_errf(err, "out of memory");
	}
	return 0;
}

int
pz_metadata_parse(const char *body, size_t len, const char *issuer,
    struct pz_metadata *md, struct pz_err *err)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(md, 0, sizeof(*md));
	if (issuer == NULL)
		issuer = "";
	if (body == NULL || len == 0)
		return pz_errf(err, "Provider metadata is empty");
	if (len > PZ_METADATA_MAX)
		return pz_errf(err, "Provider metadata is larger than %d bytes",
		    PZ_METADATA_MAX);
	if (memchr(body, '\0', len) != NULL)
		return pz_errf(err, "Provider metadata contains a NUL byte");
	/* JSON_DECODE_ANY: a scalar gets "not a JSON object" below. */
	if ((root = json_loadb(body, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr)) == NULL) {
		/* jansson's own text quotes the document: not ours to echo. */
		switch (json_error_code(&jerr)) {
		case json_error_duplicate_key:
			return pz_errf(err, "Provider metadata has a duplicate "
			    "member (line %d, column %d)", jerr.line,
			    jerr.column);
		case json_error_null_character:
			return pz_errf(err, "Provider metadata contains a NUL "
			    "byte");
		default:
			return pz_errf(err, "Provider metadata is not valid "
			    "JSON (line %d, column %d)", jerr.line,
			    jerr.column);
		}
	}
	if (!json_is_object(root))
		rc = pz_errf(err, "Provider metadata is not a JSON object");
	else
		rc = take_members(root, issuer, md, err);
	json_decref(root);
	if (rc == -1)
		pz_metadata_clear(md);
	return rc;
}

int
pz_metadata_require(const struct pz_metadata *md, int need_auth,
    int need_device, struct pz_err *err)
{
	const char *missing[3];
	size_t n = 0;

	if (md->token_endpoint == NULL)
		missing[n++] = "token_endpoint";
	if (need_auth && md->authorization_endpoint == NULL)
		missing[n++] = "authorization_endpoint";
	if (need_device && md->device_authorization_endpoint == NULL)
		missing[n++] = "device_authorization_endpoint";
	switch (n) {
	case 0:
		return 0;
	case 1:
		return pz_errf(err, "Provider metadata lacks %s", missing[0]);
	case 2:
		return pz_errf(err, "Provider metadata lacks %s and %s",
		    missing[0], missing[1]);
	default:
		return pz_errf(err, "Provider metadata lacks %s, %s and %s",
		    missing[0], missing[1], missing[2]);
	}
}

void
pz_metadata_clear(struct pz_metadata *md)
{
	if (md == NULL)
		return;
	free(md->issuer);
	free(md->authorization_endpoint);
	free(md->token_endpoint);
	free(md->device_authorization_endpoint);
	free(md->revocation_endpoint);
	memset(md, 0, sizeof(*md));
}
