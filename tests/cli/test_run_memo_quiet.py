"""Run memo false hits found in review: a tree linted where the recorder notes no reads (inside
the cache folder, under /dev) must not be answered from a memo once it gains a file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.cli.test_run_memo import Catalint, component, make_tree, settle


@pytest.fixture
def catalint(tmp_path: Path) -> Catalint:
    return Catalint(tmp_path)


def _gains_a_descriptor(catalint: Catalint, repo: Path) -> None:
    first = catalint("lint", "--format", "json", ".", cwd=repo)
    settle()  # (the first run made the cache folder, inside the tree in one case)
    assert catalint("lint", "--format", "json", ".", cwd=repo).answer == first.answer
    # In a folder the walk listed (not one given on the command line): a duplicate of svc.
    (repo / "lib" / "catalog-info.yml").write_text(component("svc"))
    settle()
    after = catalint("lint", "--format", "json", ".", cwd=repo)
    fresh = catalint("lint", "--format", "json", ".", cwd=repo, cache=False)
    assert fresh.out != first.out
    assert after.answer == fresh.answer


def test_a_tree_inside_the_cache_folder(catalint: Catalint, tmp_path: Path) -> None:
    repo = make_tree(tmp_path)
    catalint.cache = repo  # `--cache-dir .`
    _gains_a_descriptor(catalint, repo)


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm on this system")
def test_a_tree_under_dev_shm(catalint: Catalint) -> None:
    top = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        _gains_a_descriptor(catalint, make_tree(top))
    finally:
        shutil.rmtree(top)
