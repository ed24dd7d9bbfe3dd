"""The `catalint` command line: parse options, call the layers below, pick reporters."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click

from catalint import __version__
from catalint.config import ConfigError, Settings, load_app_config, load_settings
from catalint.facts import Origin
from catalint.model import RunResult, Severity
from catalint.report.ci import CiArgs, ci_options, finish_lint
from catalint.runner import LintRequest, UsageError, run

FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


def _die(message: str) -> NoReturn:
    click.echo(f"catalint: {message}", err=True)
    sys.exit(2)


class _LazyGroup(click.Group):
    """Commands that live elsewhere are imported only when used, so `catalint lint` starts fast."""

    LAZY = {
        "auth": ("catalint.bitbucket.commands", "auth_command"),
        "discover": ("catalint.bitbucket.commands", "discover_command"),
        "sync": ("catalint.sync.command", "sync_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY:
            import importlib

            module, attr = self.LAZY[cmd_name]
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="catalint")
def main() -> None:
    """Lint, resolve and sync Backstage catalog descriptors on Bitbucket Cloud."""


def exit_code(result: RunResult, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    threshold = FAIL_ON[fail_on]
    return 1 if any(f.severity >= threshold for f in result.findings) else 0


def run_settings(
    config: Path | None, app_configs: tuple[Path, ...], cwd: Path, linted: Sequence[Path] = ()
) -> Settings:
    # The config of the folder being linted wins over the working directory's, like yamllint's.
    starts = [p if p.is_dir() else p.parent for p in ((cwd / q) for q in linted) if p.exists()][:1]
    try:
        settings = load_settings(config, cwd, explicit=config is not None, starts=starts)
        if app_configs:
            settings.app = load_app_config(list(app_configs))
    except ConfigError as err:
        _die(str(err))
    return settings


def _app_roots(settings: Settings, cwd: Path) -> list[tuple[Path, Origin]]:
    """The app-config's `file` locations, confined to the repository as descriptor targets are."""
    from catalint.resolve.local import find_root

    repo = find_root(cwd)
    roots = []
    for loc in settings.app.locations:
        origin = Origin(loc.type, loc.target, tuple(loc.allow) if loc.allow is not None else None)
        if loc.type == "file":
            # Backstage resolves file targets against the backend's working directory; when
            # catalint runs elsewhere, the app-config's own folder is the next best guess.
            path = Path(loc.target)
            candidates = [path] if path.is_absolute() else [cwd / path] + ([loc.base / path] if loc.base else [])
            inside = [c for c in candidates if _within(c, repo)]
            if not inside:
                _die(f"catalog.locations: file target {loc.target} is outside the repository ({repo}); not read")
            found = next((c for c in inside if c.exists()), None)
            if found is None:
                _die(f"catalog.locations: file target {loc.target} does not exist (looked in {', '.join(map(str, inside))})")
            roots.append((found, origin))
    return roots


def _app_urls(settings: Settings) -> dict[str, Origin]:
    """The app-config's `url` locations: linted on Bitbucket, catalog rules judged against them."""
    return {
        loc.target: Origin(loc.type, loc.target, tuple(loc.allow) if loc.allow is not None else None)
        for loc in settings.app.locations
        if loc.type == "url"
    }


