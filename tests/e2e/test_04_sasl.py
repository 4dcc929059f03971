# SPDX-License-Identifier: MIT
# The Cyrus SASL plugin (XOAUTH2, OAUTHBEARER) in real clients, cyrus
# imtest and mbsync, against a real dovecot (mail.py) that checks tokens at
# the test's oidc-provider. libsasl2 loads our plugin through SASL_PATH; the
# plugin finds the account by the SASL authentication name.

import base64
import json
import re
import time

import pytest

from mail import (IMTEST, MBSYNC, USER, Clients, dovecot, require,  # noqa: F401
                  sasl_env, sink)

# The plugin names the server it was set up for: an account serves it only
# if it lists that host, and the login narrows among those.
USERS = f'    users = ["{USER}"];\n    hosts = ["127.0.0.1"];\n'
USERS_ONLY = f'    users = ["{USER}"];\n'
WITH_USERS = pytest.mark.pizauth_conf(account_extra=USERS)
# The hook keeps what it was given; the rename makes each write whole.
NOTIFY_HOOK = ('auth_notify_cmd = "env | grep ^PIZAUTH_ > {workdir}/notify.tmp'
               ' && mv {workdir}/notify.tmp {workdir}/notify.env";\n')
PROMPT = "Please enter your password"
QUICK = 5  # seconds: a refused client must be done within this

MBSYNCRC = """\
IMAPAccount e2e
Host 127.0.0.1
Port {port}
User {user}
AuthMechs XOAUTH2
SSLType None
{passcmd}

IMAPStore remote
Account e2e

MaildirStore local
Path {dir}/local/
Inbox {dir}/local/INBOX

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Near
Sync Pull
SyncState *
"""


def imtest(daemon, dovecot, mech, authname=USER):
    """imtest authenticating with mech as authname, then logging out; no
    password on its command line, and nothing it could read as one."""
    require(IMTEST)
    env = sasl_env()
    argv = [IMTEST, "-p", dovecot.imap_port, "-m", mech, "-a", authname, "127.0.0.1"]
    t0 = time.monotonic()
    if "LD_PRELOAD" in env:
        # A sanitizer build: with libasan preloaded, imtest deadlocks on its
        # way out (in libp11-kit's destructor, with or without our plugin),
        # so it is stopped once it has said all it will.
        r = Clients(daemon, env).run_until(argv, "Connection closed.",
                                           input="x LOGOUT\r\n")
    else:
        r = Clients(daemon, env).run(argv, input="x LOGOUT\r\n")
    return r, time.monotonic() - t0


def initial_response(out, mech):
    """The decoded initial response imtest sent."""
    m = re.search(rf"^C: A01 AUTHENTICATE {mech} (\S+)", out, re.M)
    assert m, f"imtest sent no initial response:\n{out}"
    return base64.b64decode(m.group(1), validate=True)


def mbsync(daemon, dovecot, tmp_path, passcmd=""):
    """mbsync pulling INBOX into tmp_path/local with AuthMechs XOAUTH2."""
    require(MBSYNC)
    rc = tmp_path / "mbsyncrc"
    rc.write_text(MBSYNCRC.format(port=dovecot.imap_port, user=USER, dir=tmp_path,
                                  passcmd=passcmd))
    (tmp_path / "local").mkdir(exist_ok=True)
    t0 = time.monotonic()
    r = Clients(daemon, sasl_env()).run([MBSYNC, "-c", rc, "inbox"])
    return r, time.monotonic() - t0


def synced(tmp_path, subject):
    """Is a message with this subject in the local INBOX?"""
    return any(f"Subject: {subject}" in p.read_text(errors="replace")
               for p in (tmp_path / "local" / "INBOX").glob("*/*") if p.is_file())


# imtest with XOAUTH2 and OAUTHBEARER logs in with the daemon's token, asking for no password.
@WITH_USERS
def test_04_01_imtest_without_password(daemon, authorise, dovecot):
    token = authorise()
    r, _ = imtest(daemon, dovecot, "XOAUTH2")
    assert "Authenticated." in r.stdout and PROMPT not in r.stdout, r.stdout
    assert initial_response(r.stdout, "XOAUTH2") == \
        f"user={USER}\x01auth=Bearer {token}\x01\x01".encode()
    dovecot.wait_log(f"Login: user=<{USER}>, method=XOAUTH2")

    r, _ = imtest(daemon, dovecot, "OAUTHBEARER")
    assert "Authenticated." in r.stdout and PROMPT not in r.stdout, r.stdout
    assert initial_response(r.stdout, "OAUTHBEARER") == (
        f"n,a={USER},\x01host=127.0.0.1\x01port={dovecot.imap_port}\x01"
        f"auth=Bearer {token}\x01\x01").encode()
    dovecot.wait_log(f"Login: user=<{USER}>, method=OAUTHBEARER")


