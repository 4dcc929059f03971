/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/discovery.c: well-known URLs (OpenID Connect
 * Discovery 1.0, RFC 8414 section 3) and metadata documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/discovery.h"
#include "core/err.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
expect_str(const char *name, const char *what, const char *got,
    const char *want)
{
	if (got == NULL && want == NULL)
		return;
	if (got == NULL || want == NULL || strcmp(got, want) != 0)
		fail_msg("%s: %s is '%s', want '%s'", name, what,
		    got ? got : "(null)", want ? want : "(null)");
}

static void
expect_no_control(const char *name, const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fail_msg("%s: control character in err.msg", name);
}

/* ---- pz_discovery_urls ------------------------------------------------ */

#define WK_OIDC		"/.well-known/openid-configuration"
#define WK_OAUTH	"/.well-known/oauth-authorization-server"

/* An issuer and its two URLs; oidc NULL: rejected with msg. */
static const struct ucase {
	const char	*issuer;
	const char	*oidc;
	const char	*oauth;
	const char	*msg;
} url_cases[] = {
#define GOOD(i, o, a)	{ i, o, a, NULL }
#define BAD(i, m)	{ i, NULL, NULL, m }
	/* No path: the same place either way. */
	GOOD("https://accounts.google.com",
	    "https://accounts.google.com" WK_OIDC,
	    "https://accounts.google.com" WK_OAUTH),
	GOOD("https://accounts.google.com/",
	    "https://accounts.google.com" WK_OIDC,
	    "https://accounts.google.com" WK_OAUTH),
	/* A path: appended (OIDC), inserted after the host (RFC 8414). */
	GOOD("https://login.microsoftonline.com/common/v2.0",
	    "https://login.microsoftonline.com/common/v2.0" WK_OIDC,
	    "https://login.microsoftonline.com" WK_OAUTH "/common/v2.0"),
	GOOD("https://example.com/tenant1",
	    "https://example.com/tenant1" WK_OIDC,
	    "https://example.com" WK_OAUTH "/tenant1"),
	GOOD("https://example.com/tenant1/",
	    "https://example.com/tenant1" WK_OIDC,
	    "https://example.com" WK_OAUTH "/tenant1"),
	GOOD("https://sso.example.com/realms/demo",
	    "https://sso.example.com/realms/demo" WK_OIDC,
	    "https://sso.example.com" WK_OAUTH "/realms/demo"),
	/* Only one terminating '/' goes. */
	GOOD("https://example.com//",
	    "https://example.com/" WK_OIDC,
	    "https://example.com" WK_OAUTH "/"),
	/* A port stays with the host. */
	GOOD("https://example.com:8443",
	    "https://example.com:8443" WK_OIDC,
	    "https://example.com:8443" WK_OAUTH),
	GOOD("https://example.com:8443/realms/demo/",
	    "https://example.com:8443/realms/demo" WK_OIDC,
	    "https://example.com:8443" WK_OAUTH "/realms/demo"),
	/* The issuer's text is kept as written: it is compared exactly. */
	GOOD("HTTPS://Example.COM/Tenant",
	    "HTTPS://Example.COM/Tenant" WK_OIDC,
	    "HTTPS://Example.COM" WK_OAUTH "/Tenant"),
	/* http for loopback hosts only. */
	GOOD("http://127.0.0.1:8080/issuer",
	    "http://127.0.0.1:8080/issuer" WK_OIDC,
	    "http://127.0.0.1:8080" WK_OAUTH "/issuer"),
	GOOD("http://127.255.0.9",
	    "http://127.255.0.9" WK_OIDC,
	    "http://127.255.0.9" WK_OAUTH),
	GOOD("http://[::1]:9000/",
	    "http://[::1]:9000" WK_OIDC,
	    "http://[::1]:9000" WK_OAUTH),
	GOOD("http://LocalHost/x",
	    "http://LocalHost/x" WK_OIDC,
	    "http://LocalHost" WK_OAUTH "/x"),

	BAD("http://example.com",
	    "issuer is not an https URL: http://example.com"),
	BAD("http://accounts.google.com/",
	    "issuer is not an https URL: http://accounts.google.com/"),
	BAD("http://127.0.0.1.example.com",
	    "issuer is not an https URL: http://127.0.0.1.example.com"),
	BAD("http://localhost.example.com",
	    "issuer is not an https URL: http://localhost.example.com"),
	BAD("http://128.0.0.1", "issuer is not an https URL: http://128.0.0.1"),
	BAD("http://[::2]", "issuer is not an https URL: http://[::2]"),
	BAD("http://[::ffff:127.0.0.1]",
	    "issuer is not an https URL: http://[::ffff:127.0.0.1]"),
	BAD("ftp://example.com",
	    "issuer is not an https URL: ftp://example.com"),
	BAD("https://example.com/?a=b",
	    "issuer must not have a query: https://example.com/?a=b"),
	BAD("https://example.com?",
	    "issuer must not have a query: https://example.com?"),
	BAD("https://example.com/t#frag",
	    "issuer must not have a fragment: https://example.com/t#frag"),
	BAD("https://example.com#",
	    "issuer must not have a fragment: https://example.com#"),
	BAD("https://user:pw@example.com",
	    "issuer must not have user information"),
	BAD("/tenant1",
	    "issuer is not a valid URL (relative URL without a base): "
	    "/tenant1"),
	BAD("example.com",
	    "issuer is not a valid URL (relative URL without a base): "
	    "example.com"),
	BAD("https://", "issuer is not a valid URL (empty host): https://"),
	BAD("https:example.com", "issuer has no host: https:example.com"),
	BAD("https://exa mple.com",
	    "issuer is not a valid URL (invalid domain character): "
	    "https://exa mple.com"),
	BAD("https://example.com/\033[31m",
	    "issuer is not a valid URL (invalid character in path): "
	    "https://example.com/?[31m"),
	BAD("", "issuer is empty"),
	BAD(NULL, "issuer is empty"),
#undef GOOD
#undef BAD
};

