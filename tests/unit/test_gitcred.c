/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for helpers/git: reading git's credential description, the
 * remotes served, the daemon's replies, and the verbs against a fake
 * daemon on a Unix socket. */
#include <sys/socket.h>
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
#include "core/ctl_client.h"
#include "helpers/git/gitcred.h"
#include "helpers/git/gitcred_action.h"
#include "helpers/git/gitcred_daemon.h"
#include "helpers/git/gitcred_remote.h"

/* Read input (len bytes, may hold NULs) into c; returns gitcred_read's. */
static int
read_mem(struct gitcred *c, const char *input, size_t len,
    struct pz_err *err)
{
	FILE *fp;
	int r;

	assert_non_null(fp = fmemopen((void *)input, len, "r"));
	r = gitcred_read(c, fp, err);
	fclose(fp);
	return r;
}

#define READ_STR(c, s, err)	read_mem((c), (s), sizeof(s) - 1, (err))

static void
test_gitcred_read_fields_to_blank_line(void **state)
{
	static const char in[] = "protocol=https\nhost=git.example:8443\n"
	    "path=group/repo.git\nusername=alice\npassword=s3cret\n\n"
	    "host=after.example\n";
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;
	FILE *fp;
	char rest[32];

	assert_non_null(fp = fmemopen((void *)in, sizeof(in) - 1, "r"));
	assert_int_equal(gitcred_read(&c, fp, &err), 0);
	assert_string_equal(c.protocol, "https");
	assert_string_equal(c.host, "git.example:8443");
	assert_string_equal(c.path, "group/repo.git");
	assert_string_equal(c.username, "alice");
	assert_string_equal(c.password, "s3cret");
	assert_null(c.credential);
	assert_int_equal(c.caps, 0);
	/* The blank line ends the description; what follows stays unread. */
	assert_non_null(fgets(rest, sizeof(rest), fp));
	assert_string_equal(rest, "host=after.example\n");
	fclose(fp);
	gitcred_clear(&c);
	assert_null(c.host);
}

static void
test_gitcred_read_later_value_replaces_earlier(void **state)
{
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;

	assert_int_equal(READ_STR(&c, "host=a.example\npassword=one\n"
	    "host=b.example\npassword=two\nusername=\n", &err), 0);
	assert_string_equal(c.host, "b.example");
	assert_string_equal(c.password, "two");
	/* An empty value is a value, as in git. */
	assert_string_equal(c.username, "");
	gitcred_clear(&c);
}

/* capability[] is a list: repeated values add, an empty one resets it,
 * values we do not know are dropped. */
static void
test_gitcred_read_capability_list_repeated_and_reset(void **state)
{
	static const struct {
		const char	*in;
		unsigned	 caps;
	} cases[] = {
		{ "capability[]=authtype\n", GITCRED_CAP_AUTHTYPE },
		{ "capability[]=state\ncapability[]=authtype\n",
		    GITCRED_CAP_AUTHTYPE },
		{ "capability[]=authtype\ncapability[]=authtype\n",
		    GITCRED_CAP_AUTHTYPE },
		{ "capability[]=authtype\ncapability[]=\n", 0 },
		{ "capability[]=authtype\ncapability[]=\ncapability[]=state\n",
		    0 },
		{ "capability[]=\ncapability[]=authtype\n",
		    GITCRED_CAP_AUTHTYPE },
		{ "capability[]=future\ncapability[]=Authtype\n", 0 },
		/* Not the list's key: an unknown single key. */
		{ "capability=authtype\n", 0 },
		{ "capability[] =authtype\n", 0 },
	};
	struct pz_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gitcred c = GITCRED_INIT;

		assert_int_equal(read_mem(&c, cases[i].in, strlen(cases[i].in),
		    &err), 0);
		if (c.caps != cases[i].caps)
			fail_msg("%s: caps %u, want %u", cases[i].in, c.caps,
			    cases[i].caps);
		gitcred_clear(&c);
	}
}

/* wwwauth[], state[] and keys of a later git are ignored, whatever their
 * values, and do not disturb the keys we read. */
