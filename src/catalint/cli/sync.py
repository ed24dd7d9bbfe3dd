"""`catalint sync`: discovered descriptors, judged by the one lint pipeline, into a Location file or a
running Backstage."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
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
    """Everything `catalint sync file|backstage` was told, as one value; the other destination's fields keep
    their defaults, because its subcommand has no options to set them."""

    workspace: str | None
    dest: str
    include_invalid: bool
    dry_run: bool
    max_delete: int
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
    from_result: Path | None
    # `sync file`
    path: Path | None = None
    style: str = "location"
    name: str = location_file.DEFAULT_NAME
    commit: bool = False
    push: bool = False
    branch: str | None = None
    author: str = gitops.DEFAULT_AUTHOR
    # `sync backstage`
    prune: bool = False
    managed_prefix: str | None = None
    backstage_url: str | None = None
    backstage_token: str | None = None
    state_path: Path | None = None

    def problem(self) -> str | None:
        """What makes these options inconsistent, if anything."""
        return self._target_problem() or self._source_problem()

    def _target_problem(self) -> str | None:
        checks = (
            (self.dest == "backstage" and not self.backstage_url, "sync backstage needs --backstage-url or BACKSTAGE_URL"),
            (bool(self.branch) and not self.push, "--branch needs --push"),
        )
        return next((message for failed, message in checks if failed), None)

    def _source_problem(self) -> str | None:
        given = self.from_result is not None
        checks = (
            (self.offline and self.discovery_file is None and not given, "--offline needs --discovery-file or --from: discovering a workspace asks Bitbucket"),
            (self.offline and not self.include_invalid and not given, "--offline lints nothing, so it lists every descriptor: add --include-invalid to say so"),
            (given and self.discovery_file is not None, "--from and --discovery-file both say what exists: give one"),
            (not given and not self.workspace, "--workspace is needed (or --from RESULT.json, which names it)"),
        )
        return next((message for failed, message in checks if failed), None)

    @property
    def http_cache(self) -> Path | None:
        if self.no_cache:
            return None
        from catalint.lint.cache import default_dir

        return (self.cache_dir or default_dir()) / "http"


DESTINATIONS = ("file", "backstage")


def _legacy_destination(args: list[str]) -> tuple[str, list[str]] | None:
    """The destination of the old spelling `sync ... --to DEST ...`, and the arguments without it."""
    for at, arg in enumerate(args):
        if arg == "--":
            return None
        if arg == "--to" or arg.startswith("--to="):
            value = arg[len("--to=") :] if "=" in arg else (args[at + 1] if at + 1 < len(args) else "")
            rest = args[:at] + args[at + (1 if "=" in arg else 2) :]
            return value, rest
    return None


class _SyncGroup(click.Group):
    """`catalint sync file|backstage`, still accepting the older `catalint sync --to file|backstage`, which
    workflows and the action's entrypoint of earlier releases spell."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        legacy = _legacy_destination(args)
        if legacy is not None:
            dest, rest = legacy
            if dest not in DESTINATIONS:
                raise click.UsageError(f"--to must be one of {', '.join(DESTINATIONS)}, found {dest!r}", ctx)
            click.echo(
                f"catalint: `sync --to {dest}` is deprecated, write `catalint sync {dest} ...` instead", err=True
            )
            args = [dest, *rest]
        elif args and args[0].startswith("-") and args[0] not in (*ctx.help_option_names, "--version"):
            raise click.UsageError("say where to sync: `catalint sync file PATH ...` or `catalint sync backstage ...`", ctx)
        return super().parse_args(ctx, args)


_COMMON_OPTIONS = (
    click.option("--workspace", "-w", help="Bitbucket workspace to mirror (default with --from: the result's)."),
    click.option("--include-invalid", is_flag=True, help="Also list/register descriptors that fail lint."),
    click.option("--dry-run", is_flag=True, help="Show what would change (a diff for files); change nothing."),
    click.option(
        "--max-delete",
        type=click.IntRange(min=0),
        default=5,
        show_default=True,
        help="Never remove more than this many entries in one run (more: remove none).",
    ),
    click.option(
        "--web-url",
        envvar="CATALINT_BITBUCKET_URL",
        default=DEFAULT_WEB_URL,
        show_default=True,
        help="Bitbucket web URL (descriptor URLs start with it) [env CATALINT_BITBUCKET_URL].",
    ),
    click.option("--project", "projects", multiple=True, help="Only these project keys (repeatable)."),
    click.option("--repo-regex", help="Only repositories whose slug matches (anchored)."),
    click.option("--catalog-path", default="/catalog-info.yaml", show_default=True),
    click.option(
        "--discovery-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help='Use a saved discovery result {"urls": [...], "complete": true, "errors": []} instead of Bitbucket.',
    ),
    click.option(
        "--from",
        "from_result",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Sync from the JSON result of `catalint lint --workspace` or `catalint merge` (its discovery and "
        "verdicts) instead of linting again; prune only when every shard's discovery was complete.",
    ),
    click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
    config_option,
    app_config_option,
    click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Parallel requests."),
    click.option("--max-requests", type=click.IntRange(min=1), help="Bitbucket request budget; beyond it: unverified."),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="HTTP cache folder."),
    click.option("--no-cache", is_flag=True, help="Do not keep an HTTP cache."),
    click.option(
        "--offline",
        is_flag=True,
        envvar="CATALINT_OFFLINE",
        help="Ask Bitbucket nothing: needs --discovery-file, and lists descriptors without linting them.",
    ),
    verbose_option,
)


