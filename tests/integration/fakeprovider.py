# SPDX-License-Identifier: Apache-2.0 OR MIT
"""A fake OAuth2 provider that the integration tests point pizauth at.

It serves /authorize and /token on 127.0.0.1 (an ephemeral port), checks
every request pizauth makes the way a strict provider would (PKCE S256,
client credentials, the redirect URI, single-use codes, current refresh
tokens), records every request for the tests to compare, and can be
scripted to fail: a queue of canned answers (any status, headers, body,
bytes that are not HTTP at all, or closing the connection without a word),
forgetting every grant, or going away altogether so that connections are
refused.

For soak tests it can also fail every refresh the same way for a while
(token_fault), counts the /token requests it is handling at once (the
most seen, token_active_max), and attributes each refresh to the grant
lineage it descends from (the authorisation that started the chain of
rotated refresh tokens: one a pizauth account), see refreshes_by_lineage().

It also serves the device authorization grant (RFC 8628): /device hands
out a device code and a user code, and /token answers device-code polls
with authorization_pending until the test approves the user code (or
slow_down, access_denied, expired_token as scripted), checking that polls
honour the interval, plus 5 s after each slow_down.  And /revoke (RFC 7009)
revokes a token for good: a refresh token it revoked is refused after.

And it publishes its metadata for discovery: GET ISSUER's OpenID Connect
Discovery URL (/.well-known/openid-configuration after the issuer's path)
or RFC 8414's (/.well-known/oauth-authorization-server before it) answers
a document naming the issuer (http://127.0.0.1:PORT unless a test sets
another) and its /authorize, /token, /device and /revoke.  Tests choose
which of the two URLs serve it (metadata_at), change or drop its members
(metadata_members), delay it, or script other answers (metadata_queue,
metadata_fault); metadata_requests() lists the GETs that came.

What pizauth did wrong is kept apart from what a test asked for: a PKCE
mismatch, a stale refresh token or a missing field is a *violation*, which
the test harness turns into a failure; a code the provider never issued or
a forgotten grant is a plain refusal (400 invalid_grant), as from a real
provider.
"""

import base64
import hashlib
import http.server
import json
import secrets
import socket
import threading
import time
import urllib.parse
from collections import deque

DEFAULT_CLIENT_ID = "pizauth-test-client"
DEFAULT_CLIENT_SECRET = "pizauth-test-secret"


