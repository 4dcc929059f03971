# SPDX-License-Identifier: MIT
# pizauth against oidc-provider: obtaining, refreshing and losing a token.

import time


# show gives a URL; the user authorises in a browser; show prints a token the provider accepts.
def test_01_01_obtain(daemon, provider, authorise):
    token = authorise()
    assert daemon.run("show", "e2e").stdout.strip() == token
    code = provider.token_stat("authorization_code")
    assert code["success"] == 1 and not code["errors"], code
    assert daemon.alive()


# The daemon refreshes before expiry (20 s token, 10 s early) and on `pizauth refresh`.
def test_01_02_refresh(daemon, provider, authorise):
    first = authorise()
    t0 = time.monotonic()
    second = daemon.wait_token(timeout=35, other_than=first)
    waited = time.monotonic() - t0
    provider.assert_active(second)
    rt = provider.token_stat("refresh_token")
    assert rt["success"] >= 1 and not rt["errors"], rt
    # Due 10 s before a 20 s expiry: not long before that, and not after expiry.
    assert 5 <= waited <= 20, f"refreshed after {waited:.1f} s"

    # The provider rotates refresh tokens and revokes the grant if a spent one
    # comes back: this refresh works only if pizauth kept the rotated one.
    before = rt["success"]
    r = daemon.run("refresh", "e2e")
    assert r.returncode == 0, f"refresh: exit {r.returncode}, stderr {r.stderr!r}"
    third = daemon.wait_token(timeout=10, other_than=second)
    provider.assert_active(third)
    rt = provider.token_stat("refresh_token")
    assert rt["success"] > before and not rt["errors"], rt
    assert daemon.alive()


# The user revokes access at the provider: invalid_grant drops the token; authorising again works.
def test_01_03_provider_forgets_grant(daemon, provider, authorise):
    first_url = daemon.pending_url()
    first = authorise(first_url)
    forgot = provider.forget()
    assert forgot["grants"] == 1, forgot
    assert provider.introspect(first).get("active") is False, "forget left the token alive"

    r = daemon.run("refresh", "e2e")
    assert r.returncode == 0, f"refresh: exit {r.returncode}, stderr {r.stderr!r}"
    url = daemon.wait_pending(timeout=10)
    assert url != first_url, "the new authorisation reuses the old URL (and state)"
    rt = provider.token_stat("refresh_token")
    assert rt["errors"].get("invalid_grant", 0) >= 1 and rt["success"] == 0, rt
    assert daemon.alive()

    authorise(url, other_than=first)
    assert provider.token_stat("authorization_code")["success"] == 2
    assert daemon.alive()