static void
test_gitcred_read_ignores_unknown_keys(void **state)
{
	static const char in[] = "capability[]=authtype\n"
	    "wwwauth[]=Basic realm=\"git\"\nwwwauth[]=\nwwwauth[]=Bearer x=y\n"
	    "state[]=helper:abc\ncontinue=1\nephemeral=true\n"
	    "password_expiry_utc=notanumber\noauth_refresh_token=rt\n"
	    "some_future_key=with=equals\n=empty key\nquit=1\n"
	    "protocol=https\nhost=h.example\n";
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;

	assert_int_equal(READ_STR(&c, in, &err), 0);
	assert_string_equal(c.protocol, "https");
	assert_string_equal(c.host, "h.example");
	assert_int_equal(c.caps, GITCRED_CAP_AUTHTYPE);
	assert_null(c.password);
	assert_null(c.username);
	gitcred_clear(&c);
}

/* The description may end at EOF, with or without a last newline. */
static void
test_gitcred_read_end_of_input_without_blank_line(void **state)
{
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;

	assert_int_equal(READ_STR(&c, "protocol=https\nhost=a.example\n",
	    &err), 0);
	assert_string_equal(c.host, "a.example");
	gitcred_clear(&c);
	assert_int_equal(READ_STR(&c, "protocol=https\nhost=b.example",
	    &err), 0);
	assert_string_equal(c.host, "b.example");
	gitcred_clear(&c);
	assert_int_equal(read_mem(&c, "\n", 1, &err), 0);
	assert_null(c.protocol);
	gitcred_clear(&c);
}

/* CR LF ends a line as LF does (git's strbuf_getline()); a lone CR
 * elsewhere is data. */
static void
test_gitcred_read_crlf_line_ends(void **state)
{
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;

	assert_int_equal(READ_STR(&c, "protocol=https\r\nhost=a\rb\r\n\r\n"
	    "host=not.read\n", &err), 0);
	assert_string_equal(c.protocol, "https");
	assert_string_equal(c.host, "a\rb");
	gitcred_clear(&c);
}

static void
test_gitcred_read_rejects_line_without_equals(void **state)
{
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;

	assert_int_equal(READ_STR(&c, "protocol=https\nhost\n", &err), -1);
	assert_string_equal(err.msg, "Credential line without '='");
	gitcred_clear(&c);
}

/* A NUL cannot be sent (git would cut the value there): refused, in a
 * value or a key, known or not. */
static void
test_gitcred_read_rejects_nul_byte(void **state)
{
	static const char in1[] =
	    "protocol=https\nhost=good.example\0.evil.example\n";
	static const char in2[] = "protocol=https\nho\0st=x\n";
	static const char in3[] = "wwwauth[]=a\0b\n";
	static const struct {
		const char	*in;
		size_t		 len;
	} cases[] = {
		{ in1, sizeof(in1) - 1 },
		{ in2, sizeof(in2) - 1 },
		{ in3, sizeof(in3) - 1 },
	};
	struct pz_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gitcred c = GITCRED_INIT;

		assert_int_equal(read_mem(&c, cases[i].in, cases[i].len, &err),
		    -1);
		assert_string_equal(err.msg,
		    "Credential line holds a NUL byte");
		gitcred_clear(&c);
	}
}

/* A line of git's maximum (65535 bytes with its newline) is read; one
 * byte more is refused, for a key we use or not. */
static void
test_gitcred_read_long_lines(void **state)
{
	size_t vlen = GITCRED_LINE_MAX - 1 - strlen("path="), len;
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;
	char *in;

	assert_non_null(in = malloc(GITCRED_LINE_MAX * 2 + 64));
	len = (size_t)sprintf(in, "path=");
	memset(in + len, 'p', vlen);
	len += vlen;
	len += (size_t)sprintf(in + len, "\nhost=h\n");
	assert_int_equal(read_mem(&c, in, len, &err), 0);
	assert_int_equal(strlen(c.path), vlen);
	assert_string_equal(c.host, "h");
	gitcred_clear(&c);

	/* One more byte, for path= and for an unknown key. */
	len = (size_t)sprintf(in, "path=");
	memset(in + len, 'p', vlen + 1);
	len += vlen + 1;
	in[len++] = '\n';
	assert_int_equal(read_mem(&c, in, len, &err), -1);
	assert_string_equal(err.msg, "Credential line longer than 65535 "
	    "bytes");
	gitcred_clear(&c);
	len = (size_t)sprintf(in, "wwwauth[]=");
	memset(in + len, 'w', GITCRED_LINE_MAX);
	len += GITCRED_LINE_MAX;
	assert_int_equal(read_mem(&c, in, len, &err), -1);
	gitcred_clear(&c);

	/* A CR before the LF counts towards the limit, as it is sent. */
	len = (size_t)sprintf(in, "path=");
	memset(in + len, 'p', vlen);
	len += vlen;
	len += (size_t)sprintf(in + len, "\r\n");
	assert_int_equal(read_mem(&c, in, len, &err), -1);
	gitcred_clear(&c);
	free(in);
}

