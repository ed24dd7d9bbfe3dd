"""Shared fixtures: every test starts from a neutral environment, and none reaches the internet."""

from __future__ import annotations

import os

import pytest

from tests.helpers import NOWHERE_API

pytest_plugins = ["tests.fakes.fixtures", "tests.backstage.fixtures", "tests.cli_run"]

# catalint sends every request to the API host: a test that forgets to point it at a fake server
# gets a refused connection (NOWHERE_API), never traffic to Bitbucket.

# Variables of the CI the suite may itself run in (GitHub Actions, Pipelines): tests set what they need.
CI_PREFIXES = ("GITHUB_", "BITBUCKET_", "INPUT_", "CATALINT_BITBUCKET_", "RUNNER_")
CI_NAMES = ("CI", "NO_COLOR", "FORCE_COLOR", "CATALINT_OFFLINE", "CATALINT_DEBUG", "BACKSTAGE_URL", "BACKSTAGE_TOKEN")


@pytest.fixture(autouse=True)
def _neutral_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(CI_PREFIXES) or name in CI_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", NOWHERE_API)
