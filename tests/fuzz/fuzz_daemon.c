/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for the whole daemon, in process: a real server
 * (server_new() on its own libevent base, the control socket in a private
 * 0700 directory, HTTP and HTTPS redirect listeners on 127.0.0.1 port 0)
 * driven through real sockets, as its users and strangers drive it.  Every
 * provider endpoint is the closed port 127.0.0.1:1, so nothing leaves the
 * machine: token exchanges, refreshes, device requests and revocations
 * fail at once with a refused connection, and those failure paths run too.
 *
 * Each input gets a fresh server in a known state (accounts 0-4 of the
 * config of base_spec: "code" and "tls" pending through the code flow, for
 * the HTTP and the HTTPS listener, "dev" pending through the device flow,
 * "tok" active with a refresh token and revoke_uri, "idle" empty), set up
 * through the daemon's own modules since there is no provider to get there.
 * A fresh server per input rather than one kept and reset: it costs about
 * 2 ms under ASan (of 5-15 ms for a typical input), and in exchange nothing
 * carries over from one input to the next (a crash reproduces from its
 * input alone, whatever ran before), no listener sees one client port twice
 * (no TIME_WAIT clashes over long runs), and the SIGINT and SIGTERM
 * handlers libevent installs are libFuzzer's again between inputs.
 *
 * The input is a list of operations, at most MAX_OPS:
 *
 *   byte 0     what: low 3 bits the target below; 0x08 hangs up right after
 *              sending instead of reading the reply
 *   bytes 1-2  payload length, big-endian (cut to what is left)
 *   payload
 *
 *   0, 6  a control socket request (COMMAND:ARGS)
 *   1, 7  an HTTP request to the redirect listener
 *   2     an HTTPS request to the TLS redirect listener (after a real
 *         handshake; the reply ends early only with "Connection: close")
 *   3     restore: of the payload sealed as a dump (like fuzz_dump.c does)
 *   4     reload: with the config the payload describes: if its first
 *         byte is below 0x20, the spec conf_build() reads, else the text
 *         of the file (text that parses but would reach beyond
 *         127.0.0.1:1, an issuer's metadata included, or run a command
 *         is replaced by the base config;
 *         text that does not parse by a short file that does not either);
 *         empty means the base config
 *   5     a suspend of the payload's seconds (big-endian, up to 8 bytes;
 *         none: an hour), as the daemon sees it on resume: the instants an
 *         account keeps (when its token came and expires, its device code
 *         expires, its last refresh and notification, its next retry) move
 *         that far into the past and its refresh and poll are re-armed
 *         from them (other timers keep their deadlines)
 *
 * Payloads may name what a fuzzer cannot guess: $P and $Q (the HTTP and
 * HTTPS ports), $S0..$S9 (account i's OAuth state, "none" unless it waits
 * for a code), $F0..$F9 (account i's fingerprint, for dumps) and $N (now,
 * Unix seconds).
 *
 * After every operation the loop settles (requests in flight end, bounded)
 * and these must hold, else __builtin_trap(): the daemon answers status:
 * with a line per account; each account's fields fit its state, and its
 * failed refreshes do not pile up (a retry loop); no timer of an account
 * is left overdue after the loop has had the chance to fire it;
 * a control reply that came to EOF is of a known kind (dump: decodes);
 * a redirect reply that came is HTTP; a reload never installs a config
 * the parser rejects.
 *
 *   make fuzz                        (libFuzzer, seeded from corpus/)
 *   build/fuzz-replay/fuzz_daemon tests/fuzz/corpus/fuzz_daemon
 * FUZZ_DAEMON_TRACE=1 in the environment shows every exchange on stdout.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/ctl.h"
#include "core/dump.h"
#include "core/err.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/clock.h"
#include "daemon/server/device.h"
#include "daemon/server/log.h"
#include "daemon/server/refresh.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

#define MAX_OPS		16
/* An exchange ends at EOF, or after this many loop iterations or ms, or
 * once the daemon has been idle for IDLE_ROUNDS waits of IDLE_MS with no
 * request of its own in flight: what it still owes (a show -w, a browser
 * kept alive) waits for seconds, which a fuzzer cannot afford. */
