"""Item 17: worker processes end with the run that started them.

The waits here are guards with generous deadlines, never measurements."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.cli_run import CLI

GROUP = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g{i}\n  description: {text}\nspec:\n  type: team\n  children: []\n"


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: object, deadline: float) -> bool:
    ends = time.monotonic() + deadline
    while time.monotonic() < ends:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_sigterm_to_the_parent_ends_its_workers(tmp_path: Path) -> None:
    for i in range(3000):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "catalog-info.yaml").write_text(GROUP.format(i=i, text="x " * 200))
    proc = subprocess.Popen(
        [*CLI, "lint", "--no-cache", "-j", "2", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        assert wait_for(lambda: len(children(proc.pid)) >= 2, 60), "no workers started"
        workers = children(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        assert wait_for(lambda: not any(alive(w) for w in workers), 30), "workers outlived their parent"
    finally:
        proc.kill()
        for worker in workers:  # whatever happened, nothing is left running
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
