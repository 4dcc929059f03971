/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Making outside text safe for terminals, logs and hooks. */
#include <string.h>

#include "core/text.h"

/* Length of the UTF-8 sequence that lead byte c starts, 0 if c cannot
 * start one (overlong lead bytes included). */
static size_t
seqlen(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* The length of the well-formed UTF-8 character at p[i] (of len), or 0. */
static size_t
charlen(const unsigned char *p, size_t i, size_t len)
{
	size_t n = seqlen(p[i]), k;

	for (k = 1; k < n; k++)
		if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Is the n-byte character at p a C0 or C1 control (U+0080 to U+009F) or
 * DEL? */
static int
is_control(const unsigned char *p, size_t n)
{
	return (n == 1 && (p[0] < 0x20 || p[0] == 0x7f)) ||
	    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0);
}

void
pz_text_safe(const char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = charlen(p, i, len);
		if (n == 0 || is_control(p + i, n)) {
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			i += n == 0 ? 1 : n;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
}

int
pz_text_is_safe(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = charlen(p, i, len);
		if (n == 0 || is_control(p + i, n))
			return 0;
		i += n;
	}
	return 1;
}

int
pz_text_is_vschar(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

void
pz_text_trim_utf8(char *s)
{
	size_t len = strlen(s), i = len, cont = 0;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		cont++;
	}
	if (i > 0 && (unsigned char)s[i - 1] >= 0xc0 &&
	    seqlen((unsigned char)s[i - 1]) != cont + 1)
		s[i - 1] = '\0';
}
