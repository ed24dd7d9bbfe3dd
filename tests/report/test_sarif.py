from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from catalint.config import Settings
from catalint.facts import line_texts
from catalint.lint.run import LintRequest, run
from catalint.model import Finding, RunResult, Severity, Span
from catalint.report.paths import PathMapper
from catalint.report.rule_docs import DOCS_URL, PROJECT_URL
from catalint.report.sarif import LEVELS, RESULT_LIMIT, SarifReporter
from catalint.rules import REGISTRY
from tests.cli_run import RunCli
from tests.gitrepo import commit_all, git, write
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


# ---------------------------------------------------------------- issue 12: code scanning extras
def _one(paths: PathMapper, text: str, line: int, rule: str = "field-format") -> dict[str, Any]:
    result = RunResult(files=1)
    result.findings = [Finding(rule, Severity.ERROR, "metadata.name is not valid", "catalog/a.yaml", Span.point(line, 9))]
    result.lines = {"catalog/a.yaml": line_texts(text, [line])}
    res: dict[str, Any] = _log(paths, result)["runs"][0]["results"][0]
    return res


DESCRIPTOR = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Bad_Name!\n"


def test_fingerprint_survives_moved_lines_and_reindentation(repo_paths: PathMapper) -> None:
    before = _one(repo_paths, DESCRIPTOR, 4)["partialFingerprints"]
    moved = _one(repo_paths, "# a comment added above\n\n" + DESCRIPTOR.replace("  name:", "    name:"), 6)
    assert moved["partialFingerprints"] == before
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    # ... and changes when the offending content, the rule or the file changes
    assert _one(repo_paths, DESCRIPTOR.replace("Bad_Name!", "Other!"), 4)["partialFingerprints"] != before
    assert _one(repo_paths, DESCRIPTOR, 4, rule="envelope")["partialFingerprints"] != before
    (value,) = before.values()
    assert re.fullmatch(r"[0-9a-f]{32}:1", value)


def test_identical_lines_get_distinct_fingerprints(repo_paths: PathMapper) -> None:
    result = RunResult(files=1)
    result.lines = {"catalog/a.yaml": line_texts("tags:\n  - Bad\n  - Bad\n", [2, 3])}
    result.findings = [
        Finding("field-format", Severity.ERROR, "tag", "catalog/a.yaml", Span.point(2, 5)),
        Finding("field-format", Severity.ERROR, "tag", "catalog/a.yaml", Span.point(3, 5)),
    ]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in _log(repo_paths, result)["runs"][0]["results"]]
    assert prints[0].split(":")[0] == prints[1].split(":")[0] and prints[0] != prints[1]


def test_every_rule_has_help_markdown_and_a_docs_uri(repo_paths: PathMapper) -> None:
    result = sample_result()
    result.findings.append(Finding("policy/pagerduty", Severity.ERROR, "m", "catalog/a.yaml"))
    driver = _log(repo_paths, result)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == PROJECT_URL
    docs = Path(__file__).resolve().parents[2] / "docs"
    for rule in driver["rules"]:
        assert rule["help"]["text"] and rule["help"]["markdown"], rule["id"]
        assert rule["helpUri"].startswith("https://"), rule["id"]
        if rule["id"] in REGISTRY:
            assert rule["helpUri"] == f"{DOCS_URL}rules/{rule['id']}/"
            assert (docs / "rules" / f"{rule['id']}.md").is_file(), f"no docs page behind {rule['helpUri']}"
            assert rule["helpUri"] in rule["help"]["markdown"]
    by_id = {r["id"]: r for r in driver["rules"]}
    assert "```yaml" in by_id["owner-kind"]["help"]["markdown"]  # the rule's examples
    assert by_id["policy/pagerduty"]["helpUri"] == f"{DOCS_URL}configuration/#policies"
    assert (docs / "configuration.md").read_text(encoding="utf-8").count("## Policies") == 1
    assert by_id["yamllint/line-length"]["helpUri"].startswith("https://yamllint.readthedocs.io/")


