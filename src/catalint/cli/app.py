"""The click group of every command: each command's module is imported only when it is used,
so `catalint lint` starts fast (the console script, `catalint.cli.entry`, comes here only when
the run memo did not answer)."""

from __future__ import annotations

import importlib
import io
import sys
from typing import Any

import click

from catalint import __version__
from catalint.cli import COMMANDS


class _LazyGroup(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        # A value read from a `$json` target may hold a lone surrogate ("\ud800"), which UTF-8 cannot
        # carry: print it escaped (still valid JSON) rather than lose the whole report.
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, io.TextIOWrapper):
                stream.reconfigure(errors="backslashreplace")
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        if not any("--version" in getattr(p, "opts", ()) for p in command.params):
            # `catalint lint --version` answers like `catalint --version`, whichever command it is.
            _version(command)
        return command


_version = click.version_option(__version__, "--version", prog_name="catalint")


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_version
def main() -> None:
    """Lint, resolve and sync Backstage catalog descriptors on Bitbucket Cloud.

    \b
    Exit codes (every command):
      0  success; for lint, nothing at or above --fail-on
      1  lint: a finding at or above --fail-on; discover: discovery incomplete
      2  usage, configuration, credential or input error (one line on stderr)
    """


__all__ = ["main"]
