# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The integration harness: a private pizauth daemon per test.

conftest.py turns this into fixtures; tests import helpers from here.

Each test gets its own fake provider (fakeprovider.py) and its own
directory under /tmp holding XDG_RUNTIME_DIR, XDG_CONFIG_HOME, HOME and
TMPDIR, so nothing is shared with the user or with other tests.  The
daemon runs in the foreground (`pizauth server -d -vvvv`) with its output
in a log that is attached to every failure, together with the provider's
record of requests.  Every wait is bounded; at teardown every process that
carries this test's marker in its environment (the daemon, a daemonised
server, hooks) is killed.

At teardown each test also checks what must always hold: the fake
provider saw no protocol violation; no code or token the provider issued
appears in the daemon's log or in anything a hook recorded; a daemon asked
to shut down exited 0; and the log has no sanitizer report (SANITIZE=1).
"""

import email.utils
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakeprovider import Canned  # noqa: E402,F401

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PIZAUTH_BIN") or REPO / "build" / "bin").resolve()
PYTHON = sys.executable or "/usr/bin/python3"

SUCCESS_PAGE = "pizauth successfully received authentication code"
UNKNOWN_STATE_PAGE = ("No pending token matches request state: "
                      "request a fresh token")
NOT_RUNNING = "pizauth authenticator not running or not responding"
URL_MSG = "Access token unavailable until authorised with URL"
EXPIRED_MSG = "Access token has expired and refreshing has not yet succeeded"
URL_RE = re.compile(re.escape(URL_MSG) + r" (\S+)")
# RFC 2822 date as chrono and strftime("%a, %d %b %Y %T %z") print it.
DATE_RE = r"[A-Z][a-z]{2}, [ 0-9]?\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"

TIME_KEYS = {"auth_notify_interval", "refresh_at_least",
             "refresh_before_expiry", "refresh_retry"}


# ---- waiting ---------------------------------------------------------------

def wait_until(pred, timeout=10.0, what="a condition", interval=0.02):
    """Poll pred() until it returns something truthy; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what}")
        time.sleep(interval)


def parse_date(s):
    """An RFC 2822 date from status output as a Unix time."""
    return email.utils.parsedate_to_datetime(s).timestamp()


# ---- config files ----------------------------------------------------------

class Raw(str):
    """A config value written as it is (`none`, a time)."""


