# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The redirect listener: what it answers to good, stale, incomplete and
malformed requests, and that none of them hurts the daemon."""

import socket
import time
import urllib.parse

from harness import (SUCCESS_PAGE, UNKNOWN_STATE_PAGE, browse, http_get,
                     http_status, raw_exchange)


def redirect_base(pz):
    return f"http://localhost:{pz.http_port}/"


class TestRedirect:
    # A state nobody is waiting for: 200 and "request a fresh token".
    def test_04_01_unknown_state(self, pz, provider):
        pz.write_config()
        pz.start()
        pz.pending_url()
        r = http_get(redirect_base(pz) + "?code=abc&state=not-the-state")
        assert r.status == 200, r
        assert UNKNOWN_STATE_PAGE in r.text, r
        assert provider.token_requests() == []

    # Requests without a state are not OAuth answers: 404, as 1.1.0; the
    # right state without a code is a broken answer: 400.
    def test_04_02_missing_code_or_state(self, pz, provider):
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        state = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(url).query))["state"]
        base = redirect_base(pz)
        for path in ("favicon.ico", "", "?code=abc"):
            r = http_get(base + path)
            assert r.status == 404, (path, r)
        r = http_get(base + "?state=" + urllib.parse.quote(state))
        assert r.status == 400, r
        assert provider.token_requests() == []
        # The pending authorisation is still good.
        assert browse(url).status == 200
        assert pz.token()

    # Not a GET: 400.
    def test_04_03_post_is_400(self, pz):
        pz.write_config()
        pz.start()
        r = http_get(redirect_base(pz) + "?code=a&state=b", method="POST")
        assert r.status == 400, r

    # Garbage instead of HTTP: 400 (or a closed connection), never a crash.
    def test_04_04_garbage_requests(self, pz, provider):
        pz.write_config()
        pz.start()
        port = pz.http_port
        url = pz.pending_url()
        raw = raw_exchange(port, b"HELLO THERE\r\n\r\n")
        assert http_status(raw) == 400, raw
        raw = raw_exchange(port, b"GET\r\n\r\n")
        assert http_status(raw) in (400, None), raw
        for junk in (b"\x00\xff" * 500, b"GET /" + b"A" * 100000 +
                     b" HTTP/1.1\r\n\r\n",
                     b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 5000 + b"\r\n",
                     b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
            raw = raw_exchange(port, junk)
            assert http_status(raw) in (400, 404, 413, 414, 431, None), raw
        assert pz.alive()
        # Still serving, and the pending flow still completes.
        assert browse(url).status == 200
        assert pz.token()

    # A state is good once: replaying the redirect finds nothing pending.
    def test_04_05_replayed_redirect(self, pz, provider):
        pz.write_config()
        pz.start()
        b = browse(pz.pending_url())
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        tok = pz.token()
        r = http_get(b.location)
        assert r.status == 200 and UNKNOWN_STATE_PAGE in r.text, r
        assert len(provider.token_requests()) == 1
        assert pz.token() == tok

    # A silent TCP client does not stall the listener or the daemon.
    def test_04_06_idle_connection_no_stall(self, pz, provider):
        pz.write_config()
        pz.start()
        port = pz.http_port
        idle = [socket.create_connection(("127.0.0.1", port), 5)
                for _ in range(5)]
        half = socket.create_connection(("127.0.0.1", port), 5)
        half.sendall(b"GET /?code=x&state=y HTTP/1.1\r\nHost: loc")
        try:
            t0 = time.monotonic()
            b = browse(pz.pending_url())
            assert b.status == 200 and SUCCESS_PAGE in b.text, b
            assert pz.token()
            assert time.monotonic() - t0 < 3, "stalled by idle clients"
        finally:
            for s in idle + [half]:
                s.close()

    # The HTTPS listener answers like the HTTP one.
    def test_04_07_https_listener_answers(self, pz):
        pz.write_config(https_listen="127.0.0.1:0")
        pz.start()
        port = pz.https_port
        r = http_get(f"https://localhost:{port}/?code=a&state=b")
        assert r.status == 200 and UNKNOWN_STATE_PAGE in r.text, r
        r = http_get(f"https://localhost:{port}/favicon.ico")
        assert r.status == 404, r
        # Plain HTTP to the HTTPS port gets nowhere, and hurts nothing.
        raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
        r = http_get(f"https://localhost:{port}/?code=a&state=b")
        assert r.status == 200, r

    # With http_listen = none there is no HTTP listener; HTTPS still works.
    def test_04_08_http_listen_none(self, pz, provider):
        from harness import NONE
        pz.write_config(http_listen=NONE, https_listen="127.0.0.1:0",
                        accounts={"acct": {"redirect_uri":
                                           "https://localhost/"}})
        pz.start()
        info = pz.server_info()
        assert info["http_port"] == "none", info
        b = browse(pz.pending_url())
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        assert pz.token()

    # A code the provider refuses gives an error page; nothing is stored.
    def test_04_09_bad_code_error_page(self, pz, provider):
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        state = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(url).query))["state"]
        r = http_get(redirect_base(pz) + "?code=forged&state=" +
                     urllib.parse.quote(state))
        assert SUCCESS_PAGE not in r.text, r
        assert UNKNOWN_STATE_PAGE not in r.text, r
        [t] = provider.token_requests()
        assert t.f("code") == "forged"
        assert pz.run("show", "acct").rc == 1

    # A provider's error redirect (RFC 6749 4.1.2.1) tells the user why;
    # no token request is made.
    def test_04_10_provider_error_redirect(self, pz, provider):
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        state = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(url).query))["state"]
        r = http_get(redirect_base(pz) + "?error=access_denied&state=" +
                     urllib.parse.quote(state))
        assert r.status == 400, r
        assert SUCCESS_PAGE not in r.text, r
        assert "Authentication for acct failed: access_denied" in r.text, r
        assert provider.token_requests() == []
        assert pz.run("show", "acct").rc == 1
        assert pz.alive()

    # One Host header, and a valid one (RFC 9112 3.2): otherwise 400 and
    # no code is exchanged, whatever the first Host says.
    def test_04_11_one_valid_host(self, pz, provider):
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        query = urllib.parse.urlsplit(url).query
        state = dict(urllib.parse.parse_qsl(query))["state"]
        port = pz.http_port
        target = f"/?code=c0de&state={urllib.parse.quote(state)}"
        for headers in (f"Host: localhost:{port}\r\nHost: evil.example\r\n",
                        f"Host: evil.example\r\nHost: localhost:{port}\r\n",
                        f"host: localhost:{port}\r\nHOST: localhost:{port}\r\n",
                        "",
                        "Host: \r\n",
                        f"Host: localhost:{port}/x\r\n",
                        f"Host: user@localhost:{port}\r\n",
                        f"Host: local host:{port}\r\n",
                        # Not RFC 3986 host characters (fuzz_redirect).
                        f"Host: local<host>:{port}\r\n",
                        f"Host: localhost\x7f:{port}\r\n",
                        f"Host: localhost:{port}x\r\n",
                        f"Host: [::1:{port}\r\n"):
            raw = raw_exchange(port, f"GET {target} HTTP/1.1\r\n{headers}"
                               "\r\n".encode())
            assert http_status(raw) == 400, (headers, raw)
        assert provider.token_requests() == []
        # Still pending: the real browser gets through.
        assert browse(url).status == 200
        assert pz.token()

    # Away from the redirect URI (another path, host, port, a missing
    # query parameter of the redirect URI): 404, nothing exchanged.
    def test_04_12_redirect_uri_must_match(self, pz, provider):
        pz.write_config(accounts={"acct": {
            "redirect_uri": "http://localhost/cb?app=pz"}})
        pz.start()
        url = pz.pending_url()
        state = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(url).query))["state"]
        port = pz.http_port
        q = f"code=c0de&state={urllib.parse.quote(state)}"
        for host, target in ((f"localhost:{port}", f"/?{q}&app=pz"),
                             (f"localhost:{port}", f"/cb/x?{q}&app=pz"),
                             (f"localhost:{port}", f"/cb?{q}"),
                             (f"localhost:{port}", f"/cb?{q}&app=other"),
                             (f"127.0.0.1:{port}", f"/cb?{q}&app=pz"),
                             ("localhost", f"/cb?{q}&app=pz"),
                             (f"localhost:{port + 1}", f"/cb?{q}&app=pz")):
            raw = raw_exchange(port, f"GET {target} HTTP/1.1\r\nHost: "
                               f"{host}\r\n\r\n".encode())
            assert http_status(raw) == 404, (host, target, raw)
        assert provider.token_requests() == []
        b = browse(url)
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        assert pz.token()

    # A token endpoint that takes 5 s does not hold the browser's page:
    # after about a second it says pizauth is processing (1.1.0's page),
    # and the token arrives when the provider answers.
    def test_04_13_slow_token_endpoint_does_not_hold_browser(self, pz,
                                                             provider):
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        provider.token_delay = 5
        t0 = time.monotonic()
        b = browse(url)
        took = time.monotonic() - t0
        assert b.status == 200, b
        assert "pizauth processing authentication: you can safely close " \
               "this page." in b.text, b
        assert 0.8 <= took < 2.5, took
        assert pz.run("show", "acct").rc == 1
        r = pz.run("show", "-w", "10", "acct")
        assert r.rc == 0, r
        assert time.monotonic() - t0 >= 4.5
