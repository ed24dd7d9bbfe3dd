"""Everything `catalint lint` writes after a run: the stdout format, report files, GitHub's job
summary, outputs and check run, and Bitbucket's Code Insights report.

Each of these is independent: one that fails is a warning on stderr, the others are still
written, and the exit code (decided by the findings alone) does not change.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalint.atomic import write_atomic
from catalint.ci.changes import (
    ChangesError,
    ChangeSet,
    GitFailed,
    PendingChanges,
    Repo,
    Selection,
    compute_changes,
    detect_base,
    filter_result,
    select,
    start_changes,
)
from catalint.ci.impact import Impact, ImpactOptions, analyse, read_blobs
from catalint.config import Settings
from catalint.facts import line_texts, unpack_lines
from catalint.model import Finding, Relation, RunResult, Severity
from catalint.redact import REDACTOR
from catalint.report import FILE_FORMATS as FILE_FORMATS
from catalint.report import Reporter, reporter_for
from catalint.report.paths import PathMapper
from catalint.report.text import printable
from catalint.sources.gitlist import GitListing
from catalint.words import counted

if TYPE_CHECKING:
    from catalint.report.graph import Graph


def parse_output(spec: str) -> tuple[str, Path]:
    """`FORMAT:PATH` → (format, path); raises ValueError with a readable message."""
    fmt, sep, path = spec.partition(":")
    fmt = fmt.strip().lower()
    if not sep or not path:
        raise ValueError(f"{spec!r}: expected FORMAT:PATH, e.g. sarif:catalint.sarif")
    if fmt not in FILE_FORMATS:
        raise ValueError(f"{spec!r}: unknown format {fmt!r}; choose from {', '.join(FILE_FORMATS)}")
    return fmt, Path(path)


def file_reporter(
    fmt: str,
    paths: PathMapper,
    focus: frozenset[str] | None = None,
    max_nodes: int = 60,
    settings: Settings | None = None,
    graph: Callable[[], Graph] | None = None,
) -> Reporter:
    reporter: Any = reporter_for(fmt, paths)
    if hasattr(reporter, "focus"):  # the graph formats draw the change, or the whole catalog
        reporter.focus = focus
        reporter.max_nodes = max_nodes
        if graph is not None:  # the run's one graph (`graph` builds it on first use)
            reporter.graph = graph()
    if settings is not None and hasattr(reporter, "settings"):  # SARIF: the configured rule levels
        reporter.settings = settings
    chosen: Reporter = reporter
    return chosen


def default_format(explicit: str | None, env: Mapping[str, str]) -> str:
    if explicit:
        return explicit
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


# ------------------------------------------------------------- pull requests
@dataclass(slots=True)
class Scope:
    result: RunResult
    notes: list[str] = field(default_factory=list)
    mode: str = "nofilter"
    warnings: list[str] = field(default_factory=list)
    # Pull-request mode: the entities the change declares, removes or renames (what a graph of
    # the change centres on); None outside it.
    focus: frozenset[str] | None = None
    impact_count: int = 0  # breaks-references findings added to the result


_WHAT = {
    "file": "in descriptors the change touches",
    "added": "on lines the change adds or modifies",
    "diff_context": "within the change's diff hunks",
    "nofilter": "everywhere",
}


def _base_of(env: Mapping[str, str], changed_since: str | None) -> tuple[str | None, str]:
    if changed_since is not None:
        return changed_since, "--changed-since"
    detected = detect_base(env)
    return detected if detected is not None else (None, "")


_STATE_UNUSED = (
    "--state without --workspace gives the referrers of what a pull request renames or removes; "
    "with no base revision (--changed-since) it was not read"
)


class ChangeScope:
    """The change a pull-request run reports on, computed once: the run asks it which files'
    findings a report can show (so that it decodes no others), and `scope` narrows the report
    with the very same change afterwards."""

    def __init__(self, cwd: Path, env: Mapping[str, str], changed_since: str | None, filter_mode: str | None) -> None:
        self.cwd, self.env, self.changed_since, self.filter_mode = cwd, env, changed_since, filter_mode
        self._known: dict[tuple[Path, str], ChangeSet | ChangesError] = {}
        self._pending: dict[tuple[Path, str], PendingChanges] = {}
        self._selected: tuple[ChangeSet, Mapping[str, Iterable[str]], Selection] | None = None
        # The checkout's files as git lists them (set going by `start`), for the run to take in
        # place of its walk: it asks git about the change anyway.
        self.listing: GitListing | None = None

    def start(self, writes: Sequence[Path]) -> None:
        """Set git going on the change before the run, so that its passes over the working tree
        overlap the run's own; not when the run writes inside the working tree (`writes`: a cache
        folder in the checkout), where git must look after the run, as it always has."""
        base, _ = _base_of(self.env, self.changed_since)
        if base is None:
            return
        try:
            pending = start_changes(self.cwd, base, writes, functools.partial(GitListing.start, self.cwd))
        except ChangesError as err:
            self._known[self.cwd, base] = err  # (the same answer git would give after the run)
            return
        if pending is not None:
            self._pending[self.cwd, base] = pending
        self.listing = pending.listing if pending is not None else GitListing.start(self.cwd)

    def compute(self, cwd: Path, base: str) -> ChangeSet:
        if (cwd, base) not in self._known:
            try:
                pending = self._pending.pop((cwd, base), None)
                self._known[cwd, base] = pending.result() if pending is not None else compute_changes(cwd, base)
            except ChangesError as err:
                self._known[cwd, base] = err
        known = self._known[cwd, base]
        if isinstance(known, ChangesError):
            raise known
        return known

    @property
    def narrows(self) -> bool:
        """Whether the report may show only some files (`shown` may answer other than None)."""
        return _base_of(self.env, self.changed_since)[0] is not None and (self.filter_mode or "file") != "nofilter"

    @property
    def shown_if_narrowed(self) -> Callable[[Mapping[str, Iterable[str]]], set[str] | None] | None:
        """`shown`, for a run whose report may narrow; None for one that reports every file (and
        so reads every result: nothing for the cache to leave encoded)."""
        return self.shown if self.narrows else None

    def shown(self, linted: Mapping[str, Iterable[str]]) -> set[str] | None:
        """The files (display paths) whose findings the report can show; None: any file's."""
        try:
            base, _ = _base_of(self.env, self.changed_since)
            if base is None or not self.narrows:
                return None
            return self.select(self.compute(self.cwd, base), linted, self.cwd).files
        except ChangesError:
            return None  # `scope` says why, as it would have without this

    def select(self, changes: ChangeSet, linted: Mapping[str, Iterable[str]], cwd: Path) -> Selection:
        """`select`, once for the run's own mapping of what each file read (its `deps`)."""
        known = self._selected
        if known is not None and known[0] is changes and known[1] is linted and cwd == self.cwd:
            return known[2]
        # (a run's own mapping knows each local file's real path: see lint.run.Linted)
        selection = select(changes, linted, cwd, getattr(linted, "reals", None))
        self._selected = (changes, linted, selection)
        return selection


