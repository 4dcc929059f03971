# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Soak: many accounts with short-lived, rotating tokens against a slow,
then failing, then recovering provider, while clients ask for tokens all
the time.

One daemon, 200 accounts, 30 s tokens refreshed 15 s before expiry (10 to
15 s after they were obtained), refresh_retry 3 s, refresh tokens rotated
on every refresh (so an answer the daemon throws away makes its next
refresh use a stale refresh token: a violation), and a token_event_cmd so
the hook queue works too.  Then, one after the other:

  A  every refresh answered in 1 s: every `show` succeeds throughout;
  B  answered in 3 s: no answer discarded, no log line claiming a DNS or
     connect timeout (there is none on 127.0.0.1), no token dropped, and
     the daemon used more than 8 connections at once, never more than 64;
  C  8 s each of 503 + Retry-After: 4, refused connections and garbage
     200s: no token dropped, no violation, Retry-After honoured;
  D  fast answers again: every token valid again soon, and the first full
     refresh cycle after the outage is spread, not in one second.

Anonymous memory and descriptors must come back to their level at the end
of A once the bursts are over.  The figures (refreshes, concurrency,
`show` calls, spread, memory, descriptors, CPU) are printed (pytest -s)
and written to a JSON file in the test's tmp_path, for bench/RESULTS.md.

Why these numbers: the 200 accounts are authorised within a second or two,
so their refreshes come in waves, some 16 a second on average and up to
40 a second in a wave (the daemon spreads each over up to a third of
refresh_before_expiry).  At 1 s an answer a wave wants some 40 connections
at once, at 3 s more than 64: 8 connections cannot keep up (tokens expire,
and requests that waited 30 s were failed, or their answers thrown away),
a ceiling of 64 can, with time to spare before expiry.  The faults of C
last 24 s in all, longer than a refresh interval, so every account is
failing when the provider recovers.

Every check of every phase is made and reported together, so that one run
shows all that is wrong.
"""

import bisect
import json
import os
import re
import threading
import time

from fakeprovider import Canned
from harness import EXPIRED_MSG, URL_MSG, wait_until

ACCOUNTS = [f"acct{i:03d}" for i in range(200)]
EXPIRES_IN = 30             # s, the provider's token lifetime
REFRESH_BEFORE_EXPIRY = 15  # s
REFRESH_RETRY = 3           # s
RETRY_AFTER = 4             # s, with the 503s of phase C
PHASE_S = 40                # A, B and D
FAULT_S = 8                 # each fault of C
SHOW_THREADS = 3
SHOW_PAUSE_S = 0.01         # each thread, between its calls
CONN_START, CONN_CEILING = 8, 64
SLACK_S = 0.05              # timer slack allowed against Retry-After
MEM_SLACK_KB = 512
FD_SLACK = 8

# What curl says of a DNS or connect timeout; against 127.0.0.1 and an
# answer in at most 3 s neither can happen.
TIMEOUT_CLAIM = re.compile(
    r"Failed to resolve|Could not resolve|Resolving timed out|"
    r"Connection timed out|Operation timed out|timeout after|"
    r"Timeout was reached", re.I)
# The same, less curl's report of a request that did go out and got no
# answer in 30 s.
TIMEOUT_CLAIM_QUEUED = re.compile(
    r"Failed to resolve|Could not resolve|Resolving timed out|"
    r"Connection timed out|timeout after|Timeout was reached", re.I)


# ---- the daemon process -----------------------------------------------------

def proc_figures(pid):
    """RssAnon (kB), open descriptors and CPU seconds of process pid."""
    anon = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return {"rss_anon_kb": anon, "fds": fds, "cpu_s": cpu}


def sanitized(pid):
    """ASan's allocator keeps freed memory by design."""
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


