/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/token.c: token endpoint responses and Retry-After. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/token.h"

#define OK		PZ_TOKEN_OK
#define TRANSIENT	PZ_TOKEN_TRANSIENT
#define REAUTH		PZ_TOKEN_REAUTH
#define CONFIG		PZ_TOKEN_CONFIG
#define PERMANENT	PZ_TOKEN_PERMANENT
#define ABSENT		PZ_RT_ABSENT
#define SET		PZ_RT_SET
#define CLEARED		PZ_RT_CLEARED

/* Every token in these bodies contains "SECRET", which no msg may. */
#define AT	"\"access_token\":\"SECRET-at.1/x~+=\""
#define BEARER	"\"token_type\":\"Bearer\""

struct tcase {
	const char		*name;
	long			 status;
	const char		*body;		/* NULL: no body */
	enum pz_token_outcome	 outcome;
	const char		*msg;
	enum pz_refresh_token	 refresh;	/* OK only */
	const char		*refresh_token;	/* SET only */
	int64_t			 expires_in;	/* OK only */
	const char		*error;		/* NULL: none expected */
	const char		*desc;
};

/* A success; an error response with its code and description; any other
 * failure. */
#define GOOD(n, st, body, rf, rt, exp) \
	{ n, st, body, OK, "OK", rf, rt, exp, NULL, NULL }
#define ERR(n, st, body, oc, msg, code, desc) \
	{ n, st, body, oc, msg, ABSENT, NULL, -1, code, desc }
#define FAIL(n, st, body, oc, msg) \
	{ n, st, body, oc, msg, ABSENT, NULL, -1, NULL, NULL }

