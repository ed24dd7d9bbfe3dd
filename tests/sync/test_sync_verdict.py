"""One pipeline: sync's verdict on a descriptor is exactly `catalint lint URL`'s, for every file.

A custom kind that `.catalint.yaml` declares is listed; a descriptor whose `$text` target does not
exist is left out; both commands are asked about every acme file and must agree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from catalint.sync.location_file import parse_targets
from tests.backstage.harness import Backstage
from tests.cli_run import RunCli
from tests.descriptors import component
from tests.fakes.bitbucket import FakeBitbucket

HEAD = "apiVersion: backstage.io/v1alpha1\n"
FILES = {
    "good": component("good"),
    "widget": HEAD.replace("backstage.io", "acme.io") + "kind: Widget\nmetadata:\n  name: knob\nspec:\n  colour: red\n",
    "no-text": HEAD
    + "kind: Component\nmetadata:\n  name: no-text\n  description:\n    $text: ./NOPE.md\n"
    + "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
    "bad-name": component("Bad Name!"),
}
CONFIG = "kinds:\n  Widget: [acme.io/v1alpha1]\n"


@pytest.fixture
def acme(fake_bitbucket: FakeBitbucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for var in ("BITBUCKET_TOKEN", "BITBUCKET_USERNAME", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CATALINT_BITBUCKET_URL", fake_bitbucket.web_url)
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", fake_bitbucket.api_url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".catalint.yaml").write_text(CONFIG)
    urls = {}
    for repo, text in FILES.items():
        fake_bitbucket.add_repo("acme", repo, branches={"main": {"catalog-info.yaml": text.encode()}})
        urls[repo] = f"{fake_bitbucket.web_url}/acme/{repo}/src/main/catalog-info.yaml"
    (tmp_path / "discovery.json").write_text(json.dumps({"urls": sorted(urls.values()), "complete": True, "errors": []}))
    return urls


def lint_verdict(run_cli: RunCli, url: str) -> bool:
    result = run_cli("lint", "--no-cache", url)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code == 0


def sync(run_cli: RunCli, dest: str, *args: str) -> dict[str, object]:
    result = run_cli("sync", dest, "-w", "acme", "--discovery-file", "discovery.json", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def skipped_for_lint(report: dict[str, object]) -> set[str]:
    actions = report["actions"]
    assert isinstance(actions, list)
    return {a["target"] for a in actions if a["action"] == "skipped" and "fails lint" in a.get("reason", "")}


def test_sync_to_file_lists_what_lint_passes(acme: dict[str, str], tmp_path: Path, run_cli: RunCli) -> None:
    verdicts = {repo: lint_verdict(run_cli, url) for repo, url in acme.items()}
    assert verdicts == {"good": True, "widget": True, "no-text": False, "bad-name": False}
    sync(run_cli, "file", "catalog.yaml")
    listed = set(parse_targets((tmp_path / "catalog.yaml").read_text(), "location"))
    assert listed == {url for repo, url in acme.items() if verdicts[repo]}
    report = sync(run_cli, "file", "again.yaml", "--dry-run")
    reasons = {a["target"]: a.get("reason", "") for a in report["actions"]}  # type: ignore[union-attr]
    assert "[placeholder]" in reasons[acme["no-text"]] and "NOPE.md" in reasons[acme["no-text"]]
    assert "[field-format]" in reasons[acme["bad-name"]]


def test_sync_to_backstage_skips_exactly_what_lint_fails(acme: dict[str, str], backstage: Backstage, run_cli: RunCli) -> None:
    verdicts = {repo: lint_verdict(run_cli, url) for repo, url in acme.items()}
    os.environ["BACKSTAGE_TOKEN"] = backstage.token
    try:
        report = sync(run_cli, "backstage", "--backstage-url", backstage.url, "--dry-run")
    finally:
        del os.environ["BACKSTAGE_TOKEN"]
    assert skipped_for_lint(report) == {url for repo, url in acme.items() if not verdicts[repo]}
    # The custom kind passed catalint's lint: whatever happens next is Backstage's own word.
    assert acme["widget"] not in skipped_for_lint(report)
    added = {a["target"] for a in report["actions"] if a["action"] == "added"}  # type: ignore[union-attr]
    assert acme["good"] in added


def test_offline_sync_needs_a_discovery_file_and_lints_nothing(acme: dict[str, str], fake_bitbucket: FakeBitbucket, run_cli: RunCli) -> None:
    refused = run_cli("sync", "file", "-w", "acme", "--discovery-file", "discovery.json", "x.yaml", "--offline")
    assert refused.exit_code == 2 and "--include-invalid" in refused.stderr  # unlinted only when said
    report = sync(run_cli, "file", "offline.yaml", "--offline", "--include-invalid")
    assert fake_bitbucket.request_log == []
    assert any("without being linted" in str(n) for n in report["notes"])  # type: ignore[union-attr]
    result = run_cli("sync", "file", "-w", "acme", "x.yaml", "--offline")
    assert result.exit_code == 2 and "--discovery-file" in result.stderr


def test_an_outage_is_not_an_empty_workspace(acme: dict[str, str], fake_bitbucket: FakeBitbucket, tmp_path: Path, run_cli: RunCli) -> None:
    fake_bitbucket.stop()
    result = run_cli("sync", "file", "-w", "acme", "--discovery-file", "discovery.json", "catalog.yaml")
    assert result.exit_code == 2 and "none of the 4 discovered descriptors could be read" in result.stderr
    assert not (tmp_path / "catalog.yaml").exists()


def test_a_duplicate_across_repositories_does_not_decide_the_verdict(
    acme: dict[str, str], fake_bitbucket: FakeBitbucket, tmp_path: Path, run_cli: RunCli
) -> None:
    fake_bitbucket.add_repo("acme", "good-copy", branches={"main": {"catalog-info.yaml": FILES["good"].encode()}})
    copy = f"{fake_bitbucket.web_url}/acme/good-copy/src/main/catalog-info.yaml"
    urls = sorted([*acme.values(), copy])
    (tmp_path / "discovery.json").write_text(json.dumps({"urls": urls, "complete": True, "errors": []}))
    assert lint_verdict(run_cli, copy) and lint_verdict(run_cli, acme["good"])  # each passes alone
    sync(run_cli, "file", "catalog.yaml")
    listed = set(parse_targets((tmp_path / "catalog.yaml").read_text(), "location"))
    assert {acme["good"], copy} <= listed  # Backstage settles which copy wins, as it does today
