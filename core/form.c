/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* application/x-www-form-urlencoded serialisation (see form.h). */
#include <string.h>

#include "core/form.h"

static int
kept(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '*' || ch == '-' || ch == '.' ||
	    ch == '_';
}

/* Append s encoded: runs of bytes that stay go in whole. */
static int
encode(struct pz_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char esc[3] = { '%', 0, 0 };
	size_t run;

	while (*p != '\0') {
		for (run = 0; kept(p[run]); run++)
			;
		if (run > 0 && pz_buf_append(b, p, run) == -1)
			return -1;
		p += run;
		if (*p == '\0')
			break;
		if (*p == ' ') {
			if (pz_buf_append(b, "+", 1) == -1)
				return -1;
		} else {
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 0xf];
			if (pz_buf_append(b, esc, sizeof(esc)) == -1)
				return -1;
		}
		p++;
	}
	return 0;
}

int
pz_form_append(struct pz_buf *b, const char *name, const char *value)
{
	if ((b->len > 0 && pz_buf_append(b, "&", 1) == -1) ||
	    encode(b, name) == -1 || pz_buf_append(b, "=", 1) == -1 ||
	    encode(b, value) == -1)
		return -1;
	return 0;
}