static void
test_discovery_urls_table(void **state)
{
	struct pz_buf oidc = PZ_BUF_INIT, oauth = PZ_BUF_INIT;
	struct pz_err err;
	const struct ucase *c;
	const char *name;
	size_t i;
	int rc;

	for (i = 0; i < NELEM(url_cases); i++) {
		c = &url_cases[i];
		name = c->issuer != NULL ? c->issuer : "(null)";
		strcpy(err.msg, "untouched");
		rc = pz_discovery_urls(c->issuer, &oidc, &oauth, &err);
		if (c->oidc != NULL) {
			if (rc != 0)
				fail_msg("%s: rejected: %s", name, err.msg);
			expect_str(name, "oidc", pz_buf_str(&oidc), c->oidc);
			expect_str(name, "oauth", pz_buf_str(&oauth),
			    c->oauth);
			expect_str(name, "err.msg", err.msg, "untouched");
		} else {
			if (rc != -1)
				fail_msg("%s: accepted", name);
			expect_str(name, "err.msg", err.msg, c->msg);
			expect_no_control(name, err.msg);
			assert_int_equal(oidc.len, 0);
			assert_int_equal(oauth.len, 0);
		}
		pz_buf_clear(&oidc);
		pz_buf_clear(&oauth);
	}
}

/* Either buffer may be NULL; what the buffers held is replaced, and on
 * failure they are left empty. */
static void
test_discovery_urls_buffers(void **state)
{
	struct pz_buf oidc = PZ_BUF_INIT, oauth = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pz_discovery_urls("https://example.com/a", &oidc,
	    NULL, &err), 0);
	expect_str("oauth NULL", "oidc", pz_buf_str(&oidc),
	    "https://example.com/a" WK_OIDC);
	assert_int_equal(pz_discovery_urls("https://example.com/b", NULL,
	    &oauth, &err), 0);
	expect_str("oidc NULL", "oauth", pz_buf_str(&oauth),
	    "https://example.com" WK_OAUTH "/b");
	assert_int_equal(pz_discovery_urls("https://example.com/c", NULL,
	    NULL, &err), 0);
	assert_int_equal(pz_discovery_urls("http://example.com/c", NULL,
	    NULL, &err), -1);
	expect_str("both NULL", "err.msg", err.msg,
	    "issuer is not an https URL: http://example.com/c");

	/* Replaced, not appended to. */
	assert_int_equal(pz_discovery_urls("https://example.com/d", &oidc,
	    &oauth, &err), 0);
	expect_str("replaced", "oidc", pz_buf_str(&oidc),
	    "https://example.com/d" WK_OIDC);
	expect_str("replaced", "oauth", pz_buf_str(&oauth),
	    "https://example.com" WK_OAUTH "/d");
	assert_int_equal(pz_discovery_urls("https://example.com/?q", &oidc,
	    &oauth, &err), -1);
	assert_int_equal(oidc.len, 0);
	assert_int_equal(oauth.len, 0);
	expect_str("emptied", "oidc", pz_buf_str(&oidc), "");
	pz_buf_clear(&oidc);
	pz_buf_clear(&oauth);

	/* A NULL err is allowed. */
	assert_int_equal(pz_discovery_urls("http://example.com", NULL, NULL,
	    NULL), -1);
}

/* A long issuer is quoted cut, marked "...". */
static void
test_discovery_urls_long_issuer_cut(void **state)
{
	char issuer[400], want[300];
	struct pz_err err;

	memset(issuer, 'a', sizeof(issuer));
	memcpy(issuer, "http://", 7);
	issuer[sizeof(issuer) - 1] = '\0';
	assert_int_equal(pz_discovery_urls(issuer, NULL, NULL, &err), -1);
	snprintf(want, sizeof(want), "issuer is not an https URL: %.160s...",
	    issuer);
	expect_str("long", "err.msg", err.msg, want);
	assert_int_equal(strlen(err.msg),
	    strlen("issuer is not an https URL: ") + 160 + 3);
}

/* ---- pz_metadata_parse ------------------------------------------------- */

/* accounts.google.com/.well-known/openid-configuration, as published. */
static const char google_doc[] =
	"{\n"
	" \"issuer\": \"https://accounts.google.com\",\n"
	" \"authorization_endpoint\": "
	"\"https://accounts.google.com/o/oauth2/v2/auth\",\n"
	" \"device_authorization_endpoint\": "
	"\"https://oauth2.googleapis.com/device/code\",\n"
	" \"token_endpoint\": \"https://oauth2.googleapis.com/token\",\n"
	" \"userinfo_endpoint\": "
	"\"https://openidconnect.googleapis.com/v1/userinfo\",\n"
	" \"revocation_endpoint\": \"https://oauth2.googleapis.com/revoke\",\n"
	" \"jwks_uri\": \"https://www.googleapis.com/oauth2/v3/certs\",\n"
	" \"response_types_supported\": [\n  \"code\",\n  \"token\",\n"
	"  \"id_token\",\n  \"code token\",\n  \"code id_token\",\n"
	"  \"token id_token\",\n  \"code token id_token\",\n  \"none\"\n ],\n"
	" \"subject_types_supported\": [\n  \"public\"\n ],\n"
	" \"id_token_signing_alg_values_supported\": [\n  \"RS256\"\n ],\n"
	" \"scopes_supported\": [\n  \"openid\",\n  \"email\",\n"
	"  \"profile\"\n ],\n"
	" \"token_endpoint_auth_methods_supported\": [\n"
	"  \"client_secret_post\",\n  \"client_secret_basic\"\n ],\n"
	" \"claims_supported\": [\n  \"aud\",\n  \"email\",\n"
	"  \"email_verified\",\n  \"exp\",\n  \"family_name\",\n"
	"  \"given_name\",\n  \"iat\",\n  \"iss\",\n  \"name\",\n"
	"  \"picture\",\n  \"sub\"\n ],\n"
	" \"code_challenge_methods_supported\": [\n  \"plain\",\n"
	"  \"S256\"\n ],\n"
	" \"grant_types_supported\": [\n  \"authorization_code\",\n"
	"  \"refresh_token\",\n"
	"  \"urn:ietf:params:oauth:grant-type:device_code\",\n"
	"  \"urn:ietf:params:oauth:grant-type:jwt-bearer\"\n ]\n"
	"}\n";

