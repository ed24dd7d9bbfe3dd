"""Item 19: yamllint's style pass is bounded per file, and says when it was skipped.

The subprocess timeout is a guard: before the fix these files took minutes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.facts import style_skip
from tests.cli_run import run_process

GUARD = 60.0


def lint(root: Path, name: str) -> dict[str, list[dict[str, object]]]:
    done = run_process("lint", "--no-cache", "--format", "json", name, cwd=root, timeout=GUARD)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x: " + "[" * 100_000 + "]" * 100_000 + "\n", "line 1 is 200,003 characters long"),
        ("".join(f"k{i}: " + "[" * 60 + "]" * 60 + "\n" for i in range(3000)), "nest more than 50 deep on line 1"),
        ("a: 1\n" * 120_000, "the file is over 512 KiB"),
    ],
    ids=["long-line", "deep", "large"],
)
def test_style_is_skipped_with_an_info_finding(tmp_path: Path, text: str, where: str) -> None:
    (tmp_path / "x.yaml").write_text(text)
    found = lint(tmp_path, "x.yaml")["findings"]
    skipped = [f for f in found if f["rule"] == "style-skipped"]
    assert len(skipped) == 1 and where in str(skipped[0]["message"]), skipped
    assert not any(str(f["rule"]).startswith("yamllint/") for f in found)


def test_ordinary_files_keep_their_style_checks(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a:   1\nb: [1, 2]\n")
    found = lint(tmp_path, "x.yaml")["findings"]
    assert any(str(f["rule"]).startswith("yamllint/") for f in found)
    assert style_skip("a: [[1], {b: [2]}]\n") is None
