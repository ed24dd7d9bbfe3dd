"""`catalint lint`: find, lint and resolve descriptors through the one pipeline, then report."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from catalint.ci.changes import FILTER_MODES, ChangesError
from catalint.ci.impact import ImpactOptions, impact_options
from catalint.ci.publish import FILE_FORMATS, ChangeScope, CiOptions, Publisher, default_format, parse_output, scope
from catalint.cli.common import (
    app_config_option,
    color_option,
    colour,
    config_option,
    die,
    run_settings,
    verbose_option,
    warn,
)
from catalint.cli.nightly import nightly_options
from catalint.config import Settings
from catalint.facts import Origin
from catalint.lint.run import LintRequest, Stdin, UsageError, run
from catalint.model import Relation, RunResult, Severity
from catalint.report import in_pipelines
from catalint.report.text import printable
from catalint.words import counted

if TYPE_CHECKING:
    from catalint.cli.bitbucket import RemoteSide
    from catalint.cli.nightly import NightlyArgs

FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


# ------------------------------------------------------------- CI reporting
@dataclass(slots=True)
class CiArgs:
    """The CI-reporting options of `catalint lint`, gathered by `ci_options`."""

    outputs: tuple[tuple[str, Path], ...] = ()
    report: str | None = None
    annotations: str = "commands"
    github_token: str | None = None
    summary: bool | None = None
    changed_since: str | None = None
    filter_mode: str | None = None
    bitbucket_proxy: str | None = None
    summary_graph: bool = True
    graph_nodes: int = 60


def _output_option(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    try:
        return tuple(parse_output(v) for v in value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


_CI_PARAMS = (
    "outputs",
    "report",
    "annotations",
    "github_token",
    "summary",
    "changed_since",
    "filter_mode",
    "bitbucket_proxy",
    "summary_graph",
    "graph_nodes",
)


def ci_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the CI options to a click command and hands them over as one `ci: CiArgs` argument."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ci = CiArgs(**{name: kwargs.pop(name) for name in _CI_PARAMS})
        return func(*args, ci=ci, **kwargs)

    options = [
        click.option(
            "--output",
            "outputs",
            multiple=True,
            metavar="FORMAT:PATH",
            callback=_output_option,
            help=f"Also write a report file; repeatable. FORMAT: {', '.join(FILE_FORMATS)}.",
        ),
        click.option(
            "--report",
            type=click.Choice(["bitbucket", "none"]),
            help="Post a Bitbucket Code Insights report (default: bitbucket inside Bitbucket Pipelines).",
        ),
        click.option(
            "--annotations",
            type=click.Choice(["commands", "checks"]),
            default="commands",
            show_default=True,
            help="GitHub annotations: workflow commands (10 per type shown), or a check run (needs checks: write).",
        ),
        click.option(
            "--github-token",
            envvar=["GITHUB_TOKEN", "INPUT_GITHUB-TOKEN"],
            show_envvar=True,
            help="Token for --annotations checks.",
        ),
        click.option(
            "--summary/--no-summary",
            default=None,
            help="Append a table of findings to GITHUB_STEP_SUMMARY (default: when it is set).",
        ),
        click.option(
            "--changed-since",
            metavar="REF",
            help="Report only descriptors changed since the merge base of REF and HEAD, and those whose "
            "referenced files changed (default on pull requests: their base).",
        ),
        click.option(
            "--filter-mode",
            type=click.Choice(list(FILTER_MODES)),
            help="Which findings of a change to report, as reviewdog: added lines, diff_context, file, "
            "nofilter (everything) [default with a base: file].",
        ),
        click.option(
            "--bitbucket-proxy",
            envvar="CATALINT_BITBUCKET_PROXY",
            metavar="URL",
            help="HTTP proxy that signs Code Insights requests (default in Pipelines: http://localhost:29418, "
            "http://host.docker.internal:29418 inside a pipe).",
        ),
        click.option(
            "--summary-graph/--no-summary-graph",
            default=True,
            help="Draw the relations of the change (on a pull request) or of the catalog in the job summary.",
        ),
        click.option(
            "--graph-nodes",
            type=click.IntRange(min=2),
            default=60,
            show_default=True,
            help="At most this many entities in a relation graph (summary, mermaid and dot reports).",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def finish_lint(
    result: RunResult,
    ci: CiArgs,
    *,
    fmt: str | None,
    cwd: Path,
    colour: bool,
    fail_on: str,
    settings: Settings | None = None,
    env: Mapping[str, str] | None = None,
    impact: ImpactOptions | None = None,
    change_scope: ChangeScope | None = None,
) -> int:
    """Scope the result to a change, publish every report, and return the exit code. `colour`
    colours the text output, through a pipe too (click would strip it there)."""
    environ = dict(os.environ if env is None else env)
    try:
        scoped = scope(result, cwd, environ, ci.changed_since, ci.filter_mode, impact, change_scope)
    except ChangesError as err:
        click.echo(f"catalint: {printable(str(err))}", err=True)
        return 2
    for warning in scoped.warnings:
        warn(warning)
    code = exit_code(scoped.result, fail_on)
    bitbucket = ci.report == "bitbucket" or (ci.report is None and in_pipelines(environ))
    options = CiOptions(
        fmt=default_format(fmt, environ),
        outputs=ci.outputs,
        bitbucket=bitbucket,
        bitbucket_proxy=ci.bitbucket_proxy,
        annotations=ci.annotations,
        github_token=ci.github_token,
        summary=ci.summary,
        failed=code != 0,
        fail_on=FAIL_ON.get(fail_on),
        settings=settings,
        colour=colour,
        notes=scoped.notes,
        graph=ci.summary_graph,
        graph_nodes=ci.graph_nodes,
        focus=scoped.focus,
    )
    publisher = Publisher(
        options,
        cwd,
        environ,
        out=lambda text: click.echo(text, nl=False, color=colour),
        err=lambda text: click.echo(text, err=True),
    )
    publisher.publish(scoped.result)
    return code


def exit_code(result: RunResult, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    threshold = FAIL_ON[fail_on]
    return 1 if any(f.severity >= threshold for f in result.findings) else 0


def _app_roots(settings: Settings, cwd: Path) -> list[tuple[Path, Origin]]:
    """The app-config's `file` locations, confined to the repository as descriptor targets are."""
    from catalint.resolve.local import find_root, inside

    repo = find_root(cwd)
    roots = []
    for loc in settings.app.locations:
        origin = Origin(loc.type, loc.target, tuple(loc.allow) if loc.allow is not None else None)
        if loc.type == "file":
            # Backstage resolves file targets against the backend's working directory; when
            # catalint runs elsewhere, the app-config's own folder is the next best guess.
            path = Path(loc.target)
            candidates = [path] if path.is_absolute() else [cwd / path] + ([loc.base / path] if loc.base else [])
            inside_repo = [c for c in candidates if inside(c, repo)]
            if not inside_repo:
                die(f"catalog.locations: file target {loc.target} is outside the repository ({repo}); not read")
            found = next((c for c in inside_repo if c.exists()), None)
            if found is None:
                die(f"catalog.locations: file target {loc.target} does not exist (looked in {', '.join(map(str, inside_repo))})")
            roots.append((found, origin))
    return roots