/* login.microsoftonline.com/common/v2.0/.well-known/openid-configuration:
 * no revocation endpoint, an issuer with a placeholder, a null member. */
#define MS_COMMON_DOC(iss) \
	"{\"token_endpoint\":" \
	"\"https://login.microsoftonline.com/common/oauth2/v2.0/token\"," \
	"\"token_endpoint_auth_methods_supported\":[\"client_secret_post\"," \
	"\"private_key_jwt\",\"client_secret_basic\"]," \
	"\"jwks_uri\":" \
	"\"https://login.microsoftonline.com/common/discovery/v2.0/keys\"," \
	"\"response_modes_supported\":[\"query\",\"fragment\"," \
	"\"form_post\"],\"subject_types_supported\":[\"pairwise\"]," \
	"\"id_token_signing_alg_values_supported\":[\"RS256\"]," \
	"\"response_types_supported\":[\"code\",\"id_token\"," \
	"\"code id_token\",\"id_token token\"]," \
	"\"scopes_supported\":[\"openid\",\"profile\",\"email\"," \
	"\"offline_access\"]," \
	"\"issuer\":\"" iss "\"," \
	"\"request_uri_parameter_supported\":false," \
	"\"userinfo_endpoint\":\"https://graph.microsoft.com/oidc/userinfo\"," \
	"\"authorization_endpoint\":" \
	"\"https://login.microsoftonline.com/common/oauth2/v2.0/authorize\"," \
	"\"device_authorization_endpoint\":" \
	"\"https://login.microsoftonline.com/common/oauth2/v2.0/devicecode\"," \
	"\"http_logout_supported\":true," \
	"\"frontchannel_logout_supported\":true," \
	"\"end_session_endpoint\":" \
	"\"https://login.microsoftonline.com/common/oauth2/v2.0/logout\"," \
	"\"claims_supported\":[\"sub\",\"iss\",\"cloud_instance_name\"," \
	"\"cloud_instance_host_name\",\"cloud_graph_host_name\"," \
	"\"msgraph_host\",\"aud\",\"exp\",\"iat\",\"auth_time\",\"acr\"," \
	"\"nonce\",\"preferred_username\",\"name\",\"tid\",\"ver\"," \
	"\"at_hash\",\"c_hash\",\"email\"]," \
	"\"kerberos_endpoint\":" \
	"\"https://login.microsoftonline.com/common/kerberos\"," \
	"\"tenant_region_scope\":null," \
	"\"cloud_instance_name\":\"microsoftonline.com\"," \
	"\"cloud_graph_host_name\":\"graph.windows.net\"," \
	"\"msgraph_host\":\"graph.microsoft.com\"," \
	"\"rbac_url\":\"https://pas.windows.net\"}"

#define MSO		"https://login.microsoftonline.com"
#define MS_AUTH		MSO "/common/oauth2/v2.0/authorize"
#define MS_TOKEN	MSO "/common/oauth2/v2.0/token"
#define MS_DEVICE	MSO "/common/oauth2/v2.0/devicecode"
/* What Microsoft's multi-tenant documents name as their issuer. */
#define MS_V2		MSO "/{tenantid}/v2.0"
#define MS_V1		"https://sts.windows.net/{tenantid}/"
#define MS_MSA		MSO "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"

/* A small document for ISS with the given members after its issuer. */
#define ISS		"https://server.example.com"
#define DOC(m)		"{\"issuer\":\"" ISS "\"," m "}"
#define TOK		"\"token_endpoint\":\"" ISS "/token\""

#define MISMATCH(doc, conf) \
	"Provider metadata has issuer '" doc "', not the configured '" conf "'"

/* A document, the issuer configured for it, and what comes out; msg
 * non-NULL: rejected with it. */
