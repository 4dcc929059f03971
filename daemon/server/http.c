/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* libcurl multi on libevent: the daemon's outgoing requests. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "core/buf.h"
#include "core/form.h"
#include "daemon/server/http.h"
#include "daemon/server/log.h"

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct http_req		*reqs;		/* in flight, a list */
};

struct http_req {
	struct http		*h;
	CURL			*easy;
	struct curl_slist	*headers;
	struct pz_buf		 form;		/* the body we send */
	struct pz_buf		 resp;		/* the body we receive */
	char			*retry_after;
	char			 errbuf[CURL_ERROR_SIZE];
	int			 too_big;
	int			 delivering;	/* its callback runs */
	http_cb			 cb;
	void			*arg;
	struct http_req		*prev, *next;
};

/* Per-socket state curl asks us to watch. */
struct sock {
	struct http		*h;
	struct event		*ev;
};

static void	check_done(struct http *h);

static void
req_unlink_free(struct http_req *r)
{
	struct http *h = r->h;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	pz_buf_clear(&r->form);
	pz_buf_clear(&r->resp);
	free(r->retry_after);
	free(r);
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
	int left;

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
		/* Detach from curl first: the callback may start new requests. */
		curl_multi_remove_handle(h->multi, r->easy);
		r->delivering = 1;
		r->cb(&res, r->arg);
		req_unlink_free(r);
	}
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
	    (h->timer = evtimer_new(base, on_timer, h)) == NULL) {
		if (h != NULL)
			curl_multi_cleanup(h->multi);
		free(h);
		pz_errf(err, "Can't set up HTTP client");
		return NULL;
	}
	h->base = base;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* A thousand tokens due at once must not open a thousand connections
	 * to one provider: queue them over a few reused ones. */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)HTTP_MAX_HOST_CONNECTIONS);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)HTTP_MAX_TOTAL_CONNECTIONS);
	return h;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	while (h->reqs != NULL)
		req_unlink_free(h->reqs);
	curl_multi_cleanup(h->multi);
	event_free(h->timer);
	free(h);
	curl_global_cleanup();
}

struct http_req *
http_post_form(struct http *h, const char *url, const char *const *fields,
    http_cb cb, void *arg, struct pz_err *err)
{
	struct http_req *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->easy = curl_easy_init()) == NULL) {
		free(r);
		pz_errf(err, "Out of memory");
		return NULL;
	}
	r->h = h;
	r->cb = cb;
	r->arg = arg;
	for (i = 0; fields[i] != NULL; i += 2) {
		if (fields[i + 1] != NULL &&
		    pz_form_append(&r->form, fields[i], fields[i + 1]) == -1)
			goto fail;
	}
	if ((r->headers = curl_slist_append(NULL,
	    "Accept: application/json")) == NULL)
		goto fail;
	if (curl_easy_setopt(r->easy, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK)
		goto fail;
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, pz_buf_str(&r->form));
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)r->form.len);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "pizauth/" PZ_VERSION);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT_S);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK)
		goto fail;
	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;
	return r;

fail:
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	pz_buf_clear(&r->form);
	free(r);
	pz_errf(err, "Can't start a request to %s", url);
	return NULL;
}

void
http_cancel(struct http_req *r)
{
	/* A request whose callback is running is freed when it returns. */
	if (r != NULL && !r->delivering)
		req_unlink_free(r);
}
