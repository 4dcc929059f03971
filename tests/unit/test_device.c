/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/device.c: device authorization responses (RFC 8628
 * section 3.2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/device.h"
#include "core/token.h"

#define DC	"\"device_code\":\"SECRET-dc\""
#define UC	"\"user_code\":\"WDJB-MJHT\""
#define VU	"\"verification_uri\":\"https://example.com/device\""
#define EXP	"\"expires_in\":1800"
#define MIN	"{" DC "," UC "," VU "," EXP "}"

#define PFX	"Device authorisation request failed: "
#define LACKS	"Device authorisation response lacks device_code, " \
		"user_code, verification_uri or expires_in"

struct dcase {
	const char	*name;
	long		 status;
	const char	*body;		/* NULL: no body */
	const char	*verification_uri;	/* NULL: must be rejected */
	const char	*complete;	/* verification_uri_complete */
	int64_t		 expires_in;
	int64_t		 interval;
	const char	*msg;		/* rejected only: the whole err.msg */
};

/* Accepted, with the fields that vary; rejected, with its message. */
#define GOOD_ST(n, st, body, vu, vc, exp, iv) \
	{ n, st, body, vu, vc, exp, iv, NULL }
#define GOOD(n, body, vu, vc, exp, iv) \
	GOOD_ST(n, 200, body, vu, vc, exp, iv)
#define BAD(n, st, body, msg) \
	{ n, st, body, NULL, NULL, 0, 0, msg }

static const struct dcase device_cases[] = {
	/* Success (RFC 8628 section 3.2). */
	GOOD("all fields", "{" DC "," UC "," VU ","
	    "\"verification_uri_complete\":"
	    "\"https://example.com/device?user_code=WDJB-MJHT\","
	    EXP ",\"interval\":7}", "https://example.com/device",
	    "https://example.com/device?user_code=WDJB-MJHT", 1800, 7),
	GOOD("minimal", MIN, "https://example.com/device", NULL, 1800, 5),
	GOOD("Google's verification_url", "{" DC "," UC ","
	    "\"verification_url\":\"https://www.google.com/device\"," EXP "}",
	    "https://www.google.com/device", NULL, 1800, 5),
	GOOD("verification_uri wins over verification_url", "{" DC "," UC ","
	    "\"verification_url\":\"https://g.example/url\"," VU "," EXP "}",
	    "https://example.com/device", NULL, 1800, 5),
	GOOD("empty verification_uri falls back to verification_url",
	    "{" DC "," UC ",\"verification_uri\":\"\","
	    "\"verification_url\":\"https://g.example/url\"," EXP "}",
	    "https://g.example/url", NULL, 1800, 5),
	GOOD("verification_uri_complete empty is absent", "{" DC "," UC "," VU
	    ",\"verification_uri_complete\":\"\"," EXP "}",
	    "https://example.com/device", NULL, 1800, 5),
	GOOD("verification_uri_complete number is absent", "{" DC "," UC "," VU
	    ",\"verification_uri_complete\":1," EXP "}",
	    "https://example.com/device", NULL, 1800, 5),
	GOOD_ST("201 is a success", 201, MIN, "https://example.com/device",
	    NULL, 1800, 5),
	GOOD("unknown members ignored", "{\"x\":[1,{\"y\":null}]," DC "," UC
	    "," VU "," EXP ",\"message\":\"Go to ...\"}",
	    "https://example.com/device", NULL, 1800, 5),

	/* Numbers: interval defaults to 5; strings are accepted. */
	GOOD("expires_in string", "{" DC "," UC "," VU
	    ",\"expires_in\":\"900\"}", "https://example.com/device", NULL,
	    900, 5),
	GOOD("interval string", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":\"10\"}", "https://example.com/device", NULL,
	    1800, 10),
	GOOD("interval zero defaults", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":0}", "https://example.com/device", NULL, 1800, 5),
	GOOD("interval negative defaults", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":-3}", "https://example.com/device", NULL, 1800, 5),
	GOOD("interval bad string defaults", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":\"5s\"}", "https://example.com/device", NULL,
	    1800, 5),
	GOOD("interval null defaults", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":null}", "https://example.com/device", NULL,
	    1800, 5),
	GOOD("interval boolean defaults", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":true}", "https://example.com/device", NULL,
	    1800, 5),
	GOOD("expires_in huge integer clamped", "{" DC "," UC "," VU
	    ",\"expires_in\":9223372036854775807}",
	    "https://example.com/device", NULL, PZ_TOKEN_SECS_MAX, 5),
	GOOD("expires_in huge string clamped", "{" DC "," UC "," VU
	    ",\"expires_in\":\"99999999999999999999999\"}",
	    "https://example.com/device", NULL, PZ_TOKEN_SECS_MAX, 5),
	GOOD("interval huge integer clamped", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":4294967296}", "https://example.com/device", NULL,
	    1800, PZ_TOKEN_SECS_MAX),
	GOOD("interval huge string clamped", "{" DC "," UC "," VU "," EXP
	    ",\"interval\":\"9223372036854775808\"}",
	    "https://example.com/device", NULL, 1800, PZ_TOKEN_SECS_MAX),

	/* expires_in is required and positive. */
	BAD("expires_in missing", 200, "{" DC "," UC "," VU "}", LACKS),
	BAD("expires_in zero", 200, "{" DC "," UC "," VU ",\"expires_in\":0}",
	    LACKS),
	BAD("expires_in negative", 200,
	    "{" DC "," UC "," VU ",\"expires_in\":-1}", LACKS),
	BAD("expires_in negative string", 200,
	    "{" DC "," UC "," VU ",\"expires_in\":\"-1\"}", LACKS),
	BAD("expires_in bad string", 200,
	    "{" DC "," UC "," VU ",\"expires_in\":\"12a\"}", LACKS),
	BAD("expires_in empty string", 200,
	    "{" DC "," UC "," VU ",\"expires_in\":\"\"}", LACKS),
	BAD("expires_in null", 200,
	    "{" DC "," UC "," VU ",\"expires_in\":null}", LACKS),

	/* The other required members. */
	BAD("device_code missing", 200, "{" UC "," VU "," EXP "}", LACKS),
	BAD("device_code empty", 200,
	    "{\"device_code\":\"\"," UC "," VU "," EXP "}", LACKS),
	BAD("device_code number", 200,
	    "{\"device_code\":42," UC "," VU "," EXP "}", LACKS),
	BAD("user_code missing", 200, "{" DC "," VU "," EXP "}", LACKS),
	BAD("user_code null", 200,
	    "{" DC ",\"user_code\":null," VU "," EXP "}", LACKS),
	BAD("verification_uri missing", 200, "{" DC "," UC "," EXP "}", LACKS),
	BAD("verification_uri empty", 200,
	    "{" DC "," UC ",\"verification_uri\":\"\"," EXP "}", LACKS),
	BAD("verification_uri object", 200,
	    "{" DC "," UC ",\"verification_uri\":{}," EXP "}", LACKS),
	BAD("empty object", 200, "{}", LACKS),
	/* What reaches a terminal: no C0 or C1 control (as JSON escapes or
	 * as UTF-8), nothing malformed. */
	BAD("user_code with ESC", 200,
	    "{" DC ",\"user_code\":\"AB\\u001b[2JCD\"," VU "," EXP "}",
	    LACKS),
	BAD("user_code with C1 CSI", 200,
	    "{" DC ",\"user_code\":\"AB\\u009b2JCD\"," VU "," EXP "}",
	    LACKS),
	BAD("user_code with raw C1 in UTF-8", 200,
	    "{" DC ",\"user_code\":\"AB\xc2\x9d" "0;x\"," VU "," EXP "}",
	    LACKS),
	BAD("user_code with NUL", 200,
	    "{" DC ",\"user_code\":\"AB\\u0000CD\"," VU "," EXP "}",
	    PFX "Malformed token response (not JSON)"),
	BAD("verification_uri with C1 OSC", 200,
	    "{" DC "," UC ",\"verification_uri\":"
	    "\"https://e.com/\\u009d8;;x\"," EXP "}", LACKS),

	/* Error responses (RFC 8628 3.2 refers to RFC 6749 5.2). */
	BAD("400 error and description", 400, "{\"error\":\"invalid_client\","
	    "\"error_description\":\"Unknown client 'x'\"}",
	    PFX "invalid_client: Unknown client 'x'"),
	BAD("400 error only", 400, "{\"error\":\"invalid_scope\"}",
	    PFX "invalid_scope"),
	BAD("401 error and description", 401, "{\"error\":\"invalid_client\","
	    "\"error_description\":\"AADSTS7000215: Invalid client secret\"}",
	    PFX "invalid_client: AADSTS7000215: Invalid client secret"),
	BAD("500 error and description", 500, "{\"error\":\"server_error\","
	    "\"error_description\":\"Backend down\"}",
	    PFX "HTTP 500: server_error: Backend down"),
	BAD("503 no body", 503, NULL, PFX "HTTP 503"),
	BAD("400 with a full device body", 400, MIN, PFX "HTTP 400"),
	BAD("200 with an error", 200, "{\"error\":\"unauthorized_client\","
	    "\"error_description\":\"Device flow disabled\"," DC "," UC "," VU
	    "," EXP "}",
	    PFX "unauthorized_client: Device flow disabled"),
	BAD("description sanitised", 400, "{\"error\":\"invalid_client\","
	    "\"error_description\":\"a\\nb\\u001b[31mc\"}",
	    PFX "invalid_client: a?b?[31mc"),
	BAD("302", 302, MIN, PFX "HTTP 302"),
	BAD("status 0", 0, MIN, PFX "HTTP 0"),

	/* Garbage. */
	BAD("empty body", 200, "", PFX "Malformed token response (empty)"),
	BAD("no body", 200, NULL, PFX "Malformed token response (empty)"),
	BAD("HTML", 200, "<html>Log in to the Wi-Fi</html>",
	    PFX "Malformed token response (not JSON)"),
	BAD("array", 200, "[" MIN "]",
	    PFX "Malformed token response (not a JSON object)"),
	BAD("bare string", 200, "\"SECRET-dc\"",
	    PFX "Malformed token response (not JSON)"),
	BAD("number", 200, "1800", PFX "Malformed token response (not JSON)"),
	BAD("truncated", 200, "{" DC "," UC ",\"verif",
	    PFX "Malformed token response (not JSON)"),
	BAD("trailing garbage", 200, MIN " x",
	    PFX "Malformed token response (not JSON)"),
	BAD("NUL escape", 200, "{\"device_code\":\"SECRET\\u0000x\"," UC ","
	    VU "," EXP "}", PFX "Malformed token response (not JSON)"),
	BAD("integer too big for jansson", 200, "{" DC "," UC "," VU
	    ",\"expires_in\":99999999999999999999999}",
	    PFX "Malformed token response (not JSON)"),
	BAD("invalid UTF-8", 200, "{\"device_code\":\"SECRET\xff\"," UC ","
	    VU "," EXP "}", PFX "Malformed token response (not JSON)"),
	BAD("4xx HTML", 404, "<html>Not Found</html>", PFX "HTTP 404"),
};

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
check_no_control(const char *name, const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fail_msg("%s: control character in err.msg", name);
}

static void
expect_cleared(const char *name, const struct pz_device_resp *r)
{
	expect_str(name, "device_code", r->device_code, NULL);
	expect_str(name, "user_code", r->user_code, NULL);
	expect_str(name, "verification_uri", r->verification_uri, NULL);
	expect_str(name, "verification_uri_complete",
	    r->verification_uri_complete, NULL);
	expect_int(name, "expires_in", r->expires_in, 0);
	expect_int(name, "interval", r->interval, 0);
}

static void
test_device_parse_table(void **state)
{
	struct pz_device_resp r;
	struct pz_err err;
	const struct dcase *c;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(device_cases) / sizeof(device_cases[0]); i++) {
		c = &device_cases[i];
		/* Output only: garbage in it must not matter. */
		memset(&r, 0xa5, sizeof(r));
		strcpy(err.msg, "untouched");
		rc = pz_device_parse(c->status, c->body,
		    c->body == NULL ? 0 : strlen(c->body), &r, &err);
		if (c->verification_uri == NULL) {
			expect_int(c->name, "return", rc, -1);
			expect_str(c->name, "err.msg", err.msg, c->msg);
			assert_null(strstr(err.msg, "SECRET"));
			check_no_control(c->name, err.msg);
			expect_cleared(c->name, &r);
			continue;
		}
		expect_int(c->name, "return", rc, 0);
		expect_str(c->name, "err.msg", err.msg, "untouched");
		expect_str(c->name, "device_code", r.device_code, "SECRET-dc");
		expect_str(c->name, "user_code", r.user_code, "WDJB-MJHT");
		expect_str(c->name, "verification_uri", r.verification_uri,
		    c->verification_uri);
		expect_str(c->name, "verification_uri_complete",
		    r.verification_uri_complete, c->complete);
		expect_int(c->name, "expires_in", r.expires_in, c->expires_in);
		expect_int(c->name, "interval", r.interval, c->interval);
		pz_device_resp_clear(&r);
	}
}

