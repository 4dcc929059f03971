/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* sd_notify(3)'s wire format, by hand (see sdnotify.h for why). */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/server/log.h"
#include "daemon/server/sdnotify.h"

struct sdnotify {
	struct sockaddr_un	sun;
	socklen_t		len;
};

struct sdnotify *
sdnotify_new(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sdnotify *n;
	size_t plen;

	if (path == NULL)
		return NULL;
	plen = strlen(path);
	/* A path, or "@name" for the abstract namespace (the '@' is a NUL
	 * on the wire, and the name is not NUL-terminated). */
	if ((path[0] != '/' && path[0] != '@') || plen < 2 ||
	    plen > sizeof(n->sun.sun_path) - (path[0] == '/')) {
		log_warnx("NOTIFY_SOCKET '%s' is not a socket's name; not "
		    "telling the service manager anything", path);
		unsetenv("NOTIFY_SOCKET");
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_warnx("out of memory for NOTIFY_SOCKET");
		unsetenv("NOTIFY_SOCKET");
		return NULL;
	}
	n->sun.sun_family = AF_UNIX;
	memcpy(n->sun.sun_path, path, plen);
	if (path[0] == '@')
		n->sun.sun_path[0] = '\0';
	n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '/'));
	unsetenv("NOTIFY_SOCKET");
	return n;
}

void
sdnotify_free(struct sdnotify *n)
{
	free(n);
}

void
sdnotify_send(const struct sdnotify *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int fd, len;

	if (n == NULL)
		return;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(msg))
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(fd, msg, (size_t)len, MSG_NOSIGNAL,
	    (const struct sockaddr *)&n->sun, n->len) != len)
		log_warn("telling the service manager '%.*s'",
		    (int)strcspn(msg, "\n"), msg);
	if (fd != -1)
		close(fd);
}