/* url= replaces everything known so far by the URL's parts, decoded. */
static void
test_gitcred_read_url_stands_for_its_parts(void **state)
{
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;

	assert_int_equal(READ_STR(&c, "capability[]=authtype\n"
	    "username=old\npath=old\n"
	    "url=https://al%40ice:p%3Ass@Git.Example:8443//a/b%20c.git//\n",
	    &err), 0);
	assert_string_equal(c.protocol, "https");
	assert_string_equal(c.username, "al@ice");
	assert_string_equal(c.password, "p:ss");
	assert_string_equal(c.host, "Git.Example:8443");
	assert_string_equal(c.path, "a/b c.git");
	assert_int_equal(c.caps, 0);
	gitcred_clear(&c);

	/* No user; a '%' without two hex digits stays; later keys apply. */
	assert_int_equal(READ_STR(&c, "url=http://127.0.0.1:80/100%/x%4\n"
	    "username=bob\n", &err), 0);
	assert_string_equal(c.protocol, "http");
	assert_null(c.password);
	assert_string_equal(c.username, "bob");
	assert_string_equal(c.host, "127.0.0.1:80");
	assert_string_equal(c.path, "100%/x%4");
	gitcred_clear(&c);

	/* An '@' after the path starts belongs to the path. */
	assert_int_equal(READ_STR(&c, "url=https://h.example/a@b\n", &err), 0);
	assert_null(c.username);
	assert_string_equal(c.host, "h.example");
	assert_string_equal(c.path, "a@b");
	gitcred_clear(&c);

	/* No host: an empty one, as git has it. */
	assert_int_equal(READ_STR(&c, "url=cert:///etc/cert.pem\n", &err), 0);
	assert_string_equal(c.host, "");
	gitcred_clear(&c);

	assert_int_equal(READ_STR(&c, "url=h.example/x\n", &err), -1);
	assert_string_equal(err.msg, "Credential url has no scheme");
	gitcred_clear(&c);
	assert_int_equal(READ_STR(&c, "url=://h.example\n", &err), -1);
	gitcred_clear(&c);
	assert_int_equal(READ_STR(&c, "url=https://a%0ab@h.example\n", &err),
	    -1);
	gitcred_clear(&c);
	assert_int_equal(READ_STR(&c, "url=https://h.example%00.evil\n",
	    &err), -1);
	gitcred_clear(&c);
}

static void
test_gitcred_format_refuses_line_breaks(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(gitcred_format(&b, "username", "oauth2", &err), 0);
	assert_string_equal(pz_buf_str(&b), "username=oauth2\n");
	assert_int_equal(gitcred_format(&b, "username", "a\nb", &err), -1);
	assert_int_equal(gitcred_format(&b, "password", "a\rb", &err), -1);
	assert_string_equal(err.msg, "The password holds a line break");
	assert_string_equal(pz_buf_str(&b), "username=oauth2\n");
	pz_buf_clear(&b);
}

