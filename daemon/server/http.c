/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* libcurl multi on libevent: the daemon's outgoing requests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "core/buf.h"
#include "core/form.h"
#include "daemon/server/clock.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"
#include "daemon/server/memory.h"

/*
 * Outstanding requests (in flight and waiting) past which memory is given
 * back once they are down to HTTP_TRIM_LOW: each in flight holds curl's
 * buffers, and a burst leaves the heap fragmented.
 */
#define HTTP_TRIM_BURST		64
#define HTTP_TRIM_LOW		8
/* Idle connections kept for reuse, and for how long. */
#define HTTP_IDLE_CONNECTIONS	HTTP_HOST_CONNECTIONS_MAX
#define HTTP_IDLE_S		30

struct origin;

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;		/* curl's timeouts */
	struct event		*tick;		/* our queues' */
	struct origin		*origins;	/* with requests, a list */
	struct http_req		*inflight;	/* curl has them, a list */
	unsigned		 active;	/* requests curl has */
	unsigned		 outstanding;	/* and those waiting */
	unsigned		 peak;		/* of outstanding, since trim */
	int			 kicked;	/* tick is due at once */
};

/* Where requests to one scheme://host:port wait for a connection. */
struct origin {
	struct http		*h;
	char			*key;		/* scheme://host:port */
	char			*name;		/* host[:port], for messages */
	unsigned		 active;
	unsigned		 limit;		/* on active */
	int64_t			 grown;		/* when limit last grew */
	struct http_req		*head, *tail;	/* waiting, oldest first */
	struct origin		*next;
};

struct http_req {
	struct http		*h;
	struct origin		*o;
	char			*url;
	CURL			*easy;		/* NULL while waiting */
	struct curl_slist	*headers;
	struct pz_buf		 form;		/* the body we send */
	struct pz_buf		 resp;		/* the body we receive */
	char			*retry_after;
	char			 errbuf[CURL_ERROR_SIZE];
	int64_t			 queued;	/* when it began to wait */
	int			 post;		/* else GET */
	int			 too_big;
	int			 delivering;	/* its callback runs */
	http_cb			 cb;
	void			*arg;
	/* In o's queue while easy is NULL, then in h's inflight list. */
	struct http_req		*prev, *next;
};

/* Per-socket state curl asks us to watch. */
struct sock {
	struct http		*h;
	struct event		*ev;
};

static void	check_done(struct http *h);

/* Run service() on the loop's next turn. */
static void
kick(struct http *h)
{
	static const struct timeval now = { 0, 0 };

	h->kicked = 1;
	evtimer_add(h->tick, &now);
}

/* Take r out of its origin's queue or the inflight list. */
static void
unlink_req(struct http_req *r)
{
	struct origin *o = r->o;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (r->easy != NULL)
		r->h->inflight = r->next;
	else
		o->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else if (r->easy == NULL)
		o->tail = r->prev;
	r->prev = r->next = NULL;
}

static void
req_free(struct http_req *r)
{
	struct http *h = r->h;

	unlink_req(r);
	if (r->easy != NULL) {
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->o->active--;
		h->active--;
	}
	h->outstanding--;
	curl_slist_free_all(r->headers);
	pz_buf_clear(&r->form);
	pz_buf_clear(&r->resp);
	free(r->retry_after);
	free(r->url);
	free(r);
}

/* Hand r's result to its owner, then free r. */
static void
deliver(struct http_req *r, const struct http_result *res)
{
	r->delivering = 1;
	r->cb(res, r->arg);
	req_free(r);
}

static void
deliver_error(struct http_req *r, const char *error)
{
	struct http_result res;

	memset(&res, 0, sizeof(res));
	res.body = "";
	res.error = error;
	deliver(r, &res);
}

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;
	struct http *h = s->h;
	int running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	check_done(h);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl wants. */
static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct http *h = userp;
	struct sock *s = sockp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		curl_multi_assign(h->multi, fd, NULL);
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		s->h = h;
		curl_multi_assign(h->multi, fd, s);
	} else
		event_free(s->ev);
	if ((s->ev = event_new(h->base, fd, kind, on_socket_event, s)) ==
	    NULL) {
		curl_multi_assign(h->multi, fd, NULL);
		free(s);
		return -1;
	}
	event_add(s->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one libevent timer for all of curl's timeouts. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;

	if (r->resp.len + n > HTTP_MAX_RESPONSE) {
		r->too_big = 1;
		return 0;	/* makes curl fail the transfer */
	}
	if (pz_buf_append(&r->resp, data, n) == -1)
		return 0;
	return size * n;
}

