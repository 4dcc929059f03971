/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth-passwordeval [-w secs] [-f format] [-u user] [-H host] [-p port]
 * [account]: print one line, an access token or a SASL initial response,
 * for msmtp's passwordeval and isync's PassCmd.  Exit statuses are in
 * pweval.h and pizauth-passwordeval(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secret.h"
#include "helpers/passwordeval/pweval.h"

/* The daemon bounds waits at a day. */
#define WAIT_MAX_S	(24 * 60 * 60)

static const char usage_text[] =
    "usage: pizauth-passwordeval [-w secs] [-f token|xoauth2|oauthbearer]\n"
    "                            [-u user] [-H host] [-p port] [account]\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return PWEVAL_USAGE;
}

static int
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("pizauth-passwordeval: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* All of len bytes at p to stdout, past stdio: its buffer would keep a
 * copy of the token we cannot wipe. */
static int
write_all(const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A decimal number in [min, max], or -1. */
static long
number(const char *s, long min, long max)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')
		return -1;
	n = strtol(s, &end, 10);
	return *end != '\0' || n < min || n > max ? -1 : n;
}

int
main(int argc, char **argv)
{
	struct pweval_query q = { NULL, NULL, NULL, NULL, 0 };
	enum pweval_format fmt = PWEVAL_FMT_TOKEN;
	struct pz_buf line = PZ_BUF_INIT;
	enum pweval_status st;
	struct pz_err err;
	char *token;
	long n;
	int c;

	opterr = 0;
	while ((c = getopt(argc, argv, "f:hH:p:u:Vw:")) != -1) {
		switch (c) {
		case 'f':
			if (pweval_format_parse(optarg, &fmt) == -1)
				return usage();
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'H':
			q.host = optarg;
			break;
		case 'p':
			if (number(optarg, 1, 65535) == -1)
				return usage();
			q.port = optarg;
			break;
		case 'u':
			q.user = optarg;
			break;
		case 'V':
			printf("pizauth-passwordeval %s\n", PZ_VERSION);
			return 0;
		case 'w':
			if ((n = number(optarg, 0, WAIT_MAX_S)) == -1)
				return usage();
			q.wait = (unsigned)n;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind > 1)
		return usage();
	if (argc - optind == 1)
		q.account = argv[optind];
	if (q.account == NULL && q.user == NULL && q.host == NULL)
		return usage();
	if (fmt == PWEVAL_FMT_XOAUTH2 && q.user == NULL)
		return fail(PWEVAL_USAGE, "-f xoauth2 needs the user (-u)");

	if ((st = pweval_ask(&q, &token, &err)) != PWEVAL_OK)
		return fail(st, "%s", err.msg);
	if (pweval_format(fmt, &q, token, &line, &err) == -1)
		st = PWEVAL_FAILED;
	pz_secret_free(token);
	if (st != PWEVAL_OK) {
		pz_buf_clear(&line);
		return fail(st, "%s", err.msg);
	}
	/* One line: isync reads one, msmtp strips the newline. */
	if (pz_buf_puts(&line, "\n") == -1)
		st = PWEVAL_FAILED;
	else if (write_all(line.data, line.len) == -1)
		st = PWEVAL_FAILED;
	pz_buf_clear(&line);
	if (st != PWEVAL_OK)
		return fail(st, "Can't write the token to stdout");
	return PWEVAL_OK;
}
