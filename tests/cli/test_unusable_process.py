"""A process catalint cannot work in (stdout closed, the working folder deleted) gets one line and
exit 2, never a traceback; with the console script, the run memo does not answer it either."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import CLI

ENTRY = (sys.executable, "-c", "import sys; sys.argv[0] = 'catalint'; from catalint.cli import entry; entry()")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("command", [CLI, ENTRY], ids=["main", "entry"])
def test_a_closed_stdout_is_said_in_one_line(command: tuple[str, ...], tmp_path: Path) -> None:
    args = [*command, "lint", "--cache-dir", str(tmp_path / "cache"), "--offline", str(EXAMPLES)]
    # Twice: the second run would be the memo's, had the first left one.
    for _ in range(2):
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.close(1), check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr == "catalint: stdout is closed: there is nowhere to write the report (redirect it to a file or /dev/null)\n"


def test_a_working_folder_that_is_gone_is_said_in_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "gone"

    def enter_and_delete() -> None:
        os.mkdir(gone)
        os.chdir(gone)
        os.rmdir(gone)

    done = subprocess.run(
        [*ENTRY, "lint", "--no-cache", "."], capture_output=True, text=True, timeout=120, preexec_fn=enter_and_delete, check=False
    )
    assert done.returncode == 2
    assert done.stderr == "catalint: the working folder cannot be used (No such file or directory): it was deleted, or is not readable\n"
