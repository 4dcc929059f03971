/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Shared by the control command files (control_*.c) only. */
#ifndef PZD_CONTROL_P_H
#define PZD_CONTROL_P_H

#include <stddef.h>

#include "core/buf.h"
#include "core/ctl.h"
#include "daemon/server/control.h"

struct ctl_conn;
struct server;

/* Names longer than this in an error reply are cut. */
#define ECHO_MAX	64

typedef enum ctl_result (*ctl_handler)(struct server *, struct ctl_conn *,
    const struct pz_ctl_msg *, struct pz_buf *);

/* Replace reply with "error:" and printf-style text. */
enum ctl_result	reply_error(struct pz_buf *reply, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Copy at most ECHO_MAX bytes of outside text, printable ASCII only. */
void		echo_safe(char *out, size_t outlen, const char *s, size_t len);

/* control_token.c */
enum ctl_result	cmd_showtoken(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);
enum ctl_result	cmd_showtoken_wait(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);
enum ctl_result	cmd_showtoken_match(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);
enum ctl_result	cmd_token_details(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);
enum ctl_result	cmd_refresh(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);

/* control_status.c */
enum ctl_result	cmd_info(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);
enum ctl_result	cmd_status(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);
enum ctl_result	cmd_status_json(struct server *, struct ctl_conn *,
		    const struct pz_ctl_msg *, struct pz_buf *);

#endif
