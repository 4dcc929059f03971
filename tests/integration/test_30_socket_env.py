# SPDX-License-Identifier: Apache-2.0 OR MIT
"""PIZAUTH_SOCKET: one socket path for the server and every client, as a
system service (Postfix under its chroot) needs, with the server's rules
for the socket's directory."""

import os
import subprocess

from harness import BIN, NOT_RUNNING, URL_MSG


def tool(pz, prog, *args, input=None, env=None):
    return subprocess.run([str(BIN / prog), *args], input=input,
                          capture_output=True, env=env or pz.env(),
                          timeout=10)


class TestSocketEnv:
    def setup_env(self, pz):
        """A socket outside $XDG_RUNTIME_DIR, as a spool directory is."""
        sock = pz.dir / "spool" / "pizauth" / "pizauth.sock"
        (pz.dir / "spool").mkdir(mode=0o755)
        pz.extra_env["PIZAUTH_SOCKET"] = str(sock)
        pz.write_config(accounts={"acct": {"users": ["u@example.com"],
                                           "hosts": ["smtp.example.com"]}})
        return sock

    def test_30_01_server_and_clients_use_it(self, pz, provider):
        sock = self.setup_env(pz)
        pz.sock_path = sock
        pz.start()
        # The server made the directory, private, and nothing under
        # $XDG_RUNTIME_DIR.
        assert sock.is_socket()
        assert os.stat(sock.parent).st_mode & 0o777 == 0o700
        assert not (pz.runtime / "pizauth").exists()
        r = pz.run("show", "acct")
        assert r.rc == 1 and URL_MSG in r.err, r
        pz.authorise()
        tok = pz.token()
        assert pz.run("status").out.startswith("acct: Active access token")
        # pizauth-passwordeval, by account and by user and host.
        r = tool(pz, "pizauth-passwordeval", "acct")
        assert r.returncode == 0 and r.stdout.decode().strip() == tok, r
        r = tool(pz, "pizauth-passwordeval", "-u", "u@example.com", "-H",
                 "smtp.example.com")
        assert r.returncode == 0 and r.stdout.decode().strip() == tok, r
        # git-credential-pizauth, by host.
        r = tool(pz, "git-credential-pizauth", "get",
                 input=b"protocol=https\nhost=smtp.example.com\n"
                       b"username=u@example.com\n\n")
        assert r.returncode == 0 and f"password={tok}\n".encode() in \
            r.stdout, r
        # Without it, the clients look under $XDG_RUNTIME_DIR and find
        # no server there.
        env = pz.env(PIZAUTH_SOCKET=None)
        env.pop("PIZAUTH_SOCKET", None)
        r = pz.run("show", "acct", env=env)
        assert r.rc == 1 and NOT_RUNNING in r.err, r
        assert pz.run("shutdown").rc == 0

    def test_30_02_bad_values_refused(self, pz, provider):
        self.setup_env(pz)
        cases = {
            "pizauth.sock": "PIZAUTH_SOCKET must be an absolute path, not "
                            "pizauth.sock",
            "/" + "a" * 107: "PIZAUTH_SOCKET is too long for a socket "
                             "(108 bytes, at most 107): /" + "a" * 107,
        }
        for value, msg in cases.items():
            env = pz.env(PIZAUTH_SOCKET=value)
            r = pz.run("show", "acct", env=env)
            assert r.rc == 1 and r.err.strip() == "ERROR - " + msg, r
            r = pz.run("server", "-c", str(pz.conf_path), "-d", env=env)
            assert r.rc != 0 and msg in r.err, r
            r = tool(pz, "pizauth-passwordeval", "acct", env=env)
            assert r.returncode != 0 and msg in r.stderr.decode(), r

    def test_30_03_server_directory_rules(self, pz, provider):
        sock = self.setup_env(pz)
        d = sock.parent
        d.mkdir(mode=0o700)
        d.chmod(0o777)
        r = pz.run("server", "-c", str(pz.conf_path), "-d")
        assert r.rc != 0 and f"{d} is writable by others" in r.err, r
        assert d.stat().st_mode & 0o777 == 0o777, "changed behind the " \
            "user's back"
        # A file where the socket goes is never removed.
        d.chmod(0o700)
        sock.write_text("precious")
        r = pz.run("server", "-c", str(pz.conf_path), "-d")
        assert r.rc != 0 and f"{sock} exists and is not a socket" in \
            r.err, r
        assert sock.read_text() == "precious"
