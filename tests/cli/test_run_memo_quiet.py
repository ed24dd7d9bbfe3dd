"""Run memo false hits found in review: a tree linted where the recorder notes no reads (inside
the cache folder, under /dev) must not be answered from a memo once it gains a file."""

from __future__ import annotations

import json
import marshal
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from catalint.lint import memo
from tests.cli.test_run_memo import RUNNER, Catalint, component, make_tree, settle


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


def _rewrite_header(path: Path, change: Callable[[list[Any]], None]) -> None:
    whole = path.read_bytes()
    length = int.from_bytes(whole[-memo.TRAILER :], "big")
    header = list(marshal.loads(whole[-memo.TRAILER - length : -memo.TRAILER]))
    change(header)
    new = marshal.dumps(tuple(header))
    path.write_bytes(whole[: -memo.TRAILER - length] + new + len(new).to_bytes(memo.TRAILER, "big"))


def _float_lengths(header: list[Any]) -> None:
    header[3] = tuple((stream, size / 2) for stream, size in header[3] for _ in (1, 2))


def _negative_lengths(header: list[Any]) -> None:
    header[3] = (*header[3], (1, 5), (1, -5))


def _float_code(header: list[Any]) -> None:
    header[5] = 1.5


@pytest.mark.parametrize("change", [_float_lengths, _negative_lengths, _float_code])
def test_a_memo_with_odd_numbers_is_no_memo(catalint: Catalint, tmp_path: Path, change: Callable[[list[Any]], None]) -> None:
    repo = make_tree(tmp_path)
    first = catalint("lint", ".", cwd=repo)
    (path,) = catalint.memos()
    _rewrite_header(path, change)
    ran = catalint("lint", ".", cwd=repo)  # (no traceback: checked for every run)
    assert ran.answer == first.answer


def test_output_a_closed_pipe_did_not_take_is_not_replayed(catalint: Catalint, tmp_path: Path) -> None:
    """`catalint lint | head -1`, then `catalint lint > report.json`: the second must not get the
    first's cut-short report and its "Broken pipe" warning."""
    repo = make_tree(tmp_path)
    argv = ["lint", "--cache-dir", str(catalint.cache), "--format", "json", "."]
    reader = subprocess.Popen(
        [sys.executable, "-c", RUNNER, *argv], cwd=repo, env=catalint.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None
    reader.stdout.close()  # the reader is gone before anything is written
    _, err = reader.communicate(timeout=120)
    assert b"Broken pipe" in err
    settle()
    after = catalint("lint", "--format", "json", ".", cwd=repo)
    assert after.answer == catalint("lint", "--format", "json", ".", cwd=repo, cache=False).answer
    assert json.loads(after.out)
