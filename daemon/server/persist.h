/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * `pizauth dump` and `pizauth restore` on the daemon's side: the ACTIVE
 * tokens out (core/dump.h seals them), and back in by pizauth's rules: an
 * entry is used only for an account of the same name whose security-
 * relevant settings are unchanged, and only if that account has no active
 * token; everything else in the dump is ignored without comment.
 */
#ifndef PZD_PERSIST_H
#define PZD_PERSIST_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct server;

int	persist_dump(struct server *srv, struct pz_buf *out,
	    struct pz_err *err);
int	persist_restore(struct server *srv, const void *data, size_t len,
	    struct pz_err *err);

#endif
