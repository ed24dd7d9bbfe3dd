"""`run_example`: lint a rule example as its sections say (see tests/helpers.py), Bitbucket included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from catalint.model import RunResult
from tests.helpers import lint_example, parse_example


@pytest.fixture
def run_example(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], RunResult]:
    def run(text: str) -> RunResult:
        _, example = parse_example(text)
        if not example.bitbucket:
            return lint_example(tmp_path, text)
        # Only examples that declare Bitbucket files start the fake, and the run takes it for bitbucket.org.
        fake = request.getfixturevalue("fake_bitbucket")
        monkeypatch = request.getfixturevalue("monkeypatch")
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        return lint_example(tmp_path, text, fake)

    return run
