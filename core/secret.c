/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Wiping and comparing memory that held secrets. */
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"

void
pz_wipe(void *p, size_t len)
{
	if (p != NULL)
		explicit_bzero(p, len);
}

void
pz_secret_free(char *s)
{
	if (s == NULL)
		return;
	pz_wipe(s, strlen(s));
	free(s);
}

char *
pz_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

char *
pz_strndup(const char *s, size_t len)
{
	return s == NULL ? NULL : strndup(s, len);
}

int
pz_secret_eq(const char *a, const char *b)
{
	size_t la, lb, i;
	unsigned char diff;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	diff = la != lb;

	/* Walk the longer string so timing depends on lengths only. */
	for (i = 0; i < (la > lb ? la : lb); i++)
		diff |= (unsigned char)(i < la ? a[i] : 0) ^
		    (unsigned char)(i < lb ? b[i] : 0);
	return diff == 0;
}