static const struct mcase {
	const char	*name;
	const char	*body;
	const char	*issuer;
	const char	*iss, *auth, *token, *device, *revoke;
	const char	*msg;
} md_cases[] = {
#define GOOD(n, b, i, mi, a, t, d, r)	{ n, b, i, mi, a, t, d, r, NULL }
#define BAD(n, b, i, m)	{ n, b, i, NULL, NULL, NULL, NULL, NULL, m }
	GOOD("Google", google_doc, "https://accounts.google.com",
	    "https://accounts.google.com",
	    "https://accounts.google.com/o/oauth2/v2/auth",
	    "https://oauth2.googleapis.com/token",
	    "https://oauth2.googleapis.com/device/code",
	    "https://oauth2.googleapis.com/revoke"),
	GOOD("Microsoft common", MS_COMMON_DOC(MS_V2),
	    MSO "/common/v2.0", MSO "/{tenantid}/v2.0",
	    MS_AUTH, MS_TOKEN, MS_DEVICE, NULL),
	GOOD("only token_endpoint", DOC(TOK), ISS,
	    ISS, NULL, ISS "/token", NULL, NULL),
	GOOD("endpoint with a query (Azure AD B2C)",
	    DOC(TOK ",\"authorization_endpoint\":"
	    "\"" ISS "/authorize?p=b2c_1_susi\""), ISS,
	    ISS, ISS "/authorize?p=b2c_1_susi", ISS "/token", NULL, NULL),
	GOOD("loopback http endpoints",
	    DOC("\"token_endpoint\":\"http://127.0.0.1:8080/token\","
	    "\"authorization_endpoint\":\"http://localhost/auth\","
	    "\"device_authorization_endpoint\":\"http://[::1]:9/device\","
	    "\"revocation_endpoint\":\"http://127.1.2.3/revoke\""), ISS,
	    ISS, "http://localhost/auth", "http://127.0.0.1:8080/token",
	    "http://[::1]:9/device", "http://127.1.2.3/revoke"),
	GOOD("loopback issuer over http",
	    "{\"issuer\":\"http://127.0.0.1:8080/realms/x\","
	    "\"token_endpoint\":\"http://127.0.0.1:8080/t\"}",
	    "http://127.0.0.1:8080/realms/x", "http://127.0.0.1:8080/realms/x",
	    NULL, "http://127.0.0.1:8080/t", NULL, NULL),
	GOOD("other members ignored, whatever they are",
	    DOC(TOK ",\"jwks_uri\":\"http://insecure.example/keys#x\","
	    "\"userinfo_endpoint\":5,\"end_session_endpoint\":null,"
	    "\"x\":{\"token_endpoint\":\"http://nested.example\"},"
	    "\"scopes_supported\":[\"\\u001b[31m\"]"), ISS,
	    ISS, NULL, ISS "/token", NULL, NULL),
	GOOD("no endpoints at all (judged by pz_metadata_require)",
	    "{\"issuer\":\"" ISS "\"}", ISS, ISS, NULL, NULL, NULL, NULL),

	/* RFC 8414 section 3.3: exactly the configured issuer. */
	BAD("issuer mismatch", DOC(TOK), "https://other.example.com",
	    MISMATCH(ISS, "https://other.example.com")),
	BAD("issuer differs by a trailing slash", DOC(TOK), ISS "/",
	    MISMATCH(ISS, ISS "/")),
	BAD("issuer differs in case", DOC(TOK), "https://Server.example.com",
	    MISMATCH(ISS, "https://Server.example.com")),
	BAD("issuer missing", "{" TOK "}", ISS,
	    "Provider metadata has no issuer"),
	BAD("issuer null", "{\"issuer\":null," TOK "}", ISS,
	    "Provider metadata's issuer is not a string"),
	BAD("issuer number", "{\"issuer\":1," TOK "}", ISS,
	    "Provider metadata's issuer is not a string"),
	BAD("issuer array", "{\"issuer\":[\"" ISS "\"]," TOK "}", ISS,
	    "Provider metadata's issuer is not a string"),
	BAD("issuer with controls is quoted safely",
	    "{\"issuer\":\"https://a\\u001b]0;x\\u0007\\u009b\"}", ISS,
	    MISMATCH("https://a?]0;x??", ISS)),
	BAD("issuer checked before the endpoints",
	    "{\"issuer\":\"https://evil.example\","
	    "\"token_endpoint\":\"http://evil.example/t\"}", ISS,
	    MISMATCH("https://evil.example", ISS)),

	/* Endpoints: https, or http for loopback hosts; no fragment. */
	BAD("http token_endpoint",
	    DOC("\"token_endpoint\":\"http://server.example.com/token\""), ISS,
	    "token_endpoint is not an https URL: "
	    "http://server.example.com/token"),
	BAD("http authorization_endpoint",
	    DOC(TOK ",\"authorization_endpoint\":\"http://a.example/auth\""),
	    ISS, "authorization_endpoint is not an https URL: "
	    "http://a.example/auth"),
	BAD("http device_authorization_endpoint on a lookalike of loopback",
	    DOC(TOK ",\"device_authorization_endpoint\":"
	    "\"http://127.0.0.1.nip.io/device\""), ISS,
	    "device_authorization_endpoint is not an https URL: "
	    "http://127.0.0.1.nip.io/device"),
	BAD("ftp revocation_endpoint",
	    DOC(TOK ",\"revocation_endpoint\":\"ftp://a.example/r\""), ISS,
	    "revocation_endpoint is not an https URL: ftp://a.example/r"),
	BAD("javascript authorization_endpoint",
	    DOC(TOK ",\"authorization_endpoint\":\"javascript:alert(1)\""),
	    ISS, "authorization_endpoint is not an https URL: "
	    "javascript:alert(1)"),
	BAD("fragment",
	    DOC(TOK ",\"authorization_endpoint\":\"" ISS "/auth#x\""), ISS,
	    "authorization_endpoint must not have a fragment: " ISS
	    "/auth#x"),
	BAD("relative",
	    DOC("\"token_endpoint\":\"/token\""), ISS,
	    "token_endpoint is not a valid URL (relative URL without a base)"
	    ": /token"),
	BAD("no host",
	    DOC("\"token_endpoint\":\"https:/token\""), ISS,
	    "token_endpoint has no host: https:/token"),
	BAD("user information",
	    DOC("\"token_endpoint\":\"https://u:secret@server.example.com/t\""),
	    ISS, "token_endpoint must not have user information"),
	BAD("empty", DOC("\"token_endpoint\":\"\""), ISS,
	    "token_endpoint is empty"),
	BAD("controls in an endpoint are quoted safely",
	    DOC("\"token_endpoint\":\"https://server.example.com/"
	    "\\u001b[2J\\r\\n\""), ISS,
	    "token_endpoint is not a valid URL (invalid character in path): "
	    "https://server.example.com/?[2J??"),
	BAD("non-ASCII", DOC("\"token_endpoint\":\"https://b\\u00fccher.de/\""),
	    ISS, "token_endpoint is not a valid URL (invalid domain "
	    "character): https://b\xc3\xbc" "cher.de/"),

	/* Endpoint members must be strings. */
	BAD("token_endpoint number", DOC("\"token_endpoint\":443"), ISS,
	    "token_endpoint is not a string"),
	BAD("token_endpoint null", DOC("\"token_endpoint\":null"), ISS,
	    "token_endpoint is not a string"),
	BAD("authorization_endpoint array",
	    DOC(TOK ",\"authorization_endpoint\":[\"" ISS "/a\"]"), ISS,
	    "authorization_endpoint is not a string"),
	BAD("device_authorization_endpoint object",
	    DOC(TOK ",\"device_authorization_endpoint\":{}"), ISS,
	    "device_authorization_endpoint is not a string"),
	BAD("revocation_endpoint boolean",
	    DOC(TOK ",\"revocation_endpoint\":true"), ISS,
	    "revocation_endpoint is not a string"),

	/* The document itself. */
	BAD("array", "[{\"issuer\":\"" ISS "\"}]", ISS,
	    "Provider metadata is not a JSON object"),
	BAD("string", "\"" ISS "\"", ISS,
	    "Provider metadata is not a JSON object"),
	BAD("number", "42", ISS, "Provider metadata is not a JSON object"),
	BAD("null", "null", ISS, "Provider metadata is not a JSON object"),
	BAD("HTML", "<html><body>Not Found</body></html>", ISS,
	    "Provider metadata is not valid JSON (line 1, column 1)"),
	BAD("cut short", "{\"issuer\":\"" ISS "\",\n\"token_endpoint\":", ISS,
	    "Provider metadata is not valid JSON (line 2, column 17)"),
	BAD("trailing garbage", DOC(TOK) " x", ISS,
	    "Provider metadata is not valid JSON (line 1, column 93)"),
	BAD("two documents", DOC(TOK) DOC(TOK), ISS,
	    "Provider metadata is not valid JSON (line 1, column 92)"),
	BAD("duplicate issuer",
	    "{\"issuer\":\"" ISS "\",\n\"issuer\":\"https://evil.example\"}",
	    ISS, "Provider metadata has a duplicate member "
	    "(line 2, column 8)"),
	BAD("duplicate token_endpoint",
	    DOC(TOK "," TOK), ISS, "Provider metadata has a duplicate member "
	    "(line 1, column 107)"),
	BAD("escaped NUL", DOC("\"token_endpoint\":\"https://a\\u0000b\""),
	    ISS, "Provider metadata contains a NUL byte"),
	BAD("empty body", "", ISS, "Provider metadata is empty"),
	BAD("empty object", "{}", ISS, "Provider metadata has no issuer"),
#undef GOOD
#undef BAD
};

