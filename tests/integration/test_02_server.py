# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth server`: starting, refusing to start, where it puts its socket
and finds its config, daemonising, and stopping."""

import os
import re
import signal
import stat
import subprocess
import time

from harness import BIN, NOT_RUNNING, wait_until


class TestServer:
    # A foreground server creates its socket in a 0700 directory and answers.
    def test_02_01_foreground_start_socket(self, pz):
        pz.write_config()
        pz.start()
        st = os.stat(pz.sock_path)
        assert stat.S_ISSOCK(st.st_mode)
        mode = stat.S_IMODE(os.stat(pz.runtime / "pizauth").st_mode)
        assert mode == 0o700, oct(mode)
        r = pz.run("status")
        assert r.rc == 0, r
        assert r.out == "acct: No access token\n", r

    # `pizauth shutdown` stops the daemon, which removes its socket.
    def test_02_02_shutdown(self, pz):
        pz.write_config()
        pz.start()
        r = pz.run("shutdown")
        assert r.rc == 0, r
        assert r.out == "" and r.err == "", r
        rc = pz.proc.wait(5)
        assert rc == 0, f"daemon exited with {rc}"
        wait_until(lambda: not pz.sock_path.exists(), 5,
                   "the socket to be removed")
        r = pz.run("show", "acct")
        assert r.rc == 1 and NOT_RUNNING in r.err, r

    # A second server on the same socket refuses to start, exit 1.
    def test_02_03_already_running(self, pz):
        pz.write_config()
        pz.start()
        r = pz.run("server", "-c", str(pz.conf_path), "-d", timeout=10)
        assert r.rc == 1, r
        assert "pizauth authenticator already running" in r.err, r
        assert pz.alive()
        assert pz.run("status").rc == 0

    # A bad config stops the server before it starts: the error, exit 1.
    def test_02_04_bad_config_at_start(self, pz, provider):
        text = pz.write_config()
        # A repeated key: the error names where, shows the line, says what.
        bad = text.replace('    client_id = ', '    client_id = "dup";\n'
                           '    client_id = ', 1)
        pz.write_config(bad)
        n = bad.splitlines().index('    client_id = "dup";') + 2
        r = pz.run("server", "-c", str(pz.conf_path), "-d", timeout=10)
        assert r.rc == 1, r
        assert r.err.startswith(f"Line {n}, column "), r
        assert "Mustn't specify 'client_id' more than once" in r.err, r
        assert not pz.sock_path.exists()
        # A syntax error is refused as well and names its line.
        pz.write_config("this is not a config\n")
        r = pz.run("server", "-c", str(pz.conf_path), "-d", timeout=10)
        assert r.rc == 1, r
        assert re.search(r"(?i)line 1,? column", r.err), r
        assert not pz.sock_path.exists()

    # A bad config is also refused when daemonising.
    def test_02_05_bad_config_daemonising(self, pz):
        pz.write_config('account "x" { client_id = "a"; }\n'
                        'account "x" { nonsense }\n')
        r = pz.run("server", "-c", str(pz.conf_path), timeout=10)
        assert r.rc == 1, r
        assert re.search(r"(?i)line 2,? column 15", r.err), r
        assert pz.run("status").rc == 1

    # A config file that does not exist is an error, exit 1.
    def test_02_06_missing_config(self, pz):
        r = pz.run("server", "-c", str(pz.dir / "nope.conf"), "-d",
                   timeout=10)
        assert r.rc == 1, r
        assert r.err.strip(), r
        assert not pz.sock_path.exists()

    # Without -c the config is $XDG_CONFIG_HOME/pizauth.conf.
    def test_02_07_config_from_xdg_config_home(self, pz):
        pz.write_config(accounts={"from-xdg": {}})
        pz.start(conf=False)
        assert pz.status() == "from-xdg: No access token\n"

    # Without -c or XDG_CONFIG_HOME the config is $HOME/.config/pizauth.conf.
    def test_02_08_config_from_home(self, pz):
        (pz.home / ".config").mkdir()
        conf = pz.home / ".config" / "pizauth.conf"
        pz.write_config(accounts={"from-home": {}})
        conf.write_text(pz.conf_path.read_text())
        pz.conf_path.unlink()
        env = pz.env(XDG_CONFIG_HOME=None)
        pz.start(conf=False, env=env)
        r = pz.run("status", env=env)
        assert r.out == "from-home: No access token\n", r

    # Without XDG_RUNTIME_DIR the socket lives in $TMPDIR/runtime-$USER.
    def test_02_09_runtime_dir_fallback(self, pz):
        import pwd
        user = pwd.getpwuid(os.getuid()).pw_name
        env = pz.env(XDG_RUNTIME_DIR=None, USER=user, LOGNAME=user)
        pz.write_config()
        pz.start(env=env, wait=False)
        base = pz.tmp / f"runtime-{user}"
        sock = base / "pizauth" / "pizauth.sock"
        wait_until(lambda: sock.exists() or not pz.alive(), 10,
                   f"{sock} to appear")
        assert pz.alive(), "daemon exited"
        for d in (base, base / "pizauth"):
            mode = stat.S_IMODE(os.stat(d).st_mode)
            assert mode == 0o700, (d, oct(mode))
        r = wait_until(lambda: (lambda r: r if r.rc == 0 else None)(
            pz.run("status", env=env)), 5, "status to answer")
        assert r.out == "acct: No access token\n", r
        r = pz.run("info", env=env)
        assert f"cache directory: {base / 'pizauth'}\n" in r.out, r
        assert not pz.sock_path.exists()
        pz.run("shutdown", env=env)
        pz.proc.wait(5)

    # Without -d the command returns 0 once the daemon is ready.
    def test_02_10_daemonise(self, pz):
        pz.write_config()
        r = pz.run("server", "-c", str(pz.conf_path), timeout=15)
        assert r.rc == 0, r
        # Ready means ready: no polling before the first request.
        assert pz.sock_path.exists(), "socket missing when server returned"
        r = pz.run("status")
        assert r.rc == 0 and r.out == "acct: No access token\n", r
        pids = pz.marked_pids()
        assert pids, "no daemon process found"
        r = pz.run("shutdown")
        assert r.rc == 0, r
        wait_until(lambda: not pz.sock_path.exists(), 5,
                   "the socket to be removed")
        wait_until(lambda: not [p for p in pz.marked_pids() if
                                _state(p) not in ("Z", None)], 5,
                   "the daemon process to exit")
        assert pz.run("status").rc == 1

    # A stale socket from a killed daemon does not stop a new server.
    def test_02_11_stale_socket_restart(self, pz):
        pz.write_config()
        pz.start()
        pz.kill()
        assert pz.sock_path.exists()
        pz.start()
        assert pz.status() == "acct: No access token\n"

    # SIGTERM makes the daemon exit promptly.
    def test_02_12_sigterm_exits(self, pz):
        pz.write_config()
        pz.start()
        pz.proc.send_signal(signal.SIGTERM)
        pz.proc.wait(5)
        assert pz.run("status").rc == 1

    # -v may be given up to four times, separately or together.
    def test_02_13_verbosity_flags(self, pz):
        pz.write_config()
        pz.start("-v", "-v", verbose=2)
        assert pz.status() == "acct: No access token\n"

    # The daemon keeps running when its output is closed (no SIGPIPE death).
    def test_02_14_survives_closed_stdout(self, pz):
        pz.write_config()
        p = subprocess.Popen([str(BIN / "pizauth"), "server", "-c",
                              str(pz.conf_path), "-d", "-vvvv"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=pz.env(), start_new_session=True)
        pz.proc = p
        pz.wait_ready()
        p.stdout.close()
        p.stderr.close()
        # Activity that logs at -vvvv.
        for _ in range(3):
            pz.run("show", "acct")
            pz.run("status")
        time.sleep(0.2)
        assert pz.alive(), "daemon died after its stderr was closed"
        assert pz.run("status").rc == 0


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None
