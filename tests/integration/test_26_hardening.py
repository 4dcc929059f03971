# SPDX-License-Identifier: Apache-2.0 OR MIT
"""What another local user, a provider having a bad day or a stale dump
could do to the daemon, and must not: crash it through the redirect port,
freeze its timers, starve it of descriptors, make it refresh in a loop, or
put escape sequences on a terminal."""

from harness import UNKNOWN_STATE_PAGE, http_get, http_status, raw_exchange


def device_account(provider, **kw):
    acct = {"auth_uri": None, "device_auth_uri": provider.url("/device")}
    acct.update(kw)
    return acct


class TestRedirectAgainstDeviceFlow:
    # A device-flow account has no `state`: a redirect naming any state
    # while it is pending must find no account, not crash the daemon.
    def test_26_01_error_redirect_while_device_pending(self, pz, provider):
        pz.write_config(accounts={
            "dev": device_account(provider),
            "code": {},
        })
        pz.start()
        r = pz.run("show", "dev")
        assert r.rc == 1 and "using code" in r.err, r
        base = f"http://127.0.0.1:{pz.http_port}/"
        for query in ("?state=x&error=y", "?state=x&code=y",
                      "?state=&error=access_denied"):
            resp = http_get(base + query)
            assert resp.status == 200, (query, resp)
            assert UNKNOWN_STATE_PAGE in resp.text, (query, resp)
        raw = raw_exchange(pz.http_port,
                           b"GET /?state=x&error=y HTTP/1.1\r\n"
                           b"Host: evil.example\r\n\r\n")
        assert http_status(raw) == 200, raw
        assert pz.alive()
        # Both accounts still work.
        r = pz.run("show", "dev")
        assert r.rc == 1 and "using code" in r.err, r
        assert pz.authorise("code")
