/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Memory that held a secret (token, refresh token, code verifier, client
 * secret) is wiped before it is given back, so a later heap dump or a reused
 * allocation cannot reveal it.
 */
#ifndef PZ_SECRET_H
#define PZ_SECRET_H

#include <stddef.h>

/* Overwrite len bytes at p with zeros; never optimised away. */
void	 pz_wipe(void *p, size_t len);
/* Wipe a NUL-terminated string and free it.  NULL is a no-op. */
void	 pz_secret_free(char *s);
/* strdup / strndup that return NULL on NULL input or allocation failure. */
char	*pz_strdup(const char *s);
char	*pz_strndup(const char *s, size_t len);
/* Constant-time comparison of two strings; lengths may differ.  NULL
 * equals nothing, not even NULL: a missing secret never matches. */
int	 pz_secret_eq(const char *a, const char *b);

#endif