/* The fields are copies: the body may go away. */
static void
test_device_parse_copies_fields(void **state)
{
	static const char body[] = "{\"device_code\":"
	    "\"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS\","
	    "\"user_code\":\"WDJB-MJHT\","
	    "\"verification_uri\":\"https://example.com/device\","
	    "\"verification_uri_complete\":"
	    "\"https://example.com/device?user_code=WDJB-MJHT\","
	    "\"expires_in\":1800,\"interval\":5}";
	struct pz_device_resp r = PZ_DEVICE_RESP_INIT;
	struct pz_err err;
	char *copy = strdup(body);

	assert_non_null(copy);
	assert_int_equal(pz_device_parse(200, copy, strlen(copy), &r, &err),
	    0);
	memset(copy, 'x', strlen(copy));
	free(copy);
	assert_string_equal(r.device_code,
	    "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS");
	assert_string_equal(r.user_code, "WDJB-MJHT");
	assert_string_equal(r.verification_uri, "https://example.com/device");
	assert_string_equal(r.verification_uri_complete,
	    "https://example.com/device?user_code=WDJB-MJHT");
	assert_int_equal(r.expires_in, 1800);
	assert_int_equal(r.interval, PZ_DEVICE_INTERVAL_DEFAULT);
	pz_device_resp_clear(&r);
}

