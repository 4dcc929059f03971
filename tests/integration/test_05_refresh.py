# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Keeping tokens fresh: refreshing before expiry and at least every
refresh_at_least, refresh-token rotation, `pizauth refresh`, and what an
expired token looks like."""

import re
import time

from fakeprovider import Canned
from harness import DATE_RE, EXPIRED_MSG


class TestRefresh:
    # A token is refreshed refresh_before_expiry before it expires.
    def test_05_01_refresh_before_expiry(self, pz, provider):
        provider.expires_in = 4
        pz.write_config(refresh_before_expiry="2s", refresh_at_least="1h")
        pz.start()
        t1 = pz.authorise()
        t0 = time.monotonic()
        [r] = provider.wait_for_token_requests(1, "refresh_token", 8)
        waited = r.time - t0
        assert 1.0 <= waited <= 4.5, f"refreshed after {waited:.2f}s"
        f = dict(r.form)
        assert set(f) == {"client_id", "client_secret", "refresh_token",
                          "grant_type"}, f
        assert f["client_id"] == provider.client_id
        assert f["client_secret"] == provider.client_secret
        t2 = pz.wait_token_change(t1)
        assert t2 == provider.access_tokens[1]

    # A long-lived token is still refreshed every refresh_at_least.
    def test_05_02_refresh_at_least(self, pz, provider):
        provider.expires_in = 3600
        pz.write_config(refresh_at_least="2s")
        pz.start()
        t1 = pz.authorise()
        t0 = time.monotonic()
        [r] = provider.wait_for_token_requests(1, "refresh_token", 8)
        waited = r.time - t0
        assert 1.0 <= waited <= 4.5, f"refreshed after {waited:.2f}s"
        t2 = pz.wait_token_change(t1)
        # And again: the schedule restarts from the new token.
        provider.wait_for_token_requests(2, "refresh_token", 8)
        pz.wait_token_change(t2)

    # Per-account refresh settings override the global ones.
    def test_05_03_per_account_times(self, pz, provider):
        provider.expires_in = 3600
        pz.write_config(refresh_at_least="1h", accounts={
            "fast": {"refresh_at_least": "2s"},
            "slow": {},
        })
        pz.start()
        tf = pz.authorise("fast")
        ts = pz.authorise("slow")
        fast_rt, slow_rt = [r.reply["refresh_token"] for r in
                            provider.token_requests("authorization_code")]
        pz.wait_token_change(tf, "fast", timeout=8)
        time.sleep(0.5)
        assert pz.token("slow") == ts
        used = {r.f("refresh_token") for r in provider.refreshes()}
        assert used == {fast_rt}, (used, fast_rt, slow_rt)

    # With rotation, each refresh uses the refresh token issued last.
    def test_05_04_rotation(self, pz, provider):
        provider.rotate = True
        pz.write_config(refresh_at_least="1h")
        pz.start()
        tok = pz.authorise()
        for i in range(3):
            assert pz.run("refresh", "acct").rc == 0
            provider.wait_for_token_requests(i + 1, "refresh_token")
            tok = pz.wait_token_change(tok)
        rts = [r.f("refresh_token") for r in provider.refreshes()]
        assert len(set(rts)) == 3, rts
        # Every refresh sent the token issued by the previous answer.
        assert provider.violations == []
        assert tok == provider.access_tokens[-1]

    # Without a new refresh token in the answer the old one is kept.
    def test_05_05_no_rotation_keeps_refresh_token(self, pz, provider):
        provider.rotate = False
        pz.write_config(refresh_at_least="1h")
        pz.start()
        tok = pz.authorise()
        for i in range(3):
            assert pz.run("refresh", "acct").rc == 0
            provider.wait_for_token_requests(i + 1, "refresh_token")
            tok = pz.wait_token_change(tok)
        rt0 = provider.token_requests("authorization_code")[0].reply[
            "refresh_token"]
        rts = {r.f("refresh_token") for r in provider.refreshes()}
        assert rts == {rt0}, rts

    # `pizauth refresh` with a token refreshes now, silently, exit 0.
    def test_05_06_refresh_command(self, pz, provider):
        pz.write_config(refresh_at_least="1h")
        pz.start()
        t1 = pz.authorise()
        r = pz.run("refresh", "acct")
        assert r.rc == 0 and r.out == "" and r.err == "", r
        provider.wait_for_token_requests(1, "refresh_token", 3)
        pz.wait_token_change(t1, timeout=3)
        r = pz.run("refresh", "-u", "acct")
        assert r.rc == 0 and r.out == "" and r.err == "", r
        provider.wait_for_token_requests(2, "refresh_token", 3)

    # The raw reply to a refresh request with a token is "scheduled:".
    def test_05_07_refresh_wire_reply(self, pz, provider):
        pz.write_config(refresh_at_least="1h")
        pz.start()
        pz.authorise()
        assert pz.ctl(b"refresh:withurl acct") == b"scheduled:"
        provider.wait_for_token_requests(1, "refresh_token", 3)

    # An expired token that could not be refreshed is not handed out.
    def test_05_08_expired_not_refreshed(self, pz, provider):
        provider.expires_in = 2
        pz.write_config(refresh_before_expiry="1s", refresh_retry="1h")
        pz.start()
        pz.authorise()
        provider.go_down()
        time.sleep(2.3)
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "", r
        assert EXPIRED_MSG in r.err, r
        st = pz.status()
        assert re.fullmatch(r"acct: Access token expired \(last refresh "
                            rf"attempt {DATE_RE}\)\n", st), st

    # A slow token endpoint does not hold up clients of the daemon.
    def test_05_09_slow_refresh_no_stall(self, pz, provider):
        pz.write_config(refresh_at_least="1h")
        pz.start()
        t1 = pz.authorise()
        provider.queue_token(Canned(200, {"access_token": "AT-slow-token",
                                          "token_type": "Bearer",
                                          "expires_in": 3600},
                                    delay=3, grant_type="refresh_token"))
        provider.issued.append("AT-slow-token")
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(1, "refresh_token", 3)
        t0 = time.monotonic()
        r = pz.run("show", "acct")
        assert time.monotonic() - t0 < 1.0, "show waited for the refresh"
        assert r.rc == 0 and r.out.strip() == t1, r
        assert pz.run("status").elapsed < 1.0
        assert pz.wait_token_change(t1, timeout=8) == "AT-slow-token"

    # Refreshing while a refresh is in flight never sends a second one
    # alongside it (with rotation, that would burn the refresh token).
    def test_05_10_no_concurrent_refreshes(self, pz, provider):
        provider.rotate = True
        pz.write_config(refresh_at_least="1h")
        pz.start()
        t1 = pz.authorise()
        provider.queue_token(Canned(200, {"access_token": "AT-coalesced",
                                          "token_type": "Bearer",
                                          "expires_in": 3600},
                                    delay=1.5, grant_type="refresh_token"))
        provider.issued.append("AT-coalesced")
        for _ in range(4):
            assert pz.run("refresh", "acct").rc == 0
        assert pz.wait_token_change(t1, timeout=8) == "AT-coalesced"
        time.sleep(0.3)
        reqs = provider.refreshes()
        assert reqs, "no refresh"
        for later in reqs[1:]:
            assert later.time >= reqs[0].time + 1.4, \
                f"a second refresh while the first was in flight: {reqs}"

    # A refresh goes to the configured token_uri, wherever it lives.
    def test_05_11_refresh_uses_token_uri(self, pz, provider):
        pz.write_config(refresh_at_least="1h", accounts={"acct": {
            "token_uri": provider.url("/token/v2?api=1")}})
        pz.start()
        t1 = pz.authorise()
        assert pz.run("refresh", "acct").rc == 0
        pz.wait_token_change(t1)
        reqs = provider.token_requests()
        assert [r.grant_type for r in reqs] == ["authorization_code",
                                                "refresh_token"], reqs
        for r in reqs:
            assert r.path == "/token/v2" and r.q("api") == "1", r.path
