/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The control socket's connections: accept, read, answer, close. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/ctl.h"
#include "daemon/server/control.h"
#include "daemon/server/log.h"
#include "daemon/server/server.h"

struct control {
	struct server		*srv;
	struct evconnlistener	*listener;
	struct event		*resume;	/* accept again after EMFILE */
	struct ctl_conn		*conns;		/* open connections */
};

struct ctl_conn {
	struct control		*ctl;
	struct bufferevent	*bev;
	int			 shutdown_after;
	struct ctl_conn		*prev, *next;
};

static void
conn_free(struct ctl_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	/* The request may have held a dump (tokens): wipe it. */
	if (evbuffer_get_length(in) > 0) {
		size_t n = evbuffer_get_length(in);
		unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)n);

		if (p != NULL)
			explicit_bzero(p, n);
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
}

static void
on_written(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct server *srv = c->ctl->srv;
	int stop = c->shutdown_after;

	conn_free(c);
	if (stop)
		server_shutdown(srv);
}

/* The client went away (or stopped reading) before taking its reply. */
static void
on_write_error(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;
	struct server *srv = c->ctl->srv;
	int stop = c->shutdown_after;

	conn_free(c);
	if (stop)
		server_shutdown(srv);
}

static void
write_and_close(struct ctl_conn *c, const char *data, size_t len)
{
	struct timeval tv = { CONTROL_READ_TIMEOUT_S, 0 };

	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, on_written, on_write_error, c);
	/* A client that never reads must not hold the connection for ever. */
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	if (len == 0 || bufferevent_write(c->bev, data, len) == -1)
		on_written(c->bev, c);
}

static void
reply_and_close(struct ctl_conn *c, const struct pz_buf *reply)
{
	write_and_close(c, reply->data, reply->len);
}

void
control_answer(struct ctl_conn *c, const char *reply, size_t len)
{
	write_and_close(c, reply, len);
}

/* The whole request is in: answer it. */
static void
answer(struct ctl_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct pz_buf reply = PZ_BUF_INIT;
	size_t len = evbuffer_get_length(in);
	const char *req = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);

	enum ctl_result result;

	if (len > 0 && req == NULL) {
		pz_buf_puts(&reply, "error:Out of memory");
		reply_and_close(c, &reply);
		pz_buf_clear(&reply);
		return;
	}
	result = control_dispatch(c->ctl->srv, c, len > 0 ? req : "", len,
	    &reply);
	/* Wipe the request now: restore requests carry tokens. */
	if (len > 0)
		explicit_bzero((void *)req, len);
	evbuffer_drain(in, len);
	switch (result) {
	case CTL_DEFERRED:
		/* Nothing more to read; the owner bounds the wait. */
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_set_timeouts(c->bev, NULL, NULL);
		break;
	case CTL_REPLY_SHUTDOWN:
		c->shutdown_after = 1;
		/* FALLTHROUGH */
	case CTL_REPLY:
		reply_and_close(c, &reply);
		break;
	}
	pz_buf_clear(&reply);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;
	struct pz_buf reply = PZ_BUF_INIT;

	if (evbuffer_get_length(bufferevent_get_input(bev)) >
	    PZ_CTL_MAX_MSG) {
		log_warnx("control: request too large; dropped");
		pz_buf_puts(&reply, "error:Request too large");
		reply_and_close(c, &reply);
		pz_buf_clear(&reply);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;
	struct pz_buf reply = PZ_BUF_INIT;

	if (what & BEV_EVENT_EOF) {
		answer(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		log_debug("control: client sent no complete request in %d s",
		    CONTROL_READ_TIMEOUT_S);
		pz_buf_puts(&reply, "error:Timed out waiting for request");
		reply_and_close(c, &reply);
		pz_buf_clear(&reply);
		return;
	}
	conn_free(c);
}

static int
peer_is_us(evutil_socket_t fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    cred.uid == getuid();
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct control *ctl = arg;
	struct timeval tv = { CONTROL_READ_TIMEOUT_S, 0 };
	struct ctl_conn *c;

	if (!peer_is_us(fd)) {
		log_warnx("control: connection from another user refused");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(ctl->srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->ctl = ctl;
	if ((c->next = ctl->conns) != NULL)
		c->next->prev = c;
	ctl->conns = c;
	/* Read one byte past the cap so on_read can see a request is too big. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, PZ_CTL_MAX_MSG + 1);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	evconnlistener_enable(ctl->listener);
}

/* Out of descriptors: stop accepting for a second rather than spin. */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct control *ctl = arg;
	struct timeval tv = { 1, 0 };

	log_warn("control: accept");
	if (errno == EMFILE || errno == ENFILE) {
		evconnlistener_disable(l);
		evtimer_add(ctl->resume, &tv);
	}
}

struct control *
control_new(struct server *srv, const char *path, struct pz_err *err)
{
	struct sockaddr_un sun;
	struct control *ctl;
	mode_t old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		pz_errf(err, "Socket path too long: %s", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		pz_errf(err, "Out of memory");
		return NULL;
	}
	ctl->srv = srv;
	old = umask(0077);
	ctl->listener = evconnlistener_new_bind(srv->base, on_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ctl->listener == NULL ||
	    (ctl->resume = evtimer_new(srv->base, on_resume, ctl)) == NULL) {
		pz_errf(err, "Can't listen on %s: %s", path, strerror(errno));
		control_free(ctl);
		return NULL;
	}
	evconnlistener_set_error_cb(ctl->listener, on_accept_error);
	return ctl;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->conns != NULL)
		conn_free(ctl->conns);
	if (ctl->listener != NULL)
		evconnlistener_free(ctl->listener);
	if (ctl->resume != NULL)
		event_free(ctl->resume);
	free(ctl);
}
