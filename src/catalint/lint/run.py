"""A lint run over local files: find them, lint each (in parallel, through the cache), follow
Location targets, then run the checks that need every file at once."""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import gc
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from catalint.config import AppConfig, CatalogRule, Settings
from catalint.facts import ANYWHERE, FileResult, Origin, apply_directives
from catalint.lint import cache as cachemod
from catalint.model import Finding, RunResult, Severity
from catalint.redact import redact_url
from catalint.resolve.local import find_root
from catalint.rules import duplicate_entity, unresolved_ref
from catalint.rules.catalog_rules import ID as CATALOG_RULES
from catalint.rules.unverified import NOT_VERIFIED
from catalint.sources.files import REMOTE_DEP, display_path, walk

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from catalint.bitbucket.checkout import Checkout
    from catalint.facts import Fetched, Options
    from catalint.rules.policy import Policy
    from catalint.sources.bitbucket import RemoteLinter, RemoteRoot
    from catalint.sources.local import RemoteReader

PARALLEL_THRESHOLD = 24
WAVE_BATCH = 2000  # files read, queued and linted together


class UsageError(Exception):
    pass


@dataclass(slots=True)
class Job:
    path: Path
    root: Path
    origin: Origin
    location_type: str = "url"
    real: str = ""  # the resolved path, which identifies the file across roots and Location targets
    content: bytes | None = None  # bytes given rather than read from `path` (stdin): never cached
    display: str = ""


@dataclass(frozen=True, slots=True)
class Stdin:
    """A descriptor read from stdin, linted as the file at `path` (which need not exist) would be:
    relative targets resolve from there, inside its checkout, and it stands in for that file."""

    path: Path
    display: str
    content: bytes


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
    # Bitbucket file URLs to lint as well (the command line, workspace discovery, sync).
    urls: list[str] = field(default_factory=list)
    # The registered location (an app-config's catalog.locations entry) some of `urls` come from.
    url_origins: dict[str, Origin] = field(default_factory=dict)
    # Starts the run's Bitbucket side on first need: when `urls` are given, or a local descriptor
    # names a Bitbucket URL outside its checkout. None: the run is offline, and each such URL is
    # an `offline` finding instead.
    remote: Callable[[], RemoteLinter] | None = None
    # The Bitbucket repository a checkout root is, if any: URLs into it are read from the tree.
    checkout_for: Callable[[Path], Checkout | None] | None = None
    # Given the reference targets no linted file declares, returns those that exist elsewhere
    # (a running catalog); called once, after linting, before unresolved references are reported.
    known_lookup: Callable[[set[str]], set[str]] | None = None
    stdin: Stdin | None = None
    # Given every linted file's dependencies (display path -> what it read), the files whose
    # findings a report can show, or None for all (a pull request's run shows a few): the
    # cached findings of the others are counted, never decoded.
    shown: Callable[[Mapping[str, Iterable[str]]], Collection[str] | None] | None = None


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
    # True when the run has a Bitbucket side: workers then only note remote URLs (see `Deferred`).
    deferred: bool = False
    policies: tuple[Policy, ...] = ()


def _options(payload: WorkerSettings) -> Options:
    from catalint.lint.file import build_options  # the parser and the rules: only where files are linted

    cached = _WORKER.get("options")
    if cached is not None and _WORKER.get("payload") == payload:
        return cached  # type: ignore[no-any-return]
    options = build_options(
        yamllint=payload.yamllint,
        max_bytes=payload.max_bytes,
        kinds=payload.kinds,
        assume_placeholders=payload.assume_placeholders,
        policies=payload.policies,
    )
    _WORKER["options"] = options
    _WORKER["payload"] = payload
    return options


_Args = tuple[str, str, str, bytes | None, str, WorkerSettings, "Checkout | None"]


def _lint_one(args: _Args) -> dict[str, Any]:
    """`_lint_here` in a worker process: the result crosses back as plain lists and strings."""
    return cachemod.dump(_lint_here(args))


