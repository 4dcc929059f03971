/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for core/device.c.  Input: two bytes of HTTP
 * status, then the body.  Checks the promises device.h makes whatever the
 * provider sends.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/device.h"
#include "core/token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

/* Text for logs: NUL-terminated in its buffer, no control characters. */
static void
check_text(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	CHECK(i < max);
}

static void
check_string(const char *s)
{
	CHECK(s != NULL && s[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_device_resp r;
	struct pz_err err;
	long status;
	int rc;

	if (size < 2)
		return 0;
	/* 0..699 covers every class and some nonsense; 200 is the most
	 * interesting, so half the inputs get it. */
	status = (long)((data[0] << 8 | data[1]) % 1400);
	if (status >= 700)
		status = 200;
	data += 2;
	size -= 2;

	/* out is output only: garbage in it must not matter. */
	memset(&r, 0xa5, sizeof(r));
	memset(&err, 0xa5, sizeof(err));
	rc = pz_device_parse(status, (const char *)data, size, &r, &err);
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		check_text(err.msg, sizeof(err.msg));
		CHECK(r.device_code == NULL && r.user_code == NULL);
		CHECK(r.verification_uri == NULL);
		CHECK(r.verification_uri_complete == NULL);
		CHECK(r.expires_in == 0 && r.interval == 0);
		return 0;
	}
	CHECK(status >= 200 && status <= 299);
	check_string(r.device_code);
	check_string(r.user_code);
	check_string(r.verification_uri);
	if (r.verification_uri_complete != NULL)
		check_string(r.verification_uri_complete);
	CHECK(r.expires_in > 0 && r.expires_in <= PZ_TOKEN_SECS_MAX);
	CHECK(r.interval > 0 && r.interval <= PZ_TOKEN_SECS_MAX);
	pz_device_resp_clear(&r);
	CHECK(r.device_code == NULL && r.user_code == NULL);
	CHECK(r.verification_uri == NULL && r.expires_in == 0);
	return 0;
}
