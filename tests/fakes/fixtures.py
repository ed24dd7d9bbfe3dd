"""Pytest fixtures for the fakes.

Load them everywhere with ``pytest_plugins = ["tests.fakes.fixtures"]`` in the root conftest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .bitbucket import FakeBitbucket, ForeignServer

__all__ = ["fake_bitbucket", "foreign_server"]


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
