/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Base64 encoding, standard alphabet with padding. */
#include <stdint.h>

#include "core/b64.h"
#include "core/secret.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
pz_b64_encode(const void *in, size_t len, struct pz_buf *out)
{
	const unsigned char *p = in;
	char quad[4];
	size_t i, start = out->len;
	uint32_t v;

	if (len > (SIZE_MAX / 4) * 3 - 2)
		return -1;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		quad[0] = alphabet[(v >> 18) & 63];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? alphabet[v & 63] : '=';
		if (pz_buf_append(out, quad, sizeof(quad)) == -1) {
			/* Leave out as it was, minus what we wrote. */
			pz_wipe(out->data + start, out->len - start);
			out->len = start;
			if (out->data != NULL)
				out->data[start] = '\0';
			pz_wipe(quad, sizeof(quad));
			return -1;
		}
	}
	/* The input is usually a token: leave nothing of it behind. */
	pz_wipe(&v, sizeof(v));
	pz_wipe(quad, sizeof(quad));
	return 0;
}
