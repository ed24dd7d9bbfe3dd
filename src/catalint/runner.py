"""A lint run over local files: find them, lint each (in parallel, through the cache), follow
Location targets, then run the checks that need every file at once."""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalint import cache as cachemod
from catalint.config import AppConfig, CatalogRule, Settings
from catalint.facts import FileResult, apply_directives
from catalint.model import Finding, RunResult, Severity
from catalint.resolve.local import find_root
from catalint.rules import duplicate_entity, unresolved_ref
from catalint.rules.catalog_rules import ID as CATALOG_RULES
from catalint.sources.files import REMOTE_DEP, display_path, walk

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from catalint.bitbucket.checkout import Checkout
    from catalint.engine import Options, Source
    from catalint.sources.local import RemoteExists

PARALLEL_THRESHOLD = 24


class UsageError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Origin:
    """The registered location a file was reached through; catalog rules are judged against it."""

    type: str = "url"
    target: str = ""
    allow: tuple[str, ...] | None = None


@dataclass(slots=True)
class Job:
    path: Path
    root: Path
    origin: Origin
    location_type: str = "url"
    real: str = ""  # the resolved path, which identifies the file across roots and Location targets


@dataclass(slots=True)
class LintRequest:
    paths: list[Path]
    settings: Settings
    cwd: Path
    jobs: int = 0
    cache_dir: Path | None = None
    assume_placeholders: bool = False
    style: bool = True
    app_locations: list[tuple[Path, Origin]] = field(default_factory=list)
    known_entities: frozenset[str] = frozenset()
    extra_sources: list[Source] = field(default_factory=list)
    source_lint: Callable[[list[Source]], list[FileResult]] | None = None
    # The Bitbucket repository a checkout root is, if any: URLs into it are read from the tree.
    checkout_for: Callable[[Path], Checkout | None] | None = None
    # Checks absolute URLs into other repositories; files are then linted in threads, uncached.
    remote_exists: RemoteExists | None = None
    # Given the reference targets no linted file declares, returns those that exist elsewhere
    # (a running catalog); called once, after linting, before unresolved references are reported.
    known_lookup: Callable[[set[str]], set[str]] | None = None


