# SPDX-License-Identifier: MIT
# pizauth-passwordeval against a real dovecot (mail.py) that checks tokens
# at the test's oidc-provider: msmtp sends with XOAUTH2 and OAUTHBEARER,
# -w waits for the user, -f prints ready SASL responses, exit statuses.
# (mbsync's PassCmd needs a SASL XOAUTH2 plugin: it is tested with ours in
# test_04_sasl.py.)

import base64
import imaplib
import socket
import subprocess
import time

import pytest

from conftest import PENDING_RE, pizauth_bin
from mail import MAIL_TIMEOUT, MSMTP, USER, Clients, dovecot, require, sink  # noqa: F401

USERS = f'    users = ["{USER}"];\n    hosts = ["127.0.0.1"];\n'
WITH_USERS = pytest.mark.pizauth_conf(account_extra=USERS)
PWEVAL = "pizauth-passwordeval"

MSMTPRC = """\
defaults
logfile {workdir}/msmtp.log
timeout 10

account mail
host 127.0.0.1
port {port}
tls off
auth {auth}
user {user}
from {user}@mail.test
passwordeval "{passwordeval}"
"""


def pweval(daemon, *args, timeout=MAIL_TIMEOUT):
    return Clients(daemon).run([pizauth_bin() / PWEVAL, *args], timeout=timeout)


def msmtp_send(daemon, dovecot, tmp_path, auth, passwordeval, subject):
    """Sends one mail with msmtp through dovecot's submission service."""
    require(MSMTP)
    rc = tmp_path / "msmtprc"
    rc.write_text(MSMTPRC.format(workdir=tmp_path, port=dovecot.submission_port,
                                 auth=auth, user=USER, passwordeval=passwordeval))
    rc.chmod(0o600)
    msg = (f"From: {USER}@mail.test\nTo: rcpt@example.com\nSubject: {subject}\n\n"
           f"sent by msmtp with {auth}\n")
    return Clients(daemon).run([MSMTP, "-C", rc, "-a", "mail", "rcpt@example.com"],
                               input=msg)


def imap_sasl_ir(dovecot, mech, response):
    """AUTHENTICATE with an initial response (RFC 4959); returns the tagged reply."""
    with socket.create_connection(("127.0.0.1", dovecot.imap_port), timeout=10) as s:
        f = s.makefile("rb")
        assert f.readline().startswith(b"* OK"), "no IMAP greeting"
        s.sendall(f"a AUTHENTICATE {mech} {response}\r\n".encode())
        while True:
            line = f.readline().decode().rstrip("\r\n")
            if line.startswith("+"):  # a challenge: the login failed, say so
                s.sendall(b"\r\n" if mech == "XOAUTH2" else b"AQ==\r\n")
                continue
            if not line.startswith("*"):
                return line


# The harness itself: dovecot takes the token pizauth holds, by introspection.
@WITH_USERS
def test_06_00_dovecot_accepts_pizauth_token(daemon, authorise, dovecot):
    token = authorise()
    imap = imaplib.IMAP4("127.0.0.1", dovecot.imap_port, timeout=10)
    try:
        imap.authenticate("XOAUTH2", lambda _: f"user={USER}\1auth=Bearer {token}\1\1".encode())
        typ, data = imap.select("INBOX")
        assert typ == "OK", data
    finally:
        imap.logout()
    # Another user's name with this token is refused.
    imap = imaplib.IMAP4("127.0.0.1", dovecot.imap_port, timeout=10)
    with pytest.raises(imaplib.IMAP4.error):
        imap.authenticate("XOAUTH2", lambda _: f"user=other\1auth=Bearer {token}\1\1".encode())
    dovecot.wait_log("Username 'other' did not match")


# msmtp with `auth xoauth2` and passwordeval naming the account sends a mail that arrives.
@WITH_USERS
def test_06_01_msmtp_xoauth2(daemon, authorise, dovecot, sink, tmp_path):
    authorise()
    r = msmtp_send(daemon, dovecot, tmp_path, "xoauth2", f"{PWEVAL} e2e", "via-xoauth2")
    assert r.returncode == 0, f"msmtp: exit {r.returncode}: {r.stderr}"
    mail_from, rcpts, data = sink.wait_message()
    assert b"Subject: via-xoauth2" in data, data
    assert rcpts == ["<rcpt@example.com>"], rcpts
    dovecot.wait_log(f"Login: user=<{USER}>, method=XOAUTH2")


# msmtp with `auth oauthbearer`, the account found by user and host, sends a mail that arrives.
@WITH_USERS
def test_06_02_msmtp_oauthbearer_by_user(daemon, authorise, dovecot, sink, tmp_path):
    authorise()
    r = msmtp_send(daemon, dovecot, tmp_path, "oauthbearer",
                   f"{PWEVAL} -u {USER} -H 127.0.0.1 -p {dovecot.submission_port}",
                   "via-oauthbearer")
    assert r.returncode == 0, f"msmtp: exit {r.returncode}: {r.stderr}"
    _, _, data = sink.wait_message()
    assert b"Subject: via-oauthbearer" in data, data
    dovecot.wait_log(f"Login: user=<{USER}>, method=OAUTHBEARER")


