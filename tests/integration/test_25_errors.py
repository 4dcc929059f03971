# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Errors users can act on: the provider's error and error_description
reach error_notify_cmd, `status -j` and `show`; failures are classified by
RFC 6749 error code as well as HTTP status (authorise again, fix the
configuration, or retry later honouring Retry-After); and a token response
without expires_in lives for refresh_at_least."""

import datetime
import email.utils
import json
import threading
import time
import urllib.parse

import pytest

from fakeprovider import Canned
from harness import EXPIRED_MSG, URL_MSG, browse, wait_until


def setup_daemon(pz, **glob):
    ev = pz.recorder("events")
    err = pz.recorder("errors")
    g = dict(refresh_retry="1s", refresh_at_least="1h",
             token_event_cmd=ev.cmd, error_notify_cmd=err.cmd)
    g.update(glob)
    pz.write_config(**g)
    pz.start()
    return ev, err


def events(ev):
    return [e["env"].get("PIZAUTH_EVENT") for e in ev.entries()]


def status_json(pz, name="acct"):
    r = pz.run("status", "-j")
    assert r.rc == 0, r
    return {a["name"]: a for a in json.loads(r.out)["accounts"]}[name]


def refresh_fails_with(pz, provider, answer):
    """Authorise, then have the next refresh answered with answer."""
    tok = pz.authorise()
    provider.queue_token(Canned(**{**answer.__dict__,
                                   "grant_type": "refresh_token"}))
    assert pz.run("refresh", "acct").rc == 0
    provider.wait_for_token_requests(1, "refresh_token", 5)
    return tok


CONFIG_ERRORS = {
    "invalid_client": 401,
    "unauthorized_client": 400,
    "invalid_scope": 400,
    "unsupported_grant_type": 400,
}

TRANSIENT = {
    "400_temporarily_unavailable": Canned(400, {
        "error": "temporarily_unavailable",
        "error_description": "Down for maintenance"}),
    "400_server_error": Canned(400, {"error": "server_error",
                                     "error_description": "Oops"}),
    "200_server_error": Canned(200, {"error": "server_error"}),
    "429_json": Canned(429, {"error": "rate_limited"}),
    "503_invalid_grant_body": Canned(503, {"error": "invalid_grant"}),
}


class TestErrors:
    # A configuration error drops the token; the error hook, status -j
    # and the next show's account state name the error and description.
    @pytest.mark.parametrize("code", list(CONFIG_ERRORS))
    def test_25_01_config_errors_named(self, pz, provider, code):
        ev, err = setup_daemon(pz)
        desc = f"Provider says {code} for this client"
        refresh_fails_with(pz, provider, Canned(
            CONFIG_ERRORS[code], {"error": code, "error_description": desc}))
        [e] = err.wait(1)
        msg = e["env"]["PIZAUTH_MSG"]
        assert e["env"]["PIZAUTH_ACCOUNT"] == "acct"
        assert code in msg and desc in msg, msg
        why = (f"Refreshing failed: {code}: {desc} (fix client_id, "
               "client_secret, scopes or the endpoints in the "
               "configuration: authorising again would fail the same way)")
        assert msg == why, msg
        wait_until(lambda: pz.status().startswith("acct: No access token"),
                   3, "the token to be dropped")
        # Authorising again would fail the same way: status says why.
        assert pz.status() == f"acct: No access token: {why}\n"
        ev.wait(2)
        assert events(ev) == ["token_new", "token_invalidated"]
        a = status_json(pz)
        assert a["state"] == "none", a
        assert a.get("last_error") == why, a
        # show gives pizauth's line with the URL, then why.
        r = pz.run("show", "acct")
        url = pz.url_from(r)
        assert r.rc == 1 and r.err == \
            f"ERROR - {URL_MSG} {url}\n{why}\n", r
        assert pz.run("show", "-u", "acct").err == \
            f"ERROR - {URL_MSG} \n{why}\n"
        assert pz.status().startswith(
            "acct: Access token pending authentication"), pz.status()
        assert pz.status().endswith(f": {why}\n"), pz.status()
        time.sleep(1.1)
        assert len(provider.refreshes()) == 1, "retried a config error"
        # Authorised again (the provider has been put right): all clear.
        assert browse(url).status == 200
        assert "last_error" not in status_json(pz)
        assert pz.status().startswith("acct: Active access token")

    # invalid_grant: the token is dropped, the message says to authorise
    # again, and authorising again works.
    def test_25_02_invalid_grant_authorise_again(self, pz, provider):
        ev, err = setup_daemon(pz)
        refresh_fails_with(pz, provider, Canned(400, {
            "error": "invalid_grant",
            "error_description": "Token has been expired or revoked."}))
        [e] = err.wait(1)
        msg = e["env"]["PIZAUTH_MSG"]
        assert "invalid_grant" in msg, msg
        assert "Token has been expired or revoked." in msg, msg
        assert "authorise again" in msg, msg
        assert "invalid_grant" in status_json(pz).get("last_error", "")
        ev.wait(2)
        assert events(ev) == ["token_new", "token_invalidated"]
        assert pz.authorise() == provider.access_tokens[-1]
        assert "last_error" not in status_json(pz)

    # Transient by code or status: the token is kept and served, the
    # reason is in last_error, no error hook, and the retry succeeds
    # after refresh_retry.
    @pytest.mark.parametrize("name", list(TRANSIENT))
    def test_25_03_transient_keeps_token(self, pz, provider, name):
        ev, err = setup_daemon(pz)
        t1 = refresh_fails_with(pz, provider, TRANSIENT[name])
        time.sleep(0.2)
        assert pz.token() == t1
        a = status_json(pz)
        assert a["state"] == "active", a
        body = TRANSIENT[name].body
        assert body["error"] in a.get("last_error", ""), a
        reqs = provider.wait_for_token_requests(2, "refresh_token", 5)
        gap = reqs[1].time - reqs[0].time
        assert gap >= 0.8, f"retried after {gap:.2f}s"
        pz.wait_token_change(t1, timeout=3)
        ev.wait(2)
        assert events(ev) == ["token_new", "token_refreshed"]
        assert err.entries() == []

    # show on an expired token says why refreshing has not succeeded, in
    # the provider's words.
    def test_25_04_expired_show_gives_reason(self, pz, provider):
        provider.expires_in = 1
        setup_daemon(pz, refresh_retry="1h")
        provider.queue_token(Canned(503, {
            "error": "temporarily_unavailable",
            "error_description": "Planned maintenance until 03:00"},
            grant_type="refresh_token"))
        pz.authorise()
        t0 = time.monotonic()
        provider.wait_for_token_requests(1, "refresh_token", 4)
        time.sleep(max(0.0, t0 + 1.2 - time.monotonic()))
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "", r
        assert r.err.startswith(f"ERROR - {EXPIRED_MSG} ("), r
        assert "temporarily_unavailable: Planned maintenance until " \
               "03:00)\n" in r.err, r
        assert r.err.count("\n") == 1, r

    # A Retry-After (as an HTTP date) longer than refresh_retry is
    # honoured; a shorter one does not hurry refresh_retry.
    @pytest.mark.parametrize("retry_after,refresh_retry,least", [
        ("date+2", "1s", 1.6), ("1", "2s", 1.8)],
        ids=["date_longer", "shorter"])
    def test_25_05_retry_after(self, pz, provider, retry_after,
                               refresh_retry, least):
        setup_daemon(pz, refresh_retry=refresh_retry)
        t1 = pz.authorise()
        if retry_after.startswith("date+"):
            retry_after = email.utils.formatdate(
                time.time() + int(retry_after[5:]) + 1, usegmt=True)
        provider.queue_token(Canned(429, {"error": "slow_down"},
                                    {"Retry-After": retry_after},
                                    grant_type="refresh_token"))
        assert pz.run("refresh", "acct").rc == 0
        reqs = provider.wait_for_token_requests(2, "refresh_token", 6)
        gap = reqs[1].time - reqs[0].time
        assert gap >= least, \
            f"retried {gap:.2f}s after Retry-After: {retry_after}"
        assert gap <= least + 2.5, f"retried only after {gap:.2f}s"
        pz.wait_token_change(t1)

    # Without expires_in, a token lives for refresh_at_least and is
    # refreshed by then, and show serves a token throughout: the expiry is
    # ours, so the token serves while its refresh (a slow one here) runs.
    def test_25_06_no_expires_in(self, pz, provider):
        provider.expires_in = None
        ev, err = setup_daemon(pz, refresh_at_least="2s")
        t1 = pz.authorise()
        provider.token_delay = 0.8
        t0 = time.monotonic()
        now = time.time()
        a = status_json(pz)
        assert a["state"] == "active", a
        expires = datetime.datetime.strptime(
            a["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        assert 0.5 <= expires - now <= 3.5, (a, now)
        while time.monotonic() < t0 + 3.2:
            r = pz.run("show", "acct")
            assert r.rc == 0, f"{r!r} {time.monotonic() - t0:.2f}s " \
                              f"after the token came"
            time.sleep(0.1)
        [r1] = provider.wait_for_token_requests(1, "refresh_token", 1)[:1]
        waited = r1.time - t0
        assert 0.8 <= waited <= 2.3, \
            f"first refresh {waited:.2f}s after the token came"
        assert pz.token() != t1
        assert err.entries() == []

    # error_description with control characters reaches the user
    # harmlessly: one line, no escape sequences.
    def test_25_07_description_sanitised(self, pz, provider):
        ev, err = setup_daemon(pz)
        refresh_fails_with(pz, provider, Canned(400, {
            "error": "invalid_grant",
            "error_description": "line one\nline two\x1b[31m red\x07"}))
        [e] = err.wait(1)
        msg = e["env"]["PIZAUTH_MSG"]
        assert "invalid_grant" in msg and "line one" in msg, msg
        assert not any(ord(c) < 0x20 or ord(c) == 0x7f for c in msg), \
            repr(msg)
        last = status_json(pz).get("last_error", "")
        assert "line one" in last and "\x1b" not in last, repr(last)

    # A failed code exchange tells the browser, the error hook, status -j
    # and a waiting `show -w` what the provider said.
    def test_25_08_code_exchange_error(self, pz, provider):
        ev, err = setup_daemon(pz)
        url = pz.pending_url()
        res = []
        th = threading.Thread(target=lambda: res.append(
            pz.run("show", "-w", "10", "acct")))
        th.start()
        wait_until(lambda: "control: showtoken_wait" in pz.log(), 5,
                   "the waiting show")
        provider.queue_token(Canned(400, {
            "error": "invalid_client",
            "error_description": "Client secret expired"},
            grant_type="authorization_code"))
        b = browse(url)
        assert b.status == 200, b
        assert "Authentication for acct failed: invalid_client" in b.text, b
        th.join(10)
        [r] = res
        assert r.rc == 1 and r.out == "", r
        assert "invalid_client: Client secret expired" in r.err, r
        assert r.elapsed < 5, r
        [e] = err.wait(1)
        assert "Client secret expired" in e["env"]["PIZAUTH_MSG"], e["env"]
        a = status_json(pz)
        assert a["state"] == "none", a
        assert "Client secret expired" in a.get("last_error", ""), a

    # The user refusing at the provider (error=access_denied on the
    # redirect) is reported the same way.
    def test_25_09_authorisation_refused(self, pz, provider):
        ev, err = setup_daemon(pz)
        url = pz.pending_url()
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        loc = f"http://localhost:{pz.http_port}/?" + urllib.parse.urlencode(
            {"error": "access_denied", "state": q["state"]})
        provider.queue_authorize(Canned(302, "", {"Location": loc}))
        b = browse(url)
        assert "access_denied" in b.text, b
        [e] = err.wait(1)
        assert "access_denied" in e["env"]["PIZAUTH_MSG"], e["env"]
        a = status_json(pz)
        assert a["state"] == "none" and \
            "access_denied" in a.get("last_error", ""), a
        assert events(ev) == []
