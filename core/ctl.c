/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Splitting control-protocol messages. */
#include <string.h>

#include "core/ctl.h"

int
pz_ctl_split(const char *buf, size_t len, struct pz_ctl_msg *m)
{
	const char *colon;

	if (buf == NULL || (colon = memchr(buf, ':', len)) == NULL)
		return -1;
	m->head = buf;
	m->headlen = (size_t)(colon - buf);
	m->body = colon + 1;
	m->bodylen = len - m->headlen - 1;
	return 0;
}

int
pz_ctl_head_is(const struct pz_ctl_msg *m, const char *s)
{
	size_t n = strlen(s);

	return m->headlen == n && memcmp(m->head, s, n) == 0;
}

int
pz_ctl_body_word(const struct pz_ctl_msg *m, const char **word,
    size_t *wordlen, const char **rest, size_t *restlen)
{
	const char *sp;

	if ((sp = memchr(m->body, ' ', m->bodylen)) == NULL)
		return -1;
	*word = m->body;
	*wordlen = (size_t)(sp - m->body);
	*rest = sp + 1;
	*restlen = m->bodylen - *wordlen - 1;
	return 0;
}
