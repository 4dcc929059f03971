/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The strict URI splitter: what it accepts, how it splits, what it says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/uri.h"

/* An input and its parts; NULL means absent.  err set means rejected. */
static const struct split {
	const char	*in;
	const char	*err;
	const char	*scheme, *userinfo, *host, *port, *path, *query;
	const char	*fragment;
	int		 port_num, eff_port, ipv6;
} cases[] = {
#define BAD(in, why)	{ in, why, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
			  0, 0, 0 }
	{ "http://localhost/", NULL,
	  "http", NULL, "localhost", NULL, "/", NULL, NULL, -1, 80, 0 },
	{ "https://login.microsoftonline.com/common/oauth2/v2.0/token", NULL,
	  "https", NULL, "login.microsoftonline.com", NULL,
	  "/common/oauth2/v2.0/token", NULL, NULL, -1, 443, 0 },
	{ "HTTPS://Example.COM:8443/A?b=C#D", NULL,
	  "https", NULL, "example.com", "8443", "/A", "b=C", "D", 8443, 8443,
	  0 },
	{ "http://u:p%20w@h:0", NULL,
	  "http", "u:p%20w", "h", "0", "", NULL, NULL, 0, 0, 0 },
	{ "http://[::1]:8080/x", NULL,
	  "http", NULL, "::1", "8080", "/x", NULL, NULL, 8080, 8080, 1 },
	{ "http://[2001:DB8::1]", NULL,
	  "http", NULL, "2001:db8::1", NULL, "", NULL, NULL, -1, 80, 1 },
	{ "http://127.0.0.1:/p?", NULL,
	  "http", NULL, "127.0.0.1", NULL, "/p", "", NULL, -1, 80, 0 },
	{ "http://a.b-c_d~e.example./", NULL,
	  "http", NULL, "a.b-c_d~e.example.", NULL, "/", NULL, NULL, -1, 80,
	  0 },
	{ "http://host1/a:b@c!$&'()*+,;=/?q=/?:@#f/?", NULL,
	  "http", NULL, "host1", NULL, "/a:b@c!$&'()*+,;=/", "q=/?:@", "f/?",
	  -1, 80, 0 },
	{ "mailto:me@example.com", NULL,
	  "mailto", NULL, NULL, NULL, "me@example.com", NULL, NULL, -1, -1,
	  0 },
	{ "x-y+z.1:", NULL,
	  "x-y+z.1", NULL, NULL, NULL, "", NULL, NULL, -1, -1, 0 },

	/* pizauth's own texts for what its URL parser also refuses. */
	BAD("blah", "relative URL without a base"),
	BAD("", "relative URL without a base"),
	BAD("/a:b", "relative URL without a base"),
	BAD("1http://a", "relative URL without a base"),
	BAD("ht^tp://a", "relative URL without a base"),
	BAD(":x", "relative URL without a base"),
	BAD("http://", "empty host"),
	BAD("http:///path", "empty host"),
	BAD("http://user@/", "empty host"),
	BAD("http://a:65536/", "invalid port number"),
	BAD("http://a:8o/", "invalid port number"),
	BAD("http://a:99999999999999999999/", "invalid port number"),
	BAD("http://[::1/", "invalid IPv6 address"),
	BAD("http://[::g]/", "invalid IPv6 address"),
	BAD("http://[fe80::1%25eth0]/", "invalid IPv6 address"),
	BAD("http://1.2.3.256/", "invalid IPv4 address"),
	BAD("http://1.2.3/", "invalid IPv4 address"),
	BAD("http://01.2.3.4/", "invalid IPv4 address"),
	BAD("http://example.123/", "invalid IPv4 address"),
	BAD("http://a b/", "invalid domain character"),
	BAD("http://a%41/", "invalid domain character"),
	BAD("http://caf\xc3\xa9.example/", "invalid domain character"),
	BAD("http://a<b/", "invalid domain character"),
	BAD("http://::1/", "invalid domain character"),

	/* Ours: what a browser would silently repair, we refuse. */
	BAD("http://a/b c", "invalid character in path"),
	BAD("http://a/\xc3\xa9", "invalid character in path"),
	BAD("http://a/\\", "invalid character in path"),
	BAD("http://a/?q={}", "invalid character in query"),
	BAD("http://a/#a#b", "invalid character in fragment"),
	BAD("http://a/%2", "invalid percent-encoding"),
	BAD("http://a/%zz", "invalid percent-encoding"),
	BAD("http://a/?%", "invalid percent-encoding"),
	BAD("http://a b@c/", "invalid character in userinfo"),
};

static void
check_part(const char *in, const char *what, const char *want,
    const char *got)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		fail_msg("%s: %s: want '%s', got '%s'", in, what,
		    want ? want : "(absent)", got ? got : "(absent)");
}

static void
test_uri_splits_and_rejects_as_tabled(void **state)
{
	struct pz_uri u = PZ_URI_INIT;
	struct pz_err err;
	const struct split *c;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		memset(&err, 0, sizeof(err));
		rc = pz_uri_parse(c->in, &u, &err);
		if (c->err != NULL) {
			if (rc != -1)
				fail_msg("%s: accepted", c->in);
			if (strcmp(err.msg, c->err) != 0)
				fail_msg("%s: want '%s', got '%s'", c->in,
				    c->err, err.msg);
			assert_null(u.buf_);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: %s", c->in, err.msg);
		check_part(c->in, "scheme", c->scheme, u.scheme);
		check_part(c->in, "userinfo", c->userinfo, u.userinfo);
		check_part(c->in, "host", c->host, u.host);
		check_part(c->in, "port", c->port, u.port);
		check_part(c->in, "path", c->path, u.path);
		check_part(c->in, "query", c->query, u.query);
		check_part(c->in, "fragment", c->fragment, u.fragment);
		assert_int_equal(u.port_num, c->port_num);
		assert_int_equal(pz_uri_effective_port(&u), c->eff_port);
		assert_int_equal(u.ipv6, c->ipv6);
		pz_uri_clear(&u);
		assert_null(u.scheme);
	}
}

static void
test_uri_clear_is_idempotent(void **state)
{
	struct pz_uri u = PZ_URI_INIT;
	struct pz_err err;

	pz_uri_clear(&u);
	pz_uri_clear(NULL);
	assert_int_equal(pz_uri_parse("http://a/", &u, &err), 0);
	pz_uri_clear(&u);
	pz_uri_clear(&u);
	assert_int_equal(u.port_num, -1);
	/* A NULL err is allowed. */
	assert_int_equal(pz_uri_parse("nope", &u, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_splits_and_rejects_as_tabled),
		cmocka_unit_test(test_uri_clear_is_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
