"""Shared fixtures. catalint checks Bitbucket URLs by default; no test may reach the internet."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.fakes.fixtures", "tests.backstage.fixtures"]

# A loopback port nothing listens on. catalint sends every request to the API host, so a test that
# forgets to point it at a fake server gets a refused connection here, never traffic to Bitbucket.
NOWHERE_API = "http://127.0.0.1:9/2.0"


@pytest.fixture(autouse=True)
def _bitbucket_api_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", NOWHERE_API)
