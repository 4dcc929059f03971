# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Refresh failures: transient ones keep the token and retry after
refresh_retry; permanent ones drop it and tell the user; after six
transient ones in a row transient_error_if_cmd decides."""

import re
import time

import pytest

from fakeprovider import Canned
from harness import URL_MSG, wait_until

TRANSIENT = {
    "500": Canned(500, {"error": "server_error"}),
    "503_retry_after": Canned(503, "overloaded", {"Retry-After": "1"}),
    "429": Canned(429, {"error": "slow_down"}),
    "408": Canned(408, "request timeout"),
    "502_html": Canned(502, "<html><body>Bad gateway</body></html>",
                       {"Content-Type": "text/html"}),
    "closed_without_answer": Canned(close=True),
    # core/token.h: an unparseable 2xx body is transient.
    "garbage_200": Canned(200, b"\x00\xffnot json at all{{{",
                          {"Content-Type": "application/json"}),
    "empty_200": Canned(200, b""),
}

PERMANENT = {
    "401_invalid_client": Canned(401, {"error": "invalid_client"}),
    "403_plain": Canned(403, "forbidden"),
    "400_invalid_request": Canned(400, {"error": "invalid_request"}),
}


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


def assert_dropped(pz, ev, err):
    """The token is gone: status, show, token_invalidated, error hook.
    (After a configuration-class refusal status also says why.)"""
    wait_until(lambda: pz.status() == "acct: No access token\n" or
               pz.status().startswith("acct: No access token: "), 5,
               "the token to be dropped")
    r = pz.run("show", "acct")
    assert r.rc == 1 and r.out == "" and URL_MSG in r.err, r
    ev.wait(2)
    assert events(ev) == ["token_new", "token_invalidated"]
    assert ev.entries()[1]["env"]["PIZAUTH_ACCOUNT"] == "acct"
    [e] = err.wait(1)
    assert e["env"]["PIZAUTH_ACCOUNT"] == "acct"
    assert e["env"].get("PIZAUTH_MSG", "").strip(), e["env"]


class TestFailures:
    # Transient failures keep the token and are retried after
    # refresh_retry, then the retry succeeds.
    @pytest.mark.parametrize("name", list(TRANSIENT))
    def test_06_01_transient_keeps_token(self, pz, provider, name):
        ev, err = setup_daemon(pz)
        t1 = pz.authorise()
        provider.queue_token(Canned(**{**TRANSIENT[name].__dict__,
                                       "grant_type": "refresh_token"}))
        assert pz.run("refresh", "acct").rc == 0
        [first] = provider.wait_for_token_requests(1, "refresh_token", 5)
        time.sleep(0.3)
        # Still served and active while valid.
        assert pz.token() == t1
        assert pz.status().startswith("acct: Active access token"), \
            pz.status()
        reqs = provider.wait_for_token_requests(2, "refresh_token", 6)
        gap = reqs[1].time - first.time
        assert gap >= 0.7, f"retried after {gap:.2f}s, before refresh_retry"
        t2 = pz.wait_token_change(t1)
        assert t2 == provider.access_tokens[-1]
        ev.wait(2)
        assert events(ev) == ["token_new", "token_refreshed"]

    # Connection refused is transient: the token is kept, retries go on
    # until the provider is back.
    def test_06_02_connection_refused(self, pz, provider):
        ev, err = setup_daemon(pz)
        t1 = pz.authorise()
        provider.go_down()
        assert pz.run("refresh", "acct").rc == 0
        time.sleep(2.5)
        assert pz.token() == t1
        assert pz.status().startswith("acct: Active access token")
        assert "token_invalidated" not in events(ev)
        provider.come_up()
        provider.wait_for_token_requests(1, "refresh_token", 5)
        pz.wait_token_change(t1)
        ev.wait(2)
        assert events(ev) == ["token_new", "token_refreshed"]

    # A Retry-After longer than refresh_retry is honoured.
    def test_06_03_retry_after_honoured(self, pz, provider):
        setup_daemon(pz)
        t1 = pz.authorise()
        provider.queue_token(Canned(503, "later", {"Retry-After": "3"},
                                    grant_type="refresh_token"))
        assert pz.run("refresh", "acct").rc == 0
        reqs = provider.wait_for_token_requests(2, "refresh_token", 8)
        gap = reqs[1].time - reqs[0].time
        assert gap >= 2.5, f"retried {gap:.2f}s after 'Retry-After: 3'"
        pz.wait_token_change(t1)

    # 400 invalid_grant (the grant was revoked) drops the token for good.
    def test_06_04_invalid_grant_permanent(self, pz, provider):
        ev, err = setup_daemon(pz)
        pz.authorise()
        provider.forget_grants()
        assert pz.run("refresh", "acct").rc == 0
        [r] = provider.wait_for_token_requests(1, "refresh_token", 5)
        assert_dropped(pz, ev, err)
        # No retrying a dead grant.
        time.sleep(1.5)
        assert len(provider.refreshes()) == 1
        # The user can authorise again.
        assert pz.authorise() == provider.access_tokens[-1]

    # Other 4xx answers are permanent too.
    @pytest.mark.parametrize("name", list(PERMANENT))
    def test_06_05_other_4xx_permanent(self, pz, provider, name):
        ev, err = setup_daemon(pz)
        pz.authorise()
        provider.queue_token(Canned(**{**PERMANENT[name].__dict__,
                                       "grant_type": "refresh_token"}))
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(1, "refresh_token", 5)
        assert_dropped(pz, ev, err)

    # A timed refresh failing permanently also drops the token.
    def test_06_06_scheduled_refresh_permanent(self, pz, provider):
        provider.expires_in = 3
        ev, err = setup_daemon(pz, refresh_before_expiry="1s")
        pz.authorise()
        provider.forget_grants()
        provider.wait_for_token_requests(1, "refresh_token", 6)
        assert_dropped(pz, ev, err)

    # Six transient failures in a row run transient_error_if_cmd; exit 0
    # means "still transient": the token stays and retries go on.
    def test_06_07_transient_error_if_zero(self, pz, provider):
        judge = pz.recorder("judge", exit_status=0)
        ev, err = setup_daemon(pz, transient_error_if_cmd=judge.cmd)
        t1 = pz.authorise()
        provider.queue_token(*[Canned(500, {"error": "server_error"},
                                      grant_type="refresh_token")
                               for _ in range(6)])
        assert pz.run("refresh", "acct").rc == 0
        six = provider.wait_for_token_requests(6, "refresh_token", 15)
        [j] = judge.wait(1, timeout=5)
        assert j["env"]["PIZAUTH_ACCOUNT"] == "acct"
        assert j["start"] >= six[5].wall - 0.05, \
            "transient_error_if_cmd ran before the sixth failure"
        t2 = pz.wait_token_change(t1, timeout=8)
        assert t2 == provider.access_tokens[-1]
        assert len(judge.entries()) == 1
        assert "token_invalidated" not in events(ev)

    # ... and a non-zero exit makes the failure permanent.
    def test_06_08_transient_error_if_nonzero(self, pz, provider):
        judge = pz.recorder("judge", exit_status=3)
        ev, err = setup_daemon(pz, transient_error_if_cmd=judge.cmd)
        pz.authorise()
        provider.queue_token(*[Canned(503, "down",
                                      grant_type="refresh_token")
                               for _ in range(7)])
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(6, "refresh_token", 15)
        [j] = judge.wait(1, timeout=5)
        assert j["env"]["PIZAUTH_ACCOUNT"] == "acct"
        wait_until(lambda: pz.status() == "acct: No access token\n", 5,
                   "the token to be invalidated")
        ev.wait(2)
        assert events(ev) == ["token_new", "token_invalidated"]
        r = pz.run("show", "-u", "acct")
        assert r.rc == 1 and URL_MSG in r.err, r

    # Fewer than six transient failures never run transient_error_if_cmd.
    def test_06_09_transient_error_if_not_early(self, pz, provider):
        judge = pz.recorder("judge", exit_status=1)
        ev, err = setup_daemon(pz, transient_error_if_cmd=judge.cmd)
        t1 = pz.authorise()
        provider.queue_token(*[Canned(500, "x", grant_type="refresh_token")
                               for _ in range(5)])
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(6, "refresh_token", 12)
        pz.wait_token_change(t1)
        time.sleep(0.3)
        assert judge.entries() == []

    # A failed refresh of one account leaves the others alone.
    def test_06_10_failure_isolated_to_account(self, pz, provider):
        setup_daemon(pz, accounts={"a": {}, "b": {}})
        pz.authorise("a")
        tb = pz.authorise("b")
        provider.queue_token(Canned(400, {"error": "invalid_grant"},
                                    grant_type="refresh_token"))
        assert pz.run("refresh", "a").rc == 0
        wait_until(lambda: re.search(r"^a: No access token$", pz.status(),
                                     re.M), 5, "a to lose its token")
        assert pz.token("b") == tb
        assert re.search(r"^b: Active access token", pz.status(), re.M)
