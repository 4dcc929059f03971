# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth reload`: a good config replaces the old one, a bad one is
refused and the old one stays; tokens survive exactly when the account's
security-relevant settings are unchanged."""

import re
import time

import pytest

from harness import URL_MSG, wait_until

# Security-relevant settings and a changed value for each.
CHANGES = {
    "auth_uri": lambda p: {"auth_uri": p.url("/authorize?changed=1")},
    "auth_uri_fields": lambda p: {"auth_uri_fields": {"login_hint": "x"}},
    "client_id": lambda p: {"client_id": "second-client",
                            "client_secret": p.client_secret},
    "client_secret": lambda p: {"client_secret": "rotated-secret"},
    "redirect_uri": lambda p: {"redirect_uri": "http://127.0.0.1/"},
    "scopes": lambda p: {"scopes": ["openid"]},
    "token_uri": lambda p: {"token_uri": p.url("/token?changed=1")},
}


class TestReload:
    # A good reload succeeds silently and the new accounts appear.
    def test_09_01_reload_adds_account(self, pz, provider):
        pz.write_config(accounts={"one": {}})
        pz.start()
        tok = pz.authorise("one")
        pz.write_config(accounts={"one": {}, "two": {}})
        r = pz.run("reload")
        assert r.rc == 0 and r.out == "" and r.err == "", r
        assert pz.status().splitlines()[1] == "two: No access token"
        assert pz.token("one") == tok
        assert pz.authorise("two")

    # A bad config is refused with its error; the old config stays.
    def test_09_02_reload_bad_config(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        before = pz.status()
        pz.write_config('account "acct" {\n  client_id = ;\n}\n')
        r = pz.run("reload")
        assert r.rc == 1 and r.out == "", r
        assert re.search(r"(?i)line 2,? column \d+", r.err), r
        assert pz.alive()
        assert pz.token() == tok
        assert pz.status() == before
        # And a later good reload still works.
        pz.write_config(accounts={"acct": {}, "new": {}})
        assert pz.run("reload").rc == 0
        assert "new: No access token" in pz.status()
        assert pz.token() == tok

    # A semantically bad config is refused with pizauth's error format.
    def test_09_03_reload_invalid_account(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        pz.write_config(accounts={"acct": {"token_uri": None}})
        r = pz.run("reload")
        assert r.rc == 1 and r.err.strip(), r
        assert "token_uri" in r.err, r
        pz.write_config('refresh_retry = 1s;\nrefresh_retry = 2s;\n' +
                        pz.conf_path.read_text())
        r = pz.run("reload")
        assert r.rc == 1, r
        assert ("Line 2, column 17:\n  refresh_retry = 2s;\n"
                "Mustn't specify 'refresh_retry' more than once") in r.err, r
        assert pz.token() == tok

    # Unchanged security settings keep the token, even when refresh times
    # and hooks change.
    def test_09_04_unchanged_account_keeps_token(self, pz, provider):
        pz.write_config(refresh_at_least="1h")
        pz.start()
        tok = pz.authorise()
        n = len(provider.snapshot())
        pz.write_config(refresh_at_least="2h", refresh_retry="5s",
                        auth_notify_interval="1m", token_event_cmd="true",
                        accounts={"acct": {"refresh_before_expiry": "30s"},
                                  "extra": {}})
        assert pz.run("reload").rc == 0
        assert pz.token() == tok
        assert pz.status().startswith("acct: Active access token")
        assert len(provider.snapshot()) == n

    # Changing any security-relevant setting drops that account's token.
    @pytest.mark.parametrize("key", list(CHANGES))
    def test_09_05_changed_account_loses_token(self, pz, provider, key):
        provider.add_client("second-client", provider.client_secret)
        pz.write_config(accounts={"changed": {}, "same": {}})
        pz.start()
        pz.authorise("changed")
        same = pz.authorise("same")
        pz.write_config(accounts={"changed": CHANGES[key](provider),
                                  "same": {}})
        assert pz.run("reload").rc == 0
        r = pz.run("show", "changed")
        assert r.rc == 1 and URL_MSG in r.err, r
        assert pz.token("same") == same
        # The new URL reflects the new settings.
        url = pz.url_from(r)
        if key == "auth_uri":
            assert "changed=1" in url
        elif key == "scopes":
            assert "scope=openid&" in url or url.endswith("scope=openid")

    # New refresh times apply to a kept token.
    def test_09_06_reload_reschedules_refresh(self, pz, provider):
        pz.write_config(refresh_at_least="1h")
        pz.start()
        tok = pz.authorise()
        pz.write_config(refresh_at_least="2s")
        assert pz.run("reload").rc == 0
        assert pz.token() == tok
        provider.wait_for_token_requests(1, "refresh_token", 6)
        pz.wait_token_change(tok)

    # An account removed from the config is gone.
    def test_09_07_removed_account(self, pz, provider):
        pz.write_config(accounts={"keep": {}, "gone": {}})
        pz.start()
        pz.authorise("gone")
        pz.write_config(accounts={"keep": {}})
        assert pz.run("reload").rc == 0
        r = pz.run("show", "gone")
        assert r.rc == 1 and "No account 'gone'" in r.err, r
        assert pz.status() == "keep: No access token\n"

    # A pending authorisation of an unchanged account survives a reload.
    def test_09_08_pending_survives_unchanged(self, pz, provider):
        pz.write_config()
        pz.start()
        url = pz.pending_url()
        pz.write_config(refresh_retry="7s")
        assert pz.run("reload").rc == 0
        assert pz.pending_url() == url
        from harness import browse
        assert browse(url).status == 200
        assert pz.token()

    # A removed account's refresh timer does not fire into the void.
    def test_09_09_removed_account_timers(self, pz, provider):
        pz.write_config(refresh_at_least="2s", accounts={"a": {}, "b": {}})
        pz.start()
        pz.authorise("a")
        pz.write_config(refresh_at_least="2s", accounts={"b": {}})
        assert pz.run("reload").rc == 0
        time.sleep(2.8)
        assert provider.refreshes() == []
        assert pz.alive()
        wait_until(lambda: pz.status() == "b: No access token\n", 2,
                   "status of b")

    # Reloading a large config again and again leaves the daemon's memory
    # where it was: the freed configuration goes back to the system rather
    # than staying in the heap (it grew by about 800 bytes an account per
    # reload, for several reloads, before memory_trim()).
    def test_09_10_reload_keeps_memory(self, pz, provider):
        pz.write_config(accounts={f"acct{i}": {} for i in range(5000)})
        pz.start(verbose=0)
        pid = pz.proc.pid
        with open(f"/proc/{pid}/maps") as f:
            if "libasan" in f.read():
                pytest.skip("ASan's allocator keeps freed memory by design")

        def anon_kb():
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1])
            raise AssertionError("no RssAnon")

        start = anon_kb()
        for _ in range(4):
            assert pz.run("reload").rc == 0
        grown = anon_kb() - start
        assert grown < 1024, f"RssAnon grew by {grown} kB over 4 reloads"