def s256(verifier):
    """The RFC 7636 S256 code challenge of verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Canned:
    """One scripted answer for the next matching request.

    status/headers/body are sent as they are (body may be bytes, str, or a
    dict sent as JSON); close=True closes the connection without answering;
    delay waits first; grant_type limits the answer to /token requests of
    that grant type (None: any); raw (bytes) is written instead of an HTTP
    response, then the connection is closed.
    """

    def __init__(self, status=200, body=b"", headers=None, close=False,
                 delay=0.0, grant_type=None, raw=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.close = close
        self.delay = delay
        self.grant_type = grant_type
        self.raw = raw

    def __repr__(self):
        what = ("close" if self.close else "raw" if self.raw is not None
                else str(self.status))
        return f"Canned({what}, grant_type={self.grant_type})"


DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 3.5: each slow_down adds 5 seconds to the polling interval.
SLOW_DOWN_S = 5
# How much sooner than the interval a poll may come (timer slack).
POLL_SLACK_S = 0.1


class DeviceGrant:
    """A device code handed out by /device and what became of it.

    status: "pending" until the test approves, denies or expires it;
    "done" once the token was issued.  interval is the current polling
    interval (the one sent, plus 5 s per slow_down answered); polls are the
    Request objects of the device-code polls, in order.
    """

    def __init__(self, client_id, scope, interval, expires_in):
        self.device_code = "DC-" + secrets.token_urlsafe(24)
        self.user_code = "-".join(
            "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(4))
            for _ in range(2))
        self.client_id = client_id
        self.scope = scope
        self.interval = interval
        self.issued = time.monotonic()
        self.expires = self.issued + expires_in
        self.status = "pending"
        self.slow_downs = 0         # slow_down answers still to give
        self.polls = []

    def poll_times(self):
        """Seconds from issue to each poll."""
        return [r.time - self.issued for r in self.polls]

    def __repr__(self):
        return (f"<device code {self.user_code} {self.status}, "
                f"{len(self.polls)} poll(s) at "
                f"{[round(t, 2) for t in self.poll_times()]}>")


class Request:
    """A recorded request: what came in and what we answered."""

    def __init__(self, method, path, query, headers, body, form):
        self.time = time.monotonic()
        self.wall = time.time()
        self.method = method
        self.path = path
        self.query = query          # [(key, value)] in order
        self.headers = headers      # {lower-case name: value}
        self.body = body
        self.form = form            # [(key, value)] in order
        self.status = None          # what we answered (None: closed)
        self.reply = None           # the JSON object we answered with
        self.note = ""              # why, if not a success
        self.lineage = None         # grant lineage (/token with a grant)
        self.sent = False           # the answer's bytes were all written
        self.answered = None        # monotonic time they were (or None)

    def q(self, key):
        """The first query value for key, or None."""
        return next((v for k, v in self.query if k == key), None)

    def f(self, key):
        """The first form value for key, or None."""
        return next((v for k, v in self.form if k == key), None)

    @property
    def grant_type(self):
        return self.f("grant_type")

    def __repr__(self):
        fields = self.form if self.method == "POST" else self.query
        keys = ",".join(k for k, _ in fields)
        return (f"<{self.method} {self.path} [{keys}] -> {self.status}"
                f"{' ' + self.note if self.note else ''}>")


class _Handler(http.server.BaseHTTPRequestHandler):
    provider = None
    protocol_version = "HTTP/1.0"
    server_version = "FakeOAuth2/1"

    def setup(self):
        super().setup()
        self.provider._live_handler(self)

    def finish(self):
        try:
            super().finish()
        finally:
            self.provider._dead_handler(self)

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.provider._handle(self, "GET")

    def do_POST(self):
        self.provider._handle(self, "POST")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeProvider:
    def __init__(self, client_id=DEFAULT_CLIENT_ID,
                 client_secret=DEFAULT_CLIENT_SECRET):
        self.cond = threading.Condition()
        self.clients = {client_id: client_secret}
        self.client_id = client_id
        self.client_secret = client_secret
        # Knobs a test may turn at any time.
        self.expires_in = 3600
        self.rotate = False             # new refresh token on each refresh
        self.issue_refresh_token = True  # refresh token with new grants
        self.token_queue = deque()      # Canned answers for /token
        self.authorize_queue = deque()  # Canned answers for /authorize
        self.device_queue = deque()     # Canned answers for /device
        self.revoke_queue = deque()     # Canned answers for /revoke
        # The device authorization response (RFC 8628 3.2).
        self.device_interval = 1        # None: leave it out (5 s)
        self.device_expires_in = 600
        self.device_uri_key = "verification_uri"  # Google: _url
        self.device_complete = True     # send verification_uri_complete
        self.device_delay = 0.0         # answer /device this much later
        self.token_delay = 0.0          # and /token's real answers
        # A Canned answer every refresh_token grant gets (not consumed)
        # while it is set, e.g. a 503 with Retry-After or a garbage 200.
        self.token_fault = None
        self.allow_violations = False   # a test that means to break rules
        # Provider metadata (see metadata_document and metadata_paths).
        self._issuer = None             # None: http://127.0.0.1:PORT
        self.metadata_at = {"oidc"}     # served at: "oidc" and/or "oauth"
        self.metadata_members = {}      # override members; None drops one
        self.metadata_queue = deque()   # Canned answers for metadata GETs
        # A Canned answer every metadata GET gets (not consumed) while set.
        self.metadata_fault = None
        self.metadata_delay = 0.0       # answer metadata GETs this late
        # What happened.
        self.requests = []
        self.violations = []
        self.issued = []                # every code and token handed out
        self.access_tokens = []         # in issue order
        self.codes = {}                 # code -> grant
        self.refresh_tokens = {}        # refresh token -> grant
        self.forgotten = set()
        self.devices = []               # DeviceGrant, in issue order
        self.revoked = set()            # tokens revoked at /revoke
        self.lineage_of = {}            # refresh token -> grant lineage
        self._lineages = 0              # lineages started so far
        # /token requests being handled (from arrival until their answer
        # is written, delay included), and the most at once (see reset).
        self.token_active = 0
        self.token_active_max = 0
        self._live = set()              # handlers of connections now open
        self.server = None
        self.port = None
        self._thread = None
        self.come_up()

    # ---- life ---------------------------------------------------------

    def come_up(self):
        """Listen (again, on the same port once one was chosen)."""
        handler = type("Handler", (_Handler,), {"provider": self})
        self.server = _Server(("127.0.0.1", self.port or 0), handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def go_down(self):
        """Stop listening: connections to our port are refused.

        Connections in progress fail too, as in a real outage: each is
        shut down (the client sees it closed without an answer), and a
        handler still waiting out a delay then writes nothing.  Such a
        request is as if the provider never processed it: a refresh token
        it rotated is current again (and the one it would have sent is
        unknown), so that pizauth retrying with the token it holds is no
        violation.  An answer already being written is let finish first.
        """
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self._thread.join(5)
        with self.cond:
            live = list(self._live)
        for h in live:
            with h._pz_lock:
                h._pz_cut = True
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    close = go_down

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    # ---- metadata (OpenID Connect Discovery 1.0, RFC 8414) -------------

    @property
    def issuer(self):
        """The issuer the metadata is served for and names: the provider's
        own URL unless a test set another (a path, say)."""
        if self._issuer is not None:
            return self._issuer
        return f"http://127.0.0.1:{self.port}"

    @issuer.setter
    def issuer(self, value):
        self._issuer = value

    def metadata_paths(self, issuer=None):
        """{"oidc": path, "oauth": path}: where the metadata of issuer (the
        provider's by default) lives, as request paths on this provider.
        OpenID Connect appends /.well-known/openid-configuration to the
        issuer's path; RFC 8414 puts /.well-known/oauth-authorization-server
        before it; both drop a terminating '/'."""
        path = urllib.parse.urlsplit(issuer or self.issuer).path
        if path.endswith("/"):
            path = path[:-1]
        return {"oidc": path + "/.well-known/openid-configuration",
                "oauth": "/.well-known/oauth-authorization-server" + path}

    def metadata_urls(self, issuer=None):
        """{"oidc": URL, "oauth": URL}: the same as absolute URLs."""
        u = urllib.parse.urlsplit(issuer or self.issuer)
        base = f"{u.scheme}://{u.netloc}"
        return {k: base + v for k, v in self.metadata_paths(issuer).items()}

    def metadata_document(self):
        """The metadata as served now: the provider's own endpoints, then
        metadata_members (a value of None drops the member)."""
        doc = {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "device_authorization_endpoint": self.url("/device"),
            "revocation_endpoint": self.url("/revoke"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code",
                                      "refresh_token", DEVICE_GRANT],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "scopes_supported": ["openid", "mail", "offline_access"],
        }
        for k, v in self.metadata_members.items():
            if v is None:
                doc.pop(k, None)
            else:
                doc[k] = v
        return doc

    def queue_metadata(self, *answers):
        """Answer the next metadata GETs with these Canned answers."""
        with self.cond:
            self.metadata_queue.extend(answers)

    # ---- what tests script --------------------------------------------

    def add_client(self, client_id, client_secret):
        """Accept another client (client_secret None: a public client)."""
        with self.cond:
            self.clients[client_id] = client_secret

    def queue_token(self, *answers):
        """Answer the next /token requests with these Canned answers."""
        with self.cond:
            self.token_queue.extend(answers)

    def queue_authorize(self, *answers):
        with self.cond:
            self.authorize_queue.extend(answers)

    def queue_device(self, *answers):
        """Answer the next /device requests with these Canned answers."""
        with self.cond:
            self.device_queue.extend(answers)

    def queue_revoke(self, *answers):
        """Answer the next /revoke requests with these Canned answers."""
        with self.cond:
            self.revoke_queue.extend(answers)

    def _device_grant(self, user_code):
        for g in reversed(self.devices):
            if user_code is None or g.user_code == user_code:
                return g
        raise AssertionError(f"no device code {user_code!r} was issued")

    def _set_device(self, user_code, status):
        with self.cond:
            g = self._device_grant(user_code)
            g.status = status
            return g

    def approve(self, user_code=None):
        """The user entered user_code (None: the latest) and approved."""
        return self._set_device(user_code, "approved")

    def deny(self, user_code=None):
        """The user refused: polls now get access_denied."""
        return self._set_device(user_code, "denied")

    def expire(self, user_code=None):
        """The code expired: polls now get expired_token."""
        return self._set_device(user_code, "expired")

    def slow_down(self, n=1, user_code=None):
        """Answer the next n pending polls with slow_down."""
        with self.cond:
            self._device_grant(user_code).slow_downs += n

    def forget_grants(self):
        """Forget every code and refresh token: refreshing now gets
        400 invalid_grant, as after the user revoked access."""
        with self.cond:
            self.forgotten.update(self.refresh_tokens)
            self.refresh_tokens.clear()
            self.codes.clear()

    # ---- what tests read ----------------------------------------------

    def snapshot(self):
        with self.cond:
            return list(self.requests)

    def token_requests(self, grant_type=None):
        return [r for r in self.snapshot() if r.path.startswith("/token")
                and (grant_type is None or r.grant_type == grant_type)]

    def authorize_requests(self):
        return [r for r in self.snapshot() if r.path.startswith("/authorize")]

    def refreshes(self):
        return self.token_requests("refresh_token")

    def device_requests(self):
        return [r for r in self.snapshot() if r.path.startswith("/device")]

    def device_polls(self):
        return self.token_requests(DEVICE_GRANT)

    def revocations(self):
        return [r for r in self.snapshot() if r.path.startswith("/revoke")]

    def metadata_requests(self):
        """Requests for metadata (any path with /.well-known/ in it)."""
        return [r for r in self.snapshot() if "/.well-known/" in r.path]

    def wait_for_metadata_requests(self, n, timeout=10.0):
        """Wait until at least n metadata requests came; return them."""
        return self.wait_for(
            lambda reqs: (lambda m: m if len(m) >= n else None)(
                [r for r in reqs if "/.well-known/" in r.path]),
            timeout, f"{n} metadata request(s)")

    def device_grant(self, user_code=None, timeout=10.0):
        """The device code issued last (or with user_code); waits until
        one was issued."""
        def pred(reqs):
            for g in reversed(self.devices):
                if user_code is None or g.user_code == user_code:
                    return g
            return None
        return self.wait_for(pred, timeout, "a device code to be issued")

    def wait_for_polls(self, n, timeout=10.0):
        """Wait until at least n device-code polls came; return them."""
        return self.wait_for(
            lambda reqs: (lambda p: p if len(p) >= n else None)(
                [r for r in reqs if r.path.startswith("/token") and
                 r.grant_type == DEVICE_GRANT]),
            timeout, f"{n} device-code poll(s)")

    def wait_for(self, pred, timeout=10.0, what="a condition"):
        """Wait until pred(requests) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                v = pred(list(self.requests))
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"fake provider: timed out after {timeout}s waiting "
                        f"for {what}; requests: {self.requests}")
                self.cond.wait(min(left, 0.1))

    def wait_for_token_requests(self, n, grant_type=None, timeout=10.0):
        """Wait until at least n /token requests (of grant_type) came."""
        def pred(reqs):
            got = [r for r in reqs if r.path.startswith("/token") and
                   (grant_type is None or r.grant_type == grant_type)]
            return got if len(got) >= n else None
        return self.wait_for(pred, timeout,
                             f"{n} /token request(s) with grant_type "
                             f"{grant_type}")

    def refreshes_by_lineage(self):
        """{lineage: [Request, ...]}: each lineage's refresh_token-grant
        requests in arrival order (r.time: arrival, monotonic; r.status:
        the status answered, None if closed without an answer; r.answered:
        when the answer was written, None if it was not; r.note)."""
        out = {}
        for r in self.refreshes():
            out.setdefault(r.lineage, []).append(r)
        return out

    def lineage_history(self):
        """{lineage: [(arrival time, status), ...]} of its refreshes."""
        return {k: [(r.time, r.status) for r in v]
                for k, v in self.refreshes_by_lineage().items()}

    def reset_token_active_max(self):
        """Start counting the most concurrent /token requests afresh (from
        those being handled now); returns the most seen before."""
        with self.cond:
            was = self.token_active_max
            self.token_active_max = self.token_active
            return was

    def describe(self):
        """A summary for failure reports."""
        with self.cond:
            lines = [f"fake provider on port {self.port}"]
            lines += [f"  {r!r}" for r in self.requests]
            lines += [f"  {g!r}" for g in self.devices]
            lines += [f"  VIOLATION: {v}" for v in self.violations]
            return "\n".join(lines)

    # ---- serving -------------------------------------------------------

    def _violation(self, req, msg):
        self.violations.append(f"{req.method} {req.path}: {msg}")
        req.note = "violation: " + msg

    def _handle(self, h, method):
        split = urllib.parse.urlsplit(h.path)
        query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in h.headers.items()}
        body = b""
        n = int(headers.get("content-length", "0") or "0")
        if n > 0:
            body = h.rfile.read(n)
        form = []
        if method == "POST":
            try:
                form = urllib.parse.parse_qsl(body.decode("utf-8"),
                                              keep_blank_values=True,
                                              strict_parsing=bool(body))
            except (UnicodeDecodeError, ValueError):
                form = []
        req = Request(method, split.path, query, headers, body, form)
        is_token = split.path.startswith("/token")
        with self.cond:
            self.requests.append(req)
            if getattr(h, "_pz_cut", False):
                # go_down() cut it while its body was being read.
                req.note = "cut by go_down before it was read"
                self.cond.notify_all()
                return
            if is_token:
                req._counted = True
                self.token_active += 1
                self.token_active_max = max(self.token_active_max,
                                            self.token_active)
            if "/.well-known/" in split.path:
                answer = self._metadata(req)
            elif split.path.startswith("/authorize"):
                answer = self._authorize(req)
            elif split.path.startswith("/token"):
                answer = self._token(req)
            elif split.path.startswith("/device"):
                answer = self._device(req)
            elif split.path.startswith("/revoke"):
                answer = self._revoke(req)
            else:
                answer = Canned(404, {"error": "not_found"})
            req.status = None if answer.close else answer.status
            if isinstance(answer.body, dict):
                req.reply = dict(answer.body)
            self.cond.notify_all()
        try:
            self._send(h, answer, req)
        finally:
            self._uncount(req)

    def _uncount(self, req):
        """A /token request no longer counts as being handled.  This is
        done just before its answer is written (after any delay): the
        client cannot have the answer, so cannot have started its next
        request on the connection slot it frees, before the count drops;
        counting until after the write would let that next request
        overlap it and make the most seen one more than the client ever
        had in flight."""
        if req is not None and getattr(req, "_counted", False):
            with self.cond:
                if req._counted:
                    req._counted = False
                    self.token_active -= 1

    def _live_handler(self, h):
        """Note h as open (go_down() cuts it); see _Handler.setup."""
        h._pz_cut = False
        h._pz_lock = threading.Lock()
        with self.cond:
            self._live.add(h)

    def _dead_handler(self, h):
        with self.cond:
            self._live.discard(h)

    def _undo(self, req):
        """The answer to req will never be sent: forget what it did."""
        rot = getattr(req, "_rotation", None)
        with self.cond:
            req.note = (req.note + "; " if req.note else "") + \
                "cut by go_down" + (", rotation undone" if rot else "")
            req.status = None           # closed without an answer
            if rot is not None:
                grant, new_rt = rot
                grant["current"] = True
                self.refresh_tokens.pop(new_rt, None)
            self.cond.notify_all()

    def _send(self, h, answer, req=None):
        if answer.delay:
            time.sleep(answer.delay)
        lock = getattr(h, "_pz_lock", None)
        if lock is None:
            self._uncount(req)
            self._write(h, answer, req)
            return
        # go_down() waits for an answer being written, and a handler it
        # cut writes nothing.
        with lock:
            self._uncount(req)
            if h._pz_cut:
                if req is not None:
                    self._undo(req)
                return
            self._write(h, answer, req)

    def _written(self, req):
        if req is not None:
            req.sent = True
            req.answered = time.monotonic()

    def _write(self, h, answer, req):
        if answer.raw is not None:
            h.close_connection = True
            try:
                h.wfile.write(answer.raw)
                h.wfile.flush()
                self._written(req)
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if answer.close:
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        body = answer.body
        headers = dict(answer.headers)
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        try:
            h.send_response(answer.status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
            self._written(req)
        except OSError:
            pass

    def _next_canned(self, queue, grant_type=None):
        for i, c in enumerate(queue):
            if c.grant_type is None or c.grant_type == grant_type:
                del queue[i]
                return c
        return None

    def _authorize(self, req):
        canned = self._next_canned(self.authorize_queue)
        if canned is not None:
            req.note = f"canned {canned!r}"
            return canned
        if req.method != "GET":
            self._violation(req, "authorize must be a GET")
            return Canned(405, "GET only")
        q = {}
        for k, v in req.query:
            if k in q:
                self._violation(req, f"parameter '{k}' given twice")
            q[k] = v
        for k in ("response_type", "client_id", "redirect_uri", "state",
                  "code_challenge", "code_challenge_method"):
            if k not in q:
                self._violation(req, f"authorize without '{k}'")
                return Canned(400, f"missing {k}")
        if q["response_type"] != "code":
            self._violation(req, "response_type is not 'code'")
        if q["code_challenge_method"] != "S256":
            self._violation(req, "code_challenge_method is not S256")
        if q["client_id"] not in self.clients:
            req.note = "unknown client"
            return Canned(400, "unknown client_id")
        code = "CODE-" + secrets.token_urlsafe(24)
        self.issued.append(code)
        self.codes[code] = {
            "client_id": q["client_id"],
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "scope": q.get("scope"),
            "used": False,
        }
        sep = "&" if "?" in q["redirect_uri"] else "?"
        loc = q["redirect_uri"] + sep + urllib.parse.urlencode(
            {"code": code, "state": q["state"]})
        return Canned(302, "", {"Location": loc})

    def _metadata(self, req):
        """A GET of provider metadata: the document where metadata_at says
        it is served, else 404 (a scripted answer first, if any)."""
        canned = self._next_canned(self.metadata_queue)
        if canned is not None:
            req.note = f"canned {canned!r}"
            return canned
        fault = self.metadata_fault
        if fault is not None:
            req.note = f"fault {fault!r}"
            return fault
        if req.method != "GET":
            self._violation(req, "metadata request must be a GET")
            return Canned(405, {"error": "invalid_request"})
        if req.body:
            self._violation(req, "metadata GET with a body")
        kind = {v: k for k, v in self.metadata_paths().items()}.get(req.path)
        if kind is None or kind not in self.metadata_at:
            req.note = "no metadata here"
            return Canned(404, {"error": "not_found"},
                          delay=self.metadata_delay)
        return Canned(200, self.metadata_document(),
                      {"Cache-Control": "public, max-age=3600"},
                      delay=self.metadata_delay)

    def _check_client(self, req, form):
        cid = form.get("client_id")
        if cid is None:
            self._violation(req, "no client_id")
            return False
        if cid not in self.clients:
            req.note = "unknown client"
            return False
        want = self.clients[cid]
        got = form.get("client_secret")
        if want is None and got is not None:
            self._violation(req, "client_secret sent for a public client")
            return False
        if want is not None and got != want:
            self._violation(req, "wrong or missing client_secret")
            return False
        return True

    def _grant(self, cid):
        at = "AT-" + secrets.token_urlsafe(24)
        self.issued.append(at)
        self.access_tokens.append(at)
        body = {"access_token": at, "token_type": "Bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return body

    def _form_post(self, req):
        """Check a form POST; a Canned refusal, or None if it is one."""
        if req.method != "POST":
            self._violation(req, f"{req.path} request must be a POST")
            return Canned(405, {"error": "invalid_request"})
        ctype = req.headers.get("content-type", "")
        if ctype.split(";")[0].strip() != "application/x-www-form-urlencoded":
            self._violation(req, f"content-type is '{ctype}'")
            return Canned(400, {"error": "invalid_request"})
        if len(dict(req.form)) != len(req.form):
            self._violation(req, "a form field given twice")
        return None

    def _device(self, req):
        """RFC 8628 3.1-3.2: the device authorization request."""
        canned = self._next_canned(self.device_queue)
        if canned is not None:
            req.note = f"canned {canned!r}"
            return canned
        bad = self._form_post(req)
        if bad is not None:
            return bad
        form = dict(req.form)
        extra = set(form) - {"client_id", "client_secret", "scope"}
        if extra:
            self._violation(req, f"unexpected fields {sorted(extra)}")
        if not self._check_client(req, form):
            return Canned(401, {"error": "invalid_client"})
        g = DeviceGrant(form["client_id"], form.get("scope"),
                        self.device_interval or 5, self.device_expires_in)
        self.devices.append(g)
        self.issued.append(g.device_code)
        verify = self.url("/activate")
        body = {"device_code": g.device_code, "user_code": g.user_code,
                self.device_uri_key: verify,
                "expires_in": self.device_expires_in}
        if self.device_complete:
            body["verification_uri_complete"] = (
                verify + "?" + urllib.parse.urlencode(
                    {"user_code": g.user_code}))
        if self.device_interval is not None:
            body["interval"] = self.device_interval
        return Canned(200, body, delay=self.device_delay)

    def _device_poll(self, req, form, cid):
        """RFC 8628 3.4-3.5: a device access token request."""
        dc = form.get("device_code")
        g = next((g for g in self.devices if g.device_code == dc), None)
        if g is None:
            self._violation(req, "device-code poll with an unknown or "
                                 "missing device_code")
            return Canned(400, {"error": "invalid_grant"})
        if g.client_id != cid:
            self._violation(req, "device code polled by another client")
        last = g.polls[-1].time if g.polls else g.issued
        if req.time - last < g.interval - POLL_SLACK_S:
            self._violation(req, f"polled {req.time - last:.2f}s after "
                                 f"the last, interval is {g.interval}s")
        g.polls.append(req)
        if g.status == "pending" and req.time >= g.expires:
            g.status = "expired"
        if g.status == "done":
            self._violation(req, "device code polled after its token "
                                 "was issued")
            return Canned(400, {"error": "invalid_grant"})
        if g.status == "denied":
            return Canned(400, {"error": "access_denied",
                                "error_description": "The user said no"})
        if g.status == "expired":
            return Canned(400, {"error": "expired_token"})
        if g.status == "pending":
            if g.slow_downs > 0:
                g.slow_downs -= 1
                g.interval += SLOW_DOWN_S
                return Canned(400, {"error": "slow_down"})
            return Canned(400, {"error": "authorization_pending"})
        g.status = "done"
        body = self._grant(cid)
        if self.issue_refresh_token:
            body["refresh_token"] = self._new_refresh_token(cid)
        return Canned(200, body)

    def _revoke(self, req):
        """RFC 7009 2.1: revoke a token, which is then refused for good."""
        canned = self._next_canned(self.revoke_queue)
        if canned is not None:
            req.note = f"canned {canned!r}"
            return canned
        bad = self._form_post(req)
        if bad is not None:
            return bad
        form = dict(req.form)
        if not self._check_client(req, form):
            return Canned(401, {"error": "invalid_client"})
        token = form.get("token")
        if not token:
            self._violation(req, "revocation without 'token'")
            return Canned(400, {"error": "invalid_request"})
        hint = form.get("token_type_hint")
        if hint not in (None, "refresh_token", "access_token"):
            self._violation(req, f"token_type_hint '{hint}'")
        self.revoked.add(token)
        self.refresh_tokens.pop(token, None)
        # RFC 7009 2.2: 200 whether or not the token was valid.
        return Canned(200, b"")

    def _new_refresh_token(self, cid, lineage=None):
        """A refresh token: of a new grant lineage, or (rotation) of the
        given one."""
        if lineage is None:
            self._lineages += 1
            lineage = self._lineages
        rt = "RT-" + secrets.token_urlsafe(24)
        self.issued.append(rt)
        self.refresh_tokens[rt] = {"client_id": cid, "current": True,
                                   "lineage": lineage}
        self.lineage_of[rt] = lineage
        return rt

    def _token(self, req):
        form = dict(req.form)
        if form.get("grant_type") == "refresh_token":
            req.lineage = self.lineage_of.get(form.get("refresh_token"))
        canned = self._next_canned(self.token_queue, form.get("grant_type"))
        if canned is not None:
            req.note = f"canned {canned!r}"
            return canned
        fault = self.token_fault
        if fault is not None and form.get("grant_type") == "refresh_token":
            req.note = f"fault {fault!r}"
            return fault
        if req.method != "POST":
            self._violation(req, "token request must be a POST")
            return Canned(405, {"error": "invalid_request"})
        ctype = req.headers.get("content-type", "")
        if ctype.split(";")[0].strip() != "application/x-www-form-urlencoded":
            self._violation(req, f"content-type is '{ctype}'")
            return Canned(400, {"error": "invalid_request"})
        if len(form) != len(req.form):
            self._violation(req, "a form field given twice")
        if not self._check_client(req, form):
            return Canned(401, {"error": "invalid_client"})
        cid = form["client_id"]
        gt = form.get("grant_type")
        if gt == DEVICE_GRANT:
            return self._device_poll(req, form, cid)
        if gt == "authorization_code":
            for k in ("code", "code_verifier", "redirect_uri"):
                if k not in form:
                    self._violation(req, f"authorization_code without '{k}'")
                    return Canned(400, {"error": "invalid_request"})
            grant = self.codes.get(form["code"])
            if grant is None:
                req.note = "unknown code"
                return Canned(400, {"error": "invalid_grant",
                                    "error_description": "unknown code"})
            if grant["used"]:
                self._violation(req, "authorisation code used twice")
                return Canned(400, {"error": "invalid_grant"})
            grant["used"] = True
            if grant["client_id"] != cid:
                self._violation(req, "client_id differs from authorize's")
                return Canned(400, {"error": "invalid_grant"})
            if s256(form["code_verifier"]) != grant["challenge"]:
                self._violation(req, "PKCE code_verifier does not match "
                                     "the S256 code_challenge")
                return Canned(400, {"error": "invalid_grant"})
            if form["redirect_uri"] != grant["redirect_uri"]:
                self._violation(req, f"redirect_uri '{form['redirect_uri']}'"
                                     f" differs from authorize's "
                                     f"'{grant['redirect_uri']}'")
                return Canned(400, {"error": "invalid_grant"})
            body = self._grant(cid)
            if self.issue_refresh_token:
                body["refresh_token"] = self._new_refresh_token(cid)
                req.lineage = self.lineage_of[body["refresh_token"]]
            return Canned(200, body, delay=self.token_delay)
        if gt == "refresh_token":
            rt = form.get("refresh_token")
            if rt is None:
                self._violation(req, "refresh_token grant without "
                                     "refresh_token")
                return Canned(400, {"error": "invalid_request"})
            if rt in self.revoked:
                # A refusal, not a violation: tests probe it themselves,
                # and check pizauth never sent it.
                req.note = "revoked refresh token"
                return Canned(400, {"error": "invalid_grant",
                                    "error_description": "token revoked"})
            if rt in self.forgotten:
                req.note = "forgotten grant"
                return Canned(400, {"error": "invalid_grant",
                                    "error_description": "grant revoked"})
            grant = self.refresh_tokens.get(rt)
            if grant is None:
                self._violation(req, "unknown refresh token")
                return Canned(400, {"error": "invalid_grant"})
            if not grant["current"]:
                self._violation(req, "stale refresh token (it was rotated)")
                return Canned(400, {"error": "invalid_grant"})
            if grant["client_id"] != cid:
                self._violation(req, "refresh by another client")
                return Canned(400, {"error": "invalid_grant"})
            body = self._grant(cid)
            if self.rotate:
                grant["current"] = False
                body["refresh_token"] = self._new_refresh_token(
                    cid, grant.get("lineage"))
                req._rotation = (grant, body["refresh_token"])
            return Canned(200, body, delay=self.token_delay)
        self._violation(req, f"grant_type '{gt}'")
        return Canned(400, {"error": "unsupported_grant_type"})
