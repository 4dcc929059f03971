# SPDX-License-Identifier: MIT
"""End-to-end tests: the real pizauth daemon against a real OAuth2 provider.

What runs
  * provider.mjs: oidc-provider (npm, pinned by package-lock.json) on
    127.0.0.1 with a kernel-chosen port: authorization code + PKCE (S256
    required), rotating refresh tokens, 20 s access tokens, introspection,
    revocation, device flow (2 s polling interval), its built-in
    login/consent pages, and admin routes: POST /admin/forget (a test plays
    the user revoking the client's access), GET /admin/stats and
    /admin/tokens (what the provider saw and holds), POST /admin/refuse (a
    revocation endpoint that refuses).
  * pizauth: `$PIZAUTH_BIN/pizauth server -c CONF -d -v`, one daemon per test
    with its own XDG_RUNTIME_DIR, SHELL=/bin/sh and a config pointing at the
    provider; `pizauth show/refresh/...` run against it. A test changes the
    config with @pytest.mark.pizauth_conf(...) (see the daemon fixture).
  * Browser (below): walks the provider's login and consent pages with
    urllib and a cookie jar, redirect by redirect, until the provider sends
    it to pizauth's redirect listener, and returns what pizauth answered;
    for the device flow it enters the user code on the provider's /device
    page, confirms it, logs in and consents.

Why oidc-provider 8.8.1: the last release whose supported runtimes include
Node.js 20 (its runtime check wants LTS "Hydrogen" or later; every 9.x
release wants 22 "Jod" and warns "Unsupported runtime" on 20). Its client
metadata lets pizauth run as it does for its users: application_type
"native" with redirect_uri http://localhost/ matches any loopback port
(RFC 8252 7.3), so pizauth's listener keeps http_listen = 127.0.0.1:0 and
the test never has to guess a free port. test_00_harness.py checks the
provider and the browser with a Python client, without pizauth.

How to run (the Makefile's `make e2e` does both):
    cd tests/e2e && npm ci
    PIZAUTH_BIN=$PWD/build/bin python3 -m pytest -q -p no:cacheprovider tests/e2e
PIZAUTH_BIN defaults to <repo>/build/bin. Nothing is skipped: a missing
node, node_modules or pizauth binary fails the run with the reason.

Rules kept here
  * Every test gets a fresh provider and daemon; nothing is shared.
  * Every wait is bounded (subprocess timeouts, socket timeouts, deadlines in
    polling loops) and fails with what was last seen.
  * A failing test carries the provider log, the daemon log, the pizauth
    commands run (with their output) and the browser's steps as report
    sections.
"""

import html
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent.parent
NODE = shutil.which("node") or "/usr/bin/node"

CLIENT_ID = "pizauth-e2e"
CLIENT_SECRET = "e2e-secret"
ACCOUNT = "e2e"
SUCCESS_BODY = "pizauth successfully received authentication code"
PENDING_RE = re.compile(r"Access token unavailable until authorised with URL (\S+)")

HTTP_TIMEOUT = 10  # seconds, each HTTP request the tests make
CMD_TIMEOUT = 10  # seconds, each pizauth client command
START_TIMEOUT = 15  # seconds, provider or daemon becoming ready
STOP_TIMEOUT = 5  # seconds, a graceful stop before SIGKILL


def pizauth_bin():
    """The directory holding the pizauth programs under test."""
    return Path(os.environ.get("PIZAUTH_BIN") or REPO / "build" / "bin")


def tail(path, limit=400):
    """The last `limit` lines of a log file, or why there are none."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(not written)"
    except OSError as e:
        return f"(cannot read: {e})"
    if len(lines) > limit:
        lines = [f"... ({len(lines) - limit} earlier lines in the file)"] + lines[-limit:]
    return "\n".join(lines) if lines else "(empty)"


def stop_process(proc):
    """SIGTERM, wait bounded, then SIGKILL: a process we started never outlives its test."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT)


# --- evidence on failure ----------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for name, path in getattr(item, "e2e_logs", []):
            rep.sections.append((f"{name}: {path}", tail(path)))