static size_t
header_cb(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct http_req *r = arg;
	size_t len = size * n, vlen;
	const char *v;

	if (len > sizeof(name) - 1 &&
	    strncasecmp(data, name, sizeof(name) - 1) == 0) {
		v = data + sizeof(name) - 1;
		vlen = len - (sizeof(name) - 1);
		while (vlen > 0 && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] ==
		    '\n' || v[vlen - 1] == ' '))
			vlen--;
		free(r->retry_after);
		r->retry_after = strndup(v, vlen);
	}
	return len;
}

/* Deliver finished transfers.  A callback may start or cancel requests. */
static void
check_done(struct http *h)
{
	struct http_result res;
	struct http_req *r;
	CURLMsg *msg;
	int left, done = 0;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		memset(&res, 0, sizeof(res));
		res.body = pz_buf_str(&r->resp);
		res.bodylen = r->resp.len;
		res.retry_after = r->retry_after;
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
			    &res.status);
		else if (r->too_big)
			res.error = "response too large";
		else
			res.error = r->errbuf[0] != '\0' ? r->errbuf :
			    curl_easy_strerror(msg->data.result);
		deliver(r, &res);
		done = 1;
	}
	if (done)
		kick(h);	/* a connection is free for who waits */
}

/* Hand r, the oldest waiting for o, to curl.  -1 if that failed. */
static int
start(struct http_req *r)
{
	struct http *h = r->h;
	struct origin *o = r->o;
	CURL *easy;

	if ((easy = curl_easy_init()) == NULL)
		return -1;
	if (curl_easy_setopt(easy, CURLOPT_URL, r->url) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK) {
		curl_easy_cleanup(easy);
		return -1;
	}
	curl_easy_setopt(easy, CURLOPT_PRIVATE, r);
	if (r->post) {
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS,
		    pz_buf_str(&r->form));
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
		    (long)r->form.len);
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "pizauth/" PZ_VERSION);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT_S);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_MAXAGE_CONN, (long)HTTP_IDLE_S);
	unlink_req(r);
	r->easy = easy;
	if ((r->next = h->inflight) != NULL)
		r->next->prev = r;
	h->inflight = r;
	o->active++;
	h->active++;
	if (curl_multi_add_handle(h->multi, easy) != CURLM_OK)
		return -1;	/* r is in flight as far as req_free() knows */
	return 0;
}

static void
origin_free(struct origin *o)
{
	struct origin **p;

	for (p = &o->h->origins; *p != o; p = &(*p)->next)
		;
	*p = o->next;
	free(o->key);
	free(o->name);
	free(o);
}

/*
 * Fail requests that waited too long, let o's connections grow while
 * requests wait, and start what the limits allow.  Returns whether
 * requests still wait.
 */
static int
serve_origin(struct origin *o, int64_t now)
{
	struct http *h = o->h;
	struct http_req *r;
	char msg[256];

	while ((r = o->head) != NULL && now - r->queued >=
	    (int64_t)HTTP_QUEUE_TIMEOUT_S * 1000) {
		snprintf(msg, sizeof(msg), "Waited %" PRId64 " s for a "
		    "connection to %s", (now - r->queued) / 1000, o->name);
		deliver_error(r, msg);
	}
	if ((r = o->head) != NULL && o->limit < HTTP_HOST_CONNECTIONS_MAX &&
	    o->active >= o->limit && now - r->queued >= HTTP_GROW_MS &&
	    now - o->grown >= HTTP_GROW_MS) {
		o->limit *= 2;
		if (o->limit > HTTP_HOST_CONNECTIONS_MAX)
			o->limit = HTTP_HOST_CONNECTIONS_MAX;
		o->grown = now;
		log_debug("HTTP: up to %u connections to %s", o->limit,
		    o->name);
	}
	while ((r = o->head) != NULL && o->active < o->limit &&
	    h->active < HTTP_TOTAL_CONNECTIONS_MAX) {
		if (start(r) == -1)
			deliver_error(r, "Can't start an HTTP request");
	}
	return o->head != NULL;
}

/* The queues' timer: see serve_origin(). */
static void
service(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval again = { HTTP_GROW_MS / 1000,
	    HTTP_GROW_MS % 1000 * 1000 };
	struct http *h = arg;
	struct origin *o, *next;
	int64_t now = clock_now();
	int waiting = 0;

	h->kicked = 0;
	/* A callback run from here may add or drop requests, but origins
	 * are freed only here. */
	for (o = h->origins; o != NULL; o = o->next)
		waiting |= serve_origin(o, now);
	for (o = h->origins; o != NULL; o = next) {
		next = o->next;
		if (o->head == NULL && o->active == 0)
			origin_free(o);
	}
	if (waiting && !h->kicked)
		evtimer_add(h->tick, &again);
	if (h->peak >= HTTP_TRIM_BURST && h->outstanding <= HTTP_TRIM_LOW) {
		h->peak = 0;
		memory_trim();
	}
}

/* The origin url's requests wait in, made if need be; NULL (err set) if
 * url is no URL. */
