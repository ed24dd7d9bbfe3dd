"""Reporters: one module per output format, each a small class with `render(result) -> str`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from catalint.model import RunResult


class Reporter(Protocol):
    name: str

    def render(self, result: RunResult) -> str: ...


def in_pipelines(env: Mapping[str, str]) -> bool:
    """Whether this runs in a Bitbucket Pipelines step, where Code Insights reports belong."""
    return bool(env.get("BITBUCKET_COMMIT") and env.get("BITBUCKET_REPO_FULL_NAME"))
