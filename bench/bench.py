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


def measure(name, pizauth, provider):
    """Every figure for one pizauth; returns a dict of figures."""
    r = {}
    d = Daemon(pizauth, config(provider, 1))
    try:
        d.start()
        d.authorise("a0")
        floor = spawn(RUNS, "/bin/true")
        show = spawn(RUNS, pizauth, "show", "a0", env=d.env)
        r["true_median_us"] = floor["median_us"]
        r["show_median_us"] = show["median_us"]
        r["show_p99_us"] = show["p99_us"]
        r["show_over_true"] = round(show["median_us"] / floor["median_us"], 2)
        if name == "ours":
            req = os.path.join(d.dir, "git-request")
            with open(req, "w") as f:
                f.write("protocol=https\nhost=example.com\n\n")
            for prog, args in (("pizauth-passwordeval", ["a0"]),
                               ("git-credential-pizauth",
                                ["-a", "a0", "get"])):
                path = os.path.join(BIN, prog)
                if os.path.exists(path):
                    x = spawn(RUNS, path, *args,
                              env=dict(d.env, SPAWN_STDIN=req))
                    r[prog + "_median_us"] = x["median_us"]
                    r[prog + "_over_true"] = round(
                        x["median_us"] / floor["median_us"], 2)
        for c in (1, 8, 64):
            x = load(c, 3, d.sock, "showtoken:withurl a0")
            r["rps_%d" % c] = x["rps"]
            r["p99_us_%d" % c] = x["p99_us"]
        # Stall resistance: 50 silent connections held open.
        silent = []
        for _ in range(50):
            s = socket.socket(socket.AF_UNIX)
            s.connect(d.sock)
            silent.append(s)
        x = spawn(100, pizauth, "show", "a0", env=d.env)
        r["show_median_us_stalled"] = x["median_us"]
        y = load(8, 3, d.sock, "showtoken:withurl a0")
        r["rps_8_stalled"] = y["rps"]
        for s in silent:
            s.close()
        # Idle wake-ups: context switches while nothing is due (after the
        # closed connections above have been dealt with).
        time.sleep(2)
        before = (d.proc_status("voluntary_ctxt_switches") +
                  d.proc_status("nonvoluntary_ctxt_switches"))
        time.sleep(IDLE_S)
        after = (d.proc_status("voluntary_ctxt_switches") +
                 d.proc_status("nonvoluntary_ctxt_switches"))
        r["idle_wakeups_%ds" % IDLE_S] = after - before
        r["rss_kb_1"] = d.proc_status("VmRSS")
        # Most of that is shared library pages (libcurl's dependencies);
        # the daemon's own memory is the anonymous part.
        r["rss_anon_kb_1"] = d.proc_status("RssAnon")
    finally:
        d.stop()
    for n in (1000, 10000):
        d = Daemon(pizauth, config(provider, n))
        try:
            served, answered = d.start()
            r["startup_served_ms_%d" % n] = round(served * 1000, 1)
            r["startup_status_ms_%d" % n] = round(answered * 1000, 1)
            if n == 10000:
                r["rss_kb_10000"] = d.proc_status("VmRSS")
                r["rss_anon_kb_10000"] = d.proc_status("RssAnon")
                r["bytes_per_account"] = round(
                    (r["rss_kb_10000"] - r["rss_kb_1"]) * 1024 / 9999)
        finally:
            d.stop()
    r.update(storm(pizauth, provider))
    return r


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
    try:
        results["ours"] = measure("ours", os.path.join(BIN, "pizauth"),
                                  provider)
        if baseline:
            results["baseline"] = measure("baseline", baseline, provider)
    finally:
        provider.stop()
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
