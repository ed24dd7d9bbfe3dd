"""Item 15: a report, the sync state and the cache pack are whole or absent, never truncated.

The write is cut short for real: the child process may only write files up to a size limit
(RLIMIT_FSIZE), so its write fails midway, as when the disk fills or the process is killed."""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path

from catalint.atomic import write_atomic
from tests.cli_run import run_process
from tests.descriptors import component


def lint(root: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return run_process("lint", *args, cwd=root, timeout=120, preexec_fn=cap)


def test_a_report_cut_short_leaves_the_previous_one_whole(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"c{i}").mkdir()
        (tmp_path / f"c{i}" / "catalog-info.yaml").write_text(component(f"Bad_Name_{i}"))
    first = lint(tmp_path, "--no-cache", "--output", "sarif:out.sarif", ".")
    assert first.returncode in (0, 1), first.stderr
    whole = (tmp_path / "out.sarif").read_text()
    assert len(whole) > 20_000
    (tmp_path / "c0" / "catalog-info.yaml").write_text(component("Bad_Name_changed"))
    cut = lint(tmp_path, "--no-cache", "--output", "sarif:out.sarif", ".", limit=len(whole) // 2)
    assert "could not be written" in cut.stderr
    assert (tmp_path / "out.sarif").read_text() == whole  # the old report, whole: not half a new one
    json.loads(whole)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.sarif")] == []


def test_write_atomic_keeps_the_mode_and_replaces_whole(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    write_atomic(path, "one")
    path.chmod(0o600)
    write_atomic(path, b"two", sync=True)
    assert path.read_text() == "two" and path.stat().st_mode & 0o777 == 0o600
