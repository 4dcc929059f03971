# SPDX-License-Identifier: MIT
# pizauth's extensions against oidc-provider: the device authorization grant
# (RFC 8628, device_auth_uri) and revocation at the provider (RFC 7009,
# revoke_uri).

import re
import time
import urllib.parse

import pytest

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
INTERVAL = 2  # seconds: what provider.mjs puts in device authorization responses
DEVICE_PENDING_RE = re.compile(
    r"Access token unavailable until authorised with URL (\S+) using code (\S+)$")

DEVICE_ACCOUNT = """\
    device_auth_uri = "{issuer}/device/auth";
    token_uri = "{issuer}/token";
    client_id = "{client_id}";
    client_secret = "{client_secret}";
    scopes = ["openid", "offline_access"];
"""

# The hook keeps what it was given; the rename makes each write whole.
NOTIFY_HOOK = ('auth_notify_cmd = "env | grep ^PIZAUTH_ > {workdir}/notify.tmp'
               ' && mv {workdir}/notify.tmp {workdir}/notify.env";\n')

REVOKE_AT_PROVIDER = '    revoke_uri = "{issuer}/token/revocation";\n'


def refusing(query):
    return pytest.mark.pizauth_conf(
        account_extra=f'    revoke_uri = "{{issuer}}/admin/refuse?{query}";\n')


def wait_for(what, check, timeout):
    """Polls check() until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def read_env(path):
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


# Device flow: show gives URL + code, the hook gets the code, the user enters it, show gives a token.
@pytest.mark.pizauth_conf(global_extra=NOTIFY_HOOK, account_body=DEVICE_ACCOUNT)
def test_02_01_device_flow(daemon, provider, browser, tmp_path):
    r = daemon.run("show", "e2e")
    assert r.returncode == 1 and r.stdout == "", f"show: {r}"
    m = DEVICE_PENDING_RE.search(r.stderr.rstrip("\n"))
    assert m, f"show: no URL and code on stderr: {r.stderr!r}"
    url, code = m.groups()
    assert url == provider.url("/device"), url
    # Asking again shows the same code; the provider issued one.
    again = daemon.run("show", "e2e")
    assert again.returncode == 1 and again.stderr == r.stderr, f"second show: {again}"
    assert len(provider.stats()["device_authorizations"]) == 1

    env = wait_for("auth_notify_cmd's environment", lambda: read_env(tmp_path / "notify.env"), 10)
    assert env.get("PIZAUTH_ACCOUNT") == "e2e", env
    assert env.get("PIZAUTH_USER_CODE") == code, env
    notify_url = urllib.parse.urlsplit(env.get("PIZAUTH_URL", ""))
    assert notify_url.path == "/device" and env["PIZAUTH_URL"].startswith(provider.issuer), env
    assert urllib.parse.parse_qs(notify_url.query) == {"user_code": [code]}, env

    # The daemon polls while the user has not yet acted.
    wait_for("a device-code poll answered authorization_pending",
             lambda: provider.stats()["device_polls"], INTERVAL + 5)
    body = browser.device(url, code)
    assert browser.prompts == ["user_code", "confirm", "login", "consent"], browser.prompts
    assert "Sign-in Success" in body

    token = daemon.wait_token(timeout=INTERVAL + 5)
    provider.assert_active(token)
    assert daemon.run("show", "e2e").stdout.strip() == token
    st = provider.stats()
    assert provider.token_stat(DEVICE_GRANT)["success"] == 1, st["token"]
    polls = st["device_polls"]
    assert [p["error"] for p in polls[:-1]] == ["authorization_pending"] * (len(polls) - 1), polls
    assert polls[-1]["status"] == 200, polls
    # Each poll waits `interval` (2 s, not the 5 s default) after the last answer.
    times = [st["device_authorizations"][0]] + [p["at"] for p in polls]
    gaps = [(b - a) / 1000 for a, b in zip(times, times[1:])]
    assert all(INTERVAL - 0.1 <= g <= INTERVAL + 1.5 for g in gaps), f"poll gaps {gaps}"

    # The device grant's refresh token works like the code flow's.
    r = daemon.run("refresh", "e2e")
    assert r.returncode == 0, f"refresh: exit {r.returncode}, stderr {r.stderr!r}"
    provider.assert_active(daemon.wait_token(timeout=10, other_than=token))
    assert provider.token_stat("refresh_token")["success"] == 1
    assert daemon.alive()


# revoke posts the refresh token to revoke_uri: the provider drops the grant and its tokens.
@pytest.mark.pizauth_conf(account_extra=REVOKE_AT_PROVIDER)
def test_02_02_revoke_at_provider(daemon, provider, authorise):
    first_url = daemon.pending_url()
    token = authorise(first_url)
    held = provider.tokens()
    assert held.get("Grant") == 1 and held.get("RefreshToken") == 1, held
    assert held.get("AccessToken", 0) >= 1, held

    r = daemon.run("revoke", "e2e")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), f"revoke: {r}"
    revs = provider.stats()["revocations"]
    assert revs == [{"path": "/token/revocation", "status": 200,
                     "token_type_hint": "refresh_token", "token_kind": "RefreshToken",
                     "client_authenticated": True}], revs
    held = provider.tokens()
    assert not any(held.get(k) for k in ("Grant", "RefreshToken", "AccessToken")), held
    assert provider.introspect(token).get("active") is False, "revocation left the token alive"

    url = daemon.pending_url()
    assert url != first_url, "the new authorisation reuses the old URL (and state)"
    assert daemon.alive()


# The provider refuses revocation: revoke exits 1 with its error, and the token is gone locally.
@pytest.mark.parametrize("status,reason", [
    pytest.param(400, "unsupported_token_type: no revocation here", marks=refusing(
        "status=400&error=unsupported_token_type&error_description=no+revocation+here"),
        id="400-json"),
    pytest.param(503, "HTTP 503", marks=refusing("status=503"), id="503-text"),
])
def test_02_03_revoke_refused(daemon, provider, authorise, status, reason):
    first_url = daemon.pending_url()
    token = authorise(first_url)

    r = daemon.run("revoke", "e2e")
    assert r.returncode == 1 and r.stdout == "", f"revoke: {r}"
    assert ("Token removed locally, but the provider did not revoke it: " + reason
            in r.stderr), f"revoke: {r.stderr!r}"
    revs = provider.stats()["revocations"]
    assert revs == [{"path": "/admin/refuse", "status": status,
                     "token_type_hint": "refresh_token", "token_kind": "RefreshToken",
                     "client_authenticated": True}], revs
    # Nobody revoked it at the provider, as the message says.
    assert provider.tokens().get("RefreshToken") == 1
    provider.assert_active(token)

    url = daemon.pending_url()
    assert url != first_url, "the new authorisation reuses the old URL (and state)"
    assert provider.token_stat("refresh_token")["requests"] == 0, "token used after revoke"
    assert daemon.alive()