# -w: the helper waits while the user authorises, then prints the token at once.
def test_06_03_wait_succeeds_when_authorised(daemon, browser, provider):
    env = Clients(daemon).env
    proc = subprocess.Popen([str(pizauth_bin() / PWEVAL), "-w", "20", "e2e"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = daemon.wait_pending()  # the helper started the authorisation
        time.sleep(0.5)
        assert proc.poll() is None, f"the helper did not wait: {proc.communicate()}"
        status, body, _ = browser.authorise(url)
        assert status == 200, body
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=10)
        waited = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, f"exit {proc.returncode}: {err}"
    assert err == "", err
    token = out.rstrip("\n")
    assert out == token + "\n" and token, repr(out)
    assert waited < 3, f"answered {waited:.1f} s after the authorisation"
    provider.assert_active(token)
    assert daemon.run("show", "e2e").stdout.strip() == token


# -w: when the user does not act in time, the helper fails with the URL (status 75).
def test_06_04_wait_fails_with_url(daemon):
    t0 = time.monotonic()
    r = pweval(daemon, "-w", "2", "e2e")
    took = time.monotonic() - t0
    assert r.returncode == 75, f"exit {r.returncode}: {r.stderr}"
    assert r.stdout == ""
    assert 2 <= took < 6, f"took {took:.1f} s"
    m = PENDING_RE.search(r.stderr)
    assert m and r.stderr.startswith(f"{PWEVAL}: "), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert m.group(1) == daemon.pending_url()


# -f xoauth2 / oauthbearer print the exact SASL responses, and dovecot takes them as they are.
@WITH_USERS
def test_06_05_formats(daemon, authorise, dovecot):
    token = authorise()
    r = pweval(daemon, "-f", "xoauth2", "-u", USER, "e2e")
    assert r.returncode == 0, r.stderr
    assert base64.b64decode(r.stdout.strip(), validate=True) == \
        f"user={USER}\x01auth=Bearer {token}\x01\x01".encode()
    assert imap_sasl_ir(dovecot, "XOAUTH2", r.stdout.strip()).startswith("a OK"), \
        dovecot.log_text()

    r = pweval(daemon, "-f", "oauthbearer", "-u", USER, "-H", "127.0.0.1",
               "-p", str(dovecot.imap_port))
    assert r.returncode == 0, r.stderr
    assert base64.b64decode(r.stdout.strip(), validate=True) == (
        f"n,a={USER},\x01host=127.0.0.1\x01port={dovecot.imap_port}\x01"
        f"auth=Bearer {token}\x01\x01").encode()
    assert imap_sasl_ir(dovecot, "OAUTHBEARER", r.stdout.strip()).startswith("a OK"), \
        dovecot.log_text()

    assert pweval(daemon, "e2e").stdout == token + "\n"


# Each failure has its own exit status and a one-line reason on stderr.
@WITH_USERS
def test_06_06_exit_statuses(daemon, tmp_path):
    def check(args, status, words, env=None):
        r = Clients(daemon, env).run([pizauth_bin() / PWEVAL, *args])
        assert r.returncode == status, f"{args}: exit {r.returncode}: {r.stderr}"
        assert r.stdout == "", f"{args}: printed {r.stdout!r}"
        assert words in r.stderr, f"{args}: {r.stderr!r}"
        return r

    check(["e2e"], 75, "Access token unavailable until authorised with URL http")
    check(["-u", USER], 75, "Access token unavailable until authorised with URL http")
    check(["nosuch"], 67, "No account 'nosuch'")
    check(["-u", "someone-else"], 67, "No account lists user 'someone-else'")
    # The account's name is no user, and a host it does not list gets
    # nothing, whoever the user.
    check(["-u", "e2e"], 67, "No account lists user 'e2e'")
    check(["-u", USER, "-H", "evil.example"], 67,
          f"No account lists host 'evil.example' for user '{USER}'")
    check(["-u", "e2e", "-H", "evil.example"], 67,
          "No account lists host 'evil.example' for user 'e2e'")
    check(["-H", "evil.example"], 67, "No account lists host 'evil.example'")
    check([], 64, "usage:")
    check(["-w", "x", "e2e"], 64, "usage:")
    check(["-f", "xoauth2", "e2e"], 64, "-f xoauth2 needs the user (-u)")
    check(["a", "b"], 64, "usage:")
    empty = tmp_path / "no-daemon"
    empty.mkdir(mode=0o700)
    check(["e2e"], 69, "pizauth authenticator not running or not responding",
          env={"XDG_RUNTIME_DIR": str(empty)})
