"""Pull-request mode served from a warm cache reports exactly what a full, uncached run reports for
the files the change touches (and, with `nofilter`, everything)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from catalint.ci.changes import _abs, _Reals
from tests.cli_run import RunCli
from tests.descriptors import component, group
from tests.gitrepo import commit_all, git, write

Found = list[tuple[str, int, str, str]]


def _base(root: Path) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {
        f"repo-{i}/svc/catalog-info.yaml": component(f"svc-{i}", owner="team-a" if i % 2 else "nobody")
        for i in range(6)
    }
    files["teams/catalog-info.yaml"] = group()
    files["repo-0/svc/catalog-info.yaml"] += "  system: missing-system\n"
    files["dup/catalog-info.yaml"] = component("svc-3")  # a duplicate of repo-3's entity
    write(root, files)
    (root / "linked").symlink_to(root / "repo-5")  # the same file reached through a link: linted once
    commit_all(root, "base")


def _change(root: Path) -> None:
    git(root, "checkout", "-q", "-b", "feature")
    write(
        root,
        {
            "repo-1/svc/catalog-info.yaml": component("svc-1", owner="nobody-else"),
            "repo-4/svc/catalog-info.yaml": component("svc-3"),  # now a duplicate too
        },
    )
    commit_all(root, "feature")


def _findings(run_cli: RunCli, root: Path, *args: str) -> Found:
    result = run_cli("lint", "--format", "json", "--fail-on", "never", *args, ".", cwd=root)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    return [(f["path"], f["line"], f["rule"], f["message"]) for f in payload["findings"]]


@pytest.mark.parametrize("mode", ["file", "added", "diff_context", "nofilter"])
def test_warm_pr_mode_equals_the_full_run_filtered(tmp_path: Path, run_cli: RunCli, mode: str) -> None:
    root, base_cache, cache = tmp_path / "repo", tmp_path / "base-cache", tmp_path / "cache"
    _base(root)
    _findings(run_cli, root, "--cache-dir", str(base_cache))
    _change(root)
    full = _findings(run_cli, root, "--no-cache")
    changed = {"repo-1/svc/catalog-info.yaml", "repo-4/svc/catalog-info.yaml"}
    assert {f[0] for f in full} > changed  # findings outside the change exist, so filtering shows
    shutil.copytree(base_cache, cache)  # as a CI cache restores the base's
    runs = [_findings(run_cli, root, "--cache-dir", str(cache), "--changed-since", "main", "--filter-mode", mode)]
    runs.append(_findings(run_cli, root, "--cache-dir", str(cache), "--changed-since", "main", "--filter-mode", mode))
    uncached = _findings(run_cli, root, "--no-cache", "--changed-since", "main", "--filter-mode", mode)
    expected = full if mode == "nofilter" else [f for f in full if f[0] in changed]
    if mode == "file":
        assert runs[0] == expected
        assert any(f[2] == "duplicate-entity" for f in expected)
    else:
        assert set(runs[0]) <= set(expected)
    # Warm from the base's pack, warm from the pack that run rewrote, and cold: the same report.
    assert runs[0] == runs[1] == uncached


def test_real_paths_resolved_per_folder_match_realpath(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.yaml").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "b" / "g.yaml").symlink_to(tmp_path / "a" / "b" / "f.yaml")
    reals = _Reals()
    paths = [
        tmp_path / "a" / "b" / "f.yaml",
        tmp_path / "link" / "b" / "f.yaml",
        tmp_path / "link" / "b" / "g.yaml",
        tmp_path / "link" / "b" / ".." / "b" / "f.yaml",
        tmp_path / "link" / "missing" / "h.yaml",
        tmp_path / "link" / "b" / "..",
        Path("relative/x.yaml"),
    ]
    for path in paths:
        assert reals(path) == _abs(path), path
        assert reals(str(path)) == _abs(path), path
    assert reals(tmp_path / "link" / "b" / "g.yaml") == str(tmp_path.resolve() / "a" / "b" / "f.yaml")
