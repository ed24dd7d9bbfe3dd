"""Draw the README's example: the relation graph of the pull-request fixture of tests/ci/test_impact.py
(payments renamed, ledger-api removed), as catalint writes it, rendered by Mermaid in headless Chromium.

    python -m tests.mermaid.example examples/graphs
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from catalint.cli import main
from tests.ci.test_impact import _rename_and_remove, _repo
from tests.mermaid import tool


def diagram(workdir: Path) -> str:
    root = workdir / "repo"
    _repo(root)
    _rename_and_remove(root)
    out = workdir / "change.mmd"
    here = os.getcwd()
    os.chdir(root)
    try:
        args = ["lint", "--no-cache", "--offline", "--changed-since", "main", "--output", f"mermaid:{out}"]
        CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(here)
    return out.read_text(encoding="utf-8")


def main_(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = diagram(Path(tmp))
        (target / "breaks-references.mmd").write_text(text, encoding="utf-8")
        tool.render(text, Path(tmp), screenshot=target / "breaks-references.png")


if __name__ == "__main__":
    main_(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/graphs"))
