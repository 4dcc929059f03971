# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Account matching for adapters: `showtoken_match:withurl SECS` with
`user=` and/or `host=` lines, answered for the one account that serves
them (daemon/server/match.h has the rule), or with an error when none or
several do: never a guess."""

import threading
import time

import pytest

from harness import wait_until


def match(pz, user=None, host=None, secs=0, url="withurl", extra=()):
    """The raw reply to a showtoken_match request."""
    lines = [f"showtoken_match:{url} {secs}"]
    if user is not None:
        lines.append(f"user={user}")
    if host is not None:
        lines.append(f"host={host}")
    lines += list(extra)
    return pz.ctl("\n".join(lines).encode()).decode()


def setup_accounts(pz, accounts):
    """Start a daemon with accounts {name: settings} and authorise each:
    returns {"access_token:TOKEN": name} to tell replies apart."""
    pz.write_config(accounts=accounts)
    pz.start()
    return {"access_token:" + pz.authorise(n): n for n in accounts}


def matched(tokens, reply):
    """The account a reply's token belongs to (the reply if none)."""
    return tokens.get(reply, reply)


MAIL = {
    "work": {"users": ["alice@work.example", "alice"],
             "hosts": ["imap.work.example", "smtp.work.example"]},
    "home": {"users": ["alice@home.example"],
             "auth_uri_fields": {"login_hint": "al@home.example"}},
    "isp": {"hosts": ["imap.isp.example"]},
    "imap.named.example": {},
}


