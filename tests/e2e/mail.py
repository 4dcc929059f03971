# SPDX-License-Identifier: MIT
"""A real mail server for the adapters' end-to-end tests.

What runs
  * Dovecot: Debian's dovecot-imapd and dovecot-submissiond, one instance per
    test, started as the user running the tests, or as nobody when that is
    root (dovecot's login processes refuse root): everything in one uid, no
    chroots, dovecot's internal and login users set to that user, with a
    private config, base_dir, state_dir, log file and maildirs in a
    temporary directory, listening on loopback ports only: IMAP and
    submission, without TLS (`ssl = no`, `disable_plaintext_auth = no`).
    It takes only XOAUTH2 and OAUTHBEARER, and an `oauth2` passdb checks
    each token by introspection (RFC 7662) at the test's oidc-provider, as
    pizauth's client: the token must be active and its `sub` must be the
    user name given in the SASL exchange. `auth_failure_delay = 0` and no
    auth penalty, so a refused login answers at once, every time.
  * SmtpSink: a small SMTP server in a thread of the test process; dovecot's
    submission service relays every accepted mail to it, and a test waits
    for it there.

Used as pytest fixtures: `from mail import dovecot, sink` in a test module
(both need conftest's provider; dovecot needs sink). Every wait is bounded,
and a failing test carries dovecot's log and the commands run.

Clients run in the daemon's environment (Clients), with PIZAUTH_BIN first on
PATH and, for SASL clients, SASL_PATH pointing at the built plugin
(sasl_env).

Programs the tests run (Debian packages): dovecot-imapd and
dovecot-submissiond (dovecot), msmtp, isync (mbsync), cyrus-clients
(imtest, in /usr/lib/cyrus/bin).
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import CLIENT_ID, CLIENT_SECRET, START_TIMEOUT, pizauth_bin, stop_process

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MSMTP = shutil.which("msmtp") or "/usr/bin/msmtp"
MBSYNC = shutil.which("mbsync") or "/usr/bin/mbsync"
IMTEST = shutil.which("imtest") or "/usr/lib/cyrus/bin/imtest"

USER = "e2e-user"  # the provider's `sub` for the Browser's login
MAIL_TIMEOUT = 10  # seconds: a mail reaching the sink, a client finishing


def free_port():
    """A loopback port nothing listens on now (dovecot needs a fixed one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(*programs):
    """Fail (never skip) when a program the test runs is missing."""
    missing = [p for p in programs if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail("e2e prerequisites missing: " + ", ".join(missing) +
                    " (Debian: dovecot-imapd dovecot-submissiond msmtp isync "
                    "cyrus-clients)", pytrace=False)


# --- the SMTP sink ----------------------------------------------------------

class SmtpSink:
    """Accepts any mail on 127.0.0.1 and keeps it: [(mail_from, [rcpt], data)]."""

    def __init__(self, workdir, logs):
        self.messages = []
        self.log = workdir / "sink.log"
        logs("smtp sink", self.log)
        self.cond = threading.Condition()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _note(self, msg):
        with open(self.log, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {msg}\n")

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        conn.settimeout(MAIL_TIMEOUT)
        f = conn.makefile("rb")

        def say(line):
            self._note(f"> {line}")
            conn.sendall(line.encode() + b"\r\n")

        mail_from, rcpts = None, []
        try:
            say("220 sink.test ESMTP")
            while True:
                raw = f.readline()
                if not raw:
                    return
                line = raw.decode(errors="replace").rstrip("\r\n")
                self._note(f"< {line}")
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    say("250 sink.test")
                elif verb == "MAIL":
                    mail_from, rcpts = line[line.index(":") + 1:].strip(), []
                    say("250 2.1.0 Ok")
                elif verb == "RCPT":
                    rcpts.append(line[line.index(":") + 1:].strip())
                    say("250 2.1.5 Ok")
                elif verb == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while True:
                        raw = f.readline()
                        if not raw or raw in (b".\r\n", b".\n"):
                            break
                        data.append(raw[1:] if raw.startswith(b".") else raw)
                    with self.cond:
                        self.messages.append((mail_from, rcpts, b"".join(data)))
                        self.cond.notify_all()
                    self._note(f"  (message of {sum(map(len, data))} bytes kept)")
                    say("250 2.0.0 Ok: queued")
                elif verb in ("RSET", "NOOP"):
                    say("250 2.0.0 Ok")
                elif verb == "QUIT":
                    say("221 2.0.0 Bye")
                    return
                else:
                    say("502 5.5.2 Command not recognized")
        except OSError as e:
            self._note(f"session ended: {e}")
        finally:
            f.close()
            conn.close()

    def wait_message(self, count=1, timeout=MAIL_TIMEOUT):
        """Waits until `count` messages arrived; returns the last one."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the SMTP sink got {len(self.messages)} "
                                         f"message(s), not {count}, within {timeout} s")
                self.cond.wait(left)
            return self.messages[count - 1]

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()


# --- dovecot ------------------------------------------------------------------

DOVECOT_CONF = """\
# pizauth e2e: one dovecot in one uid, loopback only, OAuth2 only.
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = pz-e2e-{imap_port}
log_path = {log}
info_log_path = {log}
debug_log_path = {log}
auth_verbose = yes
auth_verbose_passwords = no
protocols = imap submission
listen = 127.0.0.1
hostname = mail.test
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:{dir}/mail/%n
submission_relay_host = 127.0.0.1
submission_relay_port = {sink_port}
submission_relay_trusted = yes
submission_relay_ssl = no

passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%n
}}

# No growing delay for an address that failed before (dovecot's auth
# penalty): the tests fail logins on purpose.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service submission-login {{
  chroot =
  inet_listener submission {{
    address = 127.0.0.1
    port = {submission_port}
  }}
}}
service auth-worker {{
  user = {user}
}}
"""

# Introspection as pizauth's client (client_secret_basic in the URL, which
# oidc-provider also accepts from a client_secret_post client).
OAUTH2_CONF = """\
introspection_mode = post
introspection_url = http://{client_id}:{client_secret}@127.0.0.1:{port}/token/introspection
force_introspection = yes
username_attribute = sub
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


