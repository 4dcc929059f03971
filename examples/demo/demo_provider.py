#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""A tiny OAuth2 provider for the pizauth demo (`make run`).

It approves every request at once: /authorize redirects straight back to
the redirect_uri with a code, /token swaps the code (checking PKCE S256)
or a refresh token for an access token that lives DEMO_EXPIRES seconds.
Listens on 127.0.0.1 only.  For trying pizauth out, not for anything else.
"""

import argparse
import base64
import hashlib
import http.server
import json
import secrets
import threading
import urllib.parse

codes = {}             # code -> (code_challenge, redirect_uri)
refresh_tokens = set()
lock = threading.Lock()


def s256(verifier):
    d = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(d).rstrip(b"=").decode()


class Handler(http.server.BaseHTTPRequestHandler):
    expires_in = 300

    def log_message(self, fmt, *args):
        print("demo provider: " + fmt % args, flush=True)

    def reply(self, status, obj=None, location=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        need = ("response_type", "redirect_uri", "state", "code_challenge")
        if url.path != "/authorize" or any(k not in q for k in need):
            return self.reply(400, {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        with lock:
            codes[code] = (q["code_challenge"], q["redirect_uri"])
        back = urllib.parse.urlencode({"code": code, "state": q["state"]})
        self.reply(302, location=q["redirect_uri"] + "?" + back)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        f = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
        with lock:
            if f.get("grant_type") == "authorization_code":
                challenge, redirect = codes.pop(f.get("code"), (None, None))
                ok = (challenge is not None and
                      s256(f.get("code_verifier", "")) == challenge and
                      f.get("redirect_uri") == redirect)
            elif f.get("grant_type") == "refresh_token":
                ok = f.get("refresh_token") in refresh_tokens
            else:
                ok = False
            if self.path != "/token" or not ok:
                return self.reply(400, {"error": "invalid_grant"})
            rt = f.get("refresh_token") or secrets.token_urlsafe(24)
            refresh_tokens.add(rt)
        self.reply(200, {"access_token": "demo-" + secrets.token_urlsafe(24),
                         "token_type": "Bearer",
                         "expires_in": self.expires_in,
                         "refresh_token": rt})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--expires", type=int, default=300)
    a = ap.parse_args()
    Handler.expires_in = a.expires
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