static void
expect_md(const char *name, const struct pz_metadata *md, const char *iss,
    const char *auth, const char *token, const char *device,
    const char *revoke)
{
	expect_str(name, "issuer", md->issuer, iss);
	expect_str(name, "authorization_endpoint", md->authorization_endpoint,
	    auth);
	expect_str(name, "token_endpoint", md->token_endpoint, token);
	expect_str(name, "device_authorization_endpoint",
	    md->device_authorization_endpoint, device);
	expect_str(name, "revocation_endpoint", md->revocation_endpoint,
	    revoke);
}

static void
test_metadata_parse_table(void **state)
{
	struct pz_metadata md;
	struct pz_err err;
	const struct mcase *c;
	size_t i;
	int rc;

	for (i = 0; i < NELEM(md_cases); i++) {
		c = &md_cases[i];
		strcpy(err.msg, "untouched");
		rc = pz_metadata_parse(c->body, strlen(c->body), c->issuer,
		    &md, &err);
		if (c->msg == NULL) {
			if (rc != 0)
				fail_msg("%s: rejected: %s", c->name, err.msg);
			expect_md(c->name, &md, c->iss, c->auth, c->token,
			    c->device, c->revoke);
			expect_str(c->name, "err.msg", err.msg, "untouched");
		} else {
			if (rc != -1)
				fail_msg("%s: accepted", c->name);
			expect_str(c->name, "err.msg", err.msg, c->msg);
			expect_no_control(c->name, err.msg);
			expect_md(c->name, &md, NULL, NULL, NULL, NULL, NULL);
		}
		pz_metadata_clear(&md);
	}
}

/*
 * Microsoft's multi-tenant issuers: their documents name a placeholder
 * (or, for consumers/v2.0, the personal-account tenant), accepted for
 * exactly those issuers and exactly those names.
 */
