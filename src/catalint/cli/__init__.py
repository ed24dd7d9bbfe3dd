"""The command line, and the only package that imports click: one module per command group.

Commands are imported only when used, so `catalint lint` starts fast. Each module parses its
options, calls the layers below, and turns what they return into output and an exit code.
"""

from __future__ import annotations

import importlib

import click

from catalint import __version__

# command name -> (module, attribute)
COMMANDS = {
    "lint": ("catalint.cli.lint", "lint"),
    "rules": ("catalint.cli.rules", "list_rules"),
    "explain": ("catalint.cli.rules", "explain"),
    "auth": ("catalint.cli.bitbucket", "auth_command"),
    "discover": ("catalint.cli.bitbucket", "discover_command"),
    "sync": ("catalint.cli.sync", "sync_command"),
    "merge": ("catalint.cli.merge", "merge_command"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="catalint")
def main() -> None:
    """Lint, resolve and sync Backstage catalog descriptors on Bitbucket Cloud."""


__all__ = ["main"]
