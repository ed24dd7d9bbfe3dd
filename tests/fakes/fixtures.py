"""Pytest fixtures for the fakes.

Load them everywhere with ``pytest_plugins = ["tests.fakes.fixtures"]`` in the root conftest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .bitbucket import FakeBitbucket, ForeignServer
from .github import FakeGitHub

__all__ = ["fake_bitbucket", "fake_github", "foreign_server", "pipelines_api"]


@pytest.fixture
def fake_bitbucket() -> Iterator[FakeBitbucket]:
    """A started, empty ``FakeBitbucket``; stopped after the test."""
    with FakeBitbucket() as fake:
        yield fake


@pytest.fixture
def foreign_server() -> Iterator[ForeignServer]:
    """A second host on its own port that records every request and answers 200."""
    with ForeignServer() as server:
        yield server


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A started fake GitHub (Checks API, the runner's files); stopped after the test."""
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def pipelines_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bitbucket's own API host, as in Pipelines, where Code Insights goes through the auth proxy;
    the fake answers as that proxy, so nothing leaves the machine."""
    monkeypatch.delenv("CATALINT_BITBUCKET_API_URL", raising=False)
