from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.ci.changes import (
    ChangesError,
    FileDiff,
    Selection,
    compute_changes,
    keep,
    parse_diff,
    unquote_c,
)
from catalint.model import Finding, Severity, Span
from tests.cli_run import RunCli
from tests.descriptors import group
from tests.gitrepo import commit_all, git, write

COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: service
  lifecycle: production{trailing}
  owner: {owner}
"""
API = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: pets
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./openapi.yaml
"""
GROUP = group()


def test_parse_diff_tracks_new_side_lines() -> None:
    diff = "\n".join(
        [
            "diff --git a/x.yaml b/x.yaml",
            "--- a/x.yaml",
            "+++ b/x.yaml",
            "@@ -1,5 +1,6 @@",
            " a",
            "--- removed line that looks like a header",
            "+++ added line that looks like a header",
            "+b",
            " c",
            "",  # a blank context line
            " d",
            "\\ No newline at end of file",
            "@@ -20 +21,2 @@",
            "-old",
            "+new1",
            "+new2",
            "diff --git a/gone.yaml b/gone.yaml",
            "--- a/gone.yaml",
            "+++ /dev/null",
            "@@ -1 +0,0 @@",
            "-x",
            'diff --git "a/caf\\303\\251.yaml" "b/caf\\303\\251.yaml"',
            '--- "a/caf\\303\\251.yaml"',
            '+++ "b/caf\\303\\251.yaml"',
            "@@ -0,0 +1 @@",
            "+new",
        ]
    )
    files = parse_diff(diff)
    assert set(files) == {"x.yaml", "café.yaml"}
    assert files["x.yaml"].added == {2, 3, 21, 22}
    assert files["x.yaml"].hunks == {1, 2, 3, 4, 5, 6, 21, 22}
    assert files["café.yaml"].added == {1}


def test_unquote_c() -> None:
    assert unquote_c("plain/path.yaml") == "plain/path.yaml"
    assert unquote_c('"a\\tb\\"c\\\\d"') == 'a\tb"c\\d'
    assert unquote_c('"caf\\303\\251"') == "café"


@pytest.mark.parametrize(
    ("span", "mode", "kept"),
    [
        # lines 9-12 straddle the hunk (10-14, line 11 added): reviewdog reports when any line qualifies
        (Span(9, 1, 12, 4), "added", True),
        (Span(9, 1, 12, 4), "diff_context", True),
        (Span(8, 1, 9, 4), "diff_context", False),
        (Span(12, 1, 13, 2), "added", False),
        (Span(13, 1, 13, 2), "diff_context", True),
        (Span(20, 1, 20, 2), "file", True),
        (Span(20, 1, 20, 2), "nofilter", True),
    ],
)
def test_multi_line_findings_follow_reviewdog(span: Span, mode: str, kept: bool) -> None:
    selection = Selection({"x.yaml": FileDiff(added={11}, hunks=set(range(10, 15)))}, set())
    finding = Finding("rule", Severity.ERROR, "message", "x.yaml", span)
    assert keep(finding, selection, mode) is kept
    other = Finding("rule", Severity.ERROR, "message", "other.yaml", span)
    assert keep(other, selection, mode) is (mode == "nofilter")


# ------------------------------------------------------------------- repositories
def _base_repo(root: Path) -> str:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {
            "catalog-info.yaml": GROUP,
            "svc/catalog-info.yaml": COMPONENT.format(name="-svc", trailing="   ", owner="team-a"),
            "legacy/catalog-info.yaml": COMPONENT.format(name="-legacy", trailing="", owner="team-a"),
            "api/catalog-info.yaml": API,
            "api/openapi.yaml": "openapi: 3.0.0\n",
        },
    )
    return commit_all(root, "base")


def _feature(root: Path) -> str:
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"svc/catalog-info.yaml": COMPONENT.format(name="-svc", trailing="   ", owner="team-b")})
    (root / "api" / "openapi.yaml").unlink()
    return commit_all(root, "feature")


def _lint(
    root: Path, run_cli: RunCli, *args: str, env: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, int, str]], str]:
    result = run_cli("lint", "--no-cache", "--format", "json", *args, env=env, cwd=root)
    findings = []
    if result.exit_code in (0, 1):
        payload = json.loads(result.stdout)
        findings = [(f["path"], f["line"], f["rule"]) for f in payload["findings"]]
    return result.exit_code, findings, result.stderr