static const struct tcase token_cases[] = {
	/* Success (RFC 6749 section 5.1). */
	GOOD("minimal", 200, "{" AT "," BEARER "}", ABSENT, NULL, -1),
	GOOD("full with rotation", 200,
	    "{" AT "," BEARER ",\"expires_in\":3600,"
	    "\"refresh_token\":\"SECRET-rt\",\"scope\":\"a b\"}",
	    SET, "SECRET-rt", 3600),
	GOOD("201 is a success", 201, "{" AT "," BEARER "}", ABSENT, NULL, -1),
	GOOD("token_type lower case", 200, "{" AT ",\"token_type\":\"bearer\"}",
	    ABSENT, NULL, -1),
	GOOD("token_type upper case", 200, "{" AT ",\"token_type\":\"BEARER\"}",
	    ABSENT, NULL, -1),
	GOOD("expires_in zero", 200, "{" AT "," BEARER ",\"expires_in\":0}",
	    ABSENT, NULL, 0),
	GOOD("expires_in string", 200,
	    "{" AT "," BEARER ",\"expires_in\":\"3599\"}", ABSENT, NULL, 3599),
	GOOD("expires_in integral real", 200,
	    "{" AT "," BEARER ",\"expires_in\":3600.0}", ABSENT, NULL, 3600),
	GOOD("expires_in null is absent", 200,
	    "{" AT "," BEARER ",\"expires_in\":null}", ABSENT, NULL, -1),
	GOOD("expires_in huge integer clamped", 200,
	    "{" AT "," BEARER ",\"expires_in\":9223372036854775807}",
	    ABSENT, NULL, PZ_TOKEN_SECS_MAX),
	GOOD("expires_in huge real clamped", 200,
	    "{" AT "," BEARER ",\"expires_in\":1e300}",
	    ABSENT, NULL, PZ_TOKEN_SECS_MAX),
	GOOD("expires_in huge string clamped", 200,
	    "{" AT "," BEARER ",\"expires_in\":\"99999999999999999999999\"}",
	    ABSENT, NULL, PZ_TOKEN_SECS_MAX),
	GOOD("refresh_token null clears", 200,
	    "{" AT "," BEARER ",\"refresh_token\":null}", CLEARED, NULL, -1),
	GOOD("refresh_token number clears", 200,
	    "{" AT "," BEARER ",\"refresh_token\":42}", CLEARED, NULL, -1),
	GOOD("refresh_token empty clears", 200,
	    "{" AT "," BEARER ",\"refresh_token\":\"\"}", CLEARED, NULL, -1),
	GOOD("refresh_token object clears", 200,
	    "{" AT "," BEARER ",\"refresh_token\":{\"a\":\"SECRET\"}}",
	    CLEARED, NULL, -1),
	GOOD("unknown members ignored", 200, "{\"id_token\":\"SECRET-id\"," AT
	    "," BEARER ",\"x\":[1,{\"y\":null}],\"ext_expires_in\":3600}",
	    ABSENT, NULL, -1),
	GOOD("space inside a token is VSCHAR", 200,
	    "{\"access_token\":\"SECRET a\"," BEARER "}", ABSENT, NULL, -1),
	GOOD("duplicate keys take the last", 200,
	    "{\"access_token\":\"SECRET-old\"," AT "," BEARER "}",
	    ABSENT, NULL, -1),

	/* A well-formed success that is wrong: permanent. */
	FAIL("empty object", 200, "{}",
	    PERMANENT, "Token response has no access_token"),
	FAIL("access_token number", 200, "{\"access_token\":5," BEARER "}",
	    PERMANENT, "Token response has a malformed access_token"),
	FAIL("access_token null", 200, "{\"access_token\":null," BEARER "}",
	    PERMANENT, "Token response has a malformed access_token"),
	FAIL("access_token empty", 200, "{\"access_token\":\"\"," BEARER "}",
	    PERMANENT, "Token response has a malformed access_token"),
	FAIL("access_token with newline", 200,
	    "{\"access_token\":\"SECRET\\nx\"," BEARER "}",
	    PERMANENT, "Token response has a malformed access_token"),
	FAIL("access_token not ASCII", 200,
	    "{\"access_token\":\"SECRET\\u00e9\"," BEARER "}",
	    PERMANENT, "Token response has a malformed access_token"),
	FAIL("no token_type", 200, "{" AT "}",
	    PERMANENT, "Token response has no token_type"),
	FAIL("token_type mac", 200, "{" AT ",\"token_type\":\"mac\"}",
	    PERMANENT, "Token response has token_type 'mac', not 'Bearer'"),
	FAIL("token_type Bearerx", 200, "{" AT ",\"token_type\":\"Bearerx\"}",
	    PERMANENT, "Token response has token_type 'Bearerx', not 'Bearer'"),
	FAIL("token_type escape sanitised", 200,
	    "{" AT ",\"token_type\":\"\\u001b[2J\"}",
	    PERMANENT, "Token response has token_type '?[2J', not 'Bearer'"),
	FAIL("token_type number", 200, "{" AT ",\"token_type\":1}",
	    PERMANENT, "Token response has a malformed token_type"),
	FAIL("expires_in negative", 200,
	    "{" AT "," BEARER ",\"expires_in\":-1}",
	    PERMANENT, "Token response has a malformed expires_in"),
	FAIL("expires_in fraction", 200,
	    "{" AT "," BEARER ",\"expires_in\":1.5}",
	    PERMANENT, "Token response has a malformed expires_in"),
	FAIL("expires_in bad string", 200,
	    "{" AT "," BEARER ",\"expires_in\":\"12a\"}",
	    PERMANENT, "Token response has a malformed expires_in"),
	FAIL("expires_in signed string", 200,
	    "{" AT "," BEARER ",\"expires_in\":\"-5\"}",
	    PERMANENT, "Token response has a malformed expires_in"),
	FAIL("expires_in empty string", 200,
	    "{" AT "," BEARER ",\"expires_in\":\"\"}",
	    PERMANENT, "Token response has a malformed expires_in"),
	FAIL("expires_in boolean", 200,
	    "{" AT "," BEARER ",\"expires_in\":true}",
	    PERMANENT, "Token response has a malformed expires_in"),
	FAIL("refresh_token with tab", 200,
	    "{" AT "," BEARER ",\"refresh_token\":\"SECRET\\tx\"}",
	    PERMANENT, "Token response has a malformed refresh_token"),

	/* Error responses (RFC 6749 section 5.2), by code. */
	ERR("invalid_grant", 400, "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"Token has been expired or revoked.\"}",
	    REAUTH, "invalid_grant: Token has been expired or revoked.",
	    "invalid_grant", "Token has been expired or revoked."),
	ERR("invalid_grant without description", 400,
	    "{\"error\":\"invalid_grant\"}",
	    REAUTH, "invalid_grant", "invalid_grant", NULL),
	ERR("invalid_grant with a 200", 200, "{\"error\":\"invalid_grant\"}",
	    REAUTH, "invalid_grant", "invalid_grant", NULL),
	ERR("error wins over access_token", 200,
	    "{\"error\":\"invalid_grant\"," AT "," BEARER "}",
	    REAUTH, "invalid_grant", "invalid_grant", NULL),
	ERR("invalid_client", 401, "{\"error\":\"invalid_client\"}",
	    CONFIG, "invalid_client", "invalid_client", NULL),
	ERR("unauthorized_client", 400, "{\"error\":\"unauthorized_client\"}",
	    CONFIG, "unauthorized_client", "unauthorized_client", NULL),
	ERR("invalid_scope", 400, "{\"error\":\"invalid_scope\","
	    "\"error_description\":\"AADSTS70011: bad scope\"}",
	    CONFIG, "invalid_scope: AADSTS70011: bad scope",
	    "invalid_scope", "AADSTS70011: bad scope"),
	ERR("unsupported_grant_type", 400,
	    "{\"error\":\"unsupported_grant_type\"}",
	    CONFIG, "unsupported_grant_type", "unsupported_grant_type", NULL),
	ERR("temporarily_unavailable", 400,
	    "{\"error\":\"temporarily_unavailable\"}",
	    TRANSIENT, "temporarily_unavailable", "temporarily_unavailable",
	    NULL),
	ERR("server_error", 400, "{\"error\":\"server_error\"}",
	    TRANSIENT, "server_error", "server_error", NULL),
	ERR("invalid_request", 400, "{\"error\":\"invalid_request\","
	    "\"error_description\":\"Missing code\"}",
	    PERMANENT, "invalid_request: Missing code",
	    "invalid_request", "Missing code"),
	ERR("access_denied", 400, "{\"error\":\"access_denied\"}",
	    PERMANENT, "access_denied", "access_denied", NULL),
	ERR("codes are case-sensitive", 400, "{\"error\":\"INVALID_GRANT\"}",
	    PERMANENT, "INVALID_GRANT", "INVALID_GRANT", NULL),
	ERR("description not a string", 400,
	    "{\"error\":\"invalid_grant\",\"error_description\":[1]}",
	    REAUTH, "invalid_grant", "invalid_grant", NULL),
	ERR("description sanitised", 400, "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"a\\nb\\u001b[31mc\\u009bd\\u007fe\"}",
	    REAUTH, "invalid_grant: a?b?[31mc?d?e",
	    "invalid_grant", "a?b?[31mc?d?e"),
	ERR("description UTF-8 kept", 400, "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"caf\\u00e9 \\u2603 \\ud83d\\ude00\"}",
	    REAUTH, "invalid_grant: caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80",
	    "invalid_grant", "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80"),
	ERR("code sanitised", 400, "{\"error\":\"bad\\r\\ncode\"}",
	    PERMANENT, "bad??code", "bad??code", NULL),

	/* Error-looking bodies without a usable code. */
	FAIL("error is a number", 400, "{\"error\":5}", PERMANENT, "HTTP 400"),
	FAIL("error is empty", 400, "{\"error\":\"\"}", PERMANENT, "HTTP 400"),
	FAIL("error is an object", 401, "{\"error\":{\"code\":401}}",
	    PERMANENT, "HTTP 401"),
	FAIL("4xx HTML", 403, "<html>Forbidden</html>", PERMANENT, "HTTP 403"),
	FAIL("4xx empty", 404, "", PERMANENT, "HTTP 404"),
	FAIL("redirect", 302, "", PERMANENT, "HTTP 302"),
	FAIL("status 600", 600, "", PERMANENT, "HTTP 600"),
	FAIL("status 0", 0, "{" AT "," BEARER "}", PERMANENT, "HTTP 0"),
	FAIL("4xx error-less object", 400, "{" AT "," BEARER "}",
	    PERMANENT, "HTTP 400"),

	/* The status says transient whatever the body says. */
	FAIL("503 empty", 503, "", TRANSIENT, "HTTP 503"),
	FAIL("503 no body", 503, NULL, TRANSIENT, "HTTP 503"),
	ERR("500 server_error", 500, "{\"error\":\"server_error\","
	    "\"error_description\":\"Backend down\"}",
	    TRANSIENT, "HTTP 500: server_error: Backend down",
	    "server_error", "Backend down"),
	ERR("500 invalid_grant", 500, "{\"error\":\"invalid_grant\"}",
	    TRANSIENT, "HTTP 500: invalid_grant", "invalid_grant", NULL),
	FAIL("502 with a token", 502, "{" AT "," BEARER "}",
	    TRANSIENT, "HTTP 502"),
	ERR("429", 429, "{\"error\":\"invalid_client\"}",
	    TRANSIENT, "HTTP 429: invalid_client", "invalid_client", NULL),
	FAIL("408", 408, "timeout", TRANSIENT, "HTTP 408"),
	FAIL("599", 599, "", TRANSIENT, "HTTP 599"),

	/* An unparseable 2xx body: a proxy or a captive portal. */
	FAIL("2xx HTML", 200, "<html><body>Log in to the Wi-Fi</body></html>",
	    TRANSIENT, "Malformed token response (not JSON)"),
	FAIL("2xx empty", 200, "",
	    TRANSIENT, "Malformed token response (empty)"),
	FAIL("2xx NULL body", 200, NULL,
	    TRANSIENT, "Malformed token response (empty)"),
	FAIL("2xx array", 200, "[" "{" AT "," BEARER "}" "]",
	    TRANSIENT, "Malformed token response (not a JSON object)"),
	FAIL("2xx bare string", 200, "\"SECRET\"",
	    TRANSIENT, "Malformed token response (not JSON)"),
	FAIL("2xx truncated", 200, "{" AT ",\"token_type\":\"Bea",
	    TRANSIENT, "Malformed token response (not JSON)"),
	FAIL("2xx trailing garbage", 200, "{" AT "," BEARER "} x",
	    TRANSIENT, "Malformed token response (not JSON)"),
	FAIL("2xx NUL escape", 200,
	    "{\"access_token\":\"SECRET\\u0000x\"," BEARER "}",
	    TRANSIENT, "Malformed token response (not JSON)"),
	FAIL("2xx integer too big for jansson", 200,
	    "{" AT "," BEARER ",\"expires_in\":99999999999999999999999}",
	    TRANSIENT, "Malformed token response (not JSON)"),
	FAIL("2xx invalid UTF-8", 200,
	    "{\"access_token\":\"SECRET\xff\"," BEARER "}",
	    TRANSIENT, "Malformed token response (not JSON)"),
};

static void
check_no_control(const char *s)
{
	for (; *s != '\0'; s++)
		assert_true((unsigned char)*s >= 0x20 && *s != 0x7f);
}

/* Fail naming the case, not just the line. */
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
expect_int(const char *name, const char *what, int64_t got, int64_t want)
{
	if (got != want)
		fail_msg("%s: %s is %lld, want %lld", name, what,
		    (long long)got, (long long)want);
}

static void
test_token_parse_table(void **state)
{
	struct pz_token_resp r;
	const struct tcase *c;
	size_t i;

	for (i = 0; i < sizeof(token_cases) / sizeof(token_cases[0]); i++) {
		c = &token_cases[i];
		/* Output only: garbage in it must not matter. */
		memset(&r, 0xa5, sizeof(r));
		expect_int(c->name, "return", pz_token_parse(c->status, NULL,
		    c->body, c->body == NULL ? 0 : strlen(c->body), &r),
		    c->outcome);
		expect_int(c->name, "outcome", r.outcome, c->outcome);
		expect_str(c->name, "msg", r.msg, c->msg);
		assert_null(strstr(r.msg, "SECRET"));
		check_no_control(r.msg);
		expect_int(c->name, "retry_after", r.retry_after, -1);
		if (c->outcome == OK) {
			assert_non_null(r.access_token);
			assert_non_null(strstr(r.access_token, "SECRET"));
			expect_int(c->name, "refresh", r.refresh, c->refresh);
			expect_int(c->name, "expires_in", r.expires_in,
			    c->expires_in);
		} else {
			expect_str(c->name, "access_token", r.access_token,
			    NULL);
			expect_int(c->name, "refresh", r.refresh, ABSENT);
			expect_int(c->name, "expires_in", r.expires_in, -1);
		}
		expect_str(c->name, "refresh_token", r.refresh_token,
		    r.refresh == SET ? c->refresh_token : NULL);
		expect_str(c->name, "error", r.error, c->error);
		expect_str(c->name, "error_description", r.error_description,
		    c->desc);
		pz_token_resp_clear(&r);
	}
}

static void
test_token_ok_copies_access_token(void **state)
{
	static const char body[] = "{\"access_token\":\"ya29.a0AfH6SM\","
	    "\"token_type\":\"Bearer\",\"expires_in\":3599,"
	    "\"refresh_token\":\"1//0gABC\"}";
	struct pz_token_resp r = PZ_TOKEN_RESP_INIT;

	assert_int_equal(pz_token_parse(200, NULL, body, strlen(body), &r),
	    OK);
	assert_string_equal(r.access_token, "ya29.a0AfH6SM");
	assert_string_equal(r.refresh_token, "1//0gABC");
	assert_int_equal(r.refresh, SET);
	assert_int_equal(r.expires_in, 3599);
	assert_null(strstr(r.msg, "ya29"));
	pz_token_resp_clear(&r);
}

/* The body need not be NUL-terminated, and bytes past bodylen are not
 * read. */
static void
test_token_parse_respects_bodylen(void **state)
{
	static const char body[] = "{\"access_token\":\"SECRET\","
	    "\"token_type\":\"Bearer\"}GARBAGE";
	struct pz_token_resp r;
	char *copy;
	size_t len = strlen(body) - strlen("GARBAGE");

	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, body, len);
	assert_int_equal(pz_token_parse(200, NULL, copy, len, &r), OK);
	pz_token_resp_clear(&r);
	assert_int_equal(pz_token_parse(200, NULL, body, strlen(body), &r),
	    TRANSIENT);
	pz_token_resp_clear(&r);
	/* A body with NUL bytes in it. */
	copy[3] = '\0';
	assert_int_equal(pz_token_parse(200, NULL, copy, len, &r), TRANSIENT);
	assert_string_equal(r.msg, "Malformed token response (not JSON)");
	pz_token_resp_clear(&r);
	free(copy);
}