def _app_urls(settings: Settings) -> dict[str, Origin]:
    """The app-config's `url` locations: linted on Bitbucket, catalog rules judged against them."""
    return {
        loc.target: Origin(loc.type, loc.target, tuple(loc.allow) if loc.allow is not None else None)
        for loc in settings.app.locations
        if loc.type == "url"
    }


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    help="Output on stdout [default: github when GITHUB_ACTIONS=true, else text].",
)
fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)


@dataclass(frozen=True, slots=True)
class LintArgs:
    """Everything `catalint lint` was told, as one value."""

    paths: tuple[str, ...]
    config: Path | None
    app_configs: tuple[Path, ...]
    fmt: str | None
    fail_on: str
    no_style: bool
    no_cache: bool
    cache_dir: Path | None
    jobs: int
    placeholders: str
    workspace: str | None
    offline: bool
    allow_empty: bool
    max_requests: int | None
    concurrency: int
    verbose: bool
    backstage_url: str | None
    backstage_token: str | None
    color: str
    stdin_filename: str | None
    ci: CiArgs
    nightly: NightlyArgs

    @property
    def cache_root(self) -> Path | None:
        return None if self.no_cache else (self.cache_dir or _default_cache())


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With `-`: the path of the descriptor read from stdin, shown in findings; relative targets "
    "resolve from it, inside its checkout.",
)
@config_option
@app_config_option
@format_option
@fail_on_option
@click.option("--no-style", is_flag=True, help="Skip yamllint's style rules.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Result cache folder.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: one per core).")
@click.option(
    "--placeholders",
    type=click.Choice(["read", "assume"]),
    default="read",
    show_default=True,
    help="`assume` treats every placeholder as readable (for files copied out of their repository).",
)
@click.option("--workspace", "-w", help="Also lint every catalog descriptor discovered in this Bitbucket workspace.")
@click.option(
    "--offline",
    is_flag=True,
    envvar="CATALINT_OFFLINE",
    help="Fetch nothing from Bitbucket; every Bitbucket URL is reported as not verified [env CATALINT_OFFLINE].",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Exit 0 when the paths hold no descriptor (by default that is a usage error, exit 2).",
)
@click.option(
    "--max-requests", type=click.IntRange(min=1), help="Bitbucket request budget [default: 10000]; beyond it: unverified."
)
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Parallel requests.")
@verbose_option
@click.option(
    "--backstage-url",
    envvar="BACKSTAGE_URL",
    help="Look references no linted file declares up in this Backstage catalog [env BACKSTAGE_URL].",
)
@click.option("--backstage-token", envvar="BACKSTAGE_TOKEN", help="Backstage access token [env BACKSTAGE_TOKEN].")
@nightly_options
@color_option
@ci_options
def lint(**options: Any) -> None:
    """Lint catalog descriptor files and folders (default: the current folder) and Bitbucket URLs;
    `-` reads one descriptor from stdin (name it with --stdin-filename).

    Bitbucket URLs that descriptors name (Location targets, placeholders, TechDocs and source
    locations) are checked on Bitbucket, and Location targets there are linted too; --offline
    fetches nothing and lists what it did not check.

    \b
    Exit codes:
      0  nothing at or above --fail-on
      1  a finding at or above --fail-on (error by default)
      2  usage, configuration or credential error; a file asked for that could not be
         read; no descriptor found (unless --allow-empty)
    """
    from catalint.lint.cache import DamagedPack

    try:
        _lint(LintArgs(**options))
    except DamagedPack as err:
        die(str(err))


