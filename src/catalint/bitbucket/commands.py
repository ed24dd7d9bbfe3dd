"""The Bitbucket side of the command line: `catalint auth`, `catalint discover`, and remote URLs
among `catalint lint`'s PATHS. Registered on the main group by `catalint.cli`."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import quote

import click

from catalint.bitbucket.checkout import Checkout, detect
from catalint.bitbucket.credentials import CredentialsError
from catalint.bitbucket.urls import Hosts, is_absolute
from catalint.config import ConfigError, Settings, load_app_config
from catalint.engine import FileResult, Source
from catalint.resolve.placeholders import Fetched
from catalint.sources.local import RemoteExists

if TYPE_CHECKING:
    from catalint.bitbucket.client import BitbucketClient


def _die(message: str) -> NoReturn:
    click.echo(f"catalint: {message}", err=True)
    sys.exit(2)


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as err:
            raise click.BadParameter(f"not a valid regular expression: {err}") from None
    return value


def debug_wanted(verbose: bool) -> bool:
    return verbose or os.environ.get("CATALINT_DEBUG", "") not in ("", "0", "false")


def make_client(
    entries: Sequence[dict[str, object]] = (),
    *,
    concurrency: int = 8,
    max_requests: int | None = None,
    cache_dir: Path | None = None,
    verbose: bool = False,
) -> BitbucketClient:
    """Credentials from env + app-config; a CredentialsError ends the run with exit 2."""
    # requests is imported only by runs that talk to Bitbucket, keeping local lints quick to start.
    from catalint.bitbucket.client import client_from_env, setup_debug_logging

    if debug_wanted(verbose):
        setup_debug_logging()
    try:
        client, warnings = client_from_env(
            os.environ, entries, concurrency=concurrency, max_requests=max_requests, cache_dir=cache_dir
        )
    except CredentialsError as err:
        _die(f"Bitbucket credentials: {err}")
    for warning in warnings:
        click.echo(f"catalint: warning: {warning}", err=True)
    return client


def split_targets(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    local: list[Path] = []
    urls: list[str] = []
    for item in paths:
        (urls.append(item) if is_absolute(item) else local.append(Path(item)))
    return local, urls


class _UrlStub(Source):
    """Stands for a remote URL in `LintRequest.extra_sources`; `RemoteRun.lint` does the work."""

    def __init__(self, url: str) -> None:
        self.location = self.display = url

    def read_bytes(self) -> bytes:  # pragma: no cover - never read directly
        raise OSError("remote")

    def fetch(self, target: str, *, purpose: str) -> Fetched:  # pragma: no cover
        return Fetched(status="skipped")

    def exists(self, target: str, *, glob_ok: bool = False) -> tuple[Fetched, list[str]]:  # pragma: no cover
        return Fetched(status="skipped"), []


@dataclass(slots=True)
class RemoteRun:
    client: BitbucketClient
    settings: Settings
    urls: list[str]
    style: bool = True
    assume_placeholders: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[Source]:
        return [_UrlStub(u) for u in self.urls]

    def lint(self, sources: list[Source]) -> list[FileResult]:
        from catalint.bitbucket.client import Progress
        from catalint.sources.bitbucket import lint_remote

        progress = Progress("catalint: remote files")
        self.client.progress = progress
        try:
            return lint_remote(
                [s.location for s in sources],
                self.settings,
                self.client,
                style=self.style,
                assume_placeholders=self.assume_placeholders,
            )
        finally:
            progress.close()

    def checker(self) -> RemoteExists:
        """For local descriptors: Bitbucket URLs into other repositories are checked with this client."""
        from catalint.sources.bitbucket import remote_checker

        return remote_checker(self.client, self.settings)

    def finish(self) -> None:
        """One run-level message for an authentication failure (exit 2), or a budget note."""
        if self.client.auth_error:
            _die(self.client.auth_error)
        if self.client.budget_spent:
            click.echo(
                f"catalint: warning: the request budget ({self.client.max_requests}) ran out; "
                "remaining checks are reported as unverified",
                err=True,
            )


def checkout_detector() -> Callable[[Path], Checkout | None]:
    """Recognises a checkout root as a Bitbucket repository (git `origin`, BITBUCKET_REPO_FULL_NAME)."""
    return functools.partial(detect, hosts=Hosts.from_env(os.environ), env=dict(os.environ))


def start_remote(
    settings: Settings,
    urls: list[str],
    workspace: str | None,
    *,
    concurrency: int,
    max_requests: int | None,
    cache_dir: Path | None,
    verbose: bool,
    style: bool,
    assume_placeholders: bool,
) -> RemoteRun:
    client = make_client(
        settings.app.bitbucket_cloud,
        concurrency=concurrency,
        max_requests=max_requests,
        cache_dir=cache_dir,
        verbose=verbose,
    )
    all_urls = list(urls)
    if workspace:
        from catalint.bitbucket.discovery import discover

        found = discover(client, workspace)
        if client.auth_error:
            _die(client.auth_error)
        for error in found.errors:
            click.echo(f"catalint: warning: discovery: {error}", err=True)
        all_urls.extend(found.urls)
    return RemoteRun(client, settings, all_urls, style, assume_placeholders)


def _app_entries(app_configs: tuple[Path, ...]) -> list[dict[str, object]]:
    if not app_configs:
        return []
    try:
        return load_app_config(list(app_configs)).bitbucket_cloud
    except ConfigError as err:
        _die(str(err))


_app_option = click.option(
    "--app-config",
    "app_configs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Backstage app-config holding integrations.bitbucketCloud.",
)
_verbose_option = click.option("--verbose", "-v", is_flag=True, help="Debug logging on stderr (secrets redacted).")


@click.command("auth")
@_app_option
@_verbose_option
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
    _die(client.auth_error or f"could not check the credentials: {reply.detail or reply.outcome}")


@click.command("discover")
@click.option("--workspace", "-w", required=True, help="Bitbucket workspace slug.")
@click.option("--project", "projects", multiple=True, help="Project key to search (repeatable; default: all).")
@click.option(
    "--repo", "repo_regex", callback=lambda _c, _p, v: _regex(v), help="Keep repositories whose slug matches this regex (anchored)."
)
@click.option("--catalog-path", default="/catalog-info.yaml", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--max-requests", type=click.IntRange(min=1), help="Stop asking Bitbucket after this many requests [default: 10000].")
@_app_option
@_verbose_option
def discover_command(
    workspace: str,
    projects: tuple[str, ...],
    repo_regex: str | None,
    catalog_path: str,
    fmt: str,
    concurrency: int,
    max_requests: int | None,
    app_configs: tuple[Path, ...],
    verbose: bool,
) -> None:
    """List every catalog descriptor URL in a Bitbucket workspace."""
    client = make_client(_app_entries(app_configs), concurrency=concurrency, max_requests=max_requests, verbose=verbose)
    from catalint.bitbucket.client import Progress
    from catalint.bitbucket.discovery import discover

    client.progress = Progress("catalint: discovery (repositories)")
    try:
        result = discover(client, workspace, projects=projects, repo_regex=repo_regex, catalog_path=catalog_path)
    finally:
        client.progress.close()
    if client.auth_error:
        _die(client.auth_error)
    if fmt == "json":
        payload = {"urls": result.urls, "complete": result.complete, "errors": result.errors}
        click.echo(json.dumps(payload, indent=2))
    else:
        from catalint.report.text import line_safe, printable

        for url in result.urls:
            click.echo(line_safe(url))
        for error in result.errors:
            click.echo(f"catalint: warning: {printable(error)}", err=True)
    sys.exit(0 if result.complete else 1)
