"""Reporters: one module per output format, each a small class with `render(result) -> str`."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from catalint.model import RunResult

if TYPE_CHECKING:
    from catalint.report.paths import PathMapper


class Reporter(Protocol):
    name: str

    def render(self, result: RunResult) -> str: ...


def in_pipelines(env: Mapping[str, str]) -> bool:
    """Whether this runs in a Bitbucket Pipelines step, where Code Insights reports belong."""
    return bool(env.get("BITBUCKET_COMMIT") and env.get("BITBUCKET_REPO_FULL_NAME"))


# Every output format by name: (module, class). A run imports only the reporters it writes.
REPORTERS: dict[str, tuple[str, str]] = {
    "text": ("catalint.report.text", "TextReporter"),
    "json": ("catalint.report.json", "JsonReporter"),
    "github": ("catalint.report.github", "GithubReporter"),
    "sarif": ("catalint.report.sarif", "SarifReporter"),
    "junit": ("catalint.report.junit", "JunitReporter"),
    "codeclimate": ("catalint.report.codeclimate", "CodeClimateReporter"),
    "mermaid": ("catalint.report.mermaid", "MermaidReporter"),
    "dot": ("catalint.report.dot", "DotReporter"),
}
# The formats that can be written to a file (`--output FORMAT:PATH`).
FILE_FORMATS = ("sarif", "junit", "codeclimate", "json", "text", "mermaid", "dot")


def reporter_for(fmt: str, paths: PathMapper, *, colour: bool = False, annotate: bool = True) -> Reporter:
    """The reporter of `fmt`, given whichever of paths, colour and annotate it takes."""
    if fmt not in REPORTERS:
        raise ValueError(f"unknown format {fmt!r}")
    module, name = REPORTERS[fmt]
    cls = getattr(importlib.import_module(module), name)
    offered: dict[str, Any] = {"paths": paths, "colour": colour, "annotate": annotate}
    taken = {f.name for f in dataclasses.fields(cls)}
    reporter: Reporter = cls(**{key: value for key, value in offered.items() if key in taken})
    return reporter
