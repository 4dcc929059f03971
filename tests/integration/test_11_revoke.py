# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth revoke`: the token is dropped locally and token_event_cmd hears
token_revoked."""

from harness import URL_MSG


class TestRevoke:
    # revoke drops the token: exit 0, silent, show needs a new URL.
    def test_11_01_revoke_drops_token(self, pz, provider):
        ev = pz.recorder("events")
        pz.write_config(token_event_cmd=ev.cmd)
        pz.start()
        pz.authorise()
        r = pz.run("revoke", "acct")
        assert r.rc == 0 and r.out == "" and r.err == "", r
        assert pz.status() == "acct: No access token\n"
        r = pz.run("show", "acct")
        assert r.rc == 1 and URL_MSG in r.err, r
        runs = ev.wait(2)
        assert [(e["env"]["PIZAUTH_ACCOUNT"], e["env"]["PIZAUTH_EVENT"])
                for e in runs] == [("acct", "token_new"),
                                   ("acct", "token_revoked")]

    # revoke of an unknown account: "No account 'x'", exit 1.
    def test_11_02_revoke_unknown_account(self, pz):
        pz.write_config()
        pz.start()
        r = pz.run("revoke", "nosuch")
        assert r.rc == 1 and "No account 'nosuch'" in r.err, r

    # revoke of one account leaves the others alone.
    def test_11_03_revoke_one_of_two(self, pz, provider):
        pz.write_config(accounts={"a": {}, "b": {}})
        pz.start()
        pz.authorise("a")
        tb = pz.authorise("b")
        assert pz.run("revoke", "a").rc == 0
        assert pz.token("b") == tb
        assert pz.status().startswith("a: No access token\n")

    # A revoked token is not brought back by its pending refresh timer.
    def test_11_04_revoke_cancels_refresh(self, pz, provider):
        pz.write_config(refresh_at_least="2s")
        pz.start()
        pz.authorise()
        assert pz.run("revoke", "acct").rc == 0
        import time
        time.sleep(2.8)
        assert provider.refreshes() == []
        assert pz.status() == "acct: No access token\n"

    # The wire reply to revoke is "ok:".
    def test_11_05_revoke_wire(self, pz, provider):
        pz.write_config()
        pz.start()
        pz.authorise()
        assert pz.ctl(b"revoke:acct") == b"ok:"
        assert pz.ctl(b"revoke:nosuch") == b"error:No account 'nosuch'"
