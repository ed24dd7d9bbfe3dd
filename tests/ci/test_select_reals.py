"""The selection of a change made from the real paths the run's walk found (`lint.run.Linted`)
is the one made by resolving every linted file again: through symlinked folders and files, hard
links, files the change modified, added, left untracked or deleted."""

from __future__ import annotations

import os
from pathlib import Path

from catalint.ci.changes import _abs, _Reals, _Touched, compute_changes, select
from catalint.config import Settings
from catalint.lint.run import Linted, LintRequest, run
from tests.descriptors import component, group
from tests.gitrepo import commit_all, git, write


def test_selection_from_the_walks_real_paths_equals_resolving_each_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {f"svc-{i}/catalog-info.yaml": component(f"svc-{i}") for i in range(5)}
    files["teams/catalog-info.yaml"] = group()
    files["docs/catalog-info.yaml"] = component("docs")
    write(root, files)
    (root / "linked").symlink_to(root / "svc-1")  # a folder link: the same files, linted once
    (root / "alias.yaml").symlink_to(root / "svc-2" / "catalog-info.yaml")
    os.link(root / "svc-3" / "catalog-info.yaml", root / "hard.yaml")  # another file, the same inode
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"svc-2/catalog-info.yaml": component("svc-2", owner="team-b")})
    write(root, {"svc-3/catalog-info.yaml": component("svc-3", owner="team-c")})  # the hard link changes too
    (root / "svc-4" / "catalog-info.yaml").unlink()
    commit_all(root, "feature")
    write(root, {"new/catalog-info.yaml": component("new")})  # untracked
    paths = [root, root / "alias.yaml", root / "hard.yaml", root / "linked" / "catalog-info.yaml"]
    result = run(LintRequest(paths=paths, settings=Settings(), cwd=root))
    linted = result.deps
    assert isinstance(linted, Linted) and len(linted.reals) == len(linted) >= 7
    changes = compute_changes(root, "main")
    fast = select(changes, linted, root, linted.reals)
    slow = select(changes, dict(linted), root)
    assert fast == slow
    assert {"svc-2/catalog-info.yaml", "svc-3/catalog-info.yaml", "new/catalog-info.yaml"} <= set(fast.changed)
    assert "svc-1/catalog-info.yaml" not in fast.changed


def test_a_real_path_that_is_not_the_changed_file_selects_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"a/catalog-info.yaml": component("a"), "b/catalog-info.yaml": component("b")})
    commit_all(root, "base")
    write(root, {"a/catalog-info.yaml": component("a", owner="team-b")})
    changes = compute_changes(root, "main")
    linted = {"a/catalog-info.yaml": [], "b/catalog-info.yaml": []}
    known = {"a/catalog-info.yaml": str(root.resolve() / "b" / "catalog-info.yaml")}
    # The run's own real path wins over the display path: `a` was not the changed file it read.
    assert select(changes, linted, root, known).changed == {}
    assert set(select(changes, linted, root).changed) == {"a/catalog-info.yaml"}


def test_a_missing_path_is_resolved_only_when_it_can_be_a_touched_one(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "kept.yaml").write_text("x")
    gone = str(tmp_path.resolve() / "a" / "gone.yaml")  # removed by the change: not there any more
    (tmp_path / "dangling.yaml").symlink_to(gone)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    touched = _Touched(_Reals(), [gone, str(tmp_path.resolve() / "a" / "kept.yaml")])
    paths = [
        gone,
        str(tmp_path / "link" / "gone.yaml"),  # through a folder link
        str(tmp_path / "dangling.yaml"),  # a link to it, under another name
        str(tmp_path / "a" / "missing" / ".." / "gone.yaml"),
        str(tmp_path / "a" / "gone.yaml" / ".."),
        str(tmp_path / "a" / "other.yaml"),
        str(tmp_path / "a" / "kept.yaml"),
    ]
    for path in paths:
        resolved = _abs(Path(path))
        assert touched.real(path) == (resolved if resolved in touched.paths else None), path
    assert touched.real(str(tmp_path / "dangling.yaml")) == gone
