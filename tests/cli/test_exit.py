"""The console script leaves without tearing the interpreter down (cli._leave): what it printed is
all there, its exit code is the command's, and exit handlers still run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _entry(tmp_path: Path, *args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    script = f"import sys; sys.argv[0] = 'catalint'\n{before}\nfrom catalint.cli import entry; entry()"
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )


def test_the_whole_report_is_written_and_the_exit_code_is_the_commands(tmp_path: Path) -> None:
    args = ("lint", "--format", "json", "--no-cache", "--offline", str(EXAMPLES))
    failing = _entry(tmp_path, *args, "--fail-on", "info")
    report = json.loads(failing.stdout)  # (cut short, it would not parse)
    assert report["findings"] and failing.returncode == 1
    passing = _entry(tmp_path, *args, "--fail-on", "never")
    assert json.loads(passing.stdout) == report and passing.returncode == 0


def test_exit_handlers_still_run(tmp_path: Path) -> None:
    mark = tmp_path / "handled"
    before = f"import atexit, pathlib; atexit.register(pathlib.Path({str(mark)!r}).write_text, 'yes')"
    done = _entry(tmp_path, "rules", before=before)
    assert done.returncode == 0 and "duplicate-entity" in done.stdout
    assert mark.read_text() == "yes"


def test_a_usage_error_exits_as_click_says(tmp_path: Path) -> None:
    done = _entry(tmp_path, "lint", "--no-such-option")
    assert done.returncode == 2 and "No such option" in done.stderr
