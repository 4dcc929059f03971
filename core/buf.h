/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * A growable byte buffer, always NUL-terminated after its contents so it can
 * be used as a C string.  pz_buf_clear() wipes before freeing: buffers carry
 * replies that hold tokens.
 */
#ifndef PZ_BUF_H
#define PZ_BUF_H

#include <stddef.h>

struct pz_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define PZ_BUF_INIT	{ NULL, 0, 0 }

int	pz_buf_append(struct pz_buf *b, const void *p, size_t len);
int	pz_buf_puts(struct pz_buf *b, const char *s);
int	pz_buf_printf(struct pz_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" for an empty buffer). */
const char *pz_buf_str(const struct pz_buf *b);
/* Take ownership of the data (NULL if empty); the buffer is reset. */
char	*pz_buf_steal(struct pz_buf *b);
/* Wipe, free and reset. */
void	pz_buf_clear(struct pz_buf *b);

#endif