class Sampler:
    """Samples the daemon's memory and descriptors every 0.2 s; keeps the
    peak per phase."""

    def __init__(self, soak):
        self.soak = soak
        self.peak = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.2):
            try:
                f = proc_figures(self.soak.pid)
            except (OSError, ValueError):
                continue
            p = self.peak.setdefault(self.soak.phase, {"rss_anon_kb": 0,
                                                       "fds": 0})
            p["rss_anon_kb"] = max(p["rss_anon_kb"], f["rss_anon_kb"] or 0)
            p["fds"] = max(p["fds"], f["fds"])

    def close(self):
        self.stop.set()
        self.thread.join(5)


# ---- clients asking all the time --------------------------------------------

class Shows:
    """SHOW_THREADS threads running `pizauth show ACCOUNT` round robin; each
    call is counted for the phase it started in, each failure kept with
    its time and message."""

    def __init__(self, soak):
        self.soak = soak
        self.calls = {}
        self.failures = []      # (time, phase, account, rc, message)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        n = len(ACCOUNTS)
        self.threads = [threading.Thread(target=self._run,
                                         args=(i * n // SHOW_THREADS,),
                                         daemon=True)
                        for i in range(SHOW_THREADS)]
        for t in self.threads:
            t.start()

    def _run(self, i):
        pz = self.soak.pz
        while not self.stop.is_set():
            acct = ACCOUNTS[i % len(ACCOUNTS)]
            i += 1
            phase, t = self.soak.phase, time.monotonic()
            try:
                r = pz.run("show", acct, timeout=10)
                ok = r.rc == 0 and r.out.strip() != ""
                what = (r.rc, r.err.strip().splitlines()[0] if r.err.strip()
                        else f"stdout {r.out!r}")
            except AssertionError as e:     # did not finish in 10 s
                ok, what = False, (None, str(e))
            with self.lock:
                self.calls[phase] = self.calls.get(phase, 0) + 1
                if not ok:
                    self.failures.append((t, phase, acct) + what)
            # Some 250 calls a second in all: asking all the time, but
            # leaving a small machine's CPUs to the daemon and provider.
            self.stop.wait(SHOW_PAUSE_S)

    def failed(self, phase=None, text=None):
        with self.lock:
            return [f for f in self.failures
                    if (phase is None or f[1] == phase) and
                    (text is None or text in str(f[4]))]

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(15)


# ---- the soak ---------------------------------------------------------------

class Soak:
    def __init__(self, pz, provider, hook_log):
        self.pz, self.provider, self.hook_log = pz, provider, hook_log
        self.pid = pz.proc.pid
        self.t0 = time.monotonic()
        self.phase = "setup"
        self.problems = []
        self.figures = {"accounts": len(ACCOUNTS), "expires_in_s": EXPIRES_IN,
                        "refresh_before_expiry_s": REFRESH_BEFORE_EXPIRY,
                        "refresh_retry_s": REFRESH_RETRY, "phases": {}}
        self.bounds = {}        # phase -> [start, end) monotonic
        self.log_at = {}        # phase -> log offset at its start
        self.lineage = {}       # grant lineage -> account

    def check(self, ok, msg):
        """A soft assertion: every failed check is reported at the end."""
        if not ok:
            self.problems.append(f"[{self.phase}] {msg}")
        return ok

    def begin(self, phase):
        self.phase = phase
        self.bounds[phase] = [time.monotonic(), None]
        self.log_at[phase] = len(self.pz.log())
        self.provider.reset_token_active_max()
        self.fig(phase)["cpu_s_start"] = proc_figures(self.pid)["cpu_s"]
        self.fig(phase)["violations_before"] = len(self.provider.violations)
        self.fig(phase)["invalidated_before"] = len(self.invalidated())

    def end(self, phase):
        self.bounds[phase][1] = time.monotonic()
        f = self.fig(phase)
        f["seconds"] = round(self.bounds[phase][1] -
                             self.bounds[phase][0], 1)
        f["max_concurrent_token_requests"] = self.provider.token_active_max
        f["cpu_s"] = round(proc_figures(self.pid)["cpu_s"] -
                           f.pop("cpu_s_start"), 2)
        f["violations"] = (len(self.provider.violations) -
                           f.pop("violations_before"))
        f["token_invalidated_events"] = (len(self.invalidated()) -
                                         f.pop("invalidated_before"))

    def count_refreshes(self):
        """Per phase, the refresh requests that arrived in it and those of
        them answered with a token (once every answer is in)."""
        for phase in ("A", "B", "C", "D"):
            reqs = self.refreshes_in(phase)
            self.fig(phase)["refresh_requests"] = len(reqs)
            self.fig(phase)["refreshes_ok"] = sum(
                1 for r in reqs if r.status == 200 and r.sent and
                not r.note)

    def fig(self, phase):
        return self.figures["phases"].setdefault(phase, {})

    def run_for(self, secs):
        time.sleep(secs)
        if not self.pz.alive():
            raise AssertionError(f"the daemon died during phase "
                                 f"{self.phase}; problems so far: "
                                 f"{self.problems}")

    def refreshes_in(self, phase):
        t0, t1 = self.bounds[phase]
        return [r for r in self.provider.refreshes()
                if t0 <= r.time and (t1 is None or r.time < t1)]

    def log_since(self, phase):
        return self.pz.log()[self.log_at[phase]:]

    def invalidated(self):
        try:
            lines = self.hook_log.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [l for l in lines if l.endswith(" token_invalidated")]

    def active(self):
        """The accounts whose token `pizauth status` calls active."""
        r = self.pz.run("status", timeout=10)
        return {l.split(":", 1)[0] for l in r.out.splitlines()
                if ": Active access token" in l}

    def no_token_dropped(self, phase, shows):
        inv = self.fig(phase)["token_invalidated_events"]
        url = shows.failed(phase, URL_MSG)
        self.check(inv == 0, f"{inv} token_invalidated hook event(s)")
        self.check(not url, f"{len(url)} show(s) answered '{URL_MSG}', "
                   f"first {first(self, url)}")

    def no_violation(self, phase):
        n = self.fig(phase)["violations"]
        self.check(n == 0, f"{n} protocol violation(s) (a stale refresh "
                   f"token is an answer the daemon discarded), first "
                   f"{self.provider.violations[-n:][:3] if n else []}")

    def no_false_timeout(self, phase):
        lies = [l for l in self.log_since(phase).splitlines()
                if TIMEOUT_CLAIM.search(l)]
        self.fig(phase)["timeout_claims_in_log"] = len(lies)
        self.check(not lies, f"{len(lies)} log line(s) claim a DNS or "
                   f"connect timeout that did not happen, first "
                   f"{lies[:3]}")


def first(s, failures, n=3):
    """The first n failures of Shows, short enough to read (times in s
    from the start of the soak)."""
    return [f"{acct} at {t - s.t0:.1f} s: rc {rc}: {str(msg)[:90]}"
            for t, _, acct, rc, msg in failures[:n]]


def busiest_second(times):
    """The most of times (sorted) in any window [t, t + 1 s)."""
    most = 0
    for i, t in enumerate(times):
        most = max(most, bisect.bisect_left(times, t + 1.0) - i)
    return most


def spread_figures(times):
    times = sorted(times)
    if not times:
        return {"accounts": 0}
    return {"accounts": len(times), "busiest_1s": busiest_second(times),
            "span_s": round(times[-1] - times[0], 2)}


# ---- the phases -------------------------------------------------------------

def authorise_all(s):
    """Authorise every account as a user does; note each account's grant
    lineage, so that the provider's record can be read per account."""
    pz, provider = s.pz, s.provider
    t0 = time.monotonic()
    for acct in ACCOUNTS:
        pz.authorise(acct)
        s.lineage[provider.token_requests("authorization_code")[-1].lineage] \
            = acct
    s.figures["authorise_all_s"] = round(time.monotonic() - t0, 1)


def phase_a(s, shows):
    """Every refresh answered in 1 s: nothing ever fails."""
    s.provider.token_delay = 1.0
    s.begin("A")
    s.run_for(PHASE_S)
    s.end("A")
    fails = shows.failed("A")
    s.check(not fails, f"{len(fails)} of {shows.calls.get('A', 0)} shows "
            f"failed with 1 s answers, first {first(s, fails)}")
    missing = set(ACCOUNTS) - s.active()
    s.check(not missing, f"{len(missing)} account(s) without a valid "
            f"token at the end, e.g. {sorted(missing)[:5]}")
    s.no_violation("A")
    s.no_token_dropped("A", shows)


def phase_b(s, shows):
    """Every refresh answered in 3 s: no answer discarded."""
    s.provider.token_delay = 3.0
    s.begin("B")
    s.run_for(PHASE_S)
    s.end("B")
    s.no_violation("B")
    s.no_false_timeout("B")
    s.no_token_dropped("B", shows)
    most = s.fig("B")["max_concurrent_token_requests"]
    s.check(CONN_START < most <= CONN_CEILING,
            f"{most} /token requests at once with 3 s answers: the "
            f"connections should grow past {CONN_START}, up to "
            f"{CONN_CEILING}")
    expired = shows.failed("B", EXPIRED_MSG)
    s.fig("B")["expired_shows"] = len(expired)
    s.check(not expired, f"{len(expired)} show(s) found the token expired "
            f"with 3 s answers, first {first(s, expired)}")


def retry_after_breaches(s, phase):
    """Refreshes that came sooner than Retry-After after their account's
    503: [(account, seconds)]; and the shortest such gap."""
    t0, t1 = s.bounds[phase]
    breaches, shortest = [], None
    for lin, reqs in s.provider.refreshes_by_lineage().items():
        for r, nxt in zip(reqs, reqs[1:]):
            if not (r.status == 503 and r.note.startswith("fault") and
                    r.answered is not None and t0 <= r.time < t1):
                continue
            gap = nxt.time - r.answered
            shortest = gap if shortest is None else min(shortest, gap)
            if gap < RETRY_AFTER - SLACK_S:
                breaches.append((s.lineage.get(lin, lin), round(gap, 3)))
    return breaches, shortest


def phase_c(s, shows):
    """503 + Retry-After, refused connections, garbage 200s: no token
    dropped, Retry-After honoured."""
    p = s.provider
    s.begin("C")
    p.token_fault = Canned(503, {"error": "temporarily_unavailable"},
                           headers={"Retry-After": str(RETRY_AFTER)})
    s.bounds["C503"] = [time.monotonic(), None]
    s.run_for(FAULT_S)
    s.bounds["C503"][1] = time.monotonic()
    p.token_fault = None
    p.go_down()
    s.run_for(FAULT_S)
    p.come_up()
    p.token_fault = Canned(200, "<html>not json",
                           headers={"Content-Type": "text/html"})
    s.run_for(FAULT_S)
    p.token_fault = None
    s.end("C")
    f = s.fig("C")
    f["faults_answered"] = sum(1 for r in s.refreshes_in("C")
                               if r.note.startswith("fault"))
    f["expired_shows"] = len(shows.failed("C", EXPIRED_MSG))
    s.no_violation("C")
    s.no_token_dropped("C", shows)
    s.no_false_timeout("C")
    breaches, shortest = retry_after_breaches(s, "C503")
    f["shortest_gap_after_503_s"] = shortest and round(shortest, 3)
    s.check(not breaches, f"{len(breaches)} refresh(es) sooner than "
            f"Retry-After: {RETRY_AFTER} after their 503 (account, "
            f"seconds): {breaches[:5]}")


def phase_d(s, shows):
    """Fast answers again: every token valid soon; the first cycle after
    the outage is spread out."""
    s.provider.token_delay = 0.1
    s.begin("D")
    t0 = s.bounds["D"][0]
    try:
        wait_until(lambda: s.active() >= set(ACCOUNTS), 20,
                   "every token to be valid again", interval=0.5)
        valid_after = time.monotonic() - t0
    except AssertionError:
        valid_after = None
        missing = set(ACCOUNTS) - s.active()
        s.check(False, f"{len(missing)} account(s) still without a valid "
                f"token 20 s after the provider recovered, e.g. "
                f"{sorted(missing)[:5]}")
    s.fig("D")["all_valid_after_s"] = valid_after and round(valid_after, 1)
    s.run_for(max(0.0, t0 + PHASE_S - time.monotonic()))
    s.end("D")
    s.no_violation("D")
    s.no_token_dropped("D", shows)
    s.no_false_timeout("D")
    if valid_after is not None:
        late = [f for f in shows.failed("D") if f[0] > t0 + valid_after + 1]
        s.check(not late, f"{len(late)} show(s) failed once every token "
                f"was valid again, first {first(s, late)}")

    # Each account's successful refreshes after the recovery: the first
    # is its retry, the second its first complete cycle.
    firsts, seconds = [], []
    for lin, reqs in s.provider.refreshes_by_lineage().items():
        ok = [r.time for r in reqs if r.time >= t0 and r.status == 200 and
              r.sent and not r.note]
        if len(ok) >= 1:
            firsts.append(ok[0])
        if len(ok) >= 2:
            seconds.append(ok[1])
    f = s.fig("D")
    f["first_after_recovery"] = spread_figures(firsts)
    f["second_after_recovery"] = spread_figures(seconds)
    sp = f["second_after_recovery"]
    s.check(len(seconds) == len(ACCOUNTS),
            f"only {len(seconds)} of {len(ACCOUNTS)} accounts refreshed "
            f"twice in the {PHASE_S} s after the outage")
    if seconds:
        s.check(sp["busiest_1s"] * 3 < len(seconds),
                f"the first refresh cycle after the outage is in lockstep: "
                f"{sp['busiest_1s']} of {len(seconds)} accounts refreshed "
                f"within one second (want fewer than a third)")
        s.check(sp["span_s"] >= 3.0,
                f"the first refresh cycle after the outage spans only "
                f"{sp['span_s']} s (want at least 3 s)")


# ---- the test ---------------------------------------------------------------

class TestSoak:
    # Slow, then failing, then recovering provider; see the module's text.
    def test_29_01_soak(self, pz, provider, tmp_path):
        provider.expires_in = EXPIRES_IN
        provider.rotate = True
        # A shell hook, not harness.Recorder: Python's start-up, once per
        # event at some 16 events a second, would take the hook queue's
        # one-at-a-time runner most of a CPU; this one still goes through
        # the queue for every refresh.
        hook_log = pz.dir / "events.log"
        hook = pz.script("events.sh", 'printf "%s %s\\n" "$PIZAUTH_ACCOUNT" '
                         f'"$PIZAUTH_EVENT" >> {hook_log}\n')
        pz.recorded_files.append(hook_log)
        pz.write_config(accounts={a: {} for a in ACCOUNTS},
                        refresh_before_expiry=f"{REFRESH_BEFORE_EXPIRY}s",
                        refresh_retry=f"{REFRESH_RETRY}s",
                        token_event_cmd=hook)
        pz.start(verbose=1)
        s = Soak(pz, provider, hook_log)
        t_start = time.monotonic()
        authorise_all(s)
        sampler = Sampler(s)
        shows = Shows(s)
        try:
            phase_a(s, shows)
            base = proc_figures(s.pid)
            phase_b(s, shows)
            phase_c(s, shows)
            phase_d(s, shows)
            final = proc_figures(s.pid)
        finally:
            shows.close()
            sampler.close()

        mem = {"baseline_end_A": base, "peak_B": sampler.peak.get("B"),
               "peak_C": sampler.peak.get("C"), "final_end_D": final}
        s.figures["memory_fds"] = mem
        s.phase = "end"
        if sanitized(s.pid):
            s.figures["memory_check"] = "skipped: ASan build"
        else:
            grown = final["rss_anon_kb"] - base["rss_anon_kb"]
            s.check(grown <= MEM_SLACK_KB,
                    f"RssAnon {final['rss_anon_kb']} kB at the end, "
                    f"{grown} kB above the {base['rss_anon_kb']} kB at the "
                    f"end of A (peak in B {mem['peak_B']}): memory was not "
                    f"given back after the bursts")
        s.check(final["fds"] <= base["fds"] + FD_SLACK,
                f"{final['fds']} descriptors at the end, {base['fds']} at "
                f"the end of A")
        most = max(f["max_concurrent_token_requests"]
                   for f in s.figures["phases"].values())
        s.check(most <= CONN_CEILING, f"{most} /token requests at once at "
                f"some point: more than {CONN_CEILING} connections")
        s.count_refreshes()
        ok = sum(f["refreshes_ok"] for f in s.figures["phases"].values())
        cpu = sum(f["cpu_s"] for f in s.figures["phases"].values())
        s.figures["refreshes_ok_total"] = ok
        s.figures["daemon_cpu_s"] = round(cpu, 2)
        s.figures["daemon_cpu_ms_per_refresh"] = ok and round(
            1000 * cpu / ok, 2)
        s.figures["shows"] = {p: {"calls": shows.calls.get(p, 0),
                                  "failures": len(shows.failed(p))}
                              for p in ("A", "B", "C", "D")}
        try:
            s.figures["hook_runs"] = len(hook_log.read_text().splitlines())
        except FileNotFoundError:
            s.figures["hook_runs"] = 0
        s.figures["runtime_s"] = round(time.monotonic() - t_start, 1)
        s.figures["problems"] = s.problems
        out = tmp_path / "soak-figures.json"
        out.write_text(json.dumps(s.figures, indent=2) + "\n")
        print(f"\nsoak figures ({out}):\n{json.dumps(s.figures, indent=2)}")
        assert pz.alive()
        assert not s.problems, "\n".join(s.problems)


class TestQueue:
    def test_29_02_queue_wait_is_named_as_such(self, pz, provider):
        """A provider that holds every request: 64 go out at once (the
        ceiling) and time out after 30 s on the provider's time; twice as
        many wait behind them, and those that wait 30 s for a connection
        say so, not that DNS or connecting timed out."""
        names = [f"q{i:03d}" for i in range(2 * CONN_CEILING + 6)]
        pz.write_config(accounts={a: {} for a in names},
                        refresh_retry="600s")
        pz.start()
        for a in names:
            pz.authorise(a)
        provider.token_delay = 40.0
        provider.reset_token_active_max()
        t0 = time.monotonic()
        for a in names:
            assert pz.run("refresh", a).rc == 0
        # The ceiling, and no more, goes out (within 1.5 s: 8, 16, 32, 64).
        wait_until(lambda: provider.token_active >= CONN_CEILING, 5,
                   f"{CONN_CEILING} requests at the provider")
        time.sleep(1)
        assert provider.token_active_max == CONN_CEILING
        waited = re.compile(r"account '(q\d+)': transient refresh error "
                            r"\(1 in a row\): Waited (\d+) s for a "
                            rf"connection to 127\.0\.0\.1:{provider.port}$",
                            re.M)
        got = wait_until(lambda: (lambda m: m if len(m) >= 6 else None)(
            waited.findall(pz.log())), 45, "six 'Waited N s' errors")
        assert time.monotonic() - t0 >= 30
        assert all(int(secs) >= 30 for _, secs in got)
        # Those that went out time out 30 s after they did, as curl says.
        wait_until(lambda: len(re.findall(
            r"Operation timed out after 3\d{4} milliseconds", pz.log()))
            >= CONN_CEILING, 15, "the requests in flight to time out")
        assert not TIMEOUT_CLAIM_QUEUED.search(pz.log())
        # Every token is kept.
        st = pz.run("status").out
        for a, _ in got:
            assert f"{a}: Active access token" in st