PRE_EXISTING = ("svc/catalog-info.yaml", 4, "field-format")
TRAILING = ("svc/catalog-info.yaml", 7, "yamllint/trailing-spaces")
CHANGED = ("svc/catalog-info.yaml", 8, "unresolved-ref")
DEPENDENT = ("api/catalog-info.yaml", 10, "placeholder")
LEGACY = ("legacy/catalog-info.yaml", 4, "field-format")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("file", [DEPENDENT, PRE_EXISTING, TRAILING, CHANGED]),
        ("added", [DEPENDENT, CHANGED]),
        ("diff_context", [DEPENDENT, TRAILING, CHANGED]),
        ("nofilter", [DEPENDENT, LEGACY, PRE_EXISTING, TRAILING, CHANGED]),
    ],
)
def test_filter_modes(tmp_path: Path, run_cli: RunCli, mode: str, expected: list[tuple[str, int, str]]) -> None:
    root = tmp_path / "repo"
    _base_repo(root)
    _feature(root)
    code, findings, _ = _lint(root, run_cli, "--changed-since", "main", "--filter-mode", mode)
    assert findings == expected
    assert code == 1  # the placeholder error of the API whose definition was deleted


def test_default_mode_is_file_and_summary_counts_selected_files(tmp_path: Path, run_cli: RunCli) -> None:
    root = tmp_path / "repo"
    _base_repo(root)
    _feature(root)
    result = run_cli("lint", "--no-cache", "--format", "text", "--changed-since", "main", cwd=root)
    assert "legacy/" not in result.stdout and "svc/catalog-info.yaml:4:9" in result.stdout
    assert "Pull-request mode: 2 of 4 files selected" in result.stdout
    assert "(--filter-mode file)" in result.stdout


def test_uncommitted_and_untracked_files_count(tmp_path: Path, run_cli: RunCli) -> None:
    root = tmp_path / "repo"
    _base_repo(root)
    write(root, {"new/catalog-info.yaml": COMPONENT.format(name="-new", trailing="", owner="team-a")})
    code, findings, _ = _lint(root, run_cli, "--changed-since", "HEAD", "--filter-mode", "added")
    assert findings == [("new/catalog-info.yaml", 4, "field-format")] and code == 1
    changes = compute_changes(root, "HEAD")
    assert changes.files["new/catalog-info.yaml"].whole


def test_base_from_the_github_pull_request_event(tmp_path: Path, run_cli: RunCli) -> None:
    root = tmp_path / "repo"
    base = _base_repo(root)
    _feature(root)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base}, "head": {"sha": "0" * 40}}}))
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    _, findings, _ = _lint(root, run_cli, "--filter-mode", "added", env=env)
    assert findings == [DEPENDENT, CHANGED]
    # on a push there is no base: everything is reported
    _, findings, _ = _lint(root, run_cli, env={**env, "GITHUB_EVENT_NAME": "push"})
    assert LEGACY in findings


def test_base_from_the_bitbucket_destination_branch(tmp_path: Path, run_cli: RunCli) -> None:
    origin = tmp_path / "origin"
    _base_repo(origin)
    _feature(origin)
    clone = tmp_path / "clone"
    # Pipelines clones only the PR branch: `main` exists only on the remote
    git(tmp_path, "clone", "-q", "--single-branch", "--branch", "feature", origin.as_uri(), str(clone))
    env = {"BITBUCKET_PR_DESTINATION_BRANCH": "main"}
    _, findings, stderr = _lint(clone, run_cli, "--filter-mode", "added", env=env)
    assert findings == [DEPENDENT, CHANGED], stderr


# ------------------------------------------------------------------ shallow clones
def _shallow_clone(tmp_path: Path, branch: str) -> Path:
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        "--branch",
        branch,
        (tmp_path / "origin").as_uri(),
        str(clone),
    )
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    return clone


