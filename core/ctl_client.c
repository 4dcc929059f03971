/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The blocking control-socket client. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/secret.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to become ready for events before deadline (-1: forever). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	int left, r;

	for (;;) {
		left = -1;
		if (deadline >= 0 && (left = (int)(deadline - now_ms())) < 0)
			left = 0;
		if ((r = poll(&pfd, 1, left)) > 0)
			return 0;
		if (r == 0)
			return -1;
		if (errno != EINTR)
			return -1;
	}
}

static int
connect_to(const char *sock_path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Does the peer of fd run as our user? */
static int
same_user(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred) && cred.uid == getuid();
}

int
pz_ctl_alive(const char *sock_path)
{
	int fd;

	if ((fd = connect_to(sock_path)) == -1)
		return 0;
	close(fd);
	return 1;
}

int
pz_ctl_call(const char *sock_path, const void *req, size_t reqlen,
    struct pz_buf *reply, int timeout_ms, int no_reply, struct pz_err *err)
{
	const char *p = req;
	char chunk[4096];
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	ssize_t n;
	int fd;

	if ((fd = connect_to(sock_path)) == -1) {
		pz_errf(err, "%s", PZ_CTL_NOT_RUNNING);
		return PZ_CTL_ABSENT;
	}
	/*
	 * The server admits only its own user; so does the client.  The
	 * default socket lies in a directory only we may enter, but one that
	 * $PIZAUTH_SOCKET names may not: a socket planted there by someone
	 * else must never get a dump to restore or a lookup to answer.
	 */
	if (!same_user(fd)) {
		close(fd);
		return pz_errf(err, "Refusing the pizauth server at %s: it "
		    "runs as another user", sock_path);
	}
	while (reqlen > 0) {
		if (wait_fd(fd, POLLOUT, deadline) == -1)
			goto timeout;
		n = send(fd, p, reqlen, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return pz_errf(err, "Socket not writeable");
		}
		p += n;
		reqlen -= (size_t)n;
	}
	if (no_reply) {
		close(fd);
		return 0;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) == -1)
			goto timeout;
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			pz_wipe(chunk, sizeof(chunk));
			pz_errf(err, "%s", PZ_CTL_NOT_RUNNING);
			return PZ_CTL_ABSENT;
		}
		if (n == 0)
			break;
		if (reply->len + (size_t)n > PZ_CTL_MAX_MSG ||
		    pz_buf_append(reply, chunk, (size_t)n) == -1) {
			close(fd);
			pz_wipe(chunk, sizeof(chunk));
			return pz_errf(err, "Reply from pizauth too large");
		}
	}
	close(fd);
	pz_wipe(chunk, sizeof(chunk));
	return 0;

timeout:
	close(fd);
	pz_wipe(chunk, sizeof(chunk));
	pz_errf(err, "%s", PZ_CTL_NOT_RUNNING);
	return PZ_CTL_TIMEOUT;
}