static struct origin *
origin_of(struct http *h, const char *url, struct pz_err *err)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL, *given = NULL;
	char *key = NULL, *name = NULL;
	struct origin *o = NULL;

	if (url == NULL) {
		pz_errf(err, "Can't start a request: no URL");
		return NULL;
	}
	if ((u = curl_url()) == NULL)
		goto oom;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		pz_errf(err, "Can't start a request to %s: not a URL", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &given, 0);
	if (asprintf(&key, "%s://%s:%s", scheme, host, port) == -1) {
		key = NULL;
		goto oom;
	}
	for (o = h->origins; o != NULL; o = o->next)
		if (strcmp(o->key, key) == 0)
			goto out;
	if (asprintf(&name, "%s%s%s", host, given != NULL ? ":" : "",
	    given != NULL ? given : "") == -1) {
		name = NULL;
		goto oom;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto oom;
	o->h = h;
	o->key = key;
	o->name = name;
	key = name = NULL;
	o->limit = HTTP_HOST_CONNECTIONS;
	o->grown = clock_now();	/* none can wait longer than o exists */
	o->next = h->origins;
	h->origins = o;
	goto out;
oom:
	pz_errf(err, "Out of memory");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(given);
	curl_url_cleanup(u);
	free(key);
	free(name);
	return o;
}

struct http *
http_new(struct event_base *base, struct pz_err *err)
{
	struct http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pz_errf(err, "Can't initialise libcurl");
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->multi = curl_multi_init()) == NULL ||
	    (h->timer = evtimer_new(base, on_timer, h)) == NULL ||
	    (h->tick = evtimer_new(base, service, h)) == NULL) {
		if (h != NULL) {
			if (h->timer != NULL)
				event_free(h->timer);
			curl_multi_cleanup(h->multi);
		}
		free(h);
		curl_global_cleanup();
		pz_errf(err, "Can't set up HTTP client");
		return NULL;
	}
	h->base = base;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* The queues above bound connections; curl's own limits would make
	 * requests wait where its timeouts count the wait.  This bounds the
	 * idle connections kept for reuse. */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
	    (long)HTTP_IDLE_CONNECTIONS);
	return h;
}

void
http_free(struct http *h)
{
	struct http_req *r;

	if (h == NULL)
		return;
	while (h->inflight != NULL)
		req_free(h->inflight);
	while (h->origins != NULL) {
		while ((r = h->origins->head) != NULL)
			req_free(r);
		origin_free(h->origins);
	}
	curl_multi_cleanup(h->multi);
	event_free(h->timer);
	event_free(h->tick);
	free(h);
	curl_global_cleanup();
}

/* A request to url, waiting for a connection; a POST of fields unless
 * fields is NULL. */
static struct http_req *
request(struct http *h, const char *url, const char *const *fields,
    http_cb cb, void *arg, struct pz_err *err)
{
	struct origin *o;
	struct http_req *r;
	size_t i;

	if ((o = origin_of(h, url, err)) == NULL)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto oom;
	r->h = h;
	r->o = o;
	r->cb = cb;
	r->arg = arg;
	r->post = fields != NULL;
	if ((r->url = strdup(url)) == NULL)
		goto oom;
	for (i = 0; fields != NULL && fields[i] != NULL; i += 2) {
		if (fields[i + 1] != NULL &&
		    pz_form_append(&r->form, fields[i], fields[i + 1]) == -1)
			goto oom;
	}
	if ((r->headers = curl_slist_append(NULL,
	    "Accept: application/json")) == NULL)
		goto oom;
	/* Wait at the back, even for a free connection: callers are not
	 * called back from here, and the queue stays in order. */
	r->queued = clock_now();
	r->prev = o->tail;
	if (o->tail != NULL)
		o->tail->next = r;
	else
		o->head = r;
	o->tail = r;
	if (++h->outstanding > h->peak)
		h->peak = h->outstanding;
	kick(h);
	return r;

oom:
	if (r != NULL) {
		pz_buf_clear(&r->form);
		free(r->url);
		free(r);
	}
	kick(h);	/* frees o if nothing else uses it */
	pz_errf(err, "Out of memory");
	return NULL;
}

struct http_req *
http_post_form(struct http *h, const char *url, const char *const *fields,
    http_cb cb, void *arg, struct pz_err *err)
{
	return request(h, url, fields, cb, arg, err);
}

struct http_req *
http_get(struct http *h, const char *url, http_cb cb, void *arg,
    struct pz_err *err)
{
	return request(h, url, NULL, cb, arg, err);
}

void
http_cancel(struct http_req *r)
{
	struct http *h;

	/* A request whose callback is running is freed when it returns. */
	if (r == NULL || r->delivering)
		return;
	h = r->h;
	req_free(r);
	kick(h);	/* its connection is free, or its origin unused */
}
