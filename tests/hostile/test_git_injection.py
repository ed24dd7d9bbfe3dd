"""Item 3: a base revision that starts with `-` never reaches git as an option."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.ci.changes import ChangesError, Repo, _fetch, check_ref, compute_changes
from tests.cli_run import RunCli
from tests.descriptors import group
from tests.gitrepo import commit_all, git, write


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    write(upstream, {"catalog-info.yaml": group("a")})
    commit_all(upstream, "first")
    git(tmp_path, "clone", "-q", str(upstream), "clone")
    return tmp_path / "clone"


def evil(tmp_path: Path) -> tuple[str, Path]:
    marker = tmp_path / "pwned"
    return f"--upload-pack=touch {marker}; git-upload-pack", marker


def test_changed_since_option_is_refused_and_runs_nothing(
    clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    ref, marker = evil(tmp_path)
    monkeypatch.chdir(clone)
    result = run_cli("lint", "--no-cache", "--changed-since", ref, ".")
    assert result.exit_code == 2, result.output
    assert "is not a revision" in result.stderr and "Traceback" not in result.output
    assert not marker.exists()


def test_pr_destination_branch_option_is_refused(clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    ref, marker = evil(tmp_path)
    monkeypatch.chdir(clone)
    env = {"BITBUCKET_PR_DESTINATION_BRANCH": ref, "GITHUB_EVENT_NAME": ""}
    result = run_cli("lint", "--no-cache", ".", env=env)
    assert "Traceback" not in result.output and not marker.exists()
    assert "not a revision" in result.output  # pull-request mode is off, and says why


@pytest.mark.parametrize("ref", ["-x", "--all", "main\n--upload-pack=x", "a b", ""])
def test_check_ref_refuses_what_is_not_a_revision(ref: str) -> None:
    with pytest.raises(ChangesError):
        check_ref(ref)
    assert check_ref("origin/feature/x-1") == "origin/feature/x-1" and check_ref("HEAD~1") == "HEAD~1"


def test_fetch_ends_options_before_refs(clone: Path, tmp_path: Path) -> None:
    ref, marker = evil(tmp_path)
    problem = _fetch(Repo(clone), refs=(ref,))
    assert problem is not None and not marker.exists()
    assert _fetch(Repo(clone), refs=("main",)) is None
    assert compute_changes(clone, "main").files == {}