def test_shallow_clone_is_deepened_from_origin(tmp_path: Path, run_cli: RunCli) -> None:
    origin = tmp_path / "origin"
    _base_repo(origin)
    _feature(origin)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), str(clone))
    base = git(origin, "rev-parse", "main")
    code, findings, stderr = _lint(clone, run_cli, "--changed-since", base, "--filter-mode", "added")
    assert (code, findings) == (1, [DEPENDENT, CHANGED]), stderr
    # the full clone was never made shallow by our fetches, and the shallow one got deeper
    assert git(origin, "rev-parse", "--is-shallow-repository") == "false"
    assert int(git(clone, "rev-list", "--count", "HEAD")) >= 2


def test_too_shallow_without_a_remote_needs_full_history(tmp_path: Path, run_cli: RunCli) -> None:
    origin = tmp_path / "origin"
    _base_repo(origin)
    _feature(origin)
    write(origin, {"svc/catalog-info.yaml": COMPONENT.format(name="svc", trailing="", owner="team-c")})
    commit_all(origin, "second feature commit")
    clone = _shallow_clone(tmp_path, "feature")
    base = git(origin, "rev-parse", "main")
    git(clone, "remote", "remove", "origin")
    code, findings, stderr = _lint(clone, run_cli, "--changed-since", base)
    assert code == 2 and findings == []
    assert "fetch-depth: 0" in stderr and "shallow" in stderr


def test_too_shallow_merge_commit_needs_depth_2(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    _base_repo(origin)
    _feature(origin)
    git(origin, "checkout", "-q", "-b", "pr-merge", "main")
    git(origin, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    clone = _shallow_clone(tmp_path, "pr-merge")
    base = git(origin, "rev-parse", "main")
    git(clone, "remote", "remove", "origin")
    with pytest.raises(ChangesError) as caught:
        compute_changes(clone, base)
    assert "fetch-depth: 2" in str(caught.value)


def test_unknown_base_and_no_repository(tmp_path: Path, run_cli: RunCli) -> None:
    root = tmp_path / "repo"
    _base_repo(root)
    code, _, stderr = _lint(root, run_cli, "--changed-since", "no-such-branch")
    assert code == 2 and "'no-such-branch' is not a known revision" in stderr
    plain = tmp_path / "plain"
    write(plain, {"catalog-info.yaml": GROUP})
    code, _, stderr = _lint(plain, run_cli, "--changed-since", "main")
    assert code == 2 and "needs a git repository" in stderr


def test_too_shallow_pull_request_event_reports_everything_with_a_warning(tmp_path: Path, run_cli: RunCli) -> None:
    """A base read from the event (not asked for with --changed-since) that cannot be diffed against
    only turns pull-request mode off: the run still reports, and says which fetch-depth is needed."""
    origin = tmp_path / "origin"
    base = _base_repo(origin)
    _feature(origin)
    write(origin, {"svc/catalog-info.yaml": COMPONENT.format(name="svc", trailing="", owner="team-c")})
    commit_all(origin, "second feature commit")
    clone = _shallow_clone(tmp_path, "feature")
    git(clone, "remote", "remove", "origin")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base}, "head": {"sha": "0" * 40}}}))
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    code, findings, stderr = _lint(clone, run_cli, "--filter-mode", "added", env=env)
    assert code == 1 and LEGACY in findings  # everything, unfiltered
    assert "catalint: warning: pull-request mode is off" in stderr and "fetch-depth: 0" in stderr
    # asked for explicitly, the same problem is a usage error
    code, findings, stderr = _lint(clone, run_cli, "--changed-since", base, env=env)
    assert code == 2 and findings == [] and "fetch-depth: 0" in stderr


def test_changes_since_head_before_the_first_commit_are_every_file(tmp_path: Path) -> None:
    """No commit yet: against HEAD, everything staged or untracked is new, wholly."""
    git(tmp_path, "init", "-q")
    write(tmp_path, {"catalog-info.yaml": "kind: Component\n", "docs/x.yaml": "a: 1\n"})
    git(tmp_path, "add", "catalog-info.yaml")
    changes = compute_changes(tmp_path, "HEAD")
    assert set(changes.files) == {"catalog-info.yaml", "docs/x.yaml"}
    assert all(diff.whole for diff in changes.files.values()) and not changes.removed
    with pytest.raises(ChangesError, match="HEAD does not name a commit"):
        compute_changes(tmp_path, "main")  # another base still needs a commit to compare with
