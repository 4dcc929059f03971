# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Shell completions (share/bash, share/zsh, share/fish) in the real shells.

bash: each completion function is found as bash-completion finds it (its
loader, with our files laid out as `make install` puts them, when
bash-completion is installed; else the file sourced) and called with
COMP_LINE and COMP_POINT set; an interactive bash in a pty shows what
readline really inserts.  zsh: an interactive `zsh -f` driven through the
zsh/zpty module, with compinit and our _pizauth on fpath, its candidates
caught by a compadd wrapper and its line read back after TAB.  fish:
`complete -C` with our directory on fish_complete_path, and an interactive
fish in a pty for what it inserts.

For each shell: the subcommands; the options of show, status, info,
refresh and server; account names from a running server with several
accounts (one with a space, one with quotes, a backslash and a dollar,
one with a colon and non-ASCII letters), each inserted as one correctly
quoted word; nothing offered and nothing on stderr, quickly, with no
server and with a server that accepts but never answers; the JSON of
`pizauth status -j` decoded by its structure and escapes (a stub pizauth
prints crafted JSON); the pizauth beside a command named by its path asked
rather than the one in PATH; and the completions of pizauth-passwordeval
and pizauth-keyring.  A shell that is not installed is skipped (they are
the Debian packages bash, zsh, fish and bash-completion).
"""

import contextlib
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest

from harness import BIN, REPO, config_text

SHARE = REPO / "share"
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")

SUBCOMMANDS = {"dump", "info", "refresh", "reload", "restore", "revoke",
               "server", "show", "shutdown", "status"}
FORMATS = {"token", "xoauth2", "oauthbearer"}
KEYRING = {"save", "restore", "clear"}

# The accounts of the running server: unique prefixes "wo", "pers",
# "quo", "café:" ("café:" is also a prefix across bash's ":" word break).
ACCOUNTS = ["work", "personal mail", "quo\"te's \\ $HOME `x`", "café:b"]

# What a stub `pizauth status -j` prints, and the names in it: escapes of
# every kind, "name" members and strings that are not account names.
STUB_JSON = (
    r'{"accounts":[{"state":"active","name":"\u00e9t\u00e9 \ud83d\ude00",'
    r'"last_error":"bad \"name\":\"evil\" \\"},'
    r'{"name":"sl\/ash \"q\" back\\slash\\","state":"pending"},'
    r'{"name":"x","nested":{"name":"not-this"},"list":[{"name":"nor-this"}],'
    r'"n":[1,2.5e3,true,false,null]},'
    r'{"name":"tab\there"}],'
    r'"other":[{"name":"not-an-account"}],"name":"nope"}')
STUB_NAMES = {"été 😀", 'sl/ash "q" back\\slash\\', "x", "tab\there"}

CASE_TIMEOUT = 10.0


# ---- environment -------------------------------------------------------

def shell_env(pz, first=()):
    """The test's environment for a shell: UTF-8, our programs in PATH
    after the directories `first`."""
    path = os.pathsep.join([*map(str, first), str(BIN),
                            os.environ.get("PATH", "/usr/bin:/bin")])
    return pz.env(LC_ALL="C.UTF-8", LANG="C.UTF-8", PATH=path, TERM="dumb",
                  INPUTRC="/dev/null")


def start_with_accounts(pz, provider, names=ACCOUNTS):
    text = config_text(provider, accounts={n: {} for n in names})
    pz.conf_path.write_bytes(text.encode("utf-8"))
    pz.start()


def stub_pizauth(pz, output):
    """A directory holding a `pizauth` that prints output for status -j."""
    d = pz.dir / "stub"
    d.mkdir(exist_ok=True)
    (d / "status.json").write_text(output + "\n", encoding="utf-8")
    p = d / "pizauth"
    p.write_text('#!/bin/sh\n[ "$*" = "status -j" ] || exit 1\n'
                 'exec cat "$(dirname "$0")/status.json"\n')
    p.chmod(0o755)
    return d


@contextlib.contextmanager
def silent_server(path):
    """A control socket that accepts connections and never answers."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(64)
    s.settimeout(0.05)
    conns, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conns.append(s.accept()[0])
            except socket.timeout:
                pass
            except OSError:
                return
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(2)
        for c in conns:
            c.close()
        s.close()
        path.unlink(missing_ok=True)