/* https anywhere; http only to this machine; nothing else. */
static void
test_gitcred_remote_served_https_or_loopback_http(void **state)
{
	static const struct {
		const char	*protocol;
		const char	*host;
		int		 served;
	} cases[] = {
		{ "https", "github.com", 1 },
		{ "HTTPS", "gitlab.com:443", 1 },
		{ "https", "", 0 },
		{ "http", "example.com", 0 },
		{ "http", "example.com:80", 0 },
		{ "http", "localhost", 1 },
		{ "http", "LocalHost:8080", 1 },
		{ "http", "localhost.", 1 },
		{ "http", "localhost.example.com", 0 },
		{ "http", "127.0.0.1", 1 },
		{ "http", "127.0.0.1:3000", 1 },
		{ "http", "127.1.2.3:", 1 },
		{ "http", "127.0.0.1:99999999", 0 },
		{ "http", "127.0.0.1:80x", 0 },
		{ "http", "127.0.0.1.example.com", 0 },
		{ "http", "127.1", 0 },
		{ "http", "0177.0.0.1", 0 },
		{ "http", "128.0.0.1", 0 },
		{ "http", "[::1]", 1 },
		{ "http", "[::1]:8080", 1 },
		{ "http", "[0:0:0:0:0:0:0:1]:80", 1 },
		{ "http", "[::2]:80", 0 },
		{ "http", "[::1]x", 0 },
		{ "http", "[::1", 0 },
		{ "http", "::1", 0 },
		{ "ssh", "github.com", 0 },
		{ "cert", "", 0 },
		{ "", "github.com", 0 },
		{ NULL, "github.com", 0 },
		{ "https", NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gitcred c = GITCRED_INIT;

		c.protocol = (char *)cases[i].protocol;
		c.host = (char *)cases[i].host;
		if (gitcred_remote_served(&c) != cases[i].served)
			fail_msg("%s://%s: served %d, want %d",
			    cases[i].protocol ? cases[i].protocol : "(null)",
			    cases[i].host ? cases[i].host : "(null)",
			    !cases[i].served, cases[i].served);
	}
}

/* The details: JSON, table-driven: NULL token means "must be refused". */
static void
test_gitcred_daemon_parse(void **state)
{
	static const struct {
		const char	*json;
		const char	*account;
		const char	*token;
		long long	 expires;
	} cases[] = {
		{ "{\"account\":\"work\",\"access_token\":\"T0K\","
		    "\"expires\":1700000000}", "work", "T0K", 1700000000 },
		{ "{\"account\":\"a b\",\"access_token\":\"x.y-z\"}",
		    "a b", "x.y-z", 0 },
		{ "{\"account\":\"a\",\"access_token\":\"t\",\"expires\":-5}",
		    "a", "t", 0 },
		{ "{\"account\":\"a\",\"access_token\":\"t\","
		    "\"expires\":\"soon\"}", "a", "t", 0 },
		{ "{\"account\":\"a\",\"access_token\":\"t\\nx\"}", NULL,
		    NULL, 0 },
		{ "{\"account\":\"a\",\"access_token\":\"t\\r\"}", NULL,
		    NULL, 0 },
		{ "{\"account\":\"a\",\"access_token\":\"t\\u0000x\"}", NULL,
		    NULL, 0 },
		{ "{\"account\":\"a\",\"access_token\":\"\"}", NULL, NULL, 0 },
		{ "{\"account\":\"a\",\"access_token\":7}", NULL, NULL, 0 },
		{ "{\"access_token\":\"t\"}", NULL, NULL, 0 },
		{ "{\"account\":\"a\",\"access_token\":\"t\","
		    "\"access_token\":\"u\"}", NULL, NULL, 0 },
		{ "[\"a\",\"t\"]", NULL, NULL, 0 },
		{ "{\"account\":\"a\",", NULL, NULL, 0 },
		{ "", NULL, NULL, 0 },
	};
	struct pz_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gitcred_token t = GITCRED_TOKEN_INIT;
		int r = gitcred_daemon_parse(cases[i].json,
		    strlen(cases[i].json), &t, &err);

		if (cases[i].token == NULL) {
			if (r != -1)
				fail_msg("accepted %s", cases[i].json);
			assert_string_equal(err.msg,
			    "Malformed response from pizauth");
			assert_null(t.token);
			continue;
		}
		if (r != 0)
			fail_msg("refused %s: %s", cases[i].json, err.msg);
		assert_string_equal(t.account, cases[i].account);
		assert_string_equal(t.token, cases[i].token);
		assert_int_equal(t.expires, cases[i].expires);
		gitcred_daemon_token_clear(&t);
		assert_null(t.token);
	}
}

/* ---- the verbs, against a fake daemon --------------------------------- */

/* A fake daemon in a child: answers its i-th connection with replies[i],
 * and passes each request (NUL-terminated) back on a pipe. */
struct fake {
	char	 dir[32];
	char	 sock[64];
	pid_t	 pid;
	int	 log;
};