def scope(
    result: RunResult,
    cwd: Path,
    env: Mapping[str, str],
    changed_since: str | None,
    filter_mode: str | None,
    impact: ImpactOptions | None = None,
    change_scope: ChangeScope | None = None,
) -> Scope:
    """Narrow the result to what a change touches, and add what the change breaks elsewhere.

    With an explicit --changed-since, a change that cannot be computed raises ChangesError (exit 2).
    With a base taken from the CI environment (a pull request event), it is a warning instead and every
    finding is reported: pull-request mode only narrows the report, so failing it must not lose the run."""
    base, origin = _base_of(env, changed_since)
    if base is None:
        notes = [f"--filter-mode {filter_mode} needs a base revision (--changed-since); reporting every finding"]
        unused = [_STATE_UNUSED] if impact is not None and impact.elsewhere is not None else []
        return Scope(result, notes if filter_mode not in (None, "nofilter") else [], "nofilter", unused)
    mode = filter_mode or "file"
    try:
        change_scope = change_scope or ChangeScope(cwd, env, changed_since, filter_mode)
        changes = change_scope.compute(cwd, base)
    except ChangesError as err:
        if origin == "--changed-since":
            raise
        message = f"pull-request mode is off, so every finding is reported: {err}"
        return Scope(result, [message], "nofilter", [message])
    selection = change_scope.select(changes, result.deps, cwd)
    narrowed = filter_result(result, selection, mode)
    if narrowed is result:
        narrowed = _copy(result)
    outcome = Scope(narrowed, [], mode)
    _add_impact(outcome, result, changes, selection, cwd, impact or ImpactOptions())
    outcome.notes.insert(
        0,
        f"Pull-request mode: {len(selection.files)} of {counted(result.files, 'file')} selected (changed since "
        f"{base[:12] if len(base) == 40 else base}, {origin}); showing findings {_WHAT[mode]} (--filter-mode {mode}), "
        f"{len(narrowed.findings)} of {len(result.findings) + result.elided + outcome.impact_count}.",
    )
    return outcome


