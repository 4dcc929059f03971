# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The command line itself: usage, version, argument errors, and what every
command says when no daemon is running."""

import json

import pytest

from harness import NOT_RUNNING

COMMANDS = ["dump", "info", "refresh", "restore", "reload", "revoke",
            "server", "show", "shutdown", "status"]


def assert_usage(text):
    assert "Usage" in text, text
    for c in COMMANDS:
        assert f" {c}" in text, f"usage does not mention '{c}': {text}"


class TestCli:
    # No arguments at all: usage on stderr, exit 1.
    def test_01_01_no_args_usage(self, pz):
        r = pz.run()
        assert r.rc == 1, r
        assert r.out == "", r
        assert_usage(r.err)

    # An unknown command: usage on stderr, exit 1.
    def test_01_02_bad_command_usage(self, pz):
        r = pz.run("frobnicate")
        assert r.rc == 1, r
        assert r.out == "", r
        assert_usage(r.err)

    # --help prints usage and succeeds.
    def test_01_03_help_exit_0(self, pz):
        r = pz.run("--help")
        assert r.rc == 0, r
        assert_usage(r.out + r.err)

    # -h prints usage too.
    def test_01_04_dash_h_usage(self, pz):
        r = pz.run("-h")
        assert_usage(r.out + r.err)

    # --version prints the version we are compatible with.
    def test_01_05_version(self, pz):
        r = pz.run("--version")
        assert r.rc == 0, r
        assert r.out.strip() == "pizauth 1.1.0", r

    # Commands taking one account refuse zero or two: usage, exit 1.
    @pytest.mark.parametrize("args", [
        ["show"], ["show", "a", "b"], ["refresh"], ["refresh", "a", "b"],
        ["revoke"], ["revoke", "a", "b"], ["show", "-x", "a"],
        ["status", "extra"], ["shutdown", "extra"], ["reload", "extra"],
        ["dump", "extra"], ["restore", "extra"], ["server", "extra"],
    ], ids=lambda a: "_".join(a))
    def test_01_06_bad_arguments_usage(self, pz, args):
        r = pz.run(*args)
        assert r.rc == 1, r
        assert r.out == "", r
        assert "Usage" in r.err, r

    # Every command that needs the daemon says it is not running, exit 1.
    @pytest.mark.parametrize("args", [
        ["show", "acct"], ["show", "-u", "acct"], ["refresh", "acct"],
        ["refresh", "-u", "acct"], ["status"], ["reload"],
        ["revoke", "acct"], ["dump"], ["shutdown"], ["restore"],
    ], ids=lambda a: "_".join(a))
    def test_01_07_not_running(self, pz, args):
        r = pz.run(*args, input=b"")
        assert r.rc == 1, r
        assert r.out == "", r
        assert NOT_RUNNING in r.err, r

    # A socket file left behind by a dead daemon is "not running" too.
    def test_01_08_stale_socket_not_running(self, pz):
        pz.write_config()
        pz.start()
        pz.kill()
        r = pz.run("status")
        assert r.rc == 1, r
        assert NOT_RUNNING in r.err, r

    # `info` without a daemon describes the client and says so, exit 0.
    def test_01_09_info_server_not_running(self, pz):
        pz.write_config()
        r = pz.run("info")
        assert r.rc == 0, r
        assert r.out == ("pizauth version 1.1.0:\n"
                         f"  cache directory: {pz.runtime / 'pizauth'}\n"
                         f"  config file: {pz.conf_path}\n"
                         "server not running\n"), r

    # `info -j` without a daemon: the JSON object says server_running false.
    def test_01_10_info_json_server_not_running(self, pz):
        pz.write_config()
        r = pz.run("info", "-j")
        assert r.rc == 0, r
        j = json.loads(r.out)
        assert j == {
            "cache_directory": str(pz.runtime / "pizauth"),
            "config_file": str(pz.conf_path),
            "executed_as": "pizauth",
            "info_format_version": 2,
            "pizauth_version": "1.1.0",
            "server_running": False,
        }, j
