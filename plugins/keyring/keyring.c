/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth-keyring's verbs: between the daemon's dump and the keyring. */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/ctl.h"
#include "core/ctl_client.h"
#include "core/err.h"
#include "core/paths.h"
#include "plugins/keyring/keyring.h"
#include "plugins/keyring/keyring_store.h"

static const struct keyring_verb keyring_verbs[] = {
	{ "clear",	keyring_clear },
	{ "restore",	keyring_restore },
	{ "save",	keyring_save },
};

const struct keyring_verb *
keyring_verb_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keyring_verbs) / sizeof(keyring_verbs[0]); i++)
		if (strcmp(keyring_verbs[i].name, name) == 0)
			return &keyring_verbs[i];
	return NULL;
}

/* One line on stderr; returns status. */
static int
say(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("pizauth-keyring: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int
res_status(enum keyring_res r)
{
	switch (r) {
	case KEYRING_OK:
	case KEYRING_ABSENT:
		return KEYRING_EXIT_OK;
	case KEYRING_LOCKED:
		return KEYRING_EXIT_LOCKED;
	default:
		return KEYRING_EXIT_KEYRING;
	}
}

/* The item's attributes: who we are and which daemon the dump is of. */
static int
identity(struct pz_buf *user, struct pz_buf *sock, struct pz_err *err)
{
	struct passwd *pw;

	/* The password database, not $USER: hooks may run without it. */
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL) {
		if (pz_buf_puts(user, pw->pw_name) == -1)
			return pz_errf(err, "Out of memory");
	} else if (pz_buf_printf(user, "%u", (unsigned)getuid()) == -1)
		return pz_errf(err, "Out of memory");
	return pz_paths_socket(sock, 0, err);
}

/* Milliseconds left until deadline, at least 1 (0 would mean "none"). */
static int
left_ms(int64_t deadline)
{
	int64_t left = deadline - keyring_store_now_ms();

	return left > 0 ? (int)left : 1;
}

int
keyring_save(int timeout_ms)
{
	int64_t deadline = keyring_store_now_ms() + timeout_ms;
	struct pz_buf user = PZ_BUF_INIT, sock = PZ_BUF_INIT;
	struct pz_buf dump = PZ_BUF_INIT;
	struct keyring_store *ks = NULL;
	struct pz_ctl_msg m;
	struct pz_err err;
	enum keyring_res r;
	int status;

	if (identity(&user, &sock, &err) == -1) {
		status = say(KEYRING_EXIT_DAEMON, "%s", err.msg);
		goto out;
	}
	/* The daemon first: without a dump, the keyring is not touched. */
	if (pz_ctl_call(pz_buf_str(&sock), "dump:", 5, &dump,
	    left_ms(deadline), 0, &err) != 0) {
		status = say(KEYRING_EXIT_DAEMON, "%s", err.msg);
		goto out;
	}
	if (pz_ctl_split(dump.data, dump.len, &m) == 0 &&
	    pz_ctl_head_is(&m, "error")) {
		status = say(KEYRING_EXIT_DAEMON, "pizauth refused the dump: "
		    "%.*s", (int)m.bodylen, m.body);
		goto out;
	}
	if (dump.len == 0) {
		status = say(KEYRING_EXIT_DAEMON, "pizauth sent an empty dump");
		goto out;
	}
	if ((r = keyring_store_open(pz_buf_str(&user), pz_buf_str(&sock),
	    deadline, &ks, &err)) == KEYRING_OK)
		r = keyring_store_put(ks, dump.data, dump.len, &err);
	status = res_status(r);
	if (r != KEYRING_OK)
		say(status, "%s", err.msg);
out:
	keyring_store_free(ks);
	pz_buf_clear(&dump);
	pz_buf_clear(&user);
	pz_buf_clear(&sock);
	return status;
}

int
keyring_restore(int timeout_ms)
{
	int64_t deadline = keyring_store_now_ms() + timeout_ms;
	struct pz_buf user = PZ_BUF_INIT, sock = PZ_BUF_INIT;
	struct pz_buf req = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	struct keyring_store *ks = NULL;
	struct pz_ctl_msg m;
	struct pz_err err;
	enum keyring_res r;
	int status;

	if (identity(&user, &sock, &err) == -1) {
		status = say(KEYRING_EXIT_DAEMON, "%s", err.msg);
		goto out;
	}
	if (!pz_ctl_alive(pz_buf_str(&sock))) {
		status = say(KEYRING_EXIT_DAEMON, "%s", PZ_CTL_NOT_RUNNING);
		goto out;
	}
	if (pz_buf_puts(&req, "restore:") == -1) {
		status = say(KEYRING_EXIT_KEYRING, "Out of memory");
		goto out;
	}
	if ((r = keyring_store_open(pz_buf_str(&user), pz_buf_str(&sock),
	    deadline, &ks, &err)) == KEYRING_OK)
		r = keyring_store_get(ks, &req, &err);
	/* Done with the bus before the daemon is asked. */
	keyring_store_free(ks);
	ks = NULL;
	if (r == KEYRING_ABSENT) {
		status = say(KEYRING_EXIT_OK, "no dump stored in the keyring "
		    "for %s: nothing to restore", pz_buf_str(&sock));
		goto out;
	}
	if (r != KEYRING_OK) {
		status = say(res_status(r), "%s", err.msg);
		goto out;
	}
	if (req.len > PZ_CTL_MAX_MSG) {
		status = say(KEYRING_EXIT_KEYRING, "the keyring item is too "
		    "large to be a pizauth dump");
		goto out;
	}
	if (pz_ctl_call(pz_buf_str(&sock), req.data, req.len, &reply,
	    left_ms(deadline), 0, &err) != 0) {
		status = say(KEYRING_EXIT_DAEMON, "%s", err.msg);
		goto out;
	}
	if (pz_ctl_split(reply.data, reply.len, &m) == -1)
		status = say(KEYRING_EXIT_DAEMON, "Malformed response '%s'",
		    pz_buf_str(&reply));
	else if (pz_ctl_head_is(&m, "ok"))
		status = KEYRING_EXIT_OK;
	else if (pz_ctl_head_is(&m, "error"))
		status = say(KEYRING_EXIT_DAEMON, "pizauth refused the stored "
		    "dump: %.*s", (int)m.bodylen, m.body);
	else
		status = say(KEYRING_EXIT_DAEMON, "Malformed response '%.*s'",
		    (int)m.headlen, m.head);
out:
	keyring_store_free(ks);
	pz_buf_clear(&req);
	pz_buf_clear(&reply);
	pz_buf_clear(&user);
	pz_buf_clear(&sock);
	return status;
}

int
keyring_clear(int timeout_ms)
{
	int64_t deadline = keyring_store_now_ms() + timeout_ms;
	struct pz_buf user = PZ_BUF_INIT, sock = PZ_BUF_INIT;
	struct keyring_store *ks = NULL;
	struct pz_err err;
	enum keyring_res r;
	int status;

	if (identity(&user, &sock, &err) == -1) {
		status = say(KEYRING_EXIT_DAEMON, "%s", err.msg);
		goto out;
	}
	if ((r = keyring_store_open(pz_buf_str(&user), pz_buf_str(&sock),
	    deadline, &ks, &err)) == KEYRING_OK)
		r = keyring_store_delete(ks, &err);
	status = res_status(r);
	if (r == KEYRING_ABSENT)
		say(status, "no dump stored in the keyring for %s",
		    pz_buf_str(&sock));
	else if (r != KEYRING_OK)
		say(status, "%s", err.msg);
out:
	keyring_store_free(ks);
	pz_buf_clear(&user);
	pz_buf_clear(&sock);
	return status;
}