def _copy(result: RunResult) -> RunResult:
    copy = RunResult(result.files, list(result.documents), list(result.findings), result.deps, result.digests)
    copy.unverified, copy.unreadable, copy.reached_from = result.unverified, result.unreadable, result.reached_from
    copy.copy_relations(result)
    copy.lines = result.lines
    return copy


def impact_keys(impact: Impact) -> set[str]:
    return {f.entity for f in impact.findings if f.entity}


def _add_impact(
    outcome: Scope, full: RunResult, changes: ChangeSet, selection: Selection, cwd: Path, options: ImpactOptions
) -> None:
    """The `breaks-references` findings of the change: reported whatever the filter mode, since the
    line they are on is the change itself."""
    impact = analyse(full, changes, cwd, options)
    result = outcome.result
    result.findings = sorted([*result.findings, *impact.findings], key=Finding.sort_key)
    result.lines = _with_lines_of(impact.findings, result.lines, cwd, changes, options.max_bytes)
    if impact.relations:  # (a run's relations are built when first read: most changes add none)
        result.relations.extend(impact.relations)
    outcome.warnings.extend(impact.warnings)
    outcome.notes.extend(impact.warnings)
    keys = impact_keys(impact)
    for broken in impact.broken:
        if broken.new and broken.old in keys:
            result.relations.append(Relation(broken.old, "renamed to", broken.new, broken.path, broken.span.line))
    changed = {d.entity for d in full.documents_of(selection.changed) if d.entity}
    # A removal that breaks nothing is no part of the picture; a rename's new name always is.
    moved = keys | {b.new for b in impact.broken if b.new}
    outcome.focus = frozenset(changed | moved)
    outcome.impact_count = len(impact.findings)


