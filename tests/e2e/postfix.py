# SPDX-License-Identifier: MIT
"""A real Postfix relaying through the test's dovecot with our SASL plugin.

What runs
  * Postfix (Debian's package, 3.7): a private instance per test, as root
    (its master must be root; smtp(8) chroots), with its own config
    directory (main.cf, master.cf), queue_directory, data_directory and log
    file (maillog_file + the postlog service) in a temporary directory. No
    smtpd at all (master.cf has no inet service: nothing listens, port 25
    least of all); mail comes in through that instance's sendmail and
    pickup, and goes out through smtp(8), chrooted into the queue
    directory as Debian ships it, to relayhost = [127.0.0.1]:<dovecot's
    submission port>, authenticating with Cyrus SASL: XOAUTH2 (or
    OAUTHBEARER) from our plugin, which libsasl2 finds through SASL_PATH
    (import_environment) and which asks the pizauth server at
    PIZAUTH_SOCKET=/pizauth/pizauth.sock, the path inside the chroot.
  * PostfixPizauth: the pizauth server as a system service for Postfix:
    running as the postfix user, its socket at
    <queue_directory>/pizauth/pizauth.sock (the directory made here, owned
    by postfix, mode 0700, before the server starts), with account `e2e`
    configured as conftest's daemon fixture does, plus the relay user and
    host. Its client commands (`pizauth show e2e`, `refresh`, ...) run as
    postfix with PIZAUTH_SOCKET set. It is a conftest Daemon, so conftest's
    authorise fixture works with it unchanged (test_08 makes it the
    `daemon`).

Nothing here touches the machine's own Postfix (/etc/postfix,
/var/spool/postfix) or port 25. Retry timers are an hour: nothing is
retried behind a test's back; a test retries with `postqueue -f`.

Every wait is bounded; a failing test carries the Postfix log, main.cf,
master.cf, the pizauth server's config and log, and the commands run.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (ACCOUNT, CODE_ACCOUNT, CONFIG, CLIENT_ID, CLIENT_SECRET,
                      START_TIMEOUT, STOP_TIMEOUT, Daemon, pizauth_bin,
                      stop_process)
from mail import USER, sasl_env

POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"
POSTQUEUE = "/usr/sbin/postqueue"
SENDMAIL = "/usr/sbin/sendmail"
# What Debian's init script and systemd unit run before starting an
# instance: copies /etc/hosts, resolv.conf, nsswitch.conf, ... (and the NSS
# libraries) into the chroot, i.e. the queue directory.
CONFIGURE_INSTANCE = "/usr/lib/postfix/configure-instance.sh"
MAIL_OWNER = "postfix"
CHROOT_SOCKET = "/pizauth/pizauth.sock"  # PIZAUTH_SOCKET as smtp(8) sees it

CMD_TIMEOUT = 15  # seconds, each Postfix command
DELIVERY_TIMEOUT = 15  # seconds, a mail reaching its next status

MAIN_CF = """\
# pizauth e2e: a private Postfix instance; relays everything to the test's
# dovecot, authenticating with the pizauth SASL plugin.
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = {mail_owner}
setgid_group = postdrop
myhostname = postfix.test
mydomain = test
myorigin = $myhostname
mydestination =
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
inet_interfaces = loopback-only
inet_protocols = ipv4
maillog_file = {maillog}
maillog_file_prefixes = {dir}

relayhost = [127.0.0.1]:{port}
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = inline:{{ [127.0.0.1]:{port}={user}:unused-placeholder }}
smtp_sasl_mechanism_filter = {mechanism}
smtp_sasl_security_options = noanonymous
smtp_tls_security_level = none
import_environment = {import_environment}

