"""Policies on the command line: the same findings on files read from Bitbucket and in `sync`,
a broken policy stops the run (exit 2, one line), `explain` prints the policy's description."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import RunCli
from tests.fakes.bitbucket import FakeBitbucket

POLICY = """\
policies:
  owned-by-group:
    description: Owners are teams, written as group:NAME. People change teams.
    kinds: [Component]
    schema:
      properties:
        spec:
          properties:
            owner: {pattern: "^group:"}
"""
DESCRIPTOR = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"


@pytest.fixture
def bitbucket(fake_bitbucket: FakeBitbucket, monkeypatch: pytest.MonkeyPatch) -> FakeBitbucket:
    monkeypatch.setenv("CATALINT_BITBUCKET_URL", fake_bitbucket.web_url)
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", fake_bitbucket.api_url)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for name, owner in (("person", "jane"), ("team", "group:team-a")):
        files = {"catalog-info.yaml": DESCRIPTOR.format(name=name, owner=owner).encode()}
        fake_bitbucket.add_repo("acme", name, branches={"main": files})
    return fake_bitbucket


def test_a_remote_descriptor_gets_the_policy_finding_at_its_url(bitbucket: FakeBitbucket, tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / ".catalint.yaml").write_text(POLICY)
    url = f"{bitbucket.web_url}/acme/person/src/main/catalog-info.yaml"
    result = run_cli("lint", "--no-cache", "--no-style", "--format", "json", url, cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    policy = [f for f in findings if f["rule"] == "policy/owned-by-group"]
    assert [(f["path"], f["line"], f["column"], f["severity"]) for f in policy] == [(url, 8, 10, "error")]
    assert result.exit_code == 1


def test_sync_leaves_out_a_descriptor_that_breaks_a_policy(bitbucket: FakeBitbucket, tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / ".catalint.yaml").write_text(POLICY)
    urls = [f"{bitbucket.web_url}/acme/{name}/src/main/catalog-info.yaml" for name in ("person", "team")]
    (tmp_path / "found.json").write_text(json.dumps({"urls": urls, "complete": True, "errors": []}))
    result = run_cli("sync", "file", "-w", "acme", "catalog.yaml", "--web-url", bitbucket.web_url, "--discovery-file", "found.json", "--dry-run", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    skipped = [a for a in report["actions"] if a["action"] == "skipped"]
    assert [a["target"] for a in skipped] == [urls[0]]
    assert "policy/owned-by-group" in skipped[0]["reason"]
    assert [a["target"] for a in report["actions"] if a["action"] == "added"] == [urls[1]]


def test_a_broken_policy_exits_2_naming_the_file_and_the_pointer(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / ".catalint.yaml").write_text(POLICY.replace('{pattern: "^group:"}', "{minLength: -1}"))
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR.format(name="a", owner="group:a"))
    result = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("catalint: ")
    assert ".catalint.yaml: /policies/owned-by-group/schema/properties/spec/properties/owner/minLength: -1" in lines[0]


def test_explain_prints_the_policy_description_and_rules_lists_it(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / ".catalint.yaml").write_text(POLICY)
    result = run_cli("explain", "policy/owned-by-group", cwd=tmp_path)
    assert result.exit_code == 0
    assert "Owners are teams, written as group:NAME. People change teams." in result.stdout
    assert '"pattern": "^group:"' in result.stdout
    listed = run_cli("rules", cwd=tmp_path).stdout
    assert "policy/owned-by-group" in listed and "Owners are teams, written as group:NAME" in listed
    missing = run_cli("explain", "policy/other", cwd=tmp_path)
    assert missing.exit_code == 2 and "policy/owned-by-group" in missing.stderr


def test_editing_a_policy_file_invalidates_cached_results(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "policy.json").write_text(json.dumps({"properties": {"metadata": {"required": ["title"]}}}))
    (tmp_path / ".catalint.yaml").write_text(
        "policies:\n  titled:\n    description: Entities have a title.\n    kinds: Component\n    schema: policy.json\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR.format(name="a", owner="group:a"))
    cache = ["lint", "--no-style", "--cache-dir", str(tmp_path / "cache"), "--format", "json"]
    first = json.loads(run_cli(*cache, cwd=tmp_path).stdout)["findings"]
    assert [(f["rule"], f["line"], f["column"]) for f in first if f["rule"].startswith("policy/")] == [("policy/titled", 3, 1)]
    (tmp_path / "policy.json").write_text(json.dumps({"properties": {"metadata": {"required": ["name"]}}}))
    second = json.loads(run_cli(*cache, cwd=tmp_path).stdout)["findings"]
    assert [f for f in second if f["rule"].startswith("policy/")] == []