class Dovecot:
    """A private dovecot: IMAP and submission on loopback, OAuth2 by introspection.

    Runs as the user running the tests or, for root (whose uid dovecot's
    login processes refuse), as nobody: everything it touches is in its own
    directory, owned by that user, and its log is there too (attached to a
    failing test's report; left behind if dovecot fails to start)."""

    def __init__(self, logs, provider, sink):
        require(DOVECOT)
        if os.getuid() == 0:
            pw = pwd.getpwnam("nobody")
        else:
            pw = pwd.getpwuid(os.getuid())
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        # A short path: dovecot's sockets live in base_dir (sun_path holds
        # 108 bytes).
        self.dir = Path(tempfile.mkdtemp(prefix="pz-dc-"))
        for sub in ("run", "state", "mail", "home"):
            (self.dir / sub).mkdir()
        self.imap_port = free_port()
        self.submission_port = free_port()
        self.log = self.dir / "dovecot.log"
        self.conf = self.dir / "dovecot.conf"
        (self.dir / "oauth2.conf.ext").write_text(OAUTH2_CONF.format(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, port=provider.port))
        self.conf.write_text(DOVECOT_CONF.format(
            dir=self.dir, log=self.log, user=pw.pw_name,
            group=grp.getgrgid(self.gid).gr_name, uid=self.uid, gid=self.gid,
            imap_port=self.imap_port, submission_port=self.submission_port,
            sink_port=sink.port))
        self.log.touch()
        self._own(self.dir)
        logs("dovecot config", self.conf)
        logs("dovecot log", self.log)
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.conf)], stdin=subprocess.DEVNULL,
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
            user=self.uid if self.uid != os.getuid() else None,
            group=self.gid if self.uid != os.getuid() else None,
            extra_groups=[] if self.uid != os.getuid() else None)
        try:
            self._wait_ready()
        except BaseException:
            stop_process(self.proc)  # the directory stays, for the log
            raise

    def _own(self, top):
        """Hands top and everything under it to dovecot's user."""
        if os.getuid() != self.uid:
            for root, dirs, files in os.walk(top):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, self.uid, self.gid)

    def _greets(self, port, greeting):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                return s.recv(512).startswith(greeting)
        except OSError:
            return False

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while not (self._greets(self.imap_port, b"* OK") and
                   self._greets(self.submission_port, b"220 ")):
            if self.proc.poll() is not None:
                pytest.fail(f"dovecot exited with status {self.proc.returncode} before "
                            "it was ready (output and log attached)")
            if time.monotonic() > deadline:
                pytest.fail(f"dovecot not ready within {START_TIMEOUT} s (log attached)")
            time.sleep(0.05)

    def maildir(self, user=USER):
        return self.dir / "mail" / user

    def deliver(self, subject, user=USER):
        """Puts a message straight into the user's INBOX; returns its text."""
        text = (f"From: sender@example.com\r\nTo: {user}@mail.test\r\n"
                f"Subject: {subject}\r\nMessage-ID: <{subject}@mail.test>\r\n\r\n"
                f"{subject}\r\n")
        md = self.maildir(user)
        for sub in ("tmp", "new", "cur"):
            (md / sub).mkdir(parents=True, exist_ok=True)
        name = f"{time.time():.6f}.{os.getpid()}.{subject}"
        (md / "tmp" / name).write_text(text)
        self._own(md)
        os.rename(md / "tmp" / name, md / "new" / name)
        return text

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, needle, timeout=5):
        """Waits for a line containing needle in dovecot's log; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text().splitlines():
                if needle in line:
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"dovecot log: no {needle!r} within {timeout} s")
            time.sleep(0.05)

    def stop(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


# --- running the clients ------------------------------------------------------

class Clients:
    """Runs mail clients in the daemon's environment, recording each run in
    commands.log beside the daemon's own."""

    def __init__(self, daemon, extra_env=None):
        self.daemon = daemon
        self.env = {**daemon.env,
                    "PATH": f"{pizauth_bin()}:{daemon.env['PATH']}",
                    **(extra_env or {})}

    def run(self, argv, timeout=MAIL_TIMEOUT, input=None, env=None):
        """Runs argv; returns CompletedProcess (text). Times out as a failure."""
        argv = [str(a) for a in argv]
        t0 = time.monotonic()
        try:
            r = subprocess.run(argv, env={**self.env, **(env or {})},
                               capture_output=True, text=True, timeout=timeout,
                               input=input, stdin=None if input is not None
                               else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            self._record(argv, "timeout", e.stdout, e.stderr, time.monotonic() - t0)
            raise AssertionError(f"`{' '.join(argv)}` took over {timeout} s")
        self._record(argv, r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
        return r

    def run_until(self, argv, done, timeout=MAIL_TIMEOUT, input=""):
        """Runs argv until its stdout has a line containing `done`, then
        stops it; returns CompletedProcess (text, returncode None if
        stopped). For a client that may hang on its way out."""
        argv = [str(a) for a in argv]
        t0 = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.PIPE,
                                    stdout=out, stderr=err)
            proc.stdin.write(input.encode())
            proc.stdin.close()
            deadline = t0 + timeout
            rc = None
            while True:
                out.seek(0)
                text = out.read().decode(errors="replace")
                if proc.poll() is not None:
                    rc = proc.returncode
                    break
                if done in text:
                    break
                if time.monotonic() > deadline:
                    stop_process(proc)
                    self._record(argv, "timeout", text, "", time.monotonic() - t0)
                    raise AssertionError(f"`{' '.join(argv)}` took over {timeout} s")
                time.sleep(0.05)
            stop_process(proc)
            out.seek(0)
            err.seek(0)
            # As run()'s text mode: universal newlines.
            r = subprocess.CompletedProcess(
                argv, rc, out.read().decode(errors="replace").replace("\r\n", "\n"),
                err.read().decode(errors="replace").replace("\r\n", "\n"))
        self._record(argv, rc if rc is not None else f"stopped after {done!r}",
                     r.stdout, r.stderr, time.monotonic() - t0)
        return r

    def _record(self, argv, rc, out, err, secs):
        def text(x):
            return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
        with open(self.daemon.cmdlog, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} $ {' '.join(argv)}  "
                    f"[exit {rc}, {secs:.2f} s]\n")
            for name, x in (("stdout", text(out)), ("stderr", text(err))):
                if x:
                    f.write(f"  {name}: {x.rstrip()}\n")


