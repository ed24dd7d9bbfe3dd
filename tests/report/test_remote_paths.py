"""A finding on a file read from Bitbucket keeps its URL in every output format; a URL into the
checked-out repository itself becomes its relative path."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from catalint.bitbucket.checkout import Checkout
from catalint.bitbucket.urls import Hosts
from catalint.model import RunResult, Severity, Span
from catalint.report.bitbucket import build_annotations
from catalint.report.codeclimate import CodeClimateReporter
from catalint.report.github import GithubEnv, GithubReporter, summary_markdown
from catalint.report.json import JsonReporter
from catalint.report.junit import JunitReporter
from catalint.report.paths import PathMapper
from catalint.report.sarif import SarifReporter
from catalint.report.text import TextReporter
from tests.report.conftest import finding, sample_result
from tests.report.test_sarif import validator  # noqa: F401 - the fixture

REMOTE = "https://bitbucket.org/acme/payments/src/main/catalog-info.yaml"
OWN = "https://bitbucket.org/acme/catalog/src/main/teams/catalog-info.yaml"


@pytest.fixture
def paths(tmp_path: Path) -> PathMapper:
    root = tmp_path / "repo"
    root.mkdir()
    return PathMapper(root, root, Checkout("acme", "catalog", str(root), Hosts(), frozenset({"main"})))


def result_with_remote() -> RunResult:
    result = sample_result()
    result.findings.append(finding("spec-schema", Severity.ERROR, "spec is missing owner", path=REMOTE, span=Span(7, 3, 7, 9)))
    result.findings.append(finding("catalog-rules", Severity.ERROR, "not allowed", path=OWN, span=Span(2, 1, 2, 5)))
    return result


def test_mapper_keeps_urls_and_maps_its_own_repository(paths: PathMapper) -> None:
    assert paths.relative(REMOTE) == REMOTE and paths.is_remote(REMOTE)
    assert paths.relative(OWN) == "teams/catalog-info.yaml" and not paths.is_remote(OWN)
    assert PathMapper(paths.cwd, paths.root).relative(OWN) == OWN  # no checkout known: a URL


def test_text_and_json(paths: PathMapper) -> None:
    result = result_with_remote()
    assert f"{REMOTE}:7:3: error [spec-schema]" in TextReporter().render(result)
    assert REMOTE in {f["path"] for f in json.loads(JsonReporter().render(result))["findings"]}


def test_sarif_uses_the_url_as_an_absolute_uri(paths: PathMapper, validator: jsonschema.Draft4Validator) -> None:  # noqa: F811
    log = SarifReporter(paths).as_dict(result_with_remote())
    assert not list(validator.iter_errors(log))
    locations = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]
    }
    remote = next(r for r in log["runs"][0]["results"] if r["message"]["text"] == "spec is missing owner")
    assert remote["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": REMOTE}
    assert locations["catalog-rules"] == {"uri": "teams/catalog-info.yaml", "uriBaseId": "%SRCROOT%"}


def test_junit_and_code_quality(paths: PathMapper) -> None:
    result = result_with_remote()
    xml = JunitReporter(paths).render(result)
    ET.fromstring(xml)
    assert REMOTE in xml and "https:/bitbucket" not in xml.replace("https://", "")
    issues = json.loads(CodeClimateReporter(paths).render(result))
    assert REMOTE in {i["location"]["path"] for i in issues}
    assert "teams/catalog-info.yaml" in {i["location"]["path"] for i in issues}


def test_github_annotations_place_only_files_of_the_checkout(paths: PathMapper) -> None:
    lines = GithubReporter(paths).render(result_with_remote()).splitlines()
    # The remote finding is in the log, grouped under its URL, and is no annotation.
    assert any(line.startswith(f"::group::{REMOTE} (") for line in lines) and any(line.startswith(f"{REMOTE}:7:3: error") for line in lines)
    assert not [line for line in lines if line.startswith("::error ") and "spec is missing owner" in line]
    own = [line for line in lines if line.startswith("::error ") and "not allowed" in line]
    assert own and "file=teams/catalog-info.yaml,line=2" in own[0]
    assert not any("file=https" in line for line in lines)


def test_job_summary_links_to_the_bitbucket_line(paths: PathMapper) -> None:
    env = GithubEnv(repository="acme/catalog", sha="abc123")
    text = summary_markdown(result_with_remote(), env, paths)
    assert f"[7]({REMOTE}#lines-7)" in text
    assert "https:/bitbucket" not in text.replace("https://", "")


def test_code_insights_annotates_the_commits_repository_only(paths: PathMapper) -> None:
    items, _ = build_annotations(result_with_remote(), paths)
    assert all(not str(i.get("path", "")).startswith("http") for i in items)
    assert "teams/catalog-info.yaml" in {i.get("path") for i in items}