static void
test_token_parse_rejects_binary_garbage(void **state)
{
	unsigned char junk[4096];
	struct pz_token_resp r;
	size_t i;
	int round;

	srand(7);
	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)rand();
		assert_int_equal(pz_token_parse(200, NULL, (const char *)junk,
		    (size_t)rand() % sizeof(junk) + 1, &r), TRANSIENT);
		check_no_control(r.msg);
		pz_token_resp_clear(&r);
		assert_int_equal(pz_token_parse(400, NULL, (const char *)junk,
		    sizeof(junk), &r), PERMANENT);
		assert_string_equal(r.msg, "HTTP 400");
		pz_token_resp_clear(&r);
	}
}

static void
test_token_parse_rejects_deep_nesting(void **state)
{
	struct pz_token_resp r;
	size_t depth = 100000, i;
	char *body;

	body = malloc(2 * depth + 1);
	assert_non_null(body);
	for (i = 0; i < depth; i++) {
		body[i] = '[';
		body[depth + i] = ']';
	}
	body[2 * depth] = '\0';
	assert_int_equal(pz_token_parse(200, NULL, body, 2 * depth, &r),
	    TRANSIENT);
	pz_token_resp_clear(&r);
	/* Nested inside an error response, within jansson's limit. */
	free(body);
	depth = 500;
	body = malloc(2 * depth + 64);
	assert_non_null(body);
	strcpy(body, "{\"error\":\"invalid_grant\",\"x\":");
	for (i = 0; i < depth; i++)
		strcat(body, "[");
	for (i = 0; i < depth; i++)
		strcat(body, "]");
	strcat(body, "}");
	assert_int_equal(pz_token_parse(400, NULL, body, strlen(body), &r),
	    REAUTH);
	pz_token_resp_clear(&r);
	free(body);
}

