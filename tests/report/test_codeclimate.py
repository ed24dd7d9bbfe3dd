from __future__ import annotations

import json
from dataclasses import replace

from catalint.model import RunResult, Severity, Span
from catalint.report.codeclimate import CodeClimateReporter
from catalint.report.paths import PathMapper
from tests.report.conftest import finding, sample_result


def _issues(paths: PathMapper, result: RunResult) -> list[dict[str, object]]:
    text = CodeClimateReporter(paths).render(result)
    assert not text.startswith("\ufeff")
    loaded: list[dict[str, object]] = json.loads(text)
    return loaded


def test_fields_and_severities(repo_paths: PathMapper) -> None:
    issues = _issues(repo_paths, sample_result())
    assert len(issues) == 6
    by_check = {i["check_name"]: i for i in issues}
    assert by_check["yaml-syntax"]["severity"] == "blocker"  # the file could not be read at all
    assert by_check["field-format"]["severity"] == "critical"  # Backstage rejects the entity
    assert by_check["unresolved-ref"]["severity"] == "minor"
    assert by_check["yamllint/line-length"]["severity"] == "minor"
    assert by_check["unverified"]["severity"] == "info"
    assert by_check["spec-schema"]["location"] == {"path": "sub/catalog/a.yaml", "lines": {"begin": 5, "end": 9}}
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 64
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_errors_backstage_would_accept_are_major(repo_paths: PathMapper) -> None:
    from catalint.rules import REGISTRY

    rule = next(
        r.id
        for r in REGISTRY.values()
        if not r.backstage and r.id not in ("file-unreadable", "file-encoding", "file-too-large")
    )
    result = RunResult(findings=[finding(rule, Severity.ERROR, "not allowed")])
    assert _issues(repo_paths, result)[0]["severity"] == "major"


def test_fingerprints_are_stable_when_lines_move_and_unique_for_duplicates(repo_paths: PathMapper) -> None:
    first = finding()
    moved = replace(first, span=Span(40, 9, 40, 20))
    before = _issues(repo_paths, RunResult(findings=[first]))[0]["fingerprint"]
    after = _issues(repo_paths, RunResult(findings=[moved]))[0]["fingerprint"]
    assert before == after
    twins = _issues(repo_paths, RunResult(findings=[first, moved]))
    assert twins[0]["fingerprint"] != twins[1]["fingerprint"]
    other = _issues(repo_paths, RunResult(findings=[replace(first, message="another message")]))[0]
    assert other["fingerprint"] != before
