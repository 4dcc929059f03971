# SPDX-License-Identifier: MIT
# git-credential-pizauth with the real git: clone and push over HTTP to a
# `git http-backend` on loopback (git_server.py) that takes only an active
# token of the test's oidc-provider, through `credential.helper pizauth`.

import os
import re
import subprocess
import time

import pytest

from conftest import ACCOUNT, CLIENT_ID, PENDING_RE, Daemon, Provider, pizauth_bin
from git_server import GitServer
from mail import USER

GIT_TIMEOUT = 30  # seconds, each git command
FAST = 10  # seconds: "fails fast" means within this
README = "hello from the e2e repository\n"
# What git runs: only our helper, whatever the user's config says.
HELPER = ["-c", "credential.helper=", "-c", "credential.helper=pizauth"]


def git_version():
    out = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    return tuple(int(x) for x in re.search(r"(\d+)\.(\d+)", out).groups())


# Access tokens outlive a test, so no refresh happens unless a test asks.
@pytest.fixture
def provider(tmp_path, logs):
    p = Provider(tmp_path, logs, access_ttl=120)
    yield p
    p.stop()


@pytest.fixture
def git_server(tmp_path, logs, provider):
    s = GitServer(tmp_path, logs, provider, CLIENT_ID)
    s.init_repo("repo.git", {"README": README})
    yield s
    s.stop()


# The account serves the git server by host:port (and example.com), so the
# helper finds it by the daemon's matching; @pytest.mark.pizauth_conf
# (account_extra=...) gives it other settings instead.
@pytest.fixture
def daemon(request, tmp_path, logs, provider, git_server):
    marker = request.node.get_closest_marker("pizauth_conf")
    extra = marker.kwargs["account_extra"] if marker else (
        f'    hosts = ["127.0.0.1:{git_server.port}", "example.com"];\n')
    d = Daemon(tmp_path, logs, provider, account_extra=extra)
    yield d
    d.stop()


class Git:
    """git as a user runs it: an isolated HOME, no system config, no
    prompts, build/bin (git-credential-pizauth) first on PATH."""

    def __init__(self, tmp_path, logs, daemon):
        self.cwd = tmp_path / "work"
        self.cwd.mkdir()
        self.home = daemon.env["HOME"]
        self.env = {
            **daemon.env,
            "PATH": f"{pizauth_bin()}:{daemon.env['PATH']}",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "E2E", "GIT_AUTHOR_EMAIL": "e2e@example.com",
            "GIT_COMMITTER_NAME": "E2E", "GIT_COMMITTER_EMAIL": "e2e@example.com",
        }
        self.log = tmp_path / "git-commands.log"
        logs("git commands", self.log)

    def run(self, *args, input=None, cwd=None, timeout=GIT_TIMEOUT):
        """Runs a command (git or the helper) with this environment; records
        it with any password or credential in its output masked."""
        t0 = time.monotonic()
        try:
            r = subprocess.run(list(args), input=input, cwd=cwd or self.cwd, env=self.env,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"`{' '.join(args)}` took over {timeout} s")
        r.seconds = time.monotonic() - t0
        mask = re.compile(r"^((?:password|credential)=).*$", re.M)
        with open(self.log, "a") as f:
            f.write(f"$ {' '.join(args)}  [exit {r.returncode}, {r.seconds:.2f} s]\n")
            for name, x in (("stdin", input), ("stdout", r.stdout), ("stderr", r.stderr)):
                if x:
                    x = mask.sub(r"\1***", x.rstrip())
                    f.write(f"  {name}: {x}\n")
        return r

    def git(self, *args, **kw):
        return self.run("git", *HELPER, *args, **kw)

    def helper(self, *args, input):
        return self.run(str(pizauth_bin() / "git-credential-pizauth"), *args, input=input)

    def fill(self, desc, helper="pizauth"):
        """`git credential fill`: the answer as {key: value}."""
        r = self.run("git", "-c", "credential.helper=", "-c", f"credential.helper={helper}",
                     "credential", "fill", input=desc)
        assert r.returncode == 0, f"credential fill: exit {r.returncode}: {r.stderr!r}"
        return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


