#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`make bench`: how fast and how light pizauth is, in one table.

Starts its own daemon(s) against the bundled demo provider on loopback,
measures each figure of issue 8 and prints a table; the same goes to
build/bench/results.json.  With PIZAUTH_BASELINE=/path/to/another/pizauth,
every figure is measured for both, interleaved, with the ratio ours/theirs.
Medians and p99 over many runs: the machine is shared, ratios matter more
than absolute times.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", os.path.join(TOP, "build", "bin"))
TOOLS = os.environ.get("BENCH_TOOLS", os.path.join(TOP, "build", "bench"))
OUT = os.environ.get("BENCH_OUT", os.path.join(TOP, "build", "bench"))
IDLE_S = int(os.environ.get("BENCH_IDLE_S", "60"))
RUNS = int(os.environ.get("BENCH_RUNS", "300"))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.01)
    raise RuntimeError("timed out waiting for " + what)


class Provider:
    """The demo provider: approves everything at once."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [PY, os.path.join(TOP, "examples", "demo", "demo_provider.py"),
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, 10, "the demo provider")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def config(provider, naccounts, extra=""):
    lines = [extra]
    for i in range(naccounts):
        lines.append(
            'account "a%d" { auth_uri = "http://127.0.0.1:%d/authorize"; '
            'token_uri = "http://127.0.0.1:%d/token"; client_id = "c%d"; }'
            % (i, provider.port, provider.port, i))
    return "\n".join(lines) + "\n"


class Daemon:
    """One pizauth server (ours or the baseline) in its own runtime dir."""

    def __init__(self, pizauth, conf_text):
        self.pizauth = pizauth
        self.dir = tempfile.mkdtemp(prefix="pz-bench-")
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.dir,
                        SHELL="/bin/sh")
        self.conf = os.path.join(self.dir, "pizauth.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.sock = os.path.join(self.dir, "pizauth", "pizauth.sock")
        self.proc = None

    def start(self):
        """Start in the foreground; returns (socket served, status answered)
        in seconds."""
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [self.pizauth, "server", "-c", self.conf, "-d"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.connectable(), 60, "the socket")
        t1 = time.monotonic()
        self.request(b"status:")
        t2 = time.monotonic()
        return t1 - t0, t2 - t0

    def connectable(self):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(self.sock)
            s.close()
            return True
        except OSError:
            return False

    def request(self, req):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(30)
        s.connect(self.sock)
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
        return out

    def pid(self):
        return self.proc.pid

    def authorise(self, account):
        r = self.request(b"showtoken:withurl " + account.encode())
        if r.startswith(b"access_token:"):
            return
        url = r.split(b":", 1)[1].decode()
        urllib.request.urlopen(url, timeout=10).read()
        wait_for(lambda: self.request(b"showtoken:withurl " +
                                      account.encode()).startswith(
                                          b"access_token:"),
                 10, "a token for " + account)

    def stop(self):
        if self.proc is not None:
            try:
                self.request(b"shutdown:")
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def proc_status(self, key):
        with open("/proc/%d/status" % self.pid()) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0


def spawn(n, *cmd, env=None):
    out = subprocess.run([os.path.join(TOOLS, "spawn"), str(n)] + list(cmd),
                         env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def load(clients, secs, sock, req):
    out = subprocess.run([os.path.join(TOOLS, "load"), str(clients),
                          str(secs), sock, req], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


ROUNDS = 5  # latency and throughput alternate between subjects this often


class Subject:
    """One pizauth under measurement, with its results."""

    def __init__(self, name, pizauth, provider):
        self.name = name
        self.pizauth = pizauth
        self.r = {}
        self.samples = {}
        self.d = Daemon(pizauth, config(provider, 1))
        self.d.start()
        self.d.authorise("a0")

    def sample(self, key, value):
        self.samples.setdefault(key, []).append(value)

    def settle(self):
        """Medians of the per-round figures."""
        for k, v in self.samples.items():
            v = sorted(v)
            self.r[k] = v[len(v) // 2]


def phase_latency(s, floor_us):
    """One round of per-call costs: the figures that run on every fetch."""
    n = max(RUNS // ROUNDS, 20)
    show = spawn(n, s.pizauth, "show", "a0", env=s.d.env)
    s.sample("show_median_us", show["median_us"])
    s.sample("show_p99_us", show["p99_us"])
    s.sample("show_over_true", round(show["median_us"] / floor_us, 2))
    if s.name != "ours":
        return
    req = os.path.join(s.d.dir, "git-request")
    with open(req, "w") as f:
        f.write("protocol=https\nhost=example.com\n\n")
    for prog, args in (("pizauth-passwordeval", ["a0"]),
                       ("git-credential-pizauth", ["-a", "a0", "get"])):
        path = os.path.join(BIN, prog)
        if os.path.exists(path):
            x = spawn(n, path, *args, env=dict(s.d.env, SPAWN_STDIN=req))
            s.sample(prog + "_median_us", x["median_us"])
            s.sample(prog + "_over_true",
                     round(x["median_us"] / floor_us, 2))


class SocketFloor:
    """bench/floor_sock: the least a connection per request can cost on
    this machine (accept, read, write, close; nothing else), measured in
    the same rounds as the daemons, as /bin/true is for `pizauth show`."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pz-bench-floor-")
        self.sock = os.path.join(self.dir, "floor.sock")
        self.proc = subprocess.Popen(
            [os.path.join(TOOLS, "floor_sock"), self.sock,
             "access_token:" + "x" * 40])
        wait_for(lambda: os.path.exists(self.sock), 10, "floor_sock")
        self.r = {}

    def round(self):
        for c in (1, 8, 64):
            x = load(c, 1, self.sock, "showtoken:withurl a0")
            self.r[c] = x

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def phase_throughput(s, floor):
    for c in (1, 8, 64):
        x = load(c, 1, s.d.sock, "showtoken:withurl a0")
        s.sample("rps_%d" % c, x["rps"])
        s.sample("p99_us_%d" % c, x["p99_us"])
        f = floor.r[c]
        s.sample("floor_rps_%d" % c, f["rps"])
        s.sample("floor_p99_us_%d" % c, f["p99_us"])
        s.sample("rps_%d_of_floor" % c, round(x["rps"] / f["rps"], 2))