def _lint(args: LintArgs) -> None:
    cwd = Path.cwd()
    # The run decodes only the cached findings this change's report can show. Set going first:
    # git's passes over the working tree overlap all that follows.
    change_scope = ChangeScope(cwd, os.environ, args.ci.changed_since, args.ci.filter_mode)
    change_scope.start([p for p in (args.cache_root, args.nightly.state) if p is not None])
    local_paths, urls, from_stdin = _targets(args)
    starts = local_paths or ([Path(args.stdin_filename).parent] if args.stdin_filename else [])
    settings = run_settings(args.config, args.app_configs, cwd, starts)
    stdin = _read_stdin(args.stdin_filename, cwd, settings.max_file_size) if from_stdin else None
    app_roots = _app_roots(settings, cwd)
    app_urls = _app_urls(settings)
    # The checkout is linted unless the run names what to lint; an app-config's url locations do
    # not (the root catalog registered there is usually this very checkout, read from the tree).
    named = bool(app_roots or urls or args.workspace or stdin)
    targets = local_paths or ([] if named else [Path(".")])
    style = not args.no_style and settings.yamllint is not None
    remote = _remote_side(args, settings, style)
    from catalint.cli.bitbucket import checkout_detector

    request = LintRequest(
        paths=targets,
        settings=settings,
        cwd=cwd,
        jobs=args.jobs,
        cache_dir=args.cache_root,
        assume_placeholders=args.placeholders == "assume",
        style=style,
        app_locations=app_roots,
        urls=_urls(remote, urls, app_urls, args.workspace),
        url_origins=app_urls,
        remote=remote.start if remote else None,
        checkout_for=checkout_detector(),
        known_lookup=_catalog_lookup(args.backstage_url, args.backstage_token),
        stdin=stdin,
        shown=change_scope.shown_if_narrowed,
        listing=change_scope.listing,
    )
    result = _run(request, remote)
    if result.files == 0 and not args.allow_empty:
        die(_nothing_found(targets, settings, args.workspace))
    code = finish_lint(
        result,
        args.ci,
        fmt=args.fmt,
        cwd=cwd,
        colour=colour(args.color),
        fail_on=args.fail_on,
        settings=settings,
        impact=impact_options(settings, args.backstage_url, args.backstage_token, _state_referrers(args)),
        change_scope=change_scope,
    )
    _fail_on_unreadable(result)
    _memo(args, result, code, cwd=cwd, settings=settings, local_paths=local_paths, urls=urls, from_stdin=from_stdin, remote=remote)
    sys.exit(code)


def _memo(args: LintArgs, result: RunResult, code: int, **run: Any) -> None:
    """Leave the run's memo (lint/memo.py) when the console script records it."""
    from catalint.lint import memo

    if memo.ACTIVE is not None:
        from catalint.cli.lint_memo import record

        record(args, result, code, **run)


def _state_referrers(args: LintArgs) -> Callable[[], list[Relation]] | None:
    """With `--state FILE` and no `--workspace`: the workspace's relations as the nightly state
    keeps them, for the referrers of what a pull request breaks (read only then, asking nothing)."""
    path = args.nightly.state
    if path is None or args.workspace:
        return None

    def relations() -> list[Relation]:
        from catalint.sync.state import stored_relations

        found, warning = stored_relations(path)
        if warning:
            warn(warning)
        return found

    return relations