def test_capped_at_githubs_result_limit_errors_first(
    validator: jsonschema.Draft4Validator, repo_paths: PathMapper
) -> None:
    result = RunResult(files=1)
    result.findings = [
        Finding("owner-kind", Severity.WARNING, f"w{i}", "catalog/a.yaml", Span.point(i + 1)) for i in range(6)
    ] + [Finding("field-format", Severity.ERROR, f"e{i}", "catalog/a.yaml", Span.point(i + 1)) for i in range(3)]
    reporter = SarifReporter(repo_paths, limit=5)
    log = json.loads(reporter.render(result))
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error"] * 3 + ["warning"] * 2
    (notification,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "4 of 9 findings left out" in notification["message"]["text"]
    assert reporter.notices == [notification["message"]["text"]]
    assert _errors(validator, log) == []
    uncapped = SarifReporter(repo_paths)
    assert len(json.loads(uncapped.render(result))["runs"][0]["results"]) == 9 and uncapped.notices == []
    assert "invocations" not in json.loads(uncapped.render(result))["runs"][0]


def test_within_githubs_documented_limits(repo_paths: PathMapper) -> None:
    """What code scanning accepts (docs: "SARIF results exceed one or more limits"), on a large run."""
    result = RunResult(files=1)
    result.findings = [
        Finding("field-format", Severity.ERROR, f"finding {i}", f"catalog/f{i % 50}.yaml", Span.point(i % 400 + 1))
        for i in range(RESULT_LIMIT + 200)
    ]
    text = SarifReporter(repo_paths).render(result)
    log = json.loads(text)
    assert len(log["runs"]) <= 20
    (run,) = log["runs"]
    assert len(run["results"]) == RESULT_LIMIT <= 25000
    assert len(run["tool"]["driver"]["rules"]) <= 25000
    assert all(len(r["locations"]) <= 100 for r in run["results"])
    assert all(len(r["properties"]["tags"]) <= 10 for r in run["tool"]["driver"]["rules"])
    assert len(gzip.compress(text.encode("utf-8"))) < 10 * 1024 * 1024
    assert all(r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"])


# ---------------------------------------------------------------- the text linted, not the file on disk
def _prints(log: dict[str, Any]) -> list[str]:
    return [r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]]


def test_stdin_fingerprints_are_of_the_text_read_from_stdin(tmp_path: Path, run_cli: RunCli) -> None:
    target = tmp_path / "catalog" / "a.yaml"
    target.parent.mkdir()
    out = tmp_path / "out.sarif"
    args = ("lint", "--no-cache", "--no-style", "--format", "json", "--fail-on", "never", "--output", f"sarif:{out}")

    def prints(*more: str, input: str | None = None) -> list[str]:
        run_cli(*args, *more, cwd=tmp_path, input=input)
        return _prints(json.loads(out.read_text(encoding="utf-8")))

    target.write_text(DESCRIPTOR, encoding="utf-8")
    from_disk = prints("catalog/a.yaml")
    # The same text on stdin, while the file on disk says something else on every line.
    other_text = DESCRIPTOR.replace("Bad_Name!", "Other!").replace("v1alpha1", "v1beta1")
    target.write_text(other_text, encoding="utf-8")
    other = prints("catalog/a.yaml")
    assert from_disk and prints("-", "--stdin-filename", "catalog/a.yaml", input=DESCRIPTOR) == from_disk
    assert set(other).isdisjoint(from_disk)  # the file on disk would have given other fingerprints


def test_a_file_changed_after_linting_keeps_the_fingerprints_of_the_text_linted(tmp_path: Path) -> None:
    target = tmp_path / "catalog" / "a.yaml"
    target.parent.mkdir()
    target.write_text(DESCRIPTOR, encoding="utf-8")
    paths = PathMapper(tmp_path, tmp_path)
    result = run(LintRequest(paths=[target], settings=Settings(), cwd=tmp_path, style=False))
    before = _prints(SarifReporter(paths).as_dict(result))
    target.write_text(DESCRIPTOR.replace("Bad_Name!", "Other!"), encoding="utf-8")
    assert before and _prints(SarifReporter(paths).as_dict(result)) == before
    target.unlink()
    assert _prints(SarifReporter(paths).as_dict(result)) == before


def test_levels_are_the_configured_severities(tmp_path: Path, run_cli: RunCli) -> None:
    """A policy's `severity:` and `rules:` overrides give each rule's default level and each result's."""
    (tmp_path / ".catalint.yaml").write_text(
        "rules:\n  field-format: warning\n  policy/tier: info\n  owner-kind: off\n"
        "policies:\n"
        "  described:\n    description: Say what it is.\n    kinds: [Component]\n    severity: warning\n"
        "    schema: {required: [spec], properties: {metadata: {required: [description]}}}\n"
        "  tier:\n    description: A tier.\n    kinds: [Component]\n    severity: error\n"
        "    schema: {properties: {metadata: {required: [labels]}}}\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR)
    out = tmp_path / "out.sarif"
    run_cli("lint", "--no-cache", "--no-style", "--format", "json", "--fail-on", "never", "--output", f"sarif:{out}",
            "catalog-info.yaml", cwd=tmp_path)
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    rules = {r["id"]: r["defaultConfiguration"] for r in run["tool"]["driver"]["rules"]}
    assert rules["policy/described"] == {"level": "warning"}
    assert rules["policy/tier"] == {"level": "note"}
    assert rules["field-format"] == {"level": "warning"}
    assert rules["owner-kind"] == {"level": LEVELS[REGISTRY["owner-kind"].severity], "enabled": False}
    assert rules["spec-schema"] == {"level": "error"}
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"policy/described": "warning", "policy/tier": "note", "field-format": "warning", "spec-schema": "error"}


def test_pull_request_mode_keeps_the_fingerprints_of_the_full_run(tmp_path: Path, run_cli: RunCli) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, {"catalog/a.yaml": DESCRIPTOR.replace("Bad_Name!", "good")})
    commit_all(tmp_path, "first")
    write(tmp_path, {"catalog/a.yaml": DESCRIPTOR})
    out = tmp_path / "out.sarif"
    args = ("lint", "--no-cache", "--no-style", "--format", "json", "--fail-on", "never", "--output", f"sarif:{out}")

    def prints(*more: str) -> list[str]:
        run_cli(*args, *more, "catalog/a.yaml", cwd=tmp_path)
        return _prints(json.loads(out.read_text(encoding="utf-8")))

    full = prints()
    assert full and prints("--changed-since", "HEAD", "--filter-mode", "nofilter") == full
    assert prints("--changed-since", "HEAD", "--filter-mode", "file") == full


def test_a_yamllint_rule_level_comes_from_the_yamllint_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    """A `.yamllint` that makes trailing-spaces an error: the rule's default level says error, as its
    results do; a rule the config leaves at warning (comments, in yamllint's default) says warning."""
    (tmp_path / ".yamllint").write_text(
        "extends: default\nrules:\n  trailing-spaces:\n    level: error\n  document-start: disable\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team   \nspec:\n  type: team\n  children: [] #x\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--no-cache", "--offline", "--output", "sarif:out.sarif", ".")
    assert result.exit_code == 1, result.output
    run = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    (found,) = [r for r in run["results"] if r["ruleId"] == "yamllint/trailing-spaces"]
    assert found["level"] == levels["yamllint/trailing-spaces"] == "error"
    comments = [r["level"] for r in run["results"] if r["ruleId"] == "yamllint/comments"]
    assert comments and set(comments) == {levels["yamllint/comments"]} == {"warning"}
