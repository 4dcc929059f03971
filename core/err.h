/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Errors as values.  A function that can fail returns -1 (or an enum) and
 * writes a sentence for people into the caller's struct pz_err; it never
 * prints.  The caller decides whether the sentence goes to stderr, syslog or
 * an `error:` reply.
 */
#ifndef PZ_ERR_H
#define PZ_ERR_H

#include <stddef.h>

struct pz_err {
	char	msg[4096];
};

/* Format into err->msg (if err is not NULL).  Always returns -1. */
int	pz_errf(struct pz_err *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