def _within(path: Path, root: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == root or root in real.parents


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


@main.command()
@click.argument("paths", nargs=-1)
@config_option
@app_config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    help="Output on stdout [default: github when GITHUB_ACTIONS=true, else text].",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
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
@click.option("--workspace", help="Also lint every catalog descriptor discovered in this Bitbucket workspace.")
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
@click.option("--verbose", "-v", is_flag=True, help="Debug logging on stderr (secrets redacted).")
@click.option(
    "--backstage-url",
    envvar="BACKSTAGE_URL",
    help="Look references no linted file declares up in this Backstage catalog [env BACKSTAGE_URL].",
)
@click.option("--backstage-token", envvar="BACKSTAGE_TOKEN", help="Backstage access token [env BACKSTAGE_TOKEN].")
@ci_options
def lint(
    paths: tuple[str, ...],
    config: Path | None,
    app_configs: tuple[Path, ...],
    fmt: str | None,
    fail_on: str,
    no_style: bool,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int,
    placeholders: str,
    workspace: str | None,
    offline: bool,
    allow_empty: bool,
    max_requests: int | None,
    concurrency: int,
    verbose: bool,
    backstage_url: str | None,
    backstage_token: str | None,
    ci: CiArgs,
) -> None:
    """Lint catalog descriptor files and folders (default: the current folder) and Bitbucket URLs.

    Bitbucket URLs that descriptors name (Location targets, placeholders, TechDocs and source
    locations) are checked on Bitbucket, and Location targets there are linted too; --offline
    fetches nothing and lists what it did not check.

    Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage, configuration or
    credential errors, or no descriptor found.
    """
    from catalint.bitbucket.commands import RemoteSide, checkout_detector, split_targets

    cwd = Path.cwd()
    local_paths, urls = split_targets(paths)
    settings = run_settings(config, app_configs, cwd, local_paths)
    app_roots = _app_roots(settings, cwd)
    app_urls = _app_urls(settings)
    # The checkout is linted unless the run names what to lint; an app-config's url locations do
    # not (the root catalog registered there is usually this very checkout, read from the tree).
    targets = local_paths or ([] if app_roots or urls or workspace else [Path(".")])
    cache_root = None if no_cache else (cache_dir or _default_cache())
    style = not no_style and settings.yamllint is not None
    if offline and (urls or workspace):
        _die("--offline cannot lint Bitbucket URLs or a --workspace; drop one or the other")
    remote = None
    if offline and app_urls:
        click.echo(f"catalint: warning: --offline: {len(app_urls)} url locations of catalog.locations not linted", err=True)
    if not offline:
        urls = urls + [u for u in app_urls if u not in urls]
        remote = RemoteSide(
            settings,
            concurrency=concurrency,
            max_requests=max_requests,
            cache_dir=cache_root / "http" if cache_root else None,
            verbose=verbose,
            style=style,
            assume_placeholders=placeholders == "assume",
        )
        if workspace:
            urls = urls + remote.discover(workspace)
    request = LintRequest(
        paths=targets,
        settings=settings,
        cwd=cwd,
        jobs=jobs,
        cache_dir=cache_root,
        assume_placeholders=placeholders == "assume",
        style=style,
        app_locations=app_roots,
        urls=urls,
        url_origins=app_urls,
        remote=remote.start if remote else None,
        checkout_for=checkout_detector(),
        known_lookup=_catalog_lookup(backstage_url, backstage_token),
    )
    try:
        result = run(request)
    except UsageError as err:
        _die(str(err))
    if remote is not None:
        remote.finish()
    if result.files == 0 and not allow_empty:
        _die(_nothing_found(targets, settings, workspace))
    code = finish_lint(result, ci, fmt=fmt, cwd=cwd, colour=_colour(), exit_code=lambda r: exit_code(r, fail_on))
    if result.unreadable:
        # A file the run was asked to lint and could not read is no pass, whatever the findings say.
        from catalint.report.paths import without_userinfo

        for url, why in sorted(result.unreadable.items()):
            click.echo(f"catalint: could not read {without_userinfo(url)}: {why}", err=True)
        _die(f"{len(result.unreadable)} of the files to lint could not be read; nothing was said about them")
    sys.exit(code)


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
    from catalint.catalog_lookup import lookup_for

    return lookup_for(url, token)


def _default_cache() -> Path:
    from catalint.cache import default_dir

    return default_dir()


def _colour() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@main.command("rules")
def list_rules() -> None:
    """List every rule with its id, default severity and summary."""
    from catalint.rules import REGISTRY

    width = max(len(r) for r in REGISTRY)
    for rule in REGISTRY.values():
        marker = "B" if rule.backstage else " "
        click.echo(f"{rule.id:<{width}}  {rule.severity.label:<7}  {marker}  {rule.summary}")
    click.echo("\nB: Backstage itself rejects an entity with this problem. yamllint/<rule> ids come from yamllint.")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Explain one rule, with failing and passing examples."""
    from catalint.rules import REGISTRY

    rule = REGISTRY.get(rule_id)
    if rule is None:
        if rule_id.startswith("yamllint/"):
            click.echo(f"{rule_id} is yamllint's rule {rule_id[9:]!r}; see https://yamllint.readthedocs.io/en/stable/rules.html")
            return
        _die(f"unknown rule {rule_id!r}; `catalint rules` lists them")
    click.echo(f"{rule.id} ({rule.severity.label}{', Backstage rejects' if rule.backstage else ''})")
    click.echo(f"  {rule.summary}\n")
    click.echo(rule.doc + "\n")
    for title, attr in (("Fails", "FAILS"), ("Passes", "PASSES")):
        example = getattr(rule.module, attr, "")
        if example:
            click.echo(f"{title}:\n")
            for line in example.rstrip("\n").splitlines():
                click.echo(f"    {line}")
            click.echo()
