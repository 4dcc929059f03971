# SPDX-License-Identifier: Apache-2.0 OR MIT
"""examples/demo/run.sh, what `make run` starts: the demo account against
the bundled demo provider, or the user's own config when there is one."""

import socket
import subprocess

from harness import BIN, REPO, SUCCESS_PAGE, browse, wait_until

RUN_SH = REPO / "examples" / "demo" / "run.sh"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def start_demo(pz, env):
    with open(pz.log_path, "ab") as log:
        pz.proc = subprocess.Popen(["sh", str(RUN_SH)], stdout=log,
                                   stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    pz.wait_ready()


class TestDemo:
    # Without a user config the demo account authorises end to end, and
    # stopping the server stops the demo provider.
    def test_14_01_demo_flow(self, pz):
        port = free_port()
        start_demo(pz, pz.env(BIN=str(BIN), DEMO_PORT=str(port)))
        hints = [l for l in pz.log().splitlines() if l.startswith("demo: ")]
        assert len(hints) == 3, hints
        assert "pizauth show demo" in hints[0] and "curl -sL" in hints[1]
        url = pz.pending_url("demo")
        assert url.startswith(f"http://127.0.0.1:{port}/authorize?"), url
        b = browse(url)
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        tok = pz.token("demo")
        assert tok
        # Refresh works against the demo provider too.
        assert pz.run("refresh", "demo").rc == 0
        assert pz.wait_token_change(tok, "demo")
        assert pz.run("shutdown").rc == 0
        pz.proc.wait(5)
        wait_until(lambda: not listening(port), 5,
                   "the demo provider to stop")
        assert list(pz.home.iterdir()) == [], "demo wrote into $HOME"

    # With a config in $XDG_CONFIG_HOME the user's config runs instead.
    def test_14_02_user_config_wins(self, pz):
        port = free_port()
        pz.write_config(accounts={"mine": {}})
        start_demo(pz, pz.env(BIN=str(BIN), DEMO_PORT=str(port)))
        assert pz.status() == "mine: No access token\n"
        assert not listening(port), "demo provider started anyway"

    # ... and so does one in ~/.config when XDG_CONFIG_HOME is unset.
    def test_14_03_home_config_wins(self, pz):
        pz.write_config(accounts={"homeacct": {}})
        (pz.home / ".config").mkdir()
        pz.conf_path.rename(pz.home / ".config" / "pizauth.conf")
        start_demo(pz, pz.env(BIN=str(BIN), XDG_CONFIG_HOME=None))
        assert pz.status() == "homeacct: No access token\n"