# Tests only: one connection per mail (each delivery authenticates anew,
# with the token pizauth has then), and no retry but those a test asks for
# with `postqueue -f`.
smtp_connection_cache_on_demand = no
queue_run_delay = 1h
minimal_backoff_time = 1h
maximal_backoff_time = 1h
"""

# Debian 12's master.cf with its chroot column, less the smtpd listening on
# port 25 and the pipe(8) examples: mail only comes in through sendmail.
MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       y       1000?   1       tlsmgr
rewrite   unix  -       -       y       -       -       trivial-rewrite
bounce    unix  -       -       y       -       0       bounce
defer     unix  -       -       y       -       0       bounce
trace     unix  -       -       y       -       0       bounce
verify    unix  -       -       y       -       1       verify
flush     unix  n       -       y       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       y       -       -       smtp
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
showq     unix  n       -       y       -       -       showq
error     unix  -       -       y       -       -       error
retry     unix  -       -       y       -       -       error
discard   unix  -       -       y       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       y       -       -       lmtp
anvil     unix  -       -       y       -       1       anvil
scache    unix  -       -       y       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

# The account of conftest's daemon fixture, found by the relay user and the
# relay host as Postfix names it to libsasl2 (relayhost without brackets and
# port).
POSTFIX_ACCOUNT_EXTRA = f'    users = ["{USER}"];\n    hosts = ["127.0.0.1"];\n'

QUEUE_ID_RE = r"[0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}"


def require_root():
    """Fail (never skip) when the tests cannot run Postfix."""
    if os.geteuid() != 0:
        pytest.fail("the Postfix tests need root: Postfix's master runs as root "
                    "and smtp(8) chroots into the queue directory (run them as "
                    "root)", pytrace=False)
    missing = [p for p in (POSTFIX, POSTCONF, POSTQUEUE, SENDMAIL, CONFIGURE_INSTANCE)
               if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail("e2e prerequisites missing: " + ", ".join(missing) +
                    " (Debian: postfix; `make deps` installs it)", pytrace=False)
    try:
        pwd.getpwnam(MAIL_OWNER)
        grp.getgrnam("postdrop")
    except KeyError as e:
        pytest.fail(f"Postfix is not installed properly: {e}", pytrace=False)


def postfix_ids():
    pw = pwd.getpwnam(MAIL_OWNER)
    return pw.pw_uid, pw.pw_gid


def run_as_postfix(argv, **kw):
    """Runs argv as the postfix user (no supplementary groups)."""
    uid, gid = postfix_ids()
    return subprocess.run([str(a) for a in argv], user=uid, group=gid,
                          extra_groups=[], **kw)


def check_postfix_can_use(paths):
    """The postfix user must reach our programs (and read the plugin):
    fail with the first directory it cannot pass."""
    for path, test in paths:
        r = run_as_postfix(["test", test, path], timeout=CMD_TIMEOUT,
                           stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
        if r.returncode == 0:
            continue
        blocked = next((p for p in reversed(Path(path).parents)
                        if run_as_postfix(["test", "-x", p], timeout=CMD_TIMEOUT,
                                          env={"PATH": "/usr/bin:/bin"}).returncode),
                       None)
        why = (f"cannot enter {blocked} (mode {oct(os.stat(blocked).st_mode & 0o7777)})"
               if blocked else f"`test {test}` fails on it")
        pytest.fail(f"the postfix user cannot use {path}: {why}; the pizauth server "
                    "and its client commands run as postfix", pytrace=False)


class Postfix:
    """A private Postfix instance: see the module's docstring.

    mechanism: smtp_sasl_mechanism_filter (xoauth2 or oauthbearer)."""

    def __init__(self, logs, dovecot, mechanism="xoauth2"):
        require_root()
        self.plugin_env = sasl_env()  # fails if the plugin is not built
        self.dir = Path(tempfile.mkdtemp(prefix="pz-pf-"))
        os.chmod(self.dir, 0o755)  # the postfix user goes through it
        self.conf_dir = self.dir / "etc"
        self.queue = self.dir / "spool"
        self.data = self.dir / "data"
        self.maillog = self.dir / "maillog"
        self.cmdlog = self.dir / "commands.log"
        self.sock_dir = self.queue / "pizauth"
        self.sock = self.sock_dir / "pizauth.sock"
        self.master_pid = None
        self.mechanism = mechanism
        for d in (self.conf_dir, self.queue):
            d.mkdir(mode=0o755)  # root's, as /etc/postfix and /var/spool/postfix
        self.maillog.touch()
        logs("postfix log", self.maillog)
        logs("postfix main.cf", self.conf_dir / "main.cf")
        logs("postfix master.cf", self.conf_dir / "master.cf")
        logs("postfix commands", self.cmdlog)
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
                    "MAIL_CONFIG": str(self.conf_dir)}
        try:
            self.write_conf("main.cf", MAIN_CF.format(
                queue=self.queue, data=self.data, mail_owner=MAIL_OWNER,
                maillog=self.maillog, dir=self.dir, port=dovecot.submission_port,
                user=USER, mechanism=mechanism,
                import_environment=self._import_environment()))
            self.write_conf("master.cf", MASTER_CF)
            self._start()
        except BaseException:
            self.stop(keep=True)  # the directory stays, for the log
            raise

    def write_conf(self, name, text):
        """Writes a file of the config directory, dated a minute back: Postfix
        reads a file changed within the last second or so only after
        sleeping up to 2 s, to be sure it is complete."""
        path = self.conf_dir / name
        path.write_text(text)
        past = time.time() - 60
        os.utime(path, (past, past))

    def _import_environment(self):
        """Postfix's default list (import_environment replaces it), then
        what makes libsasl2 in smtp(8) load our plugin and find the server."""
        default = subprocess.run([POSTCONF, "-d", "-h", "import_environment"],
                                 capture_output=True, text=True, timeout=CMD_TIMEOUT,
                                 env={"PATH": "/usr/sbin:/usr/bin:/bin"})
        assert default.returncode == 0 and default.stdout.strip(), default
        extra = [f"SASL_PATH={self.plugin_env['SASL_PATH']}",
                 f"PIZAUTH_SOCKET={CHROOT_SOCKET}"]
        if "LD_PRELOAD" in self.plugin_env:
            # A sanitizer build of the plugin: its runtime preloaded, as
            # mail.sasl_env() does for the other clients (a colon list: the
            # value may hold no blank here).
            extra += ["LD_PRELOAD=" + ":".join(self.plugin_env["LD_PRELOAD"].split()),
                      f"ASAN_OPTIONS={self.plugin_env['ASAN_OPTIONS']}"]
        return " ".join([default.stdout.strip(), *extra])

    # --- commands -------------------------------------------------------

    def run(self, argv, timeout=CMD_TIMEOUT, input=None, check=True):
        """Runs a Postfix command for this instance; CompletedProcess (text)."""
        argv = [str(a) for a in argv]
        t0 = time.monotonic()
        try:
            r = subprocess.run(argv, env=self.env, capture_output=True, text=True,
                               timeout=timeout, input=input,
                               stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            self._record(argv, "timeout", e.stdout, e.stderr, time.monotonic() - t0)
            raise AssertionError(f"`{' '.join(argv)}` took over {timeout} s")
        self._record(argv, r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
        if check:
            assert r.returncode == 0, \
                f"`{' '.join(argv)}`: exit {r.returncode}: {r.stderr or r.stdout}"
        return r

    def _record(self, argv, rc, out, err, secs):
        def text(x):
            return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
        with open(self.cmdlog, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} $ {' '.join(argv)}  "
                    f"[exit {rc}, {secs:.2f} s]\n")
            for name, x in (("stdout", text(out)), ("stderr", text(err))):
                if x:
                    f.write(f"  {name}: {x.rstrip()}\n")

    def postconf(self, *args):
        return self.run([POSTCONF, "-c", self.conf_dir, *args]).stdout

    # --- starting and stopping ----------------------------------------------

    def _start(self):
        # Debian's chroot set-up for this instance (postconf in it reads
        # MAIL_CONFIG).
        self.run([CONFIGURE_INSTANCE, "-"])
        for f in ("etc/hosts", "etc/services", "etc/nsswitch.conf"):
            assert (self.queue / f).exists() or not Path("/", f).exists(), \
                f"{CONFIGURE_INSTANCE} did not copy /{f} into the chroot"
        # The socket's directory: the server, running as postfix, cannot
        # make it in the root-owned queue directory.
        uid, gid = postfix_ids()
        self.sock_dir.mkdir(mode=0o700)
        os.chown(self.sock_dir, uid, gid)
        self.run([POSTFIX, "-c", self.conf_dir, "start"])
        pidfile = self.queue / "pid" / "master.pid"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.master_pid = int(pidfile.read_text().split()[0])
                os.kill(self.master_pid, 0)
                if self.run([POSTFIX, "-c", self.conf_dir, "status"],
                            check=False).returncode == 0 and \
                        (self.queue / "public" / "pickup").exists():
                    return
            except (FileNotFoundError, ValueError, IndexError, ProcessLookupError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Postfix not running within {START_TIMEOUT} s "
                            "(log and commands attached)")
            time.sleep(0.05)

    def _instance_pids(self):
        """Processes of this instance only: their root (chrooted daemons)
        or working directory (the others, master included) is our queue."""
        queue = os.path.realpath(self.queue)
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            for link in ("root", "cwd"):
                try:
                    where = os.readlink(f"/proc/{entry}/{link}")
                except OSError:
                    continue
                if where == queue or where.startswith(queue + "/"):
                    pids.append(int(entry))
                    break
        return pids

    def stop(self, keep=False):
        """`postfix stop`, bounded; then SIGKILL whatever of this instance
        is left, and remove its directory (unless keep)."""
        if (self.conf_dir / "main.cf").exists():
            try:
                self.run([POSTFIX, "-c", self.conf_dir, "stop"], check=False)
            except AssertionError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        while True:
            left = [p for p in self._instance_pids() if _alive(p)]
            if not left:
                break
            if time.monotonic() > deadline:
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                break
            time.sleep(0.05)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- mail -----------------------------------------------------------------

    def send(self, subject, rcpt="rcpt@example.net", sender="sender@postfix.test"):
        """Submits a mail with this instance's sendmail; returns its queue id
        (from the log, found by the mail's unique Message-ID)."""
        msgid = f"{subject}.{time.time():.6f}@postfix.test"
        text = (f"From: {sender}\nTo: {rcpt}\nSubject: {subject}\n"
                f"Message-ID: <{msgid}>\n\n{subject}\n")
        self.run([SENDMAIL, "-C", self.conf_dir, "-f", sender, rcpt], input=text)
        line = self.wait_log(rf"\]: ({QUEUE_ID_RE}): message-id=<{re.escape(msgid)}>")
        return line.group(1)

    def flush(self):
        """`postqueue -f`: every queued mail is tried now."""
        self.run([POSTQUEUE, "-c", self.conf_dir, "-f"])

    def queue_listing(self):
        return self.run([POSTQUEUE, "-c", self.conf_dir, "-p"]).stdout

    def queued(self, qid):
        """Is the mail in the queue (`postqueue -p`)?"""
        return re.search(rf"^{qid}[*!]?\s", self.queue_listing(), re.M) is not None

    def log_text(self):
        try:
            return self.maillog.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=DELIVERY_TIMEOUT, after=0):
        """Waits for a log line matching the regex pattern (in the log from
        offset `after`); returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text()[after:].splitlines():
                m = rx.search(line)
                if m:
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(f"postfix log: no line matching {pattern!r} "
                                     f"within {timeout} s")
            time.sleep(0.05)

    def wait_status(self, qid, status, after=0, timeout=DELIVERY_TIMEOUT):
        """Waits for the delivery attempt of mail qid that ends in `status`
        (sent, deferred); fails at once on any other status. Returns the match
        with groups agent, pid (the delivery agent), relay, dsn and reason."""
        rx = re.compile(rf"postfix/(?P<agent>\w+)\[(?P<pid>\d+)\]: {qid}: to=<[^>]*>, "
                        rf"relay=(?P<relay>\S+), .*"
                        rf"dsn=(?P<dsn>\d\.\d+\.\d+), status=(?P<status>\w+) "
                        rf"\((?P<reason>.*)\)$")
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text()[after:].splitlines():
                m = rx.search(line)
                if m:
                    assert m.group("status") == status, \
                        f"mail {qid}: status={m.group('status')}, not {status}: {line}"
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(f"postfix log: no status for mail {qid} within "
                                     f"{timeout} s")
            time.sleep(0.05)

    def log_offset(self):
        """Where the log ends now: wait_* from here see only what follows."""
        return len(self.log_text())

    def assert_clean(self):
        """No mail bounced, no Postfix process died (a plugin that crashes
        smtp(8), or trips a sanitizer in it, shows only as that), and no
        mail is left in the queue."""
        lines = self.log_text().splitlines()
        bounced = [line for line in lines
                   if "status=bounced" in line or "sender non-delivery notification" in line]
        assert not bounced, "Postfix bounced mail:\n" + "\n".join(bounced)
        died = [line for line in lines if re.search(
            r"warning: process \S+ pid \d+ (exit status|killed by signal)"
            r"|bad command startup|: (fatal|panic): ", line)]
        assert not died, "Postfix processes failed:\n" + "\n".join(died)
        listing = self.queue_listing()
        assert listing.strip() == "Mail queue is empty", f"mail left in the queue:\n{listing}"

    def chroot_of(self, pid):
        """The root directory of a process, e.g. an smtp(8) of this instance."""
        return os.readlink(f"/proc/{pid}/root")


def _alive(pid):
    """Running (not a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class PostfixPizauth(Daemon):
    """`pizauth server` as the postfix user, its socket under the Postfix
    queue directory (PIZAUTH_SOCKET), and its client commands run as postfix
    likewise. A conftest Daemon (pending_url, wait_token, ... and the
    authorise fixture work), which can be stopped and started again."""

    def __init__(self, workdir, logs, provider, postfix,
                 account_extra=POSTFIX_ACCOUNT_EXTRA):
        self.bin = pizauth_bin() / "pizauth"
        if not os.access(self.bin, os.X_OK):  # fail, never skip
            pytest.fail(f"no executable {self.bin} (build it, or set PIZAUTH_BIN "
                        "to its directory)", pytrace=False)
        check_postfix_can_use([(self.bin, "-x"), (pizauth_bin() / "pizauthd", "-x"),
                               (postfix.plugin_env["SASL_PATH"].split(":")[0]
                                + "/libpizauth.so", "-r")])
        self.uid, self.gid = postfix_ids()
        # Its home, runtime dir and config: readable by postfix alone.
        self.runtime = postfix.dir / "pizauth-server"
        home = self.runtime / "home"
        xdg = self.runtime / "run"
        for d in (self.runtime, home, xdg):
            d.mkdir(mode=0o700)
            os.chown(d, self.uid, self.gid)
        self.home = home
        self.sock = postfix.sock
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(xdg),
            "PIZAUTH_SOCKET": str(self.sock),
            "SHELL": "/bin/sh",
            "LANG": "C",
        }
        self.conf = self.runtime / "pizauth.conf"
        fill = dict(issuer=provider.issuer, client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET, workdir=workdir)
        self.conf.write_text(CONFIG.format(
            account=ACCOUNT, global_extra="", account_body=CODE_ACCOUNT.format(**fill),
            account_extra=account_extra))
        os.chown(self.conf, self.uid, self.gid)
        os.chmod(self.conf, 0o600)
        self.log = workdir / "daemon.log"
        self.cmdlog = workdir / "commands.log"
        logs("pizauth config", self.conf)
        logs("daemon log (as postfix)", self.log)
        logs("pizauth commands (as postfix)", self.cmdlog)
        self.proc = None
        self.start()

    def start(self):
        """Starts the server (again): as postfix, in the background."""
        assert self.proc is None or not self.alive(), "the server is running"
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(
                [str(self.bin), "server", "-c", str(self.conf), "-d", "-v"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                cwd=self.home, user=self.uid, group=self.gid, extra_groups=[])
        try:
            self._wait_ready()
        except BaseException:
            stop_process(self.proc)
            raise

    def _wait_ready(self):
        """Until `pizauth status` (as postfix) answers: the server lets in its
        own user only, so no probing from root here."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"pizauth server exited with status {self.proc.returncode} "
                            "before its socket was ready (daemon log attached)")
            if self.sock.exists() and self.run("status").returncode == 0:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"pizauth server not answering at {self.sock} within "
                            f"{START_TIMEOUT} s (daemon log attached)")
            time.sleep(0.05)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def run(self, *args, timeout=10):
        """`pizauth ARGS` as postfix, against this server."""
        t0 = time.monotonic()
        try:
            r = run_as_postfix([self.bin, *args], env=self.env, capture_output=True,
                               text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                               cwd=self.home)
        except subprocess.TimeoutExpired as e:
            self._record(args, "timeout", e.stdout, e.stderr, time.monotonic() - t0)
            raise AssertionError(f"`pizauth {' '.join(args)}` took over {timeout} s")
        self._record(args, r.returncode, r.stdout, r.stderr, time.monotonic() - t0)
        return r

    def stop(self):
        """Shuts the server down (its directories stay, for a restart)."""
        if self.proc is None:
            return
        if self.alive():
            try:
                self.run("shutdown", timeout=STOP_TIMEOUT)
                self.proc.wait(STOP_TIMEOUT)
            except (AssertionError, subprocess.TimeoutExpired):
                pass
        stop_process(self.proc)


@pytest.fixture
def postfix(request, logs, dovecot):
    """A private Postfix relaying through dovecot, with
    smtp_sasl_mechanism_filter = xoauth2, or what a test parametrizes it with
    (indirect=True)."""
    p = Postfix(logs, dovecot, getattr(request, "param", "xoauth2"))
    yield p
    p.stop()


@pytest.fixture
def postfix_daemon(tmp_path, logs, provider, postfix):
    """The pizauth server Postfix asks (see PostfixPizauth)."""
    d = PostfixPizauth(tmp_path, logs, provider, postfix)
    yield d
    d.stop()
