# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The authorisation-code flow with PKCE, end to end: the URL pizauth
builds, the redirect it receives, the token request it makes, and the
token it then hands out."""

import re
import ssl
import urllib.parse

from fakeprovider import s256
from harness import SUCCESS_PAGE, URL_MSG, browse, wait_until


def query_of(url):
    return urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query,
                                  keep_blank_values=True)


class TestAuth:
    # The whole flow: show gives a URL, the browser approves, show gives
    # the token the provider issued.
    def test_03_01_full_flow(self, pz, provider):
        pz.write_config()
        pz.start()
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "", r
        url = pz.url_from(r)
        b = browse(url)
        assert b.authorize.status == 302, b
        assert b.status == 200, b
        assert SUCCESS_PAGE in b.text, b
        r = pz.run("show", "acct")
        assert r.rc == 0, r
        assert r.out == provider.access_tokens[-1] + "\n", r
        assert r.err == "", r
        # Once obtained, the token is served without asking the provider.
        n = len(provider.snapshot())
        assert pz.token() == provider.access_tokens[-1]
        assert len(provider.snapshot()) == n

    # The URL carries exactly the parameters pizauth 1.1.0 sends, in order.
    def test_03_02_authorisation_url(self, pz, provider):
        pz.write_config(accounts={"acct": {
            "scopes": ["openid", "https://mail.example.com/IMAP"],
            "auth_uri_fields": {"login_hint": "user@example.com",
                                "prompt": "consent"},
        }})
        pz.start()
        url = pz.pending_url()
        assert url.startswith(provider.url("/authorize") + "?"), url
        q = query_of(url)
        keys = [k for k, _ in q]
        assert keys == ["access_type", "code_challenge",
                        "code_challenge_method", "client_id", "redirect_uri",
                        "response_type", "state", "scope", "login_hint",
                        "prompt"], keys
        d = dict(q)
        port = pz.http_port
        assert d["access_type"] == "offline"
        assert d["code_challenge_method"] == "S256"
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", d["code_challenge"]), d
        assert d["client_id"] == provider.client_id
        assert d["redirect_uri"] == f"http://localhost:{port}/", d
        assert d["response_type"] == "code"
        assert len(d["state"]) >= 16, d["state"]
        assert d["scope"] == "openid https://mail.example.com/IMAP"
        assert d["login_hint"] == "user@example.com"
        assert d["prompt"] == "consent"

    # The token request is a form POST with code, client credentials, the
    # PKCE verifier and the same redirect_uri as the authorisation URL.
    def test_03_03_token_request(self, pz, provider):
        pz.write_config()
        pz.start()
        pz.authorise()
        [a] = provider.authorize_requests()
        [t] = provider.token_requests()
        assert t.method == "POST"
        assert t.headers["content-type"].startswith(
            "application/x-www-form-urlencoded"), t.headers
        f = dict(t.form)
        assert set(f) == {"code", "client_id", "client_secret",
                          "code_verifier", "redirect_uri", "grant_type"}, f
        assert f["grant_type"] == "authorization_code"
        assert f["client_id"] == provider.client_id
        assert f["client_secret"] == provider.client_secret
        assert f["redirect_uri"] == a.q("redirect_uri")
        assert s256(f["code_verifier"]) == a.q("code_challenge")
        assert 43 <= len(f["code_verifier"]) <= 128, f["code_verifier"]
        assert provider.violations == []

    # Without a client_secret none is sent, when authorising or refreshing.
    def test_03_04_public_client_no_secret(self, pz, provider):
        provider.add_client("public-client", None)
        pz.write_config(accounts={"acct": {"client_id": "public-client",
                                           "client_secret": None}})
        pz.start()
        tok = pz.authorise()
        assert "client_secret" not in dict(provider.token_requests()[0].form)
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(1, "refresh_token")
        assert pz.wait_token_change(tok)
        assert "client_secret" not in dict(provider.refreshes()[0].form)

    # Without scopes the URL has no scope parameter at all.
    def test_03_05_no_scopes_no_scope_param(self, pz, provider):
        pz.write_config(accounts={"acct": {"scopes": None}})
        pz.start()
        keys = [k for k, _ in query_of(pz.pending_url())]
        assert "scope" not in keys, keys
        assert pz.authorise()

    # An auth_uri with a query of its own keeps it; ours is appended.
    def test_03_06_auth_uri_with_query(self, pz, provider):
        pz.write_config(accounts={"acct": {
            "auth_uri": provider.url("/authorize?tenant=abc&x=%2F")}})
        pz.start()
        url = pz.pending_url()
        q = query_of(url)
        assert q[:2] == [("tenant", "abc"), ("x", "/")], q
        assert dict(q)["response_type"] == "code"
        assert browse(url).status == 200
        assert pz.token() == provider.access_tokens[-1]

    # Asking again while pending gives the same URL, not a new request.
    def test_03_07_pending_same_url(self, pz, provider):
        pz.write_config()
        pz.start()
        u1 = pz.pending_url()
        u2 = pz.pending_url()
        assert u1 == u2
        assert dict(query_of(u1))["state"]

    # show -u starts authorisation but prints no URL.
    def test_03_08_show_without_url(self, pz, provider):
        pz.write_config()
        pz.start()
        r = pz.run("show", "-u", "acct")
        assert r.rc == 1 and r.out == "", r
        assert re.search(re.escape(URL_MSG) + r" ?\n?$", r.err), r
        assert "http" not in r.err, r
        assert "pending authentication" in pz.status()
        # The URL is there for whoever asks with it.
        assert browse(pz.pending_url()).status == 200
        assert pz.token()

    # Unknown account: "No account 'x'", exit 1, for show and refresh.
    def test_03_09_unknown_account(self, pz):
        pz.write_config()
        pz.start()
        for cmd in (["show"], ["show", "-u"], ["refresh"], ["refresh", "-u"]):
            r = pz.run(*cmd, "nosuch")
            assert r.rc == 1 and r.out == "", r
            assert "No account 'nosuch'" in r.err, r

    # Accounts are independent: each gets its own URL, state and token.
    def test_03_10_two_accounts(self, pz, provider):
        provider.add_client("other-client", "other-secret")
        pz.write_config(accounts={
            "work": {},
            "home": {"client_id": "other-client",
                     "client_secret": "other-secret"},
        })
        pz.start()
        uw = pz.pending_url("work")
        uh = pz.pending_url("home")
        assert dict(query_of(uw))["state"] != dict(query_of(uh))["state"]
        assert dict(query_of(uh))["client_id"] == "other-client"
        # Approve home first: only home gets a token.
        assert browse(uh).status == 200
        th = pz.token("home")
        assert pz.run("show", "work").rc == 1
        assert browse(uw).status == 200
        tw = pz.token("work")
        assert tw != th
        assert set(provider.access_tokens) == {tw, th}

    # refresh with no token behaves like show: URL on stderr, exit 1.
    def test_03_11_refresh_without_token(self, pz, provider):
        pz.write_config()
        pz.start()
        r = pz.run("refresh", "acct")
        assert r.rc == 1 and r.out == "", r
        url = pz.url_from(r)
        assert url.startswith(provider.url("/authorize"))
        r = pz.run("refresh", "-u", "acct")
        assert r.rc == 1, r
        assert re.search(re.escape(URL_MSG) + r" ?\n?$", r.err), r
        b = browse(pz.pending_url())
        assert b.status == 200, b
        assert pz.token()

    # The redirect can come back over HTTPS when redirect_uri says https.
    def test_03_12_https_redirect_flow(self, pz, provider):
        pz.write_config(https_listen="127.0.0.1:0",
                        accounts={"acct": {"redirect_uri":
                                           "https://localhost/"}})
        pz.start()
        port = pz.https_port
        url = pz.pending_url()
        assert dict(query_of(url))["redirect_uri"] == \
            f"https://localhost:{port}/"
        b = browse(url)
        assert b.location.startswith(f"https://localhost:{port}/?"), b
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        assert pz.token() == provider.access_tokens[-1]

    # The HTTPS listener's certificate carries the public key info shows.
    def test_03_13_https_certificate_matches_info(self, pz):
        pz.write_config(https_listen="127.0.0.1:0")
        pz.start()
        info = pz.server_info()
        key = bytes.fromhex(info["https_pub_key"].replace(":", ""))
        assert len(key) >= 32, info
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        import socket
        with socket.create_connection(("127.0.0.1",
                                       int(info["https_port"])), 5) as s:
            with ctx.wrap_socket(s) as t:
                der = t.getpeercert(binary_form=True)
        assert key in der, "the announced public key is not in the cert"

    # Each start makes a fresh key pair.
    def test_03_14_https_key_fresh_each_start(self, pz):
        pz.write_config(https_listen="127.0.0.1:0")
        pz.start()
        k1 = pz.server_info()["https_pub_key"]
        pz.stop()
        pz.start()
        k2 = pz.server_info()["https_pub_key"]
        assert k1 != k2

    # A new token is announced to token_event_cmd as token_new.
    def test_03_15_token_new_event(self, pz, provider):
        ev = pz.recorder("events")
        pz.write_config(token_event_cmd=ev.cmd)
        pz.start()
        pz.authorise()
        [e] = ev.wait(1)
        assert e["env"]["PIZAUTH_ACCOUNT"] == "acct"
        assert e["env"]["PIZAUTH_EVENT"] == "token_new"

    # A failed token request gives the browser an error page, no token.
    def test_03_16_token_request_fails(self, pz, provider):
        from fakeprovider import Canned
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        provider.queue_token(Canned(400, {"error": "invalid_grant",
                                          "error_description": "nope"}))
        b = browse(url)
        assert SUCCESS_PAGE not in b.text, b
        r = pz.run("show", "acct")
        assert r.rc == 1, r
        # Authorising afresh works.
        tok = pz.authorise()
        assert tok == provider.access_tokens[-1]

    # Many accounts may be pending at once and complete in any order.
    def test_03_17_many_pending(self, pz, provider):
        names = [f"a{i}" for i in range(5)]
        pz.write_config(accounts={n: {} for n in names})
        pz.start()
        urls = {n: pz.pending_url(n) for n in names}
        for n in reversed(names):
            assert browse(urls[n]).status == 200
        toks = {n: pz.token(n) for n in names}
        assert len(set(toks.values())) == len(names)
        wait_until(lambda: pz.status().count("Active access token") == 5, 5,
                   "all accounts active")