static void
fake_serve(int lfd, int log, const char *const *replies, size_t n)
{
	char buf[4096];
	size_t i, len;
	ssize_t r;
	int fd;

	for (i = 0; i < n; i++) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(2);
		len = 0;
		while (len < sizeof(buf) - 1 &&
		    (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += (size_t)r;
		buf[len++] = '\0';
		if (write(log, buf, len) != (ssize_t)len ||
		    write(fd, replies[i], strlen(replies[i])) !=
		    (ssize_t)strlen(replies[i]))
			_exit(3);
		close(fd);
	}
	_exit(0);
}

static void
fake_start(struct fake *f, const char *const *replies, size_t n)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, p[2];

	strcpy(f->dir, "/tmp/pz-gitcred-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/s", f->dir);
	strcpy(sun.sun_path, f->sock);
	assert_int_not_equal(lfd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_not_equal(f->pid = fork(), -1);
	if (f->pid == 0) {
		/* A test that fails before fake_stop() leaves this child
		 * waiting for requests that never come: bound it. */
		alarm(30);
		close(p[0]);
		fake_serve(lfd, p[1], replies, n);
	}
	close(p[1]);
	close(lfd);
	f->log = p[0];
}

/* Stop the fake daemon; its requests, NUL-separated, into reqs. */
static size_t
fake_stop(struct fake *f, char *reqs, size_t cap)
{
	size_t len = 0;
	ssize_t r;
	int status;

	kill(f->pid, SIGKILL);
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	while (len < cap && (r = read(f->log, reqs + len, cap - len)) > 0)
		len += (size_t)r;
	close(f->log);
	unlink(f->sock);
	rmdir(f->dir);
	return len;
}

/* Run action with input; its stdout and diagnostics into out and diag
 * (malloc'd). */
static int
run(const char *action, const struct gitcred_opts *o, const char *input,
    char **out, char **diag)
{
	const struct gitcred_action *act;
	size_t outlen, diaglen;
	FILE *in, *fo, *fd;
	int rc;

	assert_non_null(act = gitcred_action_find(action));
	assert_non_null(in = fmemopen((void *)input, strlen(input), "r"));
	assert_non_null(fo = open_memstream(out, &outlen));
	assert_non_null(fd = open_memstream(diag, &diaglen));
	rc = act->run(o, in, fo, fd);
	fclose(in);
	fclose(fo);
	fclose(fd);
	return rc;
}

#define DETAILS(acct, tok, exp) "details:{\"account\":\"" acct "\"," \
	"\"access_token\":\"" tok "\",\"expires\":" exp "}"

/* get: the daemon matches by host; the answer is the default user name,
 * the token and its expiry. */
static void
test_gitcred_get_answers_username_token_expiry(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "T0K", "1900000000"),
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[256];
	struct fake f;

	fake_start(&f, replies, 1);
	o.sock = f.sock;
	assert_int_equal(run("get", &o, "protocol=https\n"
	    "host=git.example:8443\npath=a.git\n\n", &out, &diag), 0);
	assert_string_equal(out, "username=oauth2\npassword=T0K\n"
	    "password_expiry_utc=1900000000\n");
	assert_string_equal(diag, "");
	assert_int_equal(fake_stop(&f, reqs, sizeof(reqs)),
	    sizeof("token_details:withurl 0\nhost=git.example:8443"));
	assert_string_equal(reqs, "token_details:withurl 0\n"
	    "host=git.example:8443");
	free(out);
	free(diag);
}

/* git's user name picks the account and is answered; -u wins for the
 * answer; -a names the account; -w is passed on. */
static void
test_gitcred_get_username_account_and_wait(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "T1", "0"),
		DETAILS("work", "T2", "0"),
		DETAILS("home", "T3", "0"),
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[512];
	const char *r;
	struct fake f;

	fake_start(&f, replies, 3);
	o.sock = f.sock;
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n"
	    "username=alice\n", &out, &diag), 0);
	assert_string_equal(out, "username=alice\npassword=T1\n");
	free(out);
	free(diag);
	o.username = "x-token";
	o.wait = 30;
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n"
	    "username=alice\n", &out, &diag), 0);
	assert_string_equal(out, "username=x-token\npassword=T2\n");
	free(out);
	free(diag);
	o.account = "home";
	o.wait = 0;
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n"
	    "username=alice\n", &out, &diag), 0);
	assert_string_equal(out, "username=x-token\npassword=T3\n");
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
	r = reqs;
	assert_string_equal(r, "token_details:withurl 0\nuser=alice\nhost=h");
	r += strlen(r) + 1;
	assert_string_equal(r, "token_details:withurl 30\nuser=alice\n"
	    "host=h");
	r += strlen(r) + 1;
	assert_string_equal(r, "token_details:withurl 0\naccount=home");
}

/* The user name this helper presents anyway ("oauth2", or -u) names no
 * one: accounts are matched by host alone. */
