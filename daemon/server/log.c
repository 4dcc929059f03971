/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The daemon's log: levels, escaping, stderr or syslog. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/server/log.h"

/* A longer message is cut: a provider's error page is not worth more. */
#define LOG_MSG_MAX	4096

static const char *log_progname = "pizauthd";
static int	   log_stderr = 1;
static int	   log_verbosity;

void
log_init(const char *progname, int to_stderr, int verbosity)
{
	if (progname != NULL)
		log_progname = progname;
	log_stderr = to_stderr;
	log_verbosity = verbosity < 0 ? 0 : verbosity;
	if (!log_stderr)
		openlog(log_progname, LOG_PID, LOG_DAEMON);
}

void
log_to_syslog(void)
{
	if (log_stderr) {
		log_stderr = 0;
		openlog(log_progname, LOG_PID, LOG_DAEMON);
	}
}

int
log_enabled(enum log_level level)
{
	return (int)level <= log_verbosity;
}

/*
 * Escape like vis(3) with VIS_OCTAL|VIS_CSTYLE|VIS_TAB|VIS_NL: C escapes for
 * the usual controls, \ooo for every other byte outside printable ASCII, and
 * the backslash doubled, so no input can start a line of its own.  Stops
 * before an escape that would not fit whole.
 */
static void
log_escape(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *s;
	char esc[5];
	size_t n, used = 0;

	for (s = (const unsigned char *)src; *s != '\0'; s++) {
		switch (*s) {
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		case '\a': memcpy(esc, "\\a", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		case '\v': memcpy(esc, "\\v", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		default:
			if (*s >= 0x20 && *s < 0x7f) {
				esc[0] = (char)*s;
				esc[1] = '\0';
			} else
				snprintf(esc, sizeof(esc), "\\%03o", *s);
			break;
		}
		n = strlen(esc);
		if (used + n >= dstlen)
			break;
		memcpy(dst + used, esc, n);
		used += n;
	}
	dst[used] = '\0';
}

/* errnum is -1 for none; otherwise its strerror() ends the message. */
static void
log_vwrite(int pri, const char *prefix, int errnum, const char *fmt,
    va_list ap)
{
	char raw[LOG_MSG_MAX], line[LOG_MSG_MAX * 4 + 256];
	size_t n;
	int saved = errno;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* The name and prefix are ours and short; cut them all the same. */
	snprintf(line, 128, "%s%s%s", log_stderr ? log_progname : "",
	    log_stderr ? ": " : "", prefix);
	n = strlen(line);
	/* Leave room for the strerror() text and the newline. */
	log_escape(line + n, sizeof(line) - n - 128, raw);
	n += strlen(line + n);
	if (errnum != -1)
		snprintf(line + n, sizeof(line) - n - 1, ": %s",
		    strerror(errnum));
	n += strlen(line + n);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (log_stderr) {
		line[n++] = '\n';
		/* One write, so concurrent writers do not split the line. */
		if (write(STDERR_FILENO, line, n) == -1) {
			/* Nowhere left to complain. */
		}
	} else {
		line[n] = '\0';
		syslog(pri, "%s", line);
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, "", saved, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, "", -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_INFO, "", -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(LOG_LEVEL_DEBUG))
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, "", -1, fmt, ap);
	va_end(ap);
}

void
log_trace(const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(LOG_LEVEL_TRACE))
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, "", -1, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "fatal: ", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "fatal: ", -1, fmt, ap);
	va_end(ap);
	exit(1);
}
