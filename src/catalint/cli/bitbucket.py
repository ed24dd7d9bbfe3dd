"""The Bitbucket side of the command line: `catalint auth`, `catalint discover`, and the lazily
started Bitbucket side of a lint run (the client, the remote linter, their run-level messages)."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import click

from catalint.bitbucket.checkout import Checkout, detect
from catalint.bitbucket.credentials import CredentialsError
from catalint.bitbucket.urls import Hosts, is_absolute
from catalint.cli.common import app_config_option, debug_wanted, die, verbose_option, warn
from catalint.cli.nightly import shard_option
from catalint.config import ConfigError, Settings, load_app_config

if TYPE_CHECKING:
    from catalint.bitbucket.client import BitbucketClient
    from catalint.cli.nightly import NightlyArgs
    from catalint.model import RunResult
    from catalint.sources.bitbucket import RemoteLinter
    from catalint.sync.nightly import Nightly


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as err:
            raise click.BadParameter(f"not a valid regular expression: {err}") from None
    return value


def new_client(
    entries: Sequence[Mapping[str, object]] = (),
    *,
    web_url: str | None = None,
    concurrency: int = 8,
    max_requests: int | None = None,
    cache_dir: Path | None = None,
    verbose: bool = False,
) -> BitbucketClient:
    """Credentials from env + app-config, warnings about them on stderr; raises CredentialsError."""
    # requests is imported only by runs that talk to Bitbucket, keeping local lints quick to start.
    from catalint.bitbucket.client import client_from_env, setup_debug_logging

    if debug_wanted(verbose):
        setup_debug_logging()
    client, warnings = client_from_env(
        os.environ, entries, web_url=web_url, concurrency=concurrency, max_requests=max_requests, cache_dir=cache_dir
    )
    for warning in warnings:
        warn(warning)
    return client


def make_client(
    entries: Sequence[Mapping[str, object]] = (),
    *,
    concurrency: int = 8,
    max_requests: int | None = None,
    cache_dir: Path | None = None,
    verbose: bool = False,
) -> BitbucketClient:
    """`new_client`, where a CredentialsError ends the run with exit 2."""
    try:
        return new_client(
            entries, concurrency=concurrency, max_requests=max_requests, cache_dir=cache_dir, verbose=verbose
        )
    except CredentialsError as err:
        die(f"Bitbucket credentials: {err}")


def split_targets(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    local: list[Path] = []
    urls: list[str] = []
    for item in paths:
        (urls.append(item) if is_absolute(item) else local.append(Path(item)))
    return local, urls


@dataclass(slots=True)
class RemoteSide:
    """The Bitbucket side of one lint run: the client and the remote linter, made on first need
    (a URL to lint, a local descriptor naming a Bitbucket URL), so a run that never touches
    Bitbucket needs neither credentials nor `requests`."""

    settings: Settings
    concurrency: int = 8
    max_requests: int | None = None
    cache_dir: Path | None = None
    verbose: bool = False
    style: bool = True
    assume_placeholders: bool = False
    client: BitbucketClient | None = None
    linter: RemoteLinter | None = None
    nightly: Nightly | None = None  # a workspace run: incremental, resumable, maybe one shard
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get_client(self) -> BitbucketClient:
        with self._lock:
            if self.client is None:
                self.client = make_client(
                    self.settings.app.bitbucket_cloud,
                    concurrency=self.concurrency,
                    max_requests=self.max_requests,
                    cache_dir=self.cache_dir,
                    verbose=self.verbose,
                )
            return self.client

    def start(self) -> RemoteLinter:
        client = self.get_client()
        with self._lock:
            if self.linter is None:
                from catalint.bitbucket.client import Progress
                from catalint.sources.bitbucket import RemoteLinter

                client.progress = Progress("catalint: Bitbucket")
                if self.nightly is not None:
                    from catalint.sync.nightly import IncrementalLinter

                    self.linter = IncrementalLinter(
                        client,
                        self.settings,
                        self.nightly,
                        style=self.style,
                        assume_placeholders=self.assume_placeholders,
                    )
                else:
                    self.linter = RemoteLinter(
                        client, self.settings, style=self.style, assume_placeholders=self.assume_placeholders
                    )
            return self.linter

    def discover(self, workspace: str) -> list[str]:
        client = self.get_client()
        if self.nightly is not None:
            urls = self.nightly.discover(client)
            errors = self.nightly.section.discovery.errors
        else:
            from catalint.bitbucket.discovery import discover

            found = discover(client, workspace)
            urls, errors = list(found.urls), found.errors
        if client.auth_error:
            die(client.auth_error)
        for error in errors:
            warn(f"discovery: {error}")
        return urls

    def finish(self, result: RunResult | None = None) -> None:
        """One run-level message for an authentication failure (exit 2), or a budget note; a
        workspace run records its state and what merge needs."""
        client = self.client
        if client is None:
            return
        if client.progress is not None:
            client.progress.close()
        if client.auth_error:
            die(client.auth_error)
        if self.nightly is not None and result is not None:
            self._finish_nightly(client, self.nightly, result)
        elif client.stop is not None:
            warn(f"{client.stop.reason}; remaining checks are reported as unverified")

    @staticmethod
    def _finish_nightly(client: BitbucketClient, nightly: Nightly, result: RunResult) -> None:
        nightly.finish(client)
        result.extra["nightly"] = nightly.section.to_json()
        if client.stop is None:
            return
        # Stopped cleanly: the descriptors not read are `unverified` findings, and the next run
        # starts with them; that is a partial night, not a file that cannot be read.
        for url in nightly.section.pending:
            result.unreadable.pop(url, None)
        warn(
            f"{client.stop.reason}; {len(nightly.section.pending)} descriptors not verified this run "
            "(reported as unverified; the state resumes there)"
        )


def checkout_detector() -> Callable[[Path], Checkout | None]:
    """Recognises a checkout root as a Bitbucket repository (git `origin`, BITBUCKET_REPO_FULL_NAME)."""
    return functools.partial(detect, hosts=Hosts.from_env(os.environ), env=dict(os.environ))


def _app_entries(app_configs: tuple[Path, ...]) -> list[dict[str, object]]:
    if not app_configs:
        return []
    try:
        return load_app_config(list(app_configs)).bitbucket_cloud
    except ConfigError as err:
        die(str(err))




@click.command("auth")
@app_config_option
@verbose_option
def auth_command(app_configs: tuple[Path, ...], verbose: bool) -> None:
    """Show which Bitbucket credentials are used and who they act as (never a secret)."""
    client = make_client(_app_entries(app_configs), verbose=verbose)
    creds = client.credentials
    click.echo(f"method:   {creds.description}")
    click.echo(f"source:   {creds.origin}")
    if creds.username:
        click.echo(f"username: {creds.username}")
    if creds.method == "anonymous":
        click.echo("identity: anonymous")
        return
    reply, body = client.get_json(f"{client.hosts.api}/user")
    if isinstance(body, dict):
        name = body.get("display_name") or body.get("nickname") or "?"
        click.echo(f"identity: {name} ({body.get('account_id') or body.get('uuid') or 'no id'})")
        return
    workspace = os.environ.get("BITBUCKET_WORKSPACE")
    if creds.method == "bearer" and workspace and not client.auth_error:
        reply, body = client.get_json(f"{client.hosts.api}/workspaces/{quote(workspace, safe='')}")
        if isinstance(body, dict):
            click.echo(f"identity: access token with access to workspace {body.get('slug')}")
            return
    die(client.auth_error or f"could not check the credentials: {reply.detail or reply.outcome}")


@click.command("discover")
@click.option("--workspace", "-w", required=True, help="Bitbucket workspace slug.")
@click.option("--project", "projects", multiple=True, help="Project key to search (repeatable; default: all).")
@click.option(
    "--repo-regex", callback=lambda _c, _p, v: _regex(v), help="Keep repositories whose slug matches this regex (anchored)."
)
# The old spelling, kept working (hidden, with a warning): `sync` has always said --repo-regex.
@click.option("--repo", "old_repo", hidden=True, callback=lambda _c, _p, v: _regex(v))
@click.option("--catalog-path", default="/catalog-info.yaml", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--max-requests", type=click.IntRange(min=1), help="Stop asking Bitbucket after this many requests [default: 10000].")
@click.option("--shard", metavar="I/N", callback=shard_option, help="Only the repositories of shard I of N (as lint --shard).")
@app_config_option
@verbose_option
def discover_command(
    workspace: str,
    projects: tuple[str, ...],
    repo_regex: str | None,
    old_repo: str | None,
    catalog_path: str,
    fmt: str,
    concurrency: int,
    max_requests: int | None,
    shard: tuple[int, int] | None,
    app_configs: tuple[Path, ...],
    verbose: bool,
) -> None:
    """List every catalog descriptor URL in a Bitbucket workspace."""
    if old_repo is not None:
        warn("--repo is deprecated; use --repo-regex, as sync does")
        repo_regex = repo_regex or old_repo
    client = make_client(_app_entries(app_configs), concurrency=concurrency, max_requests=max_requests, verbose=verbose)
    from catalint.bitbucket.client import Progress
    from catalint.bitbucket.discovery import discover

    client.progress = Progress("catalint: discovery (repositories)")
    try:
        result = discover(
            client, workspace, projects=projects, repo_regex=repo_regex, catalog_path=catalog_path, shard=shard
        )
    finally:
        client.progress.close()
    if client.auth_error:
        die(client.auth_error)
    if fmt == "json":
        payload = {"urls": result.urls, "complete": result.complete, "errors": result.errors}
        if result.shard is not None:
            payload["other_shards"] = len(result.other_shards)
        click.echo(json.dumps(payload, indent=2))
    else:
        from catalint.report.text import line_safe

        for url in result.urls:
            click.echo(line_safe(url))
        for error in result.errors:
            warn(error)
    if note := result.shard_note():
        warn(note)
    sys.exit(0 if result.complete else 1)


def make_nightly(
    args: NightlyArgs,
    workspace: str | None,
    settings: Settings,
    cache_root: Path | None,
    *,
    flavour: str,
) -> Nightly | None:
    """The incremental side of a workspace run, or None without --workspace."""
    if workspace is None:
        # `--state` alone is read for a pull request's referrers (see `_state_referrers` of `catalint lint`).
        if args.full or args.full_every or args.shard is not None:
            die("--full, --full-every and --shard apply to --workspace runs")
        return None
    from catalint.sync.nightly import Nightly, NightlyOptions
    from catalint.sync.state import default_state_path

    path = args.state
    if path is None and cache_root is not None:
        path = default_state_path(cache_root, workspace, args.shard)
    options = NightlyOptions(path, args.full, args.full_every, args.shard, named=args.state is not None)
    return Nightly(options, workspace, settings, flavour=flavour, warn=warn)