@pytest.fixture
def logs(request):
    """Registers a log file to attach to the report if the test fails."""
    request.node.e2e_logs = []

    def attach(name, path):
        request.node.e2e_logs.append((name, Path(path)))

    return attach


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "pizauth_conf(global_extra, account_body, account_extra): "
        "the daemon's config for this test (see conftest.py's daemon fixture)")


@pytest.fixture(scope="session", autouse=True)
def node_prerequisites():
    """Fail (never skip) when the provider cannot run."""
    missing = []
    if not Path(NODE).exists():
        missing.append(f"node not found ({NODE})")
    if not (E2E_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        missing.append(f"oidc-provider not installed: run `npm ci` in {E2E_DIR}")
    if missing:
        pytest.fail("e2e prerequisites missing:\n  " + "\n  ".join(missing), pytrace=False)


# --- HTTP helpers -----------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands 3xx back to the caller instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def http_request(opener, method, url, form=None):
    """One request, bounded; returns (status, headers, body text) for any status."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with opener.open(req, timeout=HTTP_TIMEOUT) as resp:
            return resp.status, resp.headers, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read().decode(errors="replace")


# --- the provider -----------------------------------------------------------

class Provider:
    """provider.mjs running on 127.0.0.1; see its header for the admin API."""

    def __init__(self, workdir, logs, access_ttl=20):
        self.log = workdir / "provider.log"
        self.out = workdir / "provider.out"
        logs("provider log", self.log)
        with open(self.out, "wb") as out, open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [NODE, str(E2E_DIR / "provider.mjs"), "--access-ttl", str(access_ttl)],
                cwd=E2E_DIR, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                env={**os.environ, "NODE_ENV": "development", "DEBUG": ""})
        self.opener = urllib.request.build_opener(_NoRedirect())
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            line = self.out.read_text().split("\n", 1)
            if len(line) == 2:  # a whole first line
                ready = json.loads(line[0])
                break
            if self.proc.poll() is not None:
                pytest.fail(f"provider exited with status {self.proc.returncode} before "
                            "it was ready (provider log attached)")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"provider not ready within {START_TIMEOUT} s (log attached)")
            time.sleep(0.05)
        self.issuer = ready["issuer"]
        self.port = ready["port"]

    def url(self, path):
        return self.issuer + path

    def get(self, url):
        """GET a URL (absolute, or a path on the provider); (status, headers, body)."""
        return http_request(self.opener, "GET", urllib.parse.urljoin(self.issuer, url))

    def post_form(self, path, form):
        status, _, body = http_request(self.opener, "POST", self.url(path), form)
        return status, body

    def introspect(self, token):
        """RFC 7662 introspection, authenticating as pizauth's client."""
        status, body = self.post_form("/token/introspection", {
            "token": token, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
        assert status == 200, f"introspection answered {status}: {body}"
        return json.loads(body)

    def assert_active(self, token):
        info = self.introspect(token)
        assert info.get("active") is True, f"provider says token is not active: {info}"
        assert info.get("client_id") == CLIENT_ID, f"token of another client: {info}"
        return info

    def forget(self):
        """The user revokes the client: grants, their tokens, session links go."""
        status, body = self.post_form(f"/admin/forget?client_id={CLIENT_ID}", {})
        assert status == 200, f"/admin/forget answered {status}: {body}"
        return json.loads(body)

    def stats(self):
        status, _, body = self.get("/admin/stats")
        assert status == 200, f"/admin/stats answered {status}: {body}"
        return json.loads(body)

    def tokens(self):
        """Live store entries of pizauth's client by model: {"Grant": n, ...}."""
        status, _, body = self.get(f"/admin/tokens?client_id={CLIENT_ID}")
        assert status == 200, f"/admin/tokens answered {status}: {body}"
        return json.loads(body)

    def token_stat(self, grant_type):
        return self.stats()["token"].get(grant_type, {"requests": 0, "success": 0, "errors": {}})

    def discovery(self):
        status, _, body = self.get("/.well-known/openid-configuration")
        assert status == 200, f"discovery answered {status}: {body}"
        return json.loads(body)

    def stop(self):
        stop_process(self.proc)


@pytest.fixture
def provider(tmp_path, logs):
    p = Provider(tmp_path, logs)
    yield p
    p.stop()


# --- the browser ------------------------------------------------------------

class Browser:
    """A user at a browser: completes the provider's login and consent pages.

    Follows redirects itself (no auto-follow) so every hop is checked and
    logged; cookies persist across authorise() calls, as a real browser's.
    """

    FORM_RE = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.I)
    PROMPT_RE = re.compile(r'name="prompt" value="([a-z]+)"')
    HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
    DEVICE_DONE = "Sign-in Success"  # oidc-provider's device flow success page
    MAX_HOPS = 20

    def __init__(self, workdir, logs, login="e2e-user"):
        self.login = login
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.prompts = []  # the provider pages answered, in order
        self.log = workdir / "browser.log"
        logs("browser steps", self.log)

    def _note(self, msg):
        with open(self.log, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {msg}\n")

    def _request(self, method, url, form=None):
        status, headers, body = http_request(self.opener, method, url, form)
        self._note(f"{method} {url} -> {status} {headers.get('Location') or ''}")
        return status, headers, body

    def authorise(self, auth_url):
        """Walks auth_url to the client's redirect; returns (status, body, redirect_url)
        of the GET to that redirect (pizauth's listener)."""
        return self._deliver(self._walk("GET", auth_url)[0])

    def device(self, verification_uri, user_code):
        """The device flow's other half: on the provider's verification page,
        enters user_code, confirms it, logs in and consents; returns the
        success page's body."""
        status, _, body = self._request("GET", verification_uri)
        action, fields = self._form(verification_uri, status, body, "op.deviceInputForm")
        self.prompts.append("user_code")
        status, _, body = self._request("POST", action, {**fields, "user_code": user_code})
        action, fields = self._form(action, status, body, "op.deviceConfirmForm")
        if html.escape(user_code) not in body or fields.get("confirm") != "yes":
            raise AssertionError(f"browser: the confirm page does not show {user_code!r} "
                                 f"or cannot confirm it: {fields}\n{body[:2000]}")
        self.prompts.append("confirm")
        url, body = self._walk("POST", action, fields,
                               done=lambda page: self.DEVICE_DONE in page)
        if body is None:
            raise AssertionError(f"browser: the device flow left the provider for {url}")
        return body

    def _form(self, url, status, body, form_id):
        """The page's form form_id: (absolute action URL, {hidden field: value})."""
        m = re.search(r'<form id="%s"[^>]*action="([^"]+)"[^>]*>(.*?)</form>'
                      % re.escape(form_id), body, re.S)
        if status != 200 or not m:
            raise AssertionError(
                f"browser: no form {form_id} at {url}: {status}\n{body[:2000]}")
        fields = {html.unescape(k): html.unescape(v)
                  for k, v in self.HIDDEN_RE.findall(m.group(2))}
        return urllib.parse.urljoin(url, html.unescape(m.group(1))), fields

    def _walk(self, method, url, form=None, done=None):
        """From one request, follows the provider's redirects and answers its
        login and consent pages. Returns (url, None) at the first redirect
        that leaves the provider, or (url, body) at a page `done` accepts."""
        origin = urllib.parse.urlsplit(url)[:2]
        for _ in range(self.MAX_HOPS):
            status, headers, body = self._request(method, url, form)
            if status in (301, 302, 303, 307, 308):
                url = urllib.parse.urljoin(url, headers["Location"])
                method, form = "GET", None
                if urllib.parse.urlsplit(url)[:2] != origin:
                    return url, None
                continue
            m = self.PROMPT_RE.search(body)
            action = self.FORM_RE.search(body)
            if status == 200 and not m and done is not None and done(body):
                return url, body
            if status != 200 or not m or not action:
                raise AssertionError(
                    f"browser: unexpected page at {url}: {status}\n{body[:2000]}")
            method = "POST"
            url = urllib.parse.urljoin(url, html.unescape(action.group(1)))
            self.prompts.append(m.group(1))
            if m.group(1) == "login":  # devInteractions take any login/password
                form = {"prompt": "login", "login": self.login, "password": "any"}
            elif m.group(1) == "consent":
                form = {"prompt": "consent"}
            else:
                raise AssertionError(f"browser: unknown prompt {m.group(1)!r} at {url}")
        raise AssertionError(f"browser: not done after {self.MAX_HOPS} hops")

    def _deliver(self, redirect_url):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect_url).query)
        if "error" in query:
            raise AssertionError(f"provider refused the authorisation: {query}")
        try:
            status, _, body = self._request("GET", redirect_url)
        except OSError as e:
            raise AssertionError(f"browser: cannot reach the redirect {redirect_url}: {e}")
        return status, body, redirect_url


@pytest.fixture
def browser(tmp_path, logs):
    return Browser(tmp_path, logs)


# --- the daemon -------------------------------------------------------------

CONFIG = """\
http_listen = "127.0.0.1:0";
https_listen = none;
refresh_before_expiry = 10s;
refresh_retry = 2s;
{global_extra}
account "{account}" {{
{account_body}{account_extra}}}
"""

# The account's body for the authorization code flow. In these and in a
# test's pizauth_conf strings, {issuer}, {client_id}, {client_secret} and
# {workdir} (the test's directory) are filled in.
CODE_ACCOUNT = """\
    auth_uri = "{issuer}/auth";
    token_uri = "{issuer}/token";
    client_id = "{client_id}";
    client_secret = "{client_secret}";
    scopes = ["openid", "offline_access"];
    redirect_uri = "http://localhost/";
"""


class Daemon:
    """`pizauth server -d` with its own runtime dir, and its client commands."""

    def __init__(self, workdir, logs, provider, global_extra="",
                 account_body=CODE_ACCOUNT, account_extra=""):
        self.bin = pizauth_bin() / "pizauth"
        if not os.access(self.bin, os.X_OK):  # fail, never skip
            pytest.fail(f"no executable {self.bin} (build it, or set PIZAUTH_BIN "
                        "to its directory)", pytrace=False)
        # Short path: sun_path holds 108 bytes, pytest's tmp_path can be long.
        self.runtime = Path(tempfile.mkdtemp(prefix="pz-e2e-"))
        os.chmod(self.runtime, 0o700)
        home = workdir / "home"
        home.mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "SHELL": "/bin/sh",
            "LANG": "C",
        }
        self.conf = workdir / "pizauth.conf"
        fill = dict(issuer=provider.issuer, client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET, workdir=workdir)
        self.conf.write_text(CONFIG.format(
            account=ACCOUNT, global_extra=global_extra.format(**fill),
            account_body=account_body.format(**fill),
            account_extra=account_extra.format(**fill)))
        self.log = workdir / "daemon.log"
        self.cmdlog = workdir / "commands.log"
        logs("pizauth config", self.conf)
        logs("daemon log", self.log)
        logs("pizauth commands", self.cmdlog)
        self.sock = self.runtime / "pizauth" / "pizauth.sock"
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [str(self.bin), "server", "-c", str(self.conf), "-d", "-v"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        try:
            self._wait_ready()
        except BaseException:  # pytest.fail is one: clean up, then report
            self.stop()
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"pizauth server exited with status {self.proc.returncode} "
                            "before its socket was ready (daemon log attached)")
            if self.sock.exists():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(1)
                try:
                    s.connect(str(self.sock))
                    return
                except OSError:
                    pass
                finally:
                    s.close()
            if time.monotonic() > deadline:
                pytest.fail(f"no pizauth socket at {self.sock} within {START_TIMEOUT} s")
            time.sleep(0.05)

    def alive(self):
        return self.proc.poll() is None

    def run(self, *args, timeout=CMD_TIMEOUT):
        """Runs `pizauth ARGS` against this daemon; returns CompletedProcess (text)."""
        t0 = time.monotonic()
        try:
            r = subprocess.run([str(self.bin), *args], env=self.env, capture_output=True,
                               text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            self._record(args, "timeout", e.stdout, e.stderr, time.monotonic() - t0)
            raise AssertionError(f"`pizauth {' '.join(args)}` took over {timeout} s")
        self._record(args, r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
        return r

    def _record(self, args, rc, out, err, secs):
        def text(x):
            return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
        with open(self.cmdlog, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} $ pizauth {' '.join(args)}  "
                    f"[exit {rc}, {secs:.2f} s]\n")
            for name, x in (("stdout", text(out)), ("stderr", text(err))):
                if x:
                    f.write(f"  {name}: {x.rstrip()}\n")

    def pending_url(self, account=ACCOUNT):
        """`pizauth show` must refuse (exit 1) with the authorisation URL; returns it."""
        r = self.run("show", account)
        assert r.returncode == 1, f"show: expected exit 1 (no token), got {r.returncode}: {r}"
        assert r.stdout == "", f"show printed on stdout without a token: {r.stdout!r}"
        m = PENDING_RE.search(r.stderr)
        assert m, f"show: no authorisation URL on stderr: {r.stderr!r}"
        return m.group(1)

    def wait_token(self, account=ACCOUNT, timeout=10, other_than=None):
        """Polls `pizauth show` until it prints a token (different from
        `other_than`, if given); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.run("show", account)
            token = r.stdout.strip()
            if r.returncode == 0 and token and token != other_than:
                assert "\n" not in token, f"show printed more than one line: {r.stdout!r}"
                return token
            assert self.alive(), f"daemon died (status {self.proc.returncode})"
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {'new ' if other_than else ''}token from `pizauth show {account}` "
                    f"within {timeout} s; last: exit {r.returncode}, stdout {r.stdout!r}, "
                    f"stderr {r.stderr!r}")
            time.sleep(0.25)

    def wait_pending(self, account=ACCOUNT, timeout=10):
        """Polls `pizauth show` until it refuses with an authorisation URL; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.run("show", account)
            m = PENDING_RE.search(r.stderr)
            if r.returncode == 1 and m:
                return m.group(1)
            assert self.alive(), f"daemon died (status {self.proc.returncode})"
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"`pizauth show {account}` still not asking for authorisation after "
                    f"{timeout} s; last: exit {r.returncode}, stdout {r.stdout!r}, "
                    f"stderr {r.stderr!r}")
            time.sleep(0.25)

    def stop(self):
        if self.alive():
            try:
                self.run("shutdown", timeout=STOP_TIMEOUT)
                self.proc.wait(STOP_TIMEOUT)
            except (AssertionError, subprocess.TimeoutExpired):
                pass
        stop_process(self.proc)
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture
def daemon(request, tmp_path, logs, provider):
    """The daemon, configured for the code flow against the provider; a test
    marked @pytest.mark.pizauth_conf(global_extra=..., account_body=...,
    account_extra=...) adds global lines, replaces the account's body, or
    adds lines to it (see CONFIG)."""
    marker = request.node.get_closest_marker("pizauth_conf")
    d = Daemon(tmp_path, logs, provider, **(marker.kwargs if marker else {}))
    yield d
    d.stop()


