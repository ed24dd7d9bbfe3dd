"""`run_example`: lint a rule example as its sections say (see tests/helpers.py), Bitbucket included."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalint.model import RunResult
from tests.fakes import FakeBitbucket
from tests.helpers import NOWHERE_API, lint_example, parse_example


@pytest.fixture
def run_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], RunResult]]:
    """Each call lints in a folder of its own; an example with `# bitbucket:` files gets a fake of its own."""
    with contextlib.ExitStack() as fakes:
        runs = iter(range(1_000))

        def run(text: str) -> RunResult:
            root = tmp_path / f"example-{next(runs)}"
            root.mkdir()
            _, example = parse_example(text)
            if not example.bitbucket:
                # bitbucket.org again, whatever fake an earlier call of the same test set up.
                monkeypatch.delenv("CATALINT_BITBUCKET_URL", raising=False)
                monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", NOWHERE_API)
                return lint_example(root, text)
            fake = fakes.enter_context(FakeBitbucket())
            # The run takes the fake for bitbucket.org (LocalSource reads the hosts from the environment).
            for name, value in fake.env().items():
                monkeypatch.setenv(name, value)
            return lint_example(root, text, fake)

        yield run
