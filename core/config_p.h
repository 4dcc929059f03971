/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* What the config modules share: the syntax check and its grammar. */
#ifndef PZ_CONFIG_P_H
#define PZ_CONFIG_P_H

#include <stddef.h>

#include "core/buf.h"
#include "core/config_lex.h"
#include "core/err.h"

/*
 * The value a key takes, which is all the grammar needs to know of it:
 * `key = "s";`, `key = 5m;`, `key = "s" | none;`, `key = ["a", "b"];`,
 * `key = {"k": "v"};`.
 */
enum pz_vk {
	PZ_VK_BAD,		/* not a key in this context */
	PZ_VK_STRING,
	PZ_VK_TIME,
	PZ_VK_LISTEN,
	PZ_VK_LIST,
	PZ_VK_MAP
};

/* The value kind of a top-level key or an account key. */
enum pz_vk	pz_cfg_global_key(enum pz_tk kind);
enum pz_vk	pz_cfg_account_key(enum pz_tk kind);

/*
 * Check toks against the grammar, recovering from errors as pizauth's
 * parser does and appending each error's message (newline-separated) to
 * errs.  Returns 0 if the tokens are grammatical, 1 if errs was written
 * to, -1 on allocation failure.
 */
int		pz_cfg_syntax(const char *text, size_t len,
		    const struct pz_toks *toks, struct pz_buf *errs);

/* Append src[0..len) to b as pizauth prints source text: a NUL (which C
 * strings can't carry) as "\0", and, if nl, each newline as "\n". */
int		pz_cfg_put_source(struct pz_buf *b, const char *src,
		    size_t len, int nl);

/* Copy a built message into err, cut at a character boundary; -1. */
int		pz_cfg_set_err(struct pz_err *err, const struct pz_buf *b);
/* Say "out of memory" in err; -1. */
int		pz_cfg_oom(struct pz_err *err);

#endif