static void
test_token_parse_refuses_oversized_body(void **state)
{
	struct pz_token_resp r;
	size_t len = PZ_TOKEN_BODY_MAX + 1;
	char *body;

	body = malloc(len);
	assert_non_null(body);
	memset(body, ' ', len);
	memcpy(body, "{\"error\":\"invalid_grant\"}", 25);
	assert_int_equal(pz_token_parse(200, NULL, body, len, &r), TRANSIENT);
	assert_string_equal(r.msg, "Malformed token response (too large)");
	pz_token_resp_clear(&r);
	/* One byte less is parsed. */
	assert_int_equal(pz_token_parse(200, NULL, body, len - 1, &r), REAUTH);
	pz_token_resp_clear(&r);
	free(body);
}

/* Long descriptions are cut to PZ_TOKEN_TEXT_MAX at a character boundary,
 * and so is msg. */
static void
test_token_parse_bounds_error_text(void **state)
{
	struct pz_token_resp r;
	char *body, *p;
	size_t i, n = 3000;

	body = malloc(n * 2 + 128);
	assert_non_null(body);
	p = body + sprintf(body, "{\"error\":\"");
	for (i = 0; i < n; i++)
		*p++ = 'e';
	p += sprintf(p, "\",\"error_description\":\"");
	for (i = 0; i < n / 2; i++)
		p += sprintf(p, "\xc3\xa9");
	sprintf(p, "\"}");

	assert_int_equal(pz_token_parse(400, NULL, body, strlen(body), &r),
	    PERMANENT);
	assert_int_equal(strlen(r.error), PZ_TOKEN_TEXT_MAX - 1);
	/* Two-byte characters: an even length means none was split. */
	assert_int_equal(strlen(r.error_description), PZ_TOKEN_TEXT_MAX - 2);
	assert_int_equal(strlen(r.msg), sizeof(r.msg) - 1);
	pz_token_resp_clear(&r);

	/* msg cut in the middle of the description's characters. */
	sprintf(body, "{\"error\":\"xy\",\"error_description\":\"");
	p = body + strlen(body);
	for (i = 0; i < 400; i++)
		p += sprintf(p, "\xe2\x98\x83");
	sprintf(p, "\"}");
	assert_int_equal(pz_token_parse(503, NULL, body, strlen(body), &r),
	    TRANSIENT);
	/* "HTTP 503: xy: " is 14 bytes, then whole 3-byte snowmen where
	 * 497 bytes would split one. */
	assert_int_equal((strlen(r.msg) - 14) % 3, 0);
	assert_true(strlen(r.msg) >= sizeof(r.msg) - 3);
	pz_token_resp_clear(&r);
	free(body);
}

