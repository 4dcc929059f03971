/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/ctl.c and core/ctl_client.c: splitting control
 * messages, and a real request/reply over a Unix socket. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/ctl.h"
#include "core/ctl_client.h"

static void
test_ctl_split_at_first_colon(void **state)
{
	static const char req[] = "restore:a:b:c";
	struct pz_ctl_msg m;

	assert_int_equal(pz_ctl_split(req, sizeof(req) - 1, &m), 0);
	assert_true(pz_ctl_head_is(&m, "restore"));
	assert_false(pz_ctl_head_is(&m, "restor"));
	assert_false(pz_ctl_head_is(&m, "restore2"));
	assert_int_equal(m.bodylen, 5);
	assert_memory_equal(m.body, "a:b:c", 5);
}

static void
test_ctl_split_empty_body_and_head(void **state)
{
	struct pz_ctl_msg m;

	assert_int_equal(pz_ctl_split("status:", 7, &m), 0);
	assert_true(pz_ctl_head_is(&m, "status"));
	assert_int_equal(m.bodylen, 0);
	assert_int_equal(pz_ctl_split(":", 1, &m), 0);
	assert_int_equal(m.headlen, 0);
	assert_int_equal(m.bodylen, 0);
}

static void
test_ctl_split_rejects_no_colon(void **state)
{
	struct pz_ctl_msg m;

	assert_int_equal(pz_ctl_split("status", 6, &m), -1);
	assert_int_equal(pz_ctl_split("", 0, &m), -1);
	assert_int_equal(pz_ctl_split(NULL, 0, &m), -1);
	/* A NUL before the colon is data, not an end. */
	assert_int_equal(pz_ctl_split("a\0b:c", 5, &m), 0);
	assert_int_equal(m.headlen, 3);
}

static void
test_ctl_body_word_splits_at_first_space(void **state)
{
	static const char req[] = "showtoken:withurl my account";
	struct pz_ctl_msg m;
	const char *w, *r;
	size_t wl, rl;

	assert_int_equal(pz_ctl_split(req, sizeof(req) - 1, &m), 0);
	assert_int_equal(pz_ctl_body_word(&m, &w, &wl, &r, &rl), 0);
	assert_int_equal(wl, 7);
	assert_memory_equal(w, "withurl", 7);
	assert_int_equal(rl, 10);
	assert_memory_equal(r, "my account", 10);
	assert_int_equal(pz_ctl_split("showtoken:withurl", 17, &m), 0);
	assert_int_equal(pz_ctl_body_word(&m, &w, &wl, &r, &rl), -1);
}

/* A one-shot server in a child: read to EOF, check, reply, exit. */
static void
serve_once(int lfd, const char *expect, const char *reply)
{
	char buf[256];
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		_exit(2);
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	if (len != strlen(expect) || memcmp(buf, expect, len) != 0)
		_exit(3);
	if (write(fd, reply, strlen(reply)) != (ssize_t)strlen(reply))
		_exit(4);
	close(fd);
	_exit(0);
}

static void
test_ctl_call_round_trip_and_not_running(void **state)
{
	char dir[] = "/tmp/pz-ctl-XXXXXX", path[128];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pz_buf reply = PZ_BUF_INIT;
	struct pz_err err;
	int lfd, status;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_int_equal(pz_ctl_alive(path), 0);
	assert_int_equal(pz_ctl_call(path, "status:", 7, &reply, 1000, 0,
	    &err), PZ_CTL_ABSENT);
	assert_string_equal(err.msg, PZ_CTL_NOT_RUNNING);

	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	if ((pid = fork()) == 0)
		serve_once(lfd, "showtoken:withurl x", "access_token:T0K");
	assert_int_equal(pz_ctl_call(path, "showtoken:withurl x", 19, &reply,
	    5000, 0, &err), 0);
	assert_string_equal(pz_buf_str(&reply), "access_token:T0K");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pz_buf_clear(&reply);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

/* A server of another user (one planted where $PIZAUTH_SOCKET points) is
 * never sent a request: it could be a dump to restore. */
static void
test_ctl_call_refuses_another_users_server(void **state)
{
	char dir[] = "/tmp/pz-ctl-XXXXXX", path[128], want[256];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pz_buf reply = PZ_BUF_INIT;
	struct pz_err err;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int lfd, fd, i, status;
	char buf[64];
	pid_t pid;

	/* Only root can run a server as someone else. */
	if (getuid() != 0)
		return;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(path, sizeof(path), "%s/s", dir);
	strcpy(sun.sun_path, path);
	if ((pid = fork()) == 0) {
		/* The listener's credentials are those of who listens. */
		if (setgid(65534) == -1 || setuid(65534) == -1)
			_exit(2);
		alarm(10);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(lfd, 1) == -1 || (fd = accept(lfd, NULL, NULL)) ==
		    -1)
			_exit(3);
		/* What the client sent, if anything, decides the status. */
		_exit(read(fd, buf, sizeof(buf)) > 0 ? 4 : 0);
	}
	for (i = 0; i < 500 && access(path, F_OK) == -1; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(pz_ctl_call(path, "restore:x", 9, &reply, 2000, 0,
	    &err), PZ_CTL_FAILED);
	snprintf(want, sizeof(want), "Refusing the pizauth server at %s: it "
	    "runs as another user", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(reply.len, 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(path);
	rmdir(dir);
}

/* A server that accepts but never answers must not hang the client. */
static void
test_ctl_call_times_out(void **state)
{
	char dir[] = "/tmp/pz-ctl-XXXXXX", path[128];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pz_buf reply = PZ_BUF_INIT;
	struct pz_err err;
	int lfd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(pz_ctl_call(path, "status:", 7, &reply, 200, 0,
	    &err), PZ_CTL_TIMEOUT);
	assert_string_equal(err.msg, PZ_CTL_NOT_RUNNING);
	pz_buf_clear(&reply);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_split_at_first_colon),
		cmocka_unit_test(test_ctl_split_empty_body_and_head),
		cmocka_unit_test(test_ctl_split_rejects_no_colon),
		cmocka_unit_test(test_ctl_body_word_splits_at_first_space),
		cmocka_unit_test(test_ctl_call_round_trip_and_not_running),
		cmocka_unit_test(test_ctl_call_times_out),
		cmocka_unit_test(test_ctl_call_refuses_another_users_server),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
