/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The control socket's connections: accept, read, answer, close. */
#include <sys/epoll.h>
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
#include "core/secret.h"
#include "daemon/server/clock.h"
#include "daemon/server/control.h"
#include "daemon/server/log.h"
#include "daemon/server/server.h"

struct control {
	struct server		*srv;
	struct evconnlistener	*listener;
	struct event		*resume;	/* accept again after EMFILE */
	struct ctl_conn		*conns;		/* open connections */
	uid_t			 uid;		/* ours: the only one let in */
	int			 hup_fd;	/* epoll of watched connections */
	struct event		*hup_ev;	/* hup_fd has something */
};

struct ctl_conn {
	struct control		*ctl;
	int			 fd;
	struct event		*rev;	/* waiting for more of the request */
	int64_t			 deadline;	/* for the whole request */
	struct bufferevent	*bev;	/* only for a reply too big to send */
	struct pz_buf		 in;	/* the request so far */
	int			 shutdown_after;
	void			(*hup_cb)(void *);	/* if watched */
	void			*hup_arg;
	struct ctl_conn		*prev, *next;
};

static void
unwatch(struct ctl_conn *c)
{
	if (c->hup_cb == NULL)
		return;
	epoll_ctl(c->ctl->hup_fd, EPOLL_CTL_DEL, c->fd, NULL);
	c->hup_cb = NULL;
}

static void
conn_free(struct ctl_conn *c)
{
	struct evbuffer *in;
	unsigned char *p;
	size_t n;

	unwatch(c);
	/* The request may have held a dump (tokens): wipe it. */
	pz_buf_clear(&c->in);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->bev != NULL) {
		in = bufferevent_get_input(c->bev);
		if ((n = evbuffer_get_length(in)) > 0 &&
		    (p = evbuffer_pullup(in, (ev_ssize_t)n)) != NULL)
			explicit_bzero(p, n);
		bufferevent_free(c->bev);
	} else
		close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
}

static void
finish(struct ctl_conn *c)
{
	struct server *srv = c->ctl->srv;
	int stop = c->shutdown_after;

	conn_free(c);
	if (stop)
		server_shutdown(srv);
}

static void
on_written(struct bufferevent *bev, void *arg)
{
	finish(arg);
}

/* The client went away (or stopped reading) before taking its reply. */
static void
on_write_error(struct bufferevent *bev, short what, void *arg)
{
	finish(arg);
}

