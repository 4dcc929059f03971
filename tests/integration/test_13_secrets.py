# SPDX-License-Identifier: Apache-2.0 OR MIT
"""No secret leaves the daemon except through `show`: not in its log at
the highest verbosity, not in any hook's environment, not in status, info
or the dump.  (Every test also checks the log and hook records at
teardown; this one drives every path that handles a secret.)"""

from fakeprovider import Canned


class TestSecrets:
    # Authorise, refresh with rotation, fail, revoke, re-authorise at -vvvv
    # with every hook recording its whole environment: no token anywhere.
    def test_13_01_no_secret_in_log_or_hooks(self, pz, provider):
        provider.rotate = True
        provider.expires_in = 4
        note = pz.recorder("notify")
        ev = pz.recorder("events")
        err = pz.recorder("errors")
        start = pz.recorder("startup")
        judge = pz.recorder("judge", exit_status=1)
        pz.write_config(auth_notify_cmd=note.cmd, token_event_cmd=ev.cmd,
                        error_notify_cmd=err.cmd, startup_cmd=start.cmd,
                        transient_error_if_cmd=judge.cmd,
                        refresh_before_expiry="2s", refresh_retry="1s")
        pz.start(verbose=4)
        start.wait(1)
        t1 = pz.authorise()
        # A timed refresh (rotation), then one on request.
        provider.wait_for_token_requests(1, "refresh_token", 8)
        t2 = pz.wait_token_change(t1)
        assert pz.run("refresh", "acct").rc == 0
        pz.wait_token_change(t2)
        # A transient failure whose body echoes a token back.
        provider.queue_token(Canned(500, {"error": "server_error",
                                          "error_description": "x"},
                                    grant_type="refresh_token"))
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(4, "refresh_token", 8)
        # A permanent failure.
        provider.forget_grants()
        assert pz.run("refresh", "acct").rc == 0
        err.wait(1)
        # Revoke after a fresh authorisation; dump and restore.
        pz.authorise()
        d = pz.run("dump").outb
        assert pz.run("revoke", "acct").rc == 0
        assert pz.run("restore", input=d).rc == 0
        ev.wait(6)
        assert len(provider.issued) >= 8
        outputs = [pz.status(), pz.run("info").out, pz.run("info", "-j").out]
        pz.stop()
        texts = {"daemon log": pz.log(), "dump": d.decode("latin-1")}
        texts.update(("status/info", o) for o in outputs)
        for rec in (note, ev, err, start, judge):
            for e in rec.entries():
                for k, v in e["env"].items():
                    texts[f"{rec.script.name} ${k}"] = v
                texts[f"{rec.script.name} argv"] = " ".join(e["argv"])
        for s in provider.issued:
            for where, text in texts.items():
                assert s not in text, f"{s[:8]}... found in {where}"
        assert len(pz.log()) > 200, "the -vvvv log is suspiciously empty"