def _with_lines_of(
    findings: Sequence[Finding], lines: dict[str, str], cwd: Path, changes: ChangeSet, max_bytes: int
) -> dict[str, str]:
    """`lines` with the text of each finding's line that the run did not keep (a removed entity's
    finding sits where its lines went; a rejected entity declared nothing; a deleted file was not
    linted), so SARIF fingerprints the line and not the message, which lists the referrers and
    changes with them. From the checkout, or for a deleted file from the base of the change."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        if finding.span.line not in unpack_lines(lines.get(finding.path, "")):
            wanted.setdefault(finding.path, set()).add(finding.span.line)
    if not wanted:
        return lines
    out = dict(lines)  # the full run's mapping may be this one: not changed in place
    gone: dict[str, str] = {}  # repository-relative path -> the finding's path
    for path, numbers in wanted.items():
        try:
            text = (cwd / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            gone[_relative(cwd / path, changes.root)] = path
            continue
        # The run's own lines last: where both have a line, the one linted wins.
        out[path] = line_texts(text, numbers) + out.get(path, "")
    try:
        base = read_blobs(Repo(changes.root), changes.base, sorted(gone), max_bytes) if gone else {}
    except (GitFailed, OSError, ValueError, IndexError):
        base = {}  # without them, those findings are fingerprinted by their message
    for rel, text in base.items():
        path = gone[rel]
        out[path] = line_texts(text, wanted[path]) + out.get(path, "")
    return out


def _relative(path: Path, root: Path) -> str:
    absolute = path.resolve()  # as git names the top level: links resolved
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


# ------------------------------------------------------------------ publish
@dataclass(slots=True)
class CiOptions:
    fmt: str = "text"
    outputs: Sequence[tuple[str, Path]] = ()
    bitbucket: bool = False
    bitbucket_proxy: str | None = None
    annotations: str = "commands"
    github_token: str | None = None
    summary: bool | None = None  # None: when GITHUB_STEP_SUMMARY is set
    failed: bool = False
    fail_on: Severity | None = Severity.ERROR  # the run's --fail-on; None: never
    settings: Settings | None = None  # the run's configuration (rule levels in SARIF)
    colour: bool = False
    notes: Sequence[str] = ()
    graph: bool = True  # a relation graph in the job summary
    graph_nodes: int = 60
    focus: frozenset[str] | None = None  # pull-request mode: the entities of the change


class Publisher:
    def __init__(
        self,
        options: CiOptions,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        *,
        out: Callable[[str], None],
        err: Callable[[str], None],
    ) -> None:
        self.options = options
        self.cwd = cwd
        self.env = dict(os.environ if env is None else env)
        self._out = out
        self._err = err
        self.paths = PathMapper.for_cwd(cwd, self.env)
        self.warnings: list[str] = []
        self._built: tuple[RunResult, Graph] | None = None  # the relation graph, and the result it is of
        self._secrets = [s for s in (options.github_token,) if s]
        try:
            from catalint.bitbucket.credentials import load_credentials

            self._secrets.extend(load_credentials(self.env).secrets())
        except Exception:  # bad credentials are reported by the Bitbucket step itself
            pass

    def _redact(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "***")
        # and every secret the run learnt since: app-config credentials, OAuth tokens, the Backstage token
        message = REDACTOR.redact(message)
        return printable(message)  # one line, no user:password@ (a proxy or API URL may carry one)

    def warn(self, message: str) -> None:
        message = self._redact(message)
        self.warnings.append(message)
        self._err(f"catalint: warning: {message}")

    def info(self, message: str) -> None:
        self._err(f"catalint: {self._redact(message)}")

    def publish(self, result: RunResult) -> None:
        written: dict[str, str] = {}
        for fmt, path in self.options.outputs:
            try:
                target = path if path.is_absolute() else self.cwd / path
                reporter = file_reporter(
                    fmt,
                    self.paths,
                    self.options.focus,
                    self.options.graph_nodes,
                    self.options.settings,
                    lambda: self._relation_graph(result),
                )
                if fmt == "junit":  # a test fails exactly when its finding fails the run
                    from catalint.report.junit import JunitReporter

                    if isinstance(reporter, JunitReporter):
                        reporter.fail_on = self.options.fail_on
                write_atomic(target, reporter.render(result))
                written[fmt] = str(path)
                for notice in getattr(reporter, "notices", ()):  # e.g. SARIF capped at GitHub's limit
                    self.info(notice)
            except Exception as exc:  # one report never loses the others
                self.warn(f"the {fmt} report {path} could not be written: {exc}")
        annotate = True
        check_url: str | None = None
        if self.options.annotations == "checks":
            check_url = self._checks(result)
            annotate = check_url is None
        self._stdout(result, annotate, check_url)
        self._summary(result)
        self._outputs(result, written, check_url)
        if self.options.bitbucket:
            self._bitbucket(result)

    # ------------------------------------------------------------- pieces
    def _stdout(self, result: RunResult, annotate: bool, check_url: str | None) -> None:
        fmt = self.options.fmt
        try:
            reporter = reporter_for(fmt, self.paths, colour=self.options.colour, annotate=annotate)
            stream = getattr(reporter, "stream", None)
            if stream is not None:
                stream(result, self._out)  # a large report is written as made, never held whole
            else:
                self._out(reporter.render(result))
            if fmt != "json":
                notes = list(self.options.notes)
                if check_url:
                    notes.append(f"annotations are on the check run {check_url}")
                if notes:
                    self._out("".join(f"catalint: {n}\n" for n in notes))
        except Exception as exc:
            self.warn(f"the {fmt} output failed: {exc}")

    @property
    def _fallback(self) -> str:
        if self.options.fmt == "github":
            return "using workflow commands instead"
        return f"no annotations (--format {self.options.fmt} prints none)"

    def _checks(self, result: RunResult) -> str | None:
        from catalint.report.github import ChecksError, GithubEnv, publish_check_run, summary_markdown

        token = self.options.github_token
        if not token:
            self.warn(
                "--annotations checks needs a token (--github-token, GITHUB_TOKEN or the github-token input); "
                + self._fallback
            )
            return None
        gh = GithubEnv.from_env(self.env)
        try:
            graph = self._graph(result)
            summary = summary_markdown(result, gh, self.paths, limit=60000, notes=self.options.notes, graph=graph)
            run = publish_check_run(result, gh, token, failed=self.options.failed, paths=self.paths, summary=summary)
        except ChecksError as exc:
            if exc.status == 403:
                self.warn(
                    f"the Checks API refused the check run ({exc}); the token needs `checks: write`, which "
                    "pull requests from forks never get; " + self._fallback
                )
            else:
                self.warn(f"the check run could not be written ({exc}); {self._fallback}")
            return None
        except Exception as exc:
            self.warn(f"the check run could not be written ({exc}); {self._fallback}")
            return None
        return run.html_url or f"check run {run.id}"

    def _summary(self, result: RunResult) -> None:
        wanted = self.options.summary
        target = self.env.get("GITHUB_STEP_SUMMARY")
        if wanted is False or (wanted is None and not target):
            return
        if not target:
            self.warn("--summary: GITHUB_STEP_SUMMARY is not set, so there is no job summary to write")
            return
        from catalint.report.github import GithubEnv, append_summary

        try:
            graph = self._graph(result)
            env = GithubEnv.from_env(self.env)
            append_summary(target, result, env, self.paths, notes=self.options.notes, graph=graph)
        except Exception as exc:
            self.warn(f"the job summary could not be written: {exc}")

    def _graph(self, result: RunResult) -> str | None:
        """The Mermaid picture for the job summary, or None when it is off or cannot be drawn."""
        if not self.options.graph:
            return None
        from catalint.report import mermaid

        try:
            drawn = self._relation_graph(result)
            return mermaid.render_graph(drawn) if drawn.nodes else None
        except Exception as exc:  # the table of findings matters more than the picture
            self.warn(f"the relation graph could not be drawn: {exc}")
            return None

    def _relation_graph(self, result: RunResult) -> Graph:
        """The run's relation graph, built once for the summary, the checks and the graph files."""
        if self._built is None or self._built[0] is not result:
            from catalint.report import graph

            self._built = (result, graph.build(result, self.options.focus, self.options.graph_nodes))
        return self._built[1]

    def _outputs(self, result: RunResult, written: Mapping[str, str], check_url: str | None) -> None:
        target = self.env.get("GITHUB_OUTPUT")
        if not target:
            return
        from catalint.report.github import write_outputs

        values = {
            "errors": str(result.count(Severity.ERROR)),
            "warnings": str(result.count(Severity.WARNING)),
            "infos": str(result.count(Severity.INFO)),
            "files": str(result.files),
        }
        values.update({f"{fmt}-file": path for fmt, path in written.items()})
        if check_url:
            values["check-run"] = check_url
        try:
            write_outputs(target, values)
        except Exception as exc:
            self.warn(f"the step outputs could not be written: {exc}")

    def _bitbucket(self, result: RunResult) -> None:
        from catalint.report.bitbucket import BitbucketReportError, publish_report, resolve_target

        try:
            target = resolve_target(self.env, commit=_head_commit(self.cwd), proxy=self.options.bitbucket_proxy)
            outcome = publish_report(result, target, failed=self.options.failed, paths=self.paths)
        except BitbucketReportError as exc:
            self.warn(f"the Bitbucket Code Insights report could not be written: {exc}")
            return
        except Exception as exc:
            self.warn(f"the Bitbucket Code Insights report could not be written: {type(exc).__name__}: {exc}")
            return
        extra = f" ({outcome.left_out} more not annotated: Bitbucket's limit)" if outcome.left_out else ""
        self.info(f"Code Insights report written with {counted(outcome.annotations, 'annotation')}{extra}")


def _head_commit(cwd: Path) -> str | None:
    try:
        import git

        return str(git.Repo(cwd, search_parent_directories=True).head.commit.hexsha)
    except Exception:  # not a repository: the caller says the commit is unknown
        return None
