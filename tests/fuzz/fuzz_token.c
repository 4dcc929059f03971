/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for core/token.c.  Input: two bytes of HTTP status,
 * a Retry-After value up to the first newline, then the body.  Checks the
 * promises token.h makes whatever the provider sends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

/* Text for logs: bounded, no control characters. */
static void
check_text(const char *s, size_t max)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s[i] != '\0'; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	CHECK(i < max);
}

static void
check_secs(int64_t v)
{
	CHECK(v == -1 || (v >= 0 && v <= PZ_TOKEN_SECS_MAX));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_token_resp r;
	const uint8_t *nl;
	char *ra = NULL;
	long status;
	enum pz_token_outcome o;

	if (size < 2)
		return 0;
	/* 0..699 covers every class and some nonsense. */
	status = (long)((data[0] << 8 | data[1]) % 700);
	data += 2;
	size -= 2;
	if ((nl = memchr(data, '\n', size)) != NULL) {
		if ((ra = malloc((size_t)(nl - data) + 1)) == NULL)
			return 0;
		memcpy(ra, data, (size_t)(nl - data));
		ra[nl - data] = '\0';
		size -= (size_t)(nl - data) + 1;
		data = nl + 1;
		check_secs(pz_token_retry_after(ra, 0));
	}

	o = pz_token_parse(status, ra, (const char *)data, size, &r);
	CHECK(o == r.outcome);
	CHECK(o >= PZ_TOKEN_OK && o <= PZ_TOKEN_PERMANENT);
	check_text(r.msg, sizeof(r.msg));
	check_text(r.error, PZ_TOKEN_TEXT_MAX);
	check_text(r.error_description, PZ_TOKEN_TEXT_MAX);
	check_secs(r.retry_after);
	check_secs(r.expires_in);
	CHECK((r.refresh == PZ_RT_SET) == (r.refresh_token != NULL));
	if (o == PZ_TOKEN_OK) {
		CHECK(r.access_token != NULL && r.access_token[0] != '\0');
		/* msg never carries a token ("OK" is shorter than 3). */
		if (strlen(r.access_token) >= 3)
			CHECK(strstr(r.msg, r.access_token) == NULL);
		CHECK(r.error == NULL);
	} else {
		CHECK(r.access_token == NULL);
		CHECK(r.refresh == PZ_RT_ABSENT);
		CHECK(r.expires_in == -1);
	}
	if (status == 408 || status == 429 || (status >= 500 && status <= 599))
		CHECK(o == PZ_TOKEN_TRANSIENT);
	pz_token_resp_clear(&r);
	free(ra);
	return 0;
}
