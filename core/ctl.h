/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The control protocol, pizauth's own: a Unix stream socket, one request
 * per connection.  The client writes `COMMAND:ARGS`, shuts down its write
 * side and reads the reply `KIND:PAYLOAD` until EOF.  This module splits
 * and names messages; it does no I/O (see ctl_client.h for that).
 */
#ifndef PZ_CTL_H
#define PZ_CTL_H

#include <stddef.h>

/* Requests and replies larger than this are refused: a dump of many
 * accounts is a few KiB. */
#define PZ_CTL_MAX_MSG		(1024 * 1024)

/* Either side of the protocol: "head:body".  Not NUL-terminated. */
struct pz_ctl_msg {
	const char	*head;
	size_t		 headlen;
	const char	*body;
	size_t		 bodylen;
};

/* Split at the first ':'.  Returns -1 if there is none. */
int	pz_ctl_split(const char *buf, size_t len, struct pz_ctl_msg *m);
/* Does the head equal s? */
int	pz_ctl_head_is(const struct pz_ctl_msg *m, const char *s);
/* Split a body "WORD REST" at the first space (pizauth's "withurl ACCOUNT").
 * Returns -1 if there is no space. */
int	pz_ctl_body_word(const struct pz_ctl_msg *m, const char **word,
	    size_t *wordlen, const char **rest, size_t *restlen);

#endif
