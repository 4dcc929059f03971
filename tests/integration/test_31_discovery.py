# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Provider discovery: an account that names an `issuer` instead of its
endpoints.  The server fetches ISSUER/.well-known/openid-configuration
(RFC 8414's /.well-known/oauth-authorization-server/PATH after a 404) at
start and at each reload, without blocking anything; explicit endpoints win
over discovered ones; transient failures are retried (10 s, doubling, never
sooner than Retry-After), permanent ones reported until a reload; `show`
waits (briefly) for the first fetch; `status -j` says where each endpoint
came from; the issuer, not the endpoints it publishes, is what a dumped or
reloaded token is bound to; and `flow` chooses the code or device flow."""

import json
import re
import threading
import time

import pytest

from fakeprovider import Canned
from harness import SUCCESS_PAGE, URL_MSG, browse, wait_until

DISCOVERED = "discovered the endpoints of {issuer} at {url}"


def issuer_account(provider, issuer=None, **kw):
    """An account with an issuer and no endpoints of its own."""
    acct = {"auth_uri": None, "token_uri": None,
            "issuer": issuer or provider.issuer}
    acct.update(kw)
    return acct


def start_daemon(pz, provider, acct=None, accounts=None, start=True, **glob):
    """A daemon whose account(s) discover their endpoints, with recording
    error_notify_cmd and auth_notify_cmd; returns (errors, notify)."""
    err = pz.recorder("errors")
    note = pz.recorder("notify")
    if accounts is None:
        accounts = {"acct": issuer_account(provider, **(acct or {}))}
    g = dict(error_notify_cmd=err.cmd, auth_notify_cmd=note.cmd,
             refresh_at_least="1h", accounts=accounts)
    g.update(glob)
    pz.write_config(**g)
    if start:
        pz.start()
    return err, note


def status_json(pz):
    """`pizauth status -j`: the accounts by name."""
    r = pz.run("status", "-j")
    assert r.rc == 0 and r.err == "", r
    assert r.out.endswith("\n") and r.out.count("\n") == 1, r
    return {a["name"]: a for a in json.loads(r.out)["accounts"]}


def wait_discovery(pz, state, account="acct", timeout=5.0):
    """Wait until status -j says the account's discovery is in state."""
    return wait_until(lambda: (lambda a: a if a.get("discovery") == state
                               else None)(status_json(pz)[account]),
                      timeout, f"discovery '{state}' for {account}",
                      interval=0.05)


def endpoints(provider, source="discovery", **paths):
    """status -j's endpoints: each of authorization, token,
    device_authorization and revocation at the provider's path (a value of
    None leaves it out), from source unless given as (path, source)."""
    p = {"authorization": "/authorize", "token": "/token",
         "device_authorization": "/device", "revocation": "/revoke"}
    p.update(paths)
    out = {}
    for k, v in p.items():
        if v is None:
            continue
        path, src = v if isinstance(v, tuple) else (v, source)
        out[k] = {"uri": provider.url(path), "source": src}
    return out


def transient_msg(issuer, why, secs=10):
    return (f"Discovering the endpoints of {issuer} failed ({why}); "
            f"trying again in {secs} s")


def permanent_msg(issuer, why):
    return f"Can't use issuer {issuer}: {why}"


def show_error(pz, account="acct"):
    """`pizauth show` failing: its message (without "ERROR - ")."""
    r = pz.run("show", account)
    assert r.rc == 1 and r.out == "", r
    assert r.err.startswith("ERROR - ") and r.err.endswith("\n"), r
    assert r.err.count("\n") == 1, r
    return r.err[len("ERROR - "):-1]


def authorise_url(pz, url, account="acct"):
    b = browse(url)
    assert b.status == 200 and SUCCESS_PAGE in b.text, b
    return pz.token(account)


PERMANENT = ["issuer_mismatch", "404_both", "no_token_endpoint",
             "no_authorization_endpoint", "http_endpoint", "403", "not_json"]


def break_metadata(provider, case):
    """Make the provider's metadata fail permanently as case says; returns
    (metadata GETs it takes, why or a part of it, whether why is exact)."""
    iss = provider.issuer
    urls = provider.metadata_urls()
    if case == "issuer_mismatch":
        other = provider.url("/other")
        provider.metadata_members = {"issuer": other}
        return 1, (f"Provider metadata has issuer '{other}', not the "
                   f"configured '{iss}'"), True
    if case == "404_both":
        provider.metadata_at = set()
        return 2, (f"no provider metadata at {urls['oidc']} or "
                   f"{urls['oauth']} (HTTP 404)"), True
    if case == "no_token_endpoint":
        provider.metadata_members = {"token_endpoint": None}
        return 1, "token_endpoint", False
    if case == "no_authorization_endpoint":
        provider.metadata_members = {"authorization_endpoint": None}
        return 1, "authorization_endpoint", False
    if case == "http_endpoint":
        provider.metadata_members = {
            "token_endpoint": "http://example.com/token"}
        return 1, "http://example.com/token", False
    if case == "403":
        provider.queue_metadata(Canned(403, "Forbidden"))
        return 1, "HTTP 403", False
    assert case == "not_json", case
    provider.queue_metadata(Canned(200, b"<html>not json</html>",
                                   {"Content-Type": "text/html"}))
    return 1, "JSON", False


class TestDiscovery:
    # The endpoints come from the document: the code flow, its token
    # request and a refresh go where it says; status -j says so.
    def test_31_01_code_flow(self, pz, provider):
        provider.metadata_members = {
            "authorization_endpoint": provider.url("/authorize/disc"),
            "token_endpoint": provider.url("/token/disc")}
        start_daemon(pz, provider)
        iss = provider.issuer
        a = wait_discovery(pz, "done")
        urls = provider.metadata_urls()
        [m] = provider.metadata_requests()
        assert m.method == "GET" and m.path == \
            provider.metadata_paths()["oidc"] and m.status == 200, m
        assert DISCOVERED.format(issuer=iss, url=urls["oidc"]) in pz.log()
        assert a == {"name": "acct", "state": "none", "issuer": iss,
                     "discovery": "done", "flow": "code",
                     "endpoints": endpoints(provider,
                                            authorization="/authorize/disc",
                                            token="/token/disc")}, a
        url = pz.pending_url()
        assert url.startswith(provider.url("/authorize/disc?")), url
        t1 = authorise_url(pz, url)
        assert pz.run("refresh", "acct").rc == 0
        t2 = pz.wait_token_change(t1)
        assert t2 == provider.access_tokens[-1]
        reqs = provider.token_requests()
        assert [(r.path, r.grant_type) for r in reqs] == [
            ("/token/disc", "authorization_code"),
            ("/token/disc", "refresh_token")], reqs
        assert [r.path for r in provider.authorize_requests()] == \
            ["/authorize/disc"]
        a = status_json(pz)["acct"]
        assert a["state"] == "active" and a["discovery"] == "done", a
        assert "last_error" not in a, a
        assert len(provider.metadata_requests()) == 1

    # An explicit token_uri wins over the discovered token_endpoint.
    def test_31_02_explicit_token_uri_wins(self, pz, provider):
        provider.metadata_members = {
            "token_endpoint": provider.url("/token/discovered")}
        start_daemon(pz, provider,
              acct={"token_uri": provider.url("/token/configured")})
        a = wait_discovery(pz, "done")
        assert a["endpoints"] == endpoints(
            provider, token=("/token/configured", "config")), a
        t1 = pz.authorise()
        assert pz.run("refresh", "acct").rc == 0
        pz.wait_token_change(t1)
        reqs = provider.token_requests()
        assert [(r.path, r.grant_type) for r in reqs] == [
            ("/token/configured", "authorization_code"),
            ("/token/configured", "refresh_token")], reqs

    # No document at the OpenID Connect URL (404): RFC 8414's URL, with
    # the issuer's path after the well-known part, gives it.
    @pytest.mark.parametrize("path", ["/tenant", "/tenant/"],
                             ids=["path", "trailing_slash"])
    def test_31_03_rfc8414_fallback(self, pz, provider, path):
        provider.issuer = provider.url(path)
        provider.metadata_at = {"oauth"}
        start_daemon(pz, provider)
        wait_discovery(pz, "done")
        reqs = provider.metadata_requests()
        assert [(r.method, r.path, r.status) for r in reqs] == [
            ("GET", "/tenant/.well-known/openid-configuration", 404),
            ("GET", "/.well-known/oauth-authorization-server/tenant", 200),
        ], reqs
        url = provider.url("/.well-known/oauth-authorization-server/tenant")
        assert DISCOVERED.format(issuer=provider.issuer, url=url) in \
            pz.log(), pz.log()
        assert pz.authorise() == provider.access_tokens[-1]

    # flow = "device" without device_auth_uri: the device endpoint comes
    # from the document, and the flow runs through to a token.
    def test_31_04_device_flow(self, pz, provider):
        provider.metadata_members = {
            "device_authorization_endpoint": provider.url("/device/disc"),
            "authorization_endpoint": None}
        _, note = start_daemon(pz, provider, acct={"flow": "device"})
        a = wait_discovery(pz, "done")
        assert a["flow"] == "device", a
        assert a["endpoints"] == endpoints(
            provider, authorization=None,
            device_authorization="/device/disc"), a
        r = pz.run("show", "acct")
        g = provider.device_grant()
        assert r.rc == 1 and r.err == (
            f"ERROR - {URL_MSG} {provider.url('/activate')} using code "
            f"{g.user_code}\n"), r
        [d] = provider.device_requests()
        assert d.path == "/device/disc" and d.method == "POST", d
        [e] = note.wait(1)
        assert e["env"]["PIZAUTH_USER_CODE"] == g.user_code
        provider.approve()
        tok = wait_until(lambda: (lambda r: r.out.strip() if r.rc == 0
                                  else None)(pz.run("show", "acct")), 5,
                         "the token after approval", interval=0.1)
        assert tok == provider.access_tokens[-1]
        assert [r.path for r in provider.device_polls()][-1] == "/token"
        assert provider.authorize_requests() == []

    # revoke_uri defaults to the document's revocation_endpoint: `pizauth
    # revoke` revokes the refresh token there.
    def test_31_05_revocation_from_metadata(self, pz, provider):
        provider.metadata_members = {
            "revocation_endpoint": provider.url("/revoke/disc")}
        start_daemon(pz, provider)
        a = wait_discovery(pz, "done")
        assert a["endpoints"]["revocation"] == {
            "uri": provider.url("/revoke/disc"), "source": "discovery"}, a
        pz.authorise()
        rt = provider.token_requests("authorization_code")[0].reply[
            "refresh_token"]
        r = pz.run("revoke", "acct")
        assert r.rc == 0 and r.out == "" and r.err == "", r
        [rv] = provider.revocations()
        assert rv.path == "/revoke/disc", rv
        assert dict(rv.form) == {"token": rt,
                                 "token_type_hint": "refresh_token",
                                 "client_id": provider.client_id,
                                 "client_secret": provider.client_secret}
        assert rt in provider.revoked
        assert pz.status() == "acct: No access token\n"

    # A 503 (Retry-After 2, sooner than the 10 s minimum) is retried after
    # 10 s; meanwhile show and status -j say so, two accounts of the issuer
    # share one fetch, and a storm of shows does not bring the retry on.
    # A second 503 doubles the wait to 20 s; a reload fetches at once.
    def test_31_06_transient_503_retried(self, pz, provider):
        provider.queue_metadata(Canned(503, "Service Unavailable",
                                       {"Retry-After": "2"}),
                                Canned(503, "Service Unavailable"))
        iss = provider.issuer
        err, _ = start_daemon(pz, provider, accounts={
            "acct": issuer_account(provider),
            "other": issuer_account(provider)})
        [m1] = provider.wait_for_metadata_requests(1, 5)
        a = wait_discovery(pz, "retrying")
        msg = transient_msg(iss, "HTTP 503 from " +
                            provider.metadata_urls()["oidc"])
        # No endpoint is known yet (an empty "endpoints", or none).
        assert a.pop("endpoints", {}) == {}, a
        assert a == {"name": "acct", "state": "none", "issuer": iss,
                     "discovery": "retrying", "flow": "code",
                     "last_error": msg}, a
        assert status_json(pz)["other"]["last_error"] == msg
        assert msg in pz.log()
        # The storm: shows, show -u, refresh of both accounts for 3 s.
        deadline = time.monotonic() + 3
        n = 0
        while time.monotonic() < deadline:
            for args in (("show", "acct"), ("show", "-u", "other"),
                         ("refresh", "acct")):
                r = pz.run(*args)
                assert r.rc == 1, r
                n += 1
            assert show_error(pz) == msg
        assert n >= 9
        assert len(provider.metadata_requests()) == 1, \
            provider.metadata_requests()
        [_, m2] = provider.wait_for_metadata_requests(2, 15)
        gap = m2.time - m1.time
        assert 9.9 <= gap <= 12.5, f"retried after {gap:.2f}s"
        # It failed again: the wait doubles.
        msg2 = transient_msg(iss, "HTTP 503 from " +
                             provider.metadata_urls()["oidc"], 20)
        wait_until(lambda: status_json(pz)["acct"].get("last_error") ==
                   msg2, 3, "the second failure's message")
        assert show_error(pz, "other") == msg2
        # A reload fetches at once, whatever the wait.
        r = pz.run("reload")
        assert r.rc == 0 and r.err == "", r
        wait_discovery(pz, "done", timeout=3)
        assert len(provider.metadata_requests()) == 3
        url = pz.pending_url()
        assert url.startswith(provider.url("/authorize?")), url
        assert pz.pending_url("other").startswith(provider.url("/authorize"))
        assert err.entries() == []

    # A refused connection is retried after 10 s.  A token restored
    # meanwhile is kept: it is shown, and refreshing it while the
    # endpoints are unknown is a transient error, not the token's end;
    # once they are known the refresh goes through.
    def test_31_07_refused_retried_token_kept(self, pz, provider):
        iss = provider.issuer
        err, _ = start_daemon(pz, provider, refresh_retry="1s")
        wait_discovery(pz, "done")
        tok = pz.authorise()
        d = pz.run("dump")
        assert d.rc == 0 and d.outb, d
        pz.stop()
        n = len(provider.metadata_requests())
        provider.go_down()
        t0 = time.monotonic()
        pz.start()
        a = wait_discovery(pz, "retrying")
        assert re.fullmatch(re.escape(f"Discovering the endpoints of {iss} "
                                      f"failed (") + r".+" +
                            re.escape("); trying again in 10 s"),
                            a["last_error"]), a
        msg = a["last_error"]
        assert show_error(pz) == msg
        r = pz.run("restore", input=d.outb)
        assert r.rc == 0 and r.err == "", r
        assert pz.token() == tok
        r = pz.run("refresh", "acct")
        assert r.rc == 0, r

        def refresh_failed():
            a = status_json(pz)["acct"]
            return a if "last_refresh_attempt" in a else None
        a = wait_until(refresh_failed, 3, "the refresh attempt")
        assert a["state"] == "active" and a["discovery"] == "retrying", a
        assert a.get("last_error", "").startswith(
            f"Discovering the endpoints of {iss} failed"), a
        assert pz.token() == tok
        assert "transient refresh error" in pz.log()
        provider.come_up()
        ms = provider.wait_for_metadata_requests(n + 1, 15)
        waited = ms[n].time - t0
        assert 9.9 <= waited <= 13.5, f"retried after {waited:.2f}s"
        wait_discovery(pz, "done", timeout=3)
        t2 = pz.wait_token_change(tok, timeout=8)
        assert t2 == provider.access_tokens[-1]
        assert provider.refreshes()[-1].path == "/token"
        assert status_json(pz)["acct"]["state"] == "active"
        assert err.entries() == []

    # A Retry-After longer than the backoff is honoured.
    def test_31_08_retry_after_honoured(self, pz, provider):
        provider.queue_metadata(Canned(503, "Service Unavailable",
                                       {"Retry-After": "12"}))
        start_daemon(pz, provider)
        [m1] = provider.wait_for_metadata_requests(1, 5)
        a = wait_discovery(pz, "retrying")
        assert a["last_error"] == transient_msg(
            provider.issuer, "HTTP 503 from " +
            provider.metadata_urls()["oidc"], 12), a
        [_, m2] = provider.wait_for_metadata_requests(2, 16)
        gap = m2.time - m1.time
        assert 11.9 <= gap <= 14.5, f"retried after {gap:.2f}s"
        wait_discovery(pz, "done", timeout=3)

    # 408, 429, 5xx and no answer at all are transient too.
    @pytest.mark.parametrize("answer,why", [
        (Canned(408, "Request Timeout"), "HTTP 408 from {url}"),
        (Canned(429, "Too Many Requests"), "HTTP 429 from {url}"),
        (Canned(500, "Internal Server Error"), "HTTP 500 from {url}"),
        (Canned(502, "Bad Gateway"), "HTTP 502 from {url}"),
        (Canned(close=True), None),
    ], ids=["408", "429", "500", "502", "closed"])
    def test_31_09_transient_statuses(self, pz, provider, answer, why):
        provider.queue_metadata(answer)
        err, _ = start_daemon(pz, provider)
        a = wait_discovery(pz, "retrying")
        if why is not None:
            msg = transient_msg(provider.issuer, why.format(
                url=provider.metadata_urls()["oidc"]))
            assert a["last_error"] == msg, a
        else:
            msg = a["last_error"]
            assert re.fullmatch(re.escape(
                f"Discovering the endpoints of {provider.issuer} failed (") +
                r".+" + re.escape("); trying again in 10 s"), msg), a
        assert show_error(pz) == msg
        assert len(provider.metadata_requests()) == 1
        assert err.entries() == []

    # A permanent failure: show answers it, status -j has it with
    # discovery "failed", error_notify_cmd hears it, and it is not retried.
    @pytest.mark.parametrize("case", PERMANENT)
    def test_31_10_permanent_failure_reported(self, pz, provider, case):
        iss = provider.issuer
        gets, why, exact = break_metadata(provider, case)
        err, _ = start_daemon(pz, provider)
        a = wait_discovery(pz, "failed")
        msg = a.get("last_error", "")
        if exact:
            assert msg == permanent_msg(iss, why), a
        else:
            assert msg.startswith(permanent_msg(iss, "")) and why in msg, a
            assert "\n" not in msg, a
        assert a["state"] == "none" and a["issuer"] == iss, a
        assert a.get("endpoints", {}) == {}, a
        assert show_error(pz) == msg
        [e] = err.wait(1, 5)
        assert e["env"]["PIZAUTH_ACCOUNT"] == "acct", e["env"]
        assert e["env"]["PIZAUTH_MSG"] == msg, e["env"]
        assert msg in pz.log()
        assert show_error(pz) == msg
        assert pz.run("refresh", "acct").rc == 1
        assert len(provider.metadata_requests()) == gets, \
            provider.metadata_requests()
        assert provider.authorize_requests() == []
        assert len(err.entries()) == 1

    # Once the provider is fixed, a reload fetches again and all is well:
    # show gives the URL alone, status -j no longer has the error, and the
    # account authorises.
    @pytest.mark.parametrize("case", PERMANENT)
    def test_31_11_reload_recovers(self, pz, provider, case):
        gets, _, _ = break_metadata(provider, case)
        err, _ = start_daemon(pz, provider)
        wait_discovery(pz, "failed")
        assert show_error(pz).startswith(permanent_msg(provider.issuer, ""))
        err.wait(1, 5)
        provider.metadata_members = {}
        provider.metadata_at = {"oidc"}
        r = pz.run("reload")
        assert r.rc == 0 and r.err == "", r
        a = wait_discovery(pz, "done")
        assert len(provider.metadata_requests()) == gets + 1
        assert a["endpoints"] == endpoints(provider), a
        r = pz.run("show", "acct")
        # Observed first, judged after the flow ran through.
        url = pz.url_from(r)
        assert authorise_url(pz, url) == provider.access_tokens[-1]
        assert len(err.entries()) == 1
        assert r.rc == 1 and r.out == "", r
        assert r.err == f"ERROR - {URL_MSG} {url}\n", \
            f"show after the recovery: {r.err!r}"
        assert "last_error" not in a, \
            f"status -j after the recovery: {a}"

    # A device-flow account needs the device endpoint: without it the
    # issuer cannot be used; a code-flow account does not need it, nor a
    # revocation endpoint.
    def test_31_12_endpoints_each_flow_needs(self, pz, provider):
        provider.metadata_members = {"device_authorization_endpoint": None,
                                     "revocation_endpoint": None}
        start_daemon(pz, provider, accounts={
            "code": issuer_account(provider)})
        a = wait_discovery(pz, "done", "code")
        assert a["endpoints"] == endpoints(
            provider, device_authorization=None, revocation=None), a
        assert pz.pending_url("code")
        pz.stop()
        err, _ = start_daemon(pz, provider, accounts={
            "dev": issuer_account(provider, flow="device")})
        a = wait_discovery(pz, "failed", "dev")
        assert a["last_error"].startswith(
            permanent_msg(provider.issuer, "")), a
        assert "device_authorization_endpoint" in a["last_error"], a
        assert show_error(pz, "dev") == a["last_error"]
        assert provider.device_requests() == []

    # Each reload fetches the document again; a token survives it, and a
    # changed token_endpoint is used from then on.
    def test_31_13_reload_rediscovers(self, pz, provider):
        start_daemon(pz, provider)
        wait_discovery(pz, "done")
        tok = pz.authorise()
        assert len(provider.metadata_requests()) == 1
        provider.metadata_members = {"token_endpoint":
                                     provider.url("/token/v2")}
        r = pz.run("reload")
        assert r.rc == 0 and r.err == "", r
        provider.wait_for_metadata_requests(2, 5)
        wait_until(lambda: status_json(pz)["acct"]["endpoints"]["token"][
            "uri"] == provider.url("/token/v2"), 5, "the new token endpoint")
        assert pz.token() == tok
        assert pz.run("reload").rc == 0
        provider.wait_for_metadata_requests(3, 5)
        assert pz.run("refresh", "acct").rc == 0
        pz.wait_token_change(tok)
        assert provider.refreshes()[-1].path == "/token/v2"
        assert [r.path for r in provider.metadata_requests()] == \
            [provider.metadata_paths()["oidc"]] * 3

    # A show that comes while the first fetch runs (2 s) waits for it and
    # answers the authorisation URL; shows at once share the one URL.
    def test_31_14_show_waits_for_first_fetch(self, pz, provider):
        provider.metadata_delay = 2.0
        start_daemon(pz, provider)
        [m] = provider.wait_for_metadata_requests(1, 5)
        assert status_json(pz)["acct"]["discovery"] == "fetching"
        results = []
        lock = threading.Lock()

        def show():
            r = pz.run("show", "acct")
            with lock:
                results.append((r, time.monotonic()))
        threads = [threading.Thread(target=show) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len(results) == 3, results
        urls = set()
        for r, end in results:
            assert r.rc == 1 and r.out == "", r
            assert end >= m.time + 1.9, \
                f"answered {end - m.time:.2f}s after the fetch began"
            assert r.elapsed < 4.5, r.elapsed
            urls.add(pz.url_from(r))
        assert len(urls) == 1, urls
        assert len(provider.metadata_requests()) == 1
        authorise_url(pz, urls.pop())

    # A first fetch that fails while show waits: show answers its error.
    @pytest.mark.parametrize("case", ["permanent", "transient"])
    def test_31_15_show_waits_then_fails(self, pz, provider, case):
        iss = provider.issuer
        if case == "permanent":
            provider.metadata_delay = 1.5
            provider.metadata_members = {"issuer": provider.url("/x")}
            msg = permanent_msg(iss, f"Provider metadata has issuer "
                                     f"'{provider.url('/x')}', not the "
                                     f"configured '{iss}'")
        else:
            provider.queue_metadata(Canned(503, "down", delay=1.5))
            msg = transient_msg(iss, "HTTP 503 from " +
                                provider.metadata_urls()["oidc"])
        start_daemon(pz, provider)
        [m] = provider.wait_for_metadata_requests(1, 5)
        r = pz.run("show", "acct")
        end = time.monotonic()
        assert r.rc == 1 and r.out == "" and r.err == f"ERROR - {msg}\n", r
        assert end >= m.time + 1.4, f"answered {end - m.time:.2f}s in"
        assert r.elapsed < 4.5, r.elapsed

    # show -w SECS waits across the first fetch, then for the token.
    def test_31_16_show_w_across_first_fetch(self, pz, provider):
        provider.metadata_delay = 2.0
        _, note = start_daemon(pz, provider)
        provider.wait_for_metadata_requests(1, 5)
        res = []
        th = threading.Thread(target=lambda: res.append(
            pz.run("show", "-w", "15", "acct", timeout=20)))
        th.start()
        [e] = note.wait(1, 6)
        url = e["env"]["PIZAUTH_URL"]
        assert url.startswith(provider.url("/authorize?")), url
        b = browse(url)
        assert b.status == 200 and SUCCESS_PAGE in b.text, b
        th.join(10)
        [r] = res
        assert r.rc == 0 and r.out == provider.access_tokens[-1] + "\n", r
        assert r.elapsed >= 1.5, r.elapsed

    # A first fetch slower than 5 s: show gives up waiting after 5 s with
    # an error naming the issuer, and works once the fetch is done.
    def test_31_17_show_wait_is_bounded(self, pz, provider):
        provider.metadata_delay = 6.5
        start_daemon(pz, provider)
        provider.wait_for_metadata_requests(1, 5)
        r = pz.run("show", "acct")
        assert r.rc == 1 and r.out == "" and URL_MSG not in r.err, r
        assert 4.5 <= r.elapsed <= 6.3, r.elapsed
        assert provider.issuer in r.err, r
        assert r.err.startswith("ERROR - ") and r.err.count("\n") == 1, r
        wait_discovery(pz, "done", timeout=5)
        assert pz.pending_url().startswith(provider.url("/authorize?"))

    # The issuer, not its endpoints, is what a token is bound to: a dump
    # restores when the document now names another token endpoint, and
    # the refresh goes there; a changed issuer drops the token on reload.
    def test_31_18_dump_restore_and_issuer_change(self, pz, provider):
        start_daemon(pz, provider)
        wait_discovery(pz, "done")
        tok = pz.authorise()
        d = pz.run("dump")
        assert d.rc == 0 and d.outb, d
        pz.stop()
        provider.metadata_members = {"token_endpoint":
                                     provider.url("/token/v2")}
        pz.start()
        a = wait_discovery(pz, "done")
        assert a["endpoints"]["token"]["uri"] == provider.url("/token/v2")
        r = pz.run("restore", input=d.outb)
        assert r.rc == 0 and r.err == "", r
        assert pz.token() == tok
        assert pz.run("refresh", "acct").rc == 0
        t2 = pz.wait_token_change(tok)
        [rf] = provider.refreshes()
        assert rf.path == "/token/v2", rf
        # Another issuer (whose document names the same endpoints).
        provider.issuer = provider.url("/v2")
        start_daemon(pz, provider, start=False)
        r = pz.run("reload")
        assert r.rc == 0 and r.err == "", r
        a = wait_discovery(pz, "done")
        assert a["issuer"] == provider.url("/v2") and \
            a["state"] == "none", a
        url = pz.pending_url()
        assert url.startswith(provider.url("/authorize?")), url
        assert t2 not in pz.run("show", "acct").out
        # And a dump made under the old issuer does not restore.
        r = pz.run("restore", input=d.outb)
        assert r.rc == 0, r
        r = pz.run("show", "acct")
        assert r.rc == 1 and URL_MSG in r.err, r

    # The configuration errors, with their place.
    @pytest.mark.parametrize("body,where,msg", [
        ('    client_id = "id";\n    scopes = ["mail"];\n', "account",
         "Neither issuer nor auth_uri and token_uri specified"),
        ('    issuer = "{issuer}";\n    client_id = "id";\n'
         '    flow = "browser";\n', "flow",
         'flow must be "code" or "device"'),
        ('    auth_uri = "https://e.com/a";\n'
         '    token_uri = "https://e.com/t";\n    client_id = "id";\n'
         '    flow = "device";\n', "flow",
         'flow is "device" but neither issuer nor device_auth_uri is set'),
        ('    device_auth_uri = "https://e.com/d";\n'
         '    token_uri = "https://e.com/t";\n    client_id = "id";\n'
         '    flow = "code";\n', "flow",
         'flow is "code" but device_auth_uri is set'),
    ], ids=["neither", "flow_unknown", "device_without_endpoint",
            "code_with_device_uri"])
    def test_31_19_config_errors(self, pz, provider, body, where, msg):
        text = ('http_listen = "127.0.0.1:0";\nhttps_listen = none;\n'
                'account "a" {\n' + body.format(issuer=provider.issuer) +
                '}\n')
        pz.write_config(text)
        lines = text.splitlines()
        if where == "account":
            n, line = 3, lines[2]
            col = 1
        else:
            n = next(i for i, l in enumerate(lines, 1) if "flow =" in l)
            line = lines[n - 1]
            col = line.index('"') + 1
        want = f"Line {n}, column {col}:\n  {line.strip()}\n{msg}\n"
        r = pz.run("server", "-c", str(pz.conf_path), "-d", timeout=10)
        assert r.rc == 1 and r.out == "" and r.err == want, r
        assert not pz.sock_path.exists()
        # A reload to it is refused with the same error.
        pz.write_config()
        pz.start()
        pz.write_config(text)
        r = pz.run("reload")
        assert r.rc == 1 and msg in r.err and f"Line {n}, column {col}:" \
            in r.err, r
        assert pz.alive()
        assert list(status_json(pz)) == ["acct"]

    # flow defaults to code, an explicit device_auth_uri means device,
    # and flow = "device" with an issuer is fine; accounts without an
    # issuer show their configured endpoints and no discovery.
    def test_31_20_flow_and_config_sources(self, pz, provider):
        start_daemon(pz, provider, accounts={
            "plain": {"revoke_uri": provider.url("/revoke")},
            "devuri": {"auth_uri": None,
                       "device_auth_uri": provider.url("/device")},
            "iss_code": issuer_account(provider),
            "iss_dev": issuer_account(provider, flow="device"),
            "iss_dev_uri": issuer_account(
                provider, device_auth_uri=provider.url("/device/mine"))})
        wait_discovery(pz, "done", "iss_dev_uri")
        j = status_json(pz)
        assert j["plain"] == {
            "name": "plain", "state": "none", "flow": "code",
            "endpoints": endpoints(provider, source="config",
                                   device_authorization=None)}, j["plain"]
        assert j["devuri"] == {
            "name": "devuri", "state": "none", "flow": "device",
            "endpoints": endpoints(provider, source="config",
                                   authorization=None,
                                   revocation=None)}, j["devuri"]
        assert "issuer" not in j["plain"] and "discovery" not in j["plain"]
        assert j["iss_code"]["flow"] == "code"
        assert j["iss_dev"]["flow"] == "device"
        assert j["iss_dev_uri"]["flow"] == "device"
        assert j["iss_dev_uri"]["endpoints"]["device_authorization"] == {
            "uri": provider.url("/device/mine"), "source": "config"}
        assert j["iss_dev_uri"]["endpoints"]["token"] == {
            "uri": provider.url("/token"), "source": "discovery"}
        assert len(provider.metadata_requests()) == 1