static const struct {
	const char	*configured;
	const char	*named;
	int		 ok;
} ms_cases[] = {
	{ MSO "/common/v2.0",		MS_V2,	1 },
	{ MSO "/organizations/v2.0",	MS_V2,	1 },
	{ MSO "/consumers/v2.0",	MS_V2,	1 },
	{ MSO "/consumers/v2.0",	MS_MSA,	1 },
	{ MSO "/common",		MS_V1,	1 },
	{ MSO "/organizations",		MS_V1,	1 },
	{ MSO "/consumers",		MS_V1,	1 },
	/* A specific tenant's document names that tenant. */
	{ MSO "/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0", MS_V2, 0 },
	{ MSO "/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0",
	  MSO "/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0", 1 },
	{ MSO "/contoso.onmicrosoft.com/v2.0", MS_V2, 0 },
	{ MSO "/8eaef023-2b34-4da1-9baa-8bc8c9d6a490", MS_V1, 0 },
	{ MSO "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0", MS_V2, 0 },
	/* Lookalike hosts, either side. */
	{ "https://login.microsoftonline.com.evil.example/common/v2.0",
	  "https://login.microsoftonline.com.evil.example/{tenantid}/v2.0", 0 },
	{ "https://login.microsoftonline.com.evil.example/common/v2.0",
	  MS_V2, 0 },
	{ MSO "/common/v2.0",
	  "https://login.microsoftonline.com.evil.example/{tenantid}/v2.0", 0 },
	{ "https://evil.example/common/v2.0", MS_V2, 0 },
	{ "https://login.microsoftonline.us/common/v2.0",
	  "https://login.microsoftonline.us/{tenantid}/v2.0", 0 },
	{ "http://login.microsoftonline.com/common/v2.0", MS_V2, 0 },
	/* Nothing looser than the exact forms. */
	{ MSO "/common/v2.0",		MS_V2 "/",		0 },
	{ MSO "/common/v2.0/",		MS_V2,			0 },
	{ MSO "/Common/v2.0",		MS_V2,			0 },
	{ MSO "/common/v2.0",		MSO "/{TENANTID}/v2.0",	0 },
	{ MSO "/common/v2.0",		MSO "/anything/v2.0",	0 },
	{ MSO "/common/v2.0",		MSO "/{tenantid}",	0 },
	{ MSO "/common/v2.0",		MS_MSA,			0 },
	{ MSO "/organizations/v2.0",	MS_MSA,			0 },
	{ MSO "/common/v2.0",		MS_V1,			0 },
	{ MSO "/common",		MS_V2,			0 },
	{ MSO "/consumers",		MS_MSA,			0 },
	{ MSO "/common",	"https://sts.windows.net/{tenantid}",	0 },
};

static void
test_metadata_parse_microsoft_tenants(void **state)
{
	char body[4096], want[1024];
	struct pz_metadata md;
	struct pz_err err;
	size_t i;
	int rc;

	for (i = 0; i < NELEM(ms_cases); i++) {
		snprintf(body, sizeof(body), "{\"issuer\":\"%s\","
		    "\"token_endpoint\":\"" MS_TOKEN "\"}", ms_cases[i].named);
		rc = pz_metadata_parse(body, strlen(body),
		    ms_cases[i].configured, &md, &err);
		if (ms_cases[i].ok) {
			if (rc != 0)
				fail_msg("%s for %s: rejected: %s",
				    ms_cases[i].named, ms_cases[i].configured,
				    err.msg);
			expect_str(ms_cases[i].configured, "issuer", md.issuer,
			    ms_cases[i].named);
			expect_str(ms_cases[i].configured, "token_endpoint",
			    md.token_endpoint, MS_TOKEN);
		} else {
			if (rc != -1)
				fail_msg("%s for %s: accepted",
				    ms_cases[i].named, ms_cases[i].configured);
			snprintf(want, sizeof(want), "Provider metadata has "
			    "issuer '%s', not the configured '%s'",
			    ms_cases[i].named, ms_cases[i].configured);
			expect_str(ms_cases[i].configured, "err.msg", err.msg,
			    want);
			expect_md(ms_cases[i].configured, &md, NULL, NULL,
			    NULL, NULL, NULL);
		}
		pz_metadata_clear(&md);
	}

	/* The real common document is for common, not for a tenant. */
#define TENANT	MSO "/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
	assert_int_equal(pz_metadata_parse(MS_COMMON_DOC(MS_V2),
	    strlen(MS_COMMON_DOC(MS_V2)), TENANT, &md, &err), -1);
	expect_str("tenant", "err.msg", err.msg, MISMATCH(MS_V2, TENANT));
	expect_md("tenant", &md, NULL, NULL, NULL, NULL, NULL);
#undef TENANT
}

/* Both issuers in a mismatch are quoted cut to 160 bytes. */
static void
test_metadata_parse_long_issuers_cut(void **state)
{
	char body[1024], conf[400], named[400], want[1024];
	struct pz_metadata md;
	struct pz_err err;

	memset(conf, 'c', sizeof(conf));
	memcpy(conf, "https://", 8);
	conf[sizeof(conf) - 1] = '\0';
	memset(named, 'n', sizeof(named));
	memcpy(named, "https://", 8);
	named[sizeof(named) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"issuer\":\"%s\"}", named);
	assert_int_equal(pz_metadata_parse(body, strlen(body), conf, &md,
	    &err), -1);
	snprintf(want, sizeof(want), "Provider metadata has issuer '%.160s...',"
	    " not the configured '%.160s...'", named, conf);
	expect_str("long", "err.msg", err.msg, want);

	/* Exactly 160 bytes: quoted whole. */
	named[160] = '\0';
	conf[160] = '\0';
	snprintf(body, sizeof(body), "{\"issuer\":\"%s\"}", named);
	assert_int_equal(pz_metadata_parse(body, strlen(body), conf, &md,
	    &err), -1);
	snprintf(want, sizeof(want), "Provider metadata has issuer '%s', not "
	    "the configured '%s'", named, conf);
	expect_str("160", "err.msg", err.msg, want);
}

