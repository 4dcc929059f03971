# SPDX-License-Identifier: MIT
# The harness itself, without pizauth: the provider is configured as the
# pizauth tests assume, and the browser completes its pages. A Python client
# plays pizauth's part (PKCE, loopback redirect, client_secret_post), so a
# failure in test_01 points at the daemon, not at the harness.

import base64
import hashlib
import http.server
import json
import secrets
import threading
import urllib.parse

import pytest

CLIENT_ID = "pizauth-e2e"  # as registered in provider.mjs
CLIENT_SECRET = "e2e-secret"


class RedirectListener:
    """A one-shot http://localhost:PORT/ redirect listener, as pizauth runs."""

    def __init__(self):
        got = self.got = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                got["path"] = self.path
                body = b"harness received authentication code"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 10
        self.redirect_uri = f"http://localhost:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.handle_request, daemon=True)
        self.thread.start()

    def query(self):
        self.thread.join(10)
        self.server.server_close()
        assert "path" in self.got, "redirect listener got no request"
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.got["path"]).query)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def auth_url(provider, redirect_uri, challenge, state, method="S256"):
    q = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri,
         "scope": "openid offline_access", "state": state, "access_type": "offline"}
    if challenge is not None:
        q.update(code_challenge=challenge, code_challenge_method=method)
    return provider.url("/auth") + "?" + urllib.parse.urlencode(q)


def token_request(provider, **form):
    status, body = provider.post_form(
        "/token", {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form})
    return status, json.loads(body)


def code_flow(provider, browser):
    """Authorisation code + PKCE as pizauth does it; returns the token response."""
    listener = RedirectListener()
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    status, body, _ = browser.authorise(auth_url(provider, listener.redirect_uri, challenge, state))
    assert status == 200 and "harness received" in body, (status, body)
    q = listener.query()
    assert q["state"] == [state], q
    status, tok = token_request(provider, grant_type="authorization_code", code=q["code"][0],
                                redirect_uri=listener.redirect_uri, code_verifier=verifier)
    assert status == 200, tok
    return tok


# Discovery lists what the pizauth tests (and the device-flow tests to come) rely on.
def test_00_01_discovery(provider):
    d = provider.discovery()
    assert d["issuer"] == provider.issuer
    for key, path in (("authorization_endpoint", "/auth"), ("token_endpoint", "/token"),
                      ("introspection_endpoint", "/token/introspection"),
                      ("revocation_endpoint", "/token/revocation"),
                      ("device_authorization_endpoint", "/device/auth")):
        assert d.get(key) == provider.url(path), (key, d.get(key))
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code"} <= set(d["grant_types_supported"])


# Without PKCE, or with the plain method, the provider refuses the request.
@pytest.mark.parametrize("challenge,method", [(None, None), ("x" * 43, "plain")])
def test_00_02_pkce_s256_required(provider, challenge, method):
    url = auth_url(provider, "http://localhost:9/", challenge, "st", method)
    status, headers, body = provider.get(url)
    assert status in (302, 303), (status, body)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)
    assert q.get("error") == ["invalid_request"], q


# Code + PKCE on a loopback port of the client's choosing; 20 s tokens; rotating refresh tokens.
def test_00_03_code_and_refresh(provider, browser):
    tok = code_flow(provider, browser)
    assert tok["token_type"] == "Bearer" and tok["expires_in"] == 20, tok
    assert tok.get("refresh_token"), tok
    provider.assert_active(tok["access_token"])

    status, new = token_request(provider, grant_type="refresh_token",
                                refresh_token=tok["refresh_token"])
    assert status == 200, new
    assert new["access_token"] != tok["access_token"]
    assert new["refresh_token"] != tok["refresh_token"], "refresh tokens must rotate"
    provider.assert_active(new["access_token"])

    # Reusing the spent refresh token is refused and revokes the whole grant.
    status, err = token_request(provider, grant_type="refresh_token",
                                refresh_token=tok["refresh_token"])
    assert status == 400 and err["error"] == "invalid_grant", err
    assert provider.introspect(new["access_token"])["active"] is False
    st = provider.token_stat("refresh_token")
    assert st == {"requests": 2, "success": 1, "errors": {"invalid_grant": 1}}, st


# /admin/forget revokes the grant: its tokens die, the refresh token gets invalid_grant,
# and the same browser can authorise again (consent only, still logged in).
def test_00_04_forget_grant(provider, browser):
    tok = code_flow(provider, browser)
    assert browser.prompts == ["login", "consent"], browser.prompts
    forgot = provider.forget()
    assert forgot["grants"] == 1 and forgot["tokens"] >= 2 and forgot["sessions"] == 1, forgot
    assert provider.introspect(tok["access_token"])["active"] is False
    status, err = token_request(provider, grant_type="refresh_token",
                                refresh_token=tok["refresh_token"])
    assert status == 400 and err["error"] == "invalid_grant", err

    again = code_flow(provider, browser)
    provider.assert_active(again["access_token"])
    assert browser.prompts == ["login", "consent", "consent"], browser.prompts


# The device authorization endpoint is on for pizauth's client.
def test_00_05_device_authorization(provider):
    status, body = provider.post_form("/device/auth", {
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "openid"})
    assert status == 200, body
    d = json.loads(body)
    assert d["device_code"] and d["user_code"] and d["verification_uri"], d
    assert d["interval"] == 2, d  # provider.mjs's, for short device-flow tests
    status, body = provider.post_form("/token", {
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": d["device_code"]})
    assert status == 400 and json.loads(body)["error"] == "authorization_pending", body


# Revoking a refresh token drops its grant and tokens; the admin routes see it,
# and /admin/refuse refuses as a revocation endpoint would.
def test_00_06_revocation_and_admin(provider, browser):
    tok = code_flow(provider, browser)
    held = provider.tokens()
    assert held.get("Grant") == 1 and held.get("RefreshToken") == 1, held
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "token": tok["refresh_token"], "token_type_hint": "refresh_token"}
    status, body = provider.post_form("/admin/refuse?status=400&error=unsupported_token_type"
                                      "&error_description=no", form)
    assert status == 400 and json.loads(body) == {
        "error": "unsupported_token_type", "error_description": "no"}, body
    status, body = provider.post_form("/token/revocation", form)
    assert status == 200, body
    rec = {"token_type_hint": "refresh_token", "token_kind": "RefreshToken",
           "client_authenticated": True}
    assert provider.stats()["revocations"] == [
        {"path": "/admin/refuse", "status": 400, **rec},
        {"path": "/token/revocation", "status": 200, **rec}]
    held = provider.tokens()
    assert not any(held.get(k) for k in ("Grant", "RefreshToken", "AccessToken")), held
    assert provider.introspect(tok["access_token"])["active"] is False
