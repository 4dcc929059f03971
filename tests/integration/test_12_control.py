# SPDX-License-Identifier: Apache-2.0 OR MIT
"""The control socket spoken directly: the replies of pizauth 1.1.0's wire
protocol, errors for unknown commands and garbage, and a daemon that no
client can stall or harm."""

import json
import socket
import threading



def connect(pz):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(str(pz.sock_path))
    return s


class TestControl:
    # Exact replies for a token, a pending account, and withouturl.
    def test_12_01_showtoken_replies(self, pz, provider):
        pz.write_config(accounts={"a": {}, "b": {}})
        pz.start()
        reply = pz.ctl(b"showtoken:withurl a")
        assert reply.startswith(b"pending:" + provider.url(
            "/authorize").encode() + b"?"), reply
        assert pz.ctl(b"showtoken:withouturl b") == b"pending:"
        tok = pz.authorise("a")
        assert pz.ctl(b"showtoken:withurl a") == b"access_token:" + \
            tok.encode()
        assert pz.ctl(b"showtoken:withouturl a") == b"access_token:" + \
            tok.encode()
        assert pz.ctl(b"showtoken:withurl nosuch") == \
            b"error:No account 'nosuch'"

    # An unknown command gets "error:Unknown command '...'".
    def test_12_02_unknown_command(self, pz):
        pz.write_config()
        pz.start()
        assert pz.ctl(b"xyz:") == b"error:Unknown command 'xyz'"
        assert pz.ctl(b"xyz:some args") == b"error:Unknown command 'xyz'"

    # Garbage gets an error: reply and changes nothing.
    def test_12_03_garbage_requests(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        for junk in (b"no colon here", b"", b"\x00\x01\x02\xff\xfe",
                     b":", b"showtoken:", b"showtoken:withurl",
                     b"status:extra", b"\xff\xfe:\x00", b"refresh:",
                     b"info:x", b"dump:x"):
            reply = pz.ctl(junk)
            assert reply.startswith(b"error:"), (junk, reply)
            assert pz.alive()
        assert pz.token() == tok
        assert pz.status().startswith("acct: Active access token")

    # status, info, reload, refresh: their raw replies.
    def test_12_04_other_replies(self, pz, provider):
        pz.write_config()
        pz.start()
        assert pz.ctl(b"status:") == b"ok:acct: No access token"
        info = json.loads(pz.ctl(b"info:"))
        assert info["http_port"].isdigit() and info["https_port"] == "none"
        assert pz.ctl(b"reload:") == b"ok:"
        assert pz.ctl(b"refresh:withouturl acct") == b"pending:"
        assert pz.ctl(b"refresh:withurl acct").startswith(b"pending:http")
        assert pz.ctl(b"refresh:withurl nosuch") == \
            b"error:No account 'nosuch'"

    # shutdown: no reply, the daemon exits.
    def test_12_05_shutdown_wire(self, pz):
        pz.write_config()
        pz.start()
        assert pz.ctl(b"shutdown:") == b""
        pz.proc.wait(5)

    # A client that connects and says nothing delays nobody.
    def test_12_06_silent_client_no_stall(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        silent = [connect(pz) for _ in range(10)]
        partial = connect(pz)
        partial.sendall(b"showtoken:withurl ac")
        try:
            for _ in range(3):
                r = pz.run("show", "acct")
                assert r.rc == 0 and r.out.strip() == tok, r
                assert r.elapsed < 1.0, f"show took {r.elapsed:.2f}s"
            r = pz.run("status")
            assert r.rc == 0 and r.elapsed < 1.0, r
        finally:
            for s in silent + [partial]:
                s.close()
        assert pz.alive()

    # A 10 MB request is refused and the daemon carries on.
    def test_12_07_oversized_request(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        s = connect(pz)
        s.settimeout(10)
        reply = b""
        try:
            try:
                s.sendall(b"restore:" + b"A" * (10 * 1024 * 1024))
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass        # refused early: the daemon hung up
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            except OSError:
                pass
        finally:
            s.close()
        assert reply == b"" or reply.startswith(b"error:"), reply[:100]
        assert pz.alive()
        assert pz.token() == tok

    # Many clients at once all get their answers.
    def test_12_08_concurrent_clients(self, pz, provider):
        pz.write_config()
        pz.start()
        tok = pz.authorise()
        results = []

        def worker():
            for _ in range(10):
                results.append(pz.ctl(b"showtoken:withurl acct"))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 80
        assert set(results) == {b"access_token:" + tok.encode()}

    # The client library speaks the protocol of pizauth 1.1.0: a reply
    # written by hand to a fake daemon is understood.
    def test_12_09_client_against_fake_daemon(self, pz):
        pz.sock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(str(pz.sock_path))
        srv.listen(4)
        srv.settimeout(10)
        seen = []
        replies = [b"access_token:tok-from-fake", b"pending:http://x/y",
                   b"error:Something went wrong", b"ok:a: No access token"]

        def serve():
            for reply in replies:
                c, _ = srv.accept()
                c.settimeout(5)
                data = b""
                while True:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                seen.append(data)
                c.sendall(reply)
                c.close()

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        try:
            r = pz.run("show", "a")
            assert r.rc == 0 and r.out == "tok-from-fake\n", r
            r = pz.run("show", "a")
            assert r.rc == 1 and "authorised with URL http://x/y" in r.err, r
            r = pz.run("show", "-u", "a")
            assert r.rc == 1 and "Something went wrong" in r.err, r
            r = pz.run("status")
            assert r.rc == 0 and r.out == "a: No access token\n", r
        finally:
            t.join(10)
            srv.close()
        assert seen == [b"showtoken:withurl a", b"showtoken:withurl a",
                        b"showtoken:withouturl a", b"status:"], seen