static void
test_gitcred_get_default_username_not_matched(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "T1", "0"),
		DETAILS("work", "T2", "0"),
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[512];
	const char *r;
	struct fake f;

	fake_start(&f, replies, 2);
	o.sock = f.sock;
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n"
	    "username=oauth2\n", &out, &diag), 0);
	assert_string_equal(out, "username=oauth2\npassword=T1\n");
	free(out);
	free(diag);
	o.username = "x-token";
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n"
	    "username=x-token\n", &out, &diag), 0);
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
	r = reqs;
	assert_string_equal(r, "token_details:withurl 0\nhost=h");
	r += strlen(r) + 1;
	assert_string_equal(r, "token_details:withurl 0\nhost=h");
}

/* --bearer answers authtype and credential only when git announced the
 * authtype capability (before or after other keys, not reset). */
static void
test_gitcred_get_bearer_needs_capability(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "T0K", "1900000000"),
		DETAILS("work", "T0K", "1900000000"),
		DETAILS("work", "T0K", "1900000000"),
		DETAILS("work", "T0K", "1900000000"),
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 1 };
	char *out, *diag, reqs[1024];
	struct fake f;

	fake_start(&f, replies, 4);
	o.sock = f.sock;
	assert_int_equal(run("get", &o, "capability[]=authtype\n"
	    "capability[]=state\nprotocol=https\nhost=h\n\n", &out, &diag), 0);
	assert_string_equal(out, "capability[]=authtype\nauthtype=Bearer\n"
	    "credential=T0K\npassword_expiry_utc=1900000000\n");
	free(out);
	free(diag);
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n\n", &out,
	    &diag), 0);
	assert_string_equal(out, "username=oauth2\npassword=T0K\n"
	    "password_expiry_utc=1900000000\n");
	free(out);
	free(diag);
	assert_int_equal(run("get", &o, "capability[]=authtype\n"
	    "capability[]=\nprotocol=https\nhost=h\n\n", &out, &diag), 0);
	assert_string_equal(out, "username=oauth2\npassword=T0K\n"
	    "password_expiry_utc=1900000000\n");
	free(out);
	free(diag);
	/* Without --bearer the capability changes nothing. */
	o.bearer = 0;
	assert_int_equal(run("get", &o, "capability[]=authtype\n"
	    "protocol=https\nhost=h\n\n", &out, &diag), 0);
	assert_string_equal(out, "username=oauth2\npassword=T0K\n"
	    "password_expiry_utc=1900000000\n");
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
}

/* Not authorised: nothing on stdout, the URL for people, exit 0; no
 * account for the host: nothing at all; an error: said, exit 1. */