/* The body need not be NUL-terminated, and bytes past len are not read. */
static void
test_device_parse_respects_len(void **state)
{
	static const char body[] = MIN "GARBAGE";
	struct pz_device_resp r;
	struct pz_err err;
	size_t len = strlen(body) - strlen("GARBAGE");
	char *copy = malloc(len);

	assert_non_null(copy);
	memcpy(copy, body, len);
	assert_int_equal(pz_device_parse(200, copy, len, &r, &err), 0);
	assert_int_equal(r.expires_in, 1800);
	pz_device_resp_clear(&r);
	assert_int_equal(pz_device_parse(200, body, strlen(body), &r, &err),
	    -1);
	assert_string_equal(err.msg, PFX "Malformed token response (not JSON)");
	/* A NUL byte inside the body. */
	copy[3] = '\0';
	assert_int_equal(pz_device_parse(200, copy, len, &r, &err), -1);
	assert_string_equal(err.msg, PFX "Malformed token response (not JSON)");
	free(copy);
}

static void
test_device_parse_rejects_too_large_body(void **state)
{
	struct pz_device_resp r;
	struct pz_err err;
	size_t len = PZ_TOKEN_BODY_MAX + 1, pad = len - strlen(MIN);
	char *body = malloc(len);

	/* A valid response padded with spaces past the limit. */
	assert_non_null(body);
	memset(body, ' ', pad);
	memcpy(body + pad, MIN, strlen(MIN));
	assert_int_equal(pz_device_parse(200, body, len, &r, &err), -1);
	assert_string_equal(err.msg,
	    PFX "Malformed token response (too large)");
	expect_cleared("too large", &r);
	/* At the limit it is fine. */
	assert_int_equal(pz_device_parse(200, body + 1, PZ_TOKEN_BODY_MAX, &r,
	    &err), 0);
	assert_int_equal(r.expires_in, 1800);
	pz_device_resp_clear(&r);
	free(body);
}