# Per-worker state, built once per process rather than once per file.
_WORKER: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker process needs of the settings; small, so it crosses processes cheaply."""

    yamllint: str | None
    max_bytes: int
    kinds: dict[str, list[str]]
    assume_placeholders: bool
    allowed_hosts: tuple[str, ...] = ()


def _options(payload: WorkerSettings) -> Options:
    from catalint.engine import Options

    cached = _WORKER.get("options")
    if cached is not None and _WORKER.get("payload") == payload:
        return cached  # type: ignore[no-any-return]
    options = Options.build(
        yamllint=payload.yamllint,
        max_bytes=payload.max_bytes,
        kinds=payload.kinds,
        assume_placeholders=payload.assume_placeholders,
    )
    _WORKER["options"] = options
    _WORKER["payload"] = payload
    return options


_Args = tuple[str, str, str, bytes | None, str, WorkerSettings, "Checkout | None"]


def _lint_one(args: _Args, remote: RemoteExists | None = None) -> dict[str, Any]:
    path, display, root, content, location_type, payload, checkout = args
    options = dataclasses.replace(_options(payload), location_type=location_type)
    from catalint.engine import lint_source
    from catalint.resolve.local import LocalResolver
    from catalint.sources.local import PreloadedSource

    source = PreloadedSource(
        Path(path), display, LocalResolver(Path(root)), content, checkout, remote, payload.allowed_hosts
    )
    result = lint_source(source, options)
    result.deps = source.deps
    return cachemod.dump(result)


def _roots(request: LintRequest) -> list[tuple[Path, bool, Origin]]:
    roots: list[tuple[Path, bool, Origin]] = []
    for raw in request.paths:
        path = raw if raw.is_absolute() else request.cwd / raw
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        roots.append((path, path.is_file(), Origin()))
    for path, origin in request.app_locations:
        roots.append((path, True, origin))
    return roots


def collect(request: LintRequest) -> list[Job]:
    jobs: list[Job] = []
    seen: set[str] = set()
    for path, is_file, origin in _roots(request):
        root = find_root(path if path.is_dir() else path.parent)
        if not (root / ".git").exists():
            root = (path if path.is_dir() else path.parent).resolve()
        candidates = (
            [(path, os.path.realpath(path))]
            if is_file
            else walk(path, request.settings.include, request.settings.exclude)
        )
        for candidate, key in candidates:
            if key not in seen:
                seen.add(key)
                jobs.append(Job(candidate, root, origin, origin.type if origin.target else "url", key))
    return jobs


class _LocalRun:
    """The state of one run over local files: the cache, the files seen, the worker pool."""

    def __init__(self, request: LintRequest) -> None:
        settings = request.settings
        self.request = request
        self.payload = WorkerSettings(
            settings.yamllint if request.style else None,
            settings.max_file_size,
            settings.kinds,
            request.assume_placeholders,
            tuple(settings.trusted_hosts()),
        )
        self.fingerprint = (
            settings.fingerprint()
            + ("-assume" if request.assume_placeholders else "")
            + ("" if request.style else "-nostyle")
            + ("-remote" if request.remote_exists is not None else "")
        )
        roots = [str(p) for p in request.paths] + [str(p) for p, _ in request.app_locations] + [str(request.cwd)]
        self.store = (
            cachemod.ResultCache(request.cache_dir, cachemod.pack_name(self.fingerprint, roots))
            if request.cache_dir
            else None
        )
        self.checkouts: dict[Path, Checkout | None] = {}
        self.pool: Executor | None = None

    def checkout_of(self, root: Path) -> Checkout | None:
        if self.request.checkout_for is None:
            return None
        if root not in self.checkouts:
            self.checkouts[root] = self.request.checkout_for(root)
        return self.checkouts[root]

    def cached(self, job: Job, display: str) -> tuple[FileResult | None, str, bytes | None]:
        """A cached result for `job`, or the content key and bytes to lint it and store it under."""
        store = self.store
        if store is None:
            return None, "", None
        signature = cachemod.stat_signature(job.path)
        stat_id = "\0".join((job.real, display, job.location_type))
        known_key = store.key_by_stat(stat_id, signature) if signature else None
        if known_key is not None and signature:
            hit = store.get(known_key)
            if hit is not None:
                store.remember_stat(stat_id, signature, known_key)
                return hit, known_key, None
        if signature and signature[0] > self.payload.max_bytes:
            return None, "", None  # too large to read for a cache key; linting says so unread
        try:
            content = job.path.read_bytes()
        except OSError:
            return None, "", None
        identity = self.checkout_of(job.root)
        where = display + "\0" + job.location_type + ("\0" + identity.key if identity else "")
        key = cachemod.key_for(content, where, self.fingerprint)
        if signature:
            store.remember_stat(stat_id, signature, key)
        return store.get(key), key, content

    def lint(self, work: list[tuple[Job, str, bytes | None]]) -> list[dict[str, Any]]:
        """Lint (job, display path, bytes read for the cache key) in workers, threads or here."""
        args: list[_Args] = [
            (
                str(job.path),
                display,
                str(job.root),
                content,
                job.location_type,
                self.payload,
                self.checkout_of(job.root),
            )
            for job, display, content in work
        ]
        remote = self.request.remote_exists
        if remote is not None:
            if len(args) <= 1:
                return [_lint_one(a, remote) for a in args]
            # The network checker cannot cross into worker processes; threads wait on it instead.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(8, len(args))) as threads:
                return list(threads.map(functools.partial(_lint_one, remote=remote), args))
        workers = self.request.jobs or (os.cpu_count() or 1)
        if len(args) < PARALLEL_THRESHOLD or workers <= 1:
            return [_lint_one(a) for a in args]
        if self.pool is None:
            # Imported here: multiprocessing is a noticeable part of start-up, and small or fully
            # cached runs never need it.
            from concurrent.futures import ProcessPoolExecutor

            from catalint.workers import follow_parent

            self.pool = ProcessPoolExecutor(max_workers=workers, initializer=follow_parent)
        chunk = max(1, len(args) // (workers * 8))
        return list(self.pool.map(_lint_one, args, chunksize=chunk))

    def wave(self, pending: list[Job]) -> list[tuple[Job, FileResult]]:
        """Lint `pending` (from the cache where possible), keeping its order."""
        results: list[FileResult | None] = []
        work: list[tuple[Job, str, bytes | None]] = []
        keys: dict[int, str] = {}
        for index, job in enumerate(pending):
            display = display_path(job.path, self.request.cwd)
            hit, key, content = self.cached(job, display)
            results.append(hit)
            if hit is None:
                keys[index] = key
                work.append((job, display, content))
        fresh = iter(self.lint(work))
        for index, key in keys.items():
            result = cachemod.load(next(fresh))
            if self.store is not None and key and not any(d.startswith(REMOTE_DEP) for d in result.deps):
                self.store.put(key, result)
            results[index] = result
        return [(job, result) for job, result in zip(pending, results, strict=True) if result is not None]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        if self.store is not None:
            self.store.save()


def _followed(results: list[tuple[Job, FileResult]], seen: set[str]) -> list[Job]:
    """The files this wave's Location entities point at, not linted yet."""
    pending: list[Job] = []
    for job, result in results:
        for child in result.children:
            real = os.path.realpath(child.location)
            if real in seen or not Path(child.location).is_file():
                continue
            seen.add(real)
            pending.append(Job(Path(child.location), job.root, job.origin, child.type, real))
    return pending


