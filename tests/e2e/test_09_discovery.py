# SPDX-License-Identifier: MIT
# Provider discovery against oidc-provider: an account that names only the
# issuer finds the authorization, token, device and revocation endpoints in
# the provider's ISSUER/.well-known/openid-configuration, and uses them for
# the code flow, refreshing, revoking and (flow = "device") the device flow.

import json
import re
import time

import pytest

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_PENDING_RE = re.compile(
    r"Access token unavailable until authorised with URL (\S+) using code (\S+)$")

ISSUER_ACCOUNT = """\
    issuer = "{issuer}";
    client_id = "{client_id}";
    client_secret = "{client_secret}";
    scopes = ["openid", "offline_access"];
"""

DEVICE_ISSUER_ACCOUNT = ISSUER_ACCOUNT + '    flow = "device";\n'


def issuer_account(issuer):
    """ISSUER_ACCOUNT with another issuer ({issuer} may be part of it)."""
    return ISSUER_ACCOUNT.replace('issuer = "{issuer}"', f'issuer = "{issuer}"')


def status(daemon):
    """`pizauth status -j`'s entry for the account."""
    r = daemon.run("status", "-j")
    assert r.returncode == 0 and r.stderr == "", f"status -j: {r}"
    [a] = json.loads(r.stdout)["accounts"]
    return a


def wait_discovery(daemon, state, timeout=10):
    """Polls status -j until the account's discovery is in state; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        a = status(daemon)
        if a.get("discovery") == state:
            return a
        assert daemon.alive(), f"daemon died (status {daemon.proc.returncode})"
        if time.monotonic() > deadline:
            raise AssertionError(f"discovery not '{state}' within {timeout} s: {a}")
        time.sleep(0.1)


def discovered(provider, *names):
    """status -j's endpoints as the provider's own document names them."""
    doc = provider.discovery()
    keys = {"authorization": "authorization_endpoint", "token": "token_endpoint",
            "device_authorization": "device_authorization_endpoint",
            "revocation": "revocation_endpoint"}
    return {k: {"uri": doc[keys[k]], "source": "discovery"} for k in names}


ALL = ("authorization", "token", "device_authorization", "revocation")


# issuer only: the code flow, a refresh and revocation at the provider, each
# at the endpoint the provider's document names.
@pytest.mark.pizauth_conf(account_body=ISSUER_ACCOUNT)
def test_09_01_code_flow_refresh_revoke(daemon, provider, authorise):
    a = wait_discovery(daemon, "done")
    assert a["issuer"] == provider.issuer and a["flow"] == "code", a
    assert a["endpoints"] == discovered(provider, *ALL), a
    assert a["endpoints"]["token"]["uri"] == provider.url("/token"), a
    assert a["endpoints"]["revocation"]["uri"] == provider.url("/token/revocation"), a
    assert "last_error" not in a, a
    log = daemon.log.read_text(errors="replace")
    assert (f"discovered the endpoints of {provider.issuer} at "
            f"{provider.issuer}/.well-known/openid-configuration") in log, log

    first = authorise()  # checks the URL is the provider's /auth
    code = provider.token_stat("authorization_code")
    assert code["success"] == 1 and not code["errors"], code

    # A refresh through the discovered token endpoint; the provider rotates
    # refresh tokens, so this works only with the one it issued.
    r = daemon.run("refresh", "e2e")
    assert r.returncode == 0, f"refresh: exit {r.returncode}, stderr {r.stderr!r}"
    second = daemon.wait_token(timeout=10, other_than=first)
    provider.assert_active(second)
    rt = provider.token_stat("refresh_token")
    assert rt["success"] >= 1 and not rt["errors"], rt

    # revoke_uri comes from revocation_endpoint: the provider revokes the
    # refresh token and with it the grant's tokens.
    # (The rotated-out refresh token stays in the store, consumed.)
    held = provider.tokens()
    assert held.get("Grant") == 1 and held.get("RefreshToken", 0) >= 1, held
    r = daemon.run("revoke", "e2e")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), f"revoke: {r}"
    revs = provider.stats()["revocations"]
    assert revs == [{"path": "/token/revocation", "status": 200,
                     "token_type_hint": "refresh_token", "token_kind": "RefreshToken",
                     "client_authenticated": True}], revs
    assert provider.introspect(second).get("active") is False, \
        "revocation left the token alive"
    held = provider.tokens()
    assert not any(held.get(k) for k in ("Grant", "RefreshToken", "AccessToken")), held
    daemon.pending_url()
    assert daemon.alive()


# flow = "device" with only the issuer: the device endpoint comes from the
# document; the user enters the code; the token refreshes.
@pytest.mark.pizauth_conf(account_body=DEVICE_ISSUER_ACCOUNT)
def test_09_02_device_flow(daemon, provider, browser):
    a = wait_discovery(daemon, "done")
    assert a["flow"] == "device", a
    assert a["endpoints"] == discovered(provider, *ALL), a
    assert a["endpoints"]["device_authorization"]["uri"] == provider.url("/device/auth")

    r = daemon.run("show", "e2e")
    assert r.returncode == 1 and r.stdout == "", f"show: {r}"
    m = DEVICE_PENDING_RE.search(r.stderr.rstrip("\n"))
    assert m, f"show: no URL and code on stderr: {r.stderr!r}"
    url, code = m.groups()
    assert url == provider.url("/device"), url
    assert len(provider.stats()["device_authorizations"]) == 1

    body = browser.device(url, code)
    assert "Sign-in Success" in body
    token = daemon.wait_token(timeout=10)
    provider.assert_active(token)
    assert provider.token_stat(DEVICE_GRANT)["success"] == 1
    assert provider.token_stat("authorization_code")["requests"] == 0

    r = daemon.run("refresh", "e2e")
    assert r.returncode == 0, f"refresh: exit {r.returncode}, stderr {r.stderr!r}"
    provider.assert_active(daemon.wait_token(timeout=10, other_than=token))
    assert provider.token_stat("refresh_token")["success"] == 1
    assert daemon.alive()


# The document's issuer must be the configured one exactly: the same
# provider named with a trailing '/' is refused (the well-known URL is the
# same, the issuer in it is not).
@pytest.mark.pizauth_conf(account_body=issuer_account("{issuer}/"))
def test_09_03_issuer_must_match_exactly(daemon, provider):
    a = wait_discovery(daemon, "failed")
    iss = provider.issuer + "/"
    msg = (f"Can't use issuer {iss}: Provider metadata has issuer "
           f"'{provider.issuer}', not the configured '{iss}'")
    assert a.get("last_error") == msg, a
    r = daemon.run("show", "e2e")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", f"ERROR - {msg}\n"), f"show: {r}"
    assert provider.token_stat("authorization_code")["requests"] == 0
    assert daemon.alive()


# An issuer the provider does not know: 404 at the OpenID Connect URL and at
# RFC 8414's, and the account says where it looked.
@pytest.mark.pizauth_conf(account_body=issuer_account("{issuer}/nope"))
def test_09_04_no_metadata(daemon, provider):
    a = wait_discovery(daemon, "failed")
    iss = provider.issuer + "/nope"
    msg = (f"Can't use issuer {iss}: no provider metadata at "
           f"{iss}/.well-known/openid-configuration or "
           f"{provider.issuer}/.well-known/oauth-authorization-server/nope (HTTP 404)")
    assert a.get("last_error") == msg, a
    r = daemon.run("show", "e2e")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", f"ERROR - {msg}\n"), f"show: {r}"
    assert daemon.alive()
