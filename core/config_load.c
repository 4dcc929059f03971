/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Reading pizauth.conf from a file, with pizauth's read errors. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/config_lex.h"
#include "core/config_p.h"

/* A path as Rust's {:?} shows it, which is how pizauth names the file. */
static int
put_debug_path(struct pz_buf *b, const char *path)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t i, n;

	if (pz_buf_puts(b, "\"") == -1)
		return -1;
	for (i = 0; s[i] != '\0'; i += n) {
		n = 1;
		if (s[i] == '"' || s[i] == '\\') {
			if (pz_buf_printf(b, "\\%c", s[i]) == -1)
				return -1;
		} else if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			if (pz_buf_puts(b, s[i] == '\t' ? "\\t" :
			    s[i] == '\n' ? "\\n" : "\\r") == -1)
				return -1;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			if (pz_buf_printf(b, "\\u{%x}", s[i]) == -1)
				return -1;
		} else if (s[i] < 0x80) {
			if (pz_buf_append(b, s + i, 1) == -1)
				return -1;
		} else {
			for (n = 1; n < 4 && (s[i + n] & 0xc0) == 0x80; n++)
				;
			if (pz_lex_utf8_valid((const char *)s + i, n)) {
				if (pz_buf_append(b, s + i, n) == -1)
					return -1;
			} else {
				n = 1;
				if (pz_buf_printf(b, "\\x%02X", s[i]) == -1)
					return -1;
			}
		}
	}
	return pz_buf_puts(b, "\"");
}

static int
read_error(const char *path, const char *why, int errnum,
    struct pz_err *err)
{
	struct pz_buf b = PZ_BUF_INIT;
	int rc;

	if (pz_buf_puts(&b, "Can't read ") == -1 ||
	    put_debug_path(&b, path) == -1 ||
	    (errnum != 0 ? pz_buf_printf(&b, ": %s (os error %d)",
	    strerror(errnum), errnum) : pz_buf_printf(&b, ": %s", why)) == -1)
		rc = pz_cfg_oom(err);
	else
		rc = pz_cfg_set_err(err, &b);
	pz_buf_clear(&b);
	return rc;
}

struct pz_config *
pz_config_load(const char *path, struct pz_err *err)
{
	struct pz_config *conf;
	struct pz_buf b = PZ_BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		read_error(path, NULL, errno, err);
		return NULL;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			read_error(path, NULL, errno, err);
			goto fail;
		}
		if (n == 0)
			break;
		if (pz_buf_append(&b, chunk, (size_t)n) == -1) {
			pz_cfg_oom(err);
			goto fail;
		}
	}
	close(fd);
	fd = -1;
	if (b.len > 0 && !pz_lex_utf8_valid(b.data, b.len)) {
		read_error(path, "stream did not contain valid UTF-8", 0, err);
		goto fail;
	}
	conf = pz_config_parse(pz_buf_str(&b), b.len, err);
	/* The file may hold a client secret. */
	pz_buf_clear(&b);
	return conf;
fail:
	if (fd != -1)
		close(fd);
	pz_buf_clear(&b);
	return NULL;
}

