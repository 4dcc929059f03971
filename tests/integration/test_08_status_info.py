# SPDX-License-Identifier: Apache-2.0 OR MIT
"""`pizauth status` lines and `pizauth info` (text and -j) against a
running daemon."""

import json
import re
import time

from harness import DATE_RE, NONE, http_get, parse_date


class TestStatusInfo:
    # One line per account, sorted by name, for every state.
    def test_08_01_status_lines_sorted(self, pz, provider):
        pz.write_config(accounts={"zeta": {}, "alpha": {}, "mid": {}})
        pz.start()
        r = pz.run("status")
        assert r.rc == 0 and r.err == "", r
        assert r.out == ("alpha: No access token\n"
                         "mid: No access token\n"
                         "zeta: No access token\n"), r
        pz.pending_url("mid")
        pz.authorise("zeta")
        lines = pz.status().splitlines()
        assert [l.split(":")[0] for l in lines] == ["alpha", "mid", "zeta"]
        assert lines[0] == "alpha: No access token"
        assert re.fullmatch(r"mid: Access token pending authentication"
                            rf"( \(last notification {DATE_RE}\))?",
                            lines[1]), lines[1]
        assert lines[2].startswith("zeta: Active access token"), lines[2]

    # An active token's line gives when it was obtained and when it expires.
    def test_08_02_status_active_dates(self, pz, provider):
        provider.expires_in = 7200
        pz.write_config()
        pz.start()
        pz.authorise()
        now = time.time()
        st = pz.status()
        m = re.fullmatch(rf"acct: Active access token \(obtained ({DATE_RE});"
                         rf" expires ({DATE_RE})\)\n", st)
        assert m, st
        obtained, expires = parse_date(m.group(1)), parse_date(m.group(2))
        assert abs(obtained - now) < 5, st
        assert abs(expires - (now + 7200)) < 5, st

    # The raw status reply is "ok:" and the lines.
    def test_08_03_status_wire(self, pz):
        pz.write_config(accounts={"b": {}, "a": {}})
        pz.start()
        assert pz.ctl(b"status:") == \
            b"ok:a: No access token\nb: No access token"

    # info with a running daemon: versions, paths, ports; the HTTP port is
    # the listener's.
    def test_08_04_info_text_running(self, pz):
        pz.write_config(https_listen="127.0.0.1:0")
        pz.start()
        r = pz.run("info")
        assert r.rc == 0, r
        m = re.fullmatch(
            "pizauth version 1.1.0:\n"
            f"  cache directory: {re.escape(str(pz.runtime / 'pizauth'))}\n"
            f"  config file: {re.escape(str(pz.conf_path))}\n"
            "server running:\n"
            r"  HTTP port: (\d+)\n"
            r"  HTTPS port: (\d+)\n"
            r"  HTTPS public key: ((?:[0-9A-F]{2}:)+[0-9A-F]{2})\n", r.out)
        assert m, r.out
        http_port, https_port = int(m.group(1)), int(m.group(2))
        assert http_port != https_port
        assert http_get(f"http://localhost:{http_port}/favicon.ico"
                        ).status == 404
        assert http_get(f"https://localhost:{https_port}/favicon.ico"
                        ).status == 404

    # info -j: the documented JSON object with server_info.
    def test_08_05_info_json_running(self, pz):
        pz.write_config(https_listen="127.0.0.1:0")
        pz.start()
        r = pz.run("info", "-j")
        assert r.rc == 0, r
        j = json.loads(r.out)
        si = j.pop("server_info")
        assert j == {
            "cache_directory": str(pz.runtime / "pizauth"),
            "config_file": str(pz.conf_path),
            "executed_as": "pizauth",
            "info_format_version": 2,
            "pizauth_version": "1.1.0",
            "server_running": True,
        }, j
        assert set(si) == {"http_port", "https_port", "https_pub_key"}, si
        assert si["http_port"].isdigit() and si["https_port"].isdigit(), si
        assert si == pz.server_info()
        assert re.fullmatch(r"(?:[0-9A-F]{2}:)+[0-9A-F]{2}",
                            si["https_pub_key"]), si

    # With HTTPS off the port is "none" and there is no public key.
    def test_08_06_info_https_none(self, pz):
        pz.write_config(https_listen=NONE)
        pz.start()
        r = pz.run("info")
        assert "  HTTPS port: none\n" in r.out, r
        assert "public key" not in r.out, r
        si = json.loads(pz.run("info", "-j").out)["server_info"]
        assert si["https_port"] == "none", si
        assert si.get("https_pub_key") is None, si
        assert si["http_port"].isdigit(), si

    # info -c names the config file given.
    def test_08_07_info_config_option(self, pz):
        other = pz.dir / "other.conf"
        pz.write_config()
        other.write_text(pz.conf_path.read_text())
        r = pz.run("info", "-c", str(other))
        assert r.rc == 0, r
        assert f"  config file: {other}\n" in r.out, r
