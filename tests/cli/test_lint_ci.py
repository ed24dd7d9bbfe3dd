"""`catalint lint` with the CI reporting options, end to end, against real files and fake servers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli_run import RunCli
from tests.descriptors import component
from tests.fakes.bitbucket import FakeBitbucket
from tests.fakes.github import FakeGitHub
from tests.gitrepo import commit_all, git, write
from tests.report.test_github import _read_outputs

# Code Insights goes to Bitbucket's own API host through the Pipelines proxy, which the fake plays.
pytestmark = pytest.mark.usefixtures("pipelines_api")

BROKEN = component("-payments")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"catalog/catalog-info.yaml": BROKEN})
    commit_all(root, "init")
    monkeypatch.chdir(root)
    return root


def _github_env(root: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(root),
        "GITHUB_REPOSITORY": "acme/catalog",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_STEP_SUMMARY": str(root.parent / "summary.md"),
        "GITHUB_OUTPUT": str(root.parent / "output.txt"),
        **extra,
    }


def test_github_format_is_automatic_in_actions(checkout: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--no-cache", "--output", "sarif:reports/catalint.sarif", env=_github_env(checkout))
    assert result.exit_code == 1
    assert "::group::catalog/catalog-info.yaml (1 error, 1 warning)" in result.stdout
    assert re.search(r"^::error file=catalog/catalog-info.yaml,line=4,col=9,", result.stdout, re.M)
    summary = (checkout.parent / "summary.md").read_text()
    assert "https://github.example/acme/catalog/blob/" + "a" * 40 + "/catalog/catalog-info.yaml#L4" in summary
    outputs = _read_outputs(checkout.parent / "output.txt")
    assert outputs == {
        "errors": "1",
        "warnings": "1",
        "infos": "0",
        "files": "1",
        "sarif-file": "reports/catalint.sarif",
    }
    assert json.loads((checkout / "reports" / "catalint.sarif").read_text())["version"] == "2.1.0"


def test_explicit_format_and_no_summary_win(checkout: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--no-cache", "--format", "text", "--no-summary", env=_github_env(checkout))
    assert result.exit_code == 1
    assert "::group::" not in result.stdout and "catalog/catalog-info.yaml:4:9: error [field-format]" in result.stdout
    assert not (checkout.parent / "summary.md").exists()


def test_bad_output_spec_is_a_usage_error(checkout: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--no-cache", "--output", "pdf:x.pdf")
    assert result.exit_code == 2 and "unknown format 'pdf'" in result.stderr
    assert run_cli("lint", "--no-cache", "--output", "sarif").exit_code == 2


def test_a_failing_reporter_is_a_warning_and_loses_nothing(checkout: Path, run_cli: RunCli) -> None:
    (checkout / "taken").mkdir()  # a folder where the SARIF file should go
    result = run_cli(
        "lint",
        "--no-cache",
        "--format",
        "json",
        "--output",
        "sarif:taken",
        "--output",
        "junit:out/junit.xml",
        "--output",
        "codeclimate:out/cq.json",
        env=_github_env(checkout),
    )
    assert result.exit_code == 1  # as without the failure
    assert "catalint: warning: the sarif report taken could not be written" in result.stderr
    assert json.loads(result.stdout)["summary"]["errors"] == 1  # stdout is still clean JSON
    suites = ET.parse(checkout / "out" / "junit.xml").getroot().findall("testsuite")
    assert sum(int(s.get("failures") or 0) for s in suites) == 1  # the error; the warning is no failure
    assert len(json.loads((checkout / "out" / "cq.json").read_text())) == 2
    outputs = _read_outputs(checkout.parent / "output.txt")
    assert "sarif-file" not in outputs and outputs["junit-file"] == "out/junit.xml"


def test_clean_run_exits_0_with_reports(checkout: Path, run_cli: RunCli) -> None:
    write(
        checkout, {"catalog/catalog-info.yaml": BROKEN.replace("-payments", "payments").replace("team-a", "user:guest")}
    )
    result = run_cli(
        "lint",
        "--no-cache",
        "--no-style",
        "--output",
        "junit:junit.xml",
        "--fail-on",
        "error",
        env=_github_env(checkout),
    )
    assert result.exit_code == 0, result.output
    suites = ET.parse(checkout / "junit.xml").getroot()
    # the unresolved owner is a warning, below --fail-on error: a run that exits 0 has no failed test
    assert suites.find(".//failure") is None
    assert "warning [unresolved-ref]" in "".join(suites.itertext())


# ---------------------------------------------------------------- Checks API
def _event(root: Path) -> str:
    path = root.parent / "event.json"
    path.write_text(json.dumps({"pull_request": {"head": {"sha": "b" * 40}, "base": {"sha": "c" * 40}}}))
    return str(path)


def test_checks_annotations(checkout: Path, fake_github: FakeGitHub, run_cli: RunCli) -> None:
    env = _github_env(
        checkout, GITHUB_API_URL=fake_github.url, GITHUB_TOKEN=fake_github.token, GITHUB_EVENT_PATH=_event(checkout)
    )
    result = run_cli("lint", "--no-cache", "--annotations", "checks", "--filter-mode", "nofilter", env=env)
    assert result.exit_code == 1, result.output
    (run,) = fake_github.check_runs.values()
    assert run.head_sha == "b" * 40 and run.conclusion == "failure" and len(run.annotations) == 2
    assert "## catalint" in run.output["summary"]
    assert not re.search(r"^::(error|warning|notice) ", result.stdout, re.M)  # annotations are on the check run
    assert "catalog/catalog-info.yaml:4:9: error [field-format]" in result.stdout  # the log keeps every finding
    assert _read_outputs(checkout.parent / "output.txt")["check-run"].endswith("/runs/1")
    assert fake_github.token not in result.output


def test_checks_403_falls_back_to_workflow_commands(checkout: Path, fake_github: FakeGitHub, run_cli: RunCli) -> None:
    fake_github.refuse(403)
    env = _github_env(checkout, GITHUB_API_URL=fake_github.url, GITHUB_EVENT_PATH=_event(checkout))
    env["INPUT_GITHUB-TOKEN"] = fake_github.token
    result = run_cli("lint", "--no-cache", "--annotations", "checks", "--filter-mode", "nofilter", env=env)
    assert result.exit_code == 1
    assert "catalint: warning: the Checks API refused the check run" in result.stderr
    assert "checks: write" in result.stderr
    assert re.search(r"^::error file=catalog/catalog-info.yaml,line=4,", result.stdout, re.M)
    assert fake_github.requests and fake_github.requests[0].status == 403
    everything = (
        result.output + (checkout.parent / "summary.md").read_text() + (checkout.parent / "output.txt").read_text()
    )
    assert fake_github.token not in everything


def test_checks_without_a_token_falls_back(checkout: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--no-cache", "--annotations", "checks", env=_github_env(checkout))
    assert result.exit_code == 1
    assert "--annotations checks needs a token" in result.stderr
    assert "::error file=catalog/catalog-info.yaml" in result.stdout


# ------------------------------------------------------------------ Bitbucket
def _pipelines_env(fake: FakeBitbucket, commit: str, root: Path) -> dict[str, str]:
    return {
        "CI": "true",
        "BITBUCKET_COMMIT": commit,
        "BITBUCKET_REPO_FULL_NAME": "acme/catalog",
        "BITBUCKET_CLONE_DIR": str(root),
        "CATALINT_BITBUCKET_PROXY": fake.proxy_url,
    }


def test_code_insights_report_is_automatic_in_pipelines(
    checkout: Path, fake_bitbucket: FakeBitbucket, run_cli: RunCli
) -> None:
    fake_bitbucket.add_repo("acme", "catalog", private=True)
    commit = fake_bitbucket.commit_of("acme", "catalog", "main")
    fake_bitbucket.enable_pipelines_proxy()
    result = run_cli("lint", "--no-cache", "--format", "json", env=_pipelines_env(fake_bitbucket, commit, checkout))
    assert result.exit_code == 1, result.output
    report = fake_bitbucket.reports[("acme", "catalog", commit, "catalint")]
    assert report.body["result"] == "FAILED"
    assert {a["path"] for a in report.annotations.values()} == {"catalog/catalog-info.yaml"}
    assert "Code Insights report written with 2 annotations" in result.stderr
    assert json.loads(result.stdout)["summary"]["errors"] == 1

    fake_bitbucket.reset_log()
    result = run_cli(
        "lint",
        "--no-cache",
        "--format",
        "json",
        "--report",
        "none",
        env=_pipelines_env(fake_bitbucket, commit, checkout),
    )
    assert fake_bitbucket.request_log == [] and result.exit_code == 1


def test_code_insights_failure_is_a_warning_without_secrets(
    checkout: Path, fake_bitbucket: FakeBitbucket, run_cli: RunCli
) -> None:
    fake_bitbucket.add_repo("acme", "catalog", private=True)
    commit = fake_bitbucket.commit_of("acme", "catalog", "main")
    fake_bitbucket.add_user("me@example.com", "tok-SECRET-42", read_only=True)
    # outside Pipelines (no BITBUCKET_REPO_FULL_NAME): credentials go straight to the API
    env = {
        "BITBUCKET_WORKSPACE": "acme",
        "BITBUCKET_REPO_SLUG": "catalog",
        "BITBUCKET_COMMIT": commit,
        "BITBUCKET_USERNAME": "me@example.com",
        "BITBUCKET_TOKEN": "tok-SECRET-42",
        "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url,
    }
    result = run_cli(
        "lint", "--no-cache", "--format", "text", "--report", "bitbucket", "--output", "junit:junit.xml", env=env
    )
    assert result.exit_code == 1
    assert "catalint: warning: the Bitbucket Code Insights report could not be written" in result.stderr
    assert "403" in result.stderr and "tok-SECRET-42" not in result.output
    assert (checkout / "junit.xml").is_file()
    assert fake_bitbucket.requests_matching("/reports/")[0].authorization is not None


def test_paths_are_relative_to_the_workspace_from_a_subfolder(
    checkout: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    monkeypatch.chdir(checkout / "catalog")
    result = run_cli("lint", "--no-cache", "--output", "sarif:../x.sarif", env=_github_env(checkout))
    assert re.search(r"^::error file=catalog/catalog-info.yaml,line=4,", result.stdout, re.M), result.stdout
    sarif = json.loads((checkout / "x.sarif").read_text())
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "catalog/catalog-info.yaml", "uriBaseId": "%SRCROOT%"}
