/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The `pizauth dump` format: the active tokens, each with the fingerprint of
 * the account settings that obtained it, sealed with ChaCha20-Poly1305 under
 * a key built into the program.  Sealing keeps tokens away from `strings`
 * and `grep` and lets restore reject garbage; it is not encryption, since
 * anyone with the program has the key.
 */
#ifndef PZ_DUMP_H
#define PZ_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct pz_dump_entry {
	char	*account;		/* account name */
	char	 fingerprint[65];	/* pz_account_fingerprint() */
	char	*access_token;
	char	*refresh_token;		/* NULL if none */
	int64_t	 obtained;		/* Unix time, seconds */
	int64_t	 expiry;		/* Unix time, seconds */
};

/* Seal n entries into out (appended). */
int	pz_dump_encode(const struct pz_dump_entry *ents, size_t n,
	    struct pz_buf *out, struct pz_err *err);
/* Open and parse a dump; on success *ents and *n are set (free *ents with
 * pz_dump_entries_free()).  Garbage, truncation, tampering and unknown
 * versions are errors. */
int	pz_dump_decode(const void *data, size_t len,
	    struct pz_dump_entry **ents, size_t *n, struct pz_err *err);
void	pz_dump_entries_free(struct pz_dump_entry *ents, size_t n);

/* Seal len arbitrary bytes as pz_dump_encode() seals its JSON (appended to
 * out): for tests and fuzzers that need dumps encode would never write. */
int	pz_dump_seal(const void *plain, size_t len, struct pz_buf *out,
	    struct pz_err *err);

#endif
