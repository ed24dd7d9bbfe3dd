"""Running catalint's command line in tests: in-process through click (`run_cli`), or as a real process.

Loaded as a pytest plugin by tests/conftest.py. The in-process run is the default: it is fast and
sees the environment the autouse `_neutral_environment` fixture left, plus what a test passes.
Tests that need a real process (resource limits, signals, a process killed mid-run, hangs that
must end in a timeout) use `CLI` or `run_process`, which start the same entry point.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from click.testing import CliRunner

from catalint.cli import main

# The console script's entry point, as a command line for subprocess.
CLI = (sys.executable, "-c", "from catalint.cli import main; main()")


@dataclass(frozen=True, slots=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    # stdout and stderr interleaved as a terminal shows them.
    output: str
    # What the command raised: None, SystemExit, or (with catch_exceptions) the crash itself.
    exception: BaseException | None

    def __iter__(self) -> Iterator[int | str]:
        """`code, out, err = run_cli(...)`."""
        return iter((self.exit_code, self.stdout, self.stderr))


class RunCli(Protocol):
    def __call__(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        cwd: Path | None = None,
        color: bool = False,
        catch_exceptions: bool = False,
        input: str | bytes | None = None,
    ) -> CliResult: ...


def invoke(
    args: tuple[str, ...],
    *,
    cache_home: Callable[[], Path],
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    color: bool = False,
    catch_exceptions: bool = False,
    input: str | bytes | None = None,
) -> CliResult:
    # The cache goes to a folder of the test's own unless the test names one: runs that do not
    # say --no-cache must neither read nor fill the cache of whoever runs the suite.
    overlay: dict[str, str | None] = dict(env or {})
    overlay.setdefault("XDG_CACHE_HOME", str(cache_home()))
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(
            main, list(args), env=overlay, color=color, catch_exceptions=catch_exceptions, input=input
        )
    return CliResult(result.exit_code, result.stdout, result.stderr, result.output, result.exception)


@pytest.fixture
def run_cli(tmp_path_factory: pytest.TempPathFactory) -> RunCli:
    """`run_cli("lint", "--no-cache", ".", env={...}, cwd=root)`: catalint's CLI in this process."""
    made: list[Path] = []

    def cache_home() -> Path:
        if not made:
            made.append(tmp_path_factory.mktemp("xdg-cache"))
        return made[0]

    def run(*args: str, **options: Any) -> CliResult:
        return invoke(args, cache_home=cache_home, **options)

    return run


def run_process(*args: str, cwd: Path, timeout: float, **popen: Any) -> subprocess.CompletedProcess[str]:
    """catalint as a real process (text output captured); `popen` passes env=, preexec_fn= and the like."""
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, **popen)
