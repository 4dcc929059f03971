# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Hooks: auth_notify_cmd, error_notify_cmd, token_event_cmd, startup_cmd;
their environments, timing, order, the shell they run in, and their
timeout."""

import os
import re
import time

from harness import BIN, wait_until


def lines(path):
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []


class TestHooks:
    # auth_notify_cmd runs when an account becomes pending, with
    # PIZAUTH_ACCOUNT and the very URL show printed.
    def test_07_01_auth_notify_env(self, pz, provider):
        note = pz.recorder("notify")
        pz.write_config(auth_notify_cmd=note.cmd, accounts={"mail": {}})
        pz.start()
        time.sleep(0.3)
        assert note.entries() == [], "notified with nothing pending"
        url = pz.pending_url("mail")
        [e] = note.wait(1)
        assert e["env"]["PIZAUTH_ACCOUNT"] == "mail"
        assert e["env"]["PIZAUTH_URL"] == url
        assert "PIZAUTH_EVENT" not in e["env"]

    # While pending, the notification repeats every auth_notify_interval,
    # and stops once the account is authorised.
    def test_07_02_auth_notify_interval(self, pz, provider):
        note = pz.recorder("notify")
        pz.write_config(auth_notify_cmd=note.cmd, auth_notify_interval="2s")
        pz.start()
        url = pz.pending_url()
        runs = note.wait(3, timeout=8)
        starts = [e["start"] for e in runs]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        assert all(1.5 <= g <= 3.5 for g in gaps), gaps
        assert all(e["env"]["PIZAUTH_URL"] == url for e in runs)
        assert pz.authorise()
        n = len(note.entries())
        time.sleep(2.6)
        assert len(note.entries()) == n, "notified after authorisation"

    # The status line shows when the user was last notified.
    def test_07_03_status_last_notification(self, pz, provider):
        note = pz.recorder("notify")
        pz.write_config(auth_notify_cmd=note.cmd)
        pz.start()
        pz.pending_url()
        note.wait(1)
        from harness import DATE_RE, parse_date
        st = wait_until(lambda: (lambda s: s if "last notification" in s
                                 else None)(pz.status()), 5,
                        "status to show the notification")
        m = re.fullmatch(r"acct: Access token pending authentication "
                         rf"\(last notification ({DATE_RE})\)\n", st)
        assert m, st
        assert abs(parse_date(m.group(1)) - time.time()) < 5

    # token_event_cmd runs one event at a time, in the order they happened.
    def test_07_04_token_events_serial_in_order(self, pz, provider):
        ev = pz.recorder("events", sleep=0.4)
        pz.write_config(token_event_cmd=ev.cmd, refresh_retry="1s",
                        refresh_at_least="1h")
        pz.start()
        t1 = pz.authorise()
        assert pz.run("refresh", "acct").rc == 0
        pz.wait_token_change(t1)
        assert pz.run("revoke", "acct").rc == 0
        pz.authorise()
        provider.forget_grants()
        assert pz.run("refresh", "acct").rc == 0
        runs = ev.wait(5, timeout=10)
        got = [(e["env"]["PIZAUTH_ACCOUNT"], e["env"]["PIZAUTH_EVENT"])
               for e in runs]
        assert got == [("acct", "token_new"), ("acct", "token_refreshed"),
                       ("acct", "token_revoked"), ("acct", "token_new"),
                       ("acct", "token_invalidated")], got
        for a, b in zip(runs, runs[1:]):
            assert b["start"] >= a["end"] - 0.02, "token_event_cmd overlap"

    # startup_cmd runs once, when the daemon already answers requests.
    def test_07_05_startup_cmd(self, pz):
        out = pz.dir / "startup.out"
        cmd = pz.script("startup.sh",
                        f'"{BIN}/pizauth" status >> "{out}" 2>&1\n'
                        f'echo "rc=$?" >> "{out}"\n')
        pz.write_config(startup_cmd=cmd)
        pz.start()
        wait_until(lambda: any(l.startswith("rc=") for l in lines(out)), 5,
                   "startup_cmd to run")
        time.sleep(0.5)
        assert lines(out) == ["acct: No access token", "rc=0"], lines(out)

    # Hooks run as `$SHELL -c CMD`.
    def test_07_06_hooks_use_shell(self, pz):
        log = pz.dir / "shell.log"
        shell = pz.script("myshell",
                          f'printf "%s|" "$@" >> "{log}"\n'
                          f'echo >> "{log}"\n'
                          'exec /bin/sh "$@"\n')
        done = pz.dir / "done"
        pz.write_config(startup_cmd=f"touch {done}")
        pz.extra_env["SHELL"] = shell
        pz.start()
        wait_until(done.exists, 5, "startup_cmd via $SHELL")
        assert lines(log) == [f"-c|touch {done}|"], lines(log)

    # A hook past its 10 s timeout is killed, and the queue moves on.
    def test_07_07_hook_timeout(self, pz, provider):
        rec = pz.dir / "hang.log"
        cmd = pz.script("hang.sh",
                        f'echo "$PIZAUTH_EVENT $$" >> "{rec}"\n'
                        'if [ "$PIZAUTH_EVENT" = token_new ]; then '
                        'sleep 60; fi\n')
        pz.recorded_files.append(rec)
        pz.write_config(token_event_cmd=cmd)
        pz.start()
        pz.authorise()
        wait_until(lambda: len(lines(rec)) >= 1, 5, "token_new hook")
        t0 = time.monotonic()
        pid = int(lines(rec)[0].split()[1])
        assert pz.run("revoke", "acct").rc == 0
        wait_until(lambda: len(lines(rec)) >= 2, 14,
                   "the queued token_revoked hook")
        waited = time.monotonic() - t0
        assert 8 <= waited <= 13, f"next hook after {waited:.1f}s"
        assert lines(rec)[1].split()[0] == "token_revoked"
        assert not os.path.exists(f"/proc/{pid}") or _zombie(pid)
        sleepers = [p for p in pz.marked_pids() if _cmdline(p) ==
                    ["sleep", "60"]]
        assert sleepers == [], "the hook's child outlived the timeout"

    # A failing hook is just a failing hook: the daemon carries on.
    def test_07_08_failing_hooks_harmless(self, pz, provider):
        note = pz.recorder("notify", exit_status=1)
        ev = pz.recorder("events", exit_status=2)
        pz.write_config(auth_notify_cmd=note.cmd, token_event_cmd=ev.cmd,
                        startup_cmd="exit 7")
        pz.start()
        tok = pz.authorise()
        note.wait(1)
        ev.wait(1)
        assert pz.alive() and pz.token() == tok

    # The error hook is told which account failed and why.
    def test_07_09_error_notify_env(self, pz, provider):
        err = pz.recorder("errors")
        pz.write_config(error_notify_cmd=err.cmd, accounts={"work": {}})
        pz.start()
        pz.authorise("work")
        provider.forget_grants()
        assert pz.run("refresh", "work").rc == 0
        [e] = err.wait(1)
        env = e["env"]
        assert env["PIZAUTH_ACCOUNT"] == "work"
        assert env["PIZAUTH_MSG"].strip()
        assert "PIZAUTH_URL" not in env and "PIZAUTH_EVENT" not in env


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode() for a in f.read().split(b"\0") if a]
    except OSError:
        return None


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
