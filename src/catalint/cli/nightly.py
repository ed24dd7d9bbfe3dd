"""The options of a workspace run that keep and split its work (`--state`, `--full`,
`--full-every`, `--shard`), apart from the Bitbucket side so that `catalint lint` starts fast."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click


@dataclass(frozen=True, slots=True)
class NightlyArgs:
    """`--state`, `--full`, `--full-every`, `--shard`: how a workspace run keeps and splits its work."""

    state: Path | None = None
    full: bool = False
    full_every: int = 0
    shard: tuple[int, int] | None = None

    @property
    def given(self) -> bool:
        return self != NightlyArgs()


def shard_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    from catalint.bitbucket.discovery import parse_shard

    try:
        return parse_shard(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def nightly_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the workspace-run options to a command and hands them over as one `nightly` argument."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        packed = NightlyArgs(kwargs.pop("state"), kwargs.pop("full"), kwargs.pop("full_every"), kwargs.pop("shard"))
        return func(*args, nightly=packed, **kwargs)

    options = [
        click.option(
            "--state",
            type=click.Path(dir_okay=False, path_type=Path),
            help="With --workspace: the nightly state file [default: in --cache-dir]; unchanged repositories "
            "are not asked again. Without it, on a pull request: where the workspace's referrers of a "
            "renamed or removed entity are read from, asking Bitbucket nothing.",
        ),
        click.option("--full", is_flag=True, help="With --workspace: re-check every file, whatever the state says."),
        click.option(
            "--full-every",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="With --workspace: a full re-check every N runs (0: only with --full).",
        ),
        click.option(
            "--shard",
            metavar="I/N",
            callback=shard_option,
            help="With --workspace: only shard I of N (a stable hash of each repository); "
            "`catalint merge` joins the shards' JSON results.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper
