/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Errors as values: formatting into the caller's buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "core/err.h"

int
pz_errf(struct pz_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