def _lint_here(args: _Args, remote: RemoteReader | None = None) -> FileResult:
    path, display, root, content, location_type, payload, checkout = args
    options = dataclasses.replace(_options(payload), location_type=location_type)
    from catalint.lint.file import lint_source
    from catalint.resolve.local import LocalResolver
    from catalint.sources.local import DEFERRED, OFFLINE, PreloadedSource

    reader = remote or (DEFERRED if payload.deferred else OFFLINE)
    resolvers: dict[str, LocalResolver] = _WORKER.setdefault("resolvers", {})
    if root not in resolvers:
        resolvers[root] = LocalResolver(Path(root))  # resolving the root stats each of its folders
    source = PreloadedSource(Path(path), display, resolvers[root], content, checkout, reader, payload.allowed_hosts)
    result = lint_source(source, options)
    result.deps = source.deps
    return result


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


class _Folders:
    """The checkout root and real path of each folder of the paths a run is given, worked out once
    per folder: given 30,000 files (a pull request's list), resolving each afresh stats every
    component of its path some twenty times over."""

    def __init__(self) -> None:
        self.roots: dict[Path, Path] = {}
        self.reals: dict[Path, str] = {}

    def root(self, folder: Path) -> Path:
        if folder not in self.roots:
            self.roots[folder] = find_root(folder)
        return self.roots[folder]

    def real(self, path: Path) -> str:
        """`os.path.realpath(path)`, from its folder's when the file itself is no symlink."""
        if os.path.islink(path):
            return os.path.realpath(path)
        folder = path.parent
        if folder not in self.reals:
            self.reals[folder] = os.path.realpath(folder)
        return os.path.join(self.reals[folder], path.name)


def _stdin_job(stdin: Stdin) -> Job:
    # The named folder may not exist yet (a new service in an editor): its repository is still above it.
    root = find_root(stdin.path.parent)
    return Job(stdin.path, root, Origin(), "url", os.path.realpath(stdin.path), stdin.content, stdin.display)