/* The size cap: PZ_METADATA_MAX bytes are read, one more is refused. */
static void
test_metadata_parse_size_cap(void **state)
{
	struct pz_metadata md;
	struct pz_err err;
	char *body;
	size_t n;

	assert_int_equal(PZ_METADATA_MAX, 65536);
	body = malloc(PZ_METADATA_MAX + 2);
	assert_non_null(body);
	n = strlen(DOC(TOK));
	memcpy(body, DOC(TOK), n);
	/* Whitespace after the object is allowed JSON. */
	memset(body + n, ' ', PZ_METADATA_MAX + 1 - n);
	body[PZ_METADATA_MAX + 1] = '\0';

	assert_int_equal(pz_metadata_parse(body, PZ_METADATA_MAX, ISS, &md,
	    &err), 0);
	expect_str("at the cap", "token_endpoint", md.token_endpoint,
	    ISS "/token");
	pz_metadata_clear(&md);

	assert_int_equal(pz_metadata_parse(body, PZ_METADATA_MAX + 1, ISS, &md,
	    &err), -1);
	expect_str("over the cap", "err.msg", err.msg,
	    "Provider metadata is larger than 65536 bytes");
	expect_md("over the cap", &md, NULL, NULL, NULL, NULL, NULL);
	free(body);
}

/* Raw NUL bytes anywhere, and len respected: bytes past it are unseen. */
static void
test_metadata_parse_nul_bytes_and_len(void **state)
{
	static const char with_nul[] = DOC(TOK) "\0garbage";
	static const char nul_inside[] = "{\"issuer\":\"" ISS "\0\"," TOK "}";
	struct pz_metadata md;
	struct pz_err err;

	assert_int_equal(pz_metadata_parse(with_nul, sizeof(with_nul) - 1,
	    ISS, &md, &err), -1);
	expect_str("trailing NUL", "err.msg", err.msg,
	    "Provider metadata contains a NUL byte");
	assert_int_equal(pz_metadata_parse(nul_inside, sizeof(nul_inside) - 1,
	    ISS, &md, &err), -1);
	expect_str("NUL in a string", "err.msg", err.msg,
	    "Provider metadata contains a NUL byte");
	expect_md("NUL", &md, NULL, NULL, NULL, NULL, NULL);

	/* Only len bytes: the NUL and what follows are not read. */
	assert_int_equal(pz_metadata_parse(with_nul, strlen(with_nul), ISS,
	    &md, &err), 0);
	expect_str("len", "token_endpoint", md.token_endpoint, ISS "/token");
	pz_metadata_clear(&md);
	assert_int_equal(pz_metadata_parse(DOC(TOK) "junk",
	    strlen(DOC(TOK)), ISS, &md, &err), 0);
	pz_metadata_clear(&md);

	/* A NULL body, a NULL configured issuer. */
	assert_int_equal(pz_metadata_parse(NULL, 10, ISS, &md, &err), -1);
	expect_str("NULL body", "err.msg", err.msg,
	    "Provider metadata is empty");
	assert_int_equal(pz_metadata_parse(DOC(TOK), strlen(DOC(TOK)), NULL,
	    &md, &err), -1);
	expect_str("NULL issuer", "err.msg", err.msg, MISMATCH(ISS, ""));
}

/* Binary garbage: refused with a printable message. */
static void
test_metadata_parse_binary_garbage(void **state)
{
	static const unsigned char junk[] = {
		0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a,
		0xc2, 0x9b, 0x7b, 0x22,
	};
	static const char bad_utf8[] = "{\"issuer\":\"https://\xff\xfe\"}";
	struct pz_metadata md;
	struct pz_err err;

	assert_int_equal(pz_metadata_parse((const char *)junk, sizeof(junk),
	    ISS, &md, &err), -1);
	expect_str("junk", "err.msg", err.msg,
	    "Provider metadata contains a NUL byte");
	assert_int_equal(pz_metadata_parse((const char *)junk + 4,
	    sizeof(junk) - 4, ISS, &md, &err), -1);
	expect_str("junk", "err.msg", err.msg,
	    "Provider metadata is not valid JSON (line 1, column 0)");
	assert_int_equal(pz_metadata_parse(bad_utf8, strlen(bad_utf8), ISS,
	    &md, &err), -1);
	expect_str("bad UTF-8", "err.msg", err.msg,
	    "Provider metadata is not valid JSON (line 1, column 19)");
	expect_no_control("bad UTF-8", err.msg);
}

/* Pointers a parse must not free (they are not heap pointers). */
static void
fill_not_ours(struct pz_metadata *md)
{
	md->issuer = (char *)"not ours";
	md->authorization_endpoint = (char *)"not ours";
	md->token_endpoint = (char *)"not ours";
	md->device_authorization_endpoint = (char *)"not ours";
	md->revocation_endpoint = (char *)"not ours";
}

/* md is output only: a parse never frees what it held, and a failed one
 * leaves it clear. */
