# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth revoke` with revoke_uri (RFC 7009): the token is dropped here
and revoked at the provider (the refresh token, else the access token,
with the client's credentials); when the provider does not revoke it the
user is told why, and the local token is gone anyway."""

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from fakeprovider import Canned
from harness import URL_MSG, wait_until

REFUSED = "ERROR - Token removed locally, but the provider did not " \
          "revoke it: "


def free_port():
    """A port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_revoke(pz, provider, revoke_uri=None, acct=None, **glob):
    ev = pz.recorder("events")
    a = {"revoke_uri": revoke_uri or provider.url("/revoke")}
    a.update(acct or {})
    g = dict(token_event_cmd=ev.cmd, refresh_at_least="1h",
             accounts={"acct": a})
    g.update(glob)
    pz.write_config(**g)
    pz.start()
    return ev


def events(ev, n):
    return [(e["env"]["PIZAUTH_ACCOUNT"], e["env"]["PIZAUTH_EVENT"])
            for e in ev.wait(n)]


def refresh_at_provider(provider, rt):
    """What the provider answers a refresh with rt now: (status, error)."""
    body = urllib.parse.urlencode({
        "grant_type": "refresh_token", "refresh_token": rt,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret}).encode()
    req = urllib.request.Request(provider.url("/token"), data=body)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()).get("error")


def assert_gone_locally(pz):
    assert pz.status() == "acct: No access token\n", pz.status()
    r = pz.run("show", "acct")
    assert r.rc == 1 and r.out == "" and URL_MSG in r.err, r


