# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth show -w SECS`: waiting for a token (starting the authorisation
if need be) up to SECS; many waiters answered at once; a daemon that keeps
answering everyone else meanwhile; and the raw `showtoken_wait` request."""

import os
import signal
import subprocess
import threading
import time

import pytest

from harness import (BIN, EXPIRED_MSG, SUCCESS_PAGE, URL_MSG, browse,
                     wait_until)


def in_thread(fn, *args):
    """Run fn(*args) in a thread; returns (thread, results list)."""
    out = []

    def run():
        out.append((fn(*args), time.monotonic()))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def daemon_fds(pz):
    """How many descriptors the daemon has open."""
    return len(os.listdir(f"/proc/{pz.proc.pid}/fd"))


def waiters_registered(pz, n):
    """The daemon's -vvvv log shows n showtoken_wait requests."""
    wait_until(lambda: pz.log().count("control: showtoken_wait") >= n, 10,
               f"{n} showtoken_wait request(s) to reach the daemon")


class TestWait:
    # show -w starts the authorisation (auth_notify_cmd runs), blocks, and
    # prints the token as soon as the user has authorised.
    def test_22_01_wait_until_authorised(self, pz, provider):
        note = pz.recorder("notify")
        pz.write_config(auth_notify_cmd=note.cmd)
        pz.start()
        t, res = in_thread(pz.run, "show", "-w", "10", "acct")
        [e] = note.wait(1)
        time.sleep(0.5)
        assert res == [], "show -w returned before authorisation"
        b = browse(e["env"]["PIZAUTH_URL"])
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        done = time.monotonic()
        t.join(10)
        [(r, end)] = res
        assert r.rc == 0 and r.err == "", r
        assert r.out == provider.access_tokens[-1] + "\n", r
        assert end - done < 1.0, f"answered {end - done:.2f}s after auth"

    # 20 concurrent waiters are all answered, with the same token, right
    # after the browser completes.
    def test_22_02_many_waiters(self, pz, provider):
        pz.write_config()
        pz.start()
        runs = [in_thread(pz.run, "show", "-w", "20", "acct")
                for _ in range(20)]
        waiters_registered(pz, 20)
        url = pz.pending_url()
        assert all(out == [] for _, out in runs)
        b = browse(url)
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        done = time.monotonic()
        for t, _ in runs:
            t.join(10)
        results = [out[0] for _, out in runs]
        assert len(results) == 20
        tok = provider.access_tokens[-1]
        for r, _ in results:
            assert r.rc == 0 and r.out == tok + "\n", r
        ends = [end for _, end in results]
        assert max(ends) - min(ends) < 1.0, \
            f"answers spread over {max(ends) - min(ends):.2f}s"
        assert max(ends) - done < 1.5, \
            f"last answer {max(ends) - done:.2f}s after authorisation"
        assert len(provider.token_requests()) == 1

    # A waiter whose time runs out gets the pending URL message, exit 1,
    # at about SECS.
    def test_22_03_wait_times_out(self, pz, provider):
        pz.write_config()
        pz.start()
        r = pz.run("show", "-w", "1", "acct")
        assert r.rc == 1 and r.out == "", r
        assert URL_MSG in r.err and r.err.count("\n") == 1, r
        assert pz.url_from(r) == pz.pending_url()
        assert 0.9 <= r.elapsed <= 2.5, f"gave up after {r.elapsed:.2f}s"

    # While waiters wait, status, show without -w and other accounts are
    # answered at once.
    def test_22_04_others_answered_while_waiting(self, pz, provider):
        pz.write_config(accounts={"acct": {}, "other": {}})
        pz.start()
        tok = pz.authorise("other")
        runs = [in_thread(pz.run, "show", "-w", "5", "acct")
                for _ in range(5)]
        waiters_registered(pz, 5)
        for _ in range(3):
            r = pz.run("status")
            assert r.rc == 0 and r.elapsed < 0.5, r
            assert r.out.startswith(
                "acct: Access token pending authentication"), r
            r = pz.run("show", "acct")
            assert r.rc == 1 and URL_MSG in r.err and r.elapsed < 0.5, r
            r = pz.run("show", "other")
            assert r.rc == 0 and r.out.strip() == tok, r
            assert r.elapsed < 0.5, r
        assert all(out == [] for _, out in runs)
        pz.authorise("acct")
        for t, _ in runs:
            t.join(10)
        assert all(out and out[0][0].rc == 0 for _, out in runs)

    # show without -w never blocks: an account that needs authorising
    # gets the URL at once.
    def test_22_05_show_never_blocks(self, pz, provider):
        pz.write_config()
        pz.start()
        for _ in range(3):
            r = pz.run("show", "acct")
            assert r.rc == 1 and URL_MSG in r.err, r
            assert r.elapsed < 0.5, r

    # show -w 0 is show: the URL at once, or the token.
    def test_22_06_wait_zero_is_show(self, pz, provider):
        pz.write_config()
        pz.start()
        r = pz.run("show", "-w", "0", "acct")
        assert r.rc == 1 and r.out == "" and URL_MSG in r.err, r
        assert r.elapsed < 0.5, r
        assert r.err == pz.run("show", "acct").err
        tok = pz.authorise()
        r = pz.run("show", "-w", "0", "acct")
        assert r.rc == 0 and r.out == tok + "\n" and r.err == "", r

    # With a token already there, show -w answers at once.
    def test_22_07_wait_with_token(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        r = pz.run("show", "-w", "30", "acct")
        assert r.rc == 0 and r.out == tok + "\n", r
        assert r.elapsed < 0.5, r

    # Bad -w values print the usage, exit 1, and ask the daemon nothing.
    @pytest.mark.parametrize("args", [
        ["-w", "-1"], ["-w", "abc"], ["-w", ""], ["-w", "1.5"],
        ["-w", "5s"], ["-w", "99999999999"], ["-w"],
    ], ids=["negative", "word", "empty", "fraction", "suffix", "huge",
            "missing"])
    def test_22_08_bad_wait_values(self, pz, provider, args):
        pz.write_config()
        pz.start()
        r = pz.run("show", *args, "acct")
        assert r.rc == 1 and r.out == "", r
        assert r.err.startswith("Usage:\n"), r
        assert "pizauth show [-u] [-w <secs>] <account>" in r.err, r
        assert pz.status() == "acct: No access token\n"

    # The raw request: showtoken_wait:withurl|withouturl SECS ACCOUNT.
    def test_22_09_wire(self, pz, provider):
        pz.write_config()
        pz.start()
        t0 = time.monotonic()
        reply = pz.ctl(b"showtoken_wait:withurl 1 acct")
        took = time.monotonic() - t0
        assert reply.startswith(b"pending:" + provider.url(
            "/authorize").encode() + b"?"), reply
        assert 0.8 <= took <= 2.5, took
        assert pz.ctl(b"showtoken_wait:withouturl 0 acct") == b"pending:"
        assert pz.ctl(b"showtoken_wait:withurl 0 nosuch") == \
            b"error:No account 'nosuch'"
        for bad in (b"showtoken_wait:withurl acct",
                    b"showtoken_wait:withurl x acct",
                    b"showtoken_wait:withurl -1 acct",
                    b"showtoken_wait:withurl 1",
                    b"showtoken_wait:"):
            assert pz.ctl(bad) == b"error:Malformed request", bad
        tok = pz.authorise()
        assert pz.ctl(b"showtoken_wait:withurl 5 acct") == \
            b"access_token:" + tok.encode()

    # A waiter on an expired token is answered when a refresh succeeds.
    def test_22_10_wait_for_refresh(self, pz, provider):
        provider.expires_in = 2
        pz.write_config(refresh_retry="1s")
        pz.start()
        t1 = pz.authorise()
        provider.go_down()
        time.sleep(2.2)
        r = pz.run("show", "acct")
        assert r.rc == 1 and EXPIRED_MSG in r.err, r
        t, res = in_thread(pz.run, "show", "-w", "10", "acct")
        time.sleep(0.3)
        assert res == []
        provider.come_up()
        t.join(10)
        [(r, _)] = res
        assert r.rc == 0 and r.out.strip() == provider.access_tokens[-1], r
        assert r.out.strip() != t1

    # A waiter on a device-flow account gets the token once the code is
    # approved, or the error at once when it is denied.
    @pytest.mark.parametrize("outcome", ["approve", "deny"])
    def test_22_11_wait_device_flow(self, pz, provider, outcome):
        pz.write_config(accounts={"acct": {
            "auth_uri": None, "device_auth_uri": provider.url("/device")}})
        pz.start()
        t, res = in_thread(pz.run, "show", "-w", "10", "acct")
        g = provider.device_grant()
        time.sleep(0.2)
        assert res == [] and g.polls == []
        getattr(provider, outcome)()
        done = time.monotonic()
        t.join(10)
        [(r, end)] = res
        assert end - done < 2.0, f"answered {end - done:.2f}s later"
        if outcome == "approve":
            assert r.rc == 0 and r.out == provider.access_tokens[-1] + \
                "\n", r
        else:
            assert r.rc == 1 and r.out == "", r
            assert "access_denied" in r.err and r.err.count("\n") == 1, r
        assert g.status in ("done", "denied")

    # A waiter whose client went away (killed while waiting) does not
    # keep its connection for the rest of its SECS.
    def test_22_12_hung_up_waiters_released(self, pz, provider):
        pz.write_config()
        pz.start()
        pz.pending_url()
        base = daemon_fds(pz)
        procs = [subprocess.Popen([str(BIN / "pizauth"), "show", "-w", "600",
                                   "acct"], env=pz.env(),
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for _ in range(20)]
        try:
            waiters_registered(pz, 20)
            assert daemon_fds(pz) >= base + 20
        finally:
            for p in procs:
                p.send_signal(signal.SIGKILL)
                p.wait(5)
        try:
            wait_until(lambda: daemon_fds(pz) <= base + 1, 3,
                       "the daemon to let go of the dead waiters")
        except AssertionError:
            raise AssertionError(
                f"the daemon still holds {daemon_fds(pz) - base} "
                f"descriptor(s) 3 s after 20 `show -w 600` clients were "
                f"killed (it would hold them for 600 s)") from None
        assert pz.run("status").rc == 0

    # Shutting down with clients waiting is prompt and clean; each
    # waiter gets an answer (exit 1), none hangs.
    def test_22_13_shutdown_with_waiters(self, pz, provider):
        pz.write_config()
        pz.start()
        runs = [in_thread(pz.run, "show", "-w", "30", "acct")
                for _ in range(5)]
        waiters_registered(pz, 5)
        t0 = time.monotonic()
        assert pz.stop() == 0
        assert time.monotonic() - t0 < 2.0
        for t, _ in runs:
            t.join(5)
        for _, out in runs:
            [(r, _)] = out
            assert r.rc == 1 and r.out == "", r

    # A reload that voids an account's token answers its waiters with an
    # error; waiters on unchanged accounts keep waiting.
    def test_22_14_reload_with_waiters(self, pz, provider):
        provider.add_client("other-client", "other-secret")
        pz.write_config(accounts={"keep": {}, "change": {}})
        pz.start()
        tk, keep = in_thread(pz.run, "show", "-w", "10", "keep")
        tc, change = in_thread(pz.run, "show", "-w", "10", "change")
        waiters_registered(pz, 2)
        pz.write_config(accounts={"keep": {}, "change": {
            "client_id": "other-client", "client_secret": "other-secret"}})
        assert pz.run("reload").rc == 0
        tc.join(3)
        [(r, _)] = change
        assert r.rc == 1 and r.out == "" and r.err.startswith("ERROR - "), r
        assert r.elapsed < 3, r
        assert keep == []
        tok = pz.authorise("keep")
        tk.join(5)
        [(r, _)] = keep
        assert r.rc == 0 and r.out == tok + "\n", r

    # Waiting costs the daemon nothing: it sleeps until a waiter's time is
    # up, its token arrives or its client goes (it used to look at every
    # waiter once a second).
    def test_22_15_waiters_cost_no_wakeups(self, pz, provider):
        pz.write_config()
        pz.start()
        pz.pending_url()
        procs = [subprocess.Popen([str(BIN / "pizauth"), "show", "-w", "600",
                                   "acct"], env=pz.env(),
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for _ in range(5)]

        def switches():
            with open(f"/proc/{pz.proc.pid}/status") as f:
                return sum(int(line.split()[1]) for line in f
                           if line.startswith(("voluntary_ctxt_switches",
                                               "nonvoluntary_ctxt_switches")))
        try:
            waiters_registered(pz, 5)
            time.sleep(0.5)
            before = switches()
            time.sleep(3)
            woke = switches() - before
            assert woke <= 1, f"the daemon woke {woke} times in 3 s"
            # A client that goes is still noticed at once.
            base = daemon_fds(pz)
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(5)
            wait_until(lambda: daemon_fds(pz) == base - 1, 1,
                       "the daemon to let go of a killed waiter")
        finally:
            for p in procs:
                p.kill()
                p.wait(5)
