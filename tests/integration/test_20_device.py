# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The device authorization grant (RFC 8628) for accounts with
device_auth_uri: the device request, what `show` and auth_notify_cmd tell
the user, polling at the interval (5 s more after slow_down), and the ends
of the flow: approved, denied, expired, or a device endpoint that fails."""

import json
import re
import threading
import time

import pytest

from fakeprovider import DEVICE_GRANT, Canned
from harness import DATE_RE, URL_MSG, wait_until


def device_account(provider, **kw):
    """An account that uses the device flow (and has no auth_uri)."""
    acct = {"auth_uri": None, "device_auth_uri": provider.url("/device")}
    acct.update(kw)
    return acct


def setup_device(pz, provider, acct=None, **glob):
    """A daemon with one device-flow account "acct" and recording hooks;
    returns (notify, events, errors) recorders."""
    note = pz.recorder("notify")
    ev = pz.recorder("events")
    err = pz.recorder("errors")
    g = dict(auth_notify_cmd=note.cmd, token_event_cmd=ev.cmd,
             error_notify_cmd=err.cmd, refresh_at_least="1h",
             accounts={"acct": device_account(provider, **(acct or {}))})
    g.update(glob)
    pz.write_config(**g)
    pz.start()
    return note, ev, err


def pending_msg(provider, g):
    """What `show` prints while the user has yet to enter g's code."""
    return (f"ERROR - {URL_MSG} {provider.url('/activate')} using code "
            f"{g.user_code}\n")


def status_json(pz):
    r = pz.run("status", "-j")
    assert r.rc == 0, r
    return json.loads(r.out)["accounts"]