/* Hand the connection to a bufferevent (the fast path could not finish). */
static int
to_bufferevent(struct ctl_conn *c)
{
	if (c->bev != NULL)
		return 0;
	if ((c->bev = bufferevent_socket_new(c->ctl->srv->base, c->fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	return 0;
}

static void
write_and_close(struct ctl_conn *c, const char *data, size_t len)
{
	struct timeval tv = { CONTROL_READ_TIMEOUT_S, 0 };
	ssize_t n;

	unwatch(c);
	if (c->rev != NULL) {
		event_free(c->rev);
		c->rev = NULL;
	}
	/* Fast path: replies are small and the socket buffer empty. */
	while (c->bev == NULL && len > 0) {
		n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN)
			break;
		else {
			finish(c);	/* the client is gone */
			return;
		}
	}
	if (len == 0) {
		finish(c);
		return;
	}
	if (to_bufferevent(c) == -1) {
		finish(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, on_written, on_write_error, c);
	/* A client that never reads must not hold the connection for ever. */
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	if (bufferevent_write(c->bev, data, len) == -1)
		finish(c);
}

static void
reply_and_close(struct ctl_conn *c, const struct pz_buf *reply)
{
	write_and_close(c, reply->data, reply->len);
}

/*
 * A client waiting on a deferred request has shut down its sending side, so
 * its socket is always readable and libevent cannot tell when it leaves.
 * epoll can: it reports EPOLLHUP, even with no events asked for, once the
 * peer has closed both sides.  The watched sockets sit in an epoll set of
 * their own, and libevent watches that set; nothing wakes the daemon until
 * a client really goes.
 */
int
control_on_hangup(struct ctl_conn *c, void (*cb)(void *), void *arg)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.data.ptr = c;
	if (c->hup_cb != NULL ||
	    epoll_ctl(c->ctl->hup_fd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		return -1;
	c->hup_cb = cb;
	c->hup_arg = arg;
	return 0;
}

static void
on_hangups(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	struct epoll_event ev;
	struct ctl_conn *c;
	void (*cb)(void *);

	/* One at a time: a callback may free other connections. */
	while (epoll_wait(ctl->hup_fd, &ev, 1, 0) == 1) {
		c = ev.data.ptr;
		cb = c->hup_cb;
		unwatch(c);
		if (cb != NULL)
			cb(c->hup_arg);
	}
}

void
control_drop(struct ctl_conn *c)
{
	conn_free(c);
}

void
control_answer(struct ctl_conn *c, const char *reply, size_t len)
{
	write_and_close(c, reply, len);
}

/* The whole request is in: answer it, then wipe it (restore requests carry
 * tokens). */
static void
answer(struct ctl_conn *c, const char *req, size_t len)
{
	struct pz_buf reply = PZ_BUF_INIT;
	enum ctl_result result;

	result = control_dispatch(c->ctl->srv, c, len > 0 ? req : "", len,
	    &reply);
	if (len > 0)
		explicit_bzero((void *)req, len);
	switch (result) {
	case CTL_DEFERRED:
		/* Nothing more to read; the owner bounds the wait. */
		if (c->rev != NULL) {
			event_free(c->rev);
			c->rev = NULL;
		}
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
answer_error(struct ctl_conn *c, const char *msg)
{
	struct pz_buf reply = PZ_BUF_INIT;

	pz_buf_printf(&reply, "error:%s", msg);
	reply_and_close(c, &reply);
	pz_buf_clear(&reply);
}

static void	read_request(struct ctl_conn *);

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn *c = arg;

	if (what & EV_TIMEOUT) {
		log_debug("control: client sent no complete request in %d s",
		    CONTROL_READ_TIMEOUT_S);
		answer_error(c, "Timed out waiting for request");
		return;
	}
	read_request(c);
}

/*
 * Read what the client has sent.  By the time we accept, a client has
 * usually written its whole request and shut down its side, so this reads
 * it at once and answers without ever registering the connection with the
 * event loop; otherwise it waits for more, with a deadline for the whole
 * request and a size cap, costing the other clients nothing.
 */
static void
read_request(struct ctl_conn *c)
{
	struct timeval tv;
	char chunk[4096];
	size_t dirty = 0;	/* how much of chunk to wipe */
	int64_t left;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > dirty)
			dirty = (size_t)n;
		if (c->in.len + (size_t)n > PZ_CTL_MAX_MSG ||
		    pz_buf_append(&c->in, chunk, (size_t)n) == -1) {
			pz_wipe(chunk, dirty);
			log_warnx("control: request too large; dropped");
			answer_error(c, "Request too large");
			return;
		}
	}
	pz_wipe(chunk, dirty);
	if (n == 0) {
		answer(c, pz_buf_str(&c->in), c->in.len);
		return;
	}
	if (errno != EAGAIN) {
		conn_free(c);
		return;
	}
	if (c->rev == NULL &&
	    (c->rev = event_new(c->ctl->srv->base, c->fd, EV_READ,
	    on_readable, c)) == NULL) {
		conn_free(c);
		return;
	}
	left = c->deadline - clock_now();
	tv.tv_sec = left > 0 ? left / 1000 : 0;
	tv.tv_usec = left > 0 ? (left % 1000) * 1000 : 0;
	event_add(c->rev, &tv);
}

static int
peer_is(evutil_socket_t fd, uid_t uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    cred.uid == uid;
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct control *ctl = arg;
	struct ctl_conn *c;

	if (!peer_is(fd, ctl->uid)) {
		log_warnx("control: connection from another user refused");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->deadline = clock_now() + CONTROL_READ_TIMEOUT_S * 1000;
	if ((c->next = ctl->conns) != NULL)
		c->next->prev = c;
	ctl->conns = c;
	read_request(c);
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
	ctl->uid = getuid();
	if ((ctl->hup_fd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (ctl->hup_ev = event_new(srv->base, ctl->hup_fd,
	    EV_READ | EV_PERSIST, on_hangups, ctl)) == NULL ||
	    event_add(ctl->hup_ev, NULL) == -1) {
		pz_errf(err, "Can't watch for clients hanging up: %s",
		    strerror(errno));
		control_free(ctl);
		return NULL;
	}
	old = umask(0077);
	ctl->listener = evconnlistener_new_bind(srv->base, on_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, SOMAXCONN,
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
	if (ctl->hup_ev != NULL)
		event_free(ctl->hup_ev);
	if (ctl->hup_fd != -1)
		close(ctl->hup_fd);
	free(ctl);
}

