/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * git's credential description, read exactly as git writes it to a helper
 * (git-credential(1), "INPUT/OUTPUT FORMAT"): key=value lines up to a
 * blank line or the end of input, a CR before the LF being part of the
 * line end; a later value of a key replaces an earlier one; a key ending
 * in [] holds a list that an empty value resets; url= stands for its
 * parts; keys and capabilities we do not know are ignored, so a newer git
 * still works with this helper.  Secrets are wiped when let go.
 */
#ifndef GITCRED_H
#define GITCRED_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"

/* git's limit for a line, its newline included. */
#define GITCRED_LINE_MAX	65535

/* capability[] values this helper understands, as bits. */
#define GITCRED_CAP_AUTHTYPE	0x1	/* authtype, credential, ephemeral */

struct gitcred {
	char		*protocol;
	char		*host;		/* with ":port" if the URL has one */
	char		*path;
	char		*username;
	char		*password;	/* secret */
	char		*authtype;
	char		*credential;	/* secret: a pre-encoded credential */
	unsigned	 caps;		/* GITCRED_CAP_* git announced */
};

#define GITCRED_INIT	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

void	gitcred_init(struct gitcred *c);
/* Wipe the secrets, free every field and re-init. */
void	gitcred_clear(struct gitcred *c);

/* Read a description from fp up to a blank line or EOF into c (fields
 * already set may be replaced).  -1 with err on a line without '=', a NUL
 * byte, a line over GITCRED_LINE_MAX, an unparsable url= or a read error. */
int	gitcred_read(struct gitcred *c, FILE *fp, struct pz_err *err);
/* One line, without its line end. */
int	gitcred_parse_line(struct gitcred *c, const char *line, size_t len,
	    struct pz_err *err);

/* Append "key=value\n" to out; -1 with err if value holds a CR or LF
 * (git would take it for a line end). */
int	gitcred_format(struct pz_buf *out, const char *key, const char *value,
	    struct pz_err *err);

#endif
