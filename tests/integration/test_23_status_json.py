# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth status -j`: one line of JSON, {"accounts": [...]}, each with
name and state (none, pending, active, expired) and, when known, obtained,
expires, last_refresh_attempt (RFC 3339, UTC) and last_error."""

import datetime
import json
import re
import time

from fakeprovider import Canned
from harness import wait_until

RFC3339_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def status_json(pz):
    """`pizauth status -j`, checked to be one line of JSON: the accounts
    by name."""
    r = pz.run("status", "-j")
    assert r.rc == 0 and r.err == "", r
    assert r.out.endswith("\n") and r.out.count("\n") == 1, r
    j = json.loads(r.out)
    assert list(j) == ["accounts"], j
    return {a["name"]: a for a in j["accounts"]}


def when(s):
    """An RFC 3339 UTC time from status -j as a Unix time."""
    assert RFC3339_RE.fullmatch(s), f"not RFC 3339 UTC: {s!r}"
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def ends(provider, device=False):
    """An account's flow and endpoints, from the harness's config."""
    eps = {"token": {"uri": provider.url("/token"), "source": "config"}}
    if device:
        eps["device_authorization"] = {"uri": provider.url("/device"),
                                       "source": "config"}
    else:
        eps["authorization"] = {"uri": provider.url("/authorize"),
                                "source": "config"}
    return {"flow": "device" if device else "code", "endpoints": eps}


# What every account has besides its state (see test_31 for issuers).
ALWAYS = {"name", "state", "flow", "endpoints"}


class TestStatusJson:
    # An account without a token has only name and state "none".
    def test_23_01_none(self, pz):
        pz.write_config(accounts={"b": {}, "a": {}})
        pz.start()
        e = ends(pz.provider)
        assert status_json(pz) == {"a": {"name": "a", "state": "none", **e},
                                   "b": {"name": "b", "state": "none", **e}}

    # A pending account: name and state "pending" only.
    def test_23_02_pending(self, pz, provider):
        note = pz.recorder("notify")
        pz.write_config(auth_notify_cmd=note.cmd)
        pz.start()
        pz.pending_url()
        note.wait(1)
        assert status_json(pz) == {"acct": {"name": "acct",
                                            "state": "pending",
                                            **ends(provider)}}

    # An active token: obtained and expires in UTC, nothing else unknown.
    def test_23_03_active(self, pz, provider):
        provider.expires_in = 7200
        pz.write_config(refresh_at_least="1h")
        pz.start()
        pz.authorise()
        now = time.time()
        a = status_json(pz)["acct"]
        assert set(a) == ALWAYS | {"obtained", "expires"}, a
        assert a["state"] == "active"
        assert abs(when(a["obtained"]) - now) < 3, a
        assert abs(when(a["expires"]) - (now + 7200)) < 3, a

    # After a refresh attempt, last_refresh_attempt is there too.
    def test_23_04_last_refresh_attempt(self, pz, provider):
        pz.write_config(refresh_at_least="1h", refresh_retry="1h")
        pz.start()
        pz.authorise()
        provider.queue_token(Canned(503, "down", grant_type="refresh_token"))
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(1, "refresh_token", 5)
        now = time.time()
        a = wait_until(lambda: (lambda a: a if "last_refresh_attempt" in a
                                else None)(status_json(pz)["acct"]), 3,
                       "last_refresh_attempt")
        assert a["state"] == "active", a
        assert abs(when(a["last_refresh_attempt"]) - now) < 3, a

    # A token past its expiry whose refresh failed transiently: "expired",
    # with its times and the last attempt.
    def test_23_05_expired(self, pz, provider):
        provider.expires_in = 1
        pz.write_config(refresh_retry="1h")
        pz.start()
        provider.queue_token(Canned(503, "down", grant_type="refresh_token"))
        pz.authorise()
        now = time.time()
        provider.wait_for_token_requests(1, "refresh_token", 5)
        time.sleep(max(0.0, now + 1.2 - time.time()))
        a = status_json(pz)["acct"]
        assert a["state"] == "expired", a
        assert {"name", "state", "obtained", "expires",
                "last_refresh_attempt"} <= set(a), a
        assert abs(when(a["obtained"]) - now) < 3, a
        assert abs(when(a["expires"]) - (now + 1)) < 3, a
        assert when(a["expires"]) <= time.time(), a
        assert when(a["obtained"]) <= when(a["last_refresh_attempt"]) <= \
            when(a["expires"]) + 1, a

    # A failed refresh leaves its reason in last_error; a success
    # clears it.
    def test_23_06_last_error_after_failure(self, pz, provider):
        pz.write_config(refresh_at_least="1h", refresh_retry="1s")
        pz.start()
        t1 = pz.authorise()
        provider.queue_token(Canned(400, {
            "error": "temporarily_unavailable",
            "error_description": "Down for maintenance"},
            grant_type="refresh_token"))
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(1, "refresh_token", 5)
        time.sleep(0.2)
        a = status_json(pz)["acct"]
        assert a["state"] == "active", a
        assert "temporarily_unavailable" in a.get("last_error", ""), a
        assert "Down for maintenance" in a["last_error"], a
        pz.wait_token_change(t1)
        a = status_json(pz)["acct"]
        assert "last_error" not in a, a

    # A device flow that failed: state none, with last_error.
    def test_23_07_last_error_device_denied(self, pz, provider):
        pz.write_config(accounts={"acct": {
            "auth_uri": None, "device_auth_uri": provider.url("/device")}})
        pz.start()
        pz.run("show", "acct")
        provider.deny()
        a = wait_until(lambda: (lambda a: a if a["state"] == "none"
                                else None)(status_json(pz)["acct"]), 4,
                       "the device flow to fail")
        assert set(a) == ALWAYS | {"last_error"}, a
        assert a["flow"] == "device", a
        assert "access_denied" in a["last_error"], a

    # Times are UTC whatever the daemon's time zone.
    def test_23_08_utc_whatever_tz(self, pz, provider):
        pz.extra_env["TZ"] = "Asia/Kathmandu"
        pz.write_config()
        pz.start()
        pz.authorise()
        a = status_json(pz)["acct"]
        assert abs(when(a["obtained"]) - time.time()) < 3, a

    # Several accounts, each in its own state; names that need escaping
    # come out as valid JSON.
    def test_23_09_mixed_and_escaped(self, pz, provider):
        odd = 'we"ird\\name é'
        pz.write_config(accounts={"active": {}, "pending": {}, odd: {}})
        pz.start()
        pz.authorise("active")
        pz.pending_url("pending")
        j = status_json(pz)
        assert set(j) == {"active", "pending", odd}, j
        assert j["active"]["state"] == "active"
        assert j["pending"]["state"] == "pending"
        assert j[odd] == {"name": odd, "state": "none", **ends(provider)}

    # The raw request is status_json:, the reply "ok:" and the JSON.
    def test_23_10_wire(self, pz):
        pz.write_config()
        pz.start()
        reply = pz.ctl(b"status_json:")
        assert reply.startswith(b"ok:"), reply
        assert json.loads(reply[3:]) == {"accounts": [{
            "name": "acct", "state": "none", **ends(pz.provider)}]}
        assert pz.ctl(b"status_json:x") == b"error:Malformed request"
        r = pz.run("status", "-x")
        assert r.rc == 1 and r.err.startswith("Usage:\n"), r