static void
test_metadata_parse_failure_leaves_md_clear(void **state)
{
	static const char late[] = DOC(TOK ",\"authorization_endpoint\":"
	    "\"" ISS "/a\",\"revocation_endpoint\":\"http://x.example\"");
	struct pz_metadata md;
	struct pz_err err;

	fill_not_ours(&md);
	assert_int_equal(pz_metadata_parse(google_doc, strlen(google_doc),
	    "https://accounts.google.com", &md, &err), 0);
	pz_metadata_clear(&md);

	/* Fails on the last endpoint, after the others were taken (and are
	 * freed again: the leak checkers see it). */
	fill_not_ours(&md);
	assert_int_equal(pz_metadata_parse(late, strlen(late), ISS, &md,
	    &err), -1);
	expect_str("late failure", "err.msg", err.msg,
	    "revocation_endpoint is not an https URL: http://x.example");
	expect_md("late failure", &md, NULL, NULL, NULL, NULL, NULL);

	fill_not_ours(&md);
	assert_int_equal(pz_metadata_parse("[]", 2, ISS, &md, &err), -1);
	expect_md("early failure", &md, NULL, NULL, NULL, NULL, NULL);
}

static void
test_metadata_clear_resets(void **state)
{
	struct pz_metadata md = PZ_METADATA_INIT;

	pz_metadata_clear(&md);
	expect_md("init", &md, NULL, NULL, NULL, NULL, NULL);
	pz_metadata_clear(NULL);
	md.issuer = strdup("i");
	md.authorization_endpoint = strdup("a");
	md.token_endpoint = strdup("t");
	md.device_authorization_endpoint = strdup("d");
	md.revocation_endpoint = strdup("r");
	pz_metadata_clear(&md);
	expect_md("hand-filled", &md, NULL, NULL, NULL, NULL, NULL);
	pz_metadata_clear(&md);
	expect_md("twice", &md, NULL, NULL, NULL, NULL, NULL);
}

/* ---- pz_metadata_require ------------------------------------------------ */

#define LACKS	"Provider metadata lacks "

static void
test_metadata_require_table(void **state)
{
	static const struct {
		int		 auth, token, device;	/* present? */
		int		 need_auth, need_device;
		const char	*msg;			/* NULL: enough */
	} cases[] = {
		{ 1, 1, 1,	1, 1,	NULL },
		{ 1, 1, 0,	1, 0,	NULL },
		{ 0, 1, 1,	0, 1,	NULL },
		{ 0, 1, 0,	0, 0,	NULL },
		{ 1, 0, 1,	0, 0,	LACKS "token_endpoint" },
		{ 1, 0, 1,	1, 1,	LACKS "token_endpoint" },
		{ 0, 1, 1,	1, 0,	LACKS "authorization_endpoint" },
		{ 0, 1, 1,	1, 1,	LACKS "authorization_endpoint" },
		{ 1, 1, 0,	0, 1,	LACKS "device_authorization_endpoint" },
		{ 0, 0, 1,	1, 0,
		  LACKS "token_endpoint and authorization_endpoint" },
		{ 1, 0, 0,	0, 1,
		  LACKS "token_endpoint and device_authorization_endpoint" },
		{ 0, 1, 0,	1, 1,	LACKS "authorization_endpoint and "
		  "device_authorization_endpoint" },
		{ 0, 0, 0,	1, 1,	LACKS "token_endpoint, "
		  "authorization_endpoint and device_authorization_endpoint" },
	};
	struct pz_metadata md = PZ_METADATA_INIT;
	struct pz_err err;
	char name[64];
	size_t i;
	int rc;

	for (i = 0; i < NELEM(cases); i++) {
		snprintf(name, sizeof(name), "case %zu", i);
		md.authorization_endpoint = cases[i].auth ? (char *)"a" : NULL;
		md.token_endpoint = cases[i].token ? (char *)"t" : NULL;
		md.device_authorization_endpoint = cases[i].device ?
		    (char *)"d" : NULL;
		md.revocation_endpoint = NULL;
		strcpy(err.msg, "untouched");
		rc = pz_metadata_require(&md, cases[i].need_auth,
		    cases[i].need_device, &err);
		if (cases[i].msg == NULL) {
			if (rc != 0)
				fail_msg("%s: refused: %s", name, err.msg);
			expect_str(name, "err.msg", err.msg, "untouched");
		} else {
			if (rc != -1)
				fail_msg("%s: enough", name);
			expect_str(name, "err.msg", err.msg, cases[i].msg);
		}
	}

	/* The real documents, for the flows their providers offer. */
	assert_int_equal(pz_metadata_parse(MS_COMMON_DOC(MS_V2),
	    strlen(MS_COMMON_DOC(MS_V2)), MSO "/common/v2.0",
	    &md, &err), 0);
	assert_int_equal(pz_metadata_require(&md, 1, 1, &err), 0);
	pz_metadata_clear(&md);
	assert_int_equal(pz_metadata_parse(DOC(TOK), strlen(DOC(TOK)), ISS,
	    &md, &err), 0);
	assert_int_equal(pz_metadata_require(&md, 0, 1, &err), -1);
	expect_str("token only", "err.msg", err.msg,
	    "Provider metadata lacks device_authorization_endpoint");
	pz_metadata_clear(&md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_urls_table),
		cmocka_unit_test(test_discovery_urls_buffers),
		cmocka_unit_test(test_discovery_urls_long_issuer_cut),
		cmocka_unit_test(test_metadata_parse_table),
		cmocka_unit_test(test_metadata_parse_microsoft_tenants),
		cmocka_unit_test(test_metadata_parse_long_issuers_cut),
		cmocka_unit_test(test_metadata_parse_size_cap),
		cmocka_unit_test(test_metadata_parse_nul_bytes_and_len),
		cmocka_unit_test(test_metadata_parse_binary_garbage),
		cmocka_unit_test(test_metadata_parse_failure_leaves_md_clear),
		cmocka_unit_test(test_metadata_clear_resets),
		cmocka_unit_test(test_metadata_require_table),
	};

	return cmocka_run_group_tests_name("discovery", tests, NULL, NULL);
}