#define XCHG_ITERS	64
#define XCHG_MS		30
#define IDLE_MS		2
#define IDLE_ROUNDS	2
/* status: and reload: always come back; this bound is against a hang. */
#define STATUS_MS	2000
/* Requests to the closed port end within a few iterations. */
#define SETTLE_MS	20
/* A timer this late after the loop could have fired it is stuck. */
#define OVERDUE_MS	100
#define REPLY_MAX	(2 * 1024 * 1024)
/* Refreshes follow what an input asks for (one an operation: refresh:, a
 * show of an expired token, a restore, a suspend, a reload) and
 * refresh_retry (1 s at least in the base config, longer than an input):
 * an account with more failures in a row than this is in a retry loop. */
#define MAX_FAILS(nops)	(2 * ((nops) + 1))

/* Every endpoint a request could go to starts with this. */
#define CLOSED		"http://127.0.0.1:1/"

/*
 * Configs are built from a spec: a byte below 0x20 whose low 3 bits choose
 * the global times, then a byte per account (SPEC_*).  A reload can so
 * keep, change, drop or add accounts without paying for the parser's error
 * recovery on text that does not parse (about 100 ms under ASan).  Every
 * input starts from the config of base_spec.
 */
static const char *const conf_names[] = {
	"code", "dev", "tok", "tls", "idle", "new", "old", "x",
};
#define SPEC_NAME(b)	((b) & 7)
#define SPEC_FLOW(b)	((b) >> 3 & 3)	/* SF_* */
#define SPEC_TIMES(b)	((b) >> 5)	/* which times are set */
enum { SF_CODE, SF_CHANGED, SF_DEVICE, SF_HTTPS };
static const uint8_t base_spec[] = {
	0,			/* no global times */
	0,			/* code */
	1 | SF_DEVICE << 3,	/* dev */
	2,			/* tok */
	3 | SF_HTTPS << 3,	/* tls */
	4 | 3 << 5,		/* idle, refresh_retry = 1s */
};

/* The config spec describes, into out.  Each name has its extras, so an
 * account of the base config comes out the same in any spec that keeps
 * its flow and times. */
static void
conf_build(const uint8_t *spec, size_t n, struct pz_buf *out)
{
	static const char *const times[] = {
		"",
		"    refresh_at_least = 1s;\n",
		"    refresh_before_expiry = 0s;\n",
		"    refresh_retry = 1s;\n",
		"    refresh_before_expiry = 1000d;\n",
		"    refresh_at_least = 1s;\n    refresh_before_expiry = 2h;\n",
		"    refresh_at_least = 0s;\n    refresh_before_expiry = 0s;\n",
		"    refresh_at_least = 100000d; refresh_retry = 100000d;\n",
	};
	static const char *const extras[] = {
		"    scopes = [\"imap\", \"smtp\"];\n"
		"    users = [\"me@example.com\"];\n"
		"    hosts = [\"imap.example.com\"];\n",
		"    users = [\"dev@example.com\"];\n",
		"    revoke_uri = \"" CLOSED "revoke\";\n"
		"    client_secret = \"secret\";\n"
		"    users = [\"me@example.com\"];\n"
		"    hosts = [\"smtp.example.com\"];\n",
		"",
		"",
		"    hosts = [\"imap.example.com\"];\n"
		/* Discovery's paths too: its fetch meets the closed port. */
		"    issuer = \"" CLOSED "\";\n",
		"    users = [\"me@example.com\", \"dev@example.com\"];\n",
		"    auth_uri_fields = {\"login_hint\": \"me@example.com\"};\n",
	};
	size_t i;
	uint8_t b;

	pz_buf_puts(out, "http_listen = \"127.0.0.1:0\";\n"
	    "https_listen = \"127.0.0.1:0\";\n");
	if (n > 0)
		pz_buf_puts(out, times[spec[0] & 7]);
	for (i = 1; i < n; i++) {
		b = spec[i];
		pz_buf_printf(out, "account \"%s\" {\n",
		    conf_names[SPEC_NAME(b)]);
		if (SPEC_FLOW(b) == SF_DEVICE)
			pz_buf_puts(out, "    device_auth_uri = \"" CLOSED
			    "device\";\n");
		else
			pz_buf_puts(out, "    auth_uri = \"" CLOSED
			    "auth\";\n");
		if (SPEC_FLOW(b) == SF_HTTPS)
			pz_buf_puts(out,
			    "    redirect_uri = \"https://localhost/\";\n");
		pz_buf_printf(out, "    token_uri = \"" CLOSED "token\";\n"
		    "    client_id = \"%s\";\n%s%s}\n",
		    SPEC_FLOW(b) == SF_CHANGED ? "changed" : "fuzz",
		    extras[SPEC_NAME(b)], times[SPEC_TIMES(b)]);
	}
}

