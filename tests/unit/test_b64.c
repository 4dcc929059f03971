/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/b64.c: RFC 4648's test vectors and binary input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/b64.h"
#include "core/buf.h"

static const struct {
	const char	*in;
	const char	*out;
} vectors[] = {
	/* RFC 4648 section 10. */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	/* The last two letters of the alphabet. */
	{ "\xfb\xff", "+/8=" },
	/* An XOAUTH2 initial response. */
	{ "user=u@example.com\001auth=Bearer tok\001\001",
	  "dXNlcj11QGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHRvawEB" },
};

static void
test_b64_encodes_rfc4648_vectors(void **state)
{
	struct pz_buf out = PZ_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(pz_b64_encode(vectors[i].in,
		    strlen(vectors[i].in), &out), 0);
		assert_string_equal(pz_buf_str(&out), vectors[i].out);
		assert_int_equal(out.len, strlen(vectors[i].out));
		pz_buf_clear(&out);
	}
}

static void
test_b64_appends_to_what_is_there(void **state)
{
	struct pz_buf out = PZ_BUF_INIT;

	assert_int_equal(pz_buf_puts(&out, "AUTH "), 0);
	assert_int_equal(pz_b64_encode("foo", 3, &out), 0);
	assert_string_equal(pz_buf_str(&out), "AUTH Zm9v");
	pz_buf_clear(&out);
}

static void
test_b64_encodes_every_byte_value(void **state)
{
	/* Python: base64.b64encode(bytes(range(256)))[:24] and its tail. */
	unsigned char all[256];
	struct pz_buf out = PZ_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	assert_int_equal(pz_b64_encode(all, sizeof(all), &out), 0);
	assert_int_equal(out.len, 344);
	assert_memory_equal(out.data, "AAECAwQFBgcICQoLDA0ODxAR", 24);
	assert_string_equal(out.data + 344 - 8, "/P3+/w==");
	pz_buf_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_encodes_rfc4648_vectors),
		cmocka_unit_test(test_b64_appends_to_what_is_there),
		cmocka_unit_test(test_b64_encodes_every_byte_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