def _targets(args: LintArgs) -> tuple[list[Path], list[str], bool]:
    """(local paths, Bitbucket URLs, whether `-` asks for stdin), or exit 2 for a contradiction."""
    from catalint.cli.bitbucket import split_targets

    dashes = args.paths.count("-")
    if dashes > 1:
        die("`-` (stdin) may be given once")
    if args.stdin_filename is not None and not dashes:
        die("--stdin-filename names the descriptor read from stdin; add `-` to the paths to read it")
    local_paths, urls = split_targets([p for p in args.paths if p != "-"])
    if args.offline and (urls or args.workspace):
        die("--offline cannot lint Bitbucket URLs or a --workspace; drop one or the other")
    return local_paths, urls, dashes == 1


def _read_stdin(name: str | None, cwd: Path, limit: int) -> Stdin:
    """One descriptor from stdin, linted as the file `name` (relative to the working directory)
    would be; without a name, as `<stdin>` in the working directory. One byte past `limit` is
    enough for the file-too-large finding."""
    from catalint.sources.files import display_path

    try:
        content = sys.stdin.buffer.read(limit + 1)
    except OSError as err:
        die(f"cannot read stdin: {err.strerror or err}")
    if name is None:
        return Stdin(cwd / "<stdin>", "<stdin>", content)
    path = Path(os.path.abspath(cwd / name))
    shown = display_path(path, cwd)
    # Outside the working directory, the name as it was given rather than an absolute path.
    return Stdin(path, Path(name).as_posix() if os.path.isabs(shown) and not os.path.isabs(name) else shown, content)


def _urls(remote: RemoteSide | None, urls: list[str], app_urls: dict[str, Origin], workspace: str | None) -> list[str]:
    """The URLs to lint: the command line's, the app-config's url locations, the workspace's."""
    if remote is None:
        if app_urls:
            warn(f"--offline: {counted(len(app_urls), 'url location')} of catalog.locations not linted")
        return urls
    urls = urls + [u for u in app_urls if u not in urls]
    return urls + remote.discover(workspace) if workspace else urls


def _run(request: LintRequest, remote: RemoteSide | None) -> RunResult:
    try:
        result = run(request)
    except UsageError as err:
        die(str(err))
    if remote is not None:
        remote.finish(result)
    return result


def _remote_side(args: LintArgs, settings: Settings, style: bool) -> RemoteSide | None:
    """The run's Bitbucket side (started on first need), or None when the run is offline."""
    if args.offline:
        return None
    from catalint.cli.bitbucket import RemoteSide, make_nightly

    cache_root = args.cache_root
    flavour = f"style={style} placeholders={args.placeholders}"
    return RemoteSide(
        settings,
        concurrency=args.concurrency,
        max_requests=args.max_requests,
        cache_dir=cache_root / "http" if cache_root else None,
        verbose=args.verbose,
        style=style,
        assume_placeholders=args.placeholders == "assume",
        nightly=make_nightly(args.nightly, args.workspace, settings, cache_root, flavour=flavour),
    )


def _fail_on_unreadable(result: RunResult) -> None:
    """A file the run was asked to lint and could not read is no pass, whatever the findings say."""
    if not result.unreadable:
        return
    from catalint.redact import strip_userinfo

    for url, why in sorted(result.unreadable.items()):
        click.echo(f"catalint: could not read {printable(strip_userinfo(url))}: {printable(why)}", err=True)
    many = len(result.unreadable)
    die(f"{many} of the files to lint could not be read; nothing was said about {'it' if many == 1 else 'them'}")


def _nothing_found(targets: Sequence[Path], settings: Settings, workspace: str | None) -> str:
    from catalint.sources.files import DEFAULT_NAMES

    where = ", ".join(str(t) for t in targets) or "the app-config's catalog.locations"
    if workspace:
        where += f" and workspace {workspace}"
    names = [*DEFAULT_NAMES, *settings.include]
    return (
        f"no catalog descriptor found in {where} (looked for {', '.join(names)}); "
        "name other files with `include:` in .catalint.yaml, or pass --allow-empty if an empty run is intended"
    )


def _catalog_lookup(url: str | None, token: str | None) -> Callable[[set[str]], set[str]] | None:
    if not url:
        return None
    from catalint.backstage.lookup import lookup_for

    return lookup_for(url, token)


def _default_cache() -> Path:
    from catalint.lint.cache import default_dir

    return default_dir()
