/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for helpers/passwordeval: the request, the classification of
 * the daemon's replies, the printed formats, and a call to a fake daemon. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/secret.h"
#include "helpers/passwordeval/pweval.h"
#include "tests/unit/fake_daemon.h"

static void
test_passwordeval_request_names_the_account_only(void **state)
{
	/* An explicit account wins: user and host are not sent. */
	struct pweval_query q = { "my work", "u@example.com", "imap.example.com",
	    "993", 0 };
	struct pz_buf req = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pweval_ask_request(&q, &req, &err), 0);
	assert_string_equal(pz_buf_str(&req),
	    "showtoken_match:withurl 0\naccount=my work");
	pz_buf_clear(&req);
}

static void
test_passwordeval_request_matches_by_user_and_host(void **state)
{
	struct pweval_query q = { NULL, "u@example.com", "imap.example.com",
	    "993", 30 };
	struct pweval_query v6 = { NULL, NULL, "::1", "993", 0 };
	struct pz_buf req = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pweval_ask_request(&q, &req, &err), 0);
	assert_string_equal(pz_buf_str(&req), "showtoken_match:withurl 30\n"
	    "user=u@example.com\nhost=imap.example.com:993");
	pz_buf_clear(&req);
	/* A port after an IPv6 address would be read as part of it. */
	assert_int_equal(pweval_ask_request(&v6, &req, &err), 0);
	assert_string_equal(pz_buf_str(&req),
	    "showtoken_match:withurl 0\nhost=::1");
	pz_buf_clear(&req);
}

static void
test_passwordeval_request_refuses_what_cannot_be_sent(void **state)
{
	struct pweval_query none = { NULL, NULL, NULL, NULL, 0 };
	struct pweval_query nl = { NULL, "u\naccount=other", NULL, NULL, 0 };
	struct pweval_query empty = { "", NULL, NULL, NULL, 0 };
	struct pz_buf req = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pweval_ask_request(&none, &req, &err), -1);
	pz_buf_clear(&req);
	assert_int_equal(pweval_ask_request(&nl, &req, &err), -1);
	assert_string_equal(err.msg, "The account, user or host must not "
	    "be empty, too long, or hold a newline");
	pz_buf_clear(&req);
	assert_int_equal(pweval_ask_request(&empty, &req, &err), -1);
	pz_buf_clear(&req);
}

static const struct {
	const char		*reply;
	enum pweval_status	 status;
	const char		*want;	/* the token, or the message */
} replies[] = {
	{ "access_token:T0K", PWEVAL_OK, "T0K" },
	{ "pending:https://p.example/auth?x=1",
	  PWEVAL_PENDING, "Access token unavailable until authorised with URL "
	  "https://p.example/auth?x=1" },
	{ "pending:https://p.example/device using code ABCD",
	  PWEVAL_PENDING, "Access token unavailable until authorised with URL "
	  "https://p.example/device using code ABCD" },
	{ "pending:", PWEVAL_PENDING, "Access token unavailable until "
	  "authorised" },
	{ "nomatch:No account 'x'", PWEVAL_NO_ACCOUNT, "No account 'x'" },
	{ "nomatch:No account lists user 'u'", PWEVAL_NO_ACCOUNT,
	  "No account lists user 'u'" },
	{ "ambiguous:Several accounts match; name one of: a b",
	  PWEVAL_NO_ACCOUNT, "Several accounts match; name one of: a b" },
	{ "error:Access token has expired and refreshing has not yet "
	  "succeeded", PWEVAL_FAILED, "Access token has expired and "
	  "refreshing has not yet succeeded" },
	/* Malformed: no colon, unknown kind, a token that would print as
	 * two lines, an empty token. */
	{ "access_token", PWEVAL_FAILED, "Malformed response from pizauth" },
	{ "details:{\"access_token\":\"T0K\"}", PWEVAL_FAILED,
	  "Malformed response from pizauth" },
	{ "access_token:a\nb", PWEVAL_FAILED, "Malformed response from pizauth" },
	{ "access_token:a\r", PWEVAL_FAILED, "Malformed response from pizauth" },
	{ "access_token:", PWEVAL_FAILED, "Malformed response from pizauth" },
};

static void
test_passwordeval_reply_classified(void **state)
{
	struct pz_err err;
	char *token;
	size_t i;

	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(pweval_ask_reply(replies[i].reply,
		    strlen(replies[i].reply), &token, &err), replies[i].status);
		if (replies[i].status == PWEVAL_OK) {
			assert_string_equal(token, replies[i].want);
			pz_secret_free(token);
		} else {
			assert_null(token);
			assert_string_equal(err.msg, replies[i].want);
		}
	}
	assert_int_equal(pweval_ask_reply(NULL, 0, &token, &err),
	    PWEVAL_FAILED);
}

