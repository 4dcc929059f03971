# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The server under a service manager (systemd's Type=notify): what it
says on $NOTIFY_SOCKET, and when; and the user unit that `make install`
puts in place, checked with systemd-analyze."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from harness import BIN, REPO, wait_until


class Manager:
    """A service manager's notification socket: a datagram socket at a
    path or in the abstract namespace, recording what arrives."""

    def __init__(self, pz, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"pizauth-test-{pz.id}"
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            path = str(pz.dir / "notify")
            self.sock.bind(path)
            self.env = path
        self.sock.settimeout(0.1)
        self.got = []

    def messages(self):
        while True:
            try:
                self.got.append(self.sock.recv(4096).decode())
            except socket.timeout:
                return self.got

    def wait(self, n, timeout=10):
        return wait_until(lambda: (lambda m: m if len(m) >= n else None)(
            self.messages()), timeout, f"{n} notification(s)")

    def close(self):
        self.sock.close()


class TestNotify:
    # READY=1 once the control socket answers; RELOADING=1 then READY=1
    # around a reload; STOPPING=1 on shutdown.  Abstract and path sockets.
    @pytest.mark.parametrize("abstract", [False, True],
                             ids=["path", "abstract"])
    def test_28_01_ready_reload_stopping(self, pz, abstract):
        m = Manager(pz, abstract)
        try:
            pz.write_config()
            pz.start(env=pz.env(NOTIFY_SOCKET=m.env))
            [ready] = m.wait(1)
            assert ready == "READY=1", m.got
            assert pz.run("status").rc == 0
            assert pz.run("reload").rc == 0
            got = m.wait(3)
            lines = got[1].split("\n")
            assert lines[0] == "RELOADING=1", got
            assert lines[1].startswith("MONOTONIC_USEC="), got
            now = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
            assert 0 <= now - int(lines[1].split("=")[1]) < 10e6, got
            assert got[2] == "READY=1", got
            # A failed reload keeps the old config: ready all the same.
            pz.write_config("this is not a config")
            assert pz.run("reload").rc == 1
            got = m.wait(5)
            assert got[3].startswith("RELOADING=1\n") and \
                got[4] == "READY=1", got
            assert pz.run("shutdown").rc == 0
            pz.proc.wait(10)
            assert m.wait(6)[5] == "STOPPING=1", m.got
        finally:
            m.close()

    # With startup_cmd, READY=1 comes once it has finished (and restored
    # what it restores), not before; hooks do not see $NOTIFY_SOCKET.
    def test_28_02_ready_after_startup_cmd(self, pz):
        m = Manager(pz)
        gate = pz.dir / "gate"
        seen = pz.dir / "startup.env"
        cmd = pz.script("startup.sh",
                        f'env > "{seen}"\n'
                        f'while [ ! -e "{gate}" ]; do sleep 0.05; done\n')
        try:
            pz.write_config(startup_cmd=cmd)
            pz.start(env=pz.env(NOTIFY_SOCKET=m.env))
            # The socket answers while startup_cmd runs, but not ready yet.
            assert pz.run("status").rc == 0
            time.sleep(0.5)
            assert m.messages() == [], m.got
            gate.touch()
            assert m.wait(1) == ["READY=1"]
            env = seen.read_text()
            assert "NOTIFY_SOCKET" not in env, env
        finally:
            m.close()

    # Without $NOTIFY_SOCKET nothing is sent and nothing changes; a bad
    # value is logged and ignored.
    def test_28_03_bad_notify_socket(self, pz):
        pz.write_config()
        pz.start(env=pz.env(NOTIFY_SOCKET="not-a-socket"))
        assert pz.run("status").rc == 0
        assert "NOTIFY_SOCKET 'not-a-socket' is not a socket's name" in \
            pz.log()
        assert pz.run("reload").rc == 0


def unit_text(bindir, docdir, unit="user/pizauth.service",
              sysconfdir="/etc"):
    text = (REPO / "lib/systemd" / (unit + ".in")).read_text()
    return text.replace("@BINDIR@", str(bindir)).replace(
        "@DOCDIR@", str(docdir)).replace("@SYSCONFDIR@", str(sysconfdir))


class TestUnit:
    # The unit is 1.1.0's: Type=notify, ExecStart server -d, reload and
    # shutdown through the client, wanted by default.target.
    def test_28_04_unit_as_pizauth_ships_it(self):
        text = unit_text("/usr/bin", "/usr/share/doc/pizauth")
        for line in ("Type=notify", "ExecStart=/usr/bin/pizauth server -d",
                     "ExecReload=/usr/bin/pizauth reload",
                     "ExecStop=/usr/bin/pizauth shutdown",
                     "WantedBy=default.target",
                     "Documentation=man:pizauth(1) man:pizauth.conf(5)"):
            assert line in text.splitlines(), line

    # systemd-analyze verify finds nothing wrong with either unit.
    @pytest.mark.parametrize("name", ["user/pizauth.service",
                                      "system/pizauth-postfix.service"])
    def test_28_05_systemd_analyze_verify(self, tmp_path, name):
        tool = shutil.which("systemd-analyze")
        if tool is None:
            pytest.skip("systemd-analyze is not installed")
        unit = tmp_path / Path(name).name
        unit.write_text(unit_text(BIN, REPO, name))
        r = subprocess.run([tool, "verify", "--man=no", str(unit)],
                           capture_output=True, text=True, timeout=60,
                           env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})
        assert r.returncode == 0, r.stderr
        problems = [l for l in r.stderr.splitlines()
                    if unit.name in l]
        assert problems == [], r.stderr

    # The system unit for Postfix: the server runs as postfix with its
    # socket under the queue directory, made first as root, and its
    # configuration under /etc.
    def test_28_07_postfix_unit(self):
        lines = unit_text("/usr/bin", "/usr/share/doc/pizauth",
                          "system/pizauth-postfix.service").splitlines()
        for line in ("Type=notify", "User=postfix", "Group=postfix",
                     "Environment=PIZAUTH_SOCKET=/var/spool/postfix/"
                     "pizauth/pizauth.sock",
                     "ExecStartPre=+/usr/bin/install -d -o postfix -g "
                     "postfix -m 0700 /var/spool/postfix/pizauth",
                     "ExecStart=/usr/bin/pizauth server -d -c "
                     "/etc/pizauth/postfix.conf",
                     "ExecReload=/usr/bin/pizauth reload",
                     "ExecStop=/usr/bin/pizauth shutdown",
                     "Before=postfix.service",
                     "WantedBy=multi-user.target"):
            assert line in lines, line


