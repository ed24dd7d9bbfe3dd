from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from catalint.model import Finding, RunResult, Severity
from catalint.report.paths import PathMapper
from catalint.report.sarif import SarifReporter
from catalint.rules import REGISTRY
from tests.report.conftest import sample_result

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    if not SHARED.is_dir():
        pytest.skip(f"the shared folder with the official SARIF schema ({SHARED}) is absent")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def _errors(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def _log(paths: PathMapper, result: RunResult | None = None) -> dict[str, Any]:
    text = SarifReporter(paths).render(result or sample_result())
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_valid_against_the_official_schema(validator: jsonschema.Draft4Validator, repo_paths: PathMapper) -> None:
    log = _log(repo_paths)
    assert _errors(validator, log) == []
    # the validator does reject a broken log, so the check above means something
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(_errors(validator, broken)) == 2


def test_empty_run_is_valid(validator: jsonschema.Draft4Validator, repo_paths: PathMapper) -> None:
    log = _log(repo_paths, RunResult())
    assert _errors(validator, log) == []
    assert log["runs"][0]["results"] == []


def test_github_requirements(repo_paths: PathMapper) -> None:
    log = _log(repo_paths)
    assert log["version"] == "2.1.0" and "$schema" in log
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "catalint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert set(REGISTRY) <= set(ids) and "yamllint/line-length" in ids
    for rule in rules:
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    field_format = rules[ids.index("field-format")]
    assert field_format["help"]["text"] == REGISTRY["field-format"].doc.strip()
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo_paths.root.resolve().as_uri() + "/"
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"].startswith("sub/catalog/")


def test_levels_and_regions(repo_paths: PathMapper) -> None:
    results = _log(repo_paths)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["field-format"]["level"] == "error"
    assert by_rule["unresolved-ref"]["level"] == "warning"
    assert by_rule["unverified"]["level"] == "note"
    region = by_rule["spec-schema"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 5, "startColumn": 1, "endLine": 9, "endColumn": 3}
    region = by_rule["field-format"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 20}
    assert by_rule["yaml-syntax"]["message"]["text"].startswith("broken <&>")


def test_path_outside_the_repository_is_an_absolute_uri(tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    result = sample_result()
    outside = tmp_path / "elsewhere" / "x y.yaml"
    result.findings = [Finding("field-format", Severity.ERROR, "m", str(outside))]
    log = _log(PathMapper(root, root), result)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": outside.as_uri()}
    assert _errors(validator, log) == []
