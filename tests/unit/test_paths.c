/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/paths.c: where the socket is, $PIZAUTH_SOCKET. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/paths.h"

static char top[64];

static int
setup(void **state)
{
	strcpy(top, "/tmp/pz-paths-XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	setenv("XDG_RUNTIME_DIR", top, 1);
	unsetenv(PZ_SOCKET_ENV);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	unsetenv(PZ_SOCKET_ENV);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void
sock_at(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	strcpy(sun.sun_path, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

static void
test_paths_default_socket(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;
	char want[128];

	snprintf(want, sizeof(want), "%s/pizauth/pizauth.sock", top);
	assert_int_equal(pz_paths_socket(&b, 1, &err), 0);
	assert_string_equal(pz_buf_str(&b), want);
	pz_buf_clear(&b);
	/* An empty $PIZAUTH_SOCKET is unset. */
	setenv(PZ_SOCKET_ENV, "", 1);
	assert_int_equal(pz_paths_server_socket(&b, &err), 0);
	assert_string_equal(pz_buf_str(&b), want);
	pz_buf_clear(&b);
}

static void
test_paths_env_is_the_socket_for_clients(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;
	struct stat st;
	char path[128];

	/* A client takes it as it is and creates nothing for it. */
	snprintf(path, sizeof(path), "%s/spool/pz/pizauth.sock", top);
	setenv(PZ_SOCKET_ENV, path, 1);
	assert_int_equal(pz_paths_socket(&b, 1, &err), 0);
	assert_string_equal(pz_buf_str(&b), path);
	pz_buf_clear(&b);
	snprintf(path, sizeof(path), "%s/spool", top);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/pizauth", top);
	assert_int_equal(stat(path, &st), -1);
}

static void
test_paths_env_refused_with_reason(void **state)
{
	static const struct {
		const char	*env, *msg;
	} cases[] = {
		{ "pizauth.sock", "PIZAUTH_SOCKET must be an absolute path, "
		    "not pizauth.sock" },
		{ "./x/pizauth.sock", "PIZAUTH_SOCKET must be an absolute "
		    "path, not ./x/pizauth.sock" },
		{ "/var/spool/postfix/pizauth/", "PIZAUTH_SOCKET names a "
		    "directory, not a socket: /var/spool/postfix/pizauth/" },
	};
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;
	char longpath[200], want[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv(PZ_SOCKET_ENV, cases[i].env, 1);
		assert_int_equal(pz_paths_socket(&b, 0, &err), -1);
		assert_string_equal(err.msg, cases[i].msg);
		assert_int_equal(pz_paths_server_socket(&b, &err), -1);
		assert_string_equal(err.msg, cases[i].msg);
		pz_buf_clear(&b);
	}
	/* sun_path holds 107 bytes and a NUL: 107 fit, 108 do not. */
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[107] = '\0';
	setenv(PZ_SOCKET_ENV, longpath, 1);
	assert_int_equal(pz_paths_socket(&b, 0, &err), 0);
	pz_buf_clear(&b);
	longpath[107] = 'a';
	longpath[108] = '\0';
	setenv(PZ_SOCKET_ENV, longpath, 1);
	assert_int_equal(pz_paths_socket(&b, 0, &err), -1);
	snprintf(want, sizeof(want), "PIZAUTH_SOCKET is too long for a socket "
	    "(108 bytes, at most 107): %s", longpath);
	assert_string_equal(err.msg, want);
	pz_buf_clear(&b);
}

static void
test_paths_server_makes_a_private_dir(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;
	struct stat st;
	char dir[128], path[160], want[256];

	snprintf(dir, sizeof(dir), "%s/pz", top);
	snprintf(path, sizeof(path), "%s/pizauth.sock", dir);
	setenv(PZ_SOCKET_ENV, path, 1);
	assert_int_equal(pz_paths_server_socket(&b, &err), 0);
	assert_string_equal(pz_buf_str(&b), path);
	pz_buf_clear(&b);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* A socket left there (a server that died) may be replaced. */
	sock_at(path);
	assert_int_equal(pz_paths_server_socket(&b, &err), 0);
	pz_buf_clear(&b);
	/* A directory others may write to is not the server's alone; it is
	 * refused, not changed behind the user's back. */
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(pz_paths_server_socket(&b, &err), -1);
	snprintf(want, sizeof(want), "%s is writable by others: make it "
	    "writable by you alone (chmod go-w)", dir);
	assert_string_equal(err.msg, want);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0775);
	pz_buf_clear(&b);
	/* Readable by others is the user's choice (the socket still admits
	 * the server's user alone). */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(pz_paths_server_socket(&b, &err), 0);
	pz_buf_clear(&b);
}

static void
test_paths_server_refuses_what_is_not_a_socket(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;
	char path[128], want[256];
	FILE *f;

	/* The server would remove a stale socket there: never a file. */
	snprintf(path, sizeof(path), "%s/important", top);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	setenv(PZ_SOCKET_ENV, path, 1);
	assert_int_equal(pz_paths_server_socket(&b, &err), -1);
	snprintf(want, sizeof(want), "%s exists and is not a socket", path);
	assert_string_equal(err.msg, want);
	pz_buf_clear(&b);
	/* Nor a directory whose parent is missing. */
	snprintf(path, sizeof(path), "%s/no/such/pizauth.sock", top);
	setenv(PZ_SOCKET_ENV, path, 1);
	assert_int_equal(pz_paths_server_socket(&b, &err), -1);
	snprintf(want, sizeof(want), "Can't create %s/no/such for "
	    "PIZAUTH_SOCKET: No such file or directory", top);
	assert_string_equal(err.msg, want);
	pz_buf_clear(&b);
}

static void
test_paths_server_refuses_someone_elses_dir(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;
	char dir[128], path[160], want[256];

	/* Only root can make a directory that is someone else's. */
	if (getuid() != 0)
		return;
	snprintf(dir, sizeof(dir), "%s/theirs", top);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	snprintf(path, sizeof(path), "%s/pizauth.sock", dir);
	setenv(PZ_SOCKET_ENV, path, 1);
	assert_int_equal(pz_paths_server_socket(&b, &err), -1);
	snprintf(want, sizeof(want), "%s is not a directory owned by you",
	    dir);
	assert_string_equal(err.msg, want);
	pz_buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths_default_socket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_env_is_the_socket_for_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_env_refused_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_server_makes_a_private_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_server_refuses_what_is_not_a_socket, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_paths_server_refuses_someone_elses_dir, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
