/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/sasl_msg.c: the exact XOAUTH2 and OAUTHBEARER bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/sasl_msg.h"

static void
test_sasl_msg_xoauth2_exact(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;

	assert_int_equal(pz_sasl_xoauth2("me@x.org", "T0K", &b), 0);
	assert_string_equal(pz_buf_str(&b),
	    "user=me@x.org\001auth=Bearer T0K\001\001");
	pz_buf_clear(&b);
	/* No user, or a ^A anywhere: refused. */
	assert_int_equal(pz_sasl_xoauth2(NULL, "T", &b), -1);
	assert_int_equal(pz_sasl_xoauth2("a\001b", "T", &b), -1);
	assert_int_equal(pz_sasl_xoauth2("a", "T\001", &b), -1);
	pz_buf_clear(&b);
}

static void
test_sasl_msg_oauthbearer_exact(void **state)
{
	static const struct {
		const char *authzid, *host, *port, *want;
	} cases[] = {
		{ "me@x.org", "imap.x.org", "993",
		    "n,a=me@x.org,\001host=imap.x.org\001port=993\001"
		    "auth=Bearer T\001\001" },
		{ "a,b=c", NULL, NULL,
		    "n,a=a=2Cb=3Dc,\001auth=Bearer T\001\001" },
		{ NULL, "h", NULL, "n,,\001host=h\001auth=Bearer T\001\001" },
		{ "", NULL, "25", "n,,\001port=25\001auth=Bearer T\001\001" },
	};
	struct pz_buf b = PZ_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pz_sasl_oauthbearer(cases[i].authzid,
		    cases[i].host, cases[i].port, "T", &b), 0);
		assert_string_equal(pz_buf_str(&b), cases[i].want);
		pz_buf_clear(&b);
	}
	assert_int_equal(pz_sasl_oauthbearer("u", "h\001", NULL, "T", &b), -1);
	pz_buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sasl_msg_xoauth2_exact),
		cmocka_unit_test(test_sasl_msg_oauthbearer_exact),
	};

	return cmocka_run_group_tests_name("sasl_msg", tests, NULL, NULL);
}