def rss_floor():
    """RSS of bench/floor_rss: the libraries the daemon must use, mapped and
    initialised, and nothing else."""
    proc = subprocess.Popen([os.path.join(TOOLS, "floor_rss")],
                            stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()
        out = {}
        with open("/proc/%d/status" % proc.pid) as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("VmRSS", "RssAnon"):
                    out[k] = int(line.split()[1])
        return out
    finally:
        proc.kill()
        proc.wait()


def phase_stall(s):
    """50 stalled connections held open while others are served: half of
    them silent, half having sent half a request."""
    silent = []
    for i in range(50):
        c = socket.socket(socket.AF_UNIX)
        c.connect(s.d.sock)
        if i % 2:
            c.sendall(b"showtoken:with")
        silent.append(c)
    x = spawn(100, s.pizauth, "show", "a0", env=s.d.env)
    s.r["show_median_us_stalled"] = x["median_us"]
    y = load(8, 3, s.d.sock, "showtoken:withurl a0")
    s.r["rps_8_stalled"] = y["rps"]
    for c in silent:
        c.close()


def switches(d):
    return (d.proc_status("voluntary_ctxt_switches") +
            d.proc_status("nonvoluntary_ctxt_switches"))


def phase_idle(subjects):
    """Context switches while nothing is due, all subjects at once (after
    the closed connections above have been dealt with)."""
    time.sleep(2)
    before = [switches(s.d) for s in subjects]
    time.sleep(IDLE_S)
    for s, b in zip(subjects, before):
        s.r["idle_wakeups_%ds" % IDLE_S] = switches(s.d) - b
        s.r["rss_kb_1"] = s.d.proc_status("VmRSS")
        # Most of that is shared library pages (libcurl's dependencies);
        # the daemon's own memory is the anonymous part.
        s.r["rss_anon_kb_1"] = s.d.proc_status("RssAnon")
    floor = rss_floor()
    for s in subjects:
        s.r["rss_floor_kb"] = floor["VmRSS"]
        s.r["rss_floor_anon_kb"] = floor["RssAnon"]
        s.r["rss_over_floor_kb_1"] = s.r["rss_kb_1"] - floor["VmRSS"]


def phase_startup(s, provider, n):
    d = Daemon(s.pizauth, config(provider, n))
    try:
        served, answered = d.start()
        s.r["startup_served_ms_%d" % n] = round(served * 1000, 1)
        s.r["startup_status_ms_%d" % n] = round(answered * 1000, 1)
        if n == 10000:
            s.r["rss_kb_10000"] = d.proc_status("VmRSS")
            s.r["rss_anon_kb_10000"] = d.proc_status("RssAnon")
            s.r["rss_over_floor_kb_10000"] = (s.r["rss_kb_10000"] -
                                              s.r["rss_floor_kb"])
            s.r["bytes_per_account"] = round(
                (s.r["rss_kb_10000"] - s.r["rss_kb_1"]) * 1024 / 9999)
    finally:
        d.stop()


def measure(subjects, provider):
    """Every figure for every subject, interleaved: each phase runs for
    all subjects before the next, and the noisy ones alternate in rounds,
    so that a busy moment of the machine hurts both alike."""
    sock_floor = SocketFloor()
    try:
        for _ in range(ROUNDS):
            floor = spawn(max(RUNS // ROUNDS, 20), "/bin/true")
            for s in subjects:
                s.sample("true_median_us", floor["median_us"])
                phase_latency(s, floor["median_us"])
            sock_floor.round()
            for s in subjects:
                phase_throughput(s, sock_floor)
    finally:
        sock_floor.stop()
    for s in subjects:
        phase_stall(s)
    phase_idle(subjects)
    for s in subjects:
        s.d.stop()
    for n in (1000, 10000):
        for s in subjects:
            phase_startup(s, provider, n)
    for s in subjects:
        s.r.update(storm(s.pizauth, provider))
        s.settle()


def connections_to(port):
    out = subprocess.run(["ss", "-Htn", "state", "established",
                          "( dport = :%d )" % port],
                         capture_output=True, text=True)
    return len([l for l in out.stdout.splitlines() if l.strip()])


def storm(pizauth, provider, n=1000):
    """n active tokens refreshed at once."""
    d = Daemon(pizauth, config(provider, n))
    try:
        d.start()
        for i in range(n):
            d.authorise("a%d" % i)
        before = {i: d.request(b"showtoken:withurl a%d" % i) for i in range(n)}
        t0 = time.monotonic()
        for i in range(n):
            d.request(b"refresh:withurl a%d" % i)
        peak = 0
        pending = set(range(n))
        while pending and time.monotonic() - t0 < 30:
            peak = max(peak, connections_to(provider.port))
            pending = {i for i in pending
                       if d.request(b"showtoken:withurl a%d" % i) == before[i]}
        return {"storm_accounts": n,
                "storm_all_refreshed_s": round(time.monotonic() - t0, 2)
                if not pending else None,
                "storm_peak_connections": peak}
    finally:
        d.stop()


def main():
    os.makedirs(OUT, exist_ok=True)
    baseline = os.environ.get("PIZAUTH_BASELINE")
    provider = Provider()
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
               "machine": "%s, %d cores" % (os.uname().machine,
                                            os.cpu_count())}
    subjects = []
    try:
        subjects.append(Subject("ours", os.path.join(BIN, "pizauth"),
                                provider))
        if baseline:
            subjects.append(Subject("baseline", baseline, provider))
        measure(subjects, provider)
    finally:
        for s in subjects:
            s.d.stop()
        provider.stop()
    for s in subjects:
        results[s.name] = dict(sorted(s.r.items()))
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    ours = results["ours"]
    base = results.get("baseline", {})
    print("%-32s %14s %14s %8s" % ("figure", "ours",
                                   "baseline" if base else "", "ratio"
                                   if base else ""))
    for k, v in ours.items():
        b = base.get(k)
        ratio = ("%.2f" % (v / b)) if isinstance(b, (int, float)) and b \
            and isinstance(v, (int, float)) else ""
        print("%-32s %14s %14s %8s" % (k, v, "" if b is None else b, ratio))
    print("(written to %s)" % os.path.join(OUT, "results.json"))


if __name__ == "__main__":
    main()
