"""The pre-commit hook, run the way users run it (`pre-commit try-repo` on this checkout) in a real git
repository: it reports on what is staged, resolves references against the whole repository, and covers
Location targets and `include:` files, not only `catalog-info.*`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.gitrepo import commit_all, git, write
from tests.toolcache import cache_root, locked

from .support import ROOT, load_yaml, require_tool

COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: service
  lifecycle: production
  owner: group:team-a
"""

REPOSITORY = {
    "catalog-info.yaml": """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: root
spec:
  targets:
    - ./components/*.yaml
    - ./org/teams.yaml
""",
    # the owner every component names, in a file no commit below stages
    "org/teams.yaml": """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
""",
    # broken, but committed long ago: not this commit's business
    "components/legacy.yaml": COMPONENT.format(name="Legacy Broken"),
    # clean when committed; broken below in the working tree only (not staged)
    "components/unstaged.yaml": COMPONENT.format(name="unstaged"),
    ".catalint.yaml": 'include: ["extra/*.yaml"]\n',
}


@pytest.fixture
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Per session: every commit of this checkout is a new hook revision, so a shared cache would only grow.
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    binary = require_tool("pre-commit", "pre-commit")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT")}
    env["PRE_COMMIT_HOME"] = str(home)
    with locked(cache_root("pre-commit.lock")):  # one hook environment install at a time
        return subprocess.run(
            [binary, "try-repo", str(ROOT), "catalint", "--color", "never"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    root.mkdir()
    git(root, "init", "-q")
    write(root, REPOSITORY)
    commit_all(root, "catalog")
    return root


def findings(output: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in re.finditer(r"^(\S+?):\d+:\d+: \w+ \[([\w/-]+)\]", output, re.M)]


def test_hook_reports_staged_location_targets_and_include_files(repo: Path, pre_commit_home: Path) -> None:
    write(
        repo,
        {
            "components/api.yaml": COMPONENT.format(name="Bad Name"),  # a Location target, not catalog-info.*
            "extra/thing.yaml": COMPONENT.format(name="Also Bad"),  # picked up by include:
            "components/unstaged.yaml": COMPONENT.format(name="Never Staged"),
        },
    )
    git(repo, "add", "components/api.yaml", "extra/thing.yaml")
    proc = try_repo(repo, pre_commit_home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    found = findings(output)
    assert ("components/api.yaml", "field-format") in found, output
    assert ("extra/thing.yaml", "field-format") in found, output
    # team-a is declared in a file this commit does not touch, and still resolves
    assert all(rule != "unresolved-ref" for _path, rule in found), output
    # a committed problem and an unstaged file are not reported
    assert "legacy.yaml" not in output and "unstaged.yaml" not in output, output

    # the next commit stages a clean descriptor only: it passes (one test, so the hook is installed once)
    git(repo, "commit", "-q", "--no-verify", "-m", "broken on purpose")
    git(repo, "checkout", "--", "components/unstaged.yaml")
    write(repo, {"components/new.yaml": COMPONENT.format(name="new")})
    git(repo, "add", "components/new.yaml")
    proc = try_repo(repo, pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_hook_definition() -> None:
    (hook,) = load_yaml(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "catalint" and hook["language"] == "python"
    assert hook["pass_filenames"] is False  # catalint lints the whole repository and reports the change
    assert hook["entry"].startswith("catalint lint ") and "--changed-since HEAD" in hook["entry"]
    files = re.compile(hook["files"])
    for path in ("catalog-info.yaml", "components/api.yaml", "org/teams.yml", "x/catalog-info.json"):
        assert files.search(path), path
    for path in ("README.md", "catalog-info.yaml.bak", "src/app.py"):
        assert not files.search(path), path


def test_hook_runs_in_a_repository_with_no_commit_yet(tmp_path: Path, pre_commit_home: Path) -> None:
    """The first commit of a new repository: there is no HEAD, and everything staged is the change."""
    root = tmp_path / "new"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {**REPOSITORY, "components/api.yaml": COMPONENT.format(name="Bad Name")})
    git(root, "add", "catalog-info.yaml", "org/teams.yaml", "components/api.yaml")
    proc = try_repo(root, pre_commit_home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output  # the findings of the change, not exit 2 for a missing HEAD
    found = findings(output)
    assert ("components/api.yaml", "field-format") in found, output
    assert all(rule != "unresolved-ref" for _path, rule in found), output
    # and a clean first commit passes
    git(root, "rm", "-q", "--cached", "components/api.yaml")
    (root / "components" / "api.yaml").unlink()
    for name in ("legacy.yaml", "unstaged.yaml"):
        (root / "components" / name).unlink()
    write(root, {"components/new.yaml": COMPONENT.format(name="new")})
    git(root, "add", "components/new.yaml")
    proc = try_repo(root, pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
