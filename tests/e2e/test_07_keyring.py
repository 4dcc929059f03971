# SPDX-License-Identifier: MIT
# pizauth-keyring against a real gnome-keyring on a private session bus:
# tokens survive a daemon restart without authorising again, by hand and by
# the two documented hook lines; failures (locked keyring, no daemon, no
# bus, a keyring that does not answer) are loud and leave the item alone.

import os
import pwd
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

import conftest
from keyring_env import LABEL, SCHEMA, KeyringDaemon, SessionBus

KEYRING = conftest.pizauth_bin() / "pizauth-keyring"


@pytest.fixture
def bus(tmp_path, logs):
    b = SessionBus(tmp_path / "kr", logs)
    yield b
    b.stop()


@pytest.fixture
def provider(tmp_path, logs):
    """Access tokens that outlive the test: a restored token is the same token."""
    p = conftest.Provider(tmp_path, logs, access_ttl=600)
    yield p
    p.stop()


@pytest.fixture
def runtime():
    """XDG_RUNTIME_DIR shared by the test's daemons, as /run/user/UID across a reboot."""
    d = Path(tempfile.mkdtemp(prefix="pz-e2e-kr-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def start(tmp_path, logs, provider, bus, runtime):
    """start(name, **pizauth_conf) -> a KeyringDaemon; all are stopped at the end."""
    daemons = []

    def make(name, **conf):
        d = KeyringDaemon(tmp_path / name, logs, provider, bus, runtime, **conf)
        daemons.append(d)
        return d

    yield make
    for d in reversed(daemons):  # the last one runs; stop() removes the runtime dir
        d.stop()


@pytest.fixture
def attrs(runtime):
    """The item's attributes as pizauth-keyring sets them."""
    return {"xdg:schema": SCHEMA, "user": pwd.getpwuid(os.getuid()).pw_name,
            "socket": str(runtime / "pizauth" / "pizauth.sock")}


def authorise(daemon, browser, provider):
    """show -> URL -> browser -> the daemon holds a token the provider accepts."""
    status, body, _ = browser.authorise(daemon.pending_url())
    assert status == 200 and conftest.SUCCESS_BODY in body, (status, body)
    token = daemon.wait_token()
    provider.assert_active(token)
    return token


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}, stderr {r.stderr!r}"
    return r


def fails(r, status, *words):
    """r exited with status, saying all words on one line of stderr."""
    assert r.returncode == status, f"exit {r.returncode} (want {status}), stderr {r.stderr!r}"
    assert r.stdout == "", r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pizauth-keyring: "), r.stderr
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"


def wait_for(what, cond, timeout=10):
    deadline = time.monotonic() + timeout
    while not (v := cond()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)
    return v


# save, stop, start again, restore: the same token, no authorisation; the
# keyring holds one labelled item whose secret is not the token in clear.
def test_07_01_save_and_restore_by_hand(start, bus, provider, browser, attrs):
    d1 = start("d1")
    token = authorise(d1, browser, provider)
    r = ok(d1.keyring("save"))
    assert r.stderr == "", r.stderr
    secret = bus.lookup(attrs)
    assert secret, "secret-tool lookup finds no item"
    assert token.encode() not in secret and b"access_token" not in secret, \
        "the stored secret holds the token in clear"
    found = bus.search(attrs)
    assert f"label = {LABEL}" in found and found.count("label =") == 1, found
    items = bus.login_items()
    assert len(items) == 1, f"not one item in the default (login) keyring: {items}"
    ok(d1.keyring("save"))  # replaces, never adds
    assert bus.login_items() == items
    assert bus.lookup(attrs) != secret, "a new dump was not stored"
    d1.stop()

    d2 = start("d2")
    r = ok(d2.keyring("restore"))
    assert r.stderr == "", r.stderr
    show = d2.run("show", conftest.ACCOUNT)
    assert show.returncode == 0 and show.stdout.strip() == token, show
    assert provider.token_stat("authorization_code")["success"] == 1


# The two documented lines of pizauth.conf do the same with no one calling
# pizauth-keyring: the hooks inherit the daemon's session bus.
def test_07_02_hooks_save_and_restore(start, bus, provider, browser, attrs):
    hooks = (f'token_event_cmd = "{KEYRING} save";\n'
             f'startup_cmd = "{KEYRING} restore";\n')
    d1 = start("d1", global_extra=hooks)
    token = authorise(d1, browser, provider)
    wait_for("token_event_cmd storing the dump", lambda: bus.lookup(attrs))
    d1.stop()

    d2 = start("d2", global_extra=hooks)
    assert d2.wait_token(timeout=10) == token
    assert provider.token_stat("authorization_code")["success"] == 1
    log = d2.log.read_text()
    assert "token restored" in log, "restore did not go through the daemon"


# A locked keyring: save, restore and clear say "locked", exit 4, and the
# stored item is untouched; locked is never mistaken for "nothing stored".
def test_07_03_locked_keyring(start, bus, provider, browser, attrs):
    d1 = start("d1")
    bus.lock()
    fails(d1.keyring("restore"), 4, "locked")  # nothing stored, but who can tell
    bus.restart_keyring()

    authorise(d1, browser, provider)
    ok(d1.keyring("save"))
    before = bus.lookup(attrs)
    file_before = bus.keyring_file.read_bytes()
    bus.lock()
    for verb in ("save", "restore", "clear"):
        fails(d1.keyring(verb), 4, "locked")
    assert bus.keyring_file.read_bytes() == file_before, "the keyring file changed"
    bus.restart_keyring()  # unlocked again with the password
    assert bus.lookup(attrs) == before, "the stored dump changed while locked"


# clear deletes the item; clear and restore with nothing stored exit 0 with
# a note; save with no daemon running fails and leaves the item alone.
def test_07_04_clear_and_absent(start, bus, attrs):
    d1 = start("d1")
    ok(d1.keyring("save"))  # a dump with no tokens is still a dump
    assert bus.lookup(attrs)
    r = ok(d1.keyring("clear"))
    assert r.stderr == "", r.stderr
    assert bus.lookup(attrs) is None and "[/" not in bus.search(attrs)
    r = ok(d1.keyring("clear"))
    assert "no dump stored" in r.stderr, r.stderr
    r = ok(d1.keyring("restore"))
    assert "nothing to restore" in r.stderr, r.stderr
    assert d1.run("show", conftest.ACCOUNT).returncode == 1  # still no token

    ok(d1.keyring("save"))
    before = bus.lookup(attrs)
    d1.stop()
    fails(d1.keyring("save"), 2, "not running")
    fails(d1.keyring("restore"), 2, "not running")
    assert bus.lookup(attrs) == before, "save without a daemon changed the item"
    r = d1.keyring("frobnicate")
    assert r.returncode == 1 and r.stderr.startswith("usage: pizauth-keyring"), r


# No session bus, a bad bus address, no Secret Service on the bus: a clear
# one-line reason, exit 3, at once.
def test_07_05_no_bus_fails_fast(start, bus, attrs):
    d1 = start("d1")
    no_bus = {k: v for k, v in d1.env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    for verb in ("save", "restore", "clear"):
        r = d1.keyring(verb, env=no_bus)
        fails(r, 3, "no D-Bus session bus", "DBUS_SESSION_BUS_ADDRESS")
        assert r.seconds < 2, f"{verb} took {r.seconds:.1f} s"
    bad = {**no_bus, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={bus.root}/no-such-bus"}
    r = d1.keyring("clear", env=bad)
    fails(r, 3, "cannot connect to the D-Bus session bus")
    assert r.seconds < 2, f"took {r.seconds:.1f} s"

    conftest.stop_process(bus.keyring)
    r = d1.keyring("clear")
    fails(r, 3, "no Secret Service")
    assert r.seconds < 2, f"took {r.seconds:.1f} s"


# A keyring daemon that does not answer: pizauth-keyring gives up after
# about 10 s with the reason, never hangs its caller (a hook is killed at 10 s).
def test_07_06_unresponsive_keyring_times_out(start, bus, attrs):
    d1 = start("d1")
    ok(d1.keyring("save"))
    before = bus.lookup(attrs)
    os.kill(bus.keyring.pid, signal.SIGSTOP)
    try:
        r = d1.keyring("save", timeout=20)
    finally:
        os.kill(bus.keyring.pid, signal.SIGCONT)
    fails(r, 3, "no answer from the Secret Service within 10 seconds")
    assert 9 < r.seconds < 12, f"took {r.seconds:.1f} s"
    assert bus.lookup(attrs) == before
