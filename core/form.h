/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * application/x-www-form-urlencoded, byte for byte as the URL Standard
 * serialises it, which is how pizauth writes the query of its
 * authorisation URLs and the bodies of its token requests: ASCII letters,
 * digits and "*-._" stay as they are, a space becomes '+', and every other
 * byte becomes %XX in upper case.
 */
#ifndef PZ_FORM_H
#define PZ_FORM_H

#include "core/buf.h"

/* Append name=value to b, after a '&' unless b is empty.  b wipes itself,
 * so a secret value leaves no copy behind.  Returns 0 or -1 (out of
 * memory). */
int	pz_form_append(struct pz_buf *b, const char *name, const char *value);

#endif
