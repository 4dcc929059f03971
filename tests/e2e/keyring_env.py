# SPDX-License-Identifier: MIT
"""A private desktop keyring for test_07_keyring.py.

SessionBus starts, in a temporary directory that HOME and every XDG_*
variable point into (set before anything starts, so nothing of the real
user's is read or written):
  * dbus-daemon with a configuration of its own: a session bus listening on
    a socket in that directory, with no service directories, so nothing is
    ever started by D-Bus activation behind the test's back;
  * gnome-keyring-daemon --foreground --unlock --components=secrets, given
    a test password on stdin: it creates the "login" keyring (the default
    collection) and unlocks it, as PAM does at a desktop login.
Both are children of the test and are killed when it ends. The D-Bus side
of the checks uses secret-tool (libsecret-tools) and gdbus (libglib2.0-bin).

KeyringDaemon is conftest's Daemon with two changes a reboot test needs:
the bus address in its environment (so its hooks, `pizauth-keyring save`
and `restore`, inherit it as they would at a desktop) and a runtime
directory (XDG_RUNTIME_DIR) that a later daemon reuses, as /run/user/UID
is the same after a reboot: the keyring item is keyed by the socket path.
"""

import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

import conftest

PASSWORD = b"e2e-keyring-password"
SCHEMA = "org.pizauth.Dump"
LABEL = "pizauth token state"
SECRETS = "org.freedesktop.secrets"
LOGIN = "/org/freedesktop/secrets/collection/login"
WAIT = 10  # seconds, any single wait here

BUS_CONF = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def require_tools():
    """Fail (never skip) when a program the keyring tests drive is missing."""
    need = {"dbus-daemon": "dbus", "gnome-keyring-daemon": "gnome-keyring",
            "secret-tool": "libsecret-tools", "gdbus": "libglib2.0-bin"}
    missing = sorted({pkg for prog, pkg in need.items() if shutil.which(prog) is None})
    if missing:
        pytest.fail("keyring tests need the Debian packages: " + " ".join(missing),
                    pytrace=False)


