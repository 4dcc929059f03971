# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Fixtures: `provider` (a fake OAuth2 provider) and `pz` (a private pizauth
daemon harness, see harness.py); failures carry the daemon log and the
provider's record of requests."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakeprovider import FakeProvider  # noqa: E402
from harness import Pizauth  # noqa: E402


# ---- fixtures --------------------------------------------------------------

@pytest.fixture
def provider(request):
    p = FakeProvider()
    request.node._pz_provider = p
    yield p
    p.go_down()


@pytest.fixture
def pz(request, provider):
    h = Pizauth(provider, request.node)
    request.node._pz_harness = h
    yield h
    h.close()
    problems = []
    if provider.violations and not provider.allow_violations:
        problems.append("fake provider saw protocol violations:\n  " +
                        "\n  ".join(provider.violations))
    if h.final_rc not in (None, 0):
        problems.append(f"daemon exit status after shutdown: {h.final_rc}")
    sanitizer = h.sanitizer_reports()
    if sanitizer:
        problems.append("sanitizer reports in the daemon log:\n  " +
                        "\n  ".join(sanitizer))
    leaks = h.final_leaks
    if leaks:
        problems.append("secrets leaked: " + "; ".join(leaks))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    h = getattr(item, "_pz_harness", None)
    if h is not None:
        rep.sections.append((f"pizauth daemon log ({h.log_path})",
                             h.log() or "(empty)"))
    p = getattr(item, "_pz_provider", None)
    if p is not None:
        rep.sections.append(("fake provider", p.describe()))


