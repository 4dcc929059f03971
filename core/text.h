/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Outside text on its way to a terminal, a log or a hook's environment: a
 * provider's error words or device code, a browser's query, a user or host
 * an adapter sends.  Such text must not carry escape sequences, whose C0
 * (ESC) and C1 (CSI, OSC) forms a terminal obeys, nor malformed UTF-8.
 */
#ifndef PZ_TEXT_H
#define PZ_TEXT_H

#include <stddef.h>

/* Copy s (len bytes) into out (outlen > 0 bytes, NUL-terminated), cut at
 * a character boundary, with C0 and C1 controls, DEL and malformed UTF-8
 * replaced by '?'. */
void	pz_text_safe(const char *s, size_t len, char *out, size_t outlen);
/* Is s (len bytes) well-formed UTF-8 without C0 or C1 controls or DEL? */
int	pz_text_is_safe(const char *s, size_t len);
/* Is s (len > 0 bytes) printable ASCII only, as tokens are (RFC 6749
 * appendix A: 1*VSCHAR)? */
int	pz_text_is_vschar(const char *s, size_t len);
/* Drop a UTF-8 sequence cut in half at the end of the string s. */
void	pz_text_trim_utf8(char *s);

#endif
