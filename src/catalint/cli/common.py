"""What every command shares: how it fails, its common options, and the run's settings."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import click

from catalint.config import ConfigError, Settings, load_app_config, load_settings


def die(message: str) -> NoReturn:
    """A usage, configuration or input error: one line on stderr, exit 2."""
    from catalint.report.text import printable

    click.echo(f"catalint: {printable(message)}", err=True)
    sys.exit(2)


def warn(message: str) -> None:
    from catalint.report.text import printable

    click.echo(f"catalint: warning: {printable(message)}", err=True)


def debug_wanted(verbose: bool) -> bool:
    return verbose or os.environ.get("CATALINT_DEBUG", "") not in ("", "0", "false")


COLOR_CHOICES = ("auto", "always", "never")


def colour(choice: str = "auto", env: Mapping[str, str] | None = None, tty: bool | None = None) -> bool:
    """Whether stdout is coloured. `--color always|never` decides; with `auto`, NO_COLOR (any
    non-empty value, no-color.org) turns colour off, then FORCE_COLOR (any non-empty value,
    force-color.org) turns it on even through a pipe, and otherwise a terminal gets colour."""
    if choice != "auto":
        return choice == "always"
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() if tty is None else tty


color_option = click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    default="auto",
    show_default=True,
    help="Colour the text output: auto is on for a terminal, off when NO_COLOR is set, on when FORCE_COLOR is set.",
)


config_option = click.option(
    "--config", "-c", type=click.Path(path_type=Path), help="catalint config (default: .catalint.yaml)."
)
app_config_option = click.option(
    "--app-config",
    "app_configs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Backstage app-config (kinds, catalog.rules, locations, credentials); repeatable, later files win.",
)
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Debug logging on stderr (secrets redacted).")


def run_settings(
    config: Path | None, app_configs: tuple[Path, ...], cwd: Path, linted: Sequence[Path] = ()
) -> Settings:
    """`.catalint.yaml` (or `--config`) and the app-configs; a broken one ends the run with exit 2."""
    # The config of the folder being linted wins over the working directory's, like yamllint's.
    starts = [p if p.is_dir() else p.parent for p in ((cwd / q) for q in linted) if p.exists()][:1]
    try:
        settings = load_settings(config, cwd, explicit=config is not None, starts=starts)
        if app_configs:
            settings.app = load_app_config(list(app_configs))
    except ConfigError as err:
        die(str(err))
    return settings