def sasl_env():
    """The environment that makes libsasl2 load our plugin first:
    SASL_PATH=<build>/lib/sasl2:<the system's plugin directory>. A plugin
    built with SANITIZE=1 needs the sanitizer runtime preloaded into the
    (uninstrumented) client."""
    plugdir = pizauth_bin().parent / "lib" / "sasl2"
    plugin = plugdir / "libpizauth.so"
    if not plugin.exists():
        pytest.fail(f"no SASL plugin at {plugin} (build it)", pytrace=False)
    r = subprocess.run(["pkg-config", "--variable=libdir", "libsasl2"],
                       capture_output=True, text=True, timeout=10)
    system = (r.stdout.strip() or "/usr/lib/x86_64-linux-gnu") + "/sasl2"
    env = {"SASL_PATH": f"{plugdir}:{system}"}
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True,
                         timeout=10).stdout
    runtimes = [line.split("=>")[1].split()[0] for line in ldd.splitlines()
                if "=>" in line and ("libasan" in line or "libubsan" in line)]
    if runtimes:
        env["LD_PRELOAD"] = " ".join(runtimes)
        env["ASAN_OPTIONS"] = "detect_leaks=0"  # the clients' leaks are theirs
    return env


@pytest.fixture
def sink(tmp_path, logs):
    s = SmtpSink(tmp_path, logs)
    yield s
    s.stop()


@pytest.fixture
def dovecot(logs, provider, sink):
    d = Dovecot(logs, provider, sink)
    yield d
    d.stop()
