"""`catalint sync`: discovered descriptors, judged by the one lint pipeline, into a Location file or a
running Backstage."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import click

from catalint.backstage.catalog import BackstageError, CatalogClient
from catalint.bitbucket.client import REDACTOR, BitbucketClient
from catalint.bitbucket.credentials import CredentialsError
from catalint.cli.common import app_config_option, config_option, die, run_settings, verbose_option
from catalint.config import Settings
from catalint.lint.run import LintRequest, run
from catalint.sync import backstage as bs
from catalint.sync import git as gitops
from catalint.sync import location_file
from catalint.sync.descriptors import Descriptors, judge
from catalint.sync.discovery import Discovered, DiscoveryLike
from catalint.sync.report import SyncReport, append_step_summary
from catalint.words import counted

DEFAULT_WEB_URL = "https://bitbucket.org"


class SyncFailure(Exception):
    """Stops the run with exit 2 after the report so far is printed."""


def load_discovery_file(path: Path) -> Discovered:
    """``{"urls": [...], "complete": bool, "errors": [...]}`` (e.g. saved from an earlier step)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SyncFailure(f"cannot read discovery file {path}: {err}") from None
    urls = data.get("urls") if isinstance(data, dict) else None
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise SyncFailure(f"discovery file {path} needs a list of strings under 'urls'")
    errors = data.get("errors") or []
    return Discovered(list(urls), bool(data.get("complete", False)), [str(e) for e in errors])


def bitbucket_client(web_url: str, settings: Settings, **options: Any) -> BitbucketClient:
    """The run's Bitbucket client, credentials from the environment and the app-config (never printed)."""
    from catalint.cli.bitbucket import new_client

    try:
        return new_client(settings.app.bitbucket_cloud, web_url=web_url, **options)
    except CredentialsError as err:
        raise SyncFailure(f"Bitbucket credentials: {err}") from None


def lint_discovered(client: BitbucketClient, settings: Settings, urls: Sequence[str]) -> Descriptors:
    """Each descriptor's verdict from the one lint pipeline, as `catalint lint URL…` gives it."""
    from catalint.bitbucket.client import Progress
    from catalint.cli.bitbucket import RemoteSide

    side = RemoteSide(settings, style=settings.yamllint is not None, client=client)
    request = LintRequest(
        paths=[], settings=settings, cwd=Path.cwd(), urls=sorted(set(urls)), style=side.style, remote=side.start
    )
    try:
        result = run(request)
    finally:
        if isinstance(client.progress, Progress):
            client.progress.close()
    if client.auth_error:
        raise SyncFailure(client.auth_error)
    found = judge(result, urls)
    failed = found.fetch_errors()
    if failed and len(failed) == len(found.by_url):
        # Not one descriptor could be read: an outage, not a workspace to act on.
        which = "the one discovered descriptor could not" if len(failed) == 1 else f"none of the {len(failed)} discovered descriptors could"
        raise SyncFailure(f"{which} be read (first: {failed[0]})")
    return found


def run_discovery(
    client: BitbucketClient,
    workspace: str,
    projects: Sequence[str],
    repo_regex: str | None,
    catalog_path: str,
) -> DiscoveryLike:
    from catalint.bitbucket.discovery import discover

    try:
        result = discover(
            client, workspace, projects=tuple(projects), repo_regex=repo_regex, catalog_path=catalog_path
        )
    except Exception as err:  # discovery failing outright must not look like "nothing exists"
        raise SyncFailure(
            f"Bitbucket discovery failed: {type(err).__name__}: {REDACTOR.redact(gitops.redact(str(err)))}"
        ) from None
    return cast(DiscoveryLike, result)


def _invalid_reasons(found: Descriptors) -> dict[str, str]:
    return {url: d.problems[0] for url, d in found.by_url.items() if d.invalid}