NONE = Raw("none")


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value(key, v):
    if isinstance(v, Raw) or (key in TIME_KEYS and isinstance(v, str)):
        return str(v)
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(quote(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{quote(k)}: {quote(x)}"
                               for k, x in v.items()) + "}"
    raise TypeError(f"no config syntax for {key}={v!r}")


def account_fields(provider, **kw):
    """An account's settings: the provider's defaults, then kw (a value of
    None drops the key)."""
    f = {
        "auth_uri": provider.url("/authorize"),
        "token_uri": provider.url("/token"),
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "scopes": ["openid", "mail"],
        "redirect_uri": "http://localhost/",
    }
    f.update(kw)
    return {k: v for k, v in f.items() if v is not None}


def config_text(provider, accounts=None, **glob):
    """A pizauth.conf: global settings (http_listen on 127.0.0.1:0 and
    HTTPS off unless given), then the accounts, {name: {key: value}}, each
    filled in with the provider's defaults."""
    if accounts is None:
        accounts = {"acct": {}}
    g = {"http_listen": "127.0.0.1:0", "https_listen": NONE}
    g.update(glob)
    lines = ["// written by tests/integration/conftest.py"]
    lines += [f"{k} = {value(k, v)};" for k, v in g.items() if v is not None]
    for name, kw in accounts.items():
        lines.append(f"account {quote(name)} {{")
        for k, v in account_fields(provider, **kw).items():
            lines.append(f"    {k} = {value(k, v)};")
        lines.append("}")
    return "\n".join(lines) + "\n"


# ---- HTTP as a browser does it --------------------------------------------

class HttpResult:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<HTTP {self.status} {self.text[:200]!r}>"


def http_get(url, timeout=10.0, method="GET"):
    """One request to url, no redirects followed.  `localhost` is reached
    at 127.0.0.1 but named in the Host header, as a browser would."""
    u = urllib.parse.urlsplit(url)
    addr = "127.0.0.1" if u.hostname == "localhost" else u.hostname
    if u.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(addr, u.port, timeout=timeout,
                                           context=ctx)
    else:
        conn = http.client.HTTPConnection(addr, u.port, timeout=timeout)
    try:
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        conn.putrequest(method, path, skip_host=True,
                        skip_accept_encoding=True)
        conn.putheader("Host", u.netloc)
        conn.putheader("User-Agent", "pizauth-tests")
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        return HttpResult(r.status, {k.lower(): v for k, v in r.getheaders()},
                          body)
    finally:
        conn.close()


class Browsed:
    def __init__(self, authorize, location, final):
        self.authorize = authorize
        self.location = location
        self.final = final
        self.status = final.status
        self.text = final.text

    def __repr__(self):
        return (f"<browsed authorize={self.authorize!r} "
                f"location={self.location!r} final={self.final!r}>")


def browse(url, timeout=10.0):
    """What a user's browser does with the URL pizauth printed: GET it from
    the provider, then follow its redirect to pizauth's listener."""
    first = http_get(url, timeout)
    loc = first.headers.get("location")
    if first.status not in (301, 302, 303, 307) or not loc:
        return Browsed(first, None, first)
    return Browsed(first, loc, http_get(loc, timeout))


def raw_exchange(port, data, timeout=5.0, host="127.0.0.1", tls=False):
    """Send bytes to a TCP port, read until EOF (or timeout); return the
    bytes received."""
    s = socket.create_connection((host, port), timeout=timeout)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    try:
        try:
            if data:
                s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass        # the peer may hang up before reading it all
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def http_status(raw):
    """The status code of a raw HTTP response, or None."""
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


# ---- the daemon under test -------------------------------------------------

class Result:
    def __init__(self, args, rc, out, err, elapsed):
        self.args = args
        self.rc = rc
        self.outb = out
        self.errb = err
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        self.elapsed = elapsed

    def __repr__(self):
        return (f"<pizauth {' '.join(self.args)}: rc={self.rc} "
                f"out={self.out!r} err={self.err!r}>")


class Recorder:
    """A hook command that records each run: its environment, time and
    arguments, one JSON object a line; it may sleep and exit with a given
    status."""

    def __init__(self, pz, name, sleep=0.0, exit_status=0):
        self.path = pz.dir / f"{name}.jsonl"
        self.script = pz.dir / f"{name}.py"
        self.script.write_text(
            f"#!{PYTHON}\n"
            "import json, os, sys, time\n"
            "t0 = time.time()\n"
            f"time.sleep({sleep!r})\n"
            "rec = {'start': t0, 'end': time.time(), 'pid': os.getpid(),\n"
            "       'argv': sys.argv[1:], 'env': dict(os.environ)}\n"
            f"with open({str(self.path)!r}, 'a') as f:\n"
            "    f.write(json.dumps(rec) + '\\n')\n"
            f"sys.exit({exit_status!r})\n")
        self.script.chmod(0o755)
        self.cmd = str(self.script)
        pz.recorded_files.append(self.path)

    def entries(self):
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return []
        # The hook may be writing its line now: only whole lines count.
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def envs(self, *keys):
        """Per run, the PIZAUTH_* variables (or the given ones)."""
        out = []
        for e in self.entries():
            env = e["env"]
            if keys:
                out.append({k: env.get(k) for k in keys})
            else:
                out.append({k: v for k, v in env.items()
                            if k.startswith("PIZAUTH_")})
        return out

    def wait(self, n, timeout=10.0):
        """Wait until at least n runs were recorded; return the entries."""
        return wait_until(lambda: (lambda e: e if len(e) >= n else None)(
            self.entries()), timeout, f"{n} run(s) of {self.script.name}")


class Pizauth:
    def __init__(self, provider, node):
        for prog in ("pizauth", "pizauthd"):
            p = BIN / prog
            if not (p.is_file() and os.access(p, os.X_OK)):
                pytest.fail(f"{p} does not exist: run `make` first "
                            f"(PIZAUTH_BIN={BIN})", pytrace=False)
        self.provider = provider
        self.node = node
        self.id = uuid.uuid4().hex
        # Short, so the socket path fits in sun_path.
        self.dir = Path(tempfile.mkdtemp(prefix="pz-", dir="/tmp"))
        self.runtime = self.dir / "run"
        self.confdir = self.dir / "config"
        self.home = self.dir / "home"
        self.tmp = self.dir / "tmp"
        for d in (self.runtime, self.confdir, self.home, self.tmp):
            d.mkdir(mode=0o700)
        self.conf_path = self.confdir / "pizauth.conf"
        self.log_path = self.dir / "daemon.log"
        self.sock_path = self.runtime / "pizauth" / "pizauth.sock"
        self.proc = None
        self.recorded_files = []
        self.final_log = None
        self.final_leaks = []
        self.final_rc = None
        self.extra_env = {}

    # -- environment and files

    def env(self, **over):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("XDG_", "PIZAUTH", "PYTEST"))}
        env.update(HOME=str(self.home), XDG_RUNTIME_DIR=str(self.runtime),
                   XDG_CONFIG_HOME=str(self.confdir), TMPDIR=str(self.tmp),
                   SHELL="/bin/sh", LC_ALL="C", PZTEST_ID=self.id)
        env.update(self.extra_env)
        env.update(over)
        return {k: v for k, v in env.items() if v is not None}

    def write_config(self, text=None, **kw):
        """Write pizauth.conf: text as given, or config_text(**kw)."""
        if text is None:
            text = config_text(self.provider, **kw)
        self.conf_path.write_text(text)
        return text

    def recorder(self, name, **kw):
        return Recorder(self, name, **kw)

    def script(self, name, body):
        """An executable shell script; returns its path as a command."""
        p = self.dir / name
        p.write_text("#!/bin/sh\n" + body)
        p.chmod(0o755)
        return str(p)

    def log(self):
        if self.final_log is not None:
            return self.final_log
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- running things

    def run(self, *args, input=None, timeout=10.0, env=None):
        """Run the pizauth client; returns a Result."""
        cmd = [str(BIN / "pizauth"), *args]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, input=input, capture_output=True,
                               env=env or self.env(), timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"`pizauth {' '.join(args)}` did not finish "
                                 f"within {timeout}s")
        return Result(list(args), p.returncode, p.stdout, p.stderr,
                      time.monotonic() - t0)

    def start(self, *extra, wait=True, verbose=4, conf=None, env=None,
              preexec=None):
        """Start `pizauth server -c CONF -d -v...` in the foreground (no -c
        if conf is False) and wait until the control socket answers;
        preexec runs in the child before it executes pizauth."""
        assert self.proc is None or self.proc.poll() is not None, \
            "a daemon is already running"
        args = ["server"]
        if conf is not False:
            args += ["-c", str(conf or self.conf_path)]
        args.append("-d")
        if verbose:
            args.append("-" + "v" * verbose)
        args += list(extra)
        with open(self.log_path, "ab") as log:
            log.write(f"==== pizauth {' '.join(args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [str(BIN / "pizauth"), *args], stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT,
                env=env or self.env(), start_new_session=True,
                preexec_fn=preexec)
        if wait:
            self.wait_ready()
        return self.proc

    def ctl(self, payload, timeout=5.0, shut=True):
        """One raw control-socket request; the reply bytes."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(str(self.sock_path))
            if payload:
                s.sendall(payload)
            if shut:
                s.shutdown(socket.SHUT_WR)
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out
                out += chunk
        finally:
            s.close()

    def server_info(self):
        return json.loads(self.ctl(b"info:"))

    def wait_ready(self, timeout=10.0):
        def ready():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(
                    f"pizauth server exited with {self.proc.returncode} "
                    f"before it was ready")
            try:
                return self.server_info()
            except (OSError, ValueError):
                return None
        return wait_until(ready, timeout, "the daemon's control socket")

    @property
    def http_port(self):
        return int(self.server_info()["http_port"])

    @property
    def https_port(self):
        return int(self.server_info()["https_port"])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=5.0):
        """`pizauth shutdown`, then wait for the foreground daemon."""
        if not self.alive():
            return None
        self.run("shutdown", timeout=timeout)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"daemon still running {timeout}s after "
                                 f"`pizauth shutdown`")

    def kill(self):
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)

    def marked_pids(self):
        """Processes started for this test (the marker in their env)."""
        mark = f"PZTEST_ID={self.id}".encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == os.getpid():
                continue
            try:
                with open(f"/proc/{d}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        pids.append(int(d))
            except OSError:
                pass
        return pids

    def kill_marked(self):
        for pid in self.marked_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # -- authorising

    def url_from(self, res):
        m = URL_RE.search(res.err)
        assert m, f"no authorisation URL in {res!r}"
        return m.group(1)

    def pending_url(self, account="acct"):
        """`pizauth show ACCOUNT` without a token: the URL it printed."""
        r = self.run("show", account)
        assert r.rc == 1 and r.out == "", r
        return self.url_from(r)

    def authorise(self, account="acct"):
        """The whole flow as a user does it; returns the access token."""
        url = self.pending_url(account)
        b = browse(url)
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        return self.token(account)

    def token(self, account="acct"):
        r = self.run("show", account)
        assert r.rc == 0, r
        assert r.out.endswith("\n") and r.out.count("\n") == 1, r
        return r.out[:-1]

    def wait_token_change(self, old, account="acct", timeout=10.0):
        """Wait until `show` prints a token other than old; return it."""
        def changed():
            r = self.run("show", account)
            if r.rc == 0 and r.out.strip() != old:
                return r.out.strip()
            return None
        return wait_until(changed, timeout, f"a token other than {old!r}",
                          interval=0.1)

    def status(self):
        r = self.run("status")
        assert r.rc == 0, r
        return r.out

    # -- checks

    def leaked(self):
        """Issued codes and tokens found in the log or hook records."""
        secrets = [s for s in self.provider.issued]
        found = []
        texts = [("daemon log", self.log())]
        for p in self.recorded_files:
            try:
                texts.append((p.name, p.read_text(errors="replace")))
            except FileNotFoundError:
                pass
        for name, text in texts:
            for s in secrets:
                if s in text:
                    found.append(f"{s[:8]}... in {name}")
        return found

    def sanitizer_reports(self):
        """Sanitizer findings in the log (a SANITIZE=1 build)."""
        return [l for l in self.log().splitlines()
                if re.search(r"ERROR: (Address|Leak)Sanitizer|"
                             r"runtime error:", l)]

    def close(self):
        """Stop everything; remember the daemon's exit status when it was
        asked to stop here, the log and any leaks."""
        try:
            if self.alive():
                try:
                    self.final_rc = self.stop(timeout=3)
                except AssertionError:
                    self.final_rc = "still running 3s after shutdown"
        finally:
            self.kill()
            self.kill_marked()
            self.final_leaks = self.leaked()
            self.final_log = self.log()
            shutil.rmtree(self.dir, ignore_errors=True)


__all__ = [
    "BIN", "Canned", "DATE_RE", "EXPIRED_MSG", "NONE", "NOT_RUNNING",
    "Pizauth", "Raw", "SUCCESS_PAGE", "UNKNOWN_STATE_PAGE", "URL_MSG",
    "browse", "config_text", "http_get", "http_status", "parse_date",
    "quote", "raw_exchange", "wait_until",
]