def common_options(command: Callable[..., None]) -> Callable[..., None]:
    """What both destinations take: which descriptors, their verdicts, and how to ask Bitbucket."""
    for option in reversed(_COMMON_OPTIONS):
        command = option(command)
    return command


@click.group("sync", cls=_SyncGroup)
def sync_group() -> None:
    """Sync descriptors found on Bitbucket into a Location file or a live Backstage.

    Entries no longer on Bitbucket are removed only after a complete, error-free discovery and
    never more than --max-delete at once. Exit 2: Backstage unreachable/401/5xx, git or file errors.
    """


@sync_group.command("file")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--style",
    type=click.Choice(location_file.STYLES),
    default="location",
    show_default=True,
    help="A Location entity or an app-config catalog.locations fragment.",
)
@click.option("--name", default=location_file.DEFAULT_NAME, show_default=True, help="Location metadata.name.")
@click.option("--commit", is_flag=True, help="Commit the file when it changes.")
@click.option("--push", is_flag=True, help="Push the commit (implies --commit).")
@click.option("--branch", help="Push to this (new) branch instead of the current one, e.g. for a PR (needs --push).")
@click.option(
    "--author", default=gitops.DEFAULT_AUTHOR, show_default=True, help="Commit author 'Name <email>'."
)
@common_options
def sync_file_command(**options: Any) -> None:
    """Keep the Location file PATH listing every discovered descriptor; commit and push it on request.

    Exit 2: git or file errors, or discovery failing outright.
    """
    run_sync(SyncArgs(dest="file", **options))


@sync_group.command("backstage")
@click.option("--backstage-url", envvar="BACKSTAGE_URL", help="Backstage backend URL [env BACKSTAGE_URL].")
@click.option(
    "--backstage-token", envvar="BACKSTAGE_TOKEN", help="Static external-access token [env BACKSTAGE_TOKEN]."
)
@click.option("--prune", is_flag=True, help="Delete locations no longer discovered.")
@click.option(
    "--managed-prefix",
    help="Only locations whose target starts with this are ever removed (default: {web-url}/{workspace}/).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File remembering content digests, to refresh only changed descriptors.",
)
@common_options
def sync_backstage_command(**options: Any) -> None:
    """Register every discovered descriptor in a running Backstage, refresh changed ones, prune on request.

    Exit 2: Backstage unreachable/401/5xx, or discovery failing outright.
    """
    run_sync(SyncArgs(dest="backstage", **options))


def run_sync(args: SyncArgs) -> None:
    """One sync run, whichever destination: report on stdout, exit 2 on a failure after it."""
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


def _client(args: SyncArgs, settings: Settings) -> BitbucketClient | None:
    if args.offline:
        return None
    return bitbucket_client(
        args.web_url,
        settings,
        concurrency=args.concurrency,
        max_requests=args.max_requests,
        cache_dir=args.http_cache,
        verbose=args.verbose,
    )


def _from_result(path: Path) -> tuple[DiscoveryLike, Descriptors, str]:
    """Discovery and verdicts from a lint or merge JSON result: nothing is asked again."""
    from catalint.sync.merge import MergeError, read_json, result_of

    try:
        result, discovery, workspace = result_of(read_json(path), str(path))
    except MergeError as err:
        raise SyncFailure(str(err)) from None
    return discovery, judge(result, discovery.urls), workspace


def _inputs(
    args: SyncArgs, settings: Settings, client: BitbucketClient | None, report: SyncReport
) -> tuple[DiscoveryLike, Descriptors, str]:
    """What exists (discovery) and each descriptor's verdict, and the workspace they are of."""
    if args.from_result is not None:
        return _from_result(args.from_result)
    workspace = str(args.workspace)
    if args.discovery_file is not None:
        discovery: DiscoveryLike = load_discovery_file(args.discovery_file)
    else:
        assert client is not None
        discovery = run_discovery(client, workspace, args.projects, args.repo_regex, args.catalog_path)
    need_content = not args.include_invalid or (args.dest == "backstage" and args.state_path is not None)
    found = Descriptors()
    if client is None:
        report.notes.append(f"offline: {counted(len(set(discovery.urls)), 'descriptor')} listed without being linted")
    elif need_content:
        found = lint_discovered(client, settings, discovery.urls)
    return discovery, found, workspace


def _sync(args: SyncArgs, settings: Settings, author: gitops.Author, report: SyncReport) -> None:
    client = _client(args, settings)
    discovery, found, workspace = _inputs(args, settings, client, report)
    if args.workspace and workspace.lower() != args.workspace.lower():
        raise SyncFailure(f"--workspace {args.workspace} but the result is of workspace {workspace}")
    report.discovered = len(set(discovery.urls))
    report.complete = bool(discovery.complete)
    report.discovery_errors = [gitops.redact(str(e)) for e in discovery.errors]
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
        managed_prefix=args.managed_prefix or bs.managed_prefix_for(args.web_url, workspace),
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