@dataclass(frozen=True, slots=True)
class SyncArgs:
    """Everything `catalint sync` was told, as one value."""

    workspace: str
    dest: str
    path: Path | None
    style: str
    name: str
    include_invalid: bool
    commit: bool
    push: bool
    branch: str | None
    author: str
    dry_run: bool
    prune: bool
    max_delete: int
    managed_prefix: str | None
    backstage_url: str | None
    backstage_token: str | None
    state_path: Path | None
    web_url: str
    projects: tuple[str, ...]
    repo_regex: str | None
    catalog_path: str
    discovery_file: Path | None
    fmt: str
    config: Path | None
    app_configs: tuple[Path, ...]
    concurrency: int
    max_requests: int | None
    cache_dir: Path | None
    no_cache: bool
    offline: bool
    verbose: bool

    def problem(self) -> str | None:
        """What makes these options inconsistent, if anything."""
        to_file = self.dest == "file"
        checks = (
            (to_file and self.path is None, "--to file needs a PATH, e.g. `catalint sync -w WS --to file catalog/bitbucket.yaml`"),
            (not to_file and self.path is not None, "--to backstage takes no PATH"),
            (not to_file and not self.backstage_url, "--to backstage needs --backstage-url or BACKSTAGE_URL"),
            (not to_file and (self.commit or self.push or bool(self.branch)), "--commit/--push/--branch only apply to --to file"),
            (to_file and self.state_path is not None, "--state only applies to --to backstage"),
            (bool(self.branch) and not self.push, "--branch needs --push"),
            (self.offline and self.discovery_file is None, "--offline needs --discovery-file: discovering a workspace asks Bitbucket"),
            (self.offline and not self.include_invalid, "--offline lints nothing, so it lists every descriptor: add --include-invalid to say so"),
        )
        return next((message for failed, message in checks if failed), None)

    @property
    def http_cache(self) -> Path | None:
        if self.no_cache:
            return None
        from catalint.lint.cache import default_dir

        return (self.cache_dir or default_dir()) / "http"


