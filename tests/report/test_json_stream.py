"""The JSON report is written piece by piece; it must be exactly what the standard encoder gives."""

from __future__ import annotations

import json

from catalint.model import DocumentSummary, Finding, RunResult, Severity, Span
from catalint.report import json as jsonreport


def _result(findings: int) -> RunResult:
    result = RunResult(files=2, unverified=1)
    result.documents = [
        DocumentSummary("a/caf\u00e9.yaml", 0, 1, "Component", "component:default/x", True),
        DocumentSummary('b/"q"\\.yaml', 1, 9, None, None, False),
    ]
    result.findings = [
        Finding(
            f"rule-{i % 3}",
            Severity(1 + i % 3),
            f"message {i}: \u2028 tab\t nul\x00 \U0001f600 é",
            "a/caf\u00e9.yaml",
            Span(i + 1, 2, i + 3, 4),
            None if i % 2 else i,
            None if i % 5 else f"component:default/e{i}",
        )
        for i in range(findings)
    ]
    return result


def _expected(result: RunResult) -> str:
    return json.dumps(jsonreport.as_dict(result), indent=2, ensure_ascii=False) + "\n"


def test_render_is_byte_identical_to_the_indenting_encoder() -> None:
    for count in (0, 1, jsonreport.BATCH, jsonreport.BATCH + 1):
        result = _result(count)
        assert jsonreport.JsonReporter().render(result) == _expected(result)


def test_an_empty_run_is_byte_identical() -> None:
    assert jsonreport.JsonReporter().render(RunResult()) == _expected(RunResult())


def test_stream_writes_the_same_text_in_bounded_pieces() -> None:
    result = _result(2 * jsonreport.BATCH + 7)
    pieces: list[str] = []
    jsonreport.JsonReporter().stream(result, pieces.append)
    assert "".join(pieces) == _expected(result)
    assert len(pieces) > 3
    assert max(p.count('"rule"') for p in pieces) <= jsonreport.BATCH


def test_further_sections_are_byte_identical_too() -> None:
    """A workspace run's `nightly` section (and any other) follows the findings in the same layout."""
    for count in (0, 3):
        result = _result(count)
        result.extra = {"nightly": {"discovery": {"complete": True, "repos": ["a", "b"]}, "files": {}}, "more": []}
        assert jsonreport.JsonReporter().render(result) == _expected(result)
