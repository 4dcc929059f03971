/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Telling a service manager how the server is (systemd's Type=notify):
 * READY=1 once requests are answered, RELOADING=1 and READY=1 around a
 * reload, STOPPING=1 on the way out.  The protocol is a datagram of text
 * to the socket named by $NOTIFY_SOCKET; like OpenSSH, we write it here
 * rather than link libsystemd's library tree into a process that holds
 * credentials.  Without $NOTIFY_SOCKET nothing is sent.
 */
#ifndef PZD_SDNOTIFY_H
#define PZD_SDNOTIFY_H

struct sdnotify;

/* The manager's socket from $NOTIFY_SOCKET, which leaves the environment
 * so that no hook speaks for the server; NULL if there is none (or it is
 * unusable, which is logged). */
struct sdnotify	*sdnotify_new(void);
void		 sdnotify_free(struct sdnotify *n);
/* Send a state such as "READY=1"; NULL n is a no-op.  A failure is
 * logged: the manager's problem is never the server's. */
void		 sdnotify_send(const struct sdnotify *n, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
