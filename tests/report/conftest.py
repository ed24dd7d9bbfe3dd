"""Fixtures for the CI reporting tests: a fake GitHub and hand-made run results."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.model import DocumentSummary, Finding, RunResult, Severity, Span
from catalint.report.paths import PathMapper

DEFAULT_SPAN = Span(4, 9, 4, 20)


def finding(
    rule: str = "field-format",
    severity: Severity = Severity.ERROR,
    message: str = "metadata.name is not valid",
    path: str = "catalog/a.yaml",
    span: Span = DEFAULT_SPAN,
    document: int | None = 0,
    entity: str | None = "component:default/a",
) -> Finding:
    return Finding(rule, severity, message, path, span, document, entity)


def sample_result() -> RunResult:
    """Two files: errors, a warning, an info, a yamllint finding, a multi-line span, a file-level finding."""
    result = RunResult(files=3)
    result.documents = [
        DocumentSummary("catalog/a.yaml", 0, 1, "Component", "component:default/a", False),
        DocumentSummary("catalog/a.yaml", 1, 12, "API", "api:default/b", True),
        DocumentSummary("catalog/clean.yaml", 0, 1, "System", "system:default/s", True),
    ]
    result.findings = [
        finding(),
        finding("unresolved-ref", Severity.WARNING, "owner: no entity group:default/x", span=Span(8, 10, 8, 21)),
        finding("spec-schema", Severity.ERROR, "spec is not valid", span=Span(5, 1, 9, 3)),
        finding(
            "yamllint/line-length",
            Severity.WARNING,
            "line too long (130 > 120 characters)",
            span=Span.point(14, 121),
            document=None,
            entity=None,
        ),
        finding(
            "unverified",
            Severity.INFO,
            "could not check https://x",
            span=Span(13, 5, 13, 30),
            document=1,
            entity="api:default/b",
        ),
        finding(
            "yaml-syntax",
            Severity.ERROR,
            'broken <&> "quoted" \x01 text',
            path="catalog/broken.yaml",
            span=Span(1, 1, 1, 1),
            document=None,
            entity=None,
        ),
    ]
    return result


@pytest.fixture
def repo_paths(tmp_path: Path) -> PathMapper:
    """Findings are relative to tmp_path/repo/sub; the repository root is tmp_path/repo."""
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    return PathMapper(root / "sub", root)
