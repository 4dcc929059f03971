/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for core/dump.c.  The input is decoded twice: as a
 * sealed dump (garbage must be refused cleanly), and as the plaintext of a
 * dump sealed here, which reaches the JSON checks behind the tag.  What
 * decodes must encode and decode to the same entries.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/dump.h"
#include "core/err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Decode data; if it decodes, a re-encoding must decode to the same. */
static void
round_trip(const void *data, size_t len)
{
	struct pz_dump_entry *a = NULL, *b = NULL;
	struct pz_buf buf = PZ_BUF_INIT;
	struct pz_err err;
	size_t na = 0, nb = 0, i;

	err.msg[0] = '\0';
	if (pz_dump_decode(data, len, &a, &na, &err) == -1) {
		CHECK(a == NULL && na == 0 && err.msg[0] != '\0');
		return;
	}
	CHECK(pz_dump_encode(a, na, &buf, &err) == 0);
	CHECK(pz_dump_decode(buf.data, buf.len, &b, &nb, &err) == 0);
	CHECK(na == nb);
	for (i = 0; i < na; i++) {
		CHECK(streq(a[i].account, b[i].account));
		CHECK(streq(a[i].fingerprint, b[i].fingerprint));
		CHECK(streq(a[i].access_token, b[i].access_token));
		CHECK(streq(a[i].refresh_token, b[i].refresh_token));
		CHECK(a[i].obtained == b[i].obtained);
		CHECK(a[i].expiry == b[i].expiry);
	}
	pz_dump_entries_free(a, na);
	pz_dump_entries_free(b, nb);
	pz_buf_clear(&buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_buf sealed = PZ_BUF_INIT;
	struct pz_err err;

	round_trip(data, size);
	if (pz_dump_seal(data, size, &sealed, &err) == 0)
		round_trip(sealed.data, sealed.len);
	pz_buf_clear(&sealed);
	return 0;
}