@pytest.fixture
def git(tmp_path, logs, daemon):
    return Git(tmp_path, logs, daemon)


def parse(out):
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def assert_nowhere(token, *dirs):
    """No file under dirs holds the token."""
    needle = token.encode()
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in files:
                p = os.path.join(root, name)
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as f:
                        assert needle not in f.read(), f"the token was written to {p}"


# With only `credential.helper pizauth`, git clones and pushes with the
# daemon's token as the Basic password of user oauth2; nothing stores it.
def test_05_01_clone_and_push(daemon, provider, git_server, git, authorise, tmp_path):
    token = authorise()
    r = git.git("clone", git_server.url("repo.git"), "clone")
    assert r.returncode == 0, f"clone: exit {r.returncode}: {r.stderr}"
    clone = git.cwd / "clone"
    assert (clone / "README").read_text() == README

    (clone / "NEW").write_text("pushed through pizauth\n")
    assert git.run("git", "add", "NEW", cwd=clone).returncode == 0
    assert git.run("git", "commit", "-q", "-m", "e2e push", cwd=clone).returncode == 0
    r = git.git("push", "origin", "main", cwd=clone)
    assert r.returncode == 0, f"push: exit {r.returncode}: {r.stderr}"
    head = git.run("git", "rev-parse", "HEAD", cwd=clone).stdout.strip()
    bare = git.run("git", "--git-dir", str(git_server.root / "repo.git"),
                   "rev-parse", "main").stdout.strip()
    assert head and bare == head, f"the bare repository's main is {bare}, not {head}"

    ok = [s for s in git_server.requests() if s.status == 200]
    assert ok and any("git-receive-pack" in s.path for s in ok), git_server.requests()
    assert all(s.user == "oauth2" and s.token == token for s in ok), git_server.requests()
    assert_nowhere(token, clone, git.home, git_server.root)
    assert daemon.alive()