class SessionBus:
    """A session bus with an unlocked gnome-keyring, all under root."""

    def __init__(self, root, logs):
        require_tools()
        self.root = Path(root)
        home = self.root / "home"
        xdg = {"XDG_DATA_HOME": home / ".local" / "share",
               "XDG_CONFIG_HOME": home / ".config",
               "XDG_CACHE_HOME": home / ".cache",
               "XDG_RUNTIME_DIR": self.root / "run"}
        for d in [home, *xdg.values()]:
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(xdg["XDG_RUNTIME_DIR"], 0o700)
        self.keyring_file = xdg["XDG_DATA_HOME"] / "keyrings" / "login.keyring"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                    "LANG": "C", **{k: str(v) for k, v in xdg.items()}}
        self.log = self.root / "bus.log"
        logs("dbus and gnome-keyring log", self.log)
        self.bus = self.keyring = None
        conf = self.root / "bus.conf"
        conf.write_text(BUS_CONF.format(socket=escape(str(self.root / "bus"))))
        try:
            self._start_bus(conf)
            self.start_keyring()
        except BaseException:
            self.stop()
            raise

    def _start_bus(self, conf):
        with open(self.log, "ab") as log:
            self.bus = subprocess.Popen(
                ["dbus-daemon", f"--config-file={conf}", "--nofork", "--print-address=1"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        # dbus-daemon prints its address once it listens.
        ready, _, _ = select.select([self.bus.stdout], [], [], WAIT)
        line = self.bus.stdout.readline().decode().strip() if ready else ""
        if not line:
            pytest.fail(f"dbus-daemon printed no address within {WAIT} s (log attached)")
        self.address = line
        self.env["DBUS_SESSION_BUS_ADDRESS"] = line

    def start_keyring(self):
        """gnome-keyring-daemon, login keyring unlocked with PASSWORD."""
        with open(self.log, "ab") as log:
            self.keyring = subprocess.Popen(
                ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                env=self.env, stdin=subprocess.PIPE, stdout=log, stderr=log)
        self.keyring.stdin.write(PASSWORD)
        self.keyring.stdin.close()
        deadline = time.monotonic() + WAIT
        while not (self._owned() and self.locked() is False):
            if self.keyring.poll() is not None:
                pytest.fail(f"gnome-keyring-daemon exited with status "
                            f"{self.keyring.returncode} (log attached)")
            if time.monotonic() > deadline:
                pytest.fail(f"no unlocked login keyring within {WAIT} s (log attached)")
            time.sleep(0.05)

    def restart_keyring(self):
        """A new gnome-keyring-daemon on the same files: the login keyring
        is unlocked again, as at the next login."""
        conftest.stop_process(self.keyring)
        deadline = time.monotonic() + WAIT
        while self._owned():  # the old one's name must be gone first
            if time.monotonic() > deadline:
                pytest.fail(f"{SECRETS} still owned {WAIT} s after the keyring stopped")
            time.sleep(0.05)
        self.start_keyring()

    def gdbus(self, dest, path, method, *args):
        r = subprocess.run(["gdbus", "call", "--session", "--timeout", str(WAIT),
                            "--dest", dest, "--object-path", path, "--method", method,
                            *args], env=self.env, capture_output=True, text=True,
                           timeout=WAIT + 2, stdin=subprocess.DEVNULL)
        return r

    def _owned(self):
        r = self.gdbus("org.freedesktop.DBus", "/org/freedesktop/DBus",
                       "org.freedesktop.DBus.NameHasOwner", SECRETS)
        return r.returncode == 0 and "true" in r.stdout

    def locked(self):
        """The login collection's Locked property (None: cannot tell)."""
        r = self.gdbus(SECRETS, LOGIN, "org.freedesktop.DBus.Properties.Get",
                       "org.freedesktop.Secret.Collection", "Locked")
        if r.returncode != 0:
            return None
        return "true" in r.stdout

    def login_items(self):
        """Object paths of the items in the login keyring."""
        r = self.gdbus(SECRETS, LOGIN, "org.freedesktop.DBus.Properties.Get",
                       "org.freedesktop.Secret.Collection", "Items")
        assert r.returncode == 0, f"reading the login keyring's items: {r.stderr}"
        return re.findall(r"'(/[^']+)'", r.stdout)

    def lock(self):
        """Locks the login keyring as a screen locker would (no prompt)."""
        r = self.gdbus(SECRETS, "/org/freedesktop/secrets",
                       "org.freedesktop.Secret.Service.Lock", f"['{LOGIN}']")
        assert r.returncode == 0, f"Service.Lock failed: {r.stderr}"
        assert self.locked() is True, "the login keyring is not locked after Lock"

    def secret_tool(self, *args):
        """secret-tool ARGS; CompletedProcess with bytes output."""
        return subprocess.run(["secret-tool", *args], env=self.env, capture_output=True,
                              timeout=WAIT, stdin=subprocess.DEVNULL)

    def lookup(self, attrs):
        """The secret stored under attrs (a dict), or None."""
        r = self.secret_tool("lookup", *self._pairs(attrs))
        return r.stdout if r.returncode == 0 else None

    def search(self, attrs):
        """secret-tool search --all: its text (items found, locked ones too)."""
        r = self.secret_tool("search", "--all", *self._pairs(attrs))
        return (r.stdout + r.stderr).decode(errors="replace")

    @staticmethod
    def _pairs(attrs):
        return [x for kv in attrs.items() for x in kv]

    def stop(self):
        for p in (self.keyring, self.bus):
            if p is not None:
                conftest.stop_process(p)
        if self.bus is not None and self.bus.stdout is not None:
            self.bus.stdout.close()


class KeyringDaemon(conftest.Daemon):
    """conftest's Daemon with the bus address in its environment and the
    runtime directory `runtime` (created, reused, removed by stop())."""

    def __init__(self, workdir, logs, provider, bus, runtime, **conf):
        self._bus_env = {"DBUS_SESSION_BUS_ADDRESS": bus.address}
        self._fixed_runtime = Path(runtime)
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(workdir, logs, provider, **conf)

    # Daemon.__init__ assigns both before it starts the server; these
    # setters put ours in their place.
    @property
    def runtime(self):
        return self._runtime

    @runtime.setter
    def runtime(self, made):
        os.rmdir(made)  # Daemon's own fresh directory: unused
        self._fixed_runtime.mkdir(mode=0o700, exist_ok=True)
        self._runtime = self._fixed_runtime

    @property
    def env(self):
        return self._env

    @env.setter
    def env(self, value):
        self._env = {**value, **self._bus_env}

    def keyring(self, *args, env=None, timeout=conftest.CMD_TIMEOUT + 5):
        """Runs `pizauth-keyring ARGS` with this daemon's environment (or
        env); returns CompletedProcess (text) and logs it with the commands."""
        prog = conftest.pizauth_bin() / "pizauth-keyring"
        t0 = time.monotonic()
        r = subprocess.run([str(prog), *args], env=env or self.env, capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        r.seconds = time.monotonic() - t0
        with open(self.cmdlog, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} $ pizauth-keyring {' '.join(args)}  "
                    f"[exit {r.returncode}, {r.seconds:.2f} s]\n")
            if r.stderr:
                f.write(f"  stderr: {r.stderr.rstrip()}\n")
        return r
