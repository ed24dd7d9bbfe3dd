"""Colour as the ecosystem has it: --color always|never > NO_COLOR > FORCE_COLOR > a terminal.

The precedence is checked as a table, then end to end in real processes: through a pipe (where
click would strip colour codes unless told otherwise) and on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from catalint.cli.common import colour

RED = "\x1b[31merror\x1b[0m"
BROKEN = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n"

# (--color, NO_COLOR, FORCE_COLOR, stdout is a terminal) -> coloured
MATRIX = [
    ("always", "", "", False, True),
    ("always", "1", "", True, True),
    ("never", "", "1", True, False),
    ("never", "", "", True, False),
    ("auto", "1", "1", True, False),  # NO_COLOR beats FORCE_COLOR
    ("auto", "1", "", True, False),
    ("auto", "0", "", True, False),  # any non-empty value disables
    ("auto", "", "1", False, True),  # FORCE_COLOR colours a pipe
    ("auto", "", "0", False, True),  # any non-empty value
    ("auto", "", "", True, True),
    ("auto", "", "", False, False),
]


@pytest.mark.parametrize(("flag", "no_color", "force", "tty", "expected"), MATRIX)
def test_precedence(flag: str, no_color: str, force: str, tty: bool, expected: bool) -> None:
    env = {k: v for k, v in (("NO_COLOR", no_color), ("FORCE_COLOR", force)) if v}
    assert colour(flag, env, tty) is expected
    # An empty variable is the same as none (no-color.org, force-color.org).
    assert colour(flag, {"NO_COLOR": "", "FORCE_COLOR": ""} | env, tty) is expected


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return env | extra


CLI = [sys.executable, "-c", "from catalint.cli import main; main()", "lint", "--no-cache", "--no-style"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "catalog-info.yaml").write_text(BROKEN)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ((), {}, False),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
    ],
)
def test_through_a_pipe(tree: Path, args: tuple[str, ...], env: dict[str, str], expected: bool) -> None:
    done = subprocess.run([*CLI, *args], cwd=tree, env=_env(**env), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert (RED in done.stdout) is expected, done.stdout
    assert "\\x1b" not in done.stdout  # colour codes are never escaped into the text


def _on_a_terminal(tree: Path, args: tuple[str, ...], env: dict[str, str]) -> str:
    master, slave = pty.openpty()
    proc = subprocess.Popen([*CLI, *args], cwd=tree, env=_env(**env), stdout=slave, stderr=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done writing
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=120) == 1
    return b"".join(chunks).decode()


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [((), {}, True), ((), {"NO_COLOR": "1"}, False), (("--color", "never"), {}, False)],
)
def test_on_a_terminal(tree: Path, args: tuple[str, ...], env: dict[str, str], expected: bool) -> None:
    out = _on_a_terminal(tree, args, env)
    assert "catalog-info.yaml" in out
    assert (RED in out) is expected, out