# mbsync with AuthMechs XOAUTH2 and no PassCmd syncs a mailbox.
@WITH_USERS
def test_04_02_mbsync_without_passcmd(daemon, authorise, dovecot, tmp_path):
    authorise()
    dovecot.deliver("sasl-plugin-sync")
    r, _ = mbsync(daemon, dovecot, tmp_path)
    assert r.returncode == 0, f"mbsync: exit {r.returncode}: {r.stderr}"
    assert synced(tmp_path, "sasl-plugin-sync"), "the message did not arrive"
    dovecot.wait_log(f"Login: user=<{USER}>, method=XOAUTH2")


# No account serves the user: the plugin uses mbsync's PassCmd (pizauth-passwordeval) instead.
def test_04_03_mbsync_passcmd_passwordeval(daemon, authorise, dovecot, tmp_path):
    authorise()
    dovecot.deliver("via-passcmd")
    marker = tmp_path / "passcmd-ran"
    r, _ = mbsync(daemon, dovecot, tmp_path,
                  passcmd=f'PassCmd "touch {marker} && pizauth-passwordeval e2e"')
    assert r.returncode == 0, f"mbsync: exit {r.returncode}: {r.stderr}"
    assert marker.exists(), "mbsync did not run PassCmd"
    assert synced(tmp_path, "via-passcmd"), "the message did not arrive"


# An account that lists the user but not the server's host is not the
# plugin's to use: it steps aside and mbsync's PassCmd supplies the token.
@pytest.mark.pizauth_conf(account_extra=USERS_ONLY)
def test_04_06_users_without_hosts_match_nothing(daemon, authorise, dovecot, tmp_path):
    authorise()
    dovecot.deliver("host-not-listed")
    marker = tmp_path / "passcmd-ran"
    r, _ = mbsync(daemon, dovecot, tmp_path,
                  passcmd=f'PassCmd "touch {marker} && pizauth-passwordeval e2e"')
    assert r.returncode == 0, f"mbsync: exit {r.returncode}: {r.stderr}"
    assert marker.exists(), "the plugin matched an account by user alone"
    assert synced(tmp_path, "host-not-listed"), "the message did not arrive"


# A token the provider revoked is refused; the clients exit promptly with the server's reason.
@WITH_USERS
def test_04_04_revoked_token_refused(daemon, authorise, dovecot, provider, tmp_path):
    token = authorise()
    provider.forget()
    assert provider.introspect(token).get("active") is False
    assert daemon.run("show", "e2e").stdout.strip() == token  # pizauth still has it

    # XOAUTH2 answers an error challenge with nothing, OAUTHBEARER with ^A.
    for mech, answer in (("XOAUTH2", "C: "), ("OAUTHBEARER", "C: AQ==")):
        r, took = imtest(daemon, dovecot, mech)
        assert took < QUICK, f"imtest took {took:.1f} s"
        assert "Authentication failed." in r.stdout, r.stdout
        assert PROMPT not in r.stdout, r.stdout
        m = re.search(r"^S: \+ (\S+)", r.stdout, re.M)
        assert m, f"no error challenge from the server:\n{r.stdout}"
        challenge = json.loads(base64.b64decode(m.group(1)))
        assert challenge.get("status"), challenge
        assert re.search(rf"^{answer}$", r.stdout, re.M), \
            f"the challenge was not answered with {answer!r}:\n{r.stdout}"
        assert "A01 NO" in r.stdout, r.stdout

    r, took = mbsync(daemon, dovecot, tmp_path)
    assert took < QUICK, f"mbsync took {took:.1f} s"
    assert r.returncode == 1, f"mbsync: exit {r.returncode}: {r.stderr}"
    assert "AUTHENTICATIONFAILED" in r.stderr, r.stderr
    dovecot.wait_log("Provided token is not valid")


# An account that has no token yet: the client fails at once with the URL, and the user is notified.
@pytest.mark.pizauth_conf(global_extra=NOTIFY_HOOK, account_extra=USERS)
def test_04_05_no_token_fails_with_url(daemon, dovecot, tmp_path):
    r, took = mbsync(daemon, dovecot, tmp_path)
    assert took < QUICK, f"mbsync took {took:.1f} s"
    assert r.returncode == 1, f"mbsync: exit {r.returncode}: {r.stderr}"
    m = re.search(r"pizauth: account 'e2e': Access token unavailable until "
                  r"authorised with URL (\S+)", r.stderr)
    assert m, r.stderr
    assert m.group(1) == daemon.pending_url()

    deadline = time.monotonic() + 10
    while not (tmp_path / "notify.env").exists():
        assert time.monotonic() < deadline, "auth_notify_cmd did not run"
        time.sleep(0.1)
    env = dict(line.split("=", 1) for line in
               (tmp_path / "notify.env").read_text().splitlines() if "=" in line)
    assert env.get("PIZAUTH_URL") == m.group(1), env

    r, took = imtest(daemon, dovecot, "XOAUTH2")
    assert took < QUICK, f"imtest took {took:.1f} s"
    assert "Authentication failed." in r.stdout and PROMPT not in r.stdout, r.stdout
    assert "AUTHENTICATE" not in r.stdout, "imtest sent something without a token"
