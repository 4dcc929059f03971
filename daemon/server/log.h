/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The daemon's log: stderr under -d, syslog otherwise.  Level 0 shows
 * errors and warnings; each -v adds one level (info, debug, trace).
 * Messages are escaped so outside text cannot forge log lines; callers
 * never pass tokens, codes, verifiers or refresh tokens.  errno is kept.
 */
#ifndef PZD_LOG_H
#define PZD_LOG_H

enum log_level {
	LOG_LEVEL_WARN,		/* errors and warnings: always */
	LOG_LEVEL_INFO,		/* -v */
	LOG_LEVEL_DEBUG,	/* -vv */
	LOG_LEVEL_TRACE,	/* -vvv and beyond */
};

/* to_stderr: 1 under -d.  verbosity: the number of -v flags. */
void	log_init(const char *progname, int to_stderr, int verbosity);
/* Switch to syslog after daemonising (stderr is gone by then). */
void	log_to_syslog(void);
int	log_enabled(enum log_level level);

/* The _warn variants append ": strerror(errno)"; the x ones do not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