static void
test_passwordeval_format_parse(void **state)
{
	enum pweval_format f;

	assert_int_equal(pweval_format_parse("token", &f), 0);
	assert_int_equal(f, PWEVAL_FMT_TOKEN);
	assert_int_equal(pweval_format_parse("xoauth2", &f), 0);
	assert_int_equal(f, PWEVAL_FMT_XOAUTH2);
	assert_int_equal(pweval_format_parse("oauthbearer", &f), 0);
	assert_int_equal(f, PWEVAL_FMT_OAUTHBEARER);
	assert_int_equal(pweval_format_parse("XOAUTH2", &f), -1);
	assert_int_equal(pweval_format_parse("", &f), -1);
}

/* pweval_format()'s output must be the base64 of exactly want. */
static void
assert_formats_to(enum pweval_format fmt, const struct pweval_query *q,
    const char *want)
{
	struct pz_buf out = PZ_BUF_INIT, b64 = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pweval_format(fmt, q, "T0K", &out, &err), 0);
	assert_int_equal(pz_b64_encode(want, strlen(want), &b64), 0);
	assert_string_equal(pz_buf_str(&out), pz_buf_str(&b64));
	pz_buf_clear(&out);
	pz_buf_clear(&b64);
}

static void
test_passwordeval_format_sasl_strings(void **state)
{
	struct pweval_query full = { "a", "u@example.com", "imap.example.com",
	    "993", 0 };
	struct pweval_query bare = { "a", NULL, NULL, NULL, 0 };
	struct pweval_query odd = { "a", "a,b=c", "h", NULL, 0 };
	struct pz_buf out = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pweval_format(PWEVAL_FMT_TOKEN, &bare, "T0K", &out,
	    &err), 0);
	assert_string_equal(pz_buf_str(&out), "T0K");
	pz_buf_clear(&out);

	assert_formats_to(PWEVAL_FMT_XOAUTH2, &full,
	    "user=u@example.com\001auth=Bearer T0K\001\001");
	assert_formats_to(PWEVAL_FMT_OAUTHBEARER, &full,
	    "n,a=u@example.com,\001host=imap.example.com\001port=993\001"
	    "auth=Bearer T0K\001\001");
	assert_formats_to(PWEVAL_FMT_OAUTHBEARER, &bare,
	    "n,,\001auth=Bearer T0K\001\001");
	/* RFC 5801 saslname: ',' is =2C and '=' is =3D. */
	assert_formats_to(PWEVAL_FMT_OAUTHBEARER, &odd,
	    "n,a=a=2Cb=3Dc,\001host=h\001auth=Bearer T0K\001\001");

	assert_int_equal(pweval_format(PWEVAL_FMT_XOAUTH2, &bare, "T0K", &out,
	    &err), -1);
	pz_buf_clear(&out);
}

static void
test_passwordeval_ask_gets_token_from_daemon(void **state)
{
	struct pweval_query q = { NULL, "u@example.com", NULL, NULL, 5 };
	struct pz_err err;
	struct fake_daemon f;
	char *token;

	fake_daemon_start(&f, "showtoken_match:withurl 5\nuser=u@example.com",
	    "access_token:T0K");
	assert_int_equal(pweval_ask(&q, &token, &err), PWEVAL_OK);
	assert_string_equal(token, "T0K");
	pz_secret_free(token);
	fake_daemon_stop(&f);
}

static void
test_passwordeval_ask_without_daemon_says_not_running(void **state)
{
	struct pweval_query q = { "w", NULL, NULL, NULL, 0 };
	struct pz_err err;
	struct fake_daemon f;
	char *token;

	fake_daemon_start(&f, NULL, NULL);
	assert_int_equal(pweval_ask(&q, &token, &err), PWEVAL_NOT_RUNNING);
	assert_null(token);
	assert_string_equal(err.msg,
	    "pizauth authenticator not running or not responding");
	fake_daemon_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwordeval_request_names_the_account_only),
		cmocka_unit_test(test_passwordeval_request_matches_by_user_and_host),
		cmocka_unit_test(test_passwordeval_request_refuses_what_cannot_be_sent),
		cmocka_unit_test(test_passwordeval_reply_classified),
		cmocka_unit_test(test_passwordeval_format_parse),
		cmocka_unit_test(test_passwordeval_format_sasl_strings),
		cmocka_unit_test(test_passwordeval_ask_gets_token_from_daemon),
		cmocka_unit_test(test_passwordeval_ask_without_daemon_says_not_running),
	};

	return cmocka_run_group_tests_name("passwordeval", tests, NULL, NULL);
}