class TestMatch:
    # A user in one account's users list picks that account.
    def test_24_01_user_in_users(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, user="alice@work.example")) == "work"
        assert matched(tokens, match(pz, user="alice")) == "work"
        assert matched(tokens, match(pz, user="alice@home.example")) == \
            "home"

    # A user equal to the login_hint auth_uri_field picks that account; an
    # account's name is never a user.
    def test_24_02_user_login_hint_not_name(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, user="al@home.example")) == "home"
        assert match(pz, user="home") == \
            "nomatch:No account lists user 'home'"
        assert match(pz, user="imap.named.example") == \
            "nomatch:No account lists user 'imap.named.example'"

    # Host only: an account listing the host; never one named after it.
    def test_24_03_host_only(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, host="smtp.work.example")) == "work"
        assert matched(tokens, match(pz, host="imap.isp.example")) == "isp"
        assert match(pz, host="imap.named.example") == \
            "nomatch:No account lists host 'imap.named.example'"

    # Hosts compare case-insensitively and without a :port suffix.
    def test_24_04_host_case_and_port(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        for host in ("IMAP.Work.Example", "imap.work.example:993",
                     "Imap.Work.Example:143"):
            assert matched(tokens, match(pz, host=host)) == "work", host
        assert matched(tokens, match(pz, host="IMAP.ISP.EXAMPLE:993")) == \
            "isp"
        assert matched(tokens, match(pz, user="alice",
                                     host="SMTP.WORK.EXAMPLE:587")) == "work"

    # An account listing host:port serves only that port; IPv6 literals
    # in brackets keep their colons.
    def test_24_05_exact_host_port(self, pz, provider):
        tokens = setup_accounts(pz, {
            "submission": {"hosts": ["mail.example.com:587"]},
            "imaps": {"hosts": ["mail.example.com:993"]},
            "v6": {"hosts": ["[::1]"]},
        })
        assert matched(tokens, match(pz, host="mail.example.com:587")) == \
            "submission"
        assert matched(tokens, match(pz, host="MAIL.example.com:993")) == \
            "imaps"
        assert match(pz, host="mail.example.com:25") == \
            "nomatch:No account lists host 'mail.example.com:25'"
        assert matched(tokens, match(pz, host="[::1]:993")) == "v6"
        assert matched(tokens, match(pz, host="[::1]")) == "v6"

    # Fail closed: a request that names a host is answered only by an
    # account listing that host, whatever the user (a git remote
    # https://work@evil.example/ chooses both).
    def test_24_06_hosts_restrict(self, pz, provider):
        setup_accounts(pz, MAIL)
        for user in ("alice", "work", "alice@home.example", "home",
                     "al@home.example", "imap.named.example"):
            assert match(pz, user=user, host="imap.evil.example") == \
                ("nomatch:No account lists host 'imap.evil.example' for "
                 f"user '{user}'"), user
        assert match(pz, user="home", host="imap.isp.example").startswith(
            "access_token:")
        # An account that lists users serves only them at its hosts.
        assert match(pz, user="bob", host="imap.work.example") == \
            ("nomatch:No account lists host 'imap.work.example' for user "
             "'bob'")
        pz.write_config(accounts={"imap.corp.example": {
            "hosts": ["mail.corp.example"]}})
        assert pz.run("reload").rc == 0
        assert match(pz, host="imap.corp.example") == \
            "nomatch:No account lists host 'imap.corp.example'"
        assert match(pz, host="mail.corp.example").startswith("pending:")

    # User and host together pick between accounts sharing a user.
    def test_24_07_user_and_host_disambiguate(self, pz, provider):
        tokens = setup_accounts(pz, {
            "gmail": {"users": ["bob@example.com"],
                      "hosts": ["imap.gmail.com", "smtp.gmail.com"]},
            "outlook": {"users": ["bob@example.com"],
                        "hosts": ["outlook.office365.com"]},
        })
        assert matched(tokens, match(pz, user="bob@example.com",
                                     host="imap.gmail.com")) == "gmail"
        assert matched(tokens, match(pz, user="bob@example.com",
                                     host="outlook.office365.com:993")) == \
            "outlook"
        assert match(pz, user="bob@example.com") == \
            "ambiguous:Several accounts match; name one of: gmail outlook"

    # No account or several: an error that says so, never a guess.
    def test_24_08_none_or_several(self, pz, provider):
        pz.write_config(accounts={
            "a": {"users": ["shared@example.com"]},
            "b": {"users": ["shared@example.com"]},
            "c": {"hosts": ["imap.example.com"]},
        })
        pz.start()
        assert match(pz, user="nobody@example.com") == \
            "nomatch:No account lists user 'nobody@example.com'"
        assert match(pz, host="nowhere.example.com") == \
            "nomatch:No account lists host 'nowhere.example.com'"
        assert match(pz, user="shared@example.com") == \
            "ambiguous:Several accounts match; name one of: a b"
        assert match(pz, user="shared@example.com",
                     host="imap.example.com").startswith("pending:")
        pz.run("revoke", "c")
        assert pz.status() == ("a: No access token\nb: No access token\n"
                               "c: No access token\n"), \
            "a failed match started an authorisation"

    # The answer is showtoken's: pending:URL (or pending: withouturl)
    # for an account without a token, which starts its authorisation,
    # and then the account's name, so that an adapter can say which.
    def test_24_09_pending_answers(self, pz, provider):
        pz.write_config(accounts={"a": {"users": ["u@example.com"]},
                                  "b": {}})
        pz.start()
        reply = match(pz, user="u@example.com")
        assert reply.startswith("pending:" + provider.url("/authorize") +
                                "?"), reply
        assert reply == "pending:" + pz.pending_url("a") + "\naccount=a"
        assert match(pz, user="u@example.com", url="withouturl") == \
            "pending:\naccount=a"
        # showtoken itself answers as pizauth 1.1.0 does.
        assert pz.ctl(b"showtoken:withurl a").decode() == \
            "pending:" + pz.pending_url("a")
        assert pz.status().splitlines() == [
            "a: Access token pending authentication", "b: No access token"]

    # SECS > 0 waits for the token, like show -w.
    def test_24_10_match_waits(self, pz, provider):
        pz.write_config(accounts={"a": {"hosts": ["imap.example.com"]}})
        pz.start()
        t0 = time.monotonic()
        reply = match(pz, host="imap.example.com", secs=1)
        assert reply.startswith("pending:http"), reply
        assert 0.8 <= time.monotonic() - t0 <= 2.5
        out = []
        th = threading.Thread(target=lambda: out.append(
            match(pz, host="imap.example.com", secs=10)))
        th.start()
        wait_until(lambda: pz.log().count("control: showtoken_match") >= 2,
                   5, "the waiting match request")
        tok = pz.authorise("a")
        th.join(10)
        assert out == ["access_token:" + tok]

    # Unknown keys are ignored; a request naming neither user nor host,
    # an empty value or a bad SECS is malformed.
    def test_24_11_malformed(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, user="alice", extra=[
            "service=imap", "protocol=imaps"])) == "work"
        for req in (b"showtoken_match:withurl 0",
                    b"showtoken_match:withurl 0\nservice=imap",
                    b"showtoken_match:withurl 0\nuser=",
                    b"showtoken_match:withurl 0\nhost=",
                    b"showtoken_match:withurl x\nuser=alice",
                    b"showtoken_match:withurl -1\nuser=alice",
                    b"showtoken_match:withurl\nuser=alice",
                    b"showtoken_match:"):
            reply = pz.ctl(req)
            assert reply.startswith(b"error:Malformed request"), (req, reply)
        assert pz.alive()

    # Matching is by exact user: no prefixes, no case folding of users.
    @pytest.mark.parametrize("user", ["alice@work", "ALICE", "alice ",
                                      "alice@work.example.org"])
    def test_24_12_user_exact(self, pz, provider, user):
        pz.write_config(accounts=MAIL)
        pz.start()
        assert match(pz, user=user) == \
            f"nomatch:No account lists user '{user}'"
