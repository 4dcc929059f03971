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
    "imap.isp.example": {},
}


class TestMatch:
    # A user in one account's users list picks that account.
    def test_24_01_user_in_users(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, user="alice@work.example")) == "work"
        assert matched(tokens, match(pz, user="alice")) == "work"
        assert matched(tokens, match(pz, user="alice@home.example")) == \
            "home"

    # A user equal to the login_hint auth_uri_field, or to an account's
    # name, picks that account.
    def test_24_02_user_login_hint_or_name(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, user="al@home.example")) == "home"
        assert matched(tokens, match(pz, user="home")) == "home"
        assert matched(tokens, match(pz, user="imap.isp.example")) == \
            "imap.isp.example"

    # Host only: an account listing the host, or named after it.
    def test_24_03_host_only(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert matched(tokens, match(pz, host="smtp.work.example")) == "work"
        assert matched(tokens, match(pz, host="imap.isp.example")) == \
            "imap.isp.example"

    # Hosts compare case-insensitively and without a :port suffix.
    def test_24_04_host_case_and_port(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        for host in ("IMAP.Work.Example", "imap.work.example:993",
                     "Imap.Work.Example:143"):
            assert matched(tokens, match(pz, host=host)) == "work", host
        assert matched(tokens, match(pz, host="IMAP.ISP.EXAMPLE:993")) == \
            "imap.isp.example"
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
            "nomatch:No account matches host 'mail.example.com:25'"
        assert matched(tokens, match(pz, host="[::1]:993")) == "v6"
        assert matched(tokens, match(pz, host="[::1]")) == "v6"

    # An account that lists hosts never matches another host, even when
    # the user matches; one that lists none is not restricted by host.
    def test_24_06_hosts_restrict(self, pz, provider):
        tokens = setup_accounts(pz, MAIL)
        assert match(pz, user="alice", host="imap.evil.example") == \
            "nomatch:No account matches user 'alice' host 'imap.evil.example'"
        assert matched(tokens, match(pz, user="alice@home.example",
                                     host="imap.anything.example")) == "home"
        # Listing hosts also overrides matching the host by name.
        pz.write_config(accounts={"imap.corp.example": {
            "hosts": ["mail.corp.example"]}})
        assert pz.run("reload").rc == 0
        assert match(pz, host="imap.corp.example") == \
            "nomatch:No account matches host 'imap.corp.example'"
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
            "nomatch:No account matches user 'nobody@example.com'"
        assert match(pz, host="nowhere.example.com") == \
            "nomatch:No account matches host 'nowhere.example.com'"
        assert match(pz, user="shared@example.com") == \
            "ambiguous:Several accounts match; name one of: a b"
        assert match(pz, user="shared@example.com",
                     host="imap.example.com") == \
            "ambiguous:Several accounts match; name one of: a b"
        assert pz.status() == ("a: No access token\nb: No access token\n"
                               "c: No access token\n"), \
            "a failed match started an authorisation"

    # The answer is showtoken's: pending:URL (or pending: withouturl)
    # for an account without a token, which starts its authorisation.
    def test_24_09_pending_answers(self, pz, provider):
        pz.write_config(accounts={"a": {"users": ["u@example.com"]},
                                  "b": {}})
        pz.start()
        reply = match(pz, user="u@example.com")
        assert reply.startswith("pending:" + provider.url("/authorize") +
                                "?"), reply
        assert reply == "pending:" + pz.pending_url("a")
        assert match(pz, user="u@example.com", url="withouturl") == \
            "pending:"
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
            f"nomatch:No account matches user '{user}'"
