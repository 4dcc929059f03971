# SPDX-License-Identifier: MIT
# Postfix's smtp(8), the Cyrus SASL client most XOAUTH2 users run, relaying
# through a real server (mail.py's dovecot, checking tokens at the test's
# oidc-provider) with our plugin, which asks the pizauth server running as
# the postfix user through a socket under the queue directory (postfix.py).
# smtp(8) runs chrooted there, as Debian ships it. No mail is ever bounced:
# when pizauth has no token, or no server answers, Postfix defers the mail
# (4.7.0) and keeps it; a token the server refuses is soft-bounced (4.7.8);
# `postqueue -f` delivers the mail once pizauth has a good token.

import os
import time

import pytest

from conftest import ACCOUNT, CLIENT_ID, CLIENT_SECRET, PENDING_RE
from mail import USER, dovecot, sink  # noqa: F401
from postfix import CHROOT_SOCKET, postfix, postfix_daemon  # noqa: F401

SASL_WARNING = r"postfix/smtp\[\d+\]: warning: SASL authentication failure: (.*)$"
NOT_AUTHORISED = (f"pizauth: account '{ACCOUNT}': Access token unavailable until "
                  "authorised with URL ")
NOT_RUNNING = ("pizauth: pizauth authenticator not running or not responding "
               f"(no server at {CHROOT_SOCKET}, from PIZAUTH_SOCKET): "
               "start the pizauth server")
# What Postfix says of a mail the plugin could not authenticate (libsasl2's
# words for SASL_TRYAGAIN and SASL_FAIL), and of a token the server refused.
CANNOT = "SASL authentication failed; cannot authenticate to server 127.0.0.1[127.0.0.1]: "
REFUSED = ("SASL authentication failed; server 127.0.0.1[127.0.0.1] said: "
           "535 5.7.8 Authentication failed.")


@pytest.fixture
def daemon(postfix_daemon):
    """conftest's daemon, for its authorise fixture: here the server Postfix asks."""
    return postfix_daemon


def logins(dovecot, mech):
    """How many submission logins with mech dovecot logged."""
    return sum(1 for line in dovecot.log_text().splitlines()
               if "submission-login:" in line and
               f"Login: user=<{USER}>, method={mech}," in line)


def wait_logins(dovecot, mech, count, timeout=5):
    deadline = time.monotonic() + timeout
    while logins(dovecot, mech) < count:
        assert time.monotonic() < deadline, \
            f"dovecot logged {logins(dovecot, mech)} {mech} submission login(s), not {count}"
        time.sleep(0.05)


def arrived(sink, subject, count):
    """Waits for the sink's count-th message and checks it is this mail."""
    _, rcpts, data = sink.wait_message(count)
    assert f"Subject: {subject}\r\n".encode() in data, data[:500]
    assert rcpts == ["<rcpt@example.net>"], rcpts
    return data


def sent(postfix, qid, after=0):
    """Mail qid went to the relay (2.0.0) and left the queue."""
    m = postfix.wait_status(qid, "sent", after=after)
    assert m.group("dsn") == "2.0.0", m.group(0)
    assert m.group("relay").startswith("127.0.0.1[127.0.0.1]:"), m.group(0)
    assert not postfix.queued(qid), postfix.queue_listing()
    return m


def deferred(postfix, qid, dsn, reason, after=0):
    """Mail qid was deferred with dsn and reason, and is still queued."""
    m = postfix.wait_status(qid, "deferred", after=after)
    assert (m.group("dsn"), m.group("reason")) == (dsn, reason), m.group(0)
    assert postfix.queued(qid), f"deferred mail {qid} not in the queue:\n" \
        + postfix.queue_listing()
    return m


def sasl_warning(postfix, after=0):
    """What smtp(8) logged for libsasl2 (the plugin's sasl_seterror text)."""
    return postfix.wait_log(SASL_WARNING, after=after).group(1)