def run(request: LintRequest) -> RunResult:
    local = _LocalRun(request)
    pending = collect(request)
    seen = {job.real for job in pending}
    results: list[tuple[Job, FileResult]] = []
    try:
        while pending:
            wave = local.wave(pending)
            results.extend(wave)
            pending = _followed(wave, seen)
    finally:
        local.close()
    file_results = [r for _, r in results]
    if request.source_lint is not None and request.extra_sources:
        file_results.extend(request.source_lint(request.extra_sources))
    known = request.known_entities
    if request.known_lookup is not None:
        declared = {entity.key for result in file_results for entity in result.declared} | known
        missing = {ref.target for result in file_results for ref in result.references} - declared
        if missing:
            known = known | frozenset(request.known_lookup(missing) & missing)
    return finish(file_results, [j.origin for j, _ in results], request.settings, known)


def finish(
    files: Sequence[FileResult],
    origins: Sequence[Origin],
    settings: Settings,
    known: frozenset[str] = frozenset(),
) -> RunResult:
    cross: list[Finding] = []
    cross.extend(duplicate_entity.check_run(files, duplicate_entity.SEVERITY))
    cross.extend(unresolved_ref.check_run(files, unresolved_ref.SEVERITY, known))
    if _app_config_given(settings):
        cross.extend(_catalog_rules(files, origins, settings.app))
    by_path: dict[str, list[Finding]] = {}
    for finding in cross:
        by_path.setdefault(finding.path, []).append(finding)
    run_result = RunResult(files=len(files))
    for result in files:
        result.findings = list(result.findings) + by_path.get(result.path, [])
        for finding in apply_directives(result):
            severity = settings.severity_for(finding.rule, finding.severity)
            if severity is None:
                continue
            if severity != finding.severity:
                finding = Finding(
                    finding.rule,
                    severity,
                    finding.message,
                    finding.path,
                    finding.span,
                    finding.document,
                    finding.entity,
                )
            run_result.findings.append(finding)
        run_result.documents.extend(result.documents)
        run_result.deps[result.path] = list(result.deps)
    run_result.findings.sort(key=Finding.sort_key)
    return run_result


def _app_config_given(settings: Settings) -> bool:
    return settings.app.given


_DEFAULT_RULE = CatalogRule([("Component", None), ("API", None), ("Location", None)])


def _rule_matches(rule: CatalogRule, kind: str, spec_type: str | None, origin: Origin) -> bool:
    if rule.locations is not None:
        ok = False
        for loc in rule.locations:
            if str(loc.get("type", "")) != origin.type:
                continue
            if "exact" in loc and loc["exact"] == origin.target:
                ok = True
            if "pattern" in loc and fnmatch.fnmatch(origin.target.lower(), str(loc["pattern"]).lower()):
                ok = True
        if not ok:
            return False
    for allowed_kind, allowed_type in rule.allow:
        if allowed_kind.lower() != kind.lower():
            continue
        if allowed_type is None or (spec_type is not None and allowed_type.lower() == spec_type.lower()):
            return True
    return False


def _catalog_rules(files: Sequence[FileResult], origins: Sequence[Origin], app: AppConfig) -> Iterable[Finding]:
    rules = app.rules if app.rules is not None else [_DEFAULT_RULE]
    for result, origin in zip(files, origins, strict=False):
        local = [CatalogRule([(k, None) for k in origin.allow])] if origin.allow else []
        for entity in result.declared:
            if any(_rule_matches(r, entity.kind, entity.spec_type, origin) for r in (*rules, *local)):
                continue
            where = f" from {origin.type}:{origin.target}" if origin.target else ""
            yield Finding(
                CATALOG_RULES,
                Severity.ERROR,
                f"{entity.kind} entities are not allowed by catalog.rules{where}; Backstage would refuse {entity.key}",
                result.path,
                entity.span,
                entity.document,
                entity.key,
            )