static void
test_gitcred_get_pending_no_account_and_errors(void **state)
{
	static const char *const replies[] = {
		"pending:https://p.example/auth?x=1",
		"pending:https://p.example/device using code AB-CD",
		"nomatch:No account lists host 'h'",
		"ambiguous:Several accounts match; name one of: a b",
		"nomatch:No account lists host 'h'",
		"access_token:T",
		"details:{\"account\":\"a\",\"access_token\":\"t\\nu\"}",
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[2048];
	struct fake f;
	static const char in[] = "protocol=https\nhost=h\n\n";

	fake_start(&f, replies, 7);
	o.sock = f.sock;
	assert_int_equal(run("get", &o, in, &out, &diag), 0);
	assert_string_equal(out, "");
	assert_string_equal(diag, "git-credential-pizauth: Access token "
	    "unavailable until authorised with URL "
	    "https://p.example/auth?x=1\n");
	free(out);
	free(diag);
	assert_int_equal(run("get", &o, in, &out, &diag), 0);
	assert_string_equal(out, "");
	assert_string_equal(diag, "git-credential-pizauth: Access token "
	    "unavailable until authorised with URL "
	    "https://p.example/device using code AB-CD\n");
	free(out);
	free(diag);
	assert_int_equal(run("get", &o, in, &out, &diag), 0);
	assert_string_equal(out, "");
	assert_string_equal(diag, "");
	free(out);
	free(diag);
	assert_int_equal(run("get", &o, in, &out, &diag), 1);
	assert_string_equal(out, "");
	assert_string_equal(diag, "git-credential-pizauth: Several accounts "
	    "match; name one of: a b\n");
	free(out);
	free(diag);
	/* With -a the user meant this account: said. */
	o.account = "x";
	assert_int_equal(run("get", &o, in, &out, &diag), 1);
	assert_string_equal(diag, "git-credential-pizauth: No account "
	    "lists host 'h'\n");
	free(out);
	free(diag);
	o.account = NULL;
	assert_int_equal(run("get", &o, in, &out, &diag), 1);
	assert_string_equal(out, "");
	assert_string_equal(diag, "git-credential-pizauth: Malformed "
	    "response from pizauth\n");
	free(out);
	free(diag);
	assert_int_equal(run("get", &o, in, &out, &diag), 1);
	assert_string_equal(out, "");
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
}

/* Remotes not served never reach the daemon; bad input neither. */
static void
test_gitcred_get_unserved_remote_never_asks(void **state)
{
	static const char *const replies[] = { DETAILS("a", "T", "0") };
	static const char *const ins[] = {
		"protocol=http\nhost=example.com\n\n",
		"protocol=http\nhost=example.com:80\nusername=u\n\n",
		"protocol=ssh\nhost=github.com\n\n",
		"host=github.com\n\n",
		"protocol=https\n\n",
		"protocol=https\nhost=\n\n",
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[64];
	struct fake f;
	size_t i;

	fake_start(&f, replies, 1);
	o.sock = f.sock;
	o.account = "a";
	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		assert_int_equal(run("get", &o, ins[i], &out, &diag), 0);
		assert_string_equal(out, "");
		assert_string_equal(diag, "");
		free(out);
		free(diag);
	}
	assert_int_equal(run("get", &o, "protocol=https\nhost=h\nbad\n",
	    &out, &diag), 1);
	assert_string_equal(out, "");
	assert_string_equal(diag, "git-credential-pizauth: Credential line "
	    "without '='\n");
	free(out);
	free(diag);
	assert_int_equal(fake_stop(&f, reqs, sizeof(reqs)), 0);
}

static void
test_gitcred_get_daemon_not_running(void **state)
{
	struct gitcred_opts o = { "/nonexistent/pizauth.sock", NULL, NULL, 0,
	    0 };
	char *out, *diag;

	assert_int_equal(run("get", &o, "protocol=https\nhost=h\n\n", &out,
	    &diag), 1);
	assert_string_equal(out, "");
	assert_string_equal(diag, "git-credential-pizauth: "
	    PZ_CTL_NOT_RUNNING "\n");
	free(out);
	free(diag);
}

/* erase of the daemon's current token: a refresh, then the helper waits
 * for the new token; the user name it presented is not matched by. */
static void
test_gitcred_erase_current_token_refreshes(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "OLD", "1900000000"),
		"scheduled:",
		DETAILS("work", "OLD", "1900000000"),
		DETAILS("work", "NEW", "1900000100"),
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[1024];
	const char *r;
	struct fake f;

	fake_start(&f, replies, 4);
	o.sock = f.sock;
	assert_int_equal(run("erase", &o, "protocol=https\nhost=h\n"
	    "username=oauth2\npassword=OLD\n"
	    "password_expiry_utc=1900000000\n\n", &out, &diag), 0);
	assert_string_equal(out, "");
	assert_string_equal(diag, "");
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
	r = reqs;
	assert_string_equal(r, "token_details:withurl 0\nhost=h");
	r += strlen(r) + 1;
	assert_string_equal(r, "refresh:withurl work");
	r += strlen(r) + 1;
	assert_string_equal(r, "token_details:withurl 0\naccount=work");
	r += strlen(r) + 1;
	assert_string_equal(r, "token_details:withurl 0\naccount=work");
}

/* With authtype, git hands back the credential: the same rule. */
static void
test_gitcred_erase_bearer_credential_refreshes(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "OLD", "0"),
		"scheduled:",
		"pending:https://p.example/auth",
	};
	struct gitcred_opts o = { NULL, "work", NULL, 0, 1 };
	char *out, *diag, reqs[1024];
	const char *r;
	struct fake f;

	fake_start(&f, replies, 3);
	o.sock = f.sock;
	assert_int_equal(run("erase", &o, "capability[]=authtype\n"
	    "protocol=https\nhost=h\nauthtype=Bearer\ncredential=OLD\n\n",
	    &out, &diag), 0);
	assert_string_equal(out, "");
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
	r = reqs;
	assert_string_equal(r, "token_details:withurl 0\naccount=work");
	r += strlen(r) + 1;
	assert_string_equal(r, "refresh:withurl work");
}

