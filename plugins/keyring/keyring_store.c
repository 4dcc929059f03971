/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The dump's keyring item, through libsecret, with bounded waits. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "core/buf.h"
#include "core/err.h"
#include "plugins/keyring/keyring_store.h"

/* How long a cancelled call may take to say so before we stop listening. */
#define CANCEL_GRACE_MS	500

struct keyring_store {
	GMainContext	*ctx;		/* private, thread-default while open */
	GCancellable	*cancel;	/* cancelled at the deadline */
	GDBusConnection	*bus;
	SecretService	*service;
	GHashTable	*attrs;		/* user, socket (borrowed strings) */
	char		*user;
	char		*socket;
	int64_t		 deadline;	/* keyring_store_now_ms() time */
	int64_t		 budget_ms;	/* for messages: the whole allowance */
	int		 broken;	/* a call outlived its deadline */
};

/* One asynchronous call in flight: its callback records the result. */
struct op {
	int		 done;
	GAsyncResult	*res;
};

static const SecretSchema keyring_schema = {
	.name = KEYRING_SCHEMA,
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ KEYRING_ATTR_USER, SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ KEYRING_ATTR_SOCKET, SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

int64_t
keyring_store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* err := the formatted message; returns r. */
static enum keyring_res
res_err(enum keyring_res r, struct pz_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return r;
}

static void
op_done(GObject *src, GAsyncResult *res, gpointer arg)
{
	struct op *op = arg;

	op->res = g_object_ref(res);
	op->done = 1;
}

static void
op_clear(struct op *op)
{
	if (op->res != NULL)
		g_object_unref(op->res);
	op->res = NULL;
	op->done = 0;
}

static int
timed_out(struct keyring_store *ks, struct pz_err *err)
{
	return pz_errf(err, "no answer from the Secret Service within %lld "
	    "seconds", (long long)(ks->budget_ms + 999) / 1000);
}

static gboolean
wake(gpointer arg)
{
	return G_SOURCE_REMOVE;
}

/* Run the private context until op is done or until (monotonic ms). */
static int
run_until(struct keyring_store *ks, struct op *op, int64_t until)
{
	GSource *t;
	int64_t left;

	while (!op->done) {
		if ((left = until - keyring_store_now_ms()) <= 0)
			return -1;
		/* A timer source so the blocking iteration returns in time. */
		t = g_timeout_source_new((guint)left);
		g_source_set_callback(t, wake, NULL, NULL);
		g_source_attach(t, ks->ctx);
		g_main_context_iteration(ks->ctx, TRUE);
		g_source_destroy(t);
		g_source_unref(t);
	}
	return 0;
}

/*
 * Wait for op.  At the deadline the call is cancelled; if it does not
 * even report that, the store is broken: op's callback could still run,
 * so the context is never iterated again.
 */
static int
wait_op(struct keyring_store *ks, struct op *op, struct pz_err *err)
{
	if (ks->broken)
		return pz_errf(err, "the Secret Service stopped answering");
	if (run_until(ks, op, ks->deadline) == 0)
		return 0;
	g_cancellable_cancel(ks->cancel);
	if (run_until(ks, op, keyring_store_now_ms() + CANCEL_GRACE_MS) == 0)
		return 0;	/* the finish function reports "cancelled" */
	ks->broken = 1;
	return timed_out(ks, err);
}

/* err := "what: message" on one line; LOCKED for a locked-object error. */
static enum keyring_res
fail(struct keyring_store *ks, GError *gerr, const char *what,
    struct pz_err *err)
{
	enum keyring_res r = KEYRING_FAIL;
	char *remote, *p;

	remote = g_dbus_error_get_remote_error(gerr);
	if (g_error_matches(gerr, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		timed_out(ks, err);
	} else if (g_error_matches(gerr, SECRET_ERROR,
	    SECRET_ERROR_IS_LOCKED) || (remote != NULL &&
	    strcmp(remote, "org.freedesktop.Secret.Error.IsLocked") == 0)) {
		pz_errf(err, "the keyring is locked: unlock it and try again");
		r = KEYRING_LOCKED;
	} else if (remote != NULL && (strcmp(remote,
	    "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)) {
		pz_errf(err, "no Secret Service on the D-Bus session bus "
		    "(no keyring daemon such as gnome-keyring is running)");
	} else {
		g_dbus_error_strip_remote_error(gerr);
		pz_errf(err, "%s: %s", what, gerr->message);
		/* One line: messages from D-Bus peers may hold newlines. */
		for (p = err->msg; *p != '\0'; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	g_free(remote);
	g_error_free(gerr);
	return r;
}

/*
 * Is there a session bus to talk to?  GDBus would otherwise try to
 * autolaunch one (dbus-launch on an X display): never what a hook wants.
 */
static int
session_bus_present(struct pz_err *err)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct pz_buf path = PZ_BUF_INIT;
	struct stat sb;
	int ok;

	if (addr != NULL && *addr != '\0')
		return 0;
	/* The systemd user bus, which GDBus finds on its own. */
	ok = rt != NULL && *rt == '/' &&
	    pz_buf_printf(&path, "%s/bus", rt) == 0 &&
	    stat(pz_buf_str(&path), &sb) == 0 && S_ISSOCK(sb.st_mode);
	pz_buf_clear(&path);
	if (ok)
		return 0;
	return pz_errf(err, "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS "
	    "is not set and there is no $XDG_RUNTIME_DIR/bus");
}

enum keyring_res
keyring_store_open(const char *user, const char *socket, int64_t deadline_ms,
    struct keyring_store **ksp, struct pz_err *err)
{
	struct keyring_store *ks;
	struct op op = { 0, NULL };
	GError *gerr = NULL;

	*ksp = NULL;
	if (session_bus_present(err) == -1)
		return KEYRING_FAIL;
	if ((ks = calloc(1, sizeof(*ks))) == NULL ||
	    (ks->user = strdup(user)) == NULL ||
	    (ks->socket = strdup(socket)) == NULL) {
		keyring_store_free(ks);
		pz_errf(err, "Out of memory");
		return KEYRING_FAIL;
	}
	ks->deadline = deadline_ms;
	ks->budget_ms = deadline_ms - keyring_store_now_ms();
	ks->ctx = g_main_context_new();
	g_main_context_push_thread_default(ks->ctx);
	ks->cancel = g_cancellable_new();
	ks->attrs = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(ks->attrs, (gpointer)KEYRING_ATTR_USER, ks->user);
	g_hash_table_insert(ks->attrs, (gpointer)KEYRING_ATTR_SOCKET,
	    ks->socket);
	*ksp = ks;

	g_bus_get(G_BUS_TYPE_SESSION, ks->cancel, op_done, &op);
	if (wait_op(ks, &op, err) == -1)
		return KEYRING_FAIL;
	ks->bus = g_bus_get_finish(op.res, &gerr);
	op_clear(&op);
	if (ks->bus == NULL)
		return fail(ks, gerr, "cannot connect to the D-Bus session bus",
		    err);
	/* The default would raise SIGTERM if the bus went away. */
	g_dbus_connection_set_exit_on_close(ks->bus, FALSE);

	/* A session encrypts the secret in transit; opening one never
	 * prompts.  A private instance: nothing global to tear down. */
	secret_service_open(SECRET_TYPE_SERVICE, NULL,
	    SECRET_SERVICE_OPEN_SESSION, ks->cancel, op_done, &op);
	if (wait_op(ks, &op, err) == -1)
		return KEYRING_FAIL;
	ks->service = secret_service_open_finish(op.res, &gerr);
	op_clear(&op);
	if (ks->service == NULL)
		return fail(ks, gerr, "cannot open the Secret Service", err);
	return KEYRING_OK;
}

void
keyring_store_free(struct keyring_store *ks)
{
	int i;

	if (ks == NULL)
		return;
	if (ks->service != NULL)
		g_object_unref(ks->service);
	if (ks->bus != NULL)
		g_object_unref(ks->bus);
	if (ks->attrs != NULL)
		g_hash_table_unref(ks->attrs);
	if (ks->cancel != NULL)
		g_object_unref(ks->cancel);
	if (ks->ctx != NULL) {
		/* Let unreferenced proxies finish their clean-up; not after a
		 * timeout, when a stale callback could still be pending. */
		for (i = 0; !ks->broken && i < 100 &&
		    g_main_context_iteration(ks->ctx, FALSE); i++)
			;
		g_main_context_pop_thread_default(ks->ctx);
		g_main_context_unref(ks->ctx);
	}
	free(ks->user);
	free(ks->socket);
	free(ks);
}

/* Every item of our (user, socket), locked ones included. */
static enum keyring_res
search(struct keyring_store *ks, GList **items, struct pz_err *err)
{
	struct op op = { 0, NULL };
	GError *gerr = NULL;

	*items = NULL;
	/* No SECRET_SEARCH_UNLOCK: that would prompt. */
	secret_service_search(ks->service, &keyring_schema, ks->attrs,
	    SECRET_SEARCH_ALL, ks->cancel, op_done, &op);
	if (wait_op(ks, &op, err) == -1)
		return KEYRING_FAIL;
	*items = secret_service_search_finish(ks->service, op.res, &gerr);
	op_clear(&op);
	if (gerr != NULL)
		return fail(ks, gerr, "cannot search the keyring", err);
	return KEYRING_OK;
}

static void
items_free(GList *items)
{
	g_list_free_full(items, g_object_unref);
}

/* The default collection into *coll (NULL if the service has none). */
static enum keyring_res
default_collection(struct keyring_store *ks, SecretCollection **coll,
    struct pz_err *err)
{
	struct op op = { 0, NULL };
	GError *gerr = NULL;

	*coll = NULL;
	secret_collection_for_alias(ks->service, SECRET_COLLECTION_DEFAULT,
	    SECRET_COLLECTION_NONE, ks->cancel, op_done, &op);
	if (wait_op(ks, &op, err) == -1)
		return KEYRING_FAIL;
	*coll = secret_collection_for_alias_finish(op.res, &gerr);
	op_clear(&op);
	if (gerr != NULL)
		return fail(ks, gerr, "cannot find the default keyring", err);
	return KEYRING_OK;
}

static enum keyring_res
collection_locked(SecretCollection *coll, const char *why,
    struct pz_err *err)
{
	char *label = secret_collection_get_label(coll);

	pz_errf(err, "keyring '%s' is locked%s", label != NULL ? label : "",
	    why);
	g_free(label);
	return KEYRING_LOCKED;
}

/*
 * Nothing of ours was found: absent, unless the default keyring is locked,
 * when a Secret Service may hide its items (lookups in a locked collection
 * find nothing and report no error).
 */
static enum keyring_res
absent_or_locked(struct keyring_store *ks, struct pz_err *err)
{
	SecretCollection *coll;
	enum keyring_res r;

	if ((r = default_collection(ks, &coll, err)) != KEYRING_OK)
		return r;
	r = KEYRING_ABSENT;
	if (coll != NULL && secret_collection_get_locked(coll))
		r = collection_locked(coll,
		    ": cannot tell whether a dump is stored", err);
	if (coll != NULL)
		g_object_unref(coll);
	return r;
}

static int
any_locked(GList *items)
{
	for (; items != NULL; items = items->next)
		if (secret_item_get_locked(items->data))
			return 1;
	return 0;
}

static enum keyring_res
item_delete(struct keyring_store *ks, SecretItem *item, struct pz_err *err)
{
	struct op op = { 0, NULL };
	GError *gerr = NULL;

	secret_item_delete(item, ks->cancel, op_done, &op);
	if (wait_op(ks, &op, err) == -1)
		return KEYRING_FAIL;
	secret_item_delete_finish(item, op.res, &gerr);
	op_clear(&op);
	if (gerr != NULL)
		return fail(ks, gerr, "cannot delete the keyring item", err);
	return KEYRING_OK;
}

enum keyring_res
keyring_store_get(struct keyring_store *ks, struct pz_buf *out,
    struct pz_err *err)
{
	struct op op = { 0, NULL };
	GError *gerr = NULL;
	GList *items, *l;
	SecretItem *item = NULL;
	SecretValue *value;
	enum keyring_res r;
	const char *data;
	gsize len;

	if ((r = search(ks, &items, err)) != KEYRING_OK)
		return r;
	for (l = items; l != NULL && item == NULL; l = l->next)
		if (!secret_item_get_locked(l->data))
			item = l->data;
	if (item == NULL) {
		r = items != NULL ? res_err(KEYRING_LOCKED, err,
		    "the keyring holding the stored dump is locked") :
		    absent_or_locked(ks, err);
		items_free(items);
		return r;
	}
	secret_item_load_secret(item, ks->cancel, op_done, &op);
	if (wait_op(ks, &op, err) == -1) {
		items_free(items);
		return KEYRING_FAIL;
	}
	secret_item_load_secret_finish(item, op.res, &gerr);
	op_clear(&op);
	if (gerr != NULL) {
		items_free(items);
		return fail(ks, gerr, "cannot read the keyring item", err);
	}
	/* The value lives in libsecret's wiped-on-free memory. */
	if ((value = secret_item_get_secret(item)) == NULL) {
		items_free(items);
		return res_err(KEYRING_FAIL, err,
		    "the keyring item has no secret");
	}
	data = secret_value_get(value, &len);
	r = KEYRING_OK;
	if (pz_buf_append(out, data, len) == -1) {
		pz_errf(err, "Out of memory");
		r = KEYRING_FAIL;
	}
	secret_value_unref(value);
	items_free(items);
	return r;
}

/* Store value in a new item of the default collection. */
static enum keyring_res
create(struct keyring_store *ks, SecretValue *value, struct pz_err *err)
{
	struct op op = { 0, NULL };
	GError *gerr = NULL;
	SecretCollection *coll;
	enum keyring_res r;
	char *path;

	if ((r = default_collection(ks, &coll, err)) != KEYRING_OK)
		return r;
	if (coll == NULL)
		return res_err(KEYRING_FAIL, err,
		    "the Secret Service has no default keyring");
	/* Checked first: storing in a locked collection could prompt. */
	if (secret_collection_get_locked(coll)) {
		r = collection_locked(coll, "", err);
		g_object_unref(coll);
		return r;
	}
	/*
	 * Stored by path, with the proxy gone: a SecretCollection alive
	 * when its ItemCreated signal arrives leaks a GVariant (libsecret
	 * 0.20, secret_collection_signal()).
	 */
	path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(coll)));
	g_object_unref(coll);
	secret_service_store(ks->service, &keyring_schema, ks->attrs, path,
	    KEYRING_LABEL, value, ks->cancel, op_done, &op);
	g_free(path);
	if (wait_op(ks, &op, err) == -1)
		return KEYRING_FAIL;
	secret_service_store_finish(ks->service, op.res, &gerr);
	op_clear(&op);
	if (gerr != NULL)
		return fail(ks, gerr, "cannot store the keyring item", err);
	return KEYRING_OK;
}

enum keyring_res
keyring_store_put(struct keyring_store *ks, const void *data, size_t len,
    struct pz_err *err)
{
	struct op op = { 0, NULL };
	GError *gerr = NULL;
	GList *items, *l;
	SecretValue *value;
	enum keyring_res r;

	if ((r = search(ks, &items, err)) != KEYRING_OK)
		return r;
	if (any_locked(items)) {
		items_free(items);
		return res_err(KEYRING_LOCKED, err,
		    "the keyring holding the stored dump is locked");
	}
	/* Copied into libsecret's wiped-on-free memory. */
	value = secret_value_new(data, (gssize)len, "application/octet-stream");
	if (items == NULL) {
		r = create(ks, value, err);
		secret_value_unref(value);
		return r;
	}
	/* Replace in place, wherever the user keeps the item. */
	secret_item_set_secret(items->data, value, ks->cancel, op_done, &op);
	secret_value_unref(value);
	if (wait_op(ks, &op, err) == -1) {
		items_free(items);
		return KEYRING_FAIL;
	}
	secret_item_set_secret_finish(items->data, op.res, &gerr);
	op_clear(&op);
	if (gerr != NULL) {
		items_free(items);
		return fail(ks, gerr, "cannot store the keyring item", err);
	}
	/* Copies left by other tools would be restored by chance. */
	for (l = items->next; l != NULL && r == KEYRING_OK; l = l->next)
		r = item_delete(ks, l->data, err);
	items_free(items);
	return r;
}

enum keyring_res
keyring_store_delete(struct keyring_store *ks, struct pz_err *err)
{
	GList *items, *l;
	enum keyring_res r;

	if ((r = search(ks, &items, err)) != KEYRING_OK)
		return r;
	if (items == NULL)
		return absent_or_locked(ks, err);
	/* All or nothing: a locked copy would survive and be restored. */
	if (any_locked(items)) {
		items_free(items);
		return res_err(KEYRING_LOCKED, err,
		    "the keyring holding the stored dump is locked");
	}
	for (l = items; l != NULL && r == KEYRING_OK; l = l->next)
		r = item_delete(ks, l->data, err);
	items_free(items);
	return r;
}
