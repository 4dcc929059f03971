/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* A growable, NUL-terminated byte buffer that wipes itself. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/secret.h"

static int
reserve(struct pz_buf *b, size_t extra)
{
	size_t need, ncap;
	char *n;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	/* Not realloc: the old block may hold a secret and must be wiped. */
	if ((n = malloc(ncap)) == NULL)
		return -1;
	if (b->data != NULL) {
		memcpy(n, b->data, b->len + 1);
		pz_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = n;
	b->cap = ncap;
	return 0;
}

int
pz_buf_append(struct pz_buf *b, const void *p, size_t len)
{
	if (reserve(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
pz_buf_puts(struct pz_buf *b, const char *s)
{
	return pz_buf_append(b, s, strlen(s));
}

int
pz_buf_printf(struct pz_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
pz_buf_str(const struct pz_buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
pz_buf_steal(struct pz_buf *b)
{
	char *d = b->data;

	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void
pz_buf_clear(struct pz_buf *b)
{
	if (b->data != NULL) {
		pz_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}