static void
test_device_parse_rejects_binary_garbage(void **state)
{
	unsigned char junk[2048];
	struct pz_device_resp r;
	struct pz_err err;
	size_t i;
	int round;

	srand(8628);
	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)rand();
		assert_int_equal(pz_device_parse(200, (const char *)junk,
		    (size_t)rand() % sizeof(junk) + 1, &r, &err), -1);
		check_no_control("garbage", err.msg);
		expect_cleared("garbage", &r);
		assert_int_equal(pz_device_parse(400, (const char *)junk,
		    sizeof(junk), &r, &err), -1);
		assert_string_equal(err.msg, PFX "HTTP 400");
	}
}

/* As in token.c, only a non-empty string is an error code; a 2xx body
 * with any other "error" member is judged as a device response, never as a
 * token response. */
static void
test_device_parse_error_member_not_a_string(void **state)
{
	static const char *const errors[] = {
		"\"error\":5",
		"\"error\":\"\"",
		"\"error\":null",
		"\"error\":{\"code\":400}",
	};
	struct pz_device_resp r;
	struct pz_err err;
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		snprintf(body, sizeof(body), "{%s}", errors[i]);
		assert_int_equal(pz_device_parse(200, body, strlen(body), &r,
		    &err), -1);
		expect_cleared(body, &r);
		expect_str(body, "err.msg", err.msg, LACKS);

		snprintf(body, sizeof(body), "{%s," DC "," UC "," VU "," EXP
		    "}", errors[i]);
		if (pz_device_parse(200, body, strlen(body), &r, &err) != 0)
			fail_msg("%s: rejected: %s", body, err.msg);
		expect_str(body, "device_code", r.device_code, "SECRET-dc");
		expect_int(body, "expires_in", r.expires_in, 1800);
		pz_device_resp_clear(&r);
	}
}