def collect(request: LintRequest) -> list[Job]:
    # First, so that the file on disk it stands for is not linted as well.
    jobs: list[Job] = [_stdin_job(request.stdin)] if request.stdin else []
    seen: set[str] = {job.real for job in jobs}
    folders = _Folders()
    for path, is_file, origin in _roots(request):
        root = folders.root(path if path.is_dir() else path.parent)
        candidates = (
            [(path, folders.real(path))]
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
            request.remote is not None,
            settings.policies,
        )
        self.fingerprint = (
            settings.fingerprint()
            + ("-assume" if request.assume_placeholders else "")
            + ("" if request.style else "-nostyle")
        )
        roots = [str(p) for p in request.paths] + [str(p) for p, _ in request.app_locations] + [str(request.cwd)]
        self.store = (
            cachemod.ResultCache(request.cache_dir, cachemod.pack_name(self.fingerprint, roots))
            if request.cache_dir
            else None
        )
        self.checkouts: dict[Path, Checkout | None] = {}
        self.roots: dict[Path, None] = {}  # the roots of every file linted, in order
        self.home = find_root(request.cwd)
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

    def lint(self, work: list[tuple[Job, str, bytes | None]], remote: RemoteReader | None = None) -> list[FileResult]:
        """Lint (job, display path, bytes read for the cache key) in workers, threads or here;
        with `remote`, in threads of this process, where the network client lives."""
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
        if remote is not None:
            if len(args) <= 1:
                return [_lint_here(a, remote) for a in args]
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(8, len(args))) as threads:
                return list(threads.map(functools.partial(_lint_here, remote=remote), args))
        workers = self.request.jobs or (os.cpu_count() or 1)
        if len(args) < PARALLEL_THRESHOLD or workers <= 1:
            return [_lint_here(a) for a in args]
        if self.pool is None:
            # Imported here: multiprocessing is a noticeable part of start-up, and small or fully
            # cached runs never need it.
            from concurrent.futures import ProcessPoolExecutor

            from catalint.lint.workers import follow_parent

            self.pool = ProcessPoolExecutor(max_workers=workers, initializer=follow_parent)
        chunk = max(1, len(args) // (workers * 8))
        return [cachemod.load(data) for data in self.pool.map(_lint_one, args, chunksize=chunk)]

    def wave(self, pending: list[Job]) -> list[tuple[Job, FileResult]]:
        """Lint `pending` (from the cache where possible), keeping its order, a batch at a time:
        the bytes read for cache keys, and the work queued for the pool, are then held for one
        batch rather than for every file of the run."""
        out: list[tuple[Job, FileResult]] = []
        for start in range(0, len(pending), WAVE_BATCH):
            out.extend(self._batch(pending[start : start + WAVE_BATCH]))
        return out

    def _batch(self, pending: list[Job]) -> list[tuple[Job, FileResult]]:
        results: list[FileResult | None] = []
        work: list[tuple[Job, str, bytes | None]] = []
        keys: dict[int, str] = {}
        for index, job in enumerate(pending):
            self.roots.setdefault(job.root, None)
            display = job.display or display_path(job.path, self.request.cwd)
            hit, key, content = self.cached(job, display) if job.content is None else (None, "", job.content)
            results.append(hit)
            if hit is None:
                keys[index] = key
                work.append((job, display, content))
        fresh = iter(self.lint(work))
        for index, key in keys.items():
            result = next(fresh)
            if self.store is not None and key and not any(d.startswith(REMOTE_DEP) for d in result.deps):
                self.store.put(key, result)
            results[index] = result
        return [(job, result) for job, result in zip(pending, results, strict=True) if result is not None]

    def with_network(self, wave: list[tuple[Job, FileResult]], remote: RemoteReader) -> list[tuple[Job, FileResult]]:
        """`wave` with the files that named Bitbucket URLs linted again, this time asking Bitbucket."""
        again = [i for i, (_, result) in enumerate(wave) if any(d.startswith(REMOTE_DEP) for d in result.deps)]
        if not again:
            return wave
        work: list[tuple[Job, str, bytes | None]] = [(wave[i][0], wave[i][1].path, wave[i][0].content) for i in again]
        fresh = self.lint(work, remote)
        out = list(wave)
        for i, result in zip(again, fresh, strict=True):
            out[i] = (wave[i][0], result)
        return out

    def locate(self, url: str) -> tuple[Path, Path] | None:
        """(path, checkout root) when `url` points into a checkout this run lints locally (or the
        working directory's repository), whether or not that path exists."""
        for root in (*self.roots, self.home):
            checkout = self.checkout_of(root)
            inside = checkout.path_in(url) if checkout is not None else None
            if checkout is None or inside is None or not inside[1]:
                continue
            return Path(checkout.root) / inside[0], Path(checkout.root)
        return None

    def divert(self, url: str) -> tuple[Path, Path] | None:
        """`locate`, for a file that is there."""
        found = self.locate(url)
        return found if found is not None and found[0].is_file() else None

    def tree(self, url: str) -> Path | None:
        found = self.locate(url)
        return found[0] if found is not None else None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        if self.store is not None:
            self.store.save()


def _followed(results: list[tuple[Job, FileResult]], seen: set[str]) -> tuple[list[Job], list[RemoteRoot]]:
    """The files this wave's Location entities point at, not linted yet: local, and on Bitbucket."""
    from catalint.resolve.local import is_absolute_url

    pending: list[Job] = []
    remote: list[RemoteRoot] = []
    for job, result in results:
        for child in result.children:
            if is_absolute_url(child.location):
                remote.append(_remote_root(child.location, child.type, job.origin, result.path))
                continue
            real = os.path.realpath(child.location)
            if real in seen or not Path(child.location).is_file():
                continue
            seen.add(real)
            pending.append(Job(Path(child.location), job.root, job.origin, child.type, real))
    return pending, remote


def _remote_root(url: str, location_type: str = "url", origin: Origin = ANYWHERE, via: str = "") -> RemoteRoot:
    from catalint.sources.bitbucket import RemoteRoot

    return RemoteRoot(url, location_type, origin, via)


def run(request: LintRequest) -> RunResult:
    """One lint run: local files in waves, Bitbucket files as they are reached, then the checks
    that need every file at once."""
    if request.urls and request.remote is None:
        raise UsageError("Bitbucket URLs cannot be linted offline; drop --offline or the URLs")
    with quiet_gc():
        return _Run(request).run()


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """A run allocates millions of small objects and frees few cycles: the collector's default
    thresholds had it walk the growing heap again and again (4% of a run at 2,000 files, 12%
    at 30,000). Objects from before the run (modules, settings) are moved out of its sight."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


GC_THRESHOLD = 100_000  # allocations between young collections (default 700)


class _Run:
    """The files of one run, local and remote, in the order they were linted, with the origin
    each was reached through."""

    def __init__(self, request: LintRequest) -> None:
        from catalint.redact import strip_userinfo  # a password in a URL is never echoed

        self.request = request
        self.local = _LocalRun(request)
        self.remote: RemoteLinter | None = None
        self.pending = collect(request)
        self.seen = {job.real for job in self.pending}
        self.asked = {strip_userinfo(url): url for url in request.urls}
        self.roots = [
            _remote_root(url, "url", request.url_origins.get(given, ANYWHERE)) for url, given in self.asked.items()
        ]
        self.files: list[FileResult] = []
        self.origins: list[Origin] = []
        self.where: dict[str, int] = {}  # a local file's real path -> its index in `files`
        self.reached_from: dict[str, str] = {}  # a remote file -> the local descriptor that led there

    def network(self) -> RemoteLinter:
        if self.remote is None:
            assert self.request.remote is not None
            self.remote = self.request.remote()
        return self.remote

    def run(self) -> RunResult:
        try:
            while self.pending or self.roots:
                if self.pending:
                    self.local_wave()
                if self.roots:
                    self.remote_wave()
        finally:
            self.local.close()
            if self.remote is not None:
                self.remote.close()
        return self.finish()

    def local_wave(self) -> None:
        wave = self.local.wave(self.pending)
        if self.request.remote is not None:
            wave = self.local.with_network(wave, _LazyReader(self.network))
        for job, result in wave:
            self.where[job.real] = len(self.files)
            self.files.append(result)
            self.origins.append(job.origin)
        self.pending, more = _followed(wave, self.seen)
        self.roots.extend(more)

    def remote_wave(self) -> None:
        # URLs into a checkout of this run are read from its working tree, roots and targets alike.
        away = [root for root in self.roots if not self.divert(root)]
        self.roots = []
        if not away:
            return
        found, self.roots = self.network().lint(away, tree=self.local.tree)
        for result, root in found:
            self.files.append(result)
            self.origins.append(root.origin)
            if root.via:
                self.reached_from[result.path] = root.via

    def divert(self, root: RemoteRoot) -> bool:
        """Whether `root` names a local file: then it is linted there (or its origin noted)."""
        hit = self.local.divert(root.url)
        if hit is None:
            return False
        real = os.path.realpath(hit[0])
        if real in self.where:
            if self.origins[self.where[real]] == ANYWHERE:
                self.origins[self.where[real]] = root.origin
        elif real not in self.seen:
            self.seen.add(real)
            self.pending.append(Job(hit[0], hit[1], root.origin, root.location_type, real))
        return True

    def finish(self) -> RunResult:
        request, files = self.request, self.files
        known = request.known_entities
        if request.known_lookup is not None:
            declared = {entity.key for result in files for entity in result.declared} | known
            missing = {ref.target for result in files for ref in result.references} - declared
            if missing:
                known = known | frozenset(request.known_lookup(missing) & missing)
        outcome = finish(files, self.origins, request.settings, known, request.shown)
        outcome.reached_from = self.reached_from
        for file in files:
            if file.path in self.asked and file.digest is None:
                outcome.unreadable[file.path] = next((f.message for f in file.findings), "could not be read")
        return outcome


class _LazyReader:
    """Starts the run's Bitbucket side only when a file really asks about a URL."""

    def __init__(self, start: Callable[[], RemoteLinter]) -> None:
        self._start = start
        self._reader: RemoteReader | None = None
        self._failure: BaseException | None = None
        self._lock = threading.Lock()

    def _get(self) -> RemoteReader:
        with self._lock:
            if self._failure is not None:
                # Start once: credentials that failed are said once, not once per file.
                raise self._failure
            if self._reader is None:
                try:
                    self._reader = self._start().reader()
                except BaseException as err:
                    self._failure = err
                    raise
            return self._reader

    def exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        return self._get().exists(url, glob_ok)

    def fetch(self, url: str, purpose: str) -> Fetched:
        return self._get().fetch(url, purpose)

    def prefetch(self, urls: Sequence[str]) -> None:
        self._get().prefetch(urls)


def finish(
    files: Sequence[FileResult],
    origins: Sequence[Origin],
    settings: Settings,
    known: frozenset[str] = frozenset(),
    shown: Callable[[Mapping[str, Iterable[str]]], Collection[str] | None] | None = None,
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
        run_result.deps[result.path] = list(result.deps)
    reported = shown(run_result.deps) if shown is not None else None
    elided_unverified = 0
    severities = _Severities(settings)
    for result in files:
        if reported is not None and result.path not in reported and _still_encoded(result):
            count, unverified = _count_unshown(result, by_path.get(result.path, []), severities)
            run_result.elided += count
            elided_unverified += unverified
        else:
            _add_findings(run_result, result, by_path.get(result.path, []), settings)
        run_result.documents.extend(result.documents)
        run_result.relations.extend(result.relations())
        if result.digest is not None:
            run_result.digests[result.path] = result.digest
    run_result.findings.sort(key=Finding.sort_key)
    run_result.unverified = sum(1 for f in run_result.findings if f.rule in NOT_VERIFIED) + elided_unverified
    return run_result


def _add_findings(run_result: RunResult, result: FileResult, cross: list[Finding], settings: Settings) -> None:
    result.findings = list(result.findings) + cross
    for finding in apply_directives(result):
        severity = settings.severity_for(finding.rule, finding.severity)
        if severity is None:
            continue
        if severity != finding.severity:
            finding = dataclasses.replace(finding, severity=severity)
        if "@" in finding.message:
            # A target written with `user:password@` must not carry it into any report.
            finding = dataclasses.replace(finding, message=redact_url(finding.message))
        run_result.findings.append(finding)
    if result.lines:
        # Every file's, not only those with findings now: pull-request mode adds findings later.
        run_result.lines[result.path] = result.lines


def _still_encoded(result: FileResult) -> TypeGuard[cachemod.CachedResult]:
    return isinstance(result, cachemod.CachedResult) and not result.decoded


class _Severities:
    """`settings.severity_for`, asked once per rule and severity: counting a file's findings
    rather than building them asks about every one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.known: dict[tuple[str, int], bool] = {}

    def shown(self, rule: str, severity: int) -> bool:
        key = (rule, severity)
        if key not in self.known:
            self.known[key] = self.settings.severity_for(rule, Severity(severity)) is not None
        return self.known[key]


def _count_unshown(result: cachemod.CachedResult, cross: list[Finding], severities: _Severities) -> tuple[int, int]:
    """How many findings (and of them, unverified ones) `_add_findings` would add for `result`,
    from its tally rather than its findings: the same directives, then the same severities."""
    count = unverified = 0
    for rule, severity, n in result.tally:
        if severities.shown(rule, severity):
            count += n
            unverified += n if rule in NOT_VERIFIED else 0
    if cross and (result.disabled or result.disabled_file):
        cross = list(apply_directives(FileResult(result.path, findings=cross, disabled=result.disabled, disabled_file=result.disabled_file)))
    for finding in cross:
        if severities.shown(finding.rule, int(finding.severity)):
            count += 1
            unverified += finding.rule in NOT_VERIFIED
    return count, unverified


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