# Not authorised yet: git fails at once with the URL from the helper on its
# stderr; `-w` waits for the user instead, and git then clones.
def test_05_02_no_token_fails_fast_then_waits(daemon, git_server, git, authorise):
    r = git.git("clone", git_server.url("repo.git"), "clone")
    assert r.returncode != 0, "clone without a token succeeded"
    assert r.seconds < FAST, f"clone took {r.seconds:.1f} s to fail"
    m = PENDING_RE.search(r.stderr)
    assert m, f"no authorisation URL in git's stderr: {r.stderr!r}"
    assert "git-credential-pizauth: " in r.stderr, r.stderr
    url = m.group(1)
    assert url == daemon.pending_url(), "the helper showed another URL than pizauth show"
    assert not (git.cwd / "clone").exists()

    desc = git.cwd / "desc"
    desc.write_text(f"protocol=http\nhost=127.0.0.1:{git_server.port}\n\n")
    with open(desc) as stdin:
        waiter = subprocess.Popen(
            [str(pizauth_bin() / "git-credential-pizauth"), "-w", "30", "get"],
            env=git.env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
    try:
        time.sleep(0.3)
        assert waiter.poll() is None, "the helper did not wait with -w"
        token = authorise(url)
        out, err = waiter.communicate(timeout=FAST)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    assert waiter.returncode == 0, f"helper -w: exit {waiter.returncode}: {err!r}"
    got = parse(out)
    assert got.get("password") == token and got.get("username") == "oauth2", \
        f"helper -w answered {sorted(got)}"

    r = git.git("clone", git_server.url("repo.git"), "clone")
    assert r.returncode == 0, f"clone: exit {r.returncode}: {r.stderr}"


# `git credential fill` gets user oauth2, the token and a future expiry;
# -u and -a work; --bearer answers Bearer to a git that can take it.
def test_05_03_fill(daemon, git_server, git, authorise):
    token = authorise()
    desc = f"protocol=http\nhost=127.0.0.1:{git_server.port}\npath=repo.git\n\n"
    got = git.fill(desc)
    assert got.get("username") == "oauth2" and got.get("password") == token, sorted(got)
    now = time.time()
    if git_version() >= (2, 41):  # git passes the expiry on since 2.41
        assert now < int(got["password_expiry_utc"]) <= now + 130, got["password_expiry_utc"]
    r = git.helper("get", input=desc)
    got = parse(r.stdout)
    assert r.returncode == 0 and r.stderr == "", r
    assert list(got) == ["username", "password", "password_expiry_utc"], sorted(got)
    assert got["password"] == token
    assert now < int(got["password_expiry_utc"]) <= now + 130, got["password_expiry_utc"]

    # -a names the account (the host is not one it lists); -u the user.
    got = git.fill("protocol=https\nhost=git.other.example\n\n", helper="pizauth -a e2e -u alice")
    assert got.get("username") == "alice" and got.get("password") == token, sorted(got)

    # --bearer: only to a git that announced the authtype capability.
    bearer_desc = "capability[]=authtype\n" + desc
    got = parse(git.helper("--bearer", "get", input=bearer_desc).stdout)
    assert got == {"capability[]": "authtype", "authtype": "Bearer", "credential": token,
                   "password_expiry_utc": got.get("password_expiry_utc")}, sorted(got)
    got = parse(git.helper("--bearer", "get", input=desc).stdout)
    assert got.get("password") == token and "credential" not in got, sorted(got)
    if git_version() >= (2, 46):  # git speaks capability[]=authtype since 2.46
        got = git.fill(bearer_desc, helper="pizauth --bearer")
        assert got.get("authtype") == "Bearer" and got.get("credential") == token, sorted(got)
        assert "password" not in got, sorted(got)
    assert daemon.alive()


# The server refuses the daemon's token: git tells the helper (erase), the
# helper has the daemon refresh it, and git's next attempt gets a new,
# active token. An erase of another password refreshes nothing.
def test_05_04_erase_refreshes(daemon, provider, git_server, git, authorise):
    first = authorise()
    desc = f"protocol=http\nhost=127.0.0.1:{git_server.port}\nusername=oauth2\n"
    before = provider.token_stat("refresh_token")["success"]
    r = git.run("git", *HELPER, "credential", "reject", input=desc + "password=typed\n\n")
    assert r.returncode == 0, r.stderr
    assert provider.token_stat("refresh_token")["success"] == before
    assert daemon.run("show", "e2e").stdout.strip() == first

    git_server.refuse(first)
    r = git.git("ls-remote", git_server.url("repo.git"))
    assert r.returncode != 0, "ls-remote with a refused token succeeded"
    assert r.seconds < FAST, f"ls-remote took {r.seconds:.1f} s"
    second = daemon.wait_token(other_than=first)
    provider.assert_active(second)
    assert provider.token_stat("refresh_token")["success"] == before + 1

    r = git.git("ls-remote", git_server.url("repo.git"))
    assert r.returncode == 0, f"ls-remote after the refresh: exit {r.returncode}: {r.stderr}"
    assert "refs/heads/main" in r.stdout
    used = [s.token for s in git_server.requests() if s.status == 200]
    assert used and all(t == second for t in used), git_server.requests()

    # `git credential reject` of the current token: refreshed before it returns.
    r = git.run("git", *HELPER, "credential", "reject", input=desc + f"password={second}\n\n")
    assert r.returncode == 0, r.stderr
    third = git.fill(desc + "\n").get("password")
    assert third not in (None, first, second), "no new token after erase"
    provider.assert_active(third)
    assert daemon.alive()


# http:// to a host that is not this machine gets nothing, even for a host
# an account lists (https to it does); hosts no account serves get nothing,
# silently, so git moves on.
def test_05_05_unserved_remotes_get_nothing(daemon, git, authorise):
    token = authorise()
    got = git.fill("protocol=https\nhost=example.com\n\n")
    assert got.get("password") == token, sorted(got)

    for desc in ("protocol=http\nhost=example.com\n\n",
                 "protocol=http\nhost=example.com:80\nusername=oauth2\n\n",
                 "protocol=https\nhost=github.com\n\n",
                 "protocol=ssh\nhost=example.com\n\n"):
        r = git.helper("get", input=desc)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), (desc, r)
        r = git.run("git", *HELPER, "credential", "fill", input=desc)
        assert r.returncode != 0, f"fill succeeded for {desc!r}"
        assert "password=" not in r.stdout and token not in r.stdout + r.stderr, desc
        assert "terminal prompts disabled" in r.stderr, r.stderr
    assert daemon.alive()


