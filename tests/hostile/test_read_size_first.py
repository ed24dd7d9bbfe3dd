"""Item 18: a huge file is reported as too large without being read.

The child's address space is capped far below the file's size: reading it whole cannot succeed."""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path

import pytest

from tests.cli_run import run_process

GIB = 1024**3


def lint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (768 * 1024**2, 768 * 1024**2))

    env = {"XDG_CACHE_HOME": str(root / ".cache"), "PATH": "/usr/bin:/bin"}
    return run_process("lint", "--format", "json", *args, ".", cwd=root, timeout=120, preexec_fn=cap, env=env)


@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cache", "no-cache"])
def test_a_1_gib_descriptor_is_too_large_unread(tmp_path: Path, cache: list[str]) -> None:
    with (tmp_path / "catalog-info.yaml").open("wb") as handle:
        handle.truncate(GIB)  # sparse: no disk used
    done = lint(tmp_path, *cache)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    findings = json.loads(done.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["file-too-large"]
    assert "1,073,741,824 bytes" in findings[0]["message"]


def test_placeholder_targets_are_judged_before_reading(tmp_path: Path) -> None:
    import os

    with (tmp_path / "huge.md").open("wb") as handle:
        handle.truncate(GIB)
    os.mkfifo(tmp_path / "pipe.md")  # opening it would wait for a writer forever
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n"
        "  description:\n    $text: ./huge.md\n  title:\n    $text: ./pipe.md\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
    done = lint(tmp_path, "--no-cache")
    assert done.returncode in (0, 1), done.stderr[-2000:]
    messages = [str(f["message"]) for f in json.loads(done.stdout)["findings"]]
    assert any("1,073,741,824 bytes" in m and "not read" in m for m in messages), messages
    assert any("pipe.md is not a regular file" in m for m in messages), messages