# A mail relayed with XOAUTH2, another with OAUTHBEARER: by the chrooted
# smtp(8), with the plugin's token, checked by dovecot at the provider.
@pytest.mark.parametrize("postfix", ["xoauth2", "oauthbearer"], indirect=True)
def test_08_01_relay_with_token(postfix, daemon, authorise, provider, dovecot, sink):
    mech = postfix.mechanism.upper()
    assert postfix.postconf("-h", "smtp_sasl_mechanism_filter").strip() == postfix.mechanism
    # As Debian ships it: smtp(8) chrooted; and nothing listens for mail.
    services = [line.split() for line in postfix.postconf("-M").splitlines()]
    assert ["smtp", "unix", "-", "-", "y", "-", "-", "smtp"] in services, services
    assert not [s for s in services if s[1] in ("inet", "pass")], services
    authorise()
    introspected = provider.stats()["introspections"]
    subject = f"relayed-{postfix.mechanism}"
    qid = postfix.send(subject)
    m = sent(postfix, qid)
    arrived(sink, subject, 1)
    wait_logins(dovecot, mech, 1)
    assert logins(dovecot, "XOAUTH2" if mech == "OAUTHBEARER" else "OAUTHBEARER") == 0
    # dovecot checked the token at the provider, as pizauth's client.
    assert provider.stats()["introspections"] > introspected
    # The smtp(8) that delivered it (idle now, for reuse) is in the chroot.
    assert m.group("agent") == "smtp", m.group(0)
    assert postfix.chroot_of(m.group("pid")) == os.path.realpath(postfix.queue)
    assert "SASL authentication failure" not in postfix.log_text()
    postfix.assert_clean()


# No token yet: Postfix defers the mail (4.7.0), keeps it, and logs which
# account to authorise and where; once authorised, `postqueue -f` delivers it.
def test_08_02_not_authorised_defers(postfix, daemon, authorise, dovecot, sink):
    qid = postfix.send("before-authorising")
    deferred(postfix, qid, "4.7.0", CANNOT + "transient failure (e.g., weak key)")
    warn = sasl_warning(postfix)
    assert warn.startswith(NOT_AUTHORISED), warn
    url = PENDING_RE.search(warn).group(1)
    assert url == daemon.pending_url(), "the URL in Postfix's log is not pizauth's"
    assert logins(dovecot, "XOAUTH2") == 0 and sink.messages == []

    offset = postfix.log_offset()
    authorise(url)
    postfix.flush()
    sent(postfix, qid, after=offset)
    arrived(sink, "before-authorising", 1)
    wait_logins(dovecot, "XOAUTH2", 1)
    postfix.assert_clean()


# No pizauth server: the mail is deferred (4.7.0) and kept, the log says the
# server is not running; once it runs and is authorised, `postqueue -f`
# delivers it.
def test_08_03_server_not_running(postfix, daemon, authorise, dovecot, sink):
    daemon.stop()
    qid = postfix.send("server-stopped")
    deferred(postfix, qid, "4.7.0", CANNOT + "generic failure")
    assert sasl_warning(postfix) == NOT_RUNNING
    assert logins(dovecot, "XOAUTH2") == 0 and sink.messages == []

    daemon.start()
    offset = postfix.log_offset()
    authorise()
    postfix.flush()
    sent(postfix, qid, after=offset)
    arrived(sink, "server-stopped", 1)
    postfix.assert_clean()


# The provider revokes the access token: the server refuses it (535), Postfix
# soft-bounces the mail (4.7.8) and keeps it; once pizauth has refreshed,
# the queued mail and the next go through, with no Postfix reload.
def test_08_04_refresh_without_reload(postfix, daemon, authorise, provider, dovecot, sink):
    token = authorise()
    qid = postfix.send("first")
    sent(postfix, qid)
    arrived(sink, "first", 1)

    status, body = provider.post_form("/token/revocation", {
        "token": token, "token_type_hint": "access_token",
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert status == 200, f"revocation answered {status}: {body}"
    assert provider.introspect(token).get("active") is False
    offset = postfix.log_offset()
    qid = postfix.send("refused")
    deferred(postfix, qid, "4.7.8", REFUSED, after=offset)
    assert sasl_warning(postfix, after=offset).startswith(
        "pizauth: the server refused the token (status 401"), postfix.log_text()[offset:]
    assert daemon.run("show", ACCOUNT).stdout.strip() == token, \
        "pizauth refreshed on its own: too slow a run for this test"

    r = daemon.run("refresh", ACCOUNT)
    assert r.returncode == 0, r
    new = daemon.wait_token(other_than=token)
    provider.assert_active(new)
    offset = postfix.log_offset()
    postfix.flush()
    sent(postfix, qid, after=offset)
    arrived(sink, "refused", 2)
    qid = postfix.send("next")
    sent(postfix, qid, after=offset)
    arrived(sink, "next", 3)
    assert logins(dovecot, "XOAUTH2") == 3
    # The same master throughout, never reloaded.
    assert int((postfix.queue / "pid" / "master.pid").read_text()) == postfix.master_pid
    assert "reload" not in postfix.log_text()
    postfix.assert_clean()