# The audit's attack: a remote URL names the account (or the mail user) as
# its user and a host of its own: a link, or a submodule of a repository
# the user trusts.  Here the account is a mail account that lists its user
# and no hosts, and git reaches the real server through `pizauth -a e2e`
# set for that server's URL, as git-credential-pizauth(1) says to.  The
# foreign server gets no token, asked directly or through a submodule.
@pytest.mark.pizauth_conf(account_extra=f'    users = ["{USER}"];\n')
def test_05_06_account_name_in_url_takes_no_token_abroad(
        daemon, provider, git_server, git, authorise, tmp_path, logs):
    token = authorise()
    (tmp_path / "foreign").mkdir()
    foreign = GitServer(tmp_path / "foreign", logs, provider, CLIENT_ID)
    try:
        bare = foreign.init_repo("evil.git", {"README": "not yours\n"})
        evil = f"http://{ACCOUNT}@127.0.0.1:{foreign.port}/evil.git"

        for desc in (f"protocol=http\nhost=127.0.0.1:{foreign.port}\n"
                     f"username={ACCOUNT}\n\n",
                     f"protocol=https\nhost=evil.example\nusername={ACCOUNT}\n\n",
                     f"protocol=https\nhost=evil.example\nusername={USER}\n\n"):
            r = git.helper("get", input=desc)
            assert (r.returncode, r.stdout) == (0, ""), (desc, r)
            assert token not in r.stderr

        r = git.git("clone", evil, "direct")
        assert r.returncode != 0, "cloned from the foreign server"

        # A repository on the real server with the foreign one as submodule.
        sha = git.run("git", "--git-dir", str(bare), "rev-parse",
                      "main").stdout.strip()
        seed = tmp_path / "seed-super"
        for cmd in (["git", "init", "-q", "-b", "main", str(seed)],
                    ["git", "-C", str(seed), "config", "-f", ".gitmodules",
                     "submodule.sub.path", "sub"],
                    ["git", "-C", str(seed), "config", "-f", ".gitmodules",
                     "submodule.sub.url", evil],
                    ["git", "-C", str(seed), "add", ".gitmodules"],
                    ["git", "-C", str(seed), "update-index", "--add",
                     "--cacheinfo", f"160000,{sha},sub"],
                    ["git", "-C", str(seed), "commit", "-q", "-m", "super"],
                    ["git", "-C", str(seed), "push", "-q",
                     str(git_server.init_repo("super.git", {"README": README})),
                     "+main"]):
            r = git.run(*cmd)
            assert r.returncode == 0, (cmd, r.stderr)
        served = f"credential.http://127.0.0.1:{git_server.port}.helper"
        r = git.git("-c", f"{served}=", "-c", f"{served}=pizauth -a {ACCOUNT}",
                    "clone", "--recurse-submodules", git_server.url("super.git"),
                    "super")
        assert (git.cwd / "super" / ".gitmodules").is_file(), r.stderr
        assert not (git.cwd / "super" / "sub" / "README").exists()

        seen = foreign.requests()
        assert seen, "git never asked the foreign server"
        # git may send the URL's user with an empty password: no token.
        assert all(not s.token and s.status != 200 for s in seen), seen
        ok = [s for s in git_server.requests() if s.status == 200]
        assert ok and all(s.token == token for s in ok), git_server.requests()
    finally:
        foreign.stop()
    assert daemon.alive()