static void	write_conf(const void *, size_t);

static void
write_base_conf(void)
{
	struct pz_buf b = PZ_BUF_INIT;

	conf_build(base_spec, sizeof(base_spec), &b);
	write_conf(b.data, b.len);
	pz_buf_clear(&b);
}

enum target {
	T_CTL,
	T_HTTP,
	T_HTTPS,
	T_RESTORE,
	T_RELOAD,
	T_SUSPEND,
	T_CTL2,		/* more weight for the two open doors */
	T_HTTP2,
};
#define OP_HANGUP	0x08

/* Made once: the private directory and what lives in it. */
static char	 dir_path[64];
static char	 conf_path[96];
static char	 sock_path[96];
static SSL_CTX	*client_tls;
static int	 trace;		/* FUZZ_DAEMON_TRACE */

/* One input's daemon. */
struct fz {
	struct event_base	*base;
	struct server		*srv;
	int			 stopped;	/* told to shut down */
	unsigned		 nops;		/* operations begun */
};

/* One client connection and what it has said and heard. */
struct xchg {
	int		 fd;
	SSL		*ssl;		/* NULL: plain */
	int		 handshaken;
	const char	*out;
	size_t		 outlen;
	size_t		 sent;
	int		 out_closed;
	struct pz_buf	 in;
	int		 eof;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
cleanup(void)
{
	unlink(sock_path);
	unlink(conf_path);
	rmdir(dir_path);
	SSL_CTX_free(client_tls);
	curl_global_cleanup();
}

/* What every input shares: nothing an input can change. */
static void
init_once(void)
{
	static int done;
	const char *tmp = getenv("TMPDIR");

	if (done)
		return;
	done = 1;
	signal(SIGPIPE, SIG_IGN);
	/* Warnings only, on stderr, which make fuzz closes and make
	 * fuzz-replay sends to /dev/null unless FUZZ_REPLAY_VERBOSE is set. */
	log_init("fuzz_daemon", 1, 0);
	/* A reference held for the whole run, so each server's
	 * curl_global_init()/cleanup() pair is only a count. */
	CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
	/* The socket path must fit sun_path: a long $TMPDIR is not used. */
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 32)
		tmp = "/tmp";
	snprintf(dir_path, sizeof(dir_path), "%s/pz-fuzzd.XXXXXX", tmp);
	CHECK(mkdtemp(dir_path) != NULL);	/* 0700 */
	snprintf(conf_path, sizeof(conf_path), "%s/pizauth.conf", dir_path);
	snprintf(sock_path, sizeof(sock_path), "%s/pizauth.sock", dir_path);
	CHECK((client_tls = SSL_CTX_new(TLS_client_method())) != NULL);
	SSL_CTX_set_verify(client_tls, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(client_tls, SSL_OP_IGNORE_UNEXPECTED_EOF);
	trace = getenv("FUZZ_DAEMON_TRACE") != NULL;
	atexit(cleanup);
}

/* One side of an exchange for FUZZ_DAEMON_TRACE, escaped, on one line
 * (stdout: make fuzz and make fuzz-replay silence stderr). */
static void
trace_bytes(const char *dir, const char *p, size_t len)
{
	size_t i;

	printf("%s ", dir);
	for (i = 0; i < len && i < 512; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", (unsigned char)p[i]);
	}
	printf("%s\n", i < len ? "..." : "");
	fflush(stdout);
}

static void
write_conf(const void *text, size_t len)
{
	int fd;

	CHECK((fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) != -1);
	CHECK(len == 0 || write(fd, text, len) == (ssize_t)len);
	close(fd);
}

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Would the daemon under this config only ever talk to the closed port,
 * and never run a command?  (A new endpoint key belongs here.) */
static int
conf_safe(const struct pz_config *c)
{
	size_t i;

	if (c->auth_notify_cmd != NULL || c->error_notify_cmd != NULL ||
	    c->startup_cmd != NULL || c->token_event_cmd != NULL ||
	    c->transient_error_if_cmd != NULL)
		return 0;
	for (i = 0; i < c->naccounts; i++) {
		const struct pz_account *a = &c->accounts[i];

		if ((a->token_uri != NULL && !has_prefix(a->token_uri,
		    CLOSED)) || (a->token_uri == NULL && a->issuer == NULL) ||
		    (a->issuer != NULL && !has_prefix(a->issuer, CLOSED)) ||
		    (a->device_auth_uri != NULL &&
		    !has_prefix(a->device_auth_uri, CLOSED)) ||
		    (a->revoke_uri != NULL &&
		    !has_prefix(a->revoke_uri, CLOSED)))
			return 0;
	}
	return 1;
}

/* Copy p to out, the $ names of the header comment replaced. */
static void
substitute(struct fz *f, const uint8_t *p, size_t len, struct pz_buf *out)
{
	struct server *srv = f->srv;
	struct account *a;
	char tmp[80];
	const char *s;
	size_t i, idx;

	for (i = 0; i < len; i++) {
		s = NULL;
		if (p[i] == '$' && i + 1 < len) {
			switch (p[i + 1]) {
			case 'P':
			case 'Q':
				snprintf(tmp, sizeof(tmp), "%d",
				    p[i + 1] == 'P' ? srv->http_port :
				    srv->https_port);
				s = tmp;
				i++;
				break;
			case 'N':
				snprintf(tmp, sizeof(tmp), "%lld",
				    (long long)time(NULL));
				s = tmp;
				i++;
				break;
			case 'S':
			case 'F':
				if (i + 2 >= len || p[i + 2] < '0' ||
				    p[i + 2] > '9')
					break;
				idx = (size_t)(p[i + 2] - '0');
				a = idx < srv->naccounts ? srv->accounts[idx] :
				    NULL;
				s = "none";
				if (p[i + 1] == 'S' && a != NULL &&
				    account_awaits_code(a))
					s = a->state_param;
				else if (p[i + 1] == 'F' && a != NULL &&
				    pz_account_fingerprint(a->conf, tmp) == 0)
					s = tmp;
				i += 2;
				break;
			}
		}
		if (s != NULL)
			pz_buf_puts(out, s);
		else
			pz_buf_append(out, &p[i], 1);
	}
}

struct wake {
	struct event_base	*base;
	int			 timed_out;
};

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct wake *w = arg;