def test_28_06_make_install_layout(tmp_path):
    """`make install` lays every file out where pizauth 1.1.0 puts its own
    (unit, completions, example config, man pages) and ours beside them;
    USESYSTEMD=0 leaves the unit out; `make uninstall` removes it all."""
    sasl = subprocess.run(["pkg-config", "--variable=libdir", "libsasl2"],
                          capture_output=True, text=True).stdout.strip()
    want = {
        "usr/bin/pizauth", "usr/bin/pizauthd",
        "usr/bin/git-credential-pizauth", "usr/bin/pizauth-passwordeval",
        "usr/bin/pizauth-keyring",
        sasl.lstrip("/") + "/sasl2/libpizauth.so",
        "usr/lib/systemd/user/pizauth.service",
        "usr/lib/systemd/system/pizauth-postfix.service",
        "usr/share/bash-completion/completions/pizauth",
        "usr/share/bash-completion/completions/pizauth-passwordeval",
        "usr/share/bash-completion/completions/pizauth-keyring",
        "usr/share/zsh/site-functions/_pizauth",
        "usr/share/fish/vendor_completions.d/pizauth.fish",
        "usr/share/fish/vendor_completions.d/pizauth-passwordeval.fish",
        "usr/share/fish/vendor_completions.d/pizauth-keyring.fish",
        "usr/share/examples/pizauth/pizauth.conf",
        "usr/share/doc/pizauth/README.md",
        "usr/share/man/man1/pizauth.1", "usr/share/man/man5/pizauth.conf.5",
        "usr/share/man/man1/git-credential-pizauth.1",
        "usr/share/man/man1/pizauth-passwordeval.1",
        "usr/share/man/man1/pizauth-keyring.1",
        "usr/share/man/man7/pizauth-sasl.7",
    }
    for use in ("1", "0"):
        dest = tmp_path / f"dest{use}"
        args = [f"DESTDIR={dest}", "PREFIX=/usr", f"USESYSTEMD={use}",
                f"BUILD={BIN.parent}"]
        r = subprocess.run(["make", "-s", "install", *args], cwd=REPO,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        got = {str(p.relative_to(dest)) for p in dest.rglob("*")
               if p.is_file()}
        expect = want if use == "1" else \
            want - {"usr/lib/systemd/user/pizauth.service",
                    "usr/lib/systemd/system/pizauth-postfix.service"}
        assert got == expect, (sorted(got - expect), sorted(expect - got))
        if use == "1":
            text = (dest / "usr/lib/systemd/user/pizauth.service").read_text()
            assert "ExecStart=/usr/bin/pizauth server -d" in text, text
            assert "@" not in text, text
            text = (dest / "usr/lib/systemd/system/"
                    "pizauth-postfix.service").read_text()
            assert "ExecStart=/usr/bin/pizauth server -d -c " \
                "/etc/pizauth/postfix.conf" in text, text
            assert "@" not in text, text
        r = subprocess.run(["make", "-s", "uninstall", *args], cwd=REPO,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        left = [p for p in dest.rglob("*") if p.is_file()]
        assert left == [], left
