/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * For adapter unit tests: a one-request pizauth daemon.  It listens at
 * $XDG_RUNTIME_DIR/pizauth/pizauth.sock in a fresh directory (the
 * environment variable is set), and a child answers one request with reply
 * if the request is exactly expect.  reply NULL: the directory but no
 * daemon.  Include after <cmocka.h>; header-only, as each test is built
 * alone.
 */
#ifndef PZ_TEST_FAKE_DAEMON_H
#define PZ_TEST_FAKE_DAEMON_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fake_daemon {
	char	dir[32];
	char	sock[96];
	pid_t	pid;
};

static inline void
fake_daemon_start(struct fake_daemon *d, const char *expect,
    const char *reply)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char sub[64], buf[512];
	size_t len = 0;
	ssize_t n;
	int fd, lfd;

	strcpy(d->dir, "/tmp/pz-fake-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(sub, sizeof(sub), "%s/pizauth", d->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(d->sock, sizeof(d->sock), "%s/pizauth.sock", sub);
	setenv("XDG_RUNTIME_DIR", d->dir, 1);
	d->pid = -1;
	if (reply == NULL)
		return;
	strcpy(sun.sun_path, d->sock);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	if ((d->pid = fork()) != 0) {
		/* Once the child is gone, a second request is refused. */
		close(lfd);
		return;
	}
	alarm(30);	/* bounded, even if the test never connects */
	if ((fd = accept(lfd, NULL, NULL)) == -1)
		_exit(2);
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	if (len != strlen(expect) || memcmp(buf, expect, len) != 0)
		_exit(3);
	if (write(fd, reply, strlen(reply)) != (ssize_t)strlen(reply))
		_exit(4);
	_exit(0);
}

/* Check the child got what it expected, and clean up. */
static inline void
fake_daemon_stop(struct fake_daemon *d)
{
	char sub[64];
	int status;

	if (d->pid > 0) {
		assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	unlink(d->sock);
	snprintf(sub, sizeof(sub), "%s/pizauth", d->dir);
	rmdir(sub);
	rmdir(d->dir);
	unsetenv("XDG_RUNTIME_DIR");
}

#endif
