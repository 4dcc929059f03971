/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The `pizauth` command: one file per subcommand, each offering a
 * struct cmd_entry; main.c gathers them.  Client commands link the core
 * and jansson only, so they start as fast as a process can.
 */
#ifndef PZC_CLIENT_H
#define PZC_CLIENT_H

#include <stddef.h>

#include "core/buf.h"

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments, for the usage text */
	int		(*exec)(int argc, char **argv);	/* returns exit status */
};

extern const struct cmd_entry cmd_dump_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_refresh_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_revoke_entry;
extern const struct cmd_entry cmd_server_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_shutdown_entry;
extern const struct cmd_entry cmd_status_entry;

/* Print usage to stderr and return 1 (pizauth's answer to bad arguments). */
int	client_usage(void);
/* Parse the options every command shares (-h, -v) plus `extra` (getopt
 * letters, may be NULL); calls on_opt for each extra letter.  Returns the
 * index of the first operand, or -1 after printing usage. */
int	client_getopt(int argc, char **argv, const char *extra,
	    void (*on_opt)(int opt, const char *arg, void *ctx), void *ctx);
/* An on_opt for client_getopt() that sets the int at ctx (e.g. -u). */
void	client_opt_flag(int opt, const char *arg, void *ctx);
/* Print a message the way pizauth's client reports errors, return 1. */
int	client_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Long enough for any answer the daemon gives without being asked to
 * wait (a device-flow account waits for the provider's code). */
#define CLIENT_TIMEOUT_MS	(60 * 1000)

/* Send req to the daemon and put the whole reply in reply, waiting at
 * most timeout_ms.  On failure prints the error and returns -1. */
int	client_call(const char *req, size_t reqlen, struct pz_buf *reply,
	    int timeout_ms);
/* Handle the common reply shapes: `ok:` -> 0; `error:MSG` -> prints MSG,
 * 1; anything else -> "Malformed response", 1. */
int	client_expect_ok(const struct pz_buf *reply);
/* Shared by show and refresh: an answer `pending:URL`. */
int	client_pending(const char *url, size_t len);

#endif