/* erase of another password, or none, or of a remote not served: no
 * refresh. */
static void
test_gitcred_erase_other_password_does_nothing(void **state)
{
	static const char *const replies[] = {
		DETAILS("work", "CURRENT", "0"),
		DETAILS("work", "CURRENT", "0"),
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag, reqs[1024];
	const char *r;
	struct fake f;

	fake_start(&f, replies, 2);
	o.sock = f.sock;
	assert_int_equal(run("erase", &o, "protocol=https\nhost=h\n"
	    "username=oauth2\npassword=TYPED\n\n", &out, &diag), 0);
	free(out);
	free(diag);
	assert_int_equal(run("erase", &o, "protocol=https\nhost=h\n"
	    "username=oauth2\npassword=CURREN\n\n", &out, &diag), 0);
	free(out);
	free(diag);
	assert_int_equal(run("erase", &o, "protocol=https\nhost=h\n\n", &out,
	    &diag), 0);
	free(out);
	free(diag);
	assert_int_equal(run("erase", &o, "protocol=http\nhost=example.com\n"
	    "password=CURRENT\n\n", &out, &diag), 0);
	assert_string_equal(out, "");
	assert_string_equal(diag, "");
	free(out);
	free(diag);
	fake_stop(&f, reqs, sizeof(reqs));
	r = reqs;
	assert_string_equal(r, "token_details:withurl 0\nhost=h");
	r += strlen(r) + 1;
	assert_string_equal(r, "token_details:withurl 0\nhost=h");
}

/* store does nothing (no token is written anywhere); unknown verbs are
 * ignored; capability announces authtype with --bearer. */
static void
test_gitcred_actions_table(void **state)
{
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	char *out, *diag;

	assert_null(gitcred_action_find("store"));
	assert_null(gitcred_action_find("fill"));
	assert_null(gitcred_action_find(""));
	assert_null(gitcred_action_find("GET"));
	assert_non_null(gitcred_action_find("get"));
	assert_non_null(gitcred_action_find("erase"));
	assert_int_equal(run("capability", &o, "\n", &out, &diag), 0);
	assert_string_equal(out, "version 0\n");
	free(out);
	free(diag);
	o.bearer = 1;
	assert_int_equal(run("capability", &o, "\n", &out, &diag), 0);
	assert_string_equal(out, "version 0\ncapability authtype\n");
	free(out);
	free(diag);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitcred_read_fields_to_blank_line),
		cmocka_unit_test(
		    test_gitcred_read_later_value_replaces_earlier),
		cmocka_unit_test(
		    test_gitcred_read_capability_list_repeated_and_reset),
		cmocka_unit_test(test_gitcred_read_ignores_unknown_keys),
		cmocka_unit_test(
		    test_gitcred_read_end_of_input_without_blank_line),
		cmocka_unit_test(test_gitcred_read_crlf_line_ends),
		cmocka_unit_test(test_gitcred_read_rejects_line_without_equals),
		cmocka_unit_test(test_gitcred_read_rejects_nul_byte),
		cmocka_unit_test(test_gitcred_read_long_lines),
		cmocka_unit_test(test_gitcred_read_url_stands_for_its_parts),
		cmocka_unit_test(test_gitcred_format_refuses_line_breaks),
		cmocka_unit_test(
		    test_gitcred_remote_served_https_or_loopback_http),
		cmocka_unit_test(test_gitcred_daemon_parse),
		cmocka_unit_test(
		    test_gitcred_get_answers_username_token_expiry),
		cmocka_unit_test(test_gitcred_get_username_account_and_wait),
		cmocka_unit_test(test_gitcred_get_default_username_not_matched),
		cmocka_unit_test(test_gitcred_get_bearer_needs_capability),
		cmocka_unit_test(
		    test_gitcred_get_pending_no_account_and_errors),
		cmocka_unit_test(test_gitcred_get_unserved_remote_never_asks),
		cmocka_unit_test(test_gitcred_get_daemon_not_running),
		cmocka_unit_test(
		    test_gitcred_erase_current_token_refreshes),
		cmocka_unit_test(
		    test_gitcred_erase_bearer_credential_refreshes),
		cmocka_unit_test(
		    test_gitcred_erase_other_password_does_nothing),
		cmocka_unit_test(test_gitcred_actions_table),
	};

	return cmocka_run_group_tests_name("gitcred", tests, NULL, NULL);
}
