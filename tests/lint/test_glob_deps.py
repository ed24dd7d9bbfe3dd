"""A Location glob's dependency is checked again within the same bounds the run globbed in: the
checkout, whose symlinked folders the glob follows while they stay inside it. The check once
started at the pattern's fixed part and skipped a link out of it, so a warm run kept a stale
answer (and the run memo, watching only the folders below the fixed part, would have too)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.cli.test_run_memo import settle
from tests.cli_run import CLI, RunCli

ROOT_LOCATION = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: root
spec:
  target: ../more/*/*/x.yaml
"""


def _component(name: str) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/team\n"
    )


def _checkout(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "s").mkdir()
    (root / "s" / "catalog-info.yaml").write_text(ROOT_LOCATION)
    (root / "more" / "real" / "a").mkdir(parents=True)
    (root / "more" / "real" / "a" / "x.yaml").write_text(_component("a"))
    (root / "elsewhere" / "b").mkdir(parents=True)  # (a match appears in it: only its own mtime moves)
    (root / "more" / "link").symlink_to("../elsewhere")
    return root


def _files(out: str) -> int:
    return int(json.loads(out)["summary"]["files"])


def test_a_match_behind_a_symlinked_folder_invalidates_the_cached_result(tmp_path: Path, run_cli: RunCli) -> None:
    root = _checkout(tmp_path / "repo")
    args = ("lint", "--format", "json", "--fail-on", "never", "--offline", "s/catalog-info.yaml")
    cache = str(tmp_path / "cache")
    first = run_cli(*args[:1], "--cache-dir", cache, *args[1:], cwd=root)
    assert _files(first.stdout) == 2, first.output
    (root / "elsewhere" / "b" / "x.yaml").write_text(_component("b"))
    fresh = run_cli(*args[:1], "--no-cache", *args[1:], cwd=root)
    assert _files(fresh.stdout) == 3, fresh.output
    warm = run_cli(*args[:1], "--cache-dir", cache, *args[1:], cwd=root)
    assert warm.stdout == fresh.stdout


def test_the_run_memo_watches_the_folders_behind_a_symlinked_folder(tmp_path: Path) -> None:
    root = _checkout(tmp_path / "repo")
    entry = [*CLI[:2], "import sys; sys.argv[0] = 'catalint'; from catalint.cli import entry; entry()"]
    command = [*entry, "lint", "--format", "json", "--fail-on", "never", "--cache-dir", str(tmp_path / "cache"), "s/catalog-info.yaml"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BITBUCKET_"))}

    def lint() -> str:
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    settle()
    assert _files(lint()) == 2
    assert list((tmp_path / "cache" / "memo").glob("[0-9a-f]*")), "the first run left no memo to test against"
    (root / "elsewhere" / "b" / "x.yaml").write_text(_component("b"))
    settle()
    assert _files(lint()) == 3