class TestDevice:
    # show asks the device endpoint for a code, waits for it, and prints
    # where to go and what to enter; exit 1.
    def test_20_01_show_prints_uri_and_code(self, pz, provider):
        setup_device(pz, provider)
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "", r
        g = provider.device_grant()
        assert r.err == pending_msg(provider, g), r
        assert re.fullmatch(r"acct: Access token pending authentication "
                            rf"\(last notification {DATE_RE}\)\n",
                            pz.status()), pz.status()
        assert status_json(pz) == [{
            "name": "acct", "state": "pending", "flow": "device",
            "endpoints": {"token": {"uri": provider.url("/token"),
                                    "source": "config"},
                          "device_authorization": {
                              "uri": provider.url("/device"),
                              "source": "config"}}}]
        # Asking again gives the same code without a new device request.
        r2 = pz.run("show", "acct")
        assert r2.rc == 1 and r2.err == r.err, r2
        assert len(provider.device_requests()) == 1

    # The device request is a form POST of client_id, the space-joined
    # scopes and the client secret; polls send the device_code grant.
    def test_20_02_device_request_and_poll_fields(self, pz, provider):
        setup_device(pz, provider, acct={"scopes": ["openid", "mail",
                                                    "offline_access"]})
        pz.run("show", "acct")
        [d] = provider.device_requests()
        assert d.method == "POST", d
        assert d.headers["content-type"].startswith(
            "application/x-www-form-urlencoded"), d.headers
        assert dict(d.form) == {"client_id": provider.client_id,
                                "scope": "openid mail offline_access",
                                "client_secret": provider.client_secret}, \
            d.form
        [p] = provider.wait_for_polls(1, 5)
        assert dict(p.form) == {
            "grant_type": DEVICE_GRANT,
            "device_code": provider.device_grant().device_code,
            "client_id": provider.client_id,
            "client_secret": provider.client_secret}, p.form

    # No scopes: no scope field; a public client: no client_secret, in
    # the device request and in the polls.
    def test_20_03_no_scope_public_client(self, pz, provider):
        provider.add_client("public-device", None)
        setup_device(pz, provider, acct={"scopes": [],
                                         "client_id": "public-device",
                                         "client_secret": None})
        pz.run("show", "acct")
        [d] = provider.device_requests()
        assert dict(d.form) == {"client_id": "public-device"}, d.form
        provider.approve()
        [p] = provider.wait_for_polls(1, 5)
        assert set(dict(p.form)) == {"grant_type", "device_code",
                                     "client_id"}, p.form
        wait_until(lambda: pz.run("show", "acct").rc == 0, 3,
                   "the token after approval")

    # auth_notify_cmd gets verification_uri_complete as PIZAUTH_URL and
    # the user code as PIZAUTH_USER_CODE.
    def test_20_04_auth_notify_complete_uri(self, pz, provider):
        note, _, _ = setup_device(pz, provider)
        pz.run("show", "acct")
        [e] = note.wait(1)
        g = provider.device_grant()
        env = e["env"]
        assert env["PIZAUTH_ACCOUNT"] == "acct"
        assert env["PIZAUTH_URL"] == \
            provider.url("/activate") + "?user_code=" + g.user_code, env
        assert env["PIZAUTH_USER_CODE"] == g.user_code, env
        assert g.device_code not in json.dumps(env)

    # Google's `verification_url` spelling is understood; without
    # verification_uri_complete the hook gets the plain URI.
    def test_20_05_verification_url_spelling(self, pz, provider):
        provider.device_uri_key = "verification_url"
        provider.device_complete = False
        note, _, _ = setup_device(pz, provider)
        r = pz.run("show", "acct")
        g = provider.device_grant()
        assert r.rc == 1 and r.err == pending_msg(provider, g), r
        [e] = note.wait(1)
        assert e["env"]["PIZAUTH_URL"] == provider.url("/activate")
        assert e["env"]["PIZAUTH_USER_CODE"] == g.user_code

    # After the user approves, the next show prints the token, polling
    # stops, token_event_cmd hears token_new, and polls kept the interval.
    def test_20_06_approval_gives_token(self, pz, provider):
        _, ev, err = setup_device(pz, provider)
        pz.run("show", "acct")
        g = provider.device_grant()
        provider.wait_for_polls(1, 4)
        provider.approve()
        tok = wait_until(lambda: (lambda r: r.out.strip() if r.rc == 0
                                  else None)(pz.run("show", "acct")), 4,
                         "the token after approval")
        assert tok == provider.access_tokens[-1]
        assert pz.status().startswith("acct: Active access token"), \
            pz.status()
        [e] = ev.wait(1)
        assert (e["env"]["PIZAUTH_ACCOUNT"], e["env"]["PIZAUTH_EVENT"]) == \
            ("acct", "token_new")
        n = len(g.polls)
        time.sleep(1.1)
        assert len(g.polls) == n, f"polled after the token came: {g!r}"
        times = g.poll_times()
        gaps = [b - a for a, b in zip([0.0] + times, times)]
        assert all(0.9 <= x <= 1.8 for x in gaps), (gaps, g)
        assert err.entries() == []

    # slow_down adds 5 s to the interval for the polls that follow.
    def test_20_07_slow_down(self, pz, provider):
        setup_device(pz, provider)
        pz.run("show", "acct")
        g = provider.device_grant()
        provider.slow_down(1)
        provider.wait_for_polls(1, 4)
        provider.approve()
        provider.wait_for_polls(2, 9)
        t = g.poll_times()
        gap = t[1] - t[0]
        assert 5.9 <= gap <= 7.5, f"next poll {gap:.2f}s after slow_down " \
            f"(interval 1 s + 5 s)"
        wait_until(lambda: pz.run("show", "acct").rc == 0, 3,
                   "the token after approval")

    # access_denied and expired_token end the flow: no more polls, the
    # error hook names the error, the account has no token.
    @pytest.mark.parametrize("end", ["deny", "expire"])
    def test_20_08_denied_or_expired_stops(self, pz, provider, end):
        note, ev, err = setup_device(pz, provider)
        pz.run("show", "acct")
        g = provider.device_grant()
        getattr(provider, end)()
        provider.wait_for_polls(1, 4)
        [e] = err.wait(1, 4)
        code = {"deny": "access_denied", "expire": "expired_token"}[end]
        assert e["env"]["PIZAUTH_ACCOUNT"] == "acct"
        assert code in e["env"]["PIZAUTH_MSG"], e["env"]
        assert pz.status() == "acct: No access token\n"
        time.sleep(1.2)
        assert len(g.polls) == 1, f"polled after {code}: {g!r}"
        assert ev.entries() == []
        [j] = status_json(pz)
        assert j["state"] == "none" and code in j["last_error"], j

    # The code's expires_in passing ends the flow too, without another
    # poll once it has expired.
    def test_20_09_code_expiry(self, pz, provider):
        provider.device_expires_in = 2
        note, ev, err = setup_device(pz, provider)
        pz.run("show", "acct")
        g = provider.device_grant()
        [e] = err.wait(1, 5)
        [d] = provider.device_requests()
        assert e["start"] - d.wall >= 1.8, "gave up before the code expired"
        assert "expired" in e["env"]["PIZAUTH_MSG"], e["env"]
        assert pz.status() == "acct: No access token\n"
        time.sleep(1.1)
        assert all(t < 2.0 for t in g.poll_times()), \
            f"polled with an expired code: {g!r}"
        assert ev.entries() == []

    # A device endpoint answering 500: show fails cleanly, exit 1, and
    # the next show asks again and gets a code.
    def test_20_10_device_endpoint_500(self, pz, provider):
        _, _, err = setup_device(pz, provider)
        provider.queue_device(Canned(500, "Internal Server Error"))
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "", r
        assert r.err == "ERROR - Device authorisation request failed: " \
                        "HTTP 500\n", r
        [e] = err.wait(1)
        assert "HTTP 500" in e["env"]["PIZAUTH_MSG"], e["env"]
        assert pz.alive()
        assert pz.status() == "acct: No access token\n"
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.err == pending_msg(
            provider, provider.device_grant()), r

    # Garbage from the device endpoint (not JSON, not HTTP, a hang-up,
    # JSON without the fields) gives a clean error; the daemon carries on.
    @pytest.mark.parametrize("answer", [
        Canned(200, b"<html>captive portal</html>"),
        Canned(raw=b"\x00\x01garbage, not HTTP\r\n\r\n"),
        Canned(close=True),
        Canned(200, {"device_code": "DC-x", "interval": 1}),
    ], ids=["not_json", "not_http", "closed", "missing_fields"])
    def test_20_11_device_endpoint_garbage(self, pz, provider, answer):
        setup_device(pz, provider)
        provider.queue_device(answer)
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "", r
        assert r.err.startswith("ERROR - Device authorisation request "
                                "failed") or \
            r.err.startswith("ERROR - Device authorisation response "
                             "lacks"), r
        assert r.err.count("\n") == 1 and URL_MSG not in r.err, r
        assert pz.alive()
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.err == pending_msg(
            provider, provider.device_grant()), r

    # The provider's error and error_description from the device endpoint
    # reach the user.
    def test_20_12_device_endpoint_error_json(self, pz, provider):
        setup_device(pz, provider)
        provider.queue_device(Canned(400, {
            "error": "invalid_client",
            "error_description": "Client is not enabled for device flow"}))
        r = pz.run("show", "acct")
        assert r.rc == 1, r
        assert "invalid_client" in r.err and \
            "Client is not enabled for device flow" in r.err, r

    # show waits for a slow device endpoint; concurrent shows share the
    # one request and print the same code.
    def test_20_13_show_waits_for_slow_endpoint(self, pz, provider):
        provider.device_delay = 1.0
        setup_device(pz, provider)
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            pz.run("show", "acct"))) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len(results) == 3
        g = provider.device_grant()
        for r in results:
            assert r.rc == 1 and r.err == pending_msg(provider, g), r
            assert 0.8 <= r.elapsed <= 4, r.elapsed
        assert len(provider.device_requests()) == 1

    # A transient poll failure (HTTP 500) does not end the flow.
    def test_20_14_transient_poll_error(self, pz, provider):
        _, _, err = setup_device(pz, provider)
        provider.queue_token(Canned(500, {"error": "server_error"},
                                    grant_type=DEVICE_GRANT))
        pz.run("show", "acct")
        [p] = provider.wait_for_polls(1, 4)
        assert p.status == 500
        provider.approve()
        wait_until(lambda: pz.run("show", "acct").rc == 0, 3,
                   "the token after approval")
        assert len(provider.device_polls()) == 2
        assert err.entries() == []

    # The token from the device flow is refreshed like any other.
    def test_20_15_device_token_refreshes(self, pz, provider):
        setup_device(pz, provider)
        pz.run("show", "acct")
        provider.approve()
        t1 = wait_until(lambda: (lambda r: r.out.strip() if r.rc == 0
                                 else None)(pz.run("show", "acct")), 4,
                        "the token after approval")
        rt = provider.device_polls()[-1].reply["refresh_token"]
        assert pz.run("refresh", "acct").rc == 0
        [r] = provider.wait_for_token_requests(1, "refresh_token", 4)
        assert r.f("refresh_token") == rt
        assert pz.wait_token_change(t1) == provider.access_tokens[-1]

    # revoke while the user has yet to enter the code stops the polling.
    def test_20_16_revoke_stops_polling(self, pz, provider):
        _, ev, _ = setup_device(pz, provider)
        pz.run("show", "acct")
        g = provider.device_grant()
        provider.wait_for_polls(1, 4)
        r = pz.run("revoke", "acct")
        assert r.rc == 0 and r.err == "", r
        assert pz.status() == "acct: No access token\n"
        n = len(g.polls)
        time.sleep(1.2)
        assert len(g.polls) == n, f"polled after revoke: {g!r}"
