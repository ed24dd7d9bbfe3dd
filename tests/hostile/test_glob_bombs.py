"""Item 6: globs cost one bounded walk, whatever the pattern or the symlinks in the tree.

The subprocess timeouts are guards (a run that hangs fails instead of stalling the suite), not
measurements: before the fix each of these ran for minutes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from catalint.resolve.globs import glob_files, glob_match
from tests.cli_run import run_process
from tests.descriptors import group, location

GUARD = 120.0


def lint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_process("lint", "--no-cache", "--format", "json", *args, ".", cwd=root, timeout=GUARD)


def deep_chain(root: Path, depth: int) -> Path:
    folder = root
    for _ in range(depth):
        folder = folder / "d"
    folder.mkdir(parents=True)
    (folder / "deep.yaml").write_text(group("deep"))
    return folder


def test_many_double_stars_over_a_deep_chain(tmp_path: Path) -> None:
    deep_chain(tmp_path, 40)
    target = "./" + "**/" * 8 + "*.yaml"
    (tmp_path / "catalog-info.yaml").write_text(location(target))
    done = lint(tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert '"location-target"' not in done.stdout  # the deep file was found


def test_an_include_pattern_with_many_double_stars(tmp_path: Path) -> None:
    deep_chain(tmp_path, 30)
    (tmp_path / ".catalint.yaml").write_text("include:\n  - '" + "**/" * 30 + "nomatch.yaml'\n")
    done = lint(tmp_path)
    assert done.returncode == 2 and "no catalog descriptor found" in done.stderr, done.stderr  # promptly, and said
    assert "Traceback" not in done.stderr


def test_a_symlink_to_the_root_of_the_host_is_not_walked(tmp_path: Path) -> None:
    (tmp_path / "host").symlink_to("/")
    (tmp_path / "catalog-info.yaml").write_text(location("./**/*.yaml"))
    done = lint(tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    matches, cut = glob_files(tmp_path, "**/*.yaml", budget=50)
    assert not cut and matches == [tmp_path / "catalog-info.yaml"]


def test_the_budget_stops_a_glob_and_says_so(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i:02}.yaml").write_text("x: 1\n")
    matches, cut = glob_files(tmp_path, "*.yaml", budget=10)
    assert cut and len(matches) == 10
    matches, cut = glob_files(tmp_path, "*.yaml")
    assert not cut and len(matches) == 30


def test_a_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.yaml").write_text("x: 1\n")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    matches, cut = glob_files(tmp_path, "**/*.yaml")
    assert not cut and matches == [tmp_path / "a" / "x.yaml"]


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a/b/c.yaml", "**/c.yaml", True),
        ("c.yaml", "**/c.yaml", True),
        ("a/b/c.yaml", "a/**/**/**/c.yaml", True),
        ("a/c.yaml", "a/*/c.yaml", False),
        ("a/x/c.yaml", "./a/*/c.yaml", True),
        ("teams/x.yaml", "teams/*.y?ml", True),
        ("d/" * 30 + "x.yaml", "**/" * 30 + "nomatch.yaml", False),
        ("deep/x.yaml", "x.yaml", True),
    ],
)
def test_glob_match(path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected
