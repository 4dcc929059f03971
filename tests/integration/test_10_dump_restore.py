# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth dump` and `pizauth restore`: tokens survive a daemon restart,
the dump shows no token, and restore refuses garbage, skips accounts whose
settings changed and never replaces an active token."""

from harness import URL_MSG


def dump(pz):
    r = pz.run("dump")
    assert r.rc == 0 and r.err == "", r
    assert r.outb, "empty dump"
    return r.outb


def restore(pz, data):
    return pz.run("restore", input=data)


class TestDumpRestore:
    # The dump holds no token, refresh token or code in the clear.
    def test_10_01_dump_is_opaque(self, pz, provider):
        provider.rotate = True
        pz.write_config(accounts={"a": {}, "b": {}})
        pz.start()
        pz.authorise("a")
        pz.authorise("b")
        d = dump(pz)
        for s in provider.issued:
            assert s.encode() not in d, f"{s[:8]}... in the dump"
            assert s[3:].encode() not in d, f"{s[:8]}... in the dump"

    # Dump, restart, restore: the same tokens, no new authorisation.
    def test_10_02_restore_after_restart(self, pz, provider):
        pz.write_config(accounts={"a": {}, "b": {}, "never": {}})
        pz.start()
        ta = pz.authorise("a")
        tb = pz.authorise("b")
        d = dump(pz)
        pz.stop()
        pz.start()
        assert pz.run("show", "a").rc == 1
        n = len(provider.snapshot())
        r = restore(pz, d)
        assert r.rc == 0 and r.out == "" and r.err == "", r
        assert pz.token("a") == ta
        assert pz.token("b") == tb
        st = pz.status()
        assert "a: Active access token" in st and \
            "b: Active access token" in st, st
        assert "never: No access token" in st, st
        assert len(provider.snapshot()) == n

    # The restored refresh token is the one the provider issued.
    def test_10_03_restored_refresh_token_works(self, pz, provider):
        provider.rotate = True
        pz.write_config(refresh_at_least="1h")
        pz.start()
        t1 = pz.authorise()
        assert pz.run("refresh", "acct").rc == 0
        t2 = pz.wait_token_change(t1)
        d = dump(pz)
        pz.stop()
        pz.start()
        assert restore(pz, d).rc == 0
        assert pz.token() == t2
        assert pz.run("refresh", "acct").rc == 0
        provider.wait_for_token_requests(2, "refresh_token")
        t3 = pz.wait_token_change(t2)
        assert t3 == provider.access_tokens[-1]
        assert provider.violations == []

    # Garbage on stdin: an error, exit 1, and the daemon is unaffected.
    def test_10_04_restore_garbage(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        good = dump(pz)
        flipped = bytearray(good)
        flipped[len(flipped) // 2] ^= 0x01
        for junk in (b"this is not a dump", b"\x00" * 100,
                     good[:len(good) // 2], bytes(flipped),
                     b"access_token:AT-xyz"):
            r = restore(pz, junk)
            assert r.rc == 1 and r.out == "", (junk[:20], r)
            assert r.err.strip(), r
            assert pz.alive()
            assert pz.token() == tok

    # Garbage restored into a fresh daemon leaves every account empty.
    def test_10_05_restore_garbage_fresh(self, pz, provider):
        pz.write_config()
        pz.start()
        r = restore(pz, b"\x01\x02garbage")
        assert r.rc == 1, r
        assert pz.status() == "acct: No access token\n"

    # A dump from an account whose security settings changed is ignored
    # for that account only, silently.
    def test_10_06_restore_changed_account_ignored(self, pz, provider):
        provider.add_client("new-client", provider.client_secret)
        pz.write_config(accounts={"same": {}, "changed": {}})
        pz.start()
        ts = pz.authorise("same")
        pz.authorise("changed")
        d = dump(pz)
        pz.stop()
        pz.write_config(accounts={"same": {},
                                  "changed": {"client_id": "new-client"}})
        pz.start()
        r = restore(pz, d)
        assert r.rc == 0 and r.err == "", r
        assert pz.token("same") == ts
        r = pz.run("show", "changed")
        assert r.rc == 1 and URL_MSG in r.err, r

    # Restore never replaces an active token.
    def test_10_07_restore_keeps_active(self, pz, provider):
        pz.write_config()
        pz.start()
        t1 = pz.authorise()
        old = dump(pz)
        assert pz.run("revoke", "acct").rc == 0
        t2 = pz.authorise()
        assert t2 != t1
        assert restore(pz, old).rc == 0
        assert pz.token() == t2

    # Restore fills an account that is waiting for authorisation.
    def test_10_08_restore_into_pending(self, pz, provider):
        pz.write_config()
        pz.start()
        t1 = pz.authorise()
        d = dump(pz)
        pz.stop()
        pz.start()
        pz.pending_url()
        assert restore(pz, d).rc == 0
        assert pz.token() == t1
        assert pz.status().startswith("acct: Active access token")

    # A dump of a daemon without tokens restores as nothing.
    def test_10_09_empty_dump(self, pz, provider):
        pz.write_config()
        pz.start()
        d = pz.run("dump").outb
        r = restore(pz, d)
        assert r.rc == 0, r
        assert pz.status() == "acct: No access token\n"

    # The keyring pattern: startup_cmd restores what a hook dumped.
    def test_10_10_startup_cmd_restores(self, pz, provider):
        from harness import BIN, wait_until
        saved = pz.dir / "saved.dump"
        save = pz.script("save.sh", f'"{BIN}/pizauth" dump > "{saved}"\n')
        load = pz.script("load.sh", f'[ -s "{saved}" ] && '
                         f'"{BIN}/pizauth" restore < "{saved}"\n')
        pz.write_config(token_event_cmd=save, startup_cmd=load)
        pz.start()
        tok = pz.authorise()
        wait_until(lambda: saved.exists() and saved.stat().st_size > 0, 5,
                   "token_event_cmd to save a dump")
        pz.stop()
        pz.start()
        wait_until(lambda: pz.run("show", "-u", "acct").rc == 0, 5,
                   "startup_cmd to restore the token")
        assert pz.token() == tok
