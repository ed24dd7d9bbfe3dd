"""`catalint merge`: the JSON results of N shards of a workspace run, reported as one run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalint.cli.common import app_config_option, color_option, colour, config_option, die, run_settings, warn
from catalint.cli.lint import (
    CiArgs,
    _fail_on_unreadable,
    ci_options,
    fail_on_option,
    finish_lint,
    format_option,
)


@click.command("merge")
@click.argument("results", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@config_option
@app_config_option
@format_option
@fail_on_option
@color_option
@ci_options
def merge_command(
    results: tuple[Path, ...],
    config: Path | None,
    app_configs: tuple[Path, ...],
    fmt: str | None,
    fail_on: str,
    color: str,
    ci: CiArgs,
) -> None:
    """Join the JSON results of `catalint lint --workspace W --shard I/N` (one per shard) into the
    result one job over the whole workspace gives: duplicates and references are checked across
    all shards, and every report (--output, job summary, Code Insights) is written once. Use the
    --config and --app-config the shards used. `catalint sync --from` takes the merged JSON.

    Exit codes as `catalint lint`; 2 when a result cannot be read or the shards do not fit.
    """
    from catalint.sync.merge import MergeError, merge, read_json, shard_of_json

    cwd = Path.cwd()
    settings = run_settings(config, app_configs, cwd)
    try:
        shards = [shard_of_json(str(path), read_json(path)) for path in results]
        result = merge(shards, settings)
    except MergeError as err:
        die(str(err))
    section = result.extra["nightly"]
    for error in section["discovery"]["errors"]:
        warn(f"discovery: {error}")
    if section["stopped"]:
        warn(f"a shard stopped early ({section['stopped']}); {len(section['pending'])} descriptors not verified")
    code = finish_lint(result, ci, fmt=fmt, cwd=cwd, colour=colour(color), fail_on=fail_on, settings=settings)
    _fail_on_unreadable(result)
    sys.exit(code)
