"""A `breaks-references` finding's SARIF fingerprint comes from the line it is on, as linted,
whether or not its file has other findings: the message lists referrers, so a fingerprint made
from it would change (and GitHub reopen the alert) whenever someone else starts referring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from catalint.report.sarif import FINGERPRINT, fingerprint
from catalint.rules import breaks_references
from tests.cli_run import RunCli
from tests.gitrepo import commit_all, git, write

ALPHA = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}{extra}
spec:
  type: service
  lifecycle: production
  owner: {owner}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
"""
SVC_B = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc-b
spec:
  type: service
  lifecycle: production
  owner: group:default/team-a
  dependsOn: [component:default/alpha]
"""
# Findings of alpha's own file on lines the change leaves alone: a warning (no such owner), and an
# error that makes Backstage reject alpha2 (so the run declares nothing on the rename's line).
BAD_TAG = "\n  tags: [Bad_Tag]"


def _sarif(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, owner: str, after: str | None = None
) -> list[dict[str, Any]]:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {"alpha/catalog-info.yaml": ALPHA.format(name="alpha", extra=extra, owner=owner), "b/catalog-info.yaml": SVC_B},
    )
    commit_all(root, "alpha and svc-b")
    write(root, {"alpha/catalog-info.yaml": after or ALPHA.format(name="alpha2", extra=extra, owner=owner)})
    commit_all(root, "rename or remove alpha")
    monkeypatch.chdir(root)
    out = tmp_path / "out.sarif"
    result = run_cli("lint", "--no-cache", "--offline", "--changed-since", "HEAD~1", "--output", f"sarif:{out}")
    assert result.exit_code == 1, result.output
    results: list[dict[str, Any]] = json.loads(out.read_text())["runs"][0]["results"]
    return results


def _breaks(results: list[dict[str, Any]]) -> tuple[int, str]:
    """The `breaks-references` result's line and fingerprint."""
    (found,) = [r for r in results if r["ruleId"] == breaks_references.ID]
    line: int = found["locations"][0]["physicalLocation"]["region"]["startLine"]
    return line, found["partialFingerprints"][FINGERPRINT]


@pytest.mark.parametrize(("extra", "owner"), [("", "team-a"), ("", "team-z"), (BAD_TAG, "team-a")])
def test_a_rename_is_fingerprinted_by_its_new_name_line(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, owner: str
) -> None:
    results = _sarif(run_cli, tmp_path, monkeypatch, extra, owner)
    expected = fingerprint(breaks_references.ID, "alpha/catalog-info.yaml", "name: alpha2")
    assert _breaks(results) == (4, f"{expected}:1")


def test_a_removal_is_fingerprinted_by_the_line_it_is_reported_on(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # alpha's document goes; the group stays, so the file is still there and has no finding of its own.
    group = ALPHA[ALPHA.index("---\n") + 4 :]
    results = _sarif(run_cli, tmp_path, monkeypatch, "", "team-a", after=group)
    line, key = _breaks(results)
    assert 0 < line <= len(group.splitlines())
    assert key == f"{fingerprint(breaks_references.ID, 'alpha/catalog-info.yaml', group.splitlines()[line - 1])}:1"


def test_a_deleted_file_is_fingerprinted_by_its_line_at_the_base(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {"alpha/catalog-info.yaml": ALPHA.format(name="alpha", extra="", owner="team-a"), "b/catalog-info.yaml": SVC_B},
    )
    commit_all(root, "alpha and svc-b")
    (root / "alpha" / "catalog-info.yaml").unlink()
    commit_all(root, "drop alpha")
    monkeypatch.chdir(root)
    out = tmp_path / "out.sarif"
    done = run_cli("lint", "--no-cache", "--offline", "--changed-since", "HEAD~1", "--output", f"sarif:{out}")
    assert done.exit_code == 1, done.output
    results = json.loads(out.read_text())["runs"][0]["results"]
    # alpha and its owner team-a both go; each removal on its name line as the base had it.
    found = {
        r["message"]["text"].split()[0]: (
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"][FINGERPRINT],
        )
        for r in results
        if r["ruleId"] == breaks_references.ID
    }
    uri = "alpha/catalog-info.yaml"
    assert found == {
        "component:default/alpha": (4, f"{fingerprint(breaks_references.ID, uri, 'name: alpha')}:1"),
        "group:default/team-a": (13, f"{fingerprint(breaks_references.ID, uri, 'name: team-a')}:1"),
    }
