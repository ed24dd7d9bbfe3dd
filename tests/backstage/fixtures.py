"""Fixtures for tests that talk to a real Backstage backend.

``backstage`` (session): installs the backend into the shared cache (first run
~2-3 min, then < 1 s), starts it on a free 127.0.0.1 port and stops it at the
end of the session. Set ``CATALINT_SKIP_BACKSTAGE=1`` to skip these tests;
otherwise an install or start failure is an error, never a skip.

``catalog_files`` (function): a ``FileServer`` on 127.0.0.1 serving a fresh
temporary directory, for catalog files the backend should read.

They are registered for the whole suite in tests/conftest.py, so every folder shares one
backend per session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backstage.harness import Backstage, FileServer, ensure_installed

SKIP_ENV = "CATALINT_SKIP_BACKSTAGE"


@pytest.fixture(scope="session")
def backstage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backstage]:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: real Backstage backend tests disabled")
    install_dir = ensure_installed()
    server = Backstage(install_dir, log_dir=tmp_path_factory.mktemp("backstage-log"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def catalog_files(tmp_path: Path) -> Iterator[FileServer]:
    root = tmp_path / "served"
    root.mkdir()
    with FileServer(root) as server:
        yield server
