"""Reporters: one module per output format, each a small class with `render(result) -> str`."""

from __future__ import annotations

from typing import Protocol

from catalint.model import RunResult


class Reporter(Protocol):
    name: str

    def render(self, result: RunResult) -> str: ...
