/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for plugins/keyring: the verb table, failing fast without a
 * session bus, and the order that keeps a stored dump safe (the daemon is
 * asked before the keyring is touched).  Nothing here starts GLib's
 * threads, whose per-thread allocations valgrind would count as lost; the
 * bus and the keyring are exercised end to end in
 * tests/e2e/test_07_keyring.py. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "plugins/keyring/keyring.h"
#include "plugins/keyring/keyring_store.h"

/* A runtime directory of our own, no bus in it and none in the env. */
struct fixture {
	char	dir[32];
	char	sock[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sub[64];

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/pz-kr-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(sub, sizeof(sub), "%s/pizauth", f->dir);
	if (mkdir(sub, 0700) == -1)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/pizauth.sock", sub);
	setenv("XDG_RUNTIME_DIR", f->dir, 1);
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[64];

	unlink(f->sock);
	snprintf(path, sizeof(path), "%s/bus", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pizauth", f->dir);
	rmdir(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/*
 * A fake daemon in a child: answers n connections with reply; exits 0 if
 * no request began with "restore:" (the keyring's dump never reached it).
 */
static pid_t
fake_daemon(const char *sock, int n, const char *reply)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, fd, restored = 0;
	char buf[64];
	ssize_t r;
	size_t len;
	pid_t pid;

	strcpy(sun.sun_path, sock);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	if ((pid = fork()) != 0) {
		close(lfd);
		return pid;
	}
	signal(SIGPIPE, SIG_IGN);
	while (n-- > 0 && (fd = accept(lfd, NULL, NULL)) != -1) {
		len = 0;
		while ((r = read(fd, buf + len, sizeof(buf) - len)) > 0 &&
		    (len += (size_t)r) < sizeof(buf))
			;
		if (len >= 8 && memcmp(buf, "restore:", 8) == 0)
			restored = 1;
		/* The alive probe does not read: a failed write is fine. */
		r = write(fd, reply, strlen(reply));
		close(fd);
	}
	_exit(restored);
}

static int
reaped_status(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_keyring_verbs_are_save_restore_clear(void **state)
{
	assert_ptr_equal(keyring_verb_find("save")->run, keyring_save);
	assert_ptr_equal(keyring_verb_find("restore")->run, keyring_restore);
	assert_ptr_equal(keyring_verb_find("clear")->run, keyring_clear);
	assert_null(keyring_verb_find("get"));
	assert_null(keyring_verb_find(""));
	assert_null(keyring_verb_find("Save"));
}

/* No DBUS_SESSION_BUS_ADDRESS and no $XDG_RUNTIME_DIR/bus: an error at
 * once, naming the variable; never an autolaunched bus. */
static void
test_keyring_store_open_without_bus_fails_at_once(void **state)
{
	struct fixture *f = *state;
	struct keyring_store *ks = (void *)1;
	int64_t t0 = keyring_store_now_ms();
	struct pz_err err;
	char path[64];
	FILE *fp;

	assert_int_equal(keyring_store_open("u", f->sock, t0 + 10000, &ks,
	    &err), KEYRING_FAIL);
	assert_null(ks);
	assert_non_null(strstr(err.msg, "no D-Bus session bus"));
	assert_non_null(strstr(err.msg, "DBUS_SESSION_BUS_ADDRESS"));
	assert_null(strchr(err.msg, '\n'));

	/* A file that is not a socket is no bus either. */
	snprintf(path, sizeof(path), "%s/bus", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	assert_int_equal(keyring_store_open("u", f->sock, t0 + 10000, &ks,
	    &err), KEYRING_FAIL);
	assert_non_null(strstr(err.msg, "no D-Bus session bus"));
	setenv("DBUS_SESSION_BUS_ADDRESS", "", 1);
	assert_int_equal(keyring_store_open("u", f->sock, t0 + 10000, &ks,
	    &err), KEYRING_FAIL);
	assert_non_null(strstr(err.msg, "no D-Bus session bus"));
	assert_true(keyring_store_now_ms() - t0 < 1000);
}

/* save and restore with no daemon: the daemon's error, exit 2, even
 * without a bus (save asks the daemon first; restore checks it first). */
static void
test_keyring_no_daemon_is_exit_2_before_the_keyring(void **state)
{
	assert_int_equal(keyring_save(2000), KEYRING_EXIT_DAEMON);
	assert_int_equal(keyring_restore(2000), KEYRING_EXIT_DAEMON);
	assert_int_equal(keyring_clear(2000), KEYRING_EXIT_KEYRING);
}

/* A daemon that refuses the dump: nothing goes to the keyring. */
static void
test_keyring_save_refused_dump_is_not_stored(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fake_daemon(f->sock, 1, "error:Creating dump failed");

	assert_int_equal(keyring_save(2000), KEYRING_EXIT_DAEMON);
	assert_int_equal(reaped_status(pid), 0);
}

/* A dump in hand but no bus: the keyring's error, exit 3; restore stops
 * before sending anything to the daemon. */
static void
test_keyring_dump_then_no_bus_is_exit_3(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fake_daemon(f->sock, 1, "PZD1-opaque-bytes");

	assert_int_equal(keyring_save(2000), KEYRING_EXIT_KEYRING);
	assert_int_equal(reaped_status(pid), 0);
	unlink(f->sock);
	pid = fake_daemon(f->sock, 1, "ok:");
	assert_int_equal(keyring_restore(2000), KEYRING_EXIT_KEYRING);
	assert_int_equal(reaped_status(pid), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyring_verbs_are_save_restore_clear),
		cmocka_unit_test_setup_teardown(
		    test_keyring_store_open_without_bus_fails_at_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyring_no_daemon_is_exit_2_before_the_keyring,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyring_save_refused_dump_is_not_stored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyring_dump_then_no_bus_is_exit_3,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("keyring", tests, NULL, NULL);
}