def run(argv, env, cwd, timeout=30.0):
    try:
        return subprocess.run(argv, env=env, cwd=cwd, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{argv[0]} did not finish within {timeout}s")


class Pty:
    """An interactive shell on a pseudo-terminal.  Each case is typed with
    a TAB and then a key bound to append the line, NUL-terminated, to a
    record file and clear it; every wait is bounded."""

    def __init__(self, argv, env, cwd, records):
        self.records = records
        self.out = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.out += chunk

    def lines(self):
        try:
            data = self.records.read_bytes()
        except FileNotFoundError:
            return []
        return data.split(b"\0")[:-1]

    def wait(self, what, pred):
        deadline = time.monotonic() + CASE_TIMEOUT
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what} not within {CASE_TIMEOUT}s; terminal: "
                    f"{self.out[-2000:]!r}")
            self.pump(0.02)

    def raw(self):
        """Is the terminal in the line editor's mode?  Keys such as ^D
        typed while a command runs would meet the cooked line discipline
        (and ^D mean end of file)."""
        return not termios.tcgetattr(self.fd)[3] & termios.ICANON

    def type(self, keys, n):
        """Type keys once the line editor reads them; wait until there are
        n records and the line editor is back."""
        self.wait("the line editor", self.raw)
        os.write(self.fd, keys)
        self.wait(f"record {n} after typing {keys!r}",
                  lambda: len(self.lines()) >= n)
        self.wait("the line editor", self.raw)

    def close(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def type_cases(sh, setup, cases, suffix):
    """Type the setup line (which writes the first record), then each case
    and suffix; the lines recorded after each."""
    sh.type(setup, 1)
    out = []
    for i, c in enumerate(cases):
        sh.type(c.encode() + suffix, i + 2)
        out.append(sh.lines()[i + 1].decode())
    return out


# ---- bash ----------------------------------------------------------------

BASH_RUNNER = r'''
if [[ -r $PZ_BASH_COMPLETION ]]; then
    . "$PZ_BASH_COMPLETION"
else
    . "$PZ_COMPDIR/pizauth"
fi
for line; do
    cmd=${line%% *} name=${line%% *}
    name=${name##*/}
    if ! complete -p "$name" >/dev/null 2>&1; then
        _completion_loader "$name"
    fi
    spec=$(complete -p "$name") || exit 1
    [[ $spec == *" -F _pizauth"* ]] || { echo "bad spec: $spec" >&2; exit 1; }
    func=${spec##*-F } func=${func%% *}
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -ra COMP_WORDS <<<"$line"
    [[ $line == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$func" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    for e in "${COMPREPLY[@]}"; do
        v=$e
        eval "v=$e" 2>/dev/null
        printf '%s\037%s\036' "$e" "$v"
    done
    printf '\035'
done
'''


class Bash:
    name = "bash"

    def __init__(self, pz):
        self.pz = pz
        # Laid out as `make install` puts them, for bash-completion's loader.
        self.compdir = pz.dir / "bash-completion" / "completions"
        self.compdir.mkdir(parents=True, exist_ok=True)
        for f in ("pizauth", "pizauth-passwordeval", "pizauth-keyring"):
            shutil.copy(SHARE / "bash" / f, self.compdir / f)
        self.loader = BASH_COMPLETION.is_file()

    def env(self, first=()):
        env = shell_env(self.pz, first)
        env["BASH_COMPLETION_USER_DIR"] = str(self.compdir.parent)
        env["PZ_COMPDIR"] = str(self.compdir)
        env["PZ_BASH_COMPLETION"] = str(BASH_COMPLETION) if self.loader \
            else ""
        return env

    def complete(self, lines, first=()):
        """Per line, the candidates (COMPREPLY entries as the shell reads
        them); and stderr."""
        p = run(["bash", "--norc", "--noprofile", "-c", BASH_RUNNER, "bash",
                 *lines], self.env(first), self.pz.dir)
        assert p.returncode == 0, p
        cases = p.stdout.decode().split("\x1d")
        assert cases[-1] == "" and len(cases) == len(lines) + 1, p.stdout
        out = []
        for c in cases[:-1]:
            ents = [e.split("\x1f") for e in c.split("\x1e")[:-1]]
            out.append([v for _, v in ents])
        return out, p.stderr.decode()

    def insert(self, lines, first=()):
        rec = self.pz.dir / "bash.lines"
        rec.unlink(missing_ok=True)
        load = (f'. {BASH_COMPLETION}' if self.loader
                else f'. {self.compdir}/pizauth')
        setup = (f"PS1='$ '; {load}; _pzd() {{ printf '%s\\0' "
                 f"\"$READLINE_LINE\" >> {rec}; READLINE_LINE=; }}; "
                 "bind -x '\"\\C-x\\C-d\": _pzd'; "
                 f"printf '\\0' >> {rec}\n")
        sh = Pty(["bash", "--norc", "--noprofile", "-i"], self.env(first),
                 self.pz.dir, rec)
        try:
            return type_cases(sh, setup.encode(), lines, b"\t\x18\x04")
        finally:
            sh.close()

    def words(self, line):
        p = run(["bash", "--norc", "--noprofile", "-c",
                 'eval "set -- $1"; printf "%s\\0" "$@"', "bash", line],
                shell_env(self.pz), self.pz.dir)
        assert p.returncode == 0 and not p.stderr, p
        return p.stdout.decode().split("\0")[:-1]


# ---- zsh -----------------------------------------------------------------

ZSH_SETUP = r'''
# Sourced by the interactive zsh: compinit with our _pizauth first on
# fpath, stderr to a file, a compadd that also records each match it is
# given ("C:word"), and TAB bound to a widget that records "B:", completes
# and records the line ("E:line"); records end with NUL.
stty rows 50 cols 200
PS1='> '
unsetopt autolist automenu beep
fpath=($PZ_FPATH $fpath)
autoload -Uz compinit
compinit -u -D
exec 2>>$PZ_OUT.err
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return
  fi
  local -a __h
  local h
  builtin compadd -O __h "$@"
  for h in $__h; do print -rn -- "C:$h"$'\0' >> $PZ_OUT; done
  builtin compadd "$@"
}
_pz_tab() {
  print -rn -- "B:"$'\0' >> $PZ_OUT
  zle complete-word
  print -rn -- "E:$BUFFER"$'\0' >> $PZ_OUT
  BUFFER=
  print x >> $PZ_OUT.done
}
zle -N _pz_tab
bindkey '^I' _pz_tab
'''

ZSH_DRIVER = r'''
# zsh -f driver.zsh CASEFILE: type ". setup.zsh", then each line of
# CASEFILE and a TAB, into an interactive zsh -f on a zpty; wait (10s at
# most) for each completion's record before typing the next.
zmodload zsh/zpty zsh/zselect zsh/datetime || exit 3
cases=("${(@f)$(<$1)}")
zpty z zsh -f -i || exit 4
drain() {
  local chunk
  while zpty -r -t z chunk 2>/dev/null; do
    print -rn -- $chunk >> $PZ_OUT.tty
  done
}
zpty -w -n z ". ${(q)PZ_SETUP}"$'\n'
integer i=0
float deadline
for c in $cases; do
  (( i++ ))
  zpty -w -n z "$c"$'\t'
  deadline=$(( EPOCHREALTIME + 10 ))
  until [[ -f $PZ_OUT.done ]] && (( ${#${(f)"$(<$PZ_OUT.done)"}} >= i )); do
    drain
    if (( EPOCHREALTIME > deadline )); then
      print -u2 "no completion 10s after typing case $i: $c"
      zpty -d z
      exit 5
    fi
    zselect -t 2
  done
done
zpty -w -n z $'exit\n'
drain
zpty -d z
exit 0
'''


class Zsh:
    name = "zsh"

    def __init__(self, pz):
        self.pz = pz
        self.n = 0

    def _run(self, lines, first):
        self.n += 1
        d = self.pz.dir / f"zsh{self.n}"
        d.mkdir()
        (d / "setup.zsh").write_text(ZSH_SETUP)
        (d / "driver.zsh").write_text(ZSH_DRIVER)
        (d / "cases").write_bytes("".join(l + "\n" for l in lines).encode())
        out = d / "out"
        (d / "out.err").write_bytes(b"")
        env = shell_env(self.pz, first)
        env.update(PZ_SETUP=str(d / "setup.zsh"), PZ_OUT=str(out),
                   PZ_FPATH=str(SHARE / "zsh"))
        p = run(["zsh", "-f", str(d / "driver.zsh"), str(d / "cases")], env,
                self.pz.dir)
        tty = (d / "out.tty").read_bytes() if (d / "out.tty").exists() \
            else b""
        assert p.returncode == 0, (p, tty[-2000:])
        cands, bufs = [], []
        for r in out.read_bytes().decode().split("\0")[:-1]:
            kind, text = r[:2], r[2:]
            if kind == "B:":
                cands.append([])
            elif kind == "C:":
                cands[-1].append(text)
            elif kind == "E:":
                bufs.append(text)
        assert len(cands) == len(bufs) == len(lines), (cands, bufs)
        return cands, bufs, (d / "out.err").read_text() + p.stderr.decode()

    def complete(self, lines, first=()):
        cands, _, err = self._run(lines, first)
        return cands, err

    def insert(self, lines, first=()):
        _, bufs, err = self._run(lines, first)
        assert err == "", err
        return bufs

    def words(self, line):
        p = run(["zsh", "-f", "-c", 'eval "set -- $1"; printf "%s\\0" "$@"',
                 "zsh", line], shell_env(self.pz), self.pz.dir)
        assert p.returncode == 0 and not p.stderr, p
        return p.stdout.decode().split("\0")[:-1]


# ---- fish ----------------------------------------------------------------

FISH_COMPLETE = r'''
set -p fish_complete_path $PZ_FISHDIR
for l in $argv
    complete -C $l
    printf '\x1d\n'
end
'''


class Fish:
    name = "fish"

    def __init__(self, pz):
        self.pz = pz

    def env(self, first=()):
        env = shell_env(self.pz, first)
        env["PZ_FISHDIR"] = str(SHARE / "fish")
        return env

    def complete(self, lines, first=()):
        p = run(["fish", "-N", "-c", FISH_COMPLETE, *lines],
                self.env(first), self.pz.dir)
        assert p.returncode == 0, p
        cases = p.stdout.decode().split("\x1d\n")
        assert cases[-1] == "" and len(cases) == len(lines) + 1, p.stdout
        return ([[l.split("\t")[0] for l in c.split("\n")[:-1]]
                 for c in cases[:-1]], p.stderr.decode())

    def insert(self, lines, first=()):
        rec = self.pz.dir / "fish.lines"
        rec.unlink(missing_ok=True)
        setup = ("set -p fish_complete_path $PZ_FISHDIR; function _pzd; "
                 "printf '%s\\0' (commandline | string collect) >> "
                 f"{rec}; commandline ''; end; bind \\cx\\cd _pzd; "
                 f"printf '\\0' >> {rec}\n")
        env = self.env(first)
        env["TERM"] = "xterm"
        sh = Pty(["fish", "-N", "-i"], env, self.pz.dir, rec)
        try:
            return type_cases(sh, setup.encode(), lines, b"\t\x18\x04")
        finally:
            sh.close()

    def words(self, line):
        p = run(["fish", "-N", "-c",
                 'eval set -g __w $argv[1]; printf "%s\\0" $__w', line],
                shell_env(self.pz), self.pz.dir)
        assert p.returncode == 0 and not p.stderr, p
        return p.stdout.decode().split("\0")[:-1]


SHELLS = {"bash": Bash, "zsh": Zsh, "fish": Fish}


@pytest.fixture(params=list(SHELLS))
def shell(request, pz):
    if shutil.which(request.param) is None:
        pytest.skip(f"{request.param} is not installed")
    return SHELLS[request.param](pz)


class TestCompletions:
    # The subcommands, and --help/--version before one.
    def test_27_01_subcommands(self, shell):
        c, err = shell.complete(["pizauth ", "pizauth s", "pizauth sh",
                                 "pizauth -"])
        assert err == "", err
        assert set(c[0]) == SUBCOMMANDS, c[0]
        assert set(c[1]) == {"server", "show", "shutdown", "status"}, c[1]
        assert set(c[2]) == {"show", "shutdown"}, c[2]
        assert {"--help", "--version"} <= set(c[3]), c[3]
        assert not set(c[3]) & SUBCOMMANDS, c[3]

    # The options of each subcommand; nothing after one that takes none,
    # nor for show -w's number; accounts not offered for status.
    def test_27_02_options(self, shell):
        c, err = shell.complete([
            "pizauth show -", "pizauth show -u -", "pizauth status -",
            "pizauth info -", "pizauth refresh -", "pizauth server -",
            "pizauth show -w ", "pizauth status -j ", "pizauth dump ",
            "pizauth server -d -"])
        assert err == "", err
        assert set(c[0]) == {"-u", "-w"}, c[0]
        assert "-w" in c[1], c[1]
        assert set(c[2]) == {"-j"}, c[2]
        assert set(c[3]) == {"-j"}, c[3]
        assert set(c[4]) == {"-u"}, c[4]
        assert {"-c", "-d", "-v"} <= set(c[5]), c[5]
        assert c[6] == [], c[6]
        assert c[7] == [], c[7]
        assert c[8] == [], c[8]
        assert {"-c", "-v"} <= set(c[9]), c[9]

    # Account names come from the running server, for show, refresh,
    # revoke and pizauth-passwordeval, after options; one account only.
    def test_27_03_accounts(self, shell, pz, provider):
        start_with_accounts(pz, provider)
        c, err = shell.complete([
            "pizauth show ", "pizauth refresh ", "pizauth revoke ",
            "pizauth show -u ", "pizauth show -w 5 ", "pizauth show -uw 5 ",
            "pizauth refresh -u ", "pizauth show work ", "pizauth status ",
            "pizauth show pers", "pizauth-passwordeval ",
            "pizauth-passwordeval -u me -w 5 ", "pizauth-passwordeval -f ",
            "pizauth-passwordeval work ", "pizauth-passwordeval -"])
        assert err == "", err
        for i in range(7):
            assert set(c[i]) == set(ACCOUNTS), (i, c[i])
        assert not set(c[7]) & set(ACCOUNTS), c[7]
        assert not set(c[8]) & set(ACCOUNTS), c[8]
        assert c[9] == ["personal mail"], c[9]
        assert set(c[10]) == set(ACCOUNTS), c[10]
        assert set(c[11]) == set(ACCOUNTS), c[11]
        assert set(c[12]) == FORMATS, c[12]
        assert not set(c[13]) & set(ACCOUNTS), c[13]
        assert {"-f", "-H", "-p", "-u", "-w"} <= set(c[14]), c[14]

    # What the shell inserts is one word, quoted as the word was begun,
    # that the shell reads back as the account's name.
    def test_27_04_inserted_quoted(self, shell, pz, provider):
        start_with_accounts(pz, provider)
        conf = pz.dir / "conf-file.conf"
        conf.write_text("")
        cases = [
            ("pizauth show pers", "personal mail"),
            ("pizauth show 'pers", "personal mail"),
            ('pizauth show "pers', "personal mail"),
            ("pizauth show quo", ACCOUNTS[2]),
            ("pizauth show 'quo", ACCOUNTS[2]),
            ('pizauth show "quo', ACCOUNTS[2]),
            ("pizauth show café:", "café:b"),
            ("pizauth show caf", "café:b"),
            ("pizauth show wo", "work"),
            ("pizauth-passwordeval -w 5 pers", "personal mail"),
            ("pizauth sho", "show"),
            (f"pizauth server -c {pz.dir}/conf-fi", str(conf)),
        ]
        lines = shell.insert([l for l, _ in cases])
        for (typed, want), line in zip(cases, lines):
            words = shell.words(line)
            assert words == typed.split(" ")[:-1] + [want], (typed, line)
            if typed.startswith("pizauth show") or "-w 5" in typed:
                assert line.endswith(" "), (typed, line)

    # No server: nothing offered, nothing printed, at once.
    def test_27_05_no_server(self, shell):
        t0 = time.monotonic()
        c, err = shell.complete(["pizauth show ", "pizauth revoke w",
                                 "pizauth-passwordeval "])
        elapsed = time.monotonic() - t0
        assert err == "", err
        assert c == [[], [], []], c
        assert elapsed < 5, elapsed

    # A server that accepts but never answers costs about a second.
    def test_27_06_unresponsive_server(self, shell, pz):
        with silent_server(pz.sock_path):
            t0 = time.monotonic()
            c, err = shell.complete(["pizauth show "])
            elapsed = time.monotonic() - t0
        assert err == "", err
        assert c == [[]], c
        assert elapsed < 5, elapsed

    # Names are decoded from the JSON by its structure and escapes; fish
    # cannot offer a name holding a tab.
    def test_27_07_json_decoding(self, shell, pz):
        stub = stub_pizauth(pz, STUB_JSON)
        c, err = shell.complete(["pizauth show ", "pizauth-passwordeval "],
                                first=[stub])
        assert err == "", err
        want = STUB_NAMES - ({"tab\there"} if shell.name == "fish" else set())
        assert set(c[0]) == want, c[0]
        assert set(c[1]) == want, c[1]

    # Output that is not such JSON gives nothing, and no error.
    @pytest.mark.parametrize("output", [
        "", "garbage", '{"accounts":[{"name":"unterminated',
        '{"accounts":{"name":"x"}}', '[{"name":"x"}]',
        '{"accounts":[{"name":"\\u0000"}]}',
    ], ids=["empty", "garbage", "unterminated", "object", "array", "nul"])
    def test_27_08_not_json(self, shell, pz, output):
        stub = stub_pizauth(pz, output)
        c, err = shell.complete(["pizauth show "], first=[stub])
        assert err == "", err
        assert c == [[]], c

    # A command named by its path asks the pizauth beside it, not the one
    # in PATH.
    def test_27_09_pizauth_beside_command(self, shell, pz, provider):
        start_with_accounts(pz, provider)
        stub = stub_pizauth(pz, STUB_JSON)
        c, err = shell.complete([f"{BIN}/pizauth show ", "pizauth show ",
                                 f"{BIN}/pizauth-passwordeval "],
                                first=[stub])
        assert err == "", err
        assert set(c[0]) == set(ACCOUNTS), c[0]
        assert set(c[1]) & STUB_NAMES and not set(c[1]) & set(ACCOUNTS), c[1]
        assert set(c[2]) == set(ACCOUNTS), c[2]

    # pizauth-keyring: its commands, its options, nothing after.
    def test_27_10_keyring(self, shell):
        c, err = shell.complete(["pizauth-keyring ", "pizauth-keyring r",
                                 "pizauth-keyring -", "pizauth-keyring save "])
        assert err == "", err
        assert set(c[0]) == KEYRING, c[0]
        assert set(c[1]) == {"restore"}, c[1]
        assert {"--help", "--version"} <= set(c[2]), c[2]
        assert c[3] == [], c[3]


class TestBashLoading:
    # bash-completion finds each program's completion by the program's
    # name, and the helpers' files load pizauth's.
    @pytest.mark.skipif(not BASH_COMPLETION.is_file() or
                        shutil.which("bash") is None,
                        reason="bash-completion is not installed")
    def test_27_11_loader_by_name(self, pz):
        b = Bash(pz)
        p = run(["bash", "--norc", "--noprofile", "-c",
                 '. "$PZ_BASH_COMPLETION"; for c in pizauth-keyring '
                 'pizauth-passwordeval pizauth; do __load_completion $c && '
                 'complete -p $c; done'], b.env(), pz.dir)
        assert p.returncode == 0 and p.stderr == b"", p
        assert p.stdout.decode().splitlines() == [
            "complete -F _pizauth_keyring pizauth-keyring",
            "complete -F _pizauth_passwordeval pizauth-passwordeval",
            "complete -F _pizauth pizauth",
        ], p.stdout
