# SPDX-License-Identifier: MIT
"""A git smart-HTTP server on loopback for the git helper's tests.

`git http-backend` (git's own CGI program) serves bare repositories under
a directory, behind a small threading HTTP server on 127.0.0.1 with a
kernel-chosen port. Every request must carry Basic authorisation whose
password is an access token the test's oidc-provider says is active for
pizauth's client (RFC 7662 introspection, as conftest's Provider does) and
not one the test told the server to refuse; anything else gets 401 with a
Basic challenge, as a forge answers an expired or revoked token.

The server keeps, per request, what it saw (method, path, user, the token
and the outcome) for the tests to check, and writes a log without tokens.
"""

import base64
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CGI_TIMEOUT = 20  # seconds, one run of git http-backend
BODY_MAX = 16 * 1024 * 1024  # bytes, a request body (our pushes are tiny)
REALM = "pizauth-e2e"


class Seen:
    """One request as the server judged it."""

    def __init__(self, method, path, user, token, status, why):
        self.method, self.path, self.user = method, path, user
        self.token, self.status, self.why = token, status, why

    def __repr__(self):  # no token: this ends up in reports
        return (f"<{self.method} {self.path} user={self.user!r} -> "
                f"{self.status} {self.why}>")


class GitServer:
    """Bare repositories under workdir/srv served over HTTP with Basic
    authorisation checked against provider."""

    def __init__(self, workdir, logs, provider, client_id):
        self.root = Path(workdir) / "srv"
        self.root.mkdir()
        self.log = Path(workdir) / "git-server.log"
        logs("git server log", self.log)
        self.provider = provider
        self.client_id = client_id
        self.seen = []
        self.refused = set()  # tokens to answer 401 whatever the provider says
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server._handle(self)

            def do_POST(self):
                server._handle(self)

            def log_message(self, fmt, *args):
                pass  # _note() keeps our own lines

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def url(self, repo):
        return f"http://127.0.0.1:{self.port}/{repo}"

    def refuse(self, token):
        """From now on answer 401 to this token, as a server that found it revoked."""
        with self.lock:
            self.refused.add(token)

    def requests(self):
        with self.lock:
            return list(self.seen)

    def init_repo(self, name, files):
        """A bare repository `name` whose main branch holds files {path: text}."""
        bare = self.root / name
        seed = self.root.parent / f"seed-{name}"
        env = {**_git_env(self.root.parent), "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
               "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
        _run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], env)
        _run(["git", "init", "-q", "-b", "main", str(seed)], env)
        for path, text in files.items():
            (seed / path).write_text(text)
        _run(["git", "-C", str(seed), "add", "."], env)
        _run(["git", "-C", str(seed), "commit", "-q", "-m", "seed"], env)
        _run(["git", "-C", str(seed), "push", "-q", str(bare), "main"], env)
        return bare

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    # --- one request ---------------------------------------------------------

    def _note(self, msg):
        with self.lock, open(self.log, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {msg}\n")

    def _record(self, req, user, token, status, why):
        s = Seen(req.command, req.path, user, token, status, why)
        with self.lock:
            self.seen.append(s)
        self._note(repr(s))

    def _body(self, req):
        if req.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(req.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while req.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return out
                out += req.rfile.read(size)
                req.rfile.readline()
                if len(out) > BODY_MAX:
                    raise ValueError("request body too large")
        n = int(req.headers.get("Content-Length") or 0)
        if n > BODY_MAX:
            raise ValueError("request body too large")
        return req.rfile.read(n)

    def _send(self, req, status, headers, body):
        req.send_response(status)
        for k, v in headers:
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def _unauthorised(self, req, user, token, why):
        self._record(req, user, token, 401, why)
        self._send(req, 401, [("WWW-Authenticate", f'Basic realm="{REALM}"'),
                              ("Content-Type", "text/plain")], b"unauthorised\n")

    def _handle(self, req):
        try:
            body = self._body(req)
        except ValueError as e:
            self._record(req, None, None, 400, str(e))
            self._send(req, 400, [("Connection", "close")], b"bad request\n")
            return
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return self._unauthorised(req, None, None, "no Basic credentials")
        try:
            user, _, token = base64.b64decode(auth[6:], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return self._unauthorised(req, None, None, "malformed Basic credentials")
        with self.lock:
            refused = token in self.refused
        if refused:
            return self._unauthorised(req, user, token, "token refused by the test")
        try:
            info = self.provider.introspect(token)
        except (AssertionError, OSError, ValueError) as e:
            self._record(req, user, token, 502, f"introspection failed: {e}")
            self._send(req, 502, [], b"introspection failed\n")
            return
        if info.get("active") is not True or info.get("client_id") != self.client_id:
            return self._unauthorised(req, user, token, "token not active")
        self._cgi(req, user, token, body)

    def _cgi(self, req, user, token, body):
        path, _, query = req.path.partition("?")
        env = {
            **_git_env(self.root.parent),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": req.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": req.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": req.client_address[0],
            # Set, it lets http-backend run receive-pack (push).
            "REMOTE_USER": user,
            "GIT_PROTOCOL": req.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": req.headers.get("Content-Encoding", ""),
        }
        try:
            r = subprocess.run(["git", "http-backend"], input=body, env=env,
                               capture_output=True, timeout=CGI_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._record(req, user, token, 504, "http-backend timed out")
            self._send(req, 504, [], b"timeout\n")
            return
        head, sep, out = r.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, out = r.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode(errors="replace").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        why = "ok" if r.returncode == 0 else f"http-backend exit {r.returncode}: " + \
            r.stderr.decode(errors="replace").strip()[:500]
        self._record(req, user, token, status, why)
        self._send(req, status, headers, out)


def _git_env(home):
    """git for the server side: no user or system config."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(Path(home) / "srv-config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Seed", "GIT_AUTHOR_EMAIL": "seed@example.com",
        "GIT_COMMITTER_NAME": "Seed", "GIT_COMMITTER_EMAIL": "seed@example.com",
        "LANG": "C",
    }


def _run(cmd, env):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CGI_TIMEOUT)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r