@click.command("sync")
@click.option("--workspace", "-w", required=True, help="Bitbucket workspace to mirror.")
@click.option("--to", "dest", type=click.Choice(["file", "backstage"]), required=True, help="Where to sync.")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--style",
    type=click.Choice(location_file.STYLES),
    default="location",
    show_default=True,
    help="--to file: a Location entity or an app-config catalog.locations fragment.",
)
@click.option("--name", default=location_file.DEFAULT_NAME, show_default=True, help="Location metadata.name.")
@click.option("--include-invalid", is_flag=True, help="Also list/register descriptors that fail lint.")
@click.option("--commit", is_flag=True, help="--to file: commit the file when it changes.")
@click.option("--push", is_flag=True, help="--to file: push the commit (implies --commit).")
@click.option("--branch", help="Push to this (new) branch instead of the current one, e.g. for a PR.")
@click.option(
    "--author", default=gitops.DEFAULT_AUTHOR, show_default=True, help="Commit author 'Name <email>'."
)
@click.option("--dry-run", is_flag=True, help="Show what would change (a diff for files); change nothing.")
@click.option("--prune", is_flag=True, help="--to backstage: delete locations no longer discovered.")
@click.option(
    "--max-delete",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Never remove more than this many entries in one run (more: remove none).",
)
@click.option(
    "--managed-prefix",
    help="Only locations whose target starts with this are ever removed (default: {web-url}/{workspace}/).",
)
@click.option("--backstage-url", envvar="BACKSTAGE_URL", help="Backstage backend URL [env BACKSTAGE_URL].")
@click.option(
    "--backstage-token", envvar="BACKSTAGE_TOKEN", help="Static external-access token [env BACKSTAGE_TOKEN]."
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="--to backstage: file remembering content digests, to refresh only changed descriptors.",
)
@click.option(
    "--web-url",
    envvar="CATALINT_BITBUCKET_URL",
    default=DEFAULT_WEB_URL,
    show_default=True,
    help="Bitbucket web URL (descriptor URLs start with it) [env CATALINT_BITBUCKET_URL].",
)
@click.option("--project", "projects", multiple=True, help="Only these project keys (repeatable).")
@click.option("--repo-regex", help="Only repositories whose slug matches (anchored).")
@click.option("--catalog-path", default="/catalog-info.yaml", show_default=True)
@click.option(
    "--discovery-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Use a saved discovery result {"urls": [...], "complete": true, "errors": []} instead of Bitbucket.',
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
@app_config_option
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Parallel requests.")
@click.option("--max-requests", type=click.IntRange(min=1), help="Bitbucket request budget; beyond it: unverified.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="HTTP cache folder.")
@click.option("--no-cache", is_flag=True, help="Do not keep an HTTP cache.")
@click.option(
    "--offline",
    is_flag=True,
    envvar="CATALINT_OFFLINE",
    help="Ask Bitbucket nothing: needs --discovery-file, and lists descriptors without linting them.",
)
@verbose_option
def sync_command(**options: Any) -> None:
    """Sync descriptors found on Bitbucket into a Location file (--to file PATH) or a live Backstage.

    Entries no longer on Bitbucket are removed only after a complete, error-free discovery and
    never more than --max-delete at once. Exit 2: Backstage unreachable/401/5xx, git or file errors.
    """
    args = SyncArgs(**options)
    problem = args.problem()
    if problem:
        die(problem)
    if args.repo_regex is not None:
        try:
            re.compile(args.repo_regex)
        except re.error as err:
            die(f"--repo-regex is not a valid regular expression: {err}")
    try:
        author = gitops.parse_author(args.author)
    except gitops.GitError as err:
        die(str(err))
    settings = run_settings(args.config, args.app_configs, Path.cwd())
    destination = str(args.path) if args.path is not None else str(args.backstage_url)
    report = SyncReport(args.dest, destination, dry_run=args.dry_run)
    failure: str | None = None
    try:
        _sync(args, settings, author, report)
    except (SyncFailure, BackstageError, gitops.GitError, location_file.LocationFileError) as err:
        failure = str(err)
        report.notes.append(f"stopped: {failure}")
    click.echo(report.render_json() if args.fmt == "json" else report.render_text(), nl=False)
    append_step_summary(report)
    if failure:
        die(failure)


def _sync(args: SyncArgs, settings: Settings, author: gitops.Author, report: SyncReport) -> None:
    client = None
    if not args.offline:
        client = bitbucket_client(
            args.web_url,
            settings,
            concurrency=args.concurrency,
            max_requests=args.max_requests,
            cache_dir=args.http_cache,
            verbose=args.verbose,
        )
    if args.discovery_file is not None:
        discovery: DiscoveryLike = load_discovery_file(args.discovery_file)
    else:
        assert client is not None
        discovery = run_discovery(client, args.workspace, args.projects, args.repo_regex, args.catalog_path)
    report.discovered = len(set(discovery.urls))
    report.complete = bool(discovery.complete)
    report.discovery_errors = [gitops.redact(str(e)) for e in discovery.errors]
    need_content = not args.include_invalid or (args.dest == "backstage" and args.state_path is not None)
    found = Descriptors()
    if client is None:
        report.notes.append(f"offline: {counted(report.discovered, 'descriptor')} listed without being linted")
    elif need_content:
        found = lint_discovered(client, settings, discovery.urls)
    invalid = {} if args.include_invalid else _invalid_reasons(found)
    report.notes.extend(
        f"could not read {REDACTOR.redact(problem)} (not linted; its entry is kept)" for problem in found.fetch_errors()
    )
    if args.dest == "file":
        _sync_file(args, discovery, report, invalid, author)
        return
    assert args.backstage_url is not None
    bs.sync_backstage(
        CatalogClient(args.backstage_url, args.backstage_token),
        discovery,
        report,
        managed_prefix=args.managed_prefix or bs.managed_prefix_for(args.web_url, args.workspace),
        digests={u: d.digest for u, d in found.by_url.items()},
        invalid=invalid,
        include_invalid=args.include_invalid,
        state=bs.SyncState.load(args.state_path),
        prune=args.prune,
        max_delete=args.max_delete,
        dry_run=args.dry_run,
        # Offline, nothing can confirm a descriptor is gone: prune then removes nothing.
        gone=bs.bitbucket_gone(client) if client is not None else None,
    )


def _sync_file(
    args: SyncArgs, discovery: DiscoveryLike, report: SyncReport, invalid: dict[str, str], author: gitops.Author
) -> None:
    path = args.path
    assert path is not None
    plan = location_file.plan(
        path,
        discovery,
        report,
        style=args.style,
        name=args.name,
        invalid=invalid,
        include_invalid=args.include_invalid,
        max_delete=args.max_delete,
    )
    if args.dry_run:
        report.diff = plan.diff()
        return
    location_file.apply(plan)
    sha: str | None = None
    if args.commit or args.push:
        message = gitops.commit_message_for(path, functools.partial(location_file.targets_or_none, style=args.style))
        sha = gitops.commit_file(path, message=message, author=author)
        report.notes.append(f"committed {sha[:12]}" if sha else "nothing to commit")
    if args.push and (sha or args.branch is None):  # a PR branch only when there is something new to propose
        pushed = gitops.push(path, branch=args.branch)
        report.notes.append(f"pushed {pushed.commit[:12]} to {pushed.remote}/{pushed.branch}")
