# SPDX-License-Identifier: Apache-2.0 OR MIT
"""What another local user, a provider having a bad day or a stale dump
could do to the daemon, and must not: crash it through the redirect port,
freeze its timers, starve it of descriptors, make it refresh in a loop, or
put escape sequences on a terminal."""

import os
import subprocess
import time
import urllib.parse
from pathlib import Path

from harness import (BIN, UNKNOWN_STATE_PAGE, Canned, http_get, http_status,
                     raw_exchange, wait_until)

TOOLS = Path(os.environ.get("PIZAUTH_TEST_TOOLS") or
             Path(__file__).resolve().parents[2] / "build" / "tests" / "tools")


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


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def shifted(dump, secs):
    """dump as a server whose clock was secs behind would have written it."""
    p = subprocess.run([str(TOOLS / "dumpshift"), str(int(secs))],
                       input=dump, capture_output=True, timeout=10)
    assert p.returncode == 0, p.stderr
    return p.stdout


class TestRestoreAcrossReboot:
    # The documented startup_cmd restore after a night's reboot: tokens
    # obtained and expired before this boot are refreshed at once, and
    # every other deadline (here a `show -w`) still fires on time.
    def test_26_02_restore_from_before_boot_keeps_timers(self, pz, provider):
        pz.write_config(refresh_at_least="1h",
                        accounts={"acct": {}, "other": {}})
        pz.start()
        old = pz.authorise("acct")
        d = pz.run("dump")
        assert d.rc == 0, d
        pz.stop()
        # A day before boot: obtained and expired before this boot.
        d = shifted(d.outb, uptime() + 86400)
        pz.start()
        n = len(provider.refreshes())
        r = pz.run("restore", input=d)
        assert r.rc == 0 and r.err == "", r
        # Nothing asks for acct's token: its timer alone refreshes it,
        # and the timer heap still serves every other deadline (a wait
        # here) on time.
        t0 = time.monotonic()
        r = pz.run("show", "-w", "2", "other", timeout=15)
        took = time.monotonic() - t0
        assert r.rc == 1 and 1.5 <= took < 6, (r, took)
        wait_until(lambda: len(provider.refreshes()) == n + 1, 5,
                   "the restored token's refresh")
        new = pz.token("acct")
        assert new != old
        assert "acct: Active access token" in pz.status()
        assert len(provider.refreshes()) == n + 1
        assert pz.alive()

    # A token obtained before boot that is still valid is served, and
    # refreshed when refresh_at_least (counted from when it was obtained)
    # says so: here at once, since that was more than an hour ago.
    def test_26_03_restore_valid_token_from_before_boot(self, pz, provider):
        provider.expires_in = 7 * 86400
        pz.write_config(refresh_at_least="1h")
        pz.start()
        old = pz.authorise()
        d = pz.run("dump").outb
        pz.stop()
        d = shifted(d, uptime() + 2 * 3600)
        pz.start()
        n = len(provider.refreshes())
        assert pz.run("restore", input=d).rc == 0
        wait_until(lambda: len(provider.refreshes()) > n, 5,
                   "a refresh of the restored token")
        assert pz.token() != old
        st = pz.status()
        assert "acct: Active access token" in st, st


# Bytes a terminal obeys: ESC (C0) and CSI, OSC, NEL as C1, in UTF-8.
ESCAPES = ("\x1b", "\x9b", "\x9d", "\x85", "\x07")


def no_escapes(text):
    return not any(c in text for c in ESCAPES)


class TestOutsideTextMadeSafe:
    # Anyone can send the browser's redirect with an error: its words reach
    # `show`'s stderr and error_notify_cmd only without escape sequences.
    def test_26_04_redirect_error_escapes(self, pz, provider):
        err = pz.recorder("errors")
        pz.write_config(error_notify_cmd=err.cmd)
        pz.start()
        url = pz.pending_url()
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[
            "state"][0]
        waiter = subprocess.Popen(
            [str(BIN / "pizauth"), "show", "-w", "20", "acct"],
            env=pz.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.3)
        evil = "\x1b]0;owned\x07\x1b[2J\u009b31m\u009d8;;x\u0085end"
        resp = http_get(f"http://localhost:{pz.http_port}/?state="
                        + urllib.parse.quote(state) + "&error="
                        + urllib.parse.quote(evil))
        assert resp.status in (200, 400), resp
        out, errb = waiter.communicate(timeout=10)
        msg = errb.decode("utf-8", "replace")
        assert waiter.returncode == 1 and "end" in msg, msg
        assert no_escapes(msg), repr(msg)
        [env] = err.wait(1) and err.envs("PIZAUTH_MSG")
        assert "end" in env["PIZAUTH_MSG"], env
        assert no_escapes(env["PIZAUTH_MSG"]), env
        assert no_escapes(pz.log())

    # A device code or verification URI with control characters is refused
    # as malformed, not shown.
    def test_26_05_device_codes_with_controls_refused(self, pz, provider):
        err = pz.recorder("errors")
        note = pz.recorder("notify")
        pz.write_config(error_notify_cmd=err.cmd, auth_notify_cmd=note.cmd,
                        accounts={"acct": device_account(provider)})
        pz.start()
        bad = [
            {"user_code": "AB\u009b2JCD"},
            {"user_code": "AB\x1b[2JCD"},
            {"verification_uri": provider.url("/activate") + "\u009d8;;x"},
        ]
        for i, over in enumerate(bad):
            body = {"device_code": "DC-x", "user_code": "ABCD-EFGH",
                    "verification_uri": provider.url("/activate"),
                    "expires_in": 600, "interval": 1}
            body.update(over)
            provider.queue_device(Canned(200, body))
            r = pz.run("show", "acct")
            assert r.rc == 1, r
            assert no_escapes(r.err), repr(r.err)
            wait_until(lambda: len(err.entries()) >= i + 1, 5,
                       "error_notify_cmd")
        for env in err.envs("PIZAUTH_MSG"):
            assert "lacks" in env["PIZAUTH_MSG"], env
            assert no_escapes(env["PIZAUTH_MSG"]), env
        assert note.entries() == []
        assert no_escapes(pz.log())