@pytest.fixture
def authorise(daemon, browser, provider):
    """The whole user journey: show -> URL -> browser -> pizauth has a token.

    authorise(url=None, other_than=None): url is the authorisation URL
    already obtained from pizauth (else `pizauth show` is asked for one);
    other_than is a token the new one must differ from. Checks the URL is
    what pizauth must send, that pizauth's listener answered the browser,
    and that the provider accepts the token. Returns the token."""

    def journey(url=None, other_than=None):
        if url is None:
            url = daemon.pending_url()
        parts = urllib.parse.urlsplit(url)
        q = urllib.parse.parse_qs(parts.query)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == provider.url("/auth"), url
        assert q.get("client_id") == [CLIENT_ID], q
        assert q.get("response_type") == ["code"], q
        assert q.get("code_challenge_method") == ["S256"], q
        assert len(q.get("code_challenge", [""])[0]) == 43, q  # base64url(SHA-256)
        assert q.get("state"), q
        assert re.fullmatch(r"http://localhost:[1-9][0-9]*/", q.get("redirect_uri", [""])[0]), q
        status, body, redirect = browser.authorise(url)
        assert redirect.startswith(q["redirect_uri"][0] + "?"), redirect
        assert status == 200, f"pizauth's listener answered {status}: {body!r}"
        assert SUCCESS_BODY in body, f"pizauth's listener answered: {body!r}"
        token = daemon.wait_token(other_than=other_than)
        provider.assert_active(token)
        return token

    return journey
