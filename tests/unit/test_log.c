/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/log.c: format, escaping, levels, errno. */
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/server/log.h"

/* Where stderr goes while a test captures it. */
struct capture {
	FILE	*f;
	int	 saved;
};

static void
capture_start(struct capture *c)
{
	c->f = tmpfile();
	assert_non_null(c->f);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved != -1);
	assert_true(dup2(fileno(c->f), STDERR_FILENO) != -1);
}

/* Stop capturing; returns what was written (caller frees). */
static char *
capture_end(struct capture *c)
{
	char *s;
	long n;

	assert_true(dup2(c->saved, STDERR_FILENO) != -1);
	close(c->saved);
	n = ftell(c->f);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(c->f);
	assert_int_equal(fread(s, 1, (size_t)n, c->f), (size_t)n);
	fclose(c->f);
	return s;
}

static void
test_log_warnx_writes_progname_and_message(void **state)
{
	struct capture c;
	char *out;

	log_init("pizauthd-test", 1, 0);
	capture_start(&c);
	log_warnx("account '%s': token_event_cmd exited with status %d",
	    "work", 1);
	out = capture_end(&c);
	assert_string_equal(out, "pizauthd-test: account 'work': "
	    "token_event_cmd exited with status 1\n");
	free(out);
}

static void
test_log_escapes_control_and_non_ascii_bytes(void **state)
{
	struct capture c;
	char *out;

	log_init("pizauthd-test", 1, 0);
	capture_start(&c);
	/* A forged second line, a tab, controls, a backslash and UTF-8. */
	log_warnx("desc: %s",
	    "bad\npizauthd-test: forged\r\t\001\033[1m\177\\z\xc3\xa9");
	out = capture_end(&c);
	assert_string_equal(out, "pizauthd-test: desc: "
	    "bad\\npizauthd-test: forged\\r\\t\\001\\033[1m\\177\\\\z"
	    "\\303\\251\n");
	free(out);
}

static void
test_log_levels_follow_verbosity(void **state)
{
	static const char *const want[] = {
		"pizauthd-test: w\n",
		"pizauthd-test: w\npizauthd-test: i\n",
		"pizauthd-test: w\npizauthd-test: i\npizauthd-test: d\n",
		"pizauthd-test: w\npizauthd-test: i\npizauthd-test: d\n"
		    "pizauthd-test: t\n",
		"pizauthd-test: w\npizauthd-test: i\npizauthd-test: d\n"
		    "pizauthd-test: t\n",
	};
	struct capture c;
	char *out;
	int v;

	for (v = 0; v < 5; v++) {
		log_init("pizauthd-test", 1, v);
		assert_true(log_enabled(LOG_LEVEL_WARN));
		assert_int_equal(log_enabled(LOG_LEVEL_INFO), v >= 1);
		assert_int_equal(log_enabled(LOG_LEVEL_DEBUG), v >= 2);
		assert_int_equal(log_enabled(LOG_LEVEL_TRACE), v >= 3);
		capture_start(&c);
		log_warnx("w");
		log_info("i");
		log_debug("d");
		log_trace("t");
		out = capture_end(&c);
		assert_string_equal(out, want[v]);
		free(out);
	}
}

static void
test_log_warn_appends_strerror_and_keeps_errno(void **state)
{
	struct capture c;
	char *out;

	log_init("pizauthd-test", 1, 0);
	capture_start(&c);
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	assert_int_equal(errno, ENOENT);
	errno = EACCES;
	log_warnx("no errno here");
	assert_int_equal(errno, EACCES);
	log_info("suppressed");
	assert_int_equal(errno, EACCES);
	out = capture_end(&c);
	assert_string_equal(out,
	    "pizauthd-test: open /nonexistent: No such file or directory\n"
	    "pizauthd-test: no errno here\n");
	free(out);
}

static void
test_log_long_message_is_cut_to_one_line(void **state)
{
	struct capture c;
	char *big, *out;
	size_t len;

	big = malloc(100000);
	assert_non_null(big);
	memset(big, '\n', 99999);
	big[99999] = '\0';
	log_init("pizauthd-test", 1, 0);
	capture_start(&c);
	log_warnx("%s", big);
	out = capture_end(&c);
	len = strlen(out);
	assert_true(len > 4000 && len < 20000);
	assert_int_equal(out[len - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + len - 1);
	/* Cut between escapes, never inside one. */
	assert_int_equal(out[len - 2], 'n');
	assert_int_equal(out[len - 3], '\\');
	free(out);
	free(big);
}

/* Run fn in a child with stderr captured; returns its wait status. */
static int
in_child(void (*fn)(void), char **out)
{
	struct capture c;
	pid_t pid;
	int st;

	capture_start(&c);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*out = capture_end(&c);
	return st;
}

static void
child_fatalx(void)
{
	log_init("pizauthd-test", 1, 0);
	fatalx("cannot go on: %s", "reason");
}

static void
child_fatal(void)
{
	log_init("pizauthd-test", 1, 0);
	errno = EMFILE;
	fatal("accept");
}

static void
child_syslog(void)
{
	log_init("pizauthd-test", 1, 0);
	log_to_syslog();
	log_warnx("to syslog, not stderr");
}

static void
test_log_fatal_logs_then_exits_1(void **state)
{
	char *out;
	int st;

	st = in_child(child_fatalx, &out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_string_equal(out, "pizauthd-test: fatal: cannot go on: reason\n");
	free(out);

	st = in_child(child_fatal, &out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_string_equal(out,
	    "pizauthd-test: fatal: accept: Too many open files\n");
	free(out);
}

static void
test_log_to_syslog_leaves_stderr_alone(void **state)
{
	char *out;
	int st;

	st = in_child(child_syslog, &out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(out, "");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_warnx_writes_progname_and_message),
		cmocka_unit_test(test_log_escapes_control_and_non_ascii_bytes),
		cmocka_unit_test(test_log_levels_follow_verbosity),
		cmocka_unit_test(test_log_warn_appends_strerror_and_keeps_errno),
		cmocka_unit_test(test_log_long_message_is_cut_to_one_line),
		cmocka_unit_test(test_log_fatal_logs_then_exits_1),
		cmocka_unit_test(test_log_to_syslog_leaves_stderr_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