	w->timed_out = (what & EV_TIMEOUT) != 0;
	/* EVLOOP_ONCE returns only once nothing is active, which a daemon
	 * that keeps itself busy never allows. */
	event_base_loopbreak(w->base);
}

/* Run the loop until fd (-1: none) is ready for want, nothing is left to
 * do, or ms pass (0: one pass over what is due now, as EVLOOP_NONBLOCK
 * would be if a busy daemon let it end); 1 if the time passed. */
static int
wait_for(struct fz *f, int fd, short want, int64_t ms)
{
	struct wake w = { f->base, 0 };
	struct timeval tv;
	struct event *ev;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	CHECK((ev = event_new(f->base, fd, want, on_wake, &w)) != NULL);
	event_add(ev, &tv);
	event_base_loop(f->base, EVLOOP_ONCE);
	event_free(ev);
	return w.timed_out;
}

static int	busy(const struct fz *);

/* Move what can move without blocking; the events to wait for next. */
static short
pump(struct xchg *x)
{
	char buf[4096];
	ssize_t n;
	int r, e;

	if (x->ssl != NULL && !x->handshaken) {
		if ((r = SSL_connect(x->ssl)) != 1) {
			e = SSL_get_error(x->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				return EV_READ;
			if (e == SSL_ERROR_WANT_WRITE)
				return EV_WRITE;
			x->eof = 1;	/* the daemon refused the handshake */
			return 0;
		}
		x->handshaken = 1;
	}
	while (x->sent < x->outlen) {
		if (x->ssl != NULL) {
			r = SSL_write(x->ssl, x->out + x->sent,
			    (int)(x->outlen - x->sent));
			if (r > 0) {
				x->sent += (size_t)r;
				continue;
			}
			e = SSL_get_error(x->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				return EV_READ;
			if (e == SSL_ERROR_WANT_WRITE)
				return EV_WRITE;
		} else {
			n = send(x->fd, x->out + x->sent, x->outlen - x->sent,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				x->sent += (size_t)n;
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				return EV_WRITE;
		}
		/* The daemon hung up on us: read what it said. */
		x->sent = x->outlen;
	}
	/* Over TLS a TCP half-close is a truncated stream to libevent, which
	 * drops the request: there only "Connection: close" brings an EOF. */
	if (!x->out_closed) {
		x->out_closed = 1;
		if (x->ssl == NULL)
			shutdown(x->fd, SHUT_WR);
	}
	while (x->in.len < REPLY_MAX) {
		if (x->ssl != NULL) {
			if ((r = SSL_read(x->ssl, buf, sizeof(buf))) > 0) {
				pz_buf_append(&x->in, buf, (size_t)r);
				continue;
			}
			e = SSL_get_error(x->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				return EV_READ;
			if (e == SSL_ERROR_WANT_WRITE)
				return EV_WRITE;
			break;
		}
		n = recv(x->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			pz_buf_append(&x->in, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return EV_READ;
		break;
	}
	x->eof = 1;
	return 0;
}

/* Run the loop until the exchange reaches EOF or a bound passes (the
 * idle one too unless patient). */
static void
drive(struct fz *f, struct xchg *x, int iters, int64_t ms, int patient)
{
	int64_t deadline = mono_ms() + ms, left;
	short want;
	int i, idle = 0;

	for (i = 0; i < iters && idle < IDLE_ROUNDS; i++) {
		want = pump(x);
		if (x->eof || (left = deadline - mono_ms()) <= 0)
			break;
		if (!patient && left > IDLE_MS)
			left = IDLE_MS;
		if (wait_for(f, x->fd, want, left) && !busy(f))
			idle++;
		else
			idle = 0;
	}
}

static int
connect_ctl(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	CHECK((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) != -1);
	/* The daemon listens as long as it runs: this cannot fail. */
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	return fd;
}

static int
connect_tcp(int port)
{
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) != -1);
	/* The listener is there: only a refusal would be news. */
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno == EINPROGRESS);
	return fd;
}

/* Send req over fd (TLS if tls), and read the reply unless hangup; a
 * patient exchange waits out STATUS_MS for it. */
static void
exchange(struct fz *f, int fd, int tls, const void *req, size_t len,
    int hangup, int patient, struct xchg *x)
{
	int64_t start;

	memset(x, 0, sizeof(*x));
	x->fd = fd;
	x->out = req;
	x->outlen = len;
	if (tls) {
		CHECK((x->ssl = SSL_new(client_tls)) != NULL);
		SSL_set_fd(x->ssl, fd);
	}
	start = mono_ms();
	/* A client that hangs up still lets the daemon see its request. */
	if (hangup)
		drive(f, x, 3, 5, 0);
	else
		drive(f, x, XCHG_ITERS, patient ? STATUS_MS : XCHG_MS,
		    patient);
	if (trace) {
		trace_bytes(tls ? ">>" : ">", req, len);
		printf("  (%lld ms)\n", (long long)(mono_ms() - start));
		trace_bytes(x->eof ? "<" : "< (no EOF)", pz_buf_str(&x->in),
		    x->in.len);
	}
	SSL_free(x->ssl);
	x->ssl = NULL;
	close(fd);
}

static int
reply_is(const struct pz_buf *b, const char *kind)
{
	return b->len >= strlen(kind) && memcmp(b->data, kind,
	    strlen(kind)) == 0;
}

/* Control replies: what pizauth and our extensions answer, nothing else. */
static void
check_ctl_reply(const char *req, size_t len, const struct xchg *x)
{
	static const char *const kinds[] = {
		"ok:", "error:", "access_token:", "pending:", "scheduled:",
		"details:", "nomatch:", "ambiguous:",
	};
	struct pz_dump_entry *ents;
	struct pz_ctl_msg m;
	struct pz_err err;
	size_t i, n;
	int split;

	if (!x->eof)
		return;		/* deferred past our bound, or hung up */
	split = pz_ctl_split(req, len, &m) == 0;
	if (split && m.bodylen == 0 && pz_ctl_head_is(&m, "shutdown")) {
		CHECK(x->in.len == 0);
		return;
	}
	CHECK(x->in.len > 0);
	if (reply_is(&x->in, "error:"))
		return;
	if (split && m.bodylen == 0 && pz_ctl_head_is(&m, "info")) {
		CHECK(x->in.data[0] == '{');
		return;
	}
	if (split && m.bodylen == 0 && pz_ctl_head_is(&m, "dump")) {
		/* What dump says, restore must be able to read. */
		CHECK(pz_dump_decode(x->in.data, x->in.len, &ents, &n,
		    &err) == 0);
		pz_dump_entries_free(ents, n);
		return;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (reply_is(&x->in, kinds[i]))
			return;
	CHECK(0);
}

static void
ctl(struct fz *f, const void *req, size_t len, int hangup, int patient,
    struct xchg *x)
{
	exchange(f, connect_ctl(), 0, req, len, hangup, patient, x);
	if (!hangup)
		check_ctl_reply(req, len, x);
}

static void
op_ctl(struct fz *f, const void *req, size_t len, int hangup)
{
	struct xchg x;
	struct pz_ctl_msg m;

	ctl(f, req, len, hangup, 0, &x);
	pz_buf_clear(&x.in);
	/* The daemon would exit now: nothing more to send it. */
	if (pz_ctl_split(req, len, &m) == 0 && m.bodylen == 0 &&
	    pz_ctl_head_is(&m, "shutdown"))
		f->stopped = 1;
}

static void
op_redirect(struct fz *f, int tls, const void *req, size_t len, int hangup)
{
	struct xchg x;
	int port = tls ? f->srv->https_port : f->srv->http_port;

	if (port < 0)
		return;
	exchange(f, connect_tcp(port), tls, req, len, hangup, 0, &x);
	/* evhttp may close on garbage without a word, but what it says is
	 * HTTP (in the request's version, even a made-up one). */
	if (x.eof && x.in.len > 0)
		CHECK(reply_is(&x.in, "HTTP/"));
	pz_buf_clear(&x.in);
}

static void
op_restore(struct fz *f, const void *plain, size_t len)
{
	struct pz_buf req = PZ_BUF_INIT;
	struct pz_err err;
	struct xchg x;

	pz_buf_puts(&req, "restore:");
	CHECK(pz_dump_seal(plain, len, &req, &err) == 0);
	ctl(f, req.data, req.len, 0, 0, &x);
	if (x.eof)
		CHECK(reply_is(&x.in, "ok:") || reply_is(&x.in, "error:"));
	pz_buf_clear(&x.in);
	pz_buf_clear(&req);
}

static void
op_reload(struct fz *f, const uint8_t *p, size_t len)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_config *conf;
	struct pz_err err;
	struct xchg x;
	int bad = 0;

	if (len == 0)
		conf_build(base_spec, sizeof(base_spec), &b);
	else if (p[0] < 0x20)
		conf_build(p, len < 1 + 8 ? len : 1 + 8, &b);
	else if ((conf = pz_config_parse((const char *)p, len, &err)) ==
	    NULL) {
		/* The daemon's reload fails the same way on any text that
		 * does not parse: spare it the repair search. */
		pz_buf_puts(&b, "account");
		bad = 1;
	} else {
		if (conf_safe(conf))
			pz_buf_append(&b, p, len);
		else
			conf_build(base_spec, sizeof(base_spec), &b);
		pz_config_free(conf);
	}
	write_conf(b.data, b.len);
	pz_buf_clear(&b);
	ctl(f, "reload:", 7, 0, 1, &x);
	CHECK(x.eof);
	CHECK(reply_is(&x.in, "ok:") || reply_is(&x.in, "error:"));
	if (bad)
		CHECK(reply_is(&x.in, "error:"));
	/* Before anything could reach out under it. */
	CHECK(conf_safe(f->srv->conf));
	pz_buf_clear(&x.in);
}

/* Instant v, ms earlier, saturating as the daemon's instants do
 * (clock.h); "no instant" stays so. */
static int64_t
earlier(int64_t v, int64_t ms)
{
	if (v == CLOCK_UNSET)
		return v;
	return v < CLOCK_MIN + ms ? CLOCK_MIN : v - ms;
}

static void
op_suspend(struct fz *f, const uint8_t *p, size_t len)
{
	struct account *a;
	uint64_t secs = len == 0 ? 3600 : 0;
	int64_t ms;
	size_t i;

	for (i = 0; i < len && i < 8; i++)
		secs = secs << 8 | p[i];
	ms = secs > (uint64_t)INT64_MAX / 1000 ? INT64_MAX :
	    (int64_t)secs * 1000;
	for (i = 0; i < f->srv->naccounts; i++) {
		a = f->srv->accounts[i];
		a->last_notified = earlier(a->last_notified, ms);
		a->last_refresh_attempt = earlier(a->last_refresh_attempt, ms);
		a->retry_at = earlier(a->retry_at, ms);
		if (a->state == TOK_ACTIVE) {
			a->obtained = earlier(a->obtained, ms);
			a->expiry = earlier(a->expiry, ms);
			refresh_schedule(a);
		} else if (a->state == TOK_PENDING && a->flow == FLOW_DEVICE) {
			a->device_expiry = earlier(a->device_expiry, ms);
			device_poll_schedule(a);
		}
	}
}

static int
busy(const struct fz *f)
{
	size_t i;

	if (f->srv->revocations != NULL)
		return 1;
	for (i = 0; i < f->srv->naccounts; i++)
		if (f->srv->accounts[i]->req != NULL)
			return 1;
	return 0;
}

/* Is a timer of an account armed for before when (boot ms)? */
static int
timer_before(const struct fz *f, int64_t when)
{
	size_t i, j;

	for (i = 0; i < f->srv->naccounts; i++) {
		const struct account *a = f->srv->accounts[i];
		struct timer *const ts[] = {
			a->refresh_timer, a->notify_timer, a->poll_timer,
			a->browser_timer,
		};

		for (j = 0; j < sizeof(ts) / sizeof(ts[0]); j++)
			if (ts[j] != NULL && timer_armed(ts[j]) &&
			    timer_deadline(ts[j]) < when)
				return 1;
	}
	return 0;
}

/* Let requests to the closed port fail and timers due within SETTLE_MS
 * fire, bounded.  A daemon that keeps re-arming a timer for now (a retry
 * loop) runs for all of SETTLE_MS here, and MAX_FAILS() notices. */
static void
settle(struct fz *f)
{
	int64_t deadline = mono_ms() + SETTLE_MS, left;
	int i;

	for (i = 0; i < 4; i++)
		wait_for(f, -1, 0, 0);
	for (i = 0; i < 64 && (busy(f) ||
	    timer_before(f, clock_now() + SETTLE_MS)) &&
	    (left = deadline - mono_ms()) > 0; i++)
		wait_for(f, -1, 0, left);
}

/* Does an account have a timer the loop should have fired by now? */
static int
overdue(const struct fz *f)
{
	return timer_before(f, clock_now() - OVERDUE_MS);
}

/* The fields of each state (account.h) and nothing of another. */
static void
check_accounts(const struct fz *f)
{
	size_t i;

	for (i = 0; i < f->srv->naccounts; i++) {
		const struct account *a = f->srv->accounts[i];

		CHECK(a->srv == f->srv);
		CHECK(a->browser == NULL || account_awaits_code(a));
		CHECK(a->transient_fails <= MAX_FAILS(f->nops));
		switch (a->state) {
		case TOK_EMPTY:
			CHECK(a->flow == FLOW_NONE && a->url == NULL);
			CHECK(a->access_token == NULL);
			CHECK(a->refresh_token == NULL);
			break;
		case TOK_PENDING:
			CHECK(a->url != NULL && a->access_token == NULL);
			if (a->flow == FLOW_CODE)
				CHECK(a->state_param != NULL &&
				    a->verifier != NULL &&
				    a->device_code == NULL);
			else
				CHECK(a->flow == FLOW_DEVICE &&
				    a->device_code != NULL &&
				    a->user_code != NULL &&
				    a->state_param == NULL);
			break;
		case TOK_ACTIVE:
			CHECK(a->flow == FLOW_NONE && a->url == NULL);
			CHECK(a->access_token != NULL);
			break;
		default:
			CHECK(0);
		}
	}
}

/* The daemon answers status: whatever came before, a line per account. */
static void
check_status(struct fz *f)
{
	struct xchg x;
	size_t i, lines = 1, want = 0;
	const char *n;

	ctl(f, "status:", 7, 0, 1, &x);
	CHECK(x.eof);
	if (f->srv->naccounts == 0)
		CHECK(reply_is(&x.in, "error:"));
	else {
		CHECK(reply_is(&x.in, "ok:"));
		for (i = 0; i < x.in.len; i++)
			lines += x.in.data[i] == '\n';
		/* A line each (a name may hold a newline of its own). */
		for (i = 0; i < f->srv->naccounts; i++)
			for (want++, n = account_name(f->srv->accounts[i]);
			    *n != '\0'; n++)
				want += *n == '\n';
		CHECK(lines == want);
	}
	pz_buf_clear(&x.in);
}

static void
check_all(struct fz *f)
{
	int i;

	settle(f);
	check_accounts(f);
	/* A due timer fires on the next iteration; one that is still due
	 * after several is stuck (or re-armed in the past, a busy loop). */
	for (i = 0; i < 8 && overdue(f); i++)
		wait_for(f, -1, 0, 0);
	CHECK(!overdue(f));
	check_status(f);
}

static char *
xstrdup(const char *s)
{
	char *p;

	CHECK((p = strdup(s)) != NULL);
	return p;
}

/* The known state every input starts from (see the header comment). */
static void
start_states(struct fz *f)
{
	struct account *a;
	struct pz_err err;
	int64_t now = clock_now();

	CHECK((a = server_account(f->srv, "code", 4)) != NULL);
	CHECK(authflow_start(a, &err) == 0);
	CHECK((a = server_account(f->srv, "tls", 3)) != NULL);
	CHECK(authflow_start(a, &err) == 0);
	CHECK((a = server_account(f->srv, "dev", 3)) != NULL);
	account_pending_device(a, xstrdup("fuzz-device-code"),
	    xstrdup("FUZZ-CODE"),
	    xstrdup(CLOSED "verify using code FUZZ-CODE"),
	    xstrdup(CLOSED "verify?code=FUZZ-CODE"), 5, 600);
	CHECK((a = server_account(f->srv, "tok", 3)) != NULL);
	account_activate(a, xstrdup("fuzz-access-token"),
	    xstrdup("fuzz-refresh-token"), 0, now, clock_after(now, 3600),
	    NULL);
}

static void
run_op(struct fz *f, unsigned what, const uint8_t *p, size_t len)
{
	struct pz_buf b = PZ_BUF_INIT;
	int hangup = (what & OP_HANGUP) != 0;

	switch ((enum target)(what & 7)) {
	case T_CTL:
	case T_CTL2:
		substitute(f, p, len, &b);
		op_ctl(f, pz_buf_str(&b), b.len, hangup);
		break;
	case T_HTTP:
	case T_HTTP2:
	case T_HTTPS:
		substitute(f, p, len, &b);
		op_redirect(f, (what & 7) == T_HTTPS, pz_buf_str(&b), b.len,
		    hangup);
		break;
	case T_RESTORE:
		substitute(f, p, len, &b);
		op_restore(f, pz_buf_str(&b), b.len);
		break;
	case T_RELOAD:
		op_reload(f, p, len);
		break;
	case T_SUSPEND:
		op_suspend(f, p, len);
		break;
	}
	pz_buf_clear(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_config *conf;
	struct pz_err err;
	struct fz f;
	size_t len;
	unsigned what;

	init_once();
	memset(&f, 0, sizeof(f));
	write_base_conf();
	unlink(sock_path);
	CHECK((conf = pz_config_load(conf_path, &err)) != NULL);
	CHECK((f.base = event_base_new()) != NULL);
	CHECK((f.srv = server_new(f.base, conf, conf_path, sock_path,
	    &err)) != NULL);
	start_states(&f);
	check_accounts(&f);

	while (f.nops < MAX_OPS && size > 0 && !f.stopped) {
		f.nops++;
		what = data[0];
		len = size >= 3 ? (size_t)(data[1] << 8 | data[2]) : 0;
		data += size >= 3 ? 3 : size;
		size -= size >= 3 ? 3 : size;
		if (len > size)
			len = size;
		run_op(&f, what, data, len);
		data += len;
		size -= len;
		if (!f.stopped)
			check_all(&f);
	}

	server_free(f.srv);
	event_base_free(f.base);
	unlink(sock_path);
	return 0;
}