static void
test_device_resp_clear_wipes_and_resets(void **state)
{
	struct pz_device_resp r = PZ_DEVICE_RESP_INIT;
	struct pz_err err;

	/* Clearing an initialised struct is a no-op, and so is clearing
	 * twice. */
	pz_device_resp_clear(&r);
	expect_cleared("init", &r);
	assert_int_equal(pz_device_parse(200, "{" DC "," UC "," VU
	    ",\"verification_uri_complete\":\"https://e.com/d?c=1\","
	    EXP ",\"interval\":9}", strlen("{" DC "," UC "," VU
	    ",\"verification_uri_complete\":\"https://e.com/d?c=1\","
	    EXP ",\"interval\":9}"), &r, &err), 0);
	assert_non_null(r.verification_uri_complete);
	assert_int_equal(r.interval, 9);
	pz_device_resp_clear(&r);
	expect_cleared("cleared", &r);
	pz_device_resp_clear(&r);
	expect_cleared("cleared twice", &r);

	/* Hand-filled fields are freed too (the leak checkers see it). */
	r.device_code = strdup("SECRET-dc");
	r.user_code = strdup("u");
	r.verification_uri = strdup("v");
	r.verification_uri_complete = NULL;
	r.expires_in = 1;
	r.interval = 1;
	pz_device_resp_clear(&r);
	expect_cleared("hand-filled", &r);
}

/* out is output only: a parse never frees what it held. */
static void
test_device_parse_failure_leaves_out_empty(void **state)
{
	struct pz_device_resp r;
	struct pz_err err;

	/* Not heap pointers: freeing them would crash. */
	r.device_code = (char *)"not ours";
	r.user_code = (char *)"not ours";
	r.verification_uri = (char *)"not ours";
	r.verification_uri_complete = (char *)"not ours";
	r.expires_in = r.interval = 42;
	assert_int_equal(pz_device_parse(200, "{}", 2, &r, &err), -1);
	expect_cleared("after failure", &r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_parse_table),
		cmocka_unit_test(test_device_parse_copies_fields),
		cmocka_unit_test(test_device_parse_respects_len),
		cmocka_unit_test(test_device_parse_rejects_too_large_body),
		cmocka_unit_test(test_device_parse_rejects_binary_garbage),
		cmocka_unit_test(test_device_parse_error_member_not_a_string),
		cmocka_unit_test(test_device_resp_clear_wipes_and_resets),
		cmocka_unit_test(test_device_parse_failure_leaves_out_empty),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