class TestRevokeRemote:
    # The refresh token is revoked at the provider with token_type_hint
    # and the client's credentials; the provider then refuses it, and
    # pizauth never uses it again.
    def test_21_01_revokes_refresh_token(self, pz, provider):
        ev = setup_revoke(pz, provider)
        pz.authorise()
        [t] = provider.token_requests("authorization_code")
        rt = t.reply["refresh_token"]
        r = pz.run("revoke", "acct")
        assert r.rc == 0 and r.out == "" and r.err == "", r
        [rv] = provider.revocations()
        assert rv.method == "POST"
        assert rv.headers["content-type"].startswith(
            "application/x-www-form-urlencoded"), rv.headers
        assert dict(rv.form) == {"token": rt,
                                 "token_type_hint": "refresh_token",
                                 "client_id": provider.client_id,
                                 "client_secret": provider.client_secret}, \
            rv.form
        assert events(ev, 2) == [("acct", "token_new"),
                                 ("acct", "token_revoked")]
        assert_gone_locally(pz)
        # Asking for a refresh now starts a new authorisation instead.
        r = pz.run("refresh", "acct")
        assert r.rc == 1 and URL_MSG in r.err, r
        time.sleep(0.3)
        assert provider.refreshes() == [], "refreshed with a revoked token"
        assert refresh_at_provider(provider, rt) == (400, "invalid_grant")

    # Without a refresh token the access token is revoked instead.
    def test_21_02_revokes_access_token(self, pz, provider):
        provider.issue_refresh_token = False
        setup_revoke(pz, provider)
        tok = pz.authorise()
        assert pz.run("revoke", "acct").rc == 0
        [rv] = provider.revocations()
        assert dict(rv.form) == {"token": tok,
                                 "token_type_hint": "access_token",
                                 "client_id": provider.client_id,
                                 "client_secret": provider.client_secret}, \
            rv.form
        assert tok in provider.revoked
        assert_gone_locally(pz)

    # A public client sends its client_id and no secret.
    def test_21_03_public_client(self, pz, provider):
        provider.add_client("public-client", None)
        setup_revoke(pz, provider, acct={"client_id": "public-client",
                                         "client_secret": None})
        pz.authorise()
        assert pz.run("revoke", "acct").rc == 0
        [rv] = provider.revocations()
        assert set(dict(rv.form)) == {"token", "token_type_hint",
                                      "client_id"}, rv.form
        assert rv.f("client_id") == "public-client"

    # With rotation, the refresh token revoked is the current one.
    def test_21_04_revokes_current_refresh_token(self, pz, provider):
        provider.rotate = True
        setup_revoke(pz, provider)
        t1 = pz.authorise()
        assert pz.run("refresh", "acct").rc == 0
        pz.wait_token_change(t1)
        [rf] = provider.refreshes()
        assert pz.run("revoke", "acct").rc == 0
        [rv] = provider.revocations()
        assert rv.f("token") == rf.reply["refresh_token"]
        assert rv.f("token_type_hint") == "refresh_token"

    # The provider not revoking: exit 1, the reason on stderr, and the
    # local token gone all the same (token_revoked fired).
    @pytest.mark.parametrize("answer,reason", [
        (Canned(400, {"error": "unsupported_token_type",
                      "error_description": "Refresh tokens cannot be "
                                           "revoked"}),
         "unsupported_token_type: Refresh tokens cannot be revoked"),
        (Canned(503, "Service Unavailable", {"Retry-After": "30"}),
         "HTTP 503"),
        (Canned(raw=b"\xff\xfegarbage\r\n\r\n"), ""),
        (Canned(close=True), ""),
        (None, ""),
    ], ids=["400_error", "503", "garbage", "closed", "refused"])
    def test_21_05_provider_refuses(self, pz, provider, answer, reason):
        uri = None if answer is not None else \
            f"http://127.0.0.1:{free_port()}/revoke"
        ev = setup_revoke(pz, provider, revoke_uri=uri)
        pz.authorise()
        if answer is not None:
            provider.queue_revoke(answer)
        r = pz.run("revoke", "acct")
        assert r.rc == 1 and r.out == "", r
        assert r.err.startswith(REFUSED) and r.err.endswith("\n"), r
        why = r.err[len(REFUSED):-1]
        assert why.strip() and "\n" not in why, r
        assert reason in why, r
        assert_gone_locally(pz)
        assert events(ev, 2) == [("acct", "token_new"),
                                 ("acct", "token_revoked")]
        assert pz.alive()

    # Nothing to revoke: no request, exit 0.
    def test_21_06_nothing_to_revoke(self, pz, provider):
        setup_revoke(pz, provider)
        r = pz.run("revoke", "acct")
        assert r.rc == 0 and r.err == "", r
        pz.pending_url()
        r = pz.run("revoke", "acct")
        assert r.rc == 0 and r.err == "", r
        assert provider.revocations() == []

    # A slow revocation endpoint holds up only the revoke command.
    def test_21_07_slow_revocation_no_stall(self, pz, provider):
        ev = pz.recorder("events")
        pz.write_config(token_event_cmd=ev.cmd, accounts={
            "acct": {"revoke_uri": provider.url("/revoke")}, "other": {}})
        pz.start()
        pz.authorise()
        tok = pz.authorise("other")
        provider.queue_revoke(Canned(200, b"", delay=2.0))
        res = []
        th = threading.Thread(target=lambda: res.append(
            pz.run("revoke", "acct")))
        th.start()
        provider.wait_for(lambda reqs: [r for r in reqs
                                        if r.path == "/revoke"], 3,
                          "the revocation request")
        r = pz.run("show", "other")
        assert r.rc == 0 and r.out.strip() == tok and r.elapsed < 1.0, r
        r = pz.run("status")
        assert r.rc == 0 and r.elapsed < 1.0, r
        assert r.out.startswith("acct: No access token\n"), r
        th.join(10)
        [rv] = res
        assert rv.rc == 0 and rv.err == "" and rv.elapsed >= 1.5, rv

    # Shutting down with a revocation in flight is clean.
    def test_21_08_shutdown_during_revocation(self, pz, provider):
        setup_revoke(pz, provider)
        pz.authorise()
        provider.queue_revoke(Canned(200, b"", delay=3.0))
        res = []
        th = threading.Thread(target=lambda: res.append(
            pz.run("revoke", "acct")))
        th.start()
        provider.wait_for(lambda reqs: [r for r in reqs
                                        if r.path == "/revoke"], 3,
                          "the revocation request")
        t0 = time.monotonic()
        assert pz.stop() == 0
        assert time.monotonic() - t0 < 2.0
        th.join(10)
        [rv] = res
        assert rv.rc == 1, rv
        wait_until(lambda: not pz.alive(), 2, "the daemon to exit")