static void
test_token_retry_after_forms(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT, two minutes from now. */
	const time_t then = 784111777, now = then - 120;
	static const struct {
		const char	*value;
		int64_t		 want;
	} cases[] = {
		{ "120", 120 },
		{ "0", 0 },
		{ " 30\t", 30 },
		{ "007", 7 },
		{ "99999999999999999999999", PZ_TOKEN_SECS_MAX },
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 120 },
		{ "Sunday, 06-Nov-94 08:49:37 GMT", 120 },
		{ "Sun Nov  6 08:49:37 1994", 120 },
		{ "Sun, 06 Nov 1994 08:47:37 GMT", 0 },
		{ "Sun, 06 Nov 1994 08:00:00 GMT", 0 },
		{ "Fri, 31 Dec 9999 23:59:59 GMT", PZ_TOKEN_SECS_MAX },
		{ "", -1 },
		{ "   ", -1 },
		{ "-5", -1 },
		{ "+5", -1 },
		{ "1.5", -1 },
		{ "5 s", -1 },
		{ "soon", -1 },
		{ "Sun, 06 Nov 1994 08:49:37 PST", -1 },
		{ "Sun, 06 Nov 1994 08:49:37 GMT junk", -1 },
		{ "Sun, 06 Nov 1994 08:49:37", -1 },
		{ "Sun, 32 Nov 1994 08:49:37 GMT", -1 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", -1 },
		{ "Sun, 06 Nov 1994 25:49:37 GMT", -1 },
		{ "Sun, 06 Nov 1994 08:49:37 GMTSun, 06 Nov 1994 08:49:37 GMT"
		    "Sun, 06 Nov 1994 08:49:37 GMT", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_int(cases[i].value, "Retry-After",
		    pz_token_retry_after(cases[i].value, now), cases[i].want);
	}
	assert_int_equal(pz_token_retry_after(NULL, now), -1);
}

static void
test_token_parse_reports_retry_after(void **state)
{
	struct pz_token_resp r;
	struct tm tm;
	char date[64];
	time_t t;

	assert_int_equal(pz_token_parse(429, "120", "", 0, &r), TRANSIENT);
	assert_int_equal(r.retry_after, 120);
	pz_token_resp_clear(&r);
	assert_int_equal(pz_token_parse(503, "bogus", "", 0, &r), TRANSIENT);
	assert_int_equal(r.retry_after, -1);
	pz_token_resp_clear(&r);

	t = time(NULL) + 300;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(pz_token_parse(503, date, NULL, 0, &r), TRANSIENT);
	assert_in_range(r.retry_after, 290, 300);
	pz_token_resp_clear(&r);

	/* Kept whatever the outcome, for the caller to weigh. */
	assert_int_equal(pz_token_parse(400, "60",
	    "{\"error\":\"invalid_grant\"}", 25, &r), REAUTH);
	assert_int_equal(r.retry_after, 60);
	pz_token_resp_clear(&r);
}

static void
test_token_resp_clear_resets(void **state)
{
	static const char body[] = "{\"access_token\":\"SECRET\","
	    "\"token_type\":\"Bearer\",\"refresh_token\":\"SECRET2\","
	    "\"expires_in\":5}";
	struct pz_token_resp r;

	assert_int_equal(pz_token_parse(200, "5", body, strlen(body), &r), OK);
	pz_token_resp_clear(&r);
	assert_null(r.access_token);
	assert_null(r.refresh_token);
	assert_null(r.error);
	assert_null(r.error_description);
	assert_int_equal(r.refresh, ABSENT);
	assert_int_equal(r.expires_in, -1);
	assert_int_equal(r.retry_after, -1);
	assert_string_equal(r.msg, "");
	/* Twice, and NULL, are harmless. */
	pz_token_resp_clear(&r);
	pz_token_resp_clear(NULL);
}

static void
test_token_outcome_str_names_every_outcome(void **state)
{
	assert_string_equal(pz_token_outcome_str(OK), "ok");
	assert_string_equal(pz_token_outcome_str(TRANSIENT), "transient");
	assert_string_equal(pz_token_outcome_str(REAUTH), "reauth");
	assert_string_equal(pz_token_outcome_str(CONFIG), "config");
	assert_string_equal(pz_token_outcome_str(PERMANENT), "permanent");
	assert_string_equal(pz_token_outcome_str((enum pz_token_outcome)99),
	    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_parse_table),
		cmocka_unit_test(test_token_ok_copies_access_token),
		cmocka_unit_test(test_token_parse_respects_bodylen),
		cmocka_unit_test(test_token_parse_rejects_binary_garbage),
		cmocka_unit_test(test_token_parse_rejects_deep_nesting),
		cmocka_unit_test(test_token_parse_refuses_oversized_body),
		cmocka_unit_test(test_token_parse_bounds_error_text),
		cmocka_unit_test(test_token_retry_after_forms),
		cmocka_unit_test(test_token_parse_reports_retry_after),
		cmocka_unit_test(test_token_resp_clear_resets),
		cmocka_unit_test(test_token_outcome_str_names_every_outcome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
